//! The identity operations as the faces ask for them: targets named either way, az's identity lists, and the
//! defaults of az / Az PowerShell / the portal, decided once here so that every face gives the same answer.
//!
//! Where the anchors disagree, az's current behaviour wins:
//! - `az vm identity assign` and `remove` with no `--identities` mean the system-assigned identity (az's default
//!   for `--identities` is `[system]`; azure-cli `vm/_params.py`, `vm/custom.py` `assign_vm_identity`,
//!   `remove_vm_identity`);
//! - `--role` and `--scope` come together or not at all: az 2.x removed the `Contributor` default of `--role`
//!   for security ("`--role` must be specified when `--scope` is given", azure-cli release notes 2.35), and they
//!   apply to the system-assigned identity only;
//! - a user-assigned identity named by full ID is followed into its own subscription; a bare name is looked up in
//!   the resource's group and subscription (az's `_get_resource_id` with the VM's group).

use crate::client::ArmClient;
use crate::compute::IdentityUpdate;
use crate::error::{Error, Result};
use crate::identity::{IdentityChange, IdentityType};
use crate::ids::{
    ComputeKind, ComputeTarget, MSI_NAMESPACE, ResourceId, UAI_TYPE, resolve_identity_refs,
    resolve_user_identity,
};
use crate::roles::RoleAssignment;
use serde::Deserialize;

impl ArmClient {
    /// A VM or scale set named by full ARM ID (any subscription), or by group and name in the client's
    /// subscription, never both. With `kind` `None` an ID may be of either kind (an extension's parent).
    pub fn target(
        &self,
        kind: Option<ComputeKind>,
        resource_group: Option<&str>,
        name: Option<&str>,
        id: Option<&str>,
    ) -> Result<ComputeTarget> {
        let what = kind.map(ComputeKind::short).unwrap_or("vm or vmss");
        match (resource_group, name, id, kind) {
            (None, None, Some(id), Some(kind)) => ComputeTarget::from_id(id, kind),
            (None, None, Some(id), None) => ComputeTarget::parse(id),
            (Some(g), Some(n), None, Some(kind)) => {
                ComputeTarget::new(&self.subscription, g, n, kind)
            }
            (Some(_), Some(_), None, None) => Err(Error::invalid_argument(
                "name the kind of resource (vm or vmss) with its group and name, or give its ID",
            )),
            (_, _, Some(_), _) => Err(Error::invalid_argument(format!(
                "name the {what} by its ID or by resource group and name, not both"
            ))),
            _ => Err(Error::invalid_argument(format!(
                "name the {what}: resource group and name, or its ID"
            ))),
        }
    }

    /// Several targets: the IDs when any are given (az's `--ids`), else the one named by group and name.
    pub fn targets(
        &self,
        kind: ComputeKind,
        resource_group: Option<&str>,
        name: Option<&str>,
        ids: &[String],
    ) -> Result<Vec<ComputeTarget>> {
        if ids.is_empty() {
            return Ok(vec![self.target(Some(kind), resource_group, name, None)?]);
        }
        if resource_group.is_some() || name.is_some() {
            return Err(Error::invalid_argument(format!(
                "name the {} by IDs or by resource group and name, not both",
                kind.short()
            )));
        }
        ids.iter()
            .map(|id| ComputeTarget::from_id(id, kind))
            .collect()
    }

    /// The full ID of a user-assigned identity named by ID (kept as given, any subscription) or by group and name
    /// (in the client's subscription).
    pub fn user_identity_ref(
        &self,
        resource_group: Option<&str>,
        name: Option<&str>,
        id: Option<&str>,
    ) -> Result<String> {
        match (resource_group, name, id) {
            (None, None, Some(id)) => {
                let rid = ResourceId::parse(id.trim())?;
                if !rid.is_type(MSI_NAMESPACE, UAI_TYPE) {
                    return Err(Error::invalid_argument(format!(
                        "'{id}' is not a user-assigned identity ID; expected .../providers/{MSI_NAMESPACE}/{UAI_TYPE}/<name>"
                    )));
                }
                resolve_user_identity(id, &rid.subscription, &rid.resource_group)
            }
            (Some(g), Some(n), None) => {
                crate::ids::validate_resource_group(g)?;
                resolve_user_identity(n, &self.subscription, g)
            }
            (_, _, Some(_)) => Err(Error::invalid_argument(
                "name the identity by its ID or by resource group and name, not both",
            )),
            _ => Err(Error::invalid_argument(
                "name the identity: resource group and name, or its ID",
            )),
        }
    }
}

