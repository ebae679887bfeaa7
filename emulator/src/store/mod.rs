//! Persistent state: one SQLite database (`DIR/emulator.db`, or in memory).
//!
//! Every request handler does its reads and writes inside one [`Store::tx`] closure. The closure runs
//! under a std `Mutex` (never held across `.await`) in an immediate transaction, so a
//! read-check-write sequence (etag preconditions, identity merges) is atomic and concurrent writers
//! are serialised. With [`Durability::Synced`] (the default) a transaction that wrote something
//! returns only once its write is on disk ([`group_commit`]).
//!
//! Read-only handlers (authentication, authorization, GETs, the token endpoints' lookups) use
//! [`Store::read`] instead: on a persistent store it runs on one of [`READERS`] read-only
//! connections of its own (WAL lets readers and the writer proceed at once), so readers never wait
//! behind a write or its `fsync`; in memory it shares the one connection.
//!
//! Every document is checked before it is written ([`MAX_DOC_DEPTH`], [`MAX_DOC_BYTES`]) and read
//! back with serde_json's own limit (128 levels, above [`MAX_DOC_DEPTH`]): nothing stored can be
//! unreadable.

mod checkpoint;
mod docs;
mod group_commit;
mod operations;

use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

use crate::config::Durability;
use crate::error::Error;
use checkpoint::Checkpointer;
pub use docs::DocumentRefused;
use docs::doc_text;
use group_commit::GroupCommit;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    key    TEXT NOT NULL UNIQUE,  -- lower-cased resource id
    kind   TEXT NOT NULL,
    parent TEXT,                  -- key of the parent resource (extensions)
    rg     TEXT,                  -- key of the resource group
    doc    TEXT NOT NULL          -- JSON document owned by the resource's module
);
CREATE INDEX IF NOT EXISTS resources_kind_rg ON resources(kind, rg);
CREATE INDEX IF NOT EXISTS resources_parent ON resources(parent);
-- The token endpoints find a machine by its vmId / uniqueId (`unique_id` in the machines' documents,
-- state::machines). An expression index: databases made before it get it at their next start, with
-- no migration; queried with exactly this expression (Tx::by_unique_id).
CREATE INDEX IF NOT EXISTS resources_unique_id
    ON resources(kind, lower(json_extract(doc, '$.unique_id')));
