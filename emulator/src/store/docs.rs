//! What may be stored: a document is checked before it is written, so that every stored document
//! can be read back (serde_json reads up to 128 levels).

use serde_json::Value;

use crate::util;

/// Deepest nesting a stored document may have: requests are refused deeper than
/// `arm::ctx::MAX_BODY_DEPTH` (64) and stored documents add one level at most; serde_json reads
/// back up to 128.
pub const MAX_DOC_DEPTH: usize = 100;
/// Largest stored document (JSON text): twice ARM's 4 MB request limit, so merge patches cannot
/// grow a resource without bound.
pub const MAX_DOC_BYTES: usize = 8 * 1024 * 1024;

/// Why a document was not stored (carried in a `rusqlite::Error` so that the transaction rolls
/// back; `catalog::errors` turns it into a 400).
#[derive(Debug)]
pub struct DocumentRefused(pub String);

impl std::fmt::Display for DocumentRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DocumentRefused {}

/// The text a document is stored as, once it is known to be readable back.
pub(super) fn doc_text(doc: &Value) -> rusqlite::Result<String> {
    let refuse = |m: String| rusqlite::Error::ToSqlConversionFailure(Box::new(DocumentRefused(m)));
    if util::json_depth(doc) > MAX_DOC_DEPTH {
        return Err(refuse(format!(
            "The resource would nest deeper than {MAX_DOC_DEPTH} levels once stored; nothing was changed."
        )));
    }
    let text = doc.to_string();
    if text.len() > MAX_DOC_BYTES {
        return Err(refuse(format!(
            "The resource would be larger than {} MB once stored; nothing was changed.",
            MAX_DOC_BYTES >> 20
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;
    use crate::config::Durability;
    use serde_json::json;

    #[test]
    fn unreadable_documents_are_never_written() {
        let s = Store::open(None, Durability::Synced).unwrap();
        let mut deep = json!(1);
        for _ in 0..MAX_DOC_DEPTH + 1 {
            deep = json!([deep]);
        }
        let r: Result<(), rusqlite::Error> = s.tx(|t| {
            t.put("ok", "k", None, None, &json!({}))?;
            t.put("deep", "k", None, None, &deep)
        });
        let e = r.unwrap_err();
        assert!(e.to_string().contains("deeper"), "{e}");
        // The whole transaction rolled back, and what is at the limit reads back.
        assert!(s.tx(|t| t.get("ok")).unwrap().is_none());
        let mut limit = json!(1);
        for _ in 0..MAX_DOC_DEPTH {
            limit = json!([limit]);
        }
        s.tx(|t| t.put("limit", "k", None, None, &limit)).unwrap();
        assert_eq!(s.tx(|t| t.get("limit")).unwrap().unwrap().doc, limit);
        let big = json!({"x": "a".repeat(MAX_DOC_BYTES)});
        assert!(s.tx(|t| t.put("big", "k", None, None, &big)).is_err());
    }
}
