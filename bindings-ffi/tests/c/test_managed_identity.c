/* Managed-identity tokens from IMDS, the MSI extension and the App Service endpoint, explicit or from the
 * environment, with each selector; an identity that is not assigned is CREDENTIAL_UNAVAILABLE. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <time.h>

static void token_ok(Fixture *f, MsiManagedIdentityCredential *cred, const char *what) {
  (void)f;
  char *token = NULL;
  int64_t expires_on = 0;
  MsiError *err = NULL;
  MsiResult r = msi_managed_identity_credential_get_token(cred, "https://management.azure.com/", &token, &expires_on,
                                                          &err);
  if (r != MSI_RESULT_OK) {
    fprintf(stderr, "FAIL token %s: %s\n", what, err ? msi_error_message(err) : "?");
  }
  check_at(r == MSI_RESULT_OK && token != NULL && strlen(token) > 100 && expires_on > (int64_t)time(NULL), what,
           __FILE__, __LINE__);
  msi_error_free(err);
  msi_string_free(token);
}

void test_managed_identity(Fixture *f) {
  char *json = NULL;
  char vm_id[512], uai_id[512], uai_client[64], uai_principal[64];
  EXPECT_OK(msi_user_identity_create(f->client, f->rg, "c-uai-mi", NULL, NULL, &json, &err_));
  CHECK(json_string(json, "id", uai_id, sizeof uai_id));
  CHECK(json_string(json, "clientId", uai_client, sizeof uai_client));
  CHECK(json_string(json, "principalId", uai_principal, sizeof uai_principal));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vm_create_basic(f->client, f->rg, "mi-vm",
                                "{\"identityType\":\"SystemAssigned, UserAssigned\",\"assignIdentity\":[\"c-uai-mi\"]}",
                                &json, &err_));
  CHECK(json_string(json, "id", vm_id, sizeof vm_id));
  msi_string_free(json);
  char *base = NULL;
  EXPECT_OK(msi_emulator_imds_base_url(f->emulator, vm_id, -1, &base, &err_));
  CHECK(base != NULL && strncmp(base, "http://127.0.0.1:", 17) == 0);

  /* IMDS: the system identity, then the user-assigned one by each selector. */
  MsiManagedIdentityCredential *c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_imds(base, NULL, NULL, NULL, &c, &err_));
  token_ok(f, c, "imds system");
  token_ok(f, c, "imds system (cached)");
  msi_managed_identity_credential_free(c);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_imds(base, uai_client, NULL, NULL, &c, &err_));
  token_ok(f, c, "imds client id");
  msi_managed_identity_credential_free(c);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_imds(base, NULL, uai_principal, NULL, &c, &err_));
  token_ok(f, c, "imds object id");
  msi_managed_identity_credential_free(c);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_imds(base, NULL, NULL, uai_id, &c, &err_));
  token_ok(f, c, "imds resource id");
  msi_managed_identity_credential_free(c);
  c = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_managed_identity_credential_new_imds(base, uai_client, uai_principal, NULL,
                                                                               &c, &err_));
  CHECK(c == NULL);

  /* Not assigned here: its own result, with IMDS's error code. */
  EXPECT_OK(msi_managed_identity_credential_new_imds(base, "00000000-0000-0000-0000-000000000001", NULL, NULL, &c,
                                                     &err_));
  char *token = NULL;
  MsiError *err = NULL;
  CHECK(msi_managed_identity_credential_get_token(c, "https://management.azure.com/", &token, NULL, &err) ==
        MSI_RESULT_CREDENTIAL_UNAVAILABLE);
  CHECK(token == NULL);
  CHECK(err != NULL && msi_error_status(err) == 400);
  CHECK(err != NULL && msi_error_code(err) && strcmp(msi_error_code(err), "invalid_request") == 0);
  msi_error_free(err);
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_managed_identity_credential_get_token(c, NULL, &token, NULL, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT,
         msi_managed_identity_credential_get_token(c, "https://management.azure.com/", NULL, NULL, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT,
         msi_managed_identity_credential_get_token(NULL, "https://management.azure.com/", &token, NULL, &err_));
  CHECK(token == NULL);
  msi_managed_identity_credential_free(c);

  /* The MSI extension: refused until the VM has it, then served at the VM's base URL. */
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_msi_extension(base, NULL, NULL, NULL, &c, &err_));
  err = NULL;
  CHECK(msi_managed_identity_credential_get_token(c, "https://management.azure.com/", &token, NULL, &err) ==
        MSI_RESULT_CREDENTIAL_UNAVAILABLE);
  CHECK(err != NULL && msi_error_code(err) && strcmp(msi_error_code(err), "unauthorized_client") == 0);
  msi_error_free(err);
  json = NULL;
  EXPECT_OK(msi_vm_extension_set(f->client, f->rg, "mi-vm",
                                 "{\"name\":\"ManagedIdentityExtensionForLinux\",\"settings\":{\"port\":\"41999\"}}",
                                 &json, &err_));
  msi_string_free(json);
  token_ok(f, c, "msi extension");
  msi_managed_identity_credential_free(c);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_msi_extension(NULL, uai_client, NULL, NULL, &c, &err_));
  msi_managed_identity_credential_free(c);

  /* App Service style. */
  json = NULL;
  EXPECT_OK(msi_emulator_app_service_env(f->emulator, vm_id, &json, &err_));
  char endpoint[512], header[128];
  CHECK(json_string(json, "IDENTITY_ENDPOINT", endpoint, sizeof endpoint));
  CHECK(json_string(json, "IDENTITY_HEADER", header, sizeof header));
  msi_string_free(json);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_app_service(endpoint, header, NULL, NULL, NULL, &c, &err_));
  token_ok(f, c, "app service");
  msi_managed_identity_credential_free(c);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_app_service(endpoint, "wrong-header", NULL, NULL, NULL, &c, &err_));
  err = NULL;
  CHECK(msi_managed_identity_credential_get_token(c, "https://management.azure.com/", &token, NULL, &err) ==
        MSI_RESULT_AUTHENTICATION);
  CHECK(err != NULL && strstr(msi_error_message(err), "wrong-header") == NULL);
  msi_error_free(err);
  msi_managed_identity_credential_free(c);

  /* From the environment: IDENTITY_ENDPOINT + IDENTITY_HEADER, else IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST. */
  setenv("IDENTITY_ENDPOINT", endpoint, 1);
  setenv("IDENTITY_HEADER", header, 1);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_from_env(NULL, NULL, NULL, &c, &err_));
  token_ok(f, c, "env app service");
  msi_managed_identity_credential_free(c);
  unsetenv("IDENTITY_ENDPOINT");
  unsetenv("IDENTITY_HEADER");
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", base, 1);
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_from_env(uai_client, NULL, NULL, &c, &err_));
  token_ok(f, c, "env imds");
  msi_managed_identity_credential_free(c);
  unsetenv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
  c = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_imds(NULL, NULL, NULL, NULL, &c, &err_));
  msi_managed_identity_credential_free(c);
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_managed_identity_credential_new_imds("not a url", NULL, NULL, NULL, &c, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_managed_identity_credential_new_imds(NULL, NULL, NULL, NULL, NULL, &err_));
  msi_string_free(base);
}
