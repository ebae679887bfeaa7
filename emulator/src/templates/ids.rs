//! The template functions about resources and identity: `resourceId` and its kin, `reference`,
//! `copyIndex`, `uniqueString` and `guid`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::args::{Context, arity, int_arg, string_arg, text_of};
use super::type_name;

/// `ns/t1/t2` + `[n1, n2]` -> `providers/ns/t1/n1/t2/n2`.
pub fn provider_path(function: &str, ty: &str, names: &[Value]) -> Result<String, String> {
    let segs: Vec<&str> = ty.split('/').filter(|s| !s.is_empty()).collect();
    let mut name_parts = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match n {
            Value::String(s) => name_parts.extend(s.split('/').map(str::to_string)),
            other => {
                return Err(format!(
                    "the resource name argument {} must be a String, but a value of type '{}' was provided.",
                    i + 1,
                    type_name(other)
                ));
            }
        }
    }
    if segs.len() < 2 || name_parts.len() != segs.len() - 1 {
        return Err(format!(
            "the type '{ty}' requires {} resource name segment(s), but {} were provided. Please see https://aka.ms/arm-resource-functions/#{function} for usage details.",
            segs.len().saturating_sub(1),
            name_parts.len()
        ));
    }
    let mut path = format!("providers/{}", segs[0]);
    for (t, n) in segs[1..].iter().zip(&name_parts) {
        path.push_str(&format!("/{t}/{n}"));
    }
    Ok(path)
}

/// `resourceId([subscriptionId], [resourceGroupName], resourceType, resourceName1, ...)`.
pub fn resource_id(args: &[Value], env: &dyn Context) -> Result<Value, String> {
    let ty_at = args
        .iter()
        .position(|a| a.as_str().is_some_and(|s| s.contains('/')))
        .ok_or_else(|| {
            "function requires exactly one multi-segmented argument which must be resource type including resource provider namespace. Please see https://aka.ms/arm-resource-functions/#resourceid for usage details.".to_string()
        })?;
    let scope = env.scope();
    let (sub, rg) = match ty_at {
        0 => (scope.subscription_id.clone(), scope.resource_group.clone()),
        1 => (
            scope.subscription_id.clone(),
            string_arg(args, 0)?.to_string(),
        ),
        2 => (
            string_arg(args, 0)?.to_string(),
            string_arg(args, 1)?.to_string(),
        ),
        _ => return Err("too many arguments before the resource type.".to_string()),
    };
    let ty = string_arg(args, ty_at)?;
    let path = provider_path("resourceid", ty, &args[ty_at + 1..])?;
    Ok(json!(format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/{path}"
    )))
}

pub fn reference(args: &[Value], env: &dyn Context) -> Result<Value, String> {
    arity(args, 1, 3)?;
    let target = string_arg(args, 0)?;
    let mut api = match args.get(1) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => {
            return Err(format!(
                "the api-version must be a String, but a value of type '{}' was provided.",
                type_name(other)
            ));
        }
    };
    let full = match args.get(2) {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("full") => true,
        None => false,
        Some(other) => {
            return Err(format!(
                "the third argument must be 'Full', but '{}' was provided.",
                text_of(other)
            ));
        }
    };
    let id = if target.starts_with('/') {
        target.to_string()
    } else {
        // A resource of this template, by name (or `type/name`).
        let k = env
            .known()
            .iter()
            .find(|k| {
                k.name.eq_ignore_ascii_case(target)
                    || k.id
                        .to_ascii_lowercase()
                        .ends_with(&format!("/{}", target.to_ascii_lowercase()))
            })
            .ok_or_else(|| format!("The resource '{target}' is not defined in the template."))?;
        if api.is_none() {
            api = Some(k.api_version.clone());
        }
        k.id.clone()
    };
    if api.is_none()
        && let Some(k) = env.known().iter().find(|k| k.id.eq_ignore_ascii_case(&id))
    {
        api = Some(k.api_version.clone());
    }
    let resolver = env.resolver().ok_or_else(|| {
        "The template function 'reference' is not expected at this location. It can only be used in the resource properties and the outputs.".to_string()
    })?;
    resolver.reference(&id, api.as_deref(), full)
}

pub fn copy_index(args: &[Value], env: &dyn Context) -> Result<Value, String> {
    arity(args, 0, 2)?;
    let (loop_name, offset) = match args {
        [] => (None, 0),
        [Value::String(n)] => (Some(n.as_str()), 0),
        [Value::Number(_)] => (None, int_arg(args, 0)?),
        [Value::String(n), _] => (Some(n.as_str()), int_arg(args, 1)?),
        _ => return Err("the arguments must be a loop name and/or an Integer offset.".to_string()),
    };
    let (name, index) = env.copy().ok_or_else(|| {
        "The template function 'copyIndex' is not expected at this location. The function can only be used in a resource with copy specified.".to_string()
    })?;
    if let Some(n) = loop_name
        && !n.eq_ignore_ascii_case(name)
    {
        return Err(format!("The template copy '{n}' is not found."));
    }
    Ok(json!(index.saturating_add(offset)))
}

pub fn hash_text(args: &[Value]) -> Result<String, String> {
    let mut parts = Vec::new();
    for i in 0..args.len() {
        parts.push(string_arg(args, i)?.to_string());
    }
    Ok(parts.join("-"))
}

/// 13 characters of `[a-z2-7]`, deterministic in the arguments (not Azure's MurmurHash64).
pub fn unique_string(text: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let digest = Sha256::digest(text.as_bytes());
    let mut bits: u128 = 0;
    for b in &digest[..16] {
        bits = (bits << 8) | u128::from(*b);
    }
    (0..13u32)
        .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// UUID v5 of the text in this engine's namespace.
pub fn guid(text: &str) -> String {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x11fb06fb_712d_4ddd_98c7_e71bbd588830);
    uuid::Uuid::new_v5(&NAMESPACE, text.as_bytes()).to_string()
}
