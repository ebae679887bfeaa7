//! One target of a desired-state file: what it needs (read only: its resource, its extensions, its role
//! assignments), and making exactly that change (the identity through the change plan with `If-Match`, then the
//! role assignments, then the MSI extension).

use super::file::{ExtensionWant, extension_for};
use super::prepare::{Holder, Role, Work};
use super::report::{IdentityDiff, PlanStatus, RoleAdd, TargetDiff, TargetPlan};
use crate::bulk::{Status, TargetResult};
use crate::client::ArmClient;
use crate::error::{Error, Result};
use crate::extension::{MSI_EXTENSION_PUBLISHER, MsiExtension, MsiExtensionOs, extension_is};
use crate::identity::{Identity, IdentityChange, IdentityType, intent};
use crate::ids::{ComputeKind, ComputeTarget};
use serde_json::Value;

/// A target's plan and what carrying it out takes.
pub(crate) struct Planned {
    pub plan: TargetPlan,
    change: Option<IdentityChange>,
    known: Option<(Value, Option<String>)>,
    /// The identity as read.
    current: Identity,
    roles: Vec<(Role, Holder)>,
}

/// The client for the target's subscription (bare names and role lookups resolve there; one pacer still).
fn client_for(client: &ArmClient, t: &ComputeTarget) -> Result<ArmClient> {
    if t.subscription
        .eq_ignore_ascii_case(client.subscription_id())
    {
        Ok(client.clone())
    } else {
        client.with_subscription(&t.subscription)
    }
}

/// The OS of a VM or scale set as its model says it (the disk's `osType`, else its OS configuration).
pub(super) fn os_of(resource: &Value, kind: ComputeKind) -> Option<MsiExtensionOs> {
    let base = match kind {
        ComputeKind::VirtualMachine => resource.pointer("/properties"),
        ComputeKind::VirtualMachineScaleSet => {
            resource.pointer("/properties/virtualMachineProfile")
        }
    }?;
    match base
        .pointer("/storageProfile/osDisk/osType")
        .and_then(Value::as_str)
    {
        Some(t) if t.eq_ignore_ascii_case("windows") => return Some(MsiExtensionOs::Windows),
        Some(t) if t.eq_ignore_ascii_case("linux") => return Some(MsiExtensionOs::Linux),
        _ => {}
    }
    let os = base.get("osProfile")?;
    if os.get("windowsConfiguration").is_some() {
        Some(MsiExtensionOs::Windows)
    } else if os.get("linuxConfiguration").is_some() {
        Some(MsiExtensionOs::Linux)
    } else {
        None
    }
}

