//! Microsoft.Resources deployments at a resource group:
//! `.../resourcegroups/{rg}/providers/Microsoft.Resources/deployments[/{name}[/validate|/operations[/{id}]|/operationStatuses/{id}|/exportTemplate|/cancel]]`.
//!
//! A PUT checks the template and parameters (400 `InvalidTemplate` changes nothing), then applies
//! it at once in incremental mode (`templates::plan` orders it, `apply` PUTs every resource
//! through the router as the caller), and answers 201/200 `Accepted` with `Azure-AsyncOperation`.
//! The deployment reads as `Running` for the emulator's LRO delay, then `Succeeded`, or `Failed`
//! with `DeploymentFailed` nesting each failed resource's error.

mod apply;
mod render;

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::arm::ctx::Ctx;
use crate::arm::dispatch::Dispatcher;
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::state::deployments::{self, DeploymentDoc};
use crate::state::groups;
use crate::templates::DeploymentScope;
use crate::templates::plan::{Plan, template_hash};
use crate::{arm::lro, util};

const MAX_NAME: usize = 64;

fn not_found(name: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "DeploymentNotFound",
        format!("Deployment '{name}' could not be found."),
    )
}

fn invalid_template(message: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidTemplate",
        format!("Deployment template validation failed: '{message}'."),
    )
}

fn check_name(name: &str) -> Result<(), ArmError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.()".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidDeploymentName",
            format!(
                "The deployment name '{name}' is invalid. The name can contain at most {MAX_NAME} alphanumeric, underscore, parentheses, hyphen or period characters."
            ),
        ))
    }
}

/// The request's `properties`, checked: `mode`, an inline `template`, `parameters`.
struct Request {
    mode: String,
    template: Value,
    parameters: Value,
}

