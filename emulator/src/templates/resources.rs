//! A template's resources as deployable instances: nested `resources` flattened, `copy` loops
//! expanded, `condition`s evaluated, ids computed, `dependsOn` (and `reference()`) resolved to
//! instances, and the order they deploy in (cycles refused as ARM refuses them).

use serde_json::{Map, Value};

use super::eval::{Env, eval_value};
use super::parser::{Expr, StringForm, parse, string_form};
use super::{TemplateError, type_name};
use crate::util;

/// Most resources a template may expand to (ARM's limit).
pub const MAX_RESOURCES: usize = 800;

/// Largest `copy` count (ARM's limit).
pub const MAX_COPY: i64 = 800;

/// One resource to deploy (or, with `enabled` false, one that is skipped).
#[derive(Clone, Debug)]
pub struct Instance {
    /// The resource's JSON in the template (expressions not yet evaluated).
    pub raw: Value,
    /// The copy loop and index this instance was made for.
    pub copy: Option<(String, i64)>,
    /// The symbolic name (templates with `languageVersion` 2.0).
    pub symbolic: Option<String>,
    pub ty: String,
    pub name: String,
    pub api_version: String,
    pub id: String,
    /// The condition held (and the resource is not `existing`).
    pub enabled: bool,
    /// Indexes of the instances this one depends on.
    pub depends_on: Vec<usize>,
    /// The `dependsOn` entries as evaluated (resolved by `link`).
    depends_text: Vec<String>,
    parent: Option<usize>,
}

/// Members of a template resource that are the template's, not the resource's body.
pub fn is_template_member(k: &str) -> bool {
    [
        "type",
        "apiVersion",
        "name",
        "dependsOn",
        "copy",
        "condition",
        "comments",
        "scope",
        "resources",
        "existing",
    ]
    .iter()
    .any(|m| m.eq_ignore_ascii_case(k))
}

/// An error of the resource `name`, as ARM words it.
pub fn in_resource(name: &str, e: TemplateError) -> TemplateError {
    TemplateError::new(format!(
        "The template resource '{name}' is not valid: {}",
        e.message
    ))
}

/// A copy count: an Integer in `0..=800`.
pub fn copy_count(v: &Value, env: &Env<'_>) -> Result<i64, TemplateError> {
    let n = eval_value(v, env)?;
    match n.as_i64() {
        Some(c) if (0..=MAX_COPY).contains(&c) => Ok(c),
        _ => Err(TemplateError::new(format!(
            "The copy count must be a non-negative integer value and cannot exceed '{MAX_COPY}'; it is '{}'.",
            n
        ))),
    }
}

fn text_member(
    m: &Map<String, Value>,
    key: &str,
    env: &Env<'_>,
    what: &str,
) -> Result<String, TemplateError> {
    let v = util::get_ci(m, key).ok_or_else(|| {
        TemplateError::new(format!(
            "Required property '{key}' not found in JSON of {what}."
        ))
    })?;
    match eval_value(v, env)? {
        Value::String(s) => Ok(s),
        other => Err(TemplateError::new(format!(
            "The '{key}' of {what} must be a String, but a value of type '{}' was provided.",
            type_name(&other)
        ))),
    }
}

struct Parent {
    ty: String,
    name: String,
    index: usize,
    copy: Option<(String, i64)>,
}

/// Flattens and expands `resources` (an array, or an object of symbolic names).
pub fn expand(resources: &Value, env: &Env<'_>) -> Result<Vec<Instance>, TemplateError> {
    let mut out = Vec::new();
    match resources {
        Value::Array(items) => {
            for (i, r) in items.iter().enumerate() {
                expand_one(r, None, None, i, env, &mut out)?;
            }
        }
        Value::Object(m) => {
            for (i, (sym, r)) in m.iter().enumerate() {
                expand_one(r, Some(sym), None, i, env, &mut out)?;
            }
        }
        other => {
            return Err(TemplateError::new(format!(
                "The template 'resources' must be an Array or an Object, but a value of type '{}' was provided.",
                type_name(other)
            )));
        }
    }
    Ok(out)
}

