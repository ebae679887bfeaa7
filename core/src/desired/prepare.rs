//! Everything a desired-state file names, resolved before the first write: the role definitions, the targets of
//! each entry (list calls, or the IDs given), and every user-assigned identity a target is to have or to grant a
//! role to (read once each, so that a misspelt name stops the run before anything changes). Reads only.

use super::file::{Document, RoleSpec, TargetSpec};
use crate::bulk::Selected;
use crate::client::ArmClient;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::UserWant;
use crate::ids::{ComputeTarget, resolve_user_identity};
use std::collections::HashMap;
use std::sync::Arc;

/// A role of an entry with its definition resolved.
#[derive(Debug, Clone)]
pub(crate) struct Role {
    /// As the file spells it (`Reader`).
    pub role: String,
    pub role_id: String,
    pub scope: String,
}

/// An entry of the file, its shared parts resolved.
#[derive(Debug)]
pub(crate) struct Entry {
    pub index: usize,
    pub spec: TargetSpec,
    pub roles: Vec<Role>,
}

/// Who holds a role on one target.
#[derive(Debug, Clone)]
pub(crate) enum Holder {
    /// The target's system-assigned identity (its principal is read from the target).
    System,
    /// A user-assigned identity: its ID and principal.
    User { id: String, principal: String },
}

/// One target and what it must be, every reference resolved for it.
#[derive(Debug)]
pub(crate) struct Work {
    pub selected: Selected,
    pub entry: Arc<Entry>,
    /// The user-assigned identities, as IDs.
    pub user: UserWant,
    /// Per role of the entry, its holder.
    pub holders: Vec<Holder>,
}

fn at(source: &str, path: &str, e: Error) -> Error {
    e.in_context(format!("{source}: {path}"))
}

impl ArmClient {
    /// Resolves a read document into work items, one per target, in file order. Fails (before any write) when
    /// a role, a target list or an identity cannot be resolved, or when two entries name the same target.
    pub(crate) async fn prepare_desired(&self, doc: &Document, source: &str) -> Result<Vec<Work>> {
        let mut work = Vec::new();
        let mut named_by: HashMap<String, usize> = HashMap::new();
        let mut identities: HashMap<String, Option<String>> = HashMap::new();
        // Role definitions by (scope, name), read once per run however many entries name them.
        let mut definitions: HashMap<(String, String), String> = HashMap::new();
        for (index, spec) in doc.targets.iter().enumerate() {
            let mut roles = Vec::new();
            for (j, r) in spec.roles.iter().enumerate() {
                let key = (r.scope.to_ascii_lowercase(), r.role.clone());
                let role_id = match definitions.get(&key) {
                    Some(id) => id.clone(),
                    None => {
                        let id = self.resolve_role(&r.scope, &r.role).await.map_err(|e| {
                            at(source, &format!("targets[{index}].roles[{j}].role"), e)
                        })?;
                        definitions.insert(key, id.clone());
                        id
                    }
                };
                roles.push(Role {
                    role: r.role.clone(),
                    role_id,
                    scope: r.scope.clone(),
                });
            }
            let entry = Arc::new(Entry {
                index,
                spec: spec.clone(),
                roles,
            });
            let selected = self
                .select(spec.kind, &spec.selection)
                .await
                .map_err(|e| at(source, &format!("targets[{index}]"), e))?;
            for s in selected {
                let key = s.target.path().to_ascii_lowercase();
                if let Some(first) = named_by.insert(key, index) {
                    return Err(Error::invalid_argument(format!(
                        "{source}: targets[{index}]: {} is named by targets[{first}] too: name each target once",
                        s.target.path()
                    )));
                }
                let user = resolve_user(&spec_user(spec), &s.target)
                    .map_err(|e| at(source, &format!("targets[{index}].identity"), e))?;
                if let UserWant::Exactly(ids) | UserWant::AtLeast(ids) = &user {
                    for id in ids {
                        self.known_identity(&mut identities, id)
                            .await
                            .map_err(|e| {
                                at(
                                    source,
                                    &format!("targets[{index}].identity.userAssigned"),
                                    e,
                                )
                            })?;
                    }
                }
                let mut holders = Vec::new();
                for (j, r) in spec.roles.iter().enumerate() {
                    let path = format!("targets[{index}].roles[{j}].identity");
                    holders.push(
                        self.holder(&mut identities, r, &s.target)
                            .await
                            .map_err(|e| at(source, &path, e))?,
                    );
                }
                work.push(Work {
                    selected: s,
                    entry: entry.clone(),
                    user,
                    holders,
                });
            }
        }
        Ok(work)
    }

    /// The principal of a user-assigned identity, read once per run; a missing identity is the file's error.
    async fn known_identity(
        &self,
        cache: &mut HashMap<String, Option<String>>,
        id: &str,
    ) -> Result<Option<String>> {
        let key = id.to_ascii_lowercase();
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let principal = match self.get_user_identity_by_id(id).await {
            Ok(u) => u.principal_id,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::invalid_argument(format!(
                    "user-assigned identity {id} does not exist: create it first (msi identity create)"
                )));
            }
            Err(e) => return Err(e),
        };
        cache.insert(key, principal.clone());
        Ok(principal)
    }

    async fn holder(
        &self,
        cache: &mut HashMap<String, Option<String>>,
        r: &RoleSpec,
        t: &ComputeTarget,
    ) -> Result<Holder> {
        let Some(reference) = &r.identity else {
            return Ok(Holder::System);
        };
        let id = resolve_user_identity(reference, &t.subscription, &t.resource_group)?;
        let principal = self.known_identity(cache, &id).await?.ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                format!("user-assigned identity {id} has no principal id"),
            )
        })?;
        Ok(Holder::User { id, principal })
    }
}

fn spec_user(spec: &TargetSpec) -> UserWant {
    spec.identity
        .as_ref()
        .map_or(UserWant::Keep, |i| i.user_assigned.0.clone())
}

/// Names resolved in the target's group and subscription, IDs as given.
fn resolve_user(want: &UserWant, t: &ComputeTarget) -> Result<UserWant> {
    let ids = |refs: &[String]| {
        refs.iter()
            .map(|r| resolve_user_identity(r, &t.subscription, &t.resource_group))
            .collect::<Result<Vec<_>>>()
    };
    Ok(match want {
        UserWant::Keep => UserWant::Keep,
        UserWant::Exactly(r) => UserWant::Exactly(ids(r)?),
        UserWant::AtLeast(r) => UserWant::AtLeast(ids(r)?),
    })
}
