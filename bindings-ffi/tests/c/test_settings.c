/* Settings and client construction: explicit settings, the environment, bad settings. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

static char *read_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) {
    return NULL;
  }
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, fp);
  buf[got] = '\0';
  fclose(fp);
  return buf;
}

void test_settings(Fixture *f) {
  char *info = NULL;
  EXPECT_OK(msi_emulator_info(f->emulator, &info, &err_));
  char client_id[64], secret[256];
  CHECK(json_string(info, "adminClientId", client_id, sizeof client_id));
  CHECK(json_string(info, "adminClientSecret", secret, sizeof secret));
  msi_string_free(info);
  char *pem = read_file(f->ca_cert_path);
  CHECK(pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL);

  /* Explicit settings, every setter. */
  MsiSettings *s = NULL;
  EXPECT_OK(msi_settings_new(&s, &err_));
  EXPECT_OK(msi_settings_set_endpoint(s, f->endpoint, &err_));
  EXPECT_OK(msi_settings_set_subscription_id(s, f->subscription, &err_));
  EXPECT_OK(msi_settings_set_tenant_id(s, f->tenant, &err_));
  EXPECT_OK(msi_settings_set_client_id(s, client_id, &err_));
  EXPECT_OK(msi_settings_set_client_secret(s, secret, &err_));
  EXPECT_OK(msi_settings_set_authority(s, f->endpoint, &err_));
  EXPECT_OK(msi_settings_set_ca_cert_pem(s, pem, &err_));
  EXPECT_OK(msi_settings_set_access_token(s, NULL, &err_)); /* NULL unsets */
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_settings_set_endpoint(NULL, "x", &err_));
  MsiClient *c = NULL;
  EXPECT_OK(msi_client_new(s, &c, &err_));
  char *json = NULL;
  EXPECT_OK(msi_client_info(c, &json, &err_));
  CHECK(json_has(json, f->subscription) && json_has(json, f->endpoint));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_group_get(c, f->rg, &json, &err_));
  CHECK(json_has(json, "\"location\":\"westus\""));
  msi_string_free(json);
  msi_client_free(c);

  /* A wrong secret: authentication, and the secret is not in the message. */
  EXPECT_OK(msi_settings_set_client_secret(s, "wrong-secret-value", &err_));
  c = NULL;
  EXPECT_OK(msi_client_new(s, &c, &err_));
  MsiError *err = NULL;
  char *out = NULL;
  CHECK(msi_group_get(c, f->rg, &out, &err) == MSI_RESULT_AUTHENTICATION);
  CHECK(out == NULL);
  CHECK(err != NULL && strstr(msi_error_message(err), "wrong-secret-value") == NULL);
  CHECK(err != NULL && msi_error_code(err) != NULL && strcmp(msi_error_code(err), "invalid_client") == 0);
  msi_error_free(err);
  msi_client_free(c);

  /* Missing pieces are client-side errors. */
  EXPECT_OK(msi_settings_set_subscription_id(s, NULL, &err_));
  c = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_client_new(s, &c, &err_));
  CHECK(c == NULL);
  EXPECT_OK(msi_settings_set_subscription_id(s, f->subscription, &err_));
  EXPECT_OK(msi_settings_set_ca_cert_pem(s, "not a pem", &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_client_new(s, &c, &err_));
  EXPECT_OK(msi_settings_set_ca_cert_pem(s, pem, &err_));
  EXPECT_OK(msi_settings_set_endpoint(s, "ftp://example", &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_client_new(s, &c, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_client_new(NULL, &c, &err_));
  msi_settings_free(s);

  /* The environment (core's Settings::with_env): everything from it, or explicit values first. */
  setenv("MSI_ARM_ENDPOINT", f->endpoint, 1);
  setenv("MSI_CA_CERT", f->ca_cert_path, 1);
  setenv("AZURE_SUBSCRIPTION_ID", f->subscription, 1);
  setenv("AZURE_TENANT_ID", f->tenant, 1);
  setenv("AZURE_CLIENT_ID", client_id, 1);
  setenv("AZURE_CLIENT_SECRET", secret, 1);
  c = NULL;
  EXPECT_OK(msi_client_new_from_env(NULL, &c, &err_));
  json = NULL;
  EXPECT_OK(msi_group_get(c, f->rg, &json, &err_));
  msi_string_free(json);
  msi_client_free(c);
  s = NULL;
  EXPECT_OK(msi_settings_new(&s, &err_));
  EXPECT_OK(msi_settings_set_subscription_id(s, "00000000-0000-0000-0000-000000000000", &err_));
  c = NULL;
  EXPECT_OK(msi_client_new_from_env(s, &c, &err_));
  json = NULL;
  EXPECT_OK(msi_client_info(c, &json, &err_));
  CHECK(json_has(json, "00000000-0000-0000-0000-000000000000"));
  msi_string_free(json);
  msi_client_free(c);
  msi_settings_free(s);
  unsetenv("AZURE_CLIENT_SECRET");
  c = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_client_new_from_env(NULL, &c, &err_));
  setenv("AZURE_CLIENT_SECRET", secret, 1);
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_settings_new(NULL, &err_));
  free(pem);
}
