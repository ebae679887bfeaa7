//! Paged lists (`nextLink` with a `$skiptoken`).

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::state::groups;
use crate::store::{Row, Tx};

impl Ctx<'_> {
    /// A `nextLink` continuing this list after `seq`.
    fn next_link(&self, seq: i64) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            if !k.eq_ignore_ascii_case("$skiptoken") {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("$skiptoken", &seq.to_string());
        format!("{}{}?{}", self.shared.endpoint, self.raw_path, ser.finish())
    }

    /// One page of resources of `kind` (in group `rg_key` when given) that `keep` accepts, rendered
    /// by `render` (a page may hold fewer items than the page size when `keep` refuses some).
    /// The list of one resource kind a provider serves: the resource group's (which must exist) or the
    /// subscription's, paged; with `only_readable`, only what the caller may perform that action on.
    pub fn list_kind(
        &self,
        kind: &str,
        rg: Option<&str>,
        only_readable: Option<&str>,
        mut render: impl FnMut(&Tx<'_>, &Row) -> Result<Value, ArmError>,
    ) -> Result<ArmResponse, ArmError> {
        let sub = self.shared.seed.subscription_id.as_str();
        let readable = self.readable(only_readable)?;
        self.shared.store.read(|tx| {
            let group_key = match rg {
                Some(rg) => {
                    groups::require_rg(tx, sub, rg)?;
                    Some(groups::rg_key(sub, rg))
                }
                None => None,
            };
            self.page_where(
                tx,
                kind,
                group_key.as_deref(),
                |row| Ok(readable(&row.key)),
                |row| render(tx, row),
            )
        })
    }

    pub fn page_where(
        &self,
        tx: &Tx<'_>,
        kind: &str,
        rg_key: Option<&str>,
        mut keep: impl FnMut(&Row) -> Result<bool, ArmError>,
        mut render: impl FnMut(&Row) -> Result<Value, ArmError>,
    ) -> Result<ArmResponse, ArmError> {
        let after: i64 = self
            .query("$skiptoken")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let size = self.shared.config.page_size.max(1);
        let rows = tx.page(kind, rg_key, after, size)?;
        let more = rows.len() > size;
        let rows = &rows[..rows.len().min(size)];
        let mut value = Vec::with_capacity(rows.len());
        for r in rows {
            if keep(r)? {
                value.push(render(r)?);
            }
        }
        let mut body = Map::new();
        body.insert("value".into(), Value::Array(value));
        if let Some(last) = rows.last().filter(|_| more) {
            body.insert("nextLink".into(), json!(self.next_link(last.seq)));
        }
        Ok(ArmResponse::ok(Value::Object(body)))
    }
}
