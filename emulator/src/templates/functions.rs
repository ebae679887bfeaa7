//! The template functions: what each answers for evaluated arguments. A function's `Err` is the
//! detail of ARM's "Unable to evaluate template language function" message. (`if` is evaluated
//! lazily by `eval`.)

use serde_json::{Map, Value, json};

pub use super::args::Context;
use super::args::{arity, bool_arg, equal, int_arg, string_arg, text_of};
use super::ids::{
    copy_index, guid, hash_text, provider_path, reference, resource_id, unique_string,
};
use super::type_name;
use crate::util;

/// Largest array `range` makes and longest string `padLeft` pads to.
const MAX_GENERATED: i64 = 10_000;

const FUNCTIONS: &[&str] = &[
    "parameters",
    "variables",
    "concat",
    "format",
    "resourceid",
    "subscriptionresourceid",
    "extensionresourceid",
    "tenantresourceid",
    "reference",
    "resourcegroup",
    "subscription",
    "deployment",
    "providers",
    "uniquestring",
    "guid",
    "tolower",
    "toupper",
    "equals",
    "not",
    "and",
    "or",
    "empty",
    "union",
    "length",
    "copyindex",
    "string",
    "int",
    "bool",
    "json",
    "createarray",
    "createobject",
    "contains",
    "coalesce",
    "first",
    "last",
    "split",
    "replace",
    "startswith",
    "endswith",
    "trim",
    "padleft",
    "true",
    "false",
    "null",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "less",
    "lessorequals",
    "greater",
    "greaterorequals",
    "range",
];

/// The function exists (lower-cased name).
pub fn is_known(lower: &str) -> bool {
    FUNCTIONS.contains(&lower)
}