/// `az vm identity assign`, `Update-AzVM -IdentityType ... -IdentityId` (adding), the portal's Status On and Add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignRequest {
    /// az's `--identities`: names (in the resource's group), full IDs, `[system]`. Empty: the system-assigned
    /// identity, unless `system_assigned` says otherwise.
    #[serde(default)]
    pub identities: Vec<String>,
    /// Enable the system-assigned identity (`true`) or leave it as it is (`false`), whatever the list says.
    pub system_assigned: Option<bool>,
    /// A role for the system-assigned identity at `scope` (az's `--role`), granted after the identity is on.
    pub role: Option<String>,
    pub scope: Option<String>,
}

/// `az vm identity remove`, the portal's Status Off and Remove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoveRequest {
    /// Names, IDs, `[system]`. Empty (and no `all_user_assigned`): the system-assigned identity.
    #[serde(default)]
    pub identities: Vec<String>,
    /// Disable the system-assigned identity (`true`) or keep it (`false`), whatever the list says.
    pub system_assigned: Option<bool>,
    /// Detach every user-assigned identity.
    #[serde(default)]
    pub all_user_assigned: bool,
}

/// Exactly this identity: `az vm update --set identity.type=...`, `Update-AzVM -IdentityType -IdentityId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetRequest {
    /// `None`, `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` (case and spaces do not matter).
    #[serde(rename = "type", alias = "identityType")]
    pub identity_type: String,
    /// Exactly these user-assigned identities (names, IDs); `None` keeps the current ones when the type has them.
    pub identities: Option<Vec<String>>,
}

impl SetRequest {
    /// From az's generic update arguments: `--set identity.type=X [identity.userAssignedIdentities=null]`.
    pub fn from_az_set(pairs: &[String]) -> Result<SetRequest> {
        let mut ty = None;
        let mut user = None;
        for p in pairs {
            let (k, v) = p.split_once('=').ok_or_else(|| {
                Error::invalid_argument(format!("--set '{p}': expected KEY=VALUE"))
            })?;
            let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
            match k.trim().to_ascii_lowercase().as_str() {
                "identity.type" => ty = Some(IdentityType::parse(v)?.as_str().to_string()),
                "identity.userassignedidentities" if v.eq_ignore_ascii_case("null") => {
                    user = Some(vec![])
                }
                "identity.userassignedidentities" => {
                    return Err(Error::invalid_argument(format!(
                        "--set identity.userAssignedIdentities='{v}': only null is supported; use `identity assign --identities` to add"
                    )));
                }
                other => {
                    return Err(Error::invalid_argument(format!(
                        "--set '{other}' is not supported: only identity.type and identity.userAssignedIdentities=null can be set"
                    )));
                }
            }
        }
        match ty {
            Some(identity_type) => Ok(SetRequest {
                identity_type,
                identities: user,
            }),
            None if user.is_some() => Err(Error::invalid_argument(
                "--set identity.userAssignedIdentities=null needs identity.type too (SystemAssigned or None)",
            )),
            None => Err(Error::invalid_argument("--set needs identity.type=...")),
        }
    }
}

/// What an assign did: the identity change, and the role assignment `--role/--scope` asked for.
#[derive(Debug, Clone)]
pub struct AssignOutcome {
    pub update: IdentityUpdate,
    pub role_assignment: Option<RoleAssignment>,
}

/// The role grant of an assign, checked before anything is sent.
fn role_grant(role: &Option<String>, scope: &Option<String>) -> Result<Option<(String, String)>> {
    match (role, scope) {
        (Some(r), Some(s)) => Ok(Some((r.clone(), s.clone()))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::invalid_argument(
            "--role needs --scope: give both, or neither",
        )),
        (None, Some(_)) => Err(Error::invalid_argument(
            "--scope needs --role (there is no default role): give both, or neither",
        )),
    }
}

impl AssignRequest {
    /// The change this asks of `t`, and the role grant.
    pub fn change(&self, t: &ComputeTarget) -> Result<(IdentityChange, Option<(String, String)>)> {
        let grant = role_grant(&self.role, &self.scope)?;
        let (listed_system, user) = resolve_identity_refs(&self.identities, t)?;
        let system = match self.system_assigned {
            Some(false) if listed_system => {
                return Err(Error::invalid_argument(
                    "[system] is listed but the system-assigned identity is turned off",
                ));
            }
            Some(s) => s,
            None => listed_system || user.is_empty(),
        };
        if grant.is_some() && !system {
            return Err(Error::invalid_argument(
                "--role/--scope apply to the system-assigned identity, which this request does not assign: include [system]",
            ));
        }
        Ok((IdentityChange::Assign { system, user }, grant))
    }
}

