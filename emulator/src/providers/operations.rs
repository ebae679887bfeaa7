//! The status of long-running operations: `Microsoft.Compute/locations/{loc}/operations/{id}` and
//! `Microsoft.Resources` `operationresults/{id}`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::arm::ctx::Ctx;
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::util;

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
        .shared
        .store
        .read(|t| t.op_get(op_id))?
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
        .shared
        .store
        .read(|t| t.op_get(op_id))?
        .ok_or_else(|| not_found(op_id))?;
    Ok(if util::now_ms() >= op.complete_ms {
        ArmResponse::empty(StatusCode::OK)
    } else {
        ArmResponse::empty(StatusCode::ACCEPTED).header("Location", ctx.request_url())
    })
}