/// `.NET` composite formatting: `{0}`, `{1:D}`, `{{` and `}}`.
fn format_text(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '{' => {
                let close = chars[i..]
                    .iter()
                    .position(|c| *c == '}')
                    .map(|p| p + i)
                    .ok_or("the format string has an unclosed '{'.")?;
                let spec: String = chars[i + 1..close].iter().collect();
                let index_text = spec.split([':', ',']).next().unwrap_or("").trim();
                let index: usize = index_text
                    .parse()
                    .map_err(|_| format!("the format item '{{{spec}}}' is not valid."))?;
                let v = args.get(index).ok_or_else(|| {
                    format!(
                        "the format item '{{{spec}}}' refers to argument {index}, but only {} were provided.",
                        args.len()
                    )
                })?;
                out.push_str(&text_of(v));
                i = close + 1;
            }
            '}' => return Err("the format string has an unmatched '}'.".to_string()),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn union(args: &[Value]) -> Result<Value, String> {
    arity(args, 1, usize::MAX)?;
    match &args[0] {
        Value::Object(_) => {
            let mut out = Map::new();
            for (i, a) in args.iter().enumerate() {
                let m = a.as_object().ok_or_else(|| {
                    format!("argument {} must be an Object like the first.", i + 1)
                })?;
                merge(&mut out, m);
            }
            Ok(Value::Object(out))
        }
        Value::Array(_) => {
            let mut out: Vec<Value> = Vec::new();
            for (i, a) in args.iter().enumerate() {
                let items = a.as_array().ok_or_else(|| {
                    format!("argument {} must be an Array like the first.", i + 1)
                })?;
                for item in items {
                    if !out.iter().any(|o| equal(o, item)) {
                        out.push(item.clone());
                    }
                }
            }
            Ok(Value::Array(out))
        }
        other => Err(format!(
            "the arguments must be Objects or Arrays, but a value of type '{}' was provided.",
            type_name(other)
        )),
    }
}

/// `union` of objects merges nested objects; anything else is replaced by the later value.
fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

fn arithmetic(name: &str, args: &[Value]) -> Result<Value, String> {
    arity(args, 2, 2)?;
    let (a, b) = (int_arg(args, 0)?, int_arg(args, 1)?);
    let r = match name {
        "add" => a.checked_add(b),
        "sub" => a.checked_sub(b),
        "mul" => a.checked_mul(b),
        "div" if b == 0 => return Err("division by zero.".to_string()),
        "div" => a.checked_div(b),
        _ if b == 0 => return Err("division by zero.".to_string()),
        _ => a.checked_rem(b),
    };
    r.map(Value::from)
        .ok_or_else(|| "the result is out of the range of Integer.".to_string())
}

fn compare(name: &str, args: &[Value]) -> Result<Value, String> {
    arity(args, 2, 2)?;
    let ord = match (&args[0], &args[1]) {
        (Value::Number(_), Value::Number(_)) => int_arg(args, 0)?.cmp(&int_arg(args, 1)?),
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (a, b) => {
            return Err(format!(
                "the arguments must both be Integers or Strings, but values of type '{}' and '{}' were provided.",
                type_name(a),
                type_name(b)
            ));
        }
    };
    use std::cmp::Ordering::*;
    Ok(Value::Bool(match name {
        "less" => ord == Less,
        "lessorequals" => ord != Greater,
        "greater" => ord == Greater,
        _ => ord != Less,
    }))
}

/// Calls the function `name` (lower-cased, known) with evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, env: &dyn Context) -> Result<Value, String> {
    let a = &args[..];
    match name {
        "parameters" => {
            arity(a, 1, 1)?;
            let p = string_arg(a, 0)?;
            env.parameter(p)
                .ok_or_else(|| format!("The template parameter '{p}' is not found."))
        }
        "variables" => {
            arity(a, 1, 1)?;
            let v = string_arg(a, 0)?;
            env.variable(v)
        }
        "concat" => {
            arity(a, 1, usize::MAX)?;
            if a.iter().all(Value::is_array) {
                Ok(Value::Array(
                    a.iter()
                        .flat_map(|x| x.as_array().cloned().unwrap_or_default())
                        .collect(),
                ))
            } else if a.iter().any(|x| x.is_array() || x.is_object()) {
                Err(
                    "the arguments must all be Arrays, or all be Strings, Integers and Booleans."
                        .to_string(),
                )
            } else {
                Ok(Value::String(a.iter().map(text_of).collect()))
            }
        }
        "format" => {
            arity(a, 1, usize::MAX)?;
            format_text(string_arg(a, 0)?, &a[1..]).map(Value::String)
        }
        "resourceid" => resource_id(a, env),
        "subscriptionresourceid" => {
            let ty_at = a
                .iter()
                .position(|x| x.as_str().is_some_and(|s| s.contains('/')))
                .ok_or("function requires a resource type including its namespace.")?;
            let sub = match ty_at {
                0 => env.scope().subscription_id.clone(),
                1 => string_arg(a, 0)?.to_string(),
                _ => return Err("too many arguments before the resource type.".to_string()),
            };
            let path = provider_path(
                "subscriptionresourceid",
                string_arg(a, ty_at)?,
                &a[ty_at + 1..],
            )?;
            Ok(json!(format!("/subscriptions/{sub}/{path}")))
        }
        "extensionresourceid" => {
            arity(a, 3, usize::MAX)?;
            let scope = string_arg(a, 0)?.trim_end_matches('/');
            let path = provider_path("extensionresourceid", string_arg(a, 1)?, &a[2..])?;
            Ok(json!(format!("{scope}/{path}")))
        }
        "tenantresourceid" => {
            arity(a, 2, usize::MAX)?;
            let path = provider_path("tenantresourceid", string_arg(a, 0)?, &a[1..])?;
            Ok(json!(format!("/{path}")))
        }
        "reference" => reference(a, env),
        "resourcegroup" => {
            arity(a, 0, 0)?;
            let s = env.scope();
            Ok(json!({
                "id": s.group_id(),
                "name": s.resource_group,
                "type": "Microsoft.Resources/resourceGroups",
                "location": s.location,
                "tags": s.tags,
                "properties": {"provisioningState": "Succeeded"},
            }))
        }
        "subscription" => {
            arity(a, 0, 0)?;
            let s = env.scope();
            Ok(json!({
                "id": format!("/subscriptions/{}", s.subscription_id),
                "subscriptionId": s.subscription_id,
                "tenantId": s.tenant_id,
                "displayName": "Emulated subscription",
            }))
        }
        "providers" => {
            // The registered provider's types as ARM lists them; the emulator names one api-version a type.
            arity(a, 1, 2)?;
            let namespace = string_arg(a, 0)?;
            let version = crate::catalog::api_version::current_for_namespace(namespace)
                .ok_or_else(|| format!("the resource provider '{namespace}' is not registered"))?;
            let locations: Vec<&str> = crate::catalog::regions::REGIONS.to_vec();
            match a.get(1) {
                Some(_) => Ok(json!({
                    "namespace": namespace,
                    "resourceType": string_arg(a, 1)?,
                    "locations": locations,
                    "apiVersions": [version],
                })),
                None => Ok(json!({ "namespace": namespace, "resourceTypes": [] })),
            }
        }
        "deployment" => {
            arity(a, 0, 0)?;
            Ok(json!({
                "name": env.scope().deployment_name,
                "properties": {"templateLink": null, "mode": "Incremental"},
            }))
        }
        "uniquestring" => {
            arity(a, 1, usize::MAX)?;
            Ok(json!(unique_string(&hash_text(a)?)))
        }
        "guid" => {
            arity(a, 1, usize::MAX)?;
            Ok(json!(guid(&hash_text(a)?)))
        }
        "tolower" => {
            arity(a, 1, 1)?;
            Ok(json!(string_arg(a, 0)?.to_lowercase()))
        }
        "toupper" => {
            arity(a, 1, 1)?;
            Ok(json!(string_arg(a, 0)?.to_uppercase()))
        }
        "equals" => {
            arity(a, 2, 2)?;
            Ok(Value::Bool(equal(&a[0], &a[1])))
        }
        "not" => {
            arity(a, 1, 1)?;
            Ok(Value::Bool(!bool_arg(a, 0)?))
        }
        "and" | "or" => {
            arity(a, 2, usize::MAX)?;
            let mut values = Vec::new();
            for i in 0..a.len() {
                values.push(bool_arg(a, i)?);
            }
            Ok(Value::Bool(if name == "and" {
                values.iter().all(|b| *b)
            } else {
                values.iter().any(|b| *b)
            }))
        }
        "empty" => {
            arity(a, 1, 1)?;
            Ok(Value::Bool(match &a[0] {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(x) => x.is_empty(),
                Value::Object(m) => m.is_empty(),
                _ => false,
            }))
        }
        "union" => union(a),
        "length" => {
            arity(a, 1, 1)?;
            match &a[0] {
                Value::String(s) => Ok(json!(s.chars().count())),
                Value::Array(x) => Ok(json!(x.len())),
                Value::Object(m) => Ok(json!(m.len())),
                other => Err(format!(
                    "the argument must be a String, an Array or an Object, but a value of type '{}' was provided.",
                    type_name(other)
                )),
            }
        }
        "copyindex" => copy_index(a, env),
        "string" => {
            arity(a, 1, 1)?;
            Ok(json!(text_of(&a[0])))
        }
        "int" => {
            arity(a, 1, 1)?;
            match &a[0] {
                Value::Number(_) => Ok(json!(int_arg(a, 0)?)),
                Value::String(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| format!("the string '{s}' is not a valid Integer.")),
                other => Err(format!(
                    "a value of type '{}' cannot be converted to an Integer.",
                    type_name(other)
                )),
            }
        }
        "bool" => {
            arity(a, 1, 1)?;
            match &a[0] {
                Value::Bool(b) => Ok(Value::Bool(*b)),
                Value::Number(n) => Ok(Value::Bool(n.as_f64() != Some(0.0))),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
                other => Err(format!(
                    "the value '{}' cannot be converted to a Boolean.",
                    text_of(other)
                )),
            }
        }
        "json" => {
            arity(a, 1, 1)?;
            let s = string_arg(a, 0)?;
            if util::json_too_deep(s.as_bytes(), crate::templates::parser::MAX_DEPTH).is_some() {
                return Err("the JSON nests too deeply.".to_string());
            }
            serde_json::from_str(s).map_err(|e| format!("the string is not valid JSON: {e}."))
        }
        "createarray" => Ok(Value::Array(args)),
        "createobject" => {
            if !a.len().is_multiple_of(2) {
                return Err(
                    "the function expects an even number of arguments (name, value pairs)."
                        .to_string(),
                );
            }
            let mut m = Map::new();
            for i in (0..a.len()).step_by(2) {
                m.insert(string_arg(a, i)?.to_string(), a[i + 1].clone());
            }
            Ok(Value::Object(m))
        }
        "contains" => {
            arity(a, 2, 2)?;
            Ok(Value::Bool(match &a[0] {
                Value::String(s) => s.contains(&text_of(&a[1])),
                Value::Array(x) => x.iter().any(|v| equal(v, &a[1])),
                Value::Object(m) => util::get_ci(m, &text_of(&a[1])).is_some(),
                other => {
                    return Err(format!(
                        "the first argument must be a String, an Array or an Object, but a value of type '{}' was provided.",
                        type_name(other)
                    ));
                }
            }))
        }
        "coalesce" => Ok(args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null)),
        "first" | "last" => {
            arity(a, 1, 1)?;
            Ok(match &a[0] {
                Value::Array(x) => {
                    let item = if name == "first" { x.first() } else { x.last() };
                    item.cloned().unwrap_or(Value::Null)
                }
                Value::String(s) => {
                    let c = if name == "first" {
                        s.chars().next()
                    } else {
                        s.chars().last()
                    };
                    json!(c.map(String::from).unwrap_or_default())
                }
                other => {
                    return Err(format!(
                        "the argument must be a String or an Array, but a value of type '{}' was provided.",
                        type_name(other)
                    ));
                }
            })
        }
        "split" => {
            arity(a, 2, 2)?;
            let s = string_arg(a, 0)?;
            let seps: Vec<String> = match &a[1] {
                Value::String(d) => vec![d.clone()],
                Value::Array(x) => x.iter().map(text_of).collect(),
                other => {
                    return Err(format!(
                        "the delimiter must be a String or an Array, not '{}'.",
                        type_name(other)
                    ));
                }
            };
            let mut parts = vec![s.to_string()];
            for sep in seps.iter().filter(|d| !d.is_empty()) {
                parts = parts
                    .iter()
                    .flat_map(|p| {
                        p.split(sep.as_str())
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect();
            }
            Ok(json!(parts))
        }
        "replace" => {
            arity(a, 3, 3)?;
            let old = string_arg(a, 1)?;
            if old.is_empty() {
                return Err("the string to replace must not be empty.".to_string());
            }
            Ok(json!(string_arg(a, 0)?.replace(old, string_arg(a, 2)?)))
        }
        "startswith" | "endswith" => {
            arity(a, 2, 2)?;
            let (s, p) = (
                string_arg(a, 0)?.to_lowercase(),
                string_arg(a, 1)?.to_lowercase(),
            );
            Ok(Value::Bool(if name == "startswith" {
                s.starts_with(&p)
            } else {
                s.ends_with(&p)
            }))
        }
        "trim" => {
            arity(a, 1, 1)?;
            Ok(json!(string_arg(a, 0)?.trim()))
        }
        "padleft" => {
            arity(a, 2, 3)?;
            let s = text_of(&a[0]);
            let width = int_arg(a, 1)?;
            if !(0..=MAX_GENERATED).contains(&width) {
                return Err(format!(
                    "the total length must be between 0 and {MAX_GENERATED}."
                ));
            }
            let pad = match a.get(2) {
                Some(v) => text_of(v).chars().next().unwrap_or(' '),
                None => ' ',
            };
            let missing = usize::try_from(width)
                .unwrap_or(0)
                .saturating_sub(s.chars().count());
            Ok(json!(format!("{}{s}", pad.to_string().repeat(missing))))
        }
        "true" => arity(a, 0, 0).map(|_| Value::Bool(true)),
        "false" => arity(a, 0, 0).map(|_| Value::Bool(false)),
        "null" => arity(a, 0, 0).map(|_| Value::Null),
        "add" | "sub" | "mul" | "div" | "mod" => arithmetic(name, a),
        "less" | "lessorequals" | "greater" | "greaterorequals" => compare(name, a),
        "range" => {
            arity(a, 2, 2)?;
            let (start, count) = (int_arg(a, 0)?, int_arg(a, 1)?);
            if !(0..=MAX_GENERATED).contains(&count) || start.checked_add(count).is_none() {
                return Err(format!("the count must be between 0 and {MAX_GENERATED}."));
            }
            Ok(Value::Array(
                (start..start + count).map(Value::from).collect(),
            ))
        }
        other => Err(format!("the function '{other}' is not implemented.")),
    }
}
