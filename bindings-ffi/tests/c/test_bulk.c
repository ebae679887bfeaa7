/* Bulk changes (msi_vm_bulk, msi_vmss_bulk): every event through the callback on the calling thread, a failed
 * target as a "failed" result, bad input failing the call before any write, the callback stopping the run. */
#include "harness.h"

typedef struct Events {
  int results, changed, unchanged, failed, progress, not_found;
  bool final_done_is_total;
  int stop_after; /* return nonzero after this many results (0: never) */
} Events;

static int32_t on_event(void *user_data, const char *event_json) {
  Events *e = user_data;
  if (json_has(event_json, "\"type\":\"progress\"")) {
    char total[32], done[32];
    const char *t = strstr(event_json, "\"total\":");
    const char *d = strstr(event_json, "\"done\":");
    e->progress++;
    if (t && d) {
      sscanf(t, "\"total\":%31[0-9]", total);
      sscanf(d, "\"done\":%31[0-9]", done);
      e->final_done_is_total = strcmp(total, done) == 0;
    }
    return 0;
  }
  e->results++;
  if (json_has(event_json, "\"status\":\"changed\"")) e->changed++;
  if (json_has(event_json, "\"status\":\"unchanged\"")) e->unchanged++;
  if (json_has(event_json, "\"status\":\"failed\"")) {
    e->failed++;
    if (json_has(event_json, "\"kind\":\"not_found\"") && json_has(event_json, "\"code\":\"ResourceNotFound\"")) {
      e->not_found++;
    }
  }
  return e->stop_after > 0 && e->results >= e->stop_after;
}

