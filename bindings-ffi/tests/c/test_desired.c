/* Desired state from a file (msi_plan_desired, msi_apply_desired): a plan with reads only, an apply that creates,
 * a second apply with every target unchanged, drift seen by the plan, a bad file failing the call (naming file,
 * line and field) before anything is written. */
#include "harness.h"

typedef struct Results {
  int results, changed, unchanged, failed;
} Results;

static int32_t on_result(void *user_data, const char *event_json) {
  Results *r = user_data;
  if (!json_has(event_json, "\"type\":\"result\"")) return 0;
  r->results++;
  if (json_has(event_json, "\"status\":\"changed\"")) r->changed++;
  if (json_has(event_json, "\"status\":\"unchanged\"")) r->unchanged++;
  if (json_has(event_json, "\"status\":\"failed\"")) r->failed++;
  return 0;
}

static void show(Fixture *f, const char *rg, const char *vm, const char *expect) {
  char *json = NULL;
  EXPECT_OK(msi_vm_identity_show(f->client, rg, vm, &json, &err_));
  /* No identity at all is JSON null. */
  CHECK(json != NULL && (expect == NULL ? strcmp(json, "null") == 0 || json_has(json, "\"type\":\"None\"")
                                        : json_has(json, expect)));
  msi_string_free(json);
}

void test_desired(Fixture *f) {
  char rg[64], file[512], bad[512];
  char *json = NULL;
  snprintf(rg, sizeof rg, "c-desired-%s", f->suffix);
  EXPECT_OK(msi_group_create(f->client, rg, "westus", &json, &err_));
  msi_string_free(json);
  const char *uais[] = {"id-web", "id-old"};
  for (int i = 0; i < 2; i++) {
    json = NULL;
    EXPECT_OK(msi_user_identity_create(f->client, rg, uais[i], NULL, NULL, &json, &err_));
    msi_string_free(json);
  }
  const char *model = "{\"location\":\"westus\",\"properties\":{\"storageProfile\":{\"imageReference\":"
                      "{\"publisher\":\"Canonical\",\"offer\":\"o\",\"sku\":\"s\",\"version\":\"latest\"}}}}";
  const char *vms[] = {"vm1", "vm2"};
  for (int i = 0; i < 2; i++) {
    json = NULL;
    EXPECT_OK(msi_vm_create(f->client, rg, vms[i], model, NULL, &json, &err_));
    msi_string_free(json);
  }
  snprintf(file, sizeof file,
           "targets:\n"
           "  - kind: vm\n"
           "    resourceGroup: %s\n"
           "    identity:\n"
           "      systemAssigned: true\n"
           "      userAssigned:\n"
           "        exactly: [id-web]\n",
           rg);

  /* The plan: both VMs to create, the readable diff under "text"; nothing written. */
  char *plan = NULL;
  EXPECT_OK(msi_plan_desired(f->client, file, "identities.yaml", NULL, &plan, &err_));
  CHECK(json_has(plan, "\"source\":\"identities.yaml\"") && json_has(plan, "\"changes\":true"));
  CHECK(json_has(plan, "\"create\":2") && json_has(plan, "\"status\":\"create\""));
  CHECK(json_has(plan, "+ userAssigned id-web") && json_has(plan, "2 to create, 0 to update"));
  msi_string_free(plan);
  show(f, rg, "vm1", NULL);

  /* Apply: both change; again: both unchanged, and the plan says so. */
  Results r = {0};
  char *summary = NULL;
  EXPECT_OK(msi_apply_desired(f->client, file, NULL, "{\"concurrency\":2}", on_result, &r, &summary, &err_));
  CHECK(r.results == 2 && r.changed == 2 && r.failed == 0);
  CHECK(json_has(summary, "\"done\":2") && json_has(summary, "\"stopped\":false"));
  msi_string_free(summary);
  show(f, rg, "vm2", "\"type\":\"SystemAssigned, UserAssigned\"");
  Results r2 = {0};
  EXPECT_OK(msi_apply_desired(f->client, file, NULL, NULL, on_result, &r2, NULL, &err_));
  CHECK(r2.results == 2 && r2.unchanged == 2 && r2.changed == 0);
  plan = NULL;
  EXPECT_OK(msi_plan_desired(f->client, file, NULL, NULL, &plan, &err_));
  CHECK(json_has(plan, "\"changes\":false") && json_has(plan, "\"noChange\":2") && json_has(plan, "No changes"));
  msi_string_free(plan);

  /* Drift: an identity added by hand is an update in the plan; the next apply removes it. */
  json = NULL;
  EXPECT_OK(msi_vm_identity_assign(f->client, rg, "vm1", "{\"identities\":[\"id-old\"]}", &json, NULL, NULL, &err_));
  msi_string_free(json);
  plan = NULL;
  EXPECT_OK(msi_plan_desired(f->client, file, NULL, NULL, &plan, &err_));
  CHECK(json_has(plan, "\"changes\":true") && json_has(plan, "\"update\":1") && json_has(plan, "- userAssigned id-old"));
  msi_string_free(plan);
  Results r3 = {0};
  EXPECT_OK(msi_apply_desired(f->client, file, NULL, NULL, on_result, &r3, NULL, &err_));
  CHECK(r3.changed == 1 && r3.unchanged == 1);

  /* A bad file: MSI_RESULT_INVALID_ARGUMENT naming file, line and field; no event, no out-parameter, no write. */
  snprintf(bad, sizeof bad, "targets:\n  - kind: vm\n    resourceGroup: %s\n    identity:\n      systemAssigned: \"yes\"\n",
           rg);
  json = NULL;
  {
    MsiError *err = NULL;
    CHECK(msi_plan_desired(f->client, bad, "fleet.yaml", NULL, &json, &err) == MSI_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(msi_error_message(err), "fleet.yaml:5:") != NULL &&
          strstr(msi_error_message(err), "targets[0].identity.systemAssigned") != NULL);
    msi_error_free(err);
  }
  CHECK(json == NULL);
  snprintf(bad, sizeof bad, "targets:\n  - kind: vm\n    resourceGroup: %s\n    identity: {systemAssigned: false}\n"
           "    identiti: {}\n", rg);
  Results r4 = {0};
  summary = NULL;
  {
    MsiError *err = NULL;
    CHECK(msi_apply_desired(f->client, bad, NULL, NULL, on_result, &r4, &summary, &err) == MSI_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(msi_error_message(err), "identities.yaml:5:") != NULL &&
          strstr(msi_error_message(err), "unknown field `identiti`") != NULL);
    msi_error_free(err);
  }
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_apply_desired(f->client, file, NULL, "{\"parallel\":1}", on_result, &r4, &summary, &err_));
  EXPECT(MSI_RESULT_INVALID_JSON, msi_plan_desired(f->client, file, NULL, "{", &json, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_plan_desired(f->client, NULL, NULL, NULL, &json, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_plan_desired(f->client, file, NULL, NULL, NULL, &err_));
  CHECK(r4.results == 0 && summary == NULL && json == NULL);
  show(f, rg, "vm1", "\"type\":\"SystemAssigned, UserAssigned\"");
}
