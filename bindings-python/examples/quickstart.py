"""The README's ten lines: a script that configures managed identities, reading where to connect from the
environment (MSI_ARM_ENDPOINT, AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)."""

import msi_identity

client = msi_identity.ManagedIdentityClient()
client.create_resource_group("myResourceGroup", "westus")
client.create_vm("myResourceGroup", "myVM", image="Win2016Datacenter", system_assigned=True)
identity = client.create_user_identity("myResourceGroup", "myUserAssignedIdentity")
update = client.vm_identity_assign("myResourceGroup", "myVM", identities=[identity.name])
print(update.identity.type)  # SystemAssigned, UserAssigned
client.set_msi_extension("myResourceGroup", "myVM", extension_type="ManagedIdentityExtensionForWindows", port=50342)
client.vm_identity_remove("myResourceGroup", "myVM", identities=[identity.name])
