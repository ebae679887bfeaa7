//! Rendering results and errors: `--query` (JMESPath) on the result as the command shaped it, then the format
//! (json, jsonc, yaml, yamlc, table, tsv, none), as az does; errors as ARM-style JSON on stderr, an exit code per
//! kind.

use msi_identity::{Error, ErrorKind};
use serde_json::Value;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// JSON, indented
    #[default]
    Json,
    /// JSON (az colours it; here it is the same as json)
    Jsonc,
    /// YAML
    Yaml,
    /// YAML (az colours it; here it is the same as yaml)
    Yamlc,
    /// A table of the scalar fields and those of `properties`
    Table,
    /// Tab-separated values, no headings
    Tsv,
    /// Nothing
    None,
}

/// A compiled `--query`.
#[derive(Clone)]
pub struct Query(Rc<jmespath::Expression<'static>>);

impl Query {
    /// Compile `--query`: a bad expression is refused before anything is sent.
    pub fn parse(text: &str) -> Result<Query, Error> {
        jmespath::compile(text)
            .map(|e| Query(Rc::new(e)))
            .map_err(|e| {
                Error::invalid_argument(format!("argument --query: invalid JMESPath: {e}"))
            })
    }

    pub fn apply(&self, v: &Value) -> Result<Value, Error> {
        let found = self
            .0
            .search(v)
            .map_err(|e| Error::invalid_argument(format!("argument --query: {e}")))?;
        serde_json::to_value(&*found)
            .map_err(|e| Error::invalid_argument(format!("argument --query: {e}")))
    }
}

/// How to render: `--output` and `--query`.
#[derive(Clone, Default)]
pub struct Render {
    pub format: Format,
    pub query: Option<Query>,
}

impl Render {
    pub fn new(format: Format, query: Option<&str>) -> Result<Render, Error> {
        Ok(Render {
            format,
            query: query.map(Query::parse).transpose()?,
        })
    }

    /// The text to print for a result (empty: print nothing).
    pub fn text(&self, v: &Value) -> Result<String, Error> {
        match &self.query {
            Some(q) if !v.is_null() => Ok(render(&q.apply(v)?, self.format)),
            _ => Ok(render(v, self.format)),
        }
    }
}

/// Exit code for an error kind (documented in the README; stable).
pub fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::InvalidArgument => 2,
        ErrorKind::BadRequest => 3,
        ErrorKind::NotFound => 4,
        ErrorKind::Conflict => 5,
        ErrorKind::Authentication => 6,
        ErrorKind::Authorization => 7,
        ErrorKind::Throttled => 8,
        ErrorKind::Service => 9,
        ErrorKind::Connection => 10,
        ErrorKind::Timeout => 11,
        ErrorKind::CredentialUnavailable => 12,
    }
}

pub fn print_error(e: &Error) {
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&e.to_json()).unwrap_or_else(|_| e.to_string())
    );
}

pub fn render(v: &Value, format: Format) -> String {
    match format {
        Format::None => String::new(),
        // Nothing to show (no identity, or a command with no result): print nothing, as az does.
        _ if v.is_null() => String::new(),
        Format::Json | Format::Jsonc => serde_json::to_string_pretty(v).unwrap_or_default(),
        Format::Yaml | Format::Yamlc => serde_yaml_ng::to_string(v)
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default(),
        Format::Table => table(v),
        Format::Tsv => tsv(v),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// Columns: the scalar fields of each row, and those of its `properties`, like az's table output.
fn rows(v: &Value) -> (Vec<String>, Vec<Vec<String>>) {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    };
    let mut cols: Vec<String> = Vec::new();
    let flat: Vec<Vec<(String, String)>> = items
        .iter()
        .map(|item| {
            let mut out = Vec::new();
            if let Some(o) = item.as_object() {
                // Like az's table output: long ARM ids and types stay in JSON.
                for (k, val) in o
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "id" | "type" | "etag"))
                {
                    if let Some(s) = scalar(val) {
                        out.push((k.clone(), s));
                    }
                }
                if let Some(p) = o.get("properties").and_then(Value::as_object) {
                    for (k, val) in p {
                        if let Some(s) = scalar(val) {
                            out.push((k.clone(), s));
                        }
                    }
                }
            } else if let Some(s) = scalar(item) {
                out.push(("Result".into(), s));
            }
            out
        })
        .collect();
    for row in &flat {
        for (k, _) in row {
            if !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    let table = flat
        .iter()
        .map(|row| {
            cols.iter()
                .map(|c| {
                    row.iter()
                        .find(|(k, _)| k == c)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    (cols, table)
}

fn title(col: &str) -> String {
    let mut s = String::new();
    for (i, c) in col.chars().enumerate() {
        if i == 0 {
            s.extend(c.to_uppercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn table(v: &Value) -> String {
    let (cols, rows) = rows(v);
    if cols.is_empty() {
        return String::new();
    }
    let heads: Vec<String> = cols.iter().map(|c| title(c)).collect();
    let widths: Vec<usize> = (0..cols.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([heads[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(&heads)];
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n")
}

fn tsv(v: &Value) -> String {
    let (_, rows) = rows(v);
    rows.iter()
        .map(|r| r.join("\t"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Several results: all of them as an array, or, when some failed, the ones that succeeded printed (in the
/// format asked for), every failure but the first printed, and the first returned.
pub fn values_or_first_error(
    out: Vec<Value>,
    errors: Vec<Error>,
    render: &Render,
) -> Result<Value, Error> {
    let mut errors = errors.into_iter();
    let Some(first) = errors.next() else {
        return Ok(Value::Array(out));
    };
    for e in errors {
        print_error(&e);
    }
    if !out.is_empty() {
        match render.text(&Value::Array(out)) {
            Ok(text) if !text.is_empty() => println!("{text}"),
            Ok(_) => {}
            Err(qe) => print_error(&qe),
        }
    }
    Err(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_lists_scalars_and_properties() {
        let v = json!([{"name": "id1", "location": "westus", "properties": {"clientId": "c1"}, "tags": {}},
                       {"name": "identity2", "location": "eastus", "properties": {"clientId": "c2"}}]);
        let t = table(&v);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "Name       Location  ClientId");
        assert_eq!(lines[2], "id1        westus    c1");
        assert_eq!(lines.len(), 4);
        assert_eq!(tsv(&v).lines().nth(1), Some("identity2\teastus\tc2"));
    }

    #[test]
    fn query_then_format() {
        let v = json!([{"name": "a", "identity": {"type": "SystemAssigned"}}, {"name": "b"}]);
        let r = Render::new(Format::Tsv, Some("[].name")).unwrap();
        assert_eq!(r.text(&v).unwrap(), "a\nb");
        let r = Render::new(Format::Json, Some("[?identity].identity.type | [0]")).unwrap();
        assert_eq!(r.text(&v).unwrap(), "\"SystemAssigned\"");
        let r = Render::new(Format::Yaml, None).unwrap();
        assert_eq!(
            r.text(&v).unwrap(),
            "- name: a\n  identity:\n    type: SystemAssigned\n- name: b"
        );
        assert_eq!(
            Render::new(Format::Json, Some("[?")).err().unwrap().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn every_kind_has_its_own_exit_code_in_cores_order() {
        // The README's table: 2, 3, ... in the order of core's list of kinds (the CLI's vectors test relies on it).
        for (i, k) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(exit_code(*k), i as i32 + 2, "{k}");
        }
    }
}
