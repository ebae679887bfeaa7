//! What the template functions share: the [`Context`] they are evaluated in, and the checks and
//! conversions of their arguments.

use serde_json::Value;

use super::{DeploymentScope, KnownResource, Resolver, type_name};
use crate::util;

/// What the functions see of the place they are evaluated in (`eval::Env`).
pub trait Context {
    fn scope(&self) -> &DeploymentScope;
    fn parameter(&self, name: &str) -> Option<Value>;
    fn variable(&self, name: &str) -> Result<Value, String>;
    /// The copy loop being expanded and this instance's index.
    fn copy(&self) -> Option<(&str, i64)>;
    fn known(&self) -> &[KnownResource];
    /// `None` where `reference()` is not allowed.
    fn resolver(&self) -> Option<&dyn Resolver>;
}

pub fn arity(args: &[Value], min: usize, max: usize) -> Result<(), String> {
    if args.len() < min || args.len() > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("between {min} and {max}")
        };
        return Err(format!(
            "the function expects {expected} argument(s), but {} were provided.",
            args.len()
        ));
    }
    Ok(())
}

pub fn string_arg(args: &[Value], i: usize) -> Result<&str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "argument {} must be a String, but a value of type '{}' was provided.",
            i + 1,
            type_name(other)
        )),
        None => Err(format!("argument {} is missing.", i + 1)),
    }
}

pub fn int_arg(args: &[Value], i: usize) -> Result<i64, String> {
    match args.get(i) {
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or(0)),
        Some(other) => Err(format!(
            "argument {} must be an Integer, but a value of type '{}' was provided.",
            i + 1,
            type_name(other)
        )),
        None => Err(format!("argument {} is missing.", i + 1)),
    }
}

pub fn bool_arg(args: &[Value], i: usize) -> Result<bool, String> {
    match args.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!(
            "argument {} must be a Boolean, but a value of type '{}' was provided.",
            i + 1,
            type_name(other)
        )),
        None => Err(format!("argument {} is missing.", i + 1)),
    }
}

/// A value as `concat`, `format` and `string` write it.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// ARM compares strings case-insensitively in `equals`? No: ordinally. Numbers by value.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| util::get_ci(y, k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}
