//! The portal's JSON API: each handler converts its query and body into core's request types, calls core (the
//! same change plan, etags and retries as every face) and hands back a view. No Azure decision is made here.

use crate::portal::state::{ApiResult, Shared};
use crate::portal::views;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::routing::{get, post};
use msi_identity::{AssignRequest, ComputeKind, ComputeTarget, Error, RemoveRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/api/context", get(context))
        .route("/api/groups", get(groups))
        .route("/api/vms", get(vms))
        .route("/api/vmss", get(scale_sets))
        .route("/api/identity", get(show_identity))
        .route("/api/identity/assign", post(assign))
        .route("/api/identity/remove", post(remove))
        .route("/api/role-assignments", get(role_assignments))
        .route(
            "/api/identities",
            get(list_identities)
                .post(create_identity)
                .delete(delete_identity),
        )
        .route("/api/identities/one", get(show_user_identity))
        .route("/api/identities/attachments", get(attachments))
}

/// A required query parameter.
fn param<'p>(p: &'p HashMap<String, String>, name: &str) -> Result<&'p str, Error> {
    match p.get(name).map(|v| v.trim()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(Error::invalid_argument(format!(
            "the query parameter '{name}' is missing"
        ))),
    }
}

/// A JSON body (`Content-Type: application/json`, so that no other site can send one without a preflight).
fn body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, Error> {
    let types: Vec<_> = headers.get_all(header::CONTENT_TYPE).iter().collect();
    let json = matches!(types.as_slice(), [one] if one
        .to_str()
        .is_ok_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err(Error::invalid_argument(
            "the request body must be JSON (Content-Type: application/json)",
        ));
    }
    let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { bytes };
    serde_json::from_slice(bytes)
        .map_err(|e| Error::invalid_argument(format!("invalid request body: {e}")))
}

/// The VM or scale set named by `?id=`.
fn compute_target(s: &Shared, p: &HashMap<String, String>) -> Result<ComputeTarget, Error> {
    s.client.target(None, None, None, Some(param(p, "id")?))
}

async fn context(State(s): State<Shared>) -> Json<Value> {
    Json(json!({
        "subscriptionId": s.client.subscription_id(),
        "endpoint": s.client.endpoint(),
        "embedded": s.embedded,
    }))
}

async fn groups(State(s): State<Shared>) -> ApiResult<Json<Value>> {
    let list = s.client.list_resource_groups().await?;
    Ok(Json(list.iter().map(views::group).collect()))
}

async fn list_compute(
    s: &Shared,
    kind: ComputeKind,
    p: &HashMap<String, String>,
) -> ApiResult<Json<Value>> {
    let group = p.get("group").map(String::as_str).filter(|g| !g.is_empty());
    let list = s.client.list_compute(kind, group).await?;
    Ok(Json(list.iter().map(|v| views::compute(kind, v)).collect()))
}

async fn vms(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    list_compute(&s, ComputeKind::VirtualMachine, &p).await
}

async fn scale_sets(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    list_compute(&s, ComputeKind::VirtualMachineScaleSet, &p).await
}

async fn show_identity(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    let t = compute_target(&s, &p)?;
    let i = s.client.show_identity(&t).await?;
    Ok(Json(views::identity(&t, &i)))
}

/// System assigned Status On (`{"systemAssigned": true}`) and User assigned Add (`{"identities": [ID]}`).
async fn assign(
    State(s): State<Shared>,
    Query(p): Params,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<Json<Value>> {
    let t = compute_target(&s, &p)?;
    let request: AssignRequest = body(&headers, &bytes)?;
    let outcome = s.client.assign_identity(&t, &request).await?;
    let mut v = views::identity(&t, &outcome.update.identity);
    v["changed"] = outcome.update.changed.into();
    Ok(Json(v))
}

/// System assigned Status Off (`{"systemAssigned": true}`) and User assigned Remove (`{"identities": [ID]}`).
async fn remove(
    State(s): State<Shared>,
    Query(p): Params,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<Json<Value>> {
    let t = compute_target(&s, &p)?;
    let request: RemoveRequest = body(&headers, &bytes)?;
    let update = s.client.remove_identity(&t, &request).await?;
    let mut v = views::identity(&t, &update.identity);
    v["changed"] = update.changed.into();
    Ok(Json(v))
}

/// "Azure role assignments" of a principal, in the subscription.
async fn role_assignments(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    let principal = param(&p, "principal")?;
    let list = s
        .client
        .list_role_assignments(None, Some(principal))
        .await?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for a in &list {
        let key = a.role_definition_id.to_ascii_lowercase();
        if !names.contains_key(&key) {
            let name = s.client.role_definition_name(&a.role_definition_id).await?;
            names.insert(key.clone(), name);
        }
        out.push(views::role_assignment(a, &names[&key]));
    }
    Ok(Json(Value::Array(out)))
}

async fn list_identities(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    let group = p.get("group").map(String::as_str).filter(|g| !g.is_empty());
    let list = s.client.list_user_identities(group).await?;
    Ok(Json(list.iter().map(views::user_identity).collect()))
}

async fn show_user_identity(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    let u = s.client.get_user_identity_by_id(param(&p, "id")?).await?;
    Ok(Json(views::user_identity(&u)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateIdentity {
    resource_group: String,
    name: String,
    location: Option<String>,
}

async fn create_identity(
    State(s): State<Shared>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<Json<Value>> {
    let c: CreateIdentity = body(&headers, &bytes)?;
    let location = c
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let u = s
        .client
        .create_user_identity(c.resource_group.trim(), c.name.trim(), location, None)
        .await?;
    Ok(Json(views::user_identity(&u)))
}

async fn delete_identity(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    let deleted = s
        .client
        .delete_user_identity_by_id(param(&p, "id")?)
        .await?;
    Ok(Json(json!({ "deleted": deleted })))
}

/// The VMs and scale sets a user-assigned identity is attached to.
async fn attachments(State(s): State<Shared>, Query(p): Params) -> ApiResult<Json<Value>> {
    let list = s.client.user_identity_attachments(param(&p, "id")?).await?;
    Ok(Json(list.iter().map(views::target).collect()))
}