fn request(ctx: &Ctx<'_>) -> Result<Request, ArmError> {
    let body = ctx.body_object()?;
    let props = match util::get_ci(&body, "properties") {
        Some(Value::Object(p)) => p.clone(),
        _ => {
            return Err(ArmError::invalid_content(
                "Required property 'properties' not found in JSON. Path '', line 1, position 1.",
            ));
        }
    };
    let mode = match util::get_ci(&props, "mode").and_then(Value::as_str) {
        Some(m) if m.eq_ignore_ascii_case("incremental") => "Incremental".to_string(),
        Some(m) if m.eq_ignore_ascii_case("complete") => {
            return Err(ArmError::bad_request(
                "InvalidDeploymentMode",
                "The emulator deploys in 'Incremental' mode only; 'Complete' mode (deleting what the template does not name) is not emulated.",
            ));
        }
        Some(m) => {
            return Err(ArmError::invalid_content(&format!(
                "Error converting value \"{m}\" to type 'Microsoft.WindowsAzure.ResourceStack.Frontdoor.Data.Definitions.DeploymentMode'. Path 'properties.mode', line 1, position 1."
            )));
        }
        None => {
            return Err(ArmError::invalid_content(
                "Required property 'mode' not found in JSON. Path 'properties', line 1, position 1.",
            ));
        }
    };
    if util::get_ci(&props, "templateLink").is_some_and(|v| !v.is_null()) {
        return Err(ArmError::bad_request(
            "InvalidTemplate",
            "Deployment template validation failed: 'The emulator cannot fetch a templateLink; send the template inline (az deployment group create --template-file).'.",
        ));
    }
    if util::get_ci(&props, "parametersLink").is_some_and(|v| !v.is_null()) {
        return Err(ArmError::bad_request(
            "InvalidTemplate",
            "Deployment template validation failed: 'The emulator cannot fetch a parametersLink; send the parameters inline.'.",
        ));
    }
    let template = util::get_ci(&props, "template").cloned().ok_or_else(|| {
        ArmError::bad_request(
            "InvalidTemplateDeployment",
            "The template deployment must have a 'template' or a 'templateLink'.",
        )
    })?;
    Ok(Request {
        mode,
        template,
        parameters: util::get_ci(&props, "parameters")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

/// Checks the request and plans its template (nothing is written).
fn plan_of(ctx: &Ctx<'_>, rg: &str, name: &str) -> Result<(Request, Plan, String), ArmError> {
    check_name(name)?;
    let sub = ctx.shared.seed.subscription_id.clone();
    let group = ctx.shared.store.tx(|tx| groups::require_rg(tx, &sub, rg))?;
    let req = request(ctx)?;
    let scope = DeploymentScope {
        subscription_id: sub,
        tenant_id: ctx.shared.seed.tenant_id.clone(),
        resource_group: group.name.clone(),
        location: group.location.clone(),
        tags: group.tags.clone().unwrap_or_else(|| json!({})),
        deployment_name: name.to_string(),
    };
    let plan = Plan::new(&req.template, &req.parameters, scope)
        .map_err(|e| invalid_template(&e.message))?;
    Ok((req, plan, group.name))
}

fn async_url(ctx: &Ctx<'_>, rg: &str, name: &str, op: &str) -> String {
    format!(
        "{}{}/operationStatuses/{op}?api-version={}",
        ctx.shared.endpoint,
        render::deployment_id(&ctx.shared.seed.subscription_id, rg, name),
        util::encode_component(&ctx.api_version)
    )
}

fn put(
    ctx: &Ctx<'_>,
    rg: &str,
    name: &str,
    dispatcher: &dyn Dispatcher,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.clone();
    let (req, plan, rg_name) = plan_of(ctx, rg, name)?;
    let existing = ctx
        .shared
        .store
        .tx(|tx| deployments::load(tx, &sub, rg, name))?;
    let now = util::now_ms();
    if let Some(d) = existing.as_ref().filter(|d| now < d.complete_ms) {
        return Err(ArmError::new(
            StatusCode::CONFLICT,
            "DeploymentActive",
            format!(
                "Unable to edit or replace deployment '{}': previous deployment from '{}' is still active (expiration time is '{}'). Please see https://aka.ms/arm-deploy for usage details.",
                d.name,
                render::timestamp(d.started_ms),
                render::timestamp(d.complete_ms)
            ),
        ));
    }
    let name = existing
        .as_ref()
        .map_or(name.to_string(), |d| d.name.clone());
    let id = render::deployment_id(&sub, &rg_name, &name);
    let applied = apply::apply(&plan, dispatcher, &ctx.caller);
    let error = (!applied.errors.is_empty()).then(|| {
        let output_failure = applied.errors.len() == 1
            && applied.errors[0]["code"] == "DeploymentOutputEvaluationFailed";
        if output_failure {
            applied.errors[0].clone()
        } else {
            json!({"code": "DeploymentFailed", "target": id,
                "message": "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
                "details": applied.errors})
        }
    });
    let delay = i64::try_from(ctx.shared.config.lro_delay.as_millis()).unwrap_or(i64::MAX);
    let doc = DeploymentDoc {
        name: name.clone(),
        resource_group: rg_name.clone(),
        mode: req.mode,
        template_hash: template_hash(&req.template),
        template: req.template,
        parameters: plan.parameters_echo(),
        outputs: applied.outputs,
        outcome: if error.is_some() {
            "Failed"
        } else {
            "Succeeded"
        }
        .to_string(),
        error,
        started_ms: now,
        complete_ms: util::now_ms().saturating_add(delay),
        correlation_id: ctx
            .header("x-ms-correlation-request-id")
            .map_or_else(util::new_guid, str::to_string),
        operation_id: apply::operation_id(),
        operations: applied.operations,
        output_resources: applied.output_resources,
        providers: render::providers(&plan),
        dependencies: render::dependencies(&plan),
    };
    ctx.shared
        .store
        .tx(|tx| deployments::save(tx, &sub, &doc))?;
    let mut body = render::deployment(&sub, &doc, now);
    body["properties"]["provisioningState"] = json!("Accepted");
    if let Some(m) = body["properties"].as_object_mut() {
        for k in ["outputs", "outputResources", "error"] {
            m.remove(k);
        }
    }
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(ArmResponse::new(status, body).header(
        "Azure-AsyncOperation",
        async_url(ctx, &rg_name, &name, &doc.operation_id),
    ))
}

fn validate(ctx: &Ctx<'_>, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.clone();
    let (req, plan, rg_name) = plan_of(ctx, rg, name)?;
    let now = util::now_ms();
    let validated: Vec<Value> = plan
        .order
        .iter()
        .map(|k| json!({"id": plan.instances[*k].id}))
        .collect();
    let mut p = Map::new();
    p.insert("templateHash".into(), json!(template_hash(&req.template)));
    p.insert("parameters".into(), plan.parameters_echo());
    p.insert("mode".into(), json!(req.mode));
    p.insert("provisioningState".into(), json!("Succeeded"));
    p.insert("timestamp".into(), json!(render::timestamp(now)));
    p.insert("duration".into(), json!("PT0S"));
    p.insert("correlationId".into(), json!(util::new_guid()));
    p.insert("providers".into(), render::providers(&plan));
    p.insert("dependencies".into(), render::dependencies(&plan));
    p.insert("validatedResources".into(), Value::Array(validated));
    Ok(ArmResponse::ok(json!({
        "id": render::deployment_id(&sub, &rg_name, name),
        "name": name,
        "type": "Microsoft.Resources/deployments",
        "properties": p,
    })))
}

fn require(ctx: &Ctx<'_>, rg: &str, name: &str) -> Result<DeploymentDoc, ArmError> {
    let sub = &ctx.shared.seed.subscription_id;
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        deployments::load(tx, sub, rg, name)?.ok_or_else(|| not_found(name))
    })
}

/// `.../deployments/{name}` and what is below it.
pub fn handle(
    ctx: &Ctx<'_>,
    rg: &str,
    name: &str,
    rest: &[String],
    dispatcher: &dyn Dispatcher,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.clone();
    let l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let now = util::now_ms();
    match (l.as_slice(), &ctx.method) {
        ([], &Method::PUT) => put(ctx, rg, name, dispatcher),
        ([], &Method::GET) => Ok(ArmResponse::ok(render::deployment(
            &sub,
            &require(ctx, rg, name)?,
            now,
        ))),
        ([], &Method::DELETE) => {
            let removed = ctx.shared.store.tx(|tx| {
                groups::require_rg(tx, &sub, rg)?;
                if let Some(d) = deployments::load(tx, &sub, rg, name)?
                    && now < d.complete_ms
                {
                    return Err(ArmError::new(
                        StatusCode::CONFLICT,
                        "DeploymentActive",
                        format!("Unable to delete deployment '{}': it is still active. Please see https://aka.ms/arm-deploy for usage details.", d.name),
                    ));
                }
                if !deployments::delete(tx, &sub, rg, name)? {
                    return Ok(None);
                }
                let key = deployments::deployment_key(&sub, rg, name);
                lro::start(ctx, tx, &key, "Deleting").map(Some)
            })?;
            Ok(match removed {
                Some(op) => ArmResponse::empty(StatusCode::ACCEPTED)
                    .header("Location", lro::operation_result_url(ctx, &op.id)),
                None => ArmResponse::empty(StatusCode::NO_CONTENT),
            })
        }
        (["validate"], &Method::POST) => validate(ctx, rg, name),
        (["operations"], &Method::GET) => {
            let d = require(ctx, rg, name)?;
            let value: Vec<Value> = d
                .operations
                .iter()
                .map(|op| render::operation(&sub, &d, op))
                .collect();
            Ok(ArmResponse::ok(json!({"value": value})))
        }
        (["operations", id], &Method::GET) => {
            let d = require(ctx, rg, name)?;
            let op = d
                .operations
                .iter()
                .find(|o| o.operation_id.eq_ignore_ascii_case(id))
                .ok_or_else(|| {
                    ArmError::new(
                        StatusCode::NOT_FOUND,
                        "DeploymentOperationNotFound",
                        format!("Deployment operation '{id}' could not be found."),
                    )
                })?;
            Ok(ArmResponse::ok(render::operation(&sub, &d, op)))
        }
        (["operationstatuses", _], &Method::GET) => Ok(ArmResponse::ok(render::status(
            &require(ctx, rg, name)?,
            now,
        ))),
        (["exporttemplate"], &Method::POST) => {
            let d = require(ctx, rg, name)?;
            Ok(ArmResponse::ok(json!({"template": d.template})))
        }
        (["cancel"], &Method::POST) => {
            let d = require(ctx, rg, name)?;
            Err(ArmError::new(
                StatusCode::CONFLICT,
                "DeploymentCannotBeCancelled",
                format!(
                    "The deployment '{}' cannot be cancelled: the emulator applies a template when it is submitted.",
                    d.name
                ),
            ))
        }
        (
            []
            | ["validate"]
            | ["operations", ..]
            | ["operationstatuses", _]
            | ["exporttemplate"]
            | ["cancel"],
            m,
        ) => Err(ArmError::method_not_allowed(m.as_str())),
        _ => Err(ArmError::invalid_resource_type(
            &format!("deployments/{}", rest.first().map_or("", String::as_str)),
            "Microsoft.Resources",
            &ctx.api_version,
        )),
    }
}

/// `GET .../resourcegroups/{rg}/providers/Microsoft.Resources/deployments`.
pub fn list(ctx: &Ctx<'_>, rg: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.clone();
    let docs = ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, &sub, rg)?;
        deployments::list(tx, &sub, rg)
    })?;
    let now = util::now_ms();
    let value: Vec<Value> = docs
        .iter()
        .map(|d| render::deployment(&sub, d, now))
        .collect();
    Ok(ArmResponse::ok(json!({"value": value})))
}