CREATE TABLE IF NOT EXISTS principals (
    object_id    TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    resource     TEXT,
    display_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS role_assignments (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    name      TEXT NOT NULL UNIQUE,  -- lower-cased assignment name (a GUID)
    scope_key TEXT NOT NULL,         -- lower-cased scope, `/` for the root
    principal TEXT NOT NULL,         -- lower-cased principal object id
    doc       TEXT NOT NULL          -- JSON document owned by arm::roles
);
CREATE INDEX IF NOT EXISTS role_assignments_principal ON role_assignments(principal);
-- Principals are looked up case-insensitively (`= ?1 COLLATE NOCASE`), which the BINARY primary
-- keys cannot serve: without these, every authenticated request scanned every principal (one per
-- VM identity). Added at start to older databases, no migration.
CREATE INDEX IF NOT EXISTS principals_object_id_nocase ON principals(object_id COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS principals_client_id_nocase ON principals(client_id COLLATE NOCASE);
";

/// Statements each connection keeps parsed: more than the store has (rusqlite's default of 16 is
/// fewer, and a statement pushed out is parsed again on its next use).
const STATEMENT_CACHE: usize = 64;

/// Read-only connections of a persistent store (one per core of the machines we measure on).
pub const READERS: usize = 2;

/// The database.
pub struct Store {
    /// The one writing connection (shared with the checkpoint thread, which takes it for a moment).
    conn: Arc<Mutex<Connection>>,
    /// Read-only connections (persistent stores only).
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    persistent: bool,
    /// Syncs acknowledged writes (a persistent store with [`Durability::Synced`]).
    group: Option<GroupCommit>,
    /// Committed transactions that wrote a child resource or deleted one ([`Store::layout_changes`]).
    layout_changes: AtomicU64,
    /// Committed transactions that wrote principals or role assignments ([`Store::access_changes`]).
    access_changes: AtomicU64,
    /// The writer's `PRAGMA data_version` when last looked at ([`Store::access_changes`]).
    data_version: AtomicI64,
    /// Checkpoints the write-ahead log outside the writer's lock (persistent stores only).
    checkpoint: Option<Checkpointer>,
}

/// A stored resource.
#[derive(Clone, Debug)]
pub struct Row {
    pub seq: i64,
    pub key: String,
    pub kind: String,
    pub doc: Value,
}

/// A stored role assignment.
#[derive(Clone, Debug)]
pub struct AssignmentRow {
    pub scope_key: String,
    pub principal: String,
    pub doc: Value,
}

/// Something that can hold a token: the admin service principal, a system-assigned identity, a
/// user-assigned identity.
#[derive(Clone, Debug)]
pub struct Principal {
    pub object_id: String,
    pub client_id: String,
    pub kind: String,
    /// The ARM id of the owning resource (managed identities).
    pub resource: Option<String>,
    pub display_name: String,
}

impl Store {
    /// Opens `path` (creating it with owner-only permissions), or an in-memory database.
    pub fn open(path: Option<&Path>, durability: Durability) -> Result<Store, Error> {
        let conn = match path {
            Some(p) => {
                create_private_file(p)?;
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                c
            }
            None => Connection::open_in_memory()?,
        };
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(operations::SCHEMA)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let version = data_version(&conn)?;
        let conn = Arc::new(Mutex::new(conn));
        let checkpoint = path
            .map(|p| Checkpointer::start(p, conn.clone()))
            .transpose()?;
        let mut readers = Vec::new();
        if let Some(p) = path {
            for _ in 0..READERS {
                let r = Connection::open(p)?;
                r.pragma_update(None, "query_only", "ON")?;
                r.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                r.busy_timeout(std::time::Duration::from_secs(5))?;
                readers.push(Mutex::new(r));
            }
        }
        Ok(Store {
            data_version: AtomicI64::new(version),
            conn,
            readers,
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            persistent: path.is_some(),
            group: path
                .filter(|_| durability == Durability::Synced)
                .map(GroupCommit::new),
            layout_changes: AtomicU64::new(0),
            access_changes: AtomicU64::new(0),
            checkpoint,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one immediate transaction, committed when `f` returns `Ok`; with
    /// [`Durability::Synced`], a transaction that changed something returns once it is on disk.
    pub fn tx<T, E>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut guard = self.lock();
        let before = guard.total_changes();
        let out = {
            let tx = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let wrapped = Tx::new(tx);
            let out = f(&wrapped)?;
            let (layout, access) = (wrapped.layout.get(), wrapped.access.get());
            wrapped.tx.commit()?;
            // Counted once committed: a reader that saw the old count may have read the old rows.
            if layout {
                self.layout_changes.fetch_add(1, Ordering::Release);
            }
            if access {
                self.access_changes.fetch_add(1, Ordering::Release);
            }
            out
        };
        let changed = guard.total_changes() != before;
        if let (Some(c), true) = (&self.checkpoint, changed) {
            c.committed();
        }
        let ticket = match &self.group {
            Some(g) if changed => Some(g.ticket()),
            _ => None,
        };
        drop(guard);
        if let (Some(g), Some(t)) = (&self.group, ticket) {
            g.wait(t).map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR_FSYNC),
                    Some(format!("cannot sync the write-ahead log: {e}")),
                )
            })?;
        }
        Ok(out)
    }

    /// Runs the read-only `f` in one (deferred) transaction: on a read connection of its own when the
    /// store is persistent (a free one if any), else on the one connection. `f` cannot write: the
    /// read connections refuse it.
    pub fn read<T, E>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut guard = if self.readers.is_empty() {
            self.lock()
        } else {
            let start = self
                .next_reader
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let n = self.readers.len();
            (0..n)
                .find_map(|i| self.readers[(start + i) % n].try_lock().ok())
                .unwrap_or_else(|| {
                    self.readers[start % n]
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                })
        };
        let tx = guard.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let wrapped = Tx::new(tx);
        let out = f(&wrapped)?;
        // Nothing to commit; ending the read transaction releases its snapshot.
        wrapped.tx.rollback()?;
        Ok(out)
    }

    /// How many committed transactions have written a child resource (an extension) or deleted a
    /// resource: what the set of machines and their extensions can change by. A resource's own
    /// update (an identity PATCH) leaves it as it is.
    pub fn layout_changes(&self) -> u64 {
        if self.persistent {
            self.note_other_writers();
        }
        self.layout_changes.load(Ordering::Acquire)
    }

    /// How many committed transactions have written principals or role assignments: what who a
    /// token belongs to and what it may do can change by (`state::access` caches both).
    /// Another process's commits to the same database file count as one change of each kind.
    pub fn access_changes(&self) -> u64 {
        if self.persistent {
            self.note_other_writers();
        }
        self.access_changes.load(Ordering::Acquire)
    }

    /// Counts a change of each kind when another process has committed to the database file since
    /// the last look: the writer's `PRAGMA data_version` moves with every other connection's
    /// commits, and this process has no other writing connection.
    fn note_other_writers(&self) {
        let version = data_version(&self.lock());
        if let Ok(v) = version
            && self.data_version.swap(v, Ordering::AcqRel) != v
        {
            self.access_changes.fetch_add(1, Ordering::Release);
            self.layout_changes.fetch_add(1, Ordering::Release);
        }
    }

    /// Acknowledged writes wait for the disk (a persistent store with [`Durability::Synced`]).
    pub fn waits_for_disk(&self) -> bool {
        self.group.is_some()
    }

    /// How many times the write-ahead log was synced (group commit); 0 without syncing.
    pub fn syncs(&self) -> u64 {
        self.group.as_ref().map_or(0, GroupCommit::syncs)
    }

    /// Checkpoints the write-ahead log into the main database file.
    pub fn flush(&self) {
        if self.persistent {
            let guard = self.lock();
            let _ = guard.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))
}

