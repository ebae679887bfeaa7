/* The embedded emulator: machine base URLs, a second emulator (in memory, access control off), a port in use,
 * and a client after its emulator stopped. */
#include "harness.h"

void test_emulator(Fixture *f) {
  char *json = NULL;
  char id[512];
  EXPECT_OK(msi_vmss_create_basic(f->client, f->rg, "emu-ss", "{\"instanceCount\":2,\"identityType\":\"SystemAssigned\"}",
                                  &json, &err_));
  CHECK(json_string(json, "id", id, sizeof id));
  msi_string_free(json);
  char *url = NULL;
  EXPECT_OK(msi_emulator_imds_base_url(f->emulator, id, 1, &url, &err_));
  CHECK(url != NULL && strstr(url, "/vmss/") != NULL && url[strlen(url) - 1] == '1');
  msi_string_free(url);
  url = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_emulator_imds_base_url(f->emulator, id, 2, &url, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_emulator_imds_base_url(f->emulator, id, -7, &url, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_emulator_imds_base_url(f->emulator, "/not/an/id", -1, &url, &err_));
  char missing[600];
  snprintf(missing, sizeof missing,
           "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/c-no-such-vm",
           f->subscription, f->rg);
  EXPECT(MSI_RESULT_NOT_FOUND, msi_emulator_imds_base_url(f->emulator, missing, -1, &url, &err_));
  json = NULL;
  EXPECT(MSI_RESULT_NOT_FOUND, msi_emulator_app_service_env(f->emulator, missing, &json, &err_));
  CHECK(url == NULL && json == NULL);

  /* The port of the running emulator is taken: an emulator error. */
  const char *colon = strrchr(f->endpoint, ':');
  unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
  MsiEmulator *second = NULL;
  EXPECT(MSI_RESULT_EMULATOR, msi_emulator_start(NULL, (uint16_t)port, 0, true, NULL, &second, &err_));
  CHECK(second == NULL);
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_emulator_start(NULL, 0, 0, true, NULL, NULL, &err_));
  /* A bad throttle value: invalid, naming the part, nothing started. */
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_emulator_start(NULL, 0, 0, true, "writes=5/1,wirtes=1/1", &second, &err_));
  CHECK(second == NULL);

  /* A second one, in memory, without access control. */
  EXPECT_OK(msi_emulator_start(NULL, 0, 0, false, "off", &second, &err_));
  json = NULL;
  EXPECT_OK(msi_emulator_info(second, &json, &err_));
  CHECK(json_has(json, "\"dataDir\":null"));
  CHECK(json_has(json, "\"caCertPath\":\""));
  CHECK(json_has(json, "\"MSI_ARM_ENDPOINT\":\"https://127.0.0.1:"));
  CHECK(!json_has(json, f->endpoint));
  char endpoint[128], sub[64], tenant[64], client_id[64], secret[256], ca_path[1024];
  CHECK(json_string(json, "endpoint", endpoint, sizeof endpoint));
  CHECK(json_string(json, "subscriptionId", sub, sizeof sub));
  CHECK(json_string(json, "tenantId", tenant, sizeof tenant));
  CHECK(json_string(json, "adminClientId", client_id, sizeof client_id));
  CHECK(json_string(json, "adminClientSecret", secret, sizeof secret));
  CHECK(json_string(json, "caCertPath", ca_path, sizeof ca_path));
  msi_string_free(json);
  MsiClient *c = NULL;
  EXPECT_OK(msi_emulator_client_new(second, &c, &err_));
  json = NULL;
  EXPECT_OK(msi_group_create(c, "second", "eastus", &json, &err_));
  msi_string_free(json);
  msi_client_free(c);
  /* A client that fails fast (no retries), through settings naming the CA file. */
  FILE *fp = fopen(ca_path, "rb");
  static char pem[16384];
  size_t n = fp ? fread(pem, 1, sizeof pem - 1, fp) : 0;
  pem[n] = '\0';
  if (fp) {
    fclose(fp);
  }
  MsiSettings *s = NULL;
  EXPECT_OK(msi_settings_new(&s, &err_));
  EXPECT_OK(msi_settings_set_endpoint(s, endpoint, &err_));
  EXPECT_OK(msi_settings_set_subscription_id(s, sub, &err_));
  EXPECT_OK(msi_settings_set_tenant_id(s, tenant, &err_));
  EXPECT_OK(msi_settings_set_client_id(s, client_id, &err_));
  EXPECT_OK(msi_settings_set_client_secret(s, secret, &err_));
  EXPECT_OK(msi_settings_set_ca_cert_pem(s, pem, &err_));
  EXPECT_OK(msi_settings_set_max_retries(s, 0, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_settings_set_max_retries(NULL, 0, &err_));
  c = NULL;
  EXPECT_OK(msi_client_new(s, &c, &err_));
  msi_settings_free(s);
  json = NULL;
  EXPECT_OK(msi_group_get(c, "second", &json, &err_));
  msi_string_free(json);
  msi_emulator_free(second);
  /* The client outlives its emulator: calls fail with a connection error, nothing worse. */
  json = NULL;
  EXPECT(MSI_RESULT_CONNECTION, msi_group_get(c, "second", &json, &err_));
  CHECK(json == NULL);
  msi_client_free(c);
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_emulator_info(NULL, &json, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_emulator_client_new(NULL, &c, &err_));
}