impl RemoveRequest {
    pub fn change(&self, t: &ComputeTarget) -> Result<IdentityChange> {
        let (listed_system, user) = resolve_identity_refs(&self.identities, t)?;
        let system = match self.system_assigned {
            Some(false) if listed_system => {
                return Err(Error::invalid_argument(
                    "[system] is listed but the system-assigned identity is to be kept",
                ));
            }
            Some(s) => s,
            None => listed_system || (user.is_empty() && !self.all_user_assigned),
        };
        Ok(IdentityChange::Remove {
            system,
            user,
            all_user: self.all_user_assigned,
        })
    }
}

impl SetRequest {
    pub fn change(&self, t: &ComputeTarget) -> Result<IdentityChange> {
        let identity_type = IdentityType::parse(&self.identity_type)?;
        let user = match &self.identities {
            None => None,
            Some(list) => {
                let (listed_system, user) = resolve_identity_refs(list, t)?;
                if listed_system && !identity_type.has_system() {
                    return Err(Error::invalid_argument(format!(
                        "[system] is listed but identity type '{identity_type}' has no system-assigned identity"
                    )));
                }
                Some(user)
            }
        };
        Ok(IdentityChange::Set {
            identity_type,
            user,
        })
    }
}

impl ArmClient {
    /// Assign identities (and grant `--role` at `--scope` to the system-assigned one). Every argument, the role
    /// included, is checked before the identity is written.
    pub async fn assign_identity(
        &self,
        t: &ComputeTarget,
        request: &AssignRequest,
    ) -> Result<AssignOutcome> {
        let (change, grant) = self.assign_change(t, request).await?;
        let update = self.update_identity(t, &change).await?;
        self.grant_after_assign(update, grant).await
    }

    /// The change an assign asks for, and its role grant (role definition ID, scope) resolved: everything is
    /// checked before anything is written.
    pub(crate) async fn assign_change(
        &self,
        t: &ComputeTarget,
        request: &AssignRequest,
    ) -> Result<(IdentityChange, Option<(String, String)>)> {
        let (change, grant) = request.change(t)?;
        let grant = match grant {
            Some((role, scope)) => {
                let scope = crate::roles::validate_scope(&scope)?;
                let role_id = self.resolve_role(&scope, &role).await?;
                Some((role_id, scope))
            }
            None => None,
        };
        Ok((change, grant))
    }

    /// The role grant of an assign, once the identity is on.
    pub(crate) async fn grant_after_assign(
        &self,
        update: IdentityUpdate,
        grant: Option<(String, String)>,
    ) -> Result<AssignOutcome> {
        let role_assignment = match (grant, update.identity.principal_id.as_deref()) {
            (Some((role_id, scope)), Some(principal)) => Some(
                self.create_role_assignment(&scope, &role_id, principal, None)
                    .await?,
            ),
            (Some(_), None) => {
                return Err(Error::new(
                    crate::ErrorKind::Service,
                    "the system-assigned identity has no principal id: the role was not granted",
                ));
            }
            (None, _) => None,
        };
        Ok(AssignOutcome {
            update,
            role_assignment,
        })
    }

    /// Remove identities.
    pub async fn remove_identity(
        &self,
        t: &ComputeTarget,
        request: &RemoveRequest,
    ) -> Result<IdentityUpdate> {
        let change = request.change(t)?;
        self.update_identity(t, &change).await
    }

