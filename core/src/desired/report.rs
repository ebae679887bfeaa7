//! What `plan` found: per target, its status and a field-level diff, as JSON (camelCase, the same in every face)
//! and as a readable diff (`~ id`, then `+ userAssigned id-web`, `- systemAssigned`, as Terraform prints plans).

use crate::error::Error;
use crate::extension::MsiExtension;
use crate::ids::ComputeKind;
use serde_json::{Value, json};
use std::fmt::Write;

/// What a target needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    /// The target has no identity and is to get one.
    Create,
    /// Something else is to change.
    Update,
    /// The target already is as the file says.
    NoChange,
    /// The target could not be planned (the error says why); nothing will be written to it.
    Error,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Create => "create",
            PlanStatus::Update => "update",
            PlanStatus::NoChange => "noChange",
            PlanStatus::Error => "error",
        }
    }
}

/// The identity before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityDiff {
    pub system_before: bool,
    pub system_after: bool,
    /// IDs of the user-assigned identities to attach and to detach.
    pub user_added: Vec<String>,
    pub user_removed: Vec<String>,
}

/// A role assignment to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAdd {
    /// As the file names it.
    pub role: String,
    pub role_definition_id: String,
    pub scope: String,
    /// The user-assigned identity's ID; `None`: the system-assigned identity.
    pub identity: Option<String>,
}

/// Everything that is to change on one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetDiff {
    pub identity: IdentityDiff,
    pub roles_add: Vec<RoleAdd>,
    pub extension_add: Option<MsiExtension>,
    /// Names of the MSI extensions to remove.
    pub extension_remove: Vec<String>,
}

impl TargetDiff {
    pub fn is_empty(&self) -> bool {
        let i = &self.identity;
        i.system_before == i.system_after
            && i.user_added.is_empty()
            && i.user_removed.is_empty()
            && self.roles_add.is_empty()
            && self.extension_add.is_none()
            && self.extension_remove.is_empty()
    }

    pub fn to_json(&self) -> Value {
        let i = &self.identity;
        json!({
            "systemAssigned": {"before": i.system_before, "after": i.system_after},
            "userAssigned": {"add": i.user_added, "remove": i.user_removed},
            "roles": {"add": self.roles_add.iter().map(|r| json!({
                "role": r.role,
                "roleDefinitionId": r.role_definition_id,
                "scope": r.scope,
                "identity": r.identity.as_deref().unwrap_or("system"),
            })).collect::<Vec<_>>()},
            "msiExtension": {
                "add": self.extension_add.as_ref().map(|e| json!({
                    "name": e.name, "type": e.os.extension_type(), "port": e.port
                })),
                "remove": self.extension_remove,
            },
        })
    }

    /// The diff's lines (`+ systemAssigned`, `- userAssigned id-old`, ...).
    pub fn lines(&self) -> Vec<String> {
        let i = &self.identity;
        let mut out = Vec::new();
        match (i.system_before, i.system_after) {
            (false, true) => out.push("+ systemAssigned".to_string()),
            (true, false) => out.push("- systemAssigned".to_string()),
            _ => {}
        }
        out.extend(
            i.user_added
                .iter()
                .map(|u| format!("+ userAssigned {}", short(u))),
        );
        out.extend(
            i.user_removed
                .iter()
                .map(|u| format!("- userAssigned {}", short(u))),
        );
        out.extend(self.roles_add.iter().map(|r| {
            let who = r
                .identity
                .as_deref()
                .map_or("system identity".into(), short);
            format!("+ role {} at {} ({who})", r.role, r.scope)
        }));
        if let Some(e) = &self.extension_add {
            let ty = e.os.extension_type();
            out.push(if e.name.eq_ignore_ascii_case(ty) {
                format!("+ msiExtension {} (port {})", e.name, e.port)
            } else {
                format!("+ msiExtension {} ({ty}, port {})", e.name, e.port)
            });
        }
        out.extend(
            self.extension_remove
                .iter()
                .map(|n| format!("- msiExtension {n}")),
        );
        out
    }
}

/// The last segment of an ID (an identity's name), for the readable diff.
fn short(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// One target of a plan.
#[derive(Debug)]
pub struct TargetPlan {
    pub id: String,
    pub kind: ComputeKind,
    /// The index of the file's entry that names it.
    pub entry: usize,
    pub status: PlanStatus,
    pub diff: TargetDiff,
    pub error: Option<Error>,
}

impl TargetPlan {
    pub fn to_json(&self) -> Value {
        let mut o = json!({
            "id": self.id,
            "kind": self.kind.short(),
            "entry": self.entry,
            "status": self.status.as_str(),
        });
        match &self.error {
            Some(e) => o["error"] = e.to_json()["error"].clone(),
            None => o["changes"] = self.diff.to_json(),
        }
        o
    }
}

/// What applying a desired-state file would change, target by target (in file order).
#[derive(Debug)]
pub struct Plan {
    /// The file's name, as given.
    pub source: String,
    pub targets: Vec<TargetPlan>,
}

impl Plan {
    fn count(&self, s: PlanStatus) -> usize {
        self.targets.iter().filter(|t| t.status == s).count()
    }

    /// Whether applying would write anything.
    pub fn has_changes(&self) -> bool {
        self.targets
            .iter()
            .any(|t| matches!(t.status, PlanStatus::Create | PlanStatus::Update))
    }

    /// The first target's error, in file order.
    pub fn first_error(&self) -> Option<&Error> {
        self.targets.iter().find_map(|t| t.error.as_ref())
    }

    /// `{"source", "changes", "summary": {"create", "update", "noChange", "error"}, "targets": [...]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "source": self.source,
            "changes": self.has_changes(),
            "summary": {
                "create": self.count(PlanStatus::Create),
                "update": self.count(PlanStatus::Update),
                "noChange": self.count(PlanStatus::NoChange),
                "error": self.count(PlanStatus::Error),
            },
            "targets": self.targets.iter().map(TargetPlan::to_json).collect::<Vec<_>>(),
        })
    }

    /// The readable diff: `+ id` (create), `~ id` (update), `! id` (error), each change indented under it,
    /// then a one-line summary. Targets with nothing to change are counted, not listed.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for t in &self.targets {
            let mark = match t.status {
                PlanStatus::Create => "+",
                PlanStatus::Update => "~",
                PlanStatus::Error => "!",
                PlanStatus::NoChange => continue,
            };
            let _ = writeln!(s, "{mark} {}", t.id);
            match &t.error {
                Some(e) => {
                    let code = e.code().map(|c| format!("{c}: ")).unwrap_or_default();
                    let _ = writeln!(s, "    error: {code}{}", e.message());
                }
                None => {
                    for l in t.diff.lines() {
                        let _ = writeln!(s, "    {l}");
                    }
                }
            }
        }
        let _ = write!(
            s,
            "Plan ({}): {} to create, {} to update, {} unchanged, {} error(s).",
            self.source,
            self.count(PlanStatus::Create),
            self.count(PlanStatus::Update),
            self.count(PlanStatus::NoChange),
            self.count(PlanStatus::Error)
        );
        if !self.has_changes() && self.first_error().is_none() {
            s.push_str(" No changes: the targets are as the file says.");
        }
        s
    }
}