#[cfg(unix)]
fn create_private_file(p: &Path) -> Result<(), Error> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(p)
        .map_err(|e| Error::io(format!("cannot create {}", p.display()), e))?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("cannot restrict {}", p.display()), e))?;
    Ok(())
}

#[cfg(not(unix))]
fn create_private_file(_p: &Path) -> Result<(), Error> {
    Ok(())
}

/// A transaction.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    /// It wrote a child resource or deleted one ([`Store::layout_changes`]).
    layout: Cell<bool>,
    /// It wrote principals or role assignments ([`Store::access_changes`]).
    access: Cell<bool>,
}

impl<'a> Tx<'a> {
    fn new(tx: rusqlite::Transaction<'a>) -> Tx<'a> {
        Tx {
            tx,
            layout: Cell::new(false),
            access: Cell::new(false),
        }
    }
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let doc: String = r.get(3)?;
    Ok(Row {
        seq: r.get(0)?,
        key: r.get(1)?,
        kind: r.get(2)?,
        doc: serde_json::from_str(&doc).unwrap_or(Value::Null),
    })
}

fn principal_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Principal> {
    Ok(Principal {
        object_id: r.get(0)?,
        client_id: r.get(1)?,
        kind: r.get(2)?,
        resource: r.get(3)?,
        display_name: r.get(4)?,
    })
}

fn assignment_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<AssignmentRow> {
    let doc: String = r.get(2)?;
    Ok(AssignmentRow {
        scope_key: r.get(0)?,
        principal: r.get(1)?,
        doc: serde_json::from_str(&doc).unwrap_or(Value::Null),
    })
}

const ASSIGNMENT_COLS: &str = "scope_key, principal, doc";
const ROW_COLS: &str = "seq, key, kind, doc";
const PRINCIPAL_COLS: &str = "object_id, client_id, kind, resource, display_name";

impl Tx<'_> {
    /// Runs one statement, parsed once per connection (its statement cache): parsing the same SQL
    /// again was an eighth of an identity PATCH's CPU.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.tx.prepare_cached(sql)?.execute(params)
    }

    /// The first row of a cached statement's answer, if any.
    fn row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.tx.prepare_cached(sql)?.query_row(params, f)
    }

    pub fn meta_get(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    pub fn meta_set(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn get(&self, key: &str) -> rusqlite::Result<Option<Row>> {
        self.tx
            .prepare_cached(&format!("SELECT {ROW_COLS} FROM resources WHERE key = ?1"))?
            .query_row([key], row_from)
            .optional()
    }

    /// Inserts or replaces a resource (an update keeps its list position).
    pub fn put(
        &self,
        key: &str,
        kind: &str,
        parent: Option<&str>,
        rg: Option<&str>,
        doc: &Value,
    ) -> rusqlite::Result<()> {
        self.exec(
            "INSERT INTO resources(key, kind, parent, rg, doc) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(key) DO UPDATE SET doc = excluded.doc",
            params![key, kind, parent, rg, doc_text(doc)?],
        )?;
        if parent.is_some() {
            self.layout.set(true);
        }
        Ok(())
    }

    pub fn delete(&self, key: &str) -> rusqlite::Result<bool> {
        self.layout.set(true);
        Ok(self.exec("DELETE FROM resources WHERE key = ?1", [key])? > 0)
    }

    fn select(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<Vec<Row>> {
        let mut st = self.tx.prepare_cached(sql)?;
        let rows = st.query_map(args, row_from)?;
        rows.collect()
    }

    /// Children of `parent` (extensions), in creation order.
    pub fn children(&self, parent: &str) -> rusqlite::Result<Vec<Row>> {
        self.select(
            &format!("SELECT {ROW_COLS} FROM resources WHERE parent = ?1 ORDER BY seq"),
            &[&parent],
        )
    }

    /// Deletes the children of `parent` and returns them.
    pub fn delete_children(&self, parent: &str) -> rusqlite::Result<Vec<Row>> {
        let rows = self.children(parent)?;
        self.layout.set(true);
        self.exec("DELETE FROM resources WHERE parent = ?1", [parent])?;
        Ok(rows)
    }

    /// Everything in resource group `rg` (not the group itself).
    pub fn in_group(&self, rg: &str) -> rusqlite::Result<Vec<Row>> {
        self.select(
            &format!("SELECT {ROW_COLS} FROM resources WHERE rg = ?1 ORDER BY seq"),
            &[&rg],
        )
    }

    /// Deletes everything in resource group `rg` and returns it.
    pub fn delete_group_contents(&self, rg: &str) -> rusqlite::Result<Vec<Row>> {
        let rows = self.in_group(rg)?;
        self.layout.set(true);
        self.exec("DELETE FROM resources WHERE rg = ?1", [rg])?;
        Ok(rows)
    }

    /// One page of resources of `kind` (optionally in group `rg`) after `after_seq`; returns
    /// `limit + 1` rows at most so callers can tell whether there is a next page.
    pub fn page(
        &self,
        kind: &str,
        rg: Option<&str>,
        after_seq: i64,
        limit: usize,
    ) -> rusqlite::Result<Vec<Row>> {
        let limit = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        match rg {
            Some(rg) => self.select(
                &format!(
                    "SELECT {ROW_COLS} FROM resources WHERE kind = ?1 AND rg = ?2 AND seq > ?3
                     ORDER BY seq LIMIT ?4"
                ),
                &[&kind, &rg, &after_seq, &limit],
            ),
            None => self.select(
                &format!(
                    "SELECT {ROW_COLS} FROM resources WHERE kind = ?1 AND seq > ?2
                     ORDER BY seq LIMIT ?3"
                ),
                &[&kind, &after_seq, &limit],
            ),
        }
    }

    /// The resource of `kind` whose document's `unique_id` is `id` (case-insensitively), through the
    /// `resources_unique_id` index: no scan of every machine.
    pub fn by_unique_id(&self, kind: &str, id: &str) -> rusqlite::Result<Option<Row>> {
        let mut rows = self.select(
            &format!(
                "SELECT {ROW_COLS} FROM resources
                 WHERE kind = ?1 AND lower(json_extract(doc, '$.unique_id')) = lower(?2)
                 ORDER BY seq LIMIT 1"
            ),
            &[&kind, &id],
        )?;
        Ok(rows.pop())
    }

    /// Every resource of `kind`.
    pub fn all_of(&self, kind: &str) -> rusqlite::Result<Vec<Row>> {
        self.select(
            &format!("SELECT {ROW_COLS} FROM resources WHERE kind = ?1 ORDER BY seq"),
            &[&kind],
        )
    }

    pub fn principal_put(&self, p: &Principal) -> rusqlite::Result<()> {
        self.access.set(true);
        self.exec(
            "INSERT INTO principals(object_id, client_id, kind, resource, display_name)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(object_id) DO UPDATE SET client_id = excluded.client_id,
               kind = excluded.kind, resource = excluded.resource,
               display_name = excluded.display_name",
            params![p.object_id, p.client_id, p.kind, p.resource, p.display_name],
        )?;
        Ok(())
    }

    pub fn principal(&self, object_id: &str) -> rusqlite::Result<Option<Principal>> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {PRINCIPAL_COLS} FROM principals WHERE object_id = ?1 COLLATE NOCASE"
            ))?
            .query_row([object_id], principal_from)
            .optional()
    }

    pub fn principal_by_client_id(&self, client_id: &str) -> rusqlite::Result<Option<Principal>> {
        self.row(
            &format!("SELECT {PRINCIPAL_COLS} FROM principals WHERE client_id = ?1 COLLATE NOCASE"),
            [client_id],
            principal_from,
        )
        .optional()
    }

    /// Every principal, in object-id order.
    pub fn principals(&self) -> rusqlite::Result<Vec<Principal>> {
        let mut st = self.tx.prepare_cached(&format!(
            "SELECT {PRINCIPAL_COLS} FROM principals ORDER BY object_id"
        ))?;
        st.query_map([], principal_from)?.collect()
    }

    pub fn principal_delete(&self, object_id: &str) -> rusqlite::Result<()> {
        self.access.set(true);
        self.exec("DELETE FROM principals WHERE object_id = ?1", [object_id])?;
        Ok(())
    }

    /// Inserts or replaces a role assignment (keys are lower-cased here).
    pub fn assignment_put(
        &self,
        name: &str,
        scope_key: &str,
        principal: &str,
        doc: &Value,
    ) -> rusqlite::Result<()> {
        self.access.set(true);
        self.exec(
            "INSERT INTO role_assignments(name, scope_key, principal, doc) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET scope_key = excluded.scope_key,
               principal = excluded.principal, doc = excluded.doc",
            params![
                name.to_ascii_lowercase(),
                scope_key.to_ascii_lowercase(),
                principal.to_ascii_lowercase(),
                doc_text(doc)?
            ],
        )?;
        Ok(())
    }

    pub fn assignment(&self, name: &str) -> rusqlite::Result<Option<AssignmentRow>> {
        self.row(
            &format!("SELECT {ASSIGNMENT_COLS} FROM role_assignments WHERE name = ?1"),
            [name.to_ascii_lowercase()],
            assignment_from,
        )
        .optional()
    }

    pub fn assignment_delete(&self, name: &str) -> rusqlite::Result<bool> {
        self.access.set(true);
        Ok(self.exec(
            "DELETE FROM role_assignments WHERE name = ?1",
            [name.to_ascii_lowercase()],
        )? > 0)
    }

    /// Every role assignment, in creation order.
    pub fn assignments(&self) -> rusqlite::Result<Vec<AssignmentRow>> {
        let mut st = self.tx.prepare_cached(&format!(
            "SELECT {ASSIGNMENT_COLS} FROM role_assignments ORDER BY seq"
        ))?;
        let rows = st.query_map([], assignment_from)?;
        rows.collect()
    }

    /// The role assignments of one principal, in creation order.
    pub fn assignments_of(&self, principal: &str) -> rusqlite::Result<Vec<AssignmentRow>> {
        let mut st = self.tx.prepare_cached(&format!(
            "SELECT {ASSIGNMENT_COLS} FROM role_assignments WHERE principal = ?1 ORDER BY seq"
        ))?;
        let rows = st.query_map([principal.to_ascii_lowercase()], assignment_from)?;
        rows.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn put_keeps_list_position_and_pages() {
        let s = Store::open(None, Durability::Synced).unwrap();
        s.tx(|t| -> rusqlite::Result<()> {
            for n in ["a", "b", "c"] {
                t.put(n, "k", None, Some("rg"), &json!({"n": n}))?;
            }
            t.put("a", "k", None, Some("rg"), &json!({"n": "a2"}))?;
            let page = t.page("k", Some("rg"), 0, 2)?;
            assert_eq!(page.len(), 3);
            assert_eq!(page[0].doc, json!({"n": "a2"}));
            let next = t.page("k", None, page[1].seq, 2)?;
            assert_eq!(next.len(), 1);
            assert_eq!(next[0].key, "c");
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn machines_are_found_by_unique_id_through_the_index() {
        let s = Store::open(None, Durability::Synced).unwrap();
        s.tx(|t| -> rusqlite::Result<()> {
            for (n, id) in [("a", "AAAA-1"), ("b", "bbbb-2")] {
                t.put(n, "vm", None, None, &json!({"unique_id": id}))?;
            }
            t.put("c", "other", None, None, &json!({"unique_id": "bbbb-2"}))?;
            assert_eq!(t.by_unique_id("vm", "aaaa-1")?.unwrap().key, "a");
            assert_eq!(t.by_unique_id("vm", "BBBB-2")?.unwrap().key, "b");
            assert_eq!(t.by_unique_id("other", "bbbb-2")?.unwrap().key, "c");
            assert!(t.by_unique_id("vm", "cccc")?.is_none());
            let plan: Vec<String> =
                t.tx.prepare(
                    "EXPLAIN QUERY PLAN SELECT seq FROM resources WHERE kind = ?1 AND
                     lower(json_extract(doc, '$.unique_id')) = lower(?2) ORDER BY seq LIMIT 1",
                )?
                .query_map(["vm", "x"], |r| r.get::<_, String>(3))?
                .collect::<Result<_, _>>()?;
            assert!(
                plan.iter().any(|p| p.contains("resources_unique_id")),
                "{plan:?}"
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn synced_writes_are_counted_and_reads_do_not_sync() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(Some(&dir.path().join("d.db")), Durability::Synced).unwrap();
        s.tx(|t| t.put("a", "k", None, None, &json!({}))).unwrap();
        let after_write = s.syncs();
        assert!(after_write >= 1);
        s.tx(|t| t.get("a")).unwrap();
        assert_eq!(s.syncs(), after_write);
        let relaxed = Store::open(Some(&dir.path().join("r.db")), Durability::Relaxed).unwrap();
        relaxed
            .tx(|t| t.put("a", "k", None, None, &json!({})))
            .unwrap();
        assert_eq!(relaxed.syncs(), 0);
    }

    #[test]
    fn the_log_is_checkpointed_off_the_write_path() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("d.db");
        let s = Store::open(Some(&db), Durability::Synced).unwrap();
        let auto: i64 = s
            .lock()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0, "the writer must not checkpoint in its commits");
        let checkpointer = s.checkpoint.as_ref().unwrap();
        // Commits go on until `runs` checkpoints have run (the thread may be slow to wake).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut i = 0;
        let mut commit_until = |runs: u64| {
            while checkpointer.runs() < runs {
                let done = checkpointer.runs();
                assert!(std::time::Instant::now() < deadline, "{done} checkpoints");
                s.tx(|t| t.put(&format!("k{i}"), "k", None, None, &json!({"i": i})))
                    .unwrap();
                i += 1;
            }
            i
        };
        let commits = commit_until(2);
        assert!(commits >= 2 * checkpoint::EVERY, "{commits} commits");
        // The log starts over after each checkpoint: three times the commits, the same log.
        let wal = dir.path().join("d.db-wal");
        let size = || std::fs::metadata(&wal).unwrap().len();
        let at_two = size();
        commit_until(6);
        assert!(
            size() < 2 * at_two,
            "the log grew from {at_two} to {} bytes",
            size()
        );
        // Reads change nothing and count for nothing.
        let before = checkpointer.runs();
        for _ in 0..checkpoint::EVERY * 2 {
            s.tx(|t| t.get("k0")).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(checkpointer.runs(), before);
        // What was checkpointed is in the database file itself: a copy of the file alone, without
        // its log, holds the first commits.
        let copy = dir.path().join("copy.db");
        std::fs::copy(&db, &copy).unwrap();
        let first: i64 = Connection::open(&copy)
            .unwrap()
            .query_row("SELECT count(*) FROM resources", [], |r| r.get(0))
            .unwrap();
        assert!(first >= checkpoint::EVERY as i64, "{first}");
        // Dropping the store stops its thread.
        drop(s);
    }

    #[test]
    fn persistent_reads_have_their_own_connections_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(Some(&dir.path().join("d.db")), Durability::Synced).unwrap();
        s.tx(|t| t.put("a", "k", None, None, &json!({"v": 1})))
            .unwrap();
        // A read sees what was committed, while the writer's connection is held.
        let writer = s.lock();
        let doc = s.read(|t| t.get("a")).unwrap().unwrap().doc;
        assert_eq!(doc, json!({"v": 1}));
        drop(writer);
        let refused = s.read(|t| t.put("b", "k", None, None, &json!({})));
        assert!(refused.is_err());
        assert!(s.read(|t| t.get("b")).unwrap().is_none());
        // In memory, reads share the one connection.
        let m = Store::open(None, Durability::Synced).unwrap();
        m.tx(|t| t.put("a", "k", None, None, &json!({}))).unwrap();
        assert!(m.read(|t| t.get("a")).unwrap().is_some());
    }

    #[test]
    fn case_insensitive_lookups_use_indexes() {
        let s = Store::open(None, Durability::Synced).unwrap();
        s.tx(|t| -> rusqlite::Result<()> {
            for (sql, index) in [
                (
                    "SELECT 1 FROM principals WHERE object_id = ?1 COLLATE NOCASE",
                    "principals_object_id_nocase",
                ),
                (
                    "SELECT 1 FROM principals WHERE client_id = ?1 COLLATE NOCASE",
                    "principals_client_id_nocase",
                ),
            ] {
                let plan: Vec<String> =
                    t.tx.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?
                        .query_map(["x"], |r| r.get::<_, String>(3))?
                        .collect::<Result<_, _>>()?;
                assert!(plan.iter().any(|p| p.contains(index)), "{sql}: {plan:?}");
            }
            t.principal_put(&Principal {
                object_id: "AbC".into(),
                client_id: "c1".into(),
                kind: "k".into(),
                resource: None,
                display_name: "d".into(),
            })?;
            assert!(t.principal("abc")?.is_some());
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn changes_are_counted_after_commit_and_from_other_processes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let a = Store::open(Some(&path), Durability::Relaxed).unwrap();
        let (access, layout) = (a.access_changes(), a.layout_changes());
        let p = Principal {
            object_id: "o".into(),
            client_id: "c".into(),
            kind: "k".into(),
            resource: None,
            display_name: "d".into(),
        };
        a.tx(|t| t.put("vm", "k", None, None, &json!({}))).unwrap();
        assert_eq!((a.access_changes(), a.layout_changes()), (access, layout));
        a.tx(|t| t.principal_put(&p)).unwrap();
        assert_eq!(a.access_changes(), access + 1);
        let failed: rusqlite::Result<()> = a.tx(|t| {
            t.principal_delete("o")?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        assert_eq!(a.access_changes(), access + 1, "rolled back: no change");
        a.tx(|t| t.put("ext", "k", Some("vm"), None, &json!({})))
            .unwrap();
        assert_eq!(a.layout_changes(), layout + 1);
        // Another process (here another store) writes the same file.
        let b = Store::open(Some(&path), Durability::Relaxed).unwrap();
        b.tx(|t| t.principal_delete("o")).unwrap();
        assert!(a.access_changes() > access + 1);
        assert!(a.layout_changes() > layout + 1);
    }

    #[test]
    fn failed_closure_rolls_back() {
        let s = Store::open(None, Durability::Synced).unwrap();
        let r: Result<(), rusqlite::Error> = s.tx(|t| {
            t.put("x", "k", None, None, &json!({}))?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(r.is_err());
        let found = s.tx(|t| t.get("x")).unwrap();
        assert!(found.is_none());
    }
}