    /// Make the identity exactly as asked.
    pub async fn set_identity(
        &self,
        t: &ComputeTarget,
        request: &SetRequest,
    ) -> Result<IdentityUpdate> {
        let change = request.change(t)?;
        self.update_identity(t, &change).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t() -> ComputeTarget {
        ComputeTarget::new("s", "rg", "vm", ComputeKind::VirtualMachine).unwrap()
    }

    fn id(name: &str) -> String {
        crate::ids::user_identity_id("s", "rg", name)
    }

    fn assign(v: serde_json::Value) -> Result<IdentityChange> {
        let r: AssignRequest = serde_json::from_value(v).unwrap();
        r.change(&t()).map(|(c, _)| c)
    }

    fn remove(v: serde_json::Value) -> Result<IdentityChange> {
        let r: RemoveRequest = serde_json::from_value(v).unwrap();
        r.change(&t())
    }

    #[test]
    fn assign_defaults_are_azs() {
        use IdentityChange::Assign;
        let a = |system, user: Vec<String>| Assign { system, user };
        assert_eq!(assign(json!({})).unwrap(), a(true, vec![]));
        assert_eq!(
            assign(json!({"identities": ["id1"]})).unwrap(),
            a(false, vec![id("id1")])
        );
        assert_eq!(
            assign(json!({"identities": ["[system]", "id1"]})).unwrap(),
            a(true, vec![id("id1")])
        );
        assert_eq!(
            assign(json!({"identities": ["id1"], "systemAssigned": true})).unwrap(),
            a(true, vec![id("id1")])
        );
        assert_eq!(
            assign(json!({"systemAssigned": false})).unwrap(),
            a(false, vec![])
        );
        assert!(assign(json!({"identities": ["[system]"], "systemAssigned": false})).is_err());
        assert!(
            assign(json!({"scope": "/subscriptions/s"}))
                .unwrap_err()
                .message()
                .contains("no default role")
        );
        assert!(
            assign(json!({"role": "Reader"}))
                .unwrap_err()
                .message()
                .contains("--scope")
        );
        assert!(
            assign(json!({"identities": ["id1"], "role": "Reader", "scope": "/subscriptions/s"}))
                .unwrap_err()
                .message()
                .contains("include [system]")
        );
        assert!(assign(json!({"role": "Reader", "scope": "/subscriptions/s"})).is_ok());
    }

    #[test]
    fn remove_defaults_are_azs() {
        use IdentityChange::Remove;
        let r = |system, user: Vec<String>, all_user| Remove {
            system,
            user,
            all_user,
        };
        assert_eq!(remove(json!({})).unwrap(), r(true, vec![], false));
        assert_eq!(
            remove(json!({"identities": ["id1"]})).unwrap(),
            r(false, vec![id("id1")], false)
        );
        assert_eq!(
            remove(json!({"allUserAssigned": true})).unwrap(),
            r(false, vec![], true)
        );
        assert_eq!(
            remove(json!({"identities": ["[SYSTEM]"], "allUserAssigned": true})).unwrap(),
            r(true, vec![], true)
        );
        assert!(serde_json::from_value::<RemoveRequest>(json!({"role": "Reader"})).is_err());
    }

    #[test]
    fn az_set_pairs() {
        let s = |p: &[&str]| {
            SetRequest::from_az_set(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            s(&["identity.type=none"]).unwrap(),
            SetRequest {
                identity_type: "None".into(),
                identities: None
            }
        );
        assert_eq!(
            s(&[
                "identity.type='SystemAssigned'",
                "identity.userAssignedIdentities=null"
            ])
            .unwrap(),
            SetRequest {
                identity_type: "SystemAssigned".into(),
                identities: Some(vec![])
            }
        );
        for (p, why) in [
            (&["identity.type=Both"][..], "'Both'"),
            (&["tags.a=b"], "not supported"),
            (&["identity.type"], "KEY=VALUE"),
            (
                &["identity.userAssignedIdentities=null"],
                "needs identity.type",
            ),
        ] {
            assert!(s(p).unwrap_err().message().contains(why), "{p:?}");
        }
    }

    #[test]
    fn targets_either_way() {
        let c = ArmClient::new(
            std::sync::Arc::new(crate::StaticTokenCredential::new("t")),
            crate::ClientOptions::new("https://127.0.0.1:1", "s"),
        )
        .unwrap();
        let vm =
            "/subscriptions/other/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v";
        assert_eq!(
            c.target(Some(ComputeKind::VirtualMachine), None, None, Some(vm))
                .unwrap()
                .subscription,
            "other"
        );
        assert_eq!(
            c.target(None, None, None, Some(vm)).unwrap().kind,
            ComputeKind::VirtualMachine
        );
        assert!(
            c.target(
                Some(ComputeKind::VirtualMachineScaleSet),
                None,
                None,
                Some(vm)
            )
            .is_err()
        );
        assert!(
            c.target(
                Some(ComputeKind::VirtualMachine),
                Some("g"),
                Some("v"),
                Some(vm)
            )
            .is_err()
        );
        assert!(
            c.target(Some(ComputeKind::VirtualMachine), Some("g"), None, None)
                .is_err()
        );
        assert_eq!(
            c.targets(
                ComputeKind::VirtualMachine,
                None,
                None,
                &[vm.into(), vm.into()]
            )
            .unwrap()
            .len(),
            2
        );
        let uai = "/subscriptions/other/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
        assert_eq!(c.user_identity_ref(None, None, Some(uai)).unwrap(), uai);
        assert_eq!(
            c.user_identity_ref(Some("g"), Some("id1"), None).unwrap(),
            crate::ids::user_identity_id("s", "g", "id1")
        );
        assert!(c.user_identity_ref(None, None, Some(vm)).is_err());
    }
}
