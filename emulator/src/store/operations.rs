//! Long-running operation records, kept small: 50,000 of them were a third of the in-memory
//! database (~13 MB), mostly each operation's GUID twice (the row and its primary-key index) and the
//! full id of the resource it changed.
//!
//! Now an operation's GUID is made from its row: the first 64 bits are a random tag stored with
//! the row, the next 16 a check of the tag (with the variant bits), the last 48 the row id. A
//! lookup goes straight to the row and answers only when the tag matches, so an id is as hard to
//! guess as before and a reused row id never answers for an older operation. The resource is a
//! reference to its row in `resources` (whose `seq` is never reused) while it exists, its key
//! otherwise.

use rusqlite::{OptionalExtension, params};

use super::Tx;

/// Long-running operation records kept at most (besides the day of retention); a client polls
/// its operation long before 50,000 newer ones have started.
pub const MAX_OPERATIONS: i64 = 50_000;

/// How long a finished operation is kept.
const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// Oldest records looked at for the day of retention on each insert.
const RETENTION_SWEEP: i64 = 16;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lro (
    seq          INTEGER PRIMARY KEY,  -- the last 48 bits of the operation's GUID
    tag          INTEGER NOT NULL,     -- its first 64 bits (random)
    resource_seq INTEGER,              -- resources.seq of the resource, when it existed at the start
    resource     TEXT,                 -- the resource's key otherwise
    started_ms   INTEGER NOT NULL,
    complete_ms  INTEGER NOT NULL
);
-- The records of older versions (a day's status records at most; their polls answer 404 NotFound).
DROP TABLE IF EXISTS operations;
";

/// A long-running operation record; its state is derived from the clock when read.
#[derive(Clone, Debug)]
pub struct Operation {
    pub id: String,
    /// The key of the resource it changed; `None` once that resource is gone.
    pub resource: Option<String>,
    pub started_ms: i64,
    pub complete_ms: i64,
}

/// The 16 bits after the tag: a check of it, with the RFC 4122 variant bits.
fn check(tag: [u8; 8]) -> [u8; 2] {
    [0x80 | ((tag[0] ^ tag[7]) & 0x3f), tag[1] ^ tag[5]]
}

/// A random tag with the version-4 bits of a GUID in place.
fn new_tag() -> i64 {
    let b = uuid::Uuid::new_v4().into_bytes();
    i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn op_id(seq: i64, tag: i64) -> String {
    let t = tag.to_be_bytes();
    let s = seq.to_be_bytes();
    let c = check(t);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&t);
    b[8..10].copy_from_slice(&c);
    b[10..].copy_from_slice(&s[2..]);
    uuid::Uuid::from_bytes(b).to_string()
}

/// `(seq, tag)` of an id made by [`op_id`] (any casing); `None` for anything else.
fn parse_id(id: &str) -> Option<(i64, i64)> {
    if id.len() != 36 {
        return None;
    }
    let b = uuid::Uuid::try_parse(id).ok()?.into_bytes();
    let t = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
    if b[8..10] != check(t) {
        return None;
    }
    let seq = i64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]);
    Some((seq, i64::from_be_bytes(t)))
}