fn expand_one(
    raw: &Value,
    symbolic: Option<&String>,
    parent: Option<&Parent>,
    position: usize,
    env: &Env<'_>,
    out: &mut Vec<Instance>,
) -> Result<(), TemplateError> {
    if out.len() > MAX_RESOURCES {
        return Ok(()); // The caller reports the limit.
    }
    let m = raw.as_object().ok_or_else(|| {
        TemplateError::new(format!(
            "The template resource at position '{position}' must be an Object."
        ))
    })?;
    // A child of a copied parent sees the parent's copy index.
    let inherited = parent.and_then(|p| p.copy.clone());
    let loops: Vec<Option<(String, i64)>> =
        match util::get_ci(m, "copy") {
            Some(Value::Object(c)) => {
                let name = util::get_ci(c, "name").and_then(Value::as_str).ok_or_else(|| {
                TemplateError::new(format!(
                    "The copy of the template resource at position '{position}' has no 'name'."
                ))
            })?;
                let count = util::get_ci(c, "count").cloned().unwrap_or(Value::Null);
                let count = copy_count(&count, env).map_err(|e| {
                    TemplateError::new(format!(
                        "The template copy '{name}' is not valid: {}",
                        e.message
                    ))
                })?;
                (0..count).map(|i| Some((name.to_string(), i))).collect()
            }
            Some(_) => return Err(TemplateError::new("The resource 'copy' must be an Object.")),
            None => vec![inherited],
        };
    for copy in loops {
        let env = Env {
            copy: copy.as_ref().map(|(n, i)| (n.as_str(), *i)),
            ..env.clone()
        };
        let what = format!("the template resource at position '{position}'");
        let mut ty = text_member(m, "type", &env, &what)?;
        let mut name = text_member(m, "name", &env, &what)?;
        let at = |e: TemplateError| in_resource(&name, e);
        let api_version = text_member(m, "apiVersion", &env, &what).map_err(at)?;
        let mut enabled = match util::get_ci(m, "condition") {
            None => true,
            Some(c) => match eval_value(c, &env).map_err(at)? {
                Value::Bool(b) => b,
                other => {
                    return Err(at(TemplateError::new(format!(
                        "the condition must be a Boolean, but a value of type '{}' was provided.",
                        type_name(&other)
                    ))));
                }
            },
        };
        if util::get_ci(m, "existing").and_then(Value::as_bool) == Some(true) {
            enabled = false;
        }
        if let Some(p) = parent {
            if !ty.contains('/') {
                ty = format!("{}/{ty}", p.ty);
            }
            if !name.contains('/') {
                name = format!("{}/{name}", p.name);
            }
            enabled &= out[p.index].enabled;
        }
        let at = |e: TemplateError| in_resource(&name, e);
        let scope_prefix = match util::get_ci(m, "scope") {
            None => env.scope.group_id(),
            Some(s) => match eval_value(s, &env).map_err(at)? {
                Value::String(s) if s.starts_with('/') => s.trim_end_matches('/').to_string(),
                Value::String(s) => {
                    format!("{}/providers/{}", env.scope.group_id(), s.trim_matches('/'))
                }
                other => {
                    return Err(at(TemplateError::new(format!(
                        "the scope must be a String, but a value of type '{}' was provided.",
                        type_name(&other)
                    ))));
                }
            },
        };
        let ty_segs: Vec<&str> = ty.split('/').collect();
        let name_segs: Vec<&str> = name.split('/').collect();
        if ty_segs.len() < 2
            || ty_segs.len() != name_segs.len() + 1
            || ty_segs.iter().chain(&name_segs).any(|s| s.is_empty())
        {
            return Err(TemplateError::new(format!(
                "The template resource '{name}' for type '{ty}' has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name. A root resource type must have segment length one greater than its resource name. Please see https://aka.ms/arm-syntax-resources for usage details."
            )));
        }
        let mut id = format!("{scope_prefix}/providers/{}", ty_segs[0]);
        for (t, n) in ty_segs[1..].iter().zip(&name_segs) {
            id.push_str(&format!("/{t}/{n}"));
        }
        let depends_text = match util::get_ci(m, "dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut d = Vec::new();
                for item in items {
                    match eval_value(item, &env).map_err(at)? {
                        Value::String(s) => d.push(s),
                        other => {
                            return Err(at(TemplateError::new(format!(
                                "a dependsOn entry must be a String, but a value of type '{}' was provided.",
                                type_name(&other)
                            ))));
                        }
                    }
                }
                d
            }
            Some(_) => return Err(at(TemplateError::new("'dependsOn' must be an Array."))),
        };
        let index = out.len();
        out.push(Instance {
            raw: raw.clone(),
            copy: copy.clone(),
            symbolic: symbolic.cloned(),
            ty: ty.clone(),
            name: name.clone(),
            api_version,
            id,
            enabled,
            depends_on: Vec::new(),
            depends_text,
            parent: parent.map(|p| p.index),
        });
        if let Some(Value::Array(children)) = util::get_ci(m, "resources") {
            let me = Parent {
                ty: ty.clone(),
                name: name.clone(),
                index,
                copy: copy.clone(),
            };
            for (i, c) in children.iter().enumerate() {
                expand_one(c, None, Some(&me), i, &env, out)?;
            }
        }
    }
    Ok(())
}

