/* Az's account-level token calls: the signed-in account's token (Get-AzAccessToken) and who it names, the
 * -ResourceTypeName table, signing in as the machine's managed identity (Connect-AzAccount -Identity), and the
 * MSI extension's protected settings (refused unless empty, never echoed). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <time.h>

static char *slurp(const char *path) {
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

void test_tokens(Fixture *f) {
  char *info = NULL;
  char admin[64];
  EXPECT_OK(msi_emulator_info(f->emulator, &info, &err_));
  CHECK(json_string(info, "adminClientId", admin, sizeof admin));
  msi_string_free(info);

  /* The signed-in account's token, for ARM (NULL) and another resource; its subject names the tenant and app. */
  char *token = NULL;
  int64_t expires = 0;
  EXPECT_OK(msi_client_get_token(f->client, NULL, &token, &expires, &err_));
  CHECK(token != NULL && strlen(token) > 100 && expires > (int64_t)time(NULL));
  char *subject = NULL;
  EXPECT_OK(msi_token_subject(token, &subject, &err_));
  char tid[64], uid[64];
  CHECK(json_string(subject, "tenantId", tid, sizeof tid) && strcmp(tid, f->tenant) == 0);
  CHECK(json_string(subject, "userId", uid, sizeof uid) && strcmp(uid, admin) == 0);
  CHECK(json_has(subject, "\"type\":\"Bearer\""));
  msi_string_free(subject);
  msi_string_free(token);
  token = NULL;
  EXPECT_OK(msi_client_get_token(f->client, "https://vault.azure.net", &token, NULL, &err_));
  CHECK(token != NULL);
  msi_string_free(token);
  token = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_client_get_token(f->client, " ", &token, NULL, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_client_get_token(NULL, NULL, &token, NULL, &err_));
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_client_get_token(f->client, NULL, NULL, NULL, &err_));
  CHECK(token == NULL);

  /* An opaque token names nobody. */
  subject = NULL;
  EXPECT_OK(msi_token_subject("opaque", &subject, &err_));
  CHECK(json_has(subject, "\"tenantId\":null") && json_has(subject, "\"userId\":null"));
  msi_string_free(subject);

  /* Get-AzAccessToken -ResourceTypeName. */
  char *url = NULL;
  EXPECT_OK(msi_resource_url_for_type("msgraph", &url, &err_));
  CHECK(url != NULL && strcmp(url, "https://graph.microsoft.com/") == 0);
  msi_string_free(url);
  url = NULL;
  MsiError *err = NULL;
  CHECK(msi_resource_url_for_type("NoSuchType", &url, &err) == MSI_RESULT_INVALID_ARGUMENT);
  CHECK(err != NULL && strstr(msi_error_message(err), "KeyVault") != NULL && url == NULL);
  msi_error_free(err);

  /* Connect-AzAccount -Identity: a VM's system identity with Reader on the group reads it through ARM. */
  char *json = NULL, vm_id[512], principal[64], scope[256];
  EXPECT_OK(msi_vm_create_basic(f->client, f->rg, "tok-vm", "{\"identityType\":\"SystemAssigned\"}", &json, &err_));
  CHECK(json_string(json, "id", vm_id, sizeof vm_id));
  CHECK(json_string(json, "principalId", principal, sizeof principal));
  msi_string_free(json);
  snprintf(scope, sizeof scope, "/subscriptions/%s/resourceGroups/%s", f->subscription, f->rg);
  json = NULL;
  EXPECT_OK(msi_role_assignment_create(f->client, scope, "Reader", principal, "ServicePrincipal", &json, &err_));
  msi_string_free(json);
  char *base = NULL;
  EXPECT_OK(msi_emulator_imds_base_url(f->emulator, vm_id, -1, &base, &err_));
  setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", base, 1);
  unsetenv("AZURE_CLIENT_ID"); /* as for `msi --identity`, it would select a user-assigned identity */
  char *pem = slurp(f->ca_cert_path);
  MsiSettings *s = NULL;
  EXPECT_OK(msi_settings_new(&s, &err_));
  EXPECT_OK(msi_settings_set_endpoint(s, f->endpoint, &err_));
  EXPECT_OK(msi_settings_set_subscription_id(s, f->subscription, &err_));
  EXPECT_OK(msi_settings_set_ca_cert_pem(s, pem, &err_));
  EXPECT_OK(msi_settings_set_client_secret(s, "not-used-secret", &err_)); /* the identity signs in, not this */
  MsiClient *mi = NULL;
  EXPECT_OK(msi_client_new_managed_identity(s, &mi, &err_));
  json = NULL;
  EXPECT_OK(msi_group_get(mi, f->rg, &json, &err_));
  CHECK(json_has(json, f->rg));
  msi_string_free(json);
  token = NULL;
  EXPECT_OK(msi_client_get_token(mi, NULL, &token, NULL, &err_));
  subject = NULL;
  EXPECT_OK(msi_token_subject(token, &subject, &err_));
  CHECK(json_string(subject, "tenantId", tid, sizeof tid) && strcmp(tid, f->tenant) == 0);
  msi_string_free(subject);
  msi_string_free(token);
  /* Reader cannot write. */
  json = NULL;
  err = NULL;
  CHECK(msi_user_identity_create(mi, f->rg, "tok-denied", NULL, NULL, &json, &err) == MSI_RESULT_AUTHORIZATION);
  CHECK(err != NULL && msi_error_status(err) == 403);
  msi_error_free(err);
  msi_client_free(mi);
  /* A user-assigned identity the VM does not have (the settings' client id, as -AccountId): unavailable. */
  EXPECT_OK(msi_settings_set_client_id(s, "00000000-0000-0000-0000-00000000000a", &err_));
  mi = NULL;
  EXPECT_OK(msi_client_new_managed_identity(s, &mi, &err_));
  json = NULL;
  err = NULL;
  CHECK(msi_group_get(mi, f->rg, &json, &err) == MSI_RESULT_CREDENTIAL_UNAVAILABLE && json == NULL);
  msi_error_free(err);
  msi_client_free(mi);
  unsetenv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
  EXPECT(MSI_RESULT_NULL_ARGUMENT, msi_client_new_managed_identity(s, NULL, &err_));
  msi_settings_free(s);
  free(pem);
  msi_string_free(base);

  /* -ProtectedSettings: the MSI extension takes none. Empty is fine; anything else is refused unsent and unechoed. */
  json = NULL;
  EXPECT_OK(msi_vm_extension_set(f->client, f->rg, "tok-vm",
                                 "{\"type\":\"ManagedIdentityExtensionForLinux\",\"protectedSettings\":{}}", &json,
                                 &err_));
  CHECK(json_has(json, "ManagedIdentityExtensionForLinux") && !json_has(json, "protectedSettings"));
  msi_string_free(json);
  json = NULL;
  err = NULL;
  CHECK(msi_vmss_extension_set(f->client, f->rg, "tok-vm",
                               "{\"type\":\"ManagedIdentityExtensionForLinux\",\"protectedSettings\":{\"key\":\"hunter2-psst\"}}",
                               &json, &err) == MSI_RESULT_INVALID_ARGUMENT);
  CHECK(err != NULL && strstr(msi_error_message(err), "protected settings") != NULL);
  CHECK(err != NULL && strstr(msi_error_message(err), "hunter2") == NULL && json == NULL);
  msi_error_free(err);

  /* -Location: the VM's own (case and spaces aside) is accepted; another is refused; a scale set takes none. */
  json = NULL;
  EXPECT_OK(msi_vm_extension_set(f->client, f->rg, "tok-vm",
                                 "{\"type\":\"ManagedIdentityExtensionForLinux\",\"location\":\"West US\"}", &json,
                                 &err_));
  CHECK(json_has(json, "\"location\":\"westus\""));
  msi_string_free(json);
  json = NULL;
  err = NULL;
  CHECK(msi_vm_extension_set(f->client, f->rg, "tok-vm",
                             "{\"type\":\"ManagedIdentityExtensionForLinux\",\"location\":\"eastus\"}", &json,
                             &err) == MSI_RESULT_INVALID_ARGUMENT);
  CHECK(err != NULL && strstr(msi_error_message(err), "'eastus'") != NULL && json == NULL);
  msi_error_free(err);
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_extension_set(f->client, f->rg, "tok-vm", "{\"type\":\"ManagedIdentityExtensionForLinux\",\"location\":1}",
                              &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vmss_extension_set(f->client, f->rg, "any", "{\"type\":\"ManagedIdentityExtensionForLinux\",\"location\":\"westus\"}",
                                &json, &err_));
}
