//! Core's `Identity` and `IdentityUpdate` as JS objects.

use msi_identity::{Identity as CoreIdentity, IdentityUpdate as CoreIdentityUpdate};
use napi_derive::napi;
use serde_json::Value;
use std::collections::BTreeMap;

/// One user-assigned identity attached to a resource: the value of its ARM ID in `userAssignedIdentities`, as
/// ARM and `@azure/arm-compute` (`UserAssignedIdentitiesValue`) shape it.
#[napi(object)]
pub struct UserAssignedIdentitiesValue {
    /// Object ID of the identity's service principal.
    pub principal_id: Option<String>,
    pub client_id: Option<String>,
}

/// The identity of a VM or scale set.
#[napi(object)]
pub struct Identity {
    #[napi(
        js_name = "type",
        ts_type = "'None' | 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned'"
    )]
    pub identity_type: String,
    /// Object ID of the system-assigned identity.
    pub principal_id: Option<String>,
    pub tenant_id: Option<String>,
    /// The user-assigned identities, keyed by ARM ID (in the casing the service returned), as ARM has them.
    pub user_assigned_identities: BTreeMap<String, UserAssignedIdentitiesValue>,
}

impl From<CoreIdentity> for Identity {
    fn from(i: CoreIdentity) -> Self {
        Identity {
            identity_type: i.identity_type.as_str().to_string(),
            principal_id: i.principal_id,
            tenant_id: i.tenant_id,
            user_assigned_identities: i
                .user_assigned
                .into_iter()
                .map(|u| {
                    (
                        u.id,
                        UserAssignedIdentitiesValue {
                            principal_id: u.principal_id,
                            client_id: u.client_id,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The result of an identity change.
#[napi(object)]
pub struct IdentityUpdate {
    /// False when the resource already was as asked (no write was sent).
    pub changed: bool,
    /// The identity after the change.
    pub identity: Identity,
    /// The whole resource as last read.
    #[napi(ts_type = "Record<string, any>")]
    pub resource: Value,
}

impl From<CoreIdentityUpdate> for IdentityUpdate {
    fn from(u: CoreIdentityUpdate) -> Self {
        IdentityUpdate {
            changed: u.changed,
            identity: u.identity.into(),
            resource: u.resource,
        }
    }
}
