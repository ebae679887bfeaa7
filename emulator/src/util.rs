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

/// Where JSON text first nests deeper than `max` objects and arrays: `(line, column)` (1-based, the
/// column counted in bytes as Json.NET reports positions), `None` when it never does. A plain scan
/// that respects strings; it works on any bytes, valid JSON or not, and never recurses.
pub fn json_too_deep(text: &[u8], max: usize) -> Option<(usize, usize)> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in text {
        column += 1;
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some((line, column));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'\n' => {
                line += 1;
                column = 0;
            }
            _ => {}
        }
    }
    None
}

/// How deeply a JSON value nests objects and arrays (a scalar is 0), without recursing.
pub fn json_depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Object(m) => Box::new(m.values()),
            Value::Array(a) => Box::new(a.iter()),
            _ => continue,
        };
        deepest = deepest.max(d + 1);
        stack.extend(children.map(|c| (c, d + 1)));
    }
    deepest
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
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

/// The segments of a request path, percent-decoded, empty ones dropped (`/a//b/` is `[a, b]`).
pub fn path_segments(raw_path: &str) -> Vec<String> {
    raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_decoded_without_empty_ones() {
        assert_eq!(path_segments("/a//b%20c/"), ["a", "b c"]);
        assert!(path_segments("/").is_empty());
    }
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
    fn depth_is_measured_without_recursion() {
        assert_eq!(json_too_deep(br#"{"a":[1,{"b":"[[[["}]}"#, 3), None);
        assert_eq!(json_too_deep(b"[[[[", 3), Some((1, 4)));
        assert_eq!(json_too_deep(b"[\n [\n  [", 2), Some((3, 3)));
        assert_eq!(json_too_deep(br#"["\"[[[["]"#, 1), None);
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        let v: Value =
            serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
        assert_eq!(json_depth(&v), 100);
        assert_eq!(json_depth(&json!({"a": {"b": [1]}})), 3);
        assert_eq!(json_depth(&json!(1)), 0);
        assert_eq!(json_too_deep(deep.as_bytes(), 64), Some((1, 65)));
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        assert_eq!(truncate_utf8("abc", 5), "abc");
        assert_eq!(truncate_utf8("a\u{e9}b", 2), "a");
        assert_eq!(truncate_utf8("\u{ff12}\u{ff10}", 4), "\u{ff12}");
    }

    #[test]
    fn locations_are_normalised() {
        assert_eq!(normalize_location("West US 2"), "westus2");
    }

    proptest::proptest! {
        /// The depth scan agrees with serde_json on what nests how deep.
        #[test]
        fn depth_scan_matches_the_parsed_depth(depth in 0usize..120, arrays in proptest::collection::vec(proptest::bool::ANY, 1..8), max in 1usize..100) {
            let mut text = String::from("1");
            for i in 0..depth {
                text = if arrays[i % arrays.len()] { format!("[{text}]") } else { format!("{{\"k\":{text}}}") };
            }
            let v: Value = serde_json::from_str(&text).unwrap();
            proptest::prop_assert_eq!(json_depth(&v), depth);
            proptest::prop_assert_eq!(json_too_deep(text.as_bytes(), max).is_some(), depth > max);
        }

        #[test]
        fn any_bytes_are_scanned_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400), max in 0usize..10) {
            let _ = json_too_deep(&bytes, max);
        }

        #[test]
        fn truncation_is_a_prefix_on_a_boundary(s in "\\PC{0,40}", max in 0usize..60) {
            let t = truncate_utf8(&s, max);
            proptest::prop_assert!(t.len() <= max || t.len() == s.len() && s.len() <= max);
            proptest::prop_assert!(s.starts_with(t));
        }
    }
}