void test_bulk(Fixture *f) {
  char rg[64], sel[256], json_buf[512];
  char *json = NULL;
  snprintf(rg, sizeof rg, "c-bulk-%s", f->suffix);
  EXPECT_OK(msi_group_create(f->client, rg, "westus", &json, &err_));
  msi_string_free(json);
  for (int i = 0; i < 6; i++) {
    char name[16];
    snprintf(name, sizeof name, "vm%d", i);
    snprintf(json_buf, sizeof json_buf,
             "{\"location\":\"westus\",\"tags\":{\"env\":\"%s\"},\"properties\":{\"storageProfile\":{\"imageReference\":"
             "{\"publisher\":\"Canonical\",\"offer\":\"o\",\"sku\":\"s\",\"version\":\"latest\"}}}}",
             i % 2 == 0 ? "prod" : "dev");
    json = NULL;
    EXPECT_OK(msi_vm_create(f->client, rg, name, json_buf, NULL, &json, &err_));
    msi_string_free(json);
  }
  const char *assign = "{\"action\":\"assign\"}";

  /* By tag: the three prod VMs change. */
  Events e = {0};
  char *summary = NULL;
  snprintf(sel, sizeof sel, "{\"resourceGroup\":\"%s\",\"tag\":\"env=prod\"}", rg);
  EXPECT_OK(msi_vm_bulk(f->client, sel, assign, NULL, on_event, &e, &summary, &err_));
  CHECK(e.results == 3 && e.changed == 3 && e.progress > 0 && e.final_done_is_total);
  CHECK(json_has(summary, "\"done\":3") && json_has(summary, "\"total\":3") && json_has(summary, "\"stopped\":false"));
  msi_string_free(summary);

  /* Over the group: the other three change; again: nothing. */
  Events e2 = {0};
  snprintf(sel, sizeof sel, "{\"resourceGroup\":\"%s\"}", rg);
  EXPECT_OK(msi_vm_bulk(f->client, sel, assign, "{\"concurrency\":2}", on_event, &e2, NULL, &err_));
  CHECK(e2.changed == 3 && e2.unchanged == 3 && e2.final_done_is_total);
  Events e3 = {0};
  EXPECT_OK(msi_vm_bulk(f->client, sel, assign, NULL, on_event, &e3, NULL, &err_));
  CHECK(e3.unchanged == 6 && e3.changed == 0);

  /* IDs with one missing: it fails alone with its NotFound error. */
  Events e4 = {0};
  const char *base = "/providers/Microsoft.Compute/virtualMachines/";
  char ids[1024];
  snprintf(ids, sizeof ids,
           "{\"ids\":[\"/subscriptions/%s/resourceGroups/%s%svm1\",\"/subscriptions/%s/resourceGroups/%s%smissing\"]}",
           f->subscription, rg, base, f->subscription, rg, base);
  EXPECT_OK(msi_vm_bulk(f->client, ids, "{\"action\":\"remove\"}", NULL, on_event, &e4, NULL, &err_));
  CHECK(e4.results == 2 && e4.changed == 1 && e4.failed == 1 && e4.not_found == 1);
  json = NULL;
  EXPECT_OK(msi_vm_identity_show(f->client, rg, "vm1", &json, &err_));
  CHECK(json != NULL && (strcmp(json, "null") == 0 || json_has(json, "\"type\":\"None\""))); /* no identity */
  msi_string_free(json);

  /* Bad input fails the call before anything is written; the summary is not written. */
  Events e5 = {0};
  summary = NULL;
  snprintf(sel, sizeof sel, "{\"resourceGroup\":\"%s\",\"tag\":\"=x\"}", rg);
  {
    MsiError *err = NULL;
    CHECK(msi_vm_bulk(f->client, sel, "{\"action\":\"remove\"}", NULL, on_event, &e5, &summary, &err) ==
          MSI_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(msi_error_message(err), "invalid tag") != NULL);
    msi_error_free(err);
  }
  snprintf(sel, sizeof sel, "{\"resourceGroup\":\"%s\",\"ids\":[\"x\"]}", rg);
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_bulk(f->client, sel, "{\"action\":\"remove\"}", NULL, on_event, &e5, &summary, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_bulk(f->client, "{\"group\":\"g\"}", assign, NULL, on_event, &e5, &summary, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_bulk(f->client, "{\"resourceGroup\":\"g\"}", assign, "{\"parallel\":1}", NULL, NULL, NULL, &err_));
  EXPECT(MSI_RESULT_INVALID_JSON, msi_vm_bulk(f->client, "{", assign, NULL, NULL, NULL, NULL, &err_));
  CHECK(e5.results == 0 && e5.progress == 0 && summary == NULL);
  json = NULL;
  EXPECT_OK(msi_vm_identity_show(f->client, rg, "vm0", &json, &err_));
  CHECK(json_has(json, "\"type\":\"SystemAssigned\""));
  msi_string_free(json);

  /* Scale sets; the callback stops the run after the first result; a second run completes it. */
  for (int i = 0; i < 3; i++) {
    char name[16];
    snprintf(name, sizeof name, "ss%d", i);
    json = NULL;
    EXPECT_OK(msi_vmss_create_basic(f->client, rg, name, "{\"image\":\"UbuntuLTS\",\"instanceCount\":1}", &json, &err_));
    msi_string_free(json);
  }
  Events e6 = {.stop_after = 1};
  summary = NULL;
  snprintf(sel, sizeof sel, "{\"resourceGroup\":\"%s\"}", rg);
  EXPECT_OK(msi_vmss_bulk(f->client, sel, "{\"action\":\"set\",\"type\":\"SystemAssigned\"}", "{\"concurrency\":1}",
                          on_event, &e6, &summary, &err_));
  CHECK(e6.results == 1 && json_has(summary, "\"stopped\":true"));
  msi_string_free(summary);
  Events e7 = {0};
  summary = NULL;
  EXPECT_OK(msi_vmss_bulk(f->client, sel, "{\"action\":\"set\",\"type\":\"SystemAssigned\"}", NULL, NULL, NULL,
                          &summary, &err_));
  CHECK(json_has(summary, "\"done\":3") && json_has(summary, "\"stopped\":false") && e7.results == 0);
  CHECK(!json_has(summary, "\"unchanged\":0"));
  msi_string_free(summary);
}
