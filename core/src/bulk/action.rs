//! What a bulk change does to each target, checked and resolved once before the first write.

use super::progress::{Status, TargetResult};
use super::select::{Selected, Selection};
use crate::client::ArmClient;
use crate::error::{Error, Result};
use crate::extension::{MsiExtension, MsiExtensionSpec};
use crate::identity::Identity;
use crate::ids::{ComputeKind, ComputeTarget};
use crate::requests::{AssignRequest, RemoveRequest, SetRequest};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The change a bulk run applies to every target.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `az vm identity assign` (and its `--role/--scope` grant).
    Assign(AssignRequest),
    /// `az vm identity remove`.
    Remove(RemoveRequest),
    /// Exactly this identity.
    Set(SetRequest),
    /// Grant `role` at `scope` to each target's system-assigned identity.
    GrantRole { role: String, scope: String },
    /// Add the legacy MSI extension (or bring it to this spec).
    MsiExtension(MsiExtensionSpec),
    /// Remove an extension (default name: the MSI extension of the target's OS family is not known without a
    /// read, so the name is required).
    RemoveExtension { name: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GrantRoleJson {
    role: String,
    scope: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RemoveExtensionJson {
    name: String,
}

fn fields<T: for<'de> Deserialize<'de>>(action: &str, rest: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(rest))
        .map_err(|e| Error::invalid_argument(format!("invalid '{action}' action: {e}")))
}

impl Action {
    /// Every action's names, as the JSON form spells them.
    pub const NAMES: [&'static str; 6] = [
        "assign",
        "remove",
        "set",
        "grantRole",
        "msiExtension",
        "removeExtension",
    ];

    /// From `{"action": "assign", "identities": [...], ...}`: the action's name, and its request's fields
    /// (camelCase, as the single-target requests take them).
    pub fn from_json(v: &Value) -> Result<Action> {
        let mut obj = v
            .as_object()
            .cloned()
            .ok_or_else(|| Error::invalid_argument("a bulk action must be a JSON object"))?;
        let name = match obj.remove("action") {
            Some(Value::String(s)) => s,
            _ => {
                return Err(Error::invalid_argument(format!(
                    "a bulk action needs \"action\": one of {}",
                    Action::NAMES.join(", ")
                )));
            }
        };
        Ok(match name.as_str() {
            "assign" => Action::Assign(fields(&name, obj)?),
            "remove" => Action::Remove(fields(&name, obj)?),
            "set" => Action::Set(fields(&name, obj)?),
            "grantRole" => {
                let g: GrantRoleJson = fields(&name, obj)?;
                Action::GrantRole {
                    role: g.role,
                    scope: g.scope,
                }
            }
            "msiExtension" => Action::MsiExtension(fields(&name, obj)?),
            "removeExtension" => {
                let r: RemoveExtensionJson = fields(&name, obj)?;
                Action::RemoveExtension { name: r.name }
            }
            other => {
                return Err(Error::invalid_argument(format!(
                    "unknown bulk action '{other}': expected one of {}",
                    Action::NAMES.join(", ")
                )));
            }
        })
    }

    /// Checks what can be checked without a target or a request.
    pub(crate) fn validate(&self, _kind: ComputeKind) -> Result<()> {
        match self {
            Action::MsiExtension(spec) => MsiExtension::from_spec(spec).map(|_| ()),
            Action::GrantRole { scope, .. } => crate::roles::validate_scope(scope).map(|_| ()),
            Action::RemoveExtension { name } => {
                crate::ids::validate_segment("extension name", name)
            }
            Action::Set(s) => crate::identity::IdentityType::parse(&s.identity_type).map(|_| ()),
            Action::Assign(_) | Action::Remove(_) => Ok(()),
        }
    }

    /// Resolves what is shared by every target (the role definition), before anything is written. A request
    /// that is invalid for every target (e.g. `--role` without `--scope`) fails here too: it is checked
    /// against a placeholder target of the selection's first subscription.
    pub(crate) async fn prepare(
        &self,
        client: &ArmClient,
        selection: &Selection,
    ) -> Result<Prepared> {
        let probe = ComputeTarget::new(
            selection
                .subscriptions
                .first()
                .map_or(client.subscription_id(), String::as_str),
            selection.resource_group.as_deref().unwrap_or("probe"),
            "probe",
            ComputeKind::VirtualMachine,
        )?;
        let grant = |role: &str, scope: &str| {
            let role = role.to_string();
            let scope = scope.to_string();
            async move {
                let scope = crate::roles::validate_scope(&scope)?;
                let role_id = client.resolve_role(&scope, &role).await?;
                Ok::<_, Error>((role_id, scope))
            }
        };
        Ok(match self {
            Action::Assign(r) => {
                let (_, g) = r.change(&probe)?;
                let g = match g {
                    Some((role, scope)) => Some(grant(&role, &scope).await?),
                    None => None,
                };
                Prepared::Assign(r.clone(), g)
            }
            Action::Remove(r) => {
                r.change(&probe)?;
                Prepared::Remove(r.clone())
            }
            Action::Set(r) => {
                r.change(&probe)?;
                Prepared::Set(r.clone())
            }
            Action::GrantRole { role, scope } => {
                let (role_id, scope) = grant(role, scope).await?;
                Prepared::GrantRole { role_id, scope }
            }
            Action::MsiExtension(spec) => Prepared::MsiExtension(MsiExtension::from_spec(spec)?),
            Action::RemoveExtension { name } => Prepared::RemoveExtension(name.clone()),
        })
    }
}

/// An action with its shared parts resolved.
#[derive(Debug)]
pub(crate) enum Prepared {
    Assign(AssignRequest, Option<(String, String)>),
    Remove(RemoveRequest),
    Set(SetRequest),
    GrantRole { role_id: String, scope: String },
    MsiExtension(MsiExtension),
    RemoveExtension(String),
}

/// What one target's change gave.
struct Done {
    changed: bool,
    identity: Option<Identity>,
    resource: Option<Value>,
    detail: Option<Value>,
}

impl Prepared {
    /// The change on one target; never fails as a whole: a failure is that target's result.
    pub async fn apply(&self, client: &ArmClient, s: Selected) -> TargetResult {
        let id = s.target.path();
        match self.apply_inner(client, s).await {
            Ok(d) => TargetResult {
                id,
                status: if d.changed {
                    Status::Changed
                } else {
                    Status::Unchanged
                },
                identity: d.identity,
                resource: d.resource,
                detail: d.detail,
                error: None,
            },
            Err(e) => TargetResult::failed(id, e),
        }
    }

    async fn apply_inner(&self, client: &ArmClient, s: Selected) -> Result<Done> {
        let t = &s.target;
        // A target in another subscription is worked on by a client of that subscription (bare identity names
        // and role lookups resolve there); the budget is still the one pacer, per subscription.
        let client = if t
            .subscription
            .eq_ignore_ascii_case(client.subscription_id())
        {
            client.clone()
        } else {
            client.with_subscription(&t.subscription)?
        };
        let identity_done = |u: crate::compute::IdentityUpdate| Done {
            changed: u.changed,
            identity: Some(u.identity),
            resource: Some(u.resource),
            detail: None,
        };
        match self {
            Prepared::Assign(r, grant) => {
                let (change, _) = r.change(t)?;
                let update = client.update_identity_from(t, &change, s.known).await?;
                let mut done = identity_done(update);
                if let Some((role_id, scope)) = grant {
                    let principal = system_principal(done.identity.as_ref(), t)?;
                    let (ra, created) = client
                        .ensure_role_assignment(scope, role_id, &principal)
                        .await?;
                    done.changed |= created;
                    done.detail = Some(serde_json::json!({ "roleAssignment": ra.raw }));
                }
                Ok(done)
            }
            Prepared::Remove(r) => {
                let change = r.change(t)?;
                Ok(identity_done(
                    client.update_identity_from(t, &change, s.known).await?,
                ))
            }
            Prepared::Set(r) => {
                let change = r.change(t)?;
                Ok(identity_done(
                    client.update_identity_from(t, &change, s.known).await?,
                ))
            }
            Prepared::GrantRole { role_id, scope } => {
                let identity = match s.known {
                    Some((resource, _)) => Identity::from_resource(&resource)?,
                    None => client.show_identity(t).await?,
                };
                let principal = system_principal(Some(&identity), t)?;
                let (ra, created) = client
                    .ensure_role_assignment(scope, role_id, &principal)
                    .await?;
                Ok(Done {
                    changed: created,
                    identity: Some(identity),
                    resource: None,
                    detail: Some(serde_json::json!({ "roleAssignment": ra.raw })),
                })
            }
            Prepared::MsiExtension(ext) => {
                let (changed, value) = client.ensure_msi_extension(t, ext).await?;
                Ok(Done {
                    changed,
                    identity: None,
                    resource: None,
                    detail: Some(serde_json::json!({ "extension": value })),
                })
            }
            Prepared::RemoveExtension(name) => Ok(Done {
                changed: client.delete_extension(t, name).await?,
                identity: None,
                resource: None,
                detail: None,
            }),
        }
    }
}

fn system_principal(identity: Option<&Identity>, t: &ComputeTarget) -> Result<String> {
    identity
        .filter(|i| i.has_system())
        .and_then(|i| i.principal_id.clone())
        .ok_or_else(|| {
            Error::invalid_argument(format!(
                "{} {} has no system-assigned identity to grant a role to: assign one first",
                t.kind.short(),
                t.name
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_parse_from_json_with_clear_errors() {
        assert_eq!(
            Action::from_json(&json!({"action": "assign"})).unwrap(),
            Action::Assign(AssignRequest::default())
        );
        assert_eq!(
            Action::from_json(
                &json!({"action": "grantRole", "role": "Reader", "scope": "/subscriptions/s"})
            )
            .unwrap(),
            Action::GrantRole {
                role: "Reader".into(),
                scope: "/subscriptions/s".into()
            }
        );
        let e = Action::from_json(&json!({"action": "explode"})).unwrap_err();
        assert!(e.message().contains("unknown bulk action 'explode'"), "{e}");
        let e = Action::from_json(&json!({"identities": []})).unwrap_err();
        assert!(e.message().contains("needs \"action\""), "{e}");
        let e = Action::from_json(&json!({"action": "assign", "identity": "x"})).unwrap_err();
        assert!(e.message().contains("invalid 'assign' action"), "{e}");
        assert!(e.message().contains("identity"), "{e}");
    }
}
