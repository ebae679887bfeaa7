//! Long-running operations. Nothing runs in the background: an operation is a row with a start and a
//! completion time (`start + lro_delay`); its state, and the `provisioningState` of the resource it
//! changed, are derived from the clock when read.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::errors::ArmError;
use super::{ArmResponse, Ctx};
use crate::store::{Operation, Tx};
use crate::util;

/// The operation that last changed a resource, kept in the resource document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpRef {
    pub id: String,
    pub complete_ms: i64,
    /// The provisioning state while running: `Creating`, `Updating`, `Deleting`.
    pub state: String,
}

impl OpRef {
    pub fn done(&self, now_ms: i64) -> bool {
        now_ms >= self.complete_ms
    }
}

/// `provisioningState` of a resource last changed by `op`.
pub fn provisioning_state(op: Option<&OpRef>, now_ms: i64) -> String {
    match op {
        Some(o) if !o.done(now_ms) => o.state.clone(),
        _ => "Succeeded".to_string(),
    }
}

/// The id of the operation still running on a resource (its new user-assigned identities render as
/// `{}` until it completes).
pub fn running(op: Option<&OpRef>, now_ms: i64) -> Option<&str> {
    op.filter(|o| !o.done(now_ms)).map(|o| o.id.as_str())
}

/// Records a new operation on `resource_key`.
pub fn start(
    ctx: &Ctx<'_>,
    tx: &Tx<'_>,
    resource_key: &str,
    kind: &str,
    state: &str,
) -> Result<OpRef, ArmError> {
    let now = util::now_ms();
    let delay = i64::try_from(ctx.app.config.lro_delay.as_millis()).unwrap_or(i64::MAX);
    let op = Operation {
        id: util::new_guid(),
        resource: resource_key.to_string(),
        kind: kind.to_string(),
        started_ms: now,
        complete_ms: now.saturating_add(delay),
    };
    tx.op_insert(&op)?;
    Ok(OpRef {
        id: op.id,
        complete_ms: op.complete_ms,
        state: state.to_string(),
    })
}

/// `Azure-AsyncOperation`: `{endpoint}/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/operations/{id}?p=..&api-version=..`.
pub fn async_operation_url(ctx: &Ctx<'_>, location: &str, op_id: &str) -> String {
    format!(
        "{}/subscriptions/{}/providers/Microsoft.Compute/locations/{}/operations/{}?p={}&api-version={}",
        ctx.app.endpoint,
        ctx.app.seed.subscription_id,
        util::encode_component(location),
        op_id,
        ctx.app.seed.lro_p,
        util::encode_component(&ctx.api_version)
    )
}

/// `Location` of a compute DELETE or POST action: the operation URL with `monitor=true`.
pub fn monitor_url(ctx: &Ctx<'_>, location: &str, op_id: &str) -> String {
    format!(
        "{}/subscriptions/{}/providers/Microsoft.Compute/locations/{}/operations/{}?p={}&monitor=true&api-version={}",
        ctx.app.endpoint,
        ctx.app.seed.subscription_id,
        util::encode_component(location),
        op_id,
        ctx.app.seed.lro_p,
        util::encode_component(&ctx.api_version)
    )
}

/// `Location` of a resource group deletion.
pub fn operation_result_url(ctx: &Ctx<'_>, op_id: &str) -> String {
    format!(
        "{}/subscriptions/{}/operationresults/{}?api-version={}",
        ctx.app.endpoint,
        ctx.app.seed.subscription_id,
        op_id,
        util::encode_component(&ctx.api_version)
    )
}

/// Headers of a compute write (PUT/PATCH) that started `op`.
pub fn write_headers(ctx: &Ctx<'_>, location: &str, op: &OpRef) -> Vec<(String, String)> {
    vec![
        (
            "Azure-AsyncOperation".to_string(),
            async_operation_url(ctx, location, &op.id),
        ),
        ("Azure-AsyncNotification".to_string(), "Enabled".to_string()),
    ]
}

/// `202 Accepted` of a compute DELETE or action that started `op`.
pub fn accepted(ctx: &Ctx<'_>, location: &str, op: &OpRef) -> ArmResponse {
    ArmResponse::empty(StatusCode::ACCEPTED)
        .header(
            "Azure-AsyncOperation",
            async_operation_url(ctx, location, &op.id),
        )
        .header("Azure-AsyncNotification", "Enabled")
        .header("Location", monitor_url(ctx, location, &op.id))
}

fn not_found(id: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("The operation '{id}' could not be found."),
    )
}

/// `GET .../providers/Microsoft.Compute/locations/{loc}/operations/{id}`: the status document, or
/// with `monitor=true` 202 while running and 200 (empty) when done.
pub fn compute_status(ctx: &Ctx<'_>, op_id: &str) -> Result<ArmResponse, ArmError> {
    let op = ctx
        .app
        .store
        .tx(|t| t.op_get(op_id))?
        .ok_or_else(|| not_found(op_id))?;
    let now = util::now_ms();
    let done = now >= op.complete_ms;
    if ctx
        .query("monitor")
        .is_some_and(|m| m.eq_ignore_ascii_case("true"))
    {
        return Ok(if done {
            ArmResponse::empty(StatusCode::OK)
        } else {
            ArmResponse::empty(StatusCode::ACCEPTED).header("Location", ctx.request_url())
        });
    }
    let mut body = Map::new();
    body.insert("startTime".into(), json!(util::compute_time(op.started_ms)));
    if done {
        body.insert("endTime".into(), json!(util::compute_time(op.complete_ms)));
    }
    body.insert(
        "status".into(),
        json!(if done { "Succeeded" } else { "InProgress" }),
    );
    body.insert("name".into(), json!(op.id));
    Ok(ArmResponse::ok(Value::Object(body)))
}

/// `GET /subscriptions/{sub}/operationresults/{id}`: 202 while running, 200 when done.
pub fn operation_result(ctx: &Ctx<'_>, op_id: &str) -> Result<ArmResponse, ArmError> {
    let op = ctx
        .app
        .store
        .tx(|t| t.op_get(op_id))?
        .ok_or_else(|| not_found(op_id))?;
    Ok(if util::now_ms() >= op.complete_ms {
        ArmResponse::empty(StatusCode::OK)
    } else {
        ArmResponse::empty(StatusCode::ACCEPTED).header("Location", ctx.request_url())
    })
}
