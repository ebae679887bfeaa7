/* Role assignments, and access control as a managed identity sees it: 403 until a role is granted. */
#include "harness.h"

void test_roles(Fixture *f) {
  char *json = NULL;
  char principal[64], vm_id[512], scope[256], assignment_id[512];
  bool deleted = false;
  snprintf(scope, sizeof scope, "/subscriptions/%s/resourceGroups/%s", f->subscription, f->rg);

  /* A VM whose system-assigned identity will call ARM. */
  EXPECT_OK(msi_vm_create_basic(f->client, f->rg, "role-vm", "{\"assignIdentity\":[]}", &json, &err_));
  CHECK(json_string(json, "principalId", principal, sizeof principal));
  CHECK(json_string(json, "id", vm_id, sizeof vm_id));
  msi_string_free(json);

  /* Its token, through IMDS of that VM. */
  char *base = NULL;
  EXPECT_OK(msi_emulator_imds_base_url(f->emulator, vm_id, -1, &base, &err_));
  MsiManagedIdentityCredential *cred = NULL;
  EXPECT_OK(msi_managed_identity_credential_new_imds(base, NULL, NULL, NULL, &cred, &err_));
  char *token = NULL;
  EXPECT_OK(msi_managed_identity_credential_get_token(cred, "https://management.azure.com/", &token, NULL, &err_));
  MsiSettings *s = NULL;
  EXPECT_OK(msi_settings_new(&s, &err_));
  EXPECT_OK(msi_settings_set_endpoint(s, f->endpoint, &err_));
  EXPECT_OK(msi_settings_set_subscription_id(s, f->subscription, &err_));
  EXPECT_OK(msi_settings_set_access_token(s, token, &err_));
  char *info = NULL;
  EXPECT_OK(msi_emulator_info(f->emulator, &info, &err_));
  /* The PEM is in the info as JSON text; msi_client_new_from_env reads MSI_CA_CERT (set by test_settings). */
  msi_string_free(info);
  MsiClient *as_vm = NULL;
  EXPECT_OK(msi_client_new_from_env(s, &as_vm, &err_));

  /* No role yet: 403 AuthorizationFailed, and the token is not in the message. */
  MsiError *err = NULL;
  json = NULL;
  CHECK(msi_group_get(as_vm, f->rg, &json, &err) == MSI_RESULT_AUTHORIZATION);
  CHECK(json == NULL);
  CHECK(err != NULL && msi_error_status(err) == 403);
  CHECK(err != NULL && msi_error_code(err) && strcmp(msi_error_code(err), "AuthorizationFailed") == 0);
  CHECK(err != NULL && strstr(msi_error_message(err), token) == NULL);
  msi_error_free(err);

  /* Grant Reader on the group (New-AzRoleAssignment -ObjectId -RoleDefinitionName Reader -Scope). */
  json = NULL;
  EXPECT_OK(msi_role_assignment_create(f->client, scope, "Reader", principal, NULL, &json, &err_));
  CHECK(json_has(json, "acdd72a7-3385-48ef-bd42-f606fba81ae7"));
  CHECK(json_string(json, "id", assignment_id, sizeof assignment_id));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_group_get(as_vm, f->rg, &json, &err_));
  msi_string_free(json);
  /* Again: the existing one comes back. */
  json = NULL;
  EXPECT_OK(msi_role_assignment_create(f->client, scope, "Reader", principal, "ServicePrincipal", &json, &err_));
  CHECK(json_has(json, assignment_id));
  msi_string_free(json);

  json = NULL;
  EXPECT_OK(msi_role_assignment_list(f->client, scope, NULL, &json, &err_));
  CHECK(json_has(json, principal));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_role_assignment_list(f->client, NULL, principal, &json, &err_));
  CHECK(json_has(json, assignment_id));
  msi_string_free(json);

  /* Remove-AzRoleAssignment -ObjectId -RoleDefinitionName -Scope. */
  json = NULL;
  EXPECT_OK(msi_role_assignment_delete_matching(f->client, scope, principal, "Reader", &json, &err_));
  CHECK(json_has(json, "\"deleted\":true") && json_has(json, assignment_id));
  msi_string_free(json);
  json = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_role_assignment_delete_matching(f->client, scope, NULL, NULL, &json, &err_));
  CHECK(json == NULL);

  /* By ID. */
  json = NULL;
  EXPECT_OK(msi_role_assignment_create(f->client, scope, "Virtual Machine Contributor", principal, NULL, &json, &err_));
  CHECK(json_string(json, "id", assignment_id, sizeof assignment_id));
  msi_string_free(json);
  EXPECT_OK(msi_role_assignment_delete(f->client, assignment_id, &deleted, &err_));
  CHECK(deleted);
  EXPECT_OK(msi_role_assignment_delete(f->client, assignment_id, &deleted, &err_));
  CHECK(!deleted);
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_role_assignment_delete(f->client, "/not/an/assignment", NULL, &err_));
  /* No scope: core's default, the subscription. */
  char at_subscription[128];
  snprintf(at_subscription, sizeof at_subscription, "\"scope\":\"/subscriptions/%s\"", f->subscription);
  json = NULL;
  EXPECT_OK(msi_role_assignment_create(f->client, NULL, "Reader", principal, NULL, &json, &err_));
  CHECK(json_has(json, at_subscription));
  CHECK(json_string(json, "id", assignment_id, sizeof assignment_id));
  msi_string_free(json);
  EXPECT_OK(msi_role_assignment_delete(f->client, assignment_id, &deleted, &err_));
  CHECK(deleted);
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_role_assignment_create(f->client, scope, "Reader", "not-a-guid", NULL, &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_role_assignment_create(f->client, scope, "No Such Role", principal, NULL, &json, &err_));

  msi_client_free(as_vm);
  msi_settings_free(s);
  msi_string_free(token);
  msi_managed_identity_credential_free(cred);
  msi_string_free(base);
}
