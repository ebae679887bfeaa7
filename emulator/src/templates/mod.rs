//! ARM templates, as a pure engine (no HTTP, no store): the expression language (`lexer`, `parser`,
//! `eval`, `functions`) and the template itself (`plan`: parameters, variables, copy loops,
//! `dependsOn` order, outputs). Whatever needs the emulator's resources (`reference`) goes through
//! the [`Resolver`] the caller supplies, so the engine never knows about providers.
//!
//! `uniqueString` and `guid` are deterministic but are not Azure's own hashes: `guid` is a UUID v5
//! over the arguments joined by `-` (the namespace is this engine's), and `uniqueString` is 13
//! base-32 characters of a SHA-256 over the same text (Azure's is a MurmurHash64 variant). Names a
//! template derives from them are stable across runs, but differ from those Azure would derive.

mod args;
pub mod eval;
#[cfg(test)]
mod function_tests;
pub mod functions;
mod ids;
pub mod lexer;
pub mod parser;
pub mod plan;
#[cfg(test)]
mod plan_tests;
pub mod resources;

use serde_json::Value;

/// Why a template or one of its expressions cannot be used: the message ARM's `InvalidTemplate`
/// (or the inner error of a failed resource) carries.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateError {
    pub message: String,
}

impl TemplateError {
    pub fn new(message: impl Into<String>) -> TemplateError {
        TemplateError {
            message: message.into(),
        }
    }

    /// An expression that does not parse.
    pub fn parse(expr: &str, detail: String) -> TemplateError {
        TemplateError::new(format!(
            "Unable to parse language expression '{expr}': {detail}."
        ))
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where a deployment runs: what `resourceGroup()`, `subscription()`, `deployment()` and
/// `resourceId` answer.
#[derive(Clone, Debug)]
pub struct DeploymentScope {
    pub subscription_id: String,
    pub tenant_id: String,
    pub resource_group: String,
    pub location: String,
    pub tags: Value,
    pub deployment_name: String,
}

impl DeploymentScope {
    /// `/subscriptions/{sub}/resourceGroups/{rg}`.
    pub fn group_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription_id, self.resource_group
        )
    }
}

/// A template resource `reference('name')` may name instead of an id.
#[derive(Clone, Debug)]
pub struct KnownResource {
    pub name: String,
    pub id: String,
    pub api_version: String,
}

/// Reads the emulator's resources for `reference()`: the resource's GET body (`full`) or its
/// `properties`; `Err` carries the message of the error the read gave.
pub trait Resolver {
    fn reference(&self, id: &str, api_version: Option<&str>, full: bool) -> Result<Value, String>;
}

/// The ARM name of a JSON value's type, as messages spell it.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}