/// The instances a `dependsOn` entry (or a `reference()` target) names: an id, `type/name`, a
/// name, a symbolic name or a copy loop's name.
fn matches(instances: &[Instance], target: &str) -> Vec<usize> {
    let t = target.trim_end_matches('/').to_ascii_lowercase();
    instances
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            let id = i.id.to_ascii_lowercase();
            id == t
                || (t.contains('/') && id.ends_with(&format!("/providers/{t}")))
                || (t.contains('/') && format!("{}/{}", i.ty, i.name).eq_ignore_ascii_case(&t))
                || i.name.eq_ignore_ascii_case(&t)
                || i.symbolic
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&t))
                || i.copy
                    .as_ref()
                    .is_some_and(|(n, _)| n.eq_ignore_ascii_case(&t))
        })
        .map(|(k, _)| k)
        .collect()
}

/// Targets of the `reference()` calls an expression makes, where they can be known up front.
fn referenced(e: &Expr, env: &Env<'_>, text: &str, out: &mut Vec<String>) {
    match e {
        Expr::Call { name, args, .. } => {
            if name.eq_ignore_ascii_case("reference")
                && let Some(first) = args.first()
                && let Ok(Value::String(s)) = super::eval::eval(first, env, text)
            {
                out.push(s);
            }
            for a in args {
                referenced(a, env, text, out);
            }
        }
        Expr::Prop(b, _, _) => referenced(b, env, text, out),
        Expr::Index(b, i, _) => {
            referenced(b, env, text, out);
            referenced(i, env, text, out);
        }
        _ => {}
    }
}

fn references_in(v: &Value, env: &Env<'_>, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let StringForm::Expression(text) = string_form(s)
                && let Ok(e) = parse(text)
            {
                referenced(&e, env, text, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references_in(i, env, out)),
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !is_template_member(k))
            .for_each(|(_, v)| references_in(v, env, out)),
        _ => {}
    }
}

/// Resolves every instance's dependencies: `dependsOn`, its parent, and the template resources its
/// `reference()`s read.
pub fn link(instances: &mut [Instance], env: &Env<'_>) -> Result<(), TemplateError> {
    for k in 0..instances.len() {
        let mut deps = Vec::new();
        for d in &instances[k].depends_text {
            let found = matches(instances, d);
            if found.is_empty() {
                return Err(TemplateError::new(format!(
                    "The resource '{d}' is not defined in the template. Please see https://aka.ms/arm-syntax for usage details."
                )));
            }
            deps.extend(found);
        }
        if let Some(p) = instances[k].parent {
            deps.push(p);
        }
        let mut refs = Vec::new();
        let copy = instances[k].copy.clone();
        let env = Env {
            copy: copy.as_ref().map(|(n, i)| (n.as_str(), *i)),
            ..env.clone()
        };
        references_in(&instances[k].raw, &env, &mut refs);
        for r in refs {
            deps.extend(matches(instances, &r).into_iter().filter(|d| *d != k));
        }
        deps.sort_unstable();
        deps.dedup();
        instances[k].depends_on = deps;
    }
    Ok(())
}

/// The deployable instances, each after what it depends on (template order otherwise); a cycle is
/// ARM's `Circular dependency detected`.
pub fn order(instances: &[Instance]) -> Result<Vec<usize>, TemplateError> {
    let n = instances.len();
    let mut done = vec![false; n];
    let mut out = Vec::new();
    // Skipped resources count as done: what depends on them only waits for the others.
    for (k, i) in instances.iter().enumerate() {
        if !i.enabled {
            done[k] = true;
        }
    }
    loop {
        let next = (0..n).find(|&k| !done[k] && instances[k].depends_on.iter().all(|d| done[*d]));
        match next {
            Some(k) => {
                done[k] = true;
                out.push(k);
            }
            None => break,
        }
    }
    if let Some(k) = (0..n).find(|&k| !done[k]) {
        return Err(TemplateError::new(format!(
            "Circular dependency detected on resource: '{}'. Please see https://aka.ms/arm-syntax-resources for usage details.",
            instances[k].id
        )));
    }
    Ok(out)
}
