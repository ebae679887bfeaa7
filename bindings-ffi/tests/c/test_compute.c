/* VMs and scale sets: creation with an identity, identity show/assign/remove/desired state, the MSI extension,
 * deletion; both by resource group and name and by resource ID. */
#include "harness.h"

static void vm_tests(Fixture *f, const char *uai_id) {
  char *json = NULL;
  char vm_id[512], ext_settings[300];
  bool changed = true, deleted = false;

  /* az-style options with the system-assigned identity (New-AzVMConfig -AssignIdentity SystemAssigned). */
  EXPECT_OK(msi_vm_create_basic(
      f->client, f->rg, "vm1",
      "{\"image\":\"Win2016Datacenter\",\"adminPassword\":\"Secr3t!Passw0rd\",\"identityType\":\"SystemAssigned\"}",
      &json, &err_));
  CHECK(json_has(json, "\"type\":\"SystemAssigned\""));
  CHECK(json_has(json, "\"principalId\""));
  CHECK(!json_has(json, "Secr3t!Passw0rd"));
  CHECK(json_string(json, "id", vm_id, sizeof vm_id));
  msi_string_free(json);

  /* Read by group and name, and by ID. */
  json = NULL;
  EXPECT_OK(msi_vm_get(f->client, f->rg, "vm1", &json, &err_));
  CHECK(json_has(json, "\"vmId\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vm_get(f->client, NULL, vm_id, &json, &err_));
  CHECK(json_has(json, "\"name\":\"vm1\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vm_identity_show(f->client, f->rg, "vm1", &json, &err_));
  CHECK(json_has(json, "\"type\":\"SystemAssigned\""));
  msi_string_free(json);

  /* Assign a user-assigned identity by name: changed; again: nothing to do. */
  json = NULL;
  EXPECT_OK(msi_vm_identity_assign(f->client, f->rg, "vm1", "{\"identities\":[\"c-uai-1\"]}", &json, &changed, NULL,
                                   &err_));
  CHECK(changed);
  CHECK(json_has(json, "\"type\":\"SystemAssigned, UserAssigned\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vm_identity_assign(f->client, NULL, vm_id, "{\"identities\":[\"c-uai-1\"]}", &json, &changed, NULL,
                                   &err_));
  CHECK(!changed);
  msi_string_free(json);

  /* Remove it again (by full ID); removing one that is not there is an argument error. */
  char list[600];
  snprintf(list, sizeof list, "{\"identities\":[\"%s\"]}", uai_id);
  json = NULL;
  EXPECT_OK(msi_vm_identity_remove(f->client, f->rg, "vm1", list, &json, &changed, &err_));
  CHECK(changed);
  CHECK(json_has(json, "\"type\":\"SystemAssigned\""));
  msi_string_free(json);
  json = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_identity_remove(f->client, f->rg, "vm1", list, &json, NULL, &err_));
  CHECK(json == NULL);

  /* Desired state: None, then both with the identity, then the bad ones. */
  EXPECT_OK(msi_vm_identity_set(f->client, f->rg, "vm1", "{\"type\":\"None\"}", &json, &changed, &err_));
  CHECK(changed);
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vm_identity_show(f->client, f->rg, "vm1", &json, &err_));
  CHECK(json != NULL && strcmp(json, "null") == 0);
  msi_string_free(json);
  json = NULL;
  char set_both[700];
  snprintf(set_both, sizeof set_both, "{\"type\":\"systemassigned,userassigned\",\"identities\":[\"%s\"]}", uai_id);
  EXPECT_OK(msi_vm_identity_set(f->client, f->rg, "vm1", set_both, &json, NULL, &err_));
  CHECK(json_has(json, "\"type\":\"SystemAssigned, UserAssigned\""));
  msi_string_free(json);
  json = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_identity_set(f->client, f->rg, "vm1", "{\"type\":\"UserAssigned\",\"identities\":[]}", &json, NULL,
                             &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_identity_set(f->client, f->rg, "vm1", "{\"type\":\"Bogus\"}", &json, NULL, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_vm_identity_set(f->client, f->rg, "vm1", "{}", &json, NULL, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_identity_assign(f->client, f->rg, "vm1", "{\"a\":1}", &json, NULL, NULL, &err_)); /* unknown field */
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_identity_assign(f->client, f->rg, "vm1", "{\"identities\":\"c-uai-1\"}", &json, NULL, NULL, &err_));
  EXPECT(MSI_RESULT_INVALID_JSON, msi_vm_identity_assign(f->client, f->rg, "vm1", "[", &json, NULL, NULL, &err_));
  /* --scope without --role: refused before anything is sent (there is no default role). */
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_identity_assign(f->client, f->rg, "vm1", "{\"scope\":\"/subscriptions/x\"}", &json, NULL, NULL, &err_));
  CHECK(json == NULL);
  /* An identity that does not exist: the service's 400 with its code. */
  MsiError *err = NULL;
  CHECK(msi_vm_identity_assign(f->client, f->rg, "vm1", "{\"identities\":[\"c-no-such-uai\"]}", &json, NULL, NULL,
                               &err) == MSI_RESULT_BAD_REQUEST);
  CHECK(err != NULL && msi_error_code(err) && strcmp(msi_error_code(err), "FailedIdentityOperation") == 0);
  msi_error_free(err);
  /* No identities named: the system-assigned one (az's default); it is already on, so nothing is sent. */
  json = NULL;
  EXPECT_OK(msi_vm_identity_assign(f->client, f->rg, "vm1", NULL, &json, &changed, NULL, &err_));
  CHECK(!changed);
  msi_string_free(json);
  /* With a role at a scope (az vm identity assign --role --scope): the assignment comes out too. */
  char grant[300], *assignment = NULL;
  snprintf(grant, sizeof grant, "{\"role\":\"Reader\",\"scope\":\"/subscriptions/%s/resourceGroups/%s\"}",
           f->subscription, f->rg);
  json = NULL;
  EXPECT_OK(msi_vm_identity_assign(f->client, f->rg, "vm1", grant, &json, &changed, &assignment, &err_));
  CHECK(assignment != NULL && json_has(assignment, "acdd72a7-3385-48ef-bd42-f606fba81ae7"));
  msi_string_free(assignment);
  msi_string_free(json);

  /* A whole ARM model with a user-assigned identity (New-AzVMConfig -IdentityType UserAssigned -IdentityId). */
  const char *model = "{\"location\":\"westus\",\"properties\":{\"hardwareProfile\":{\"vmSize\":\"Standard_B1s\"},"
                      "\"storageProfile\":{\"imageReference\":{\"publisher\":\"Canonical\",\"offer\":\"UbuntuServer\","
                      "\"sku\":\"18.04-LTS\",\"version\":\"latest\"}}}}";
  json = NULL;
  EXPECT_OK(msi_vm_create(f->client, f->rg, "vm2", model,
                          "{\"identityType\":\"UserAssigned\",\"assignIdentity\":[\"c-uai-1\"]}", &json, &err_));
  CHECK(json_has(json, "\"type\":\"UserAssigned\""));
  msi_string_free(json);
  json = NULL;
  EXPECT(MSI_RESULT_CONFLICT, msi_vm_create(f->client, f->rg, "vm2", model, NULL, &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_create(f->client, f->rg, "vm3", model, "{\"identityType\":\"UserAssigned\"}", &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_vm_create(f->client, f->rg, "vm3", "[1]", NULL, &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_vm_create(f->client, f->rg, "vm3", model, "{\"model\":{}}", &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_vm_create_basic(f->client, f->rg, "vm3", "{\"colour\":\"red\"}", &json, &err_));
  CHECK(json == NULL);

  /* The MSI extension (Set-AzVMExtension ... -Settings @{port=N}). */
  unsigned port = 41000u + (unsigned)(strtoul(f->suffix, NULL, 16) % 2000u);
  snprintf(ext_settings, sizeof ext_settings,
           "{\"name\":\"ManagedIdentityExtensionForWindows\",\"type\":\"ManagedIdentityExtensionForWindows\","
           "\"publisher\":\"Microsoft.ManagedIdentity\",\"version\":\"1.0\",\"settings\":{\"port\":%u}}",
           port);
  json = NULL;
  EXPECT_OK(msi_vm_extension_set(f->client, f->rg, "vm1", ext_settings, &json, &err_));
  CHECK(json_has(json, "\"typeHandlerVersion\":\"1.0\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vm_extension_get(f->client, f->rg, "vm1", "ManagedIdentityExtensionForWindows", &json, &err_));
  CHECK(json_has(json, "\"publisher\":\"Microsoft.ManagedIdentity\""));
  msi_string_free(json);
  json = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_extension_set(f->client, f->rg, "vm1", "{\"name\":\"Other\",\"publisher\":\"Contoso\"}", &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT,
         msi_vm_extension_set(f->client, f->rg, "vm1",
                              "{\"name\":\"ManagedIdentityExtensionForLinux\",\"settings\":{\"port\":\"x\"}}", &json,
                              &err_));
  CHECK(json == NULL);
  EXPECT_OK(msi_vm_extension_delete(f->client, f->rg, "vm1", "ManagedIdentityExtensionForWindows", &deleted, &err_));
  CHECK(deleted);
  EXPECT_OK(msi_vm_extension_delete(f->client, f->rg, "vm1", "ManagedIdentityExtensionForWindows", &deleted, &err_));
  CHECK(!deleted);
  EXPECT(MSI_RESULT_NOT_FOUND,
         msi_vm_extension_get(f->client, f->rg, "vm1", "ManagedIdentityExtensionForWindows", &json, &err_));

  /* Deletion, by ID; a VM ID is not a scale set's. */
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_vmss_get(f->client, NULL, vm_id, &json, &err_));
  EXPECT_OK(msi_vm_delete(f->client, f->rg, "vm2", NULL, &err_));
  EXPECT_OK(msi_vm_delete(f->client, NULL, vm_id, &deleted, &err_));
  CHECK(deleted);
  EXPECT_OK(msi_vm_delete(f->client, f->rg, "vm1", &deleted, &err_));
  CHECK(!deleted);
  EXPECT(MSI_RESULT_NOT_FOUND, msi_vm_get(f->client, f->rg, "vm1", &json, &err_));
}

static void vmss_tests(Fixture *f) {
  char *json = NULL;
  char id[512];
  bool changed = false, deleted = false;
  EXPECT_OK(msi_vmss_create_basic(f->client, f->rg, "ss1",
                                  "{\"instanceCount\":2,\"image\":\"UbuntuLTS\","
                                  "\"assignIdentity\":[\"[system]\", \"c-uai-1\"]}",
                                  &json, &err_));
  CHECK(json_has(json, "\"type\":\"SystemAssigned, UserAssigned\""));
  CHECK(json_string(json, "id", id, sizeof id));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vmss_get(f->client, NULL, id, &json, &err_));
  CHECK(json_has(json, "\"capacity\":2"));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vmss_identity_remove(f->client, f->rg, "ss1", "{\"allUserAssigned\":true}", &json, &changed, &err_));
  CHECK(changed && json_has(json, "\"type\":\"SystemAssigned\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vmss_identity_assign(f->client, f->rg, "ss1", "{\"systemAssigned\":true}", &json, &changed, NULL,
                                     &err_));
  CHECK(!changed);
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vmss_identity_set(f->client, f->rg, "ss1", "{\"type\":\"UserAssigned\",\"identities\":[\"c-uai-1\"]}",
                                  &json, &changed, &err_));
  CHECK(changed && json_has(json, "\"type\":\"UserAssigned\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vmss_identity_show(f->client, f->rg, "ss1", &json, &err_));
  CHECK(json_has(json, "c-uai-1"));
  msi_string_free(json);

  json = NULL;
  EXPECT_OK(msi_vmss_extension_set(f->client, f->rg, "ss1", "{\"type\":\"ManagedIdentityExtensionForLinux\"}", &json,
                                   &err_));
  CHECK(json_has(json, "ManagedIdentityExtensionForLinux"));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_vmss_extension_get(f->client, f->rg, "ss1", "ManagedIdentityExtensionForLinux", &json, &err_));
  msi_string_free(json);
  EXPECT_OK(msi_vmss_extension_delete(f->client, f->rg, "ss1", "ManagedIdentityExtensionForLinux", &deleted, &err_));
  CHECK(deleted);

  const char *model = "{\"sku\":{\"name\":\"Standard_B1s\",\"capacity\":1},\"properties\":{\"upgradePolicy\":"
                      "{\"mode\":\"Manual\"}}}";
  json = NULL;
  EXPECT_OK(msi_vmss_create(f->client, f->rg, "ss2", model, "{\"assignIdentity\":[]}", &json, &err_));
  CHECK(json_has(json, "\"type\":\"SystemAssigned\""));
  CHECK(json_has(json, "\"location\":\"westus\"")); /* the group's */
  msi_string_free(json);
  EXPECT_OK(msi_vmss_delete(f->client, f->rg, "ss2", &deleted, &err_));
  CHECK(deleted);
  EXPECT_OK(msi_vmss_delete(f->client, NULL, id, &deleted, &err_));
  CHECK(deleted);
}

void test_compute(Fixture *f) {
  char *json = NULL;
  char uai_id[512];
  EXPECT_OK(msi_user_identity_create(f->client, f->rg, "c-uai-1", NULL, NULL, &json, &err_));
  CHECK(json_string(json, "id", uai_id, sizeof uai_id));
  msi_string_free(json);
  vm_tests(f, uai_id);
  vmss_tests(f);
}
