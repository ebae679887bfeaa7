//! Who a token's object id is and which roles it holds where, cached per principal until the next
//! committed write to principals or role assignments (`Store::access_changes`): an ARM GET read
//! both from the database again for every request, two thirds of its database time.
//!
//! An entry remembers the change count read before its rows were: a write committed meanwhile
//! makes it stale at once, so nothing is answered from rows older than the last acknowledged write.

use std::sync::Arc;

use quick_cache::sync::Cache;

use super::assignments::{covers, parse_assignment};
use crate::catalog::errors::ArmError;
use crate::catalog::roles::role;
use crate::store::{Principal, Store};

/// Principals remembered (each a few hundred bytes with its grants).
pub const CAPACITY: usize = 4_096;

/// One principal and its role assignments (scope key, role definition GUID), in creation order.
pub struct Access {
    pub principal: Principal,
    grants: Vec<(String, String)>,
}

impl Access {
    /// A principal without role assignments.
    pub fn none(principal: Principal) -> Access {
        Access {
            principal,
            grants: Vec::new(),
        }
    }

    /// One of the role assignments at `scope_key` or above grants `action`.
    pub fn permits(&self, action: &str, scope_key: &str) -> bool {
        self.grants.iter().any(|(scope, role_id)| {
            covers(scope, scope_key) && role(role_id).is_some_and(|r| r.allows(action))
        })
    }

    /// Some role assignment is strictly below `scope_key`.
    pub fn below(&self, scope_key: &str) -> bool {
        self.grants
            .iter()
            .any(|(scope, _)| scope != scope_key && covers(scope_key, scope))
    }

    /// Some role assignment is at, above or below `scope_key`.
    pub fn within(&self, scope_key: &str) -> bool {
        self.grants
            .iter()
            .any(|(scope, _)| covers(scope, scope_key) || covers(scope_key, scope))
    }
}

pub struct AccessCache {
    cache: Cache<String, (u64, Arc<Access>)>,
}

impl Default for AccessCache {
    fn default() -> Self {
        AccessCache {
            cache: Cache::new(CAPACITY),
        }
    }
}

impl AccessCache {
    /// The principal `object_id` (any casing) and its grants; `None` when it does not exist.
    pub fn get(&self, store: &Store, object_id: &str) -> Result<Option<Arc<Access>>, ArmError> {
        let key = object_id.to_ascii_lowercase();
        let changes = store.access_changes();
        if let Some((seen, access)) = self.cache.get(&key)
            && seen == changes
        {
            return Ok(Some(access));
        }
        let loaded = store.read(|t| -> Result<Option<Access>, ArmError> {
            let Some(principal) = t.principal(&key)? else {
                return Ok(None);
            };
            let grants = t
                .assignments_of(&key)?
                .iter()
                .map(|row| Ok((row.scope_key.clone(), parse_assignment(&row.doc)?.role)))
                .collect::<Result<_, ArmError>>()?;
            Ok(Some(Access { principal, grants }))
        })?;
        Ok(loaded.map(|access| {
            let access = Arc::new(access);
            self.cache.insert(key, (changes, access.clone()));
            access
        }))
    }
}
