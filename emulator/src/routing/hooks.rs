//! The test hooks under `/_emulator/` (not Azure):
//!
//! - `POST /_emulator/faults` `{"method", "path_contains", "status", "count", "retry_after", "body",
//!   "drop_connection"}` makes the next `count` matching requests fail before any other processing.
//! - `GET /_emulator/faults` lists the pending faults; `DELETE /_emulator/faults` clears them.
//! - `GET /_emulator/requests?path_contains=..&method=..` counts the requests seen, per method;
//!   `DELETE /_emulator/requests` clears the log.
//! - `GET /_emulator/info` describes the emulator (no secrets).
//! - `GET /_emulator/identity-endpoints?resourceId=..[&instance=N]` gives a machine's token endpoint
//!   base URL and its App Service style `IDENTITY_ENDPOINT` / `IDENTITY_HEADER`.
//!
//! Every hook needs the admin service principal's bearer token (`Authorization: Bearer ..`, the
//! token the admin credential gets for ARM): 401 without a valid token, 403 with another
//! principal's. `Config::open_test_hooks` (`msi-emulator --open-test-hooks`) serves them to anyone.

use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::arm_auth::authenticate;
use crate::arm::response::add_common_headers;
use crate::error::ErrorKind;
use crate::http;
use crate::providers::imds::api as imds;
use crate::state::hooks::Fault;
use crate::state::shared::Shared;

pub fn is_hook_path(path: &str) -> bool {
    let p = path.trim_start_matches('/');
    p.get(.."_emulator".len())
        .is_some_and(|s| s.eq_ignore_ascii_case("_emulator"))
}

fn bad_request(message: &str) -> Response {
    http::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "InvalidRequestContent", "message": message}}),
    )
}

/// `None` when the caller may use the hooks (they are open, or it holds the admin's token); else
/// the refusal.
fn refusal(shared: &Shared, parts: &Parts) -> Option<Response> {
    if shared.config.open_test_hooks {
        return None;
    }
    let refused = match authenticate(shared, &parts.headers) {
        Ok(p)
            if p.object_id
                .eq_ignore_ascii_case(&shared.seed.admin_object_id) =>
        {
            return None;
        }
        Ok(p) => crate::catalog::errors::ArmError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            format!(
                "The client '{oid}' with object id '{oid}' does not have authorization to use the emulator's test hooks: they need the admin service principal's token (or an emulator started with --open-test-hooks).",
                oid = p.object_id
            ),
        ),
        Err(e) => e,
    };
    let mut r = http::json(refused.status, &refused.body());
    for (k, v) in &refused.headers {
        http::set(r.headers_mut(), k, v);
    }
    add_common_headers(r.headers_mut(), &parts.headers);
    Some(r)
}

/// `/_emulator/...`.
pub fn handle_hook(shared: &Shared, parts: &Parts, body: &[u8]) -> Response {
    if let Some(refused) = refusal(shared, parts) {
        return refused;
    }
    let segs: Vec<String> = parts
        .uri
        .path()
        .trim_matches('/')
        .split('/')
        .skip(1)
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let query = http::query_pairs(parts.uri.query());
    let hooks = &shared.hooks;
    match (
        segs.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        &parts.method,
    ) {
        (["faults"], &Method::POST) => {
            let fault: Fault = match serde_json::from_slice(body) {
                Ok(f) => f,
                Err(e) => return bad_request(&format!("Invalid fault: {e}")),
            };
            match hooks.add(fault) {
                Ok(fault) => http::json(StatusCode::CREATED, &json!(fault)),
                Err(why) => bad_request(&why),
            }
        }
        (["faults"], &Method::GET) => http::json(StatusCode::OK, &json!({"value": hooks.faults()})),
        (["faults"], &Method::DELETE) => {
            http::json(StatusCode::OK, &json!({"removed": hooks.clear_faults()}))
        }
        (["requests"], &Method::GET) => {
            let needle = http::query_get(&query, "path_contains")
                .unwrap_or("")
                .to_ascii_lowercase();
            let method = http::query_get(&query, "method");
            let (by_method, total) = hooks.count_requests(&needle, method);
            http::json(
                StatusCode::OK,
                &json!({"path_contains": needle, "total": total, "counts": by_method}),
            )
        }
        (["requests"], &Method::DELETE) => {
            http::json(StatusCode::OK, &json!({"removed": hooks.clear_log()}))
        }
        (["info"], &Method::GET) => http::json(
            StatusCode::OK,
            &json!({
                "endpoint": shared.endpoint,
                "tenantId": shared.seed.tenant_id,
                "subscriptionId": shared.seed.subscription_id,
                "adminClientId": shared.seed.admin_client_id,
                "persistent": shared.config.data_dir.is_some(),
                "lroDelayMs": shared.config.lro_delay.as_millis() as u64,
                "pageSize": shared.config.page_size,
                "imdsEndpoint": shared.imds_endpoint,
                "enforceRbac": shared.config.enforce_rbac,
                "openTestHooks": shared.config.open_test_hooks,
                "durability": format!("{:?}", shared.config.durability),
                "logSyncs": shared.store.syncs(),
                "msiExtensionPorts": shared.ports.open_ports().into_iter()
                    .map(|(port, id)| json!({"port": port, "resourceId": id}))
                    .collect::<Vec<_>>(),
            }),
        ),
        (["identity-endpoints"], &Method::GET) => {
            let Some(id) = http::query_get(&query, "resourceId") else {
                return bad_request("Give the VM or scale set id: ?resourceId=/subscriptions/...");
            };
            let instance = match http::query_get(&query, "instance").map(str::parse::<u32>) {
                None => None,
                Some(Ok(i)) => Some(i),
                Some(Err(_)) => return bad_request("instance must be a number."),
            };
            let found = imds::base_url_for(shared, id, instance)
                .and_then(|base| imds::app_service_env_for(shared, id).map(|env| (base, env)));
            match found {
                Ok((base, (endpoint, header))) => http::json(
                    StatusCode::OK,
                    &json!({"imdsBaseUrl": base, "identityEndpoint": endpoint,
                            "identityHeader": header}),
                ),
                Err(e) => {
                    let status = if e.kind() == ErrorKind::NotFound {
                        StatusCode::NOT_FOUND
                    } else {
                        StatusCode::BAD_REQUEST
                    };
                    http::json(
                        status,
                        &json!({"error": {"code": "InvalidResource", "message": e.to_string()}}),
                    )
                }
            }
        }
        _ => http::json(
            StatusCode::NOT_FOUND,
            &json!({"error": {"code": "NotFound",
                "message": "Unknown test hook. Use /_emulator/faults, /_emulator/requests, /_emulator/info or /_emulator/identity-endpoints."}}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_paths_are_recognised() {
        assert!(is_hook_path("/_emulator/faults"));
        assert!(is_hook_path("/_EMULATOR/requests"));
        assert!(!is_hook_path("/subscriptions"));
    }
}
