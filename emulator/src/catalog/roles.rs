//! The built-in role definitions (azure-facts §5, real ids and actions) and action matching.
//!
//! A role grants an action when one of its action patterns matches and no `notActions` pattern does
//! (Azure's union of `actions - notActions` per role). Patterns match case-insensitively; `*` matches
//! any run of characters, `/` included, and `/*/` also matches a single `/` (so
//! `userAssignedIdentities/*/assign/action` covers `userAssignedIdentities/assign/action`).

/// The action that linking a user-assigned identity to a machine needs on the identity.
pub const ASSIGN_ACTION: &str = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action";

pub const OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
pub const MI_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";
pub const MI_CONTRIBUTOR: &str = "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59";

/// A built-in role definition.
pub struct Role {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
    pub created_on: &'static str,
    pub updated_on: &'static str,
}

/// The built-in roles the emulator knows (current definitions, azure-facts §5).
pub static BUILT_IN: [Role; 6] = [
    Role {
        id: OWNER,
        name: "Owner",
        description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        actions: &["*"],
        not_actions: &[],
        created_on: "2015-02-02T21:55:09.8806423Z",
        updated_on: "2021-11-11T20:13:45.8978856Z",
    },
    Role {
        id: CONTRIBUTOR,
        name: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ],
        created_on: "2015-02-02T21:55:09.8806423Z",
        updated_on: "2021-11-11T20:13:28.6061853Z",
    },
    Role {
        id: READER,
        name: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        actions: &["*/read"],
        not_actions: &[],
        created_on: "2015-02-02T21:55:09.8806423Z",
        updated_on: "2021-11-11T20:13:47.8628684Z",
    },
    Role {
        id: VM_CONTRIBUTOR,
        name: "Virtual Machine Contributor",
        description: "Create and manage virtual machines, manage disks, install and run software, reset password of the root user of the virtual machine using VM extensions, and manage local user accounts using VM extensions. This role does not grant you management access to the virtual network or storage account the virtual machines are connected to. This role does not allow you to assign roles in Azure RBAC.",
        actions: &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Compute/availabilitySets/*",
            "Microsoft.Compute/locations/*",
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachineScaleSets/*",
            "Microsoft.Compute/cloudServices/*",
            "Microsoft.Compute/disks/write",
            "Microsoft.Compute/disks/read",
            "Microsoft.Compute/disks/delete",
            "Microsoft.Compute/hostgroups/write",
            "Microsoft.Compute/hostgroups/hosts/write",
            "Microsoft.DevTestLab/schedules/*",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Network/applicationGateways/backendAddressPools/join/action",
            "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
            "Microsoft.Network/loadBalancers/inboundNatPools/join/action",
            "Microsoft.Network/loadBalancers/inboundNatRules/join/action",
            "Microsoft.Network/loadBalancers/probes/join/action",
            "Microsoft.Network/loadBalancers/read",
            "Microsoft.Network/locations/*",
            "Microsoft.Network/networkInterfaces/*",
            "Microsoft.Network/networkSecurityGroups/join/action",
            "Microsoft.Network/networkSecurityGroups/read",
            "Microsoft.Network/publicIPAddresses/join/action",
            "Microsoft.Network/publicIPAddresses/read",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/subnets/join/action",
            "Microsoft.RecoveryServices/locations/*",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/backupProtectionIntent/write",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/*/read",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/read",
            "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write",
            "Microsoft.RecoveryServices/Vaults/backupPolicies/read",
            "Microsoft.RecoveryServices/Vaults/backupPolicies/write",
            "Microsoft.RecoveryServices/Vaults/read",
            "Microsoft.RecoveryServices/Vaults/usages/read",
            "Microsoft.RecoveryServices/Vaults/write",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.SerialConsole/serialPorts/connect/action",
            "Microsoft.SqlVirtualMachine/*",
            "Microsoft.Storage/storageAccounts/listKeys/action",
            "Microsoft.Storage/storageAccounts/read",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        created_on: "2015-06-02T00:18:27.3542698Z",
        updated_on: "2024-01-01T00:00:00.0000000Z",
    },
    Role {
        id: MI_OPERATOR,
        name: "Managed Identity Operator",
        description: "Read and Assign User Assigned Identity",
        actions: &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        created_on: "2017-12-14T19:52:04.3924594Z",
        updated_on: "2021-11-11T20:13:38.9602734Z",
    },
    Role {
        id: MI_CONTRIBUTOR,
        name: "Managed Identity Contributor",
        description: "Create, Read, Update, and Delete User Assigned Identity",
        actions: &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
            "Microsoft.ManagedIdentity/userAssignedIdentities/revokeTokens/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        created_on: "2017-12-14T19:53:42.8804692Z",
        updated_on: "2021-11-11T20:13:38.1932413Z",
    },
];

/// The built-in role with this GUID.
pub fn role(id: &str) -> Option<&'static Role> {
    BUILT_IN.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

impl Role {
    /// `action` is granted by this role.
    pub fn allows(&self, action: &str) -> bool {
        self.actions.iter().any(|p| matches(p, action))
            && !self.not_actions.iter().any(|p| matches(p, action))
    }
}

/// Case-insensitive action pattern matching (see the module documentation).
pub fn matches(pattern: &str, action: &str) -> bool {
    let p = pattern.to_ascii_lowercase().into_bytes();
    let s = action.to_ascii_lowercase().into_bytes();
    glob(&p, 0, &s, 0)
}

fn glob(p: &[u8], pi: usize, s: &[u8], si: usize) -> bool {
    if pi == p.len() {
        return si == s.len();
    }
    if p[pi] == b'*' {
        // `/*/` also matches a single `/`: skip the `*/` after a `/`.
        let collapsible = pi > 0 && p[pi - 1] == b'/' && p.get(pi + 1) == Some(&b'/');
        if collapsible && glob(p, pi + 2, s, si) {
            return true;
        }
        return (si..=s.len()).any(|k| glob(p, pi + 1, s, k));
    }
    si < s.len() && p[pi] == s[si] && glob(p, pi + 1, s, si + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "Microsoft.Compute/virtualMachines/write"));
        assert!(matches("*/read", "Microsoft.Compute/virtualMachines/read"));
        assert!(matches("*/read", "microsoft.resources/subscriptions/read"));
        assert!(!matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/write"
        ));
        assert!(matches(
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachines/extensions/write"
        ));
        assert!(matches(
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"
        ));
        assert!(matches(
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "microsoft.managedidentity/userassignedidentities/read"
        ));
        assert!(matches(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/write"
        ));
        assert!(!matches(
            "Microsoft.Compute/virtualMachines/*",
            "Microsoft.Compute/virtualMachineScaleSets/write"
        ));
    }

    #[test]
    fn roles_combine_actions_and_not_actions() {
        let c = role(CONTRIBUTOR).unwrap();
        assert!(c.allows("Microsoft.Compute/virtualMachines/write"));
        assert!(!c.allows("Microsoft.Authorization/roleAssignments/write"));
        assert!(c.allows("Microsoft.Authorization/roleAssignments/read"));
        let vmc = role(VM_CONTRIBUTOR).unwrap();
        assert!(vmc.allows("Microsoft.Compute/virtualMachines/write"));
        assert!(!vmc.allows(ASSIGN_ACTION));
        assert!(role(MI_OPERATOR).unwrap().allows(ASSIGN_ACTION));
        assert!(!role(MI_CONTRIBUTOR).unwrap().allows(ASSIGN_ACTION));
        assert!(
            !role(READER)
                .unwrap()
                .allows("Microsoft.Compute/virtualMachines/write")
        );
    }
}
