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

use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

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

/// `/_emulator/...`.
pub fn handle_hook(shared: &Shared, parts: &Parts, body: &[u8]) -> Response {
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
            if fault.count == 0 || !(100..=599).contains(&fault.status) {
                return bad_request("A fault needs count >= 1 and a status between 100 and 599.");
            }
            let fault = hooks.add(fault);
            http::json(StatusCode::CREATED, &json!(fault))
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