/// Reads what `w`'s target is now and plans it. Reads only.
pub(crate) async fn plan_target(client: &ArmClient, w: &Work) -> Result<Planned> {
    let t = &w.selected.target;
    let client = client_for(client, t)?;
    let (resource, etag) = match &w.selected.known {
        Some(k) => k.clone(),
        None => client.read_compute(t).await?,
    };
    let current = Identity::from_resource(&resource)?;
    let spec = &w.entry.spec;
    let mut diff = TargetDiff::default();
    let change = spec.identity.as_ref().map(|i| IdentityChange::Desired {
        system: i.system_assigned,
        user: w.user.clone(),
    });
    let (system_after, added, removed) = match &change {
        Some(c) => intent(&current, c)?,
        None => (current.has_system(), Vec::new(), Vec::new()),
    };
    diff.identity = IdentityDiff {
        system_before: current.has_system(),
        system_after,
        user_added: added,
        user_removed: removed,
    };

    let mut roles = Vec::new();
    for (role, holder) in w.entry.roles.iter().zip(&w.holders) {
        let principal = match holder {
            Holder::User { principal, .. } => Some(principal.clone()),
            Holder::System if !system_after => {
                return Err(Error::invalid_argument(format!(
                    "{} {} has no system-assigned identity to hold role {} at {}: turn it on (identity.systemAssigned: true) or name a user-assigned identity",
                    t.kind.short(),
                    t.name,
                    role.role,
                    role.scope
                )));
            }
            // Turned on by this change: its principal does not exist yet, so neither does the assignment.
            Holder::System if !current.has_system() => None,
            Holder::System => Some(current.principal_id.clone().ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::Service,
                    format!(
                        "{} {} reports no principal id for its system-assigned identity",
                        t.kind.short(),
                        t.name
                    ),
                )
            })?),
        };
        let held = match &principal {
            Some(p) => {
                client
                    .role_assignment_held(&role.scope, &role.role_id, p)
                    .await?
            }
            None => false,
        };
        if !held {
            diff.roles_add.push(RoleAdd {
                role: role.role.clone(),
                role_definition_id: role.role_id.clone(),
                scope: role.scope.clone(),
                identity: match holder {
                    Holder::User { id, .. } => Some(id.clone()),
                    Holder::System => None,
                },
            });
            roles.push((role.clone(), holder.clone()));
        }
    }

    if let Some(want) = &spec.msi_extension {
        let extensions = client.list_extensions(t).await?;
        let is_msi = |e: &&Value| {
            e.pointer("/properties/publisher")
                .and_then(Value::as_str)
                .is_some_and(|p| p.eq_ignore_ascii_case(MSI_EXTENSION_PUBLISHER))
        };
        let name_of = |e: &Value| e.get("name").and_then(Value::as_str).map(str::to_string);
        match want {
            ExtensionWant::Absent => {
                diff.extension_remove = extensions
                    .iter()
                    .filter(is_msi)
                    .filter_map(name_of)
                    .collect();
            }
            ExtensionWant::Present(spec) => {
                let named = spec.extension_type.is_some() || spec.name.is_some();
                let os = match os_of(&resource, t.kind) {
                    Some(os) => os,
                    None if named => MsiExtensionOs::Linux,
                    None => {
                        return Err(Error::invalid_argument(format!(
                            "the OS of {} {} is not in its model: give msiExtension.type (ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux)",
                            t.kind.short(),
                            t.name
                        )));
                    }
                };
                let ext: MsiExtension = extension_for(spec, os.extension_type())?;
                let there = extensions.iter().any(|e| {
                    name_of(e).is_some_and(|n| n.eq_ignore_ascii_case(&ext.name))
                        && extension_is(e, &ext)
                });
                if !there {
                    diff.extension_add = Some(ext);
                }
            }
        }
    }

    let had_none = current.identity_type == IdentityType::None && current.user_assigned.is_empty();
    let gets_one = system_after || !diff.identity.user_added.is_empty();
    let status = if diff.is_empty() {
        PlanStatus::NoChange
    } else if had_none && gets_one {
        PlanStatus::Create
    } else {
        PlanStatus::Update
    };
    let identity_changes = diff.identity.system_before != diff.identity.system_after
        || !diff.identity.user_added.is_empty()
        || !diff.identity.user_removed.is_empty();
    Ok(Planned {
        plan: TargetPlan {
            id: t.path(),
            kind: t.kind,
            entry: w.entry.index,
            status,
            diff,
            error: None,
        },
        change: change.filter(|_| identity_changes),
        known: Some((resource, etag)),
        current,
        roles,
    })
}

/// The plan of a target whose planning failed.
pub(crate) fn failed_plan(w: &Work, e: Error) -> TargetPlan {
    TargetPlan {
        id: w.selected.target.path(),
        kind: w.selected.target.kind,
        entry: w.entry.index,
        status: PlanStatus::Error,
        diff: TargetDiff::default(),
        error: Some(e),
    }
}

/// Plans `w`'s target and makes exactly that change; never fails as a whole (a failure is the target's result).
pub(crate) async fn apply_target(client: &ArmClient, w: Work) -> TargetResult {
    let id = w.selected.target.path();
    match apply_inner(client, &w).await {
        Ok((plan, identity)) => TargetResult {
            id,
            status: if plan.status == PlanStatus::NoChange {
                Status::Unchanged
            } else {
                Status::Changed
            },
            identity: Some(identity),
            resource: None,
            detail: Some(plan.to_json()),
            error: None,
        },
        Err(e) => TargetResult::failed(id, e),
    }
}

async fn apply_inner(client: &ArmClient, w: &Work) -> Result<(TargetPlan, Identity)> {
    let t = &w.selected.target;
    let client = client_for(client, t)?;
    let planned = plan_target(&client, w).await?;
    let mut identity = planned.current;
    if let Some(change) = &planned.change {
        identity = client
            .update_identity_from(t, change, planned.known)
            .await?
            .identity;
    }
    for (role, holder) in &planned.roles {
        let principal = match holder {
            Holder::User { principal, .. } => principal.clone(),
            Holder::System => identity.principal_id.clone().ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::Service,
                    "the system-assigned identity has no principal id: the role was not granted",
                )
            })?,
        };
        client
            .create_role_assignment(&role.scope, &role.role_id, &principal, None)
            .await?;
    }
    if let Some(ext) = &planned.plan.diff.extension_add {
        client.set_msi_extension(t, ext).await?;
    }
    for name in &planned.plan.diff.extension_remove {
        client.delete_extension(t, name).await?;
    }
    Ok((planned.plan, identity))
}
