//! Long-running operations from the handlers' side: starting one, and the `Azure-AsyncOperation` /
//! `Location` headers of the answer that started it. What a resource remembers of its last
//! operation is `state::operations`; the status endpoints are `providers::operations`.

use axum::http::StatusCode;

use super::ctx::Ctx;
use super::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::state::operations::OpRef;
use crate::store::Tx;
use crate::util;

/// Records a new operation on `resource_key`.
pub fn start(
    ctx: &Ctx<'_>,
    tx: &Tx<'_>,
    resource_key: &str,
    state: &str,
) -> Result<OpRef, ArmError> {
    let now = util::now_ms();
    let delay = i64::try_from(ctx.shared.config.lro_delay.as_millis()).unwrap_or(i64::MAX);
    let complete_ms = now.saturating_add(delay);
    let id = tx.op_insert(resource_key, now, complete_ms)?;
    Ok(OpRef {
        id,
        complete_ms,
        state: state.to_string(),
    })
}

/// `Azure-AsyncOperation`: `{endpoint}/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/operations/{id}?p=..&api-version=..`.
pub fn async_operation_url(ctx: &Ctx<'_>, location: &str, op_id: &str) -> String {
    format!(
        "{}/subscriptions/{}/providers/Microsoft.Compute/locations/{}/operations/{}?p={}&api-version={}",
        ctx.shared.endpoint,
        ctx.shared.seed.subscription_id,
        util::encode_component(location),
        op_id,
        ctx.shared.seed.lro_p,
        util::encode_component(&ctx.api_version)
    )
}

/// `Location` of a compute DELETE or POST action: the operation URL with `monitor=true`.
pub fn monitor_url(ctx: &Ctx<'_>, location: &str, op_id: &str) -> String {
    format!(
        "{}/subscriptions/{}/providers/Microsoft.Compute/locations/{}/operations/{}?p={}&monitor=true&api-version={}",
        ctx.shared.endpoint,
        ctx.shared.seed.subscription_id,
        util::encode_component(location),
        op_id,
        ctx.shared.seed.lro_p,
        util::encode_component(&ctx.api_version)
    )
}

/// `Location` of a resource group deletion.
pub fn operation_result_url(ctx: &Ctx<'_>, op_id: &str) -> String {
    format!(
        "{}/subscriptions/{}/operationresults/{}?api-version={}",
        ctx.shared.endpoint,
        ctx.shared.seed.subscription_id,
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
