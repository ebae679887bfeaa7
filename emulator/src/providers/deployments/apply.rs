//! Applying a planned template: each resource, in dependency order, is PUT through the
//! [`Dispatcher`] as the caller (so every provider's own checks and access control apply), and
//! `reference()` reads through it too. A resource whose dependency failed is not attempted, as ARM
//! does; independent resources still deploy.

use std::cell::RefCell;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::arm::dispatch::Dispatcher;
use crate::catalog::errors::ArmError;
use crate::state::deployments::DeploymentOp;
use crate::store::Principal;
use crate::templates::Resolver;
use crate::templates::plan::Plan;
use crate::util;

/// What applying a template did.
pub struct Applied {
    pub operations: Vec<DeploymentOp>,
    pub output_resources: Vec<String>,
    /// The inner errors, as `DeploymentFailed` nests them (empty on success).
    pub errors: Vec<Value>,
    pub outputs: Value,
}

/// The api-version `reference()` reads a resource with when the template names none.
fn default_api(id: &str) -> Option<&'static str> {
    let l = id.to_ascii_lowercase();
    let ns = l.rsplit("/providers/").next()?.split('/').next()?;
    crate::catalog::api_version::current_for_namespace(ns)
}

/// `reference()` as GETs through the dispatcher; keeps the ARM error of a failed read.
struct Reader<'a> {
    dispatcher: &'a dyn Dispatcher,
    caller: &'a Principal,
    last_error: RefCell<Option<ArmError>>,
}

impl Resolver for Reader<'_> {
    fn reference(&self, id: &str, api: Option<&str>, full: bool) -> Result<Value, String> {
        let api = api.or_else(|| default_api(id)).ok_or_else(|| {
            format!("the reference to '{id}' needs an api-version: the emulator has no default for its provider.")
        })?;
        match self
            .dispatcher
            .call(self.caller, Method::GET, id, api, None)
        {
            Ok(r) => {
                let body = r.body.unwrap_or(Value::Null);
                if full {
                    let mut b = body;
                    if let Value::Object(m) = &mut b {
                        m.entry("apiVersion").or_insert(json!(api));
                    }
                    Ok(b)
                } else {
                    Ok(body.get("properties").cloned().unwrap_or_else(|| json!({})))
                }
            }
            Err(e) => {
                let m = e.message.clone();
                *self.last_error.borrow_mut() = Some(e);
                Err(m)
            }
        }
    }
}

fn error_value(e: &ArmError) -> Value {
    e.body()["error"].clone()
}

fn status_code_name(s: StatusCode) -> String {
    match s.canonical_reason() {
        Some(r) => r.split_whitespace().collect(),
        None => s.as_str().to_string(),
    }
}

/// A deployment operation id: twenty digits, as ARM's are.
pub fn operation_id() -> String {
    let n = u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes()) % 100_000_000_000_000_000_000;
    format!("{n:020}")
}

/// Applies `plan` as `caller`.
pub fn apply(plan: &Plan, dispatcher: &dyn Dispatcher, caller: &Principal) -> Applied {
    let reader = Reader {
        dispatcher,
        caller,
        last_error: RefCell::new(None),
    };
    let mut failed = vec![false; plan.instances.len()];
    let mut operations = Vec::new();
    let mut output_resources = Vec::new();
    let mut errors = Vec::new();
    for &k in &plan.order {
        let inst = &plan.instances[k];
        if inst.depends_on.iter().any(|d| failed[*d]) {
            failed[k] = true;
            continue;
        }
        let started = util::now_ms();
        *reader.last_error.borrow_mut() = None;
        let outcome =
            match plan.resource_body(k, &reader) {
                Ok(body) => dispatcher.call(
                    caller,
                    Method::PUT,
                    &inst.id,
                    &inst.api_version,
                    Some(&body),
                ),
                Err(e) => Err(reader.last_error.borrow_mut().take().unwrap_or_else(|| {
                    ArmError::bad_request("InvalidTemplate", e.message.clone())
                })),
            };
        let mut op = DeploymentOp {
            operation_id: operation_id(),
            resource_id: inst.id.clone(),
            resource_type: inst.ty.clone(),
            resource_name: inst.name.clone(),
            state: "Succeeded".to_string(),
            status_code: String::new(),
            error: None,
            timestamp_ms: started,
            duration_ms: util::now_ms() - started,
        };
        match outcome {
            Ok(r) => {
                op.status_code = status_code_name(r.status);
                output_resources.push(inst.id.clone());
            }
            Err(e) => {
                failed[k] = true;
                op.state = "Failed".to_string();
                op.status_code = status_code_name(e.status);
                let inner = error_value(&e);
                op.error = Some(inner.clone());
                errors.push(inner);
            }
        }
        operations.push(op);
    }
    let mut outputs = json!({});
    if errors.is_empty() {
        match plan.outputs(&reader) {
            Ok(o) => outputs = o,
            Err(e) => errors.push(json!({"code": "DeploymentOutputEvaluationFailed",
                "message": format!("Unable to evaluate template outputs: {}", e.message)})),
        }
    }
    Applied {
        operations,
        output_resources,
        errors,
        outputs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            default_api(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v"
            ),
            Some("2024-11-01")
        );
        assert_eq!(
            default_api("/subscriptions/s/resourceGroups/g/providers/Contoso.X/y/z"),
            None
        );
        assert_eq!(status_code_name(StatusCode::CREATED), "Created");
        assert_eq!(status_code_name(StatusCode::BAD_REQUEST), "BadRequest");
        let id = operation_id();
        assert_eq!(id.len(), 20);
        assert!(id.chars().all(|c| c.is_ascii_digit()));
    }
}