impl Tx<'_> {
    /// Records an operation on the resource `resource_key` and returns its id. Operations
    /// finished more than a day ago are forgotten, and so are finished ones beyond the latest
    /// [`MAX_OPERATIONS`] (every PATCH starts one: without a bound the table grew for a day, the
    /// emulator's growth under load).
    pub fn op_insert(
        &self,
        resource_key: &str,
        started_ms: i64,
        complete_ms: i64,
    ) -> rusqlite::Result<String> {
        // The oldest few: records are appended as operations start.
        self.exec(
            "DELETE FROM lro WHERE seq IN (SELECT seq FROM lro ORDER BY seq LIMIT ?1)
             AND complete_ms < ?2",
            params![RETENTION_SWEEP, started_ms - RETENTION_MS],
        )?;
        // Row ids grow with every insert: those more than MAX_OPERATIONS below the newest are the
        // oldest (max(seq) is one step, no count); a running one stays.
        self.exec(
            "DELETE FROM lro WHERE seq <= (SELECT max(seq) FROM lro) - ?1 AND complete_ms < ?2",
            params![MAX_OPERATIONS, started_ms],
        )?;
        let resource_seq: Option<i64> = self
            .row(
                "SELECT seq FROM resources WHERE key = ?1",
                [resource_key],
                |r| r.get(0),
            )
            .optional()?;
        let tag = new_tag();
        self.exec(
            "INSERT INTO lro(tag, resource_seq, resource, started_ms, complete_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                tag,
                resource_seq,
                resource_seq.is_none().then_some(resource_key),
                started_ms,
                complete_ms
            ],
        )?;
        Ok(op_id(self.tx.last_insert_rowid(), tag))
    }

    /// The operation `id` (any casing), if it is still kept.
    pub fn op_get(&self, id: &str) -> rusqlite::Result<Option<Operation>> {
        let Some((seq, tag)) = parse_id(id) else {
            return Ok(None);
        };
        self.row(
            "SELECT coalesce(r.key, o.resource), o.started_ms, o.complete_ms
             FROM lro o LEFT JOIN resources r ON r.seq = o.resource_seq
             WHERE o.seq = ?1 AND o.tag = ?2",
            params![seq, tag],
            |r| {
                Ok(Operation {
                    id: op_id(seq, tag),
                    resource: r.get(0)?,
                    started_ms: r.get(1)?,
                    complete_ms: r.get(2)?,
                })
            },
        )
        .optional()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Durability;
    use crate::store::Store;
    use serde_json::json;

    #[test]
    fn ids_are_guids_that_find_their_own_record_only() {
        let s = Store::open(None, Durability::Synced).unwrap();
        s.tx(|t| -> rusqlite::Result<()> {
            t.put("/vm", "vm", None, None, &json!({}))?;
            let id = t.op_insert("/vm", 1, 2)?;
            let guid = uuid::Uuid::parse_str(&id).unwrap();
            assert_eq!(guid.get_version_num(), 4, "{id}");
            assert_eq!(guid.get_variant(), uuid::Variant::RFC4122, "{id}");
            let op = t.op_get(&id.to_ascii_uppercase())?.unwrap();
            assert_eq!(
                (op.id.as_str(), op.resource.as_deref()),
                (id.as_str(), Some("/vm"))
            );
            assert_eq!((op.started_ms, op.complete_ms), (1, 2));
            // Same row, another tag; another row, same tag; not a GUID at all.
            let (seq, tag) = parse_id(&id).unwrap();
            assert!(t.op_get(&op_id(seq, tag ^ 1))?.is_none());
            assert!(t.op_get(&op_id(seq + 1, tag))?.is_none());
            assert!(t.op_get(&id.replace('-', ""))?.is_none());
            assert!(t.op_get("op0")?.is_none());
            // The resource goes: the record stays, without it; an unknown one is kept by key.
            t.delete("/vm")?;
            assert_eq!(t.op_get(&id)?.unwrap().resource, None);
            let gone = t.op_insert("/gone", 1, 2)?;
            assert_eq!(t.op_get(&gone)?.unwrap().resource.as_deref(), Some("/gone"));
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn operations_are_bounded() {
        let s = Store::open(None, Durability::Synced).unwrap();
        s.tx(|t| -> rusqlite::Result<()> {
            // One still running, then more finished ones than the bound.
            let running = t.op_insert("r", 1_000, i64::MAX)?;
            let first = t.op_insert("r", 1_000, 999)?;
            let mut last = String::new();
            for _ in 0..MAX_OPERATIONS + 10 {
                last = t.op_insert("r", 1_000, 999)?;
            }
            let count: i64 =
                t.tx.query_row("SELECT count(*) FROM lro", [], |r| r.get(0))?;
            assert!(count <= MAX_OPERATIONS + 2, "{count}");
            assert!(t.op_get(&running)?.is_some(), "running operations stay");
            assert!(t.op_get(&first)?.is_none(), "the oldest finished one went");
            assert!(t.op_get(&last)?.is_some());
            // A day later, the oldest finished ones go as new ones start.
            let later = 1_000 + RETENTION_MS + 1;
            t.op_insert("r", later, later)?;
            let after: i64 =
                t.tx.query_row("SELECT count(*) FROM lro", [], |r| r.get(0))?;
            assert!(after < count, "{after} >= {count}");
            Ok(())
        })
        .unwrap();
    }
}
