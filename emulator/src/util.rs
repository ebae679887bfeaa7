//! Small helpers shared by the modules: time, ids, JSON.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    Utc::now().timestamp()
}

/// Compute's timestamp format: `2023-05-25T16:30:41.1751602+00:00`.
pub fn compute_time(ms: i64) -> String {
    let t: DateTime<Utc> = Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(Utc::now);
    use chrono::Timelike;
    format!(
        "{}.{:07}+00:00",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond() / 100
    )
}

/// ARM routing-id timestamp: `20200610T203256Z`.
pub fn routing_time() -> String {
    Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

/// Microsoft.Authorization's timestamp format: `2023-05-25T16:35:47.9925151Z`.
pub fn authorization_time() -> String {
    let t = Utc::now();
    use chrono::Timelike;
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond() / 100
    )
}

/// AAD error timestamp: `2024-01-01 10:00:00Z`.
pub fn aad_time() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string()
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The platform's per-user data directory.
pub fn user_data_dir() -> Option<PathBuf> {
    let non_empty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return non_empty("LOCALAPPDATA").or_else(|| non_empty("APPDATA"));
    }
    if cfg!(target_os = "macos") {
        return non_empty("HOME").map(|h| h.join("Library").join("Application Support"));
    }
    non_empty("XDG_DATA_HOME").or_else(|| non_empty("HOME").map(|h| h.join(".local").join("share")))
}

/// RFC 7396 JSON merge patch of `patch` into `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    let entry = t.entry(k.clone()).or_insert(Value::Null);
                    merge_patch(entry, v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Case-insensitive lookup of a key in a JSON object.
pub fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Removes every key matching `key` case-insensitively.
pub fn remove_ci(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let found: Vec<String> = map
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(key))
        .cloned()
        .collect();
    let mut out = None;
    for k in found {
        out = map.remove(&k);
    }
    out
}

/// Mutable access to a key matched case-insensitively.
pub fn get_mut_ci<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    let actual = map.keys().find(|k| k.eq_ignore_ascii_case(key))?.clone();
    map.get_mut(&actual)
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// ARM normalises locations: `West US` -> `westus`.
pub fn normalize_location(loc: &str) -> String {
    loc.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Percent-encodes a path segment or query value.
pub fn encode_component(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(s, SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7396() {
        let mut t = json!({"a": {"b": 1, "c": 2}, "d": [1], "e": "x"});
        merge_patch(
            &mut t,
            &json!({"a": {"b": null, "z": 3}, "d": [2], "e": null}),
        );
        assert_eq!(t, json!({"a": {"c": 2, "z": 3}, "d": [2]}));
    }

    #[test]
    fn compute_time_has_seven_digits() {
        assert_eq!(compute_time(0), "1970-01-01T00:00:00.0000000+00:00");
    }

    #[test]
    fn locations_are_normalised() {
        assert_eq!(normalize_location("West US 2"), "westus2");
    }
}
