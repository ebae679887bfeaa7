//! Test hooks (not Azure): injected faults and a log of the requests seen.
//!
//! - `POST /_emulator/faults` `{"method", "path_contains", "status", "count", "retry_after", "body",
//!   "drop_connection"}` makes the next `count` matching requests fail before any other processing.
//! - `GET /_emulator/faults` lists the pending faults; `DELETE /_emulator/faults` clears them.
//! - `GET /_emulator/requests?path_contains=..&method=..` counts the requests seen, per method;
//!   `DELETE /_emulator/requests` clears the log.
//! - `GET /_emulator/info` describes the emulator (no secrets).
//! - `GET /_emulator/identity-endpoints?resourceId=..[&instance=N]` gives a machine's token endpoint
//!   base URL and its App Service style `IDENTITY_ENDPOINT` / `IDENTITY_HEADER`.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::App;
use crate::server::Surface;
use crate::{arm, http, imds, util};

/// Requests kept in the log (oldest dropped first).
const LOG_LIMIT: usize = 100_000;

pub fn is_hook_path(path: &str) -> bool {
    let p = path.trim_start_matches('/');
    p.get(.."_emulator".len())
        .is_some_and(|s| s.eq_ignore_ascii_case("_emulator"))
}

fn default_status() -> u16 {
    500
}

fn default_count() -> u32 {
    1
}

/// One injected fault.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub id: String,
    /// HTTP method to match (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Case-insensitive substring of the request path to match (any when empty).
    #[serde(default)]
    pub path_contains: String,
    #[serde(default = "default_status")]
    pub status: u16,
    /// How many matching requests fail.
    #[serde(default = "default_count")]
    pub count: u32,
    /// `Retry-After` seconds.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Response body; an ARM (or, on token endpoints, Entra) error envelope when absent.
    #[serde(default)]
    pub body: Option<Value>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop_connection: bool,
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        method_ok
            && path
                .to_ascii_lowercase()
                .contains(&self.path_contains.to_ascii_lowercase())
    }

    /// The injected response: ARM's (or on token paths Entra's) envelope on the HTTPS listener, IMDS's
    /// `{"error","error_description"}` on the token endpoints of machines.
    pub fn response(&self, path: &str, request_headers: &HeaderMap, surface: Surface) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if surface != Surface::Arm {
            let body = self
                .body
                .clone()
                .unwrap_or_else(|| imds::fault_body(status));
            let mut r = http::json(status, &body);
            if let Some(s) = self.retry_after {
                http::set(r.headers_mut(), "retry-after", &s.to_string());
            }
            return r;
        }
        let entra = path.to_ascii_lowercase().contains("/oauth2/");
        let body = self.body.clone().unwrap_or_else(|| {
            if entra {
                default_entra_body(status)
            } else {
                default_arm_body(status)
            }
        });
        let mut r = http::json(status, &body);
        if let Some(s) = self.retry_after {
            http::set(r.headers_mut(), "retry-after", &s.to_string());
        }
        arm::add_common_headers(r.headers_mut(), request_headers, "GET");
        r
    }
}

fn default_arm_body(status: StatusCode) -> Value {
    let (code, message) = match status.as_u16() {
        429 => (
            "TooManyRequests",
            "The request is being throttled. Please try again after the interval in the Retry-After header.",
        ),
        500 => ("InternalServerError", "Encountered internal server error."),
        502 => ("BadGateway", "The gateway received an invalid response."),
        503 => (
            "ServiceUnavailable",
            "The service is temporarily unavailable.",
        ),
        504 => (
            "GatewayTimeout",
            "The gateway did not receive a response within the specified time period.",
        ),
        409 => (
            "Conflict",
            "The request failed due to conflict with a concurrent request.",
        ),
        _ => (
            "InjectedFault",
            "The emulator answered with an injected fault.",
        ),
    };
    json!({"error": {"code": code, "message": message}})
}

fn default_entra_body(status: StatusCode) -> Value {
    let (code, description) = match status.as_u16() {
        429 => (
            "temporarily_unavailable",
            "AADSTS50196: The server terminated an operation because it encountered a client request loop.",
        ),
        s if s >= 500 => (
            "temporarily_unavailable",
            "AADSTS90033: A transient error has occurred. Please try again.",
        ),
        _ => (
            "invalid_request",
            "AADSTS90000: The emulator answered with an injected fault.",
        ),
    };
    json!({"error": code, "error_description": description})
}

#[derive(Default)]
struct HookState {
    faults: Vec<Fault>,
    log: std::collections::VecDeque<(String, String)>,
}

/// Faults and the request log.
#[derive(Default)]
pub struct Hooks {
    state: Mutex<HookState>,
}

impl Hooks {
    fn lock(&self) -> MutexGuard<'_, HookState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, method: &str, path: &str) {
        let mut s = self.lock();
        if s.log.len() >= LOG_LIMIT {
            s.log.pop_front();
        }
        s.log.push_back((method.to_string(), path.to_string()));
    }

    /// Consumes one use of the first fault matching the request.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut s = self.lock();
        let i = s.faults.iter().position(|f| f.matches(method, path))?;
        let fault = s.faults[i].clone();
        s.faults[i].count -= 1;
        if s.faults[i].count == 0 {
            s.faults.remove(i);
        }
        Some(fault)
    }

    fn add(&self, mut fault: Fault) -> Fault {
        fault.id = util::new_guid();
        self.lock().faults.push(fault.clone());
        fault
    }
}

fn bad_request(message: &str) -> Response {
    http::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "InvalidRequestContent", "message": message}}),
    )
}

/// `/_emulator/...`.
pub fn handle_hook(app: &App, parts: &Parts, body: &[u8]) -> Response {
    let segs: Vec<String> = parts
        .uri
        .path()
        .trim_matches('/')
        .split('/')
        .skip(1)
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let query = http::query_pairs(parts.uri.query());
    let hooks = &app.hooks;
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
        (["faults"], &Method::GET) => {
            let faults = hooks.lock().faults.clone();
            http::json(StatusCode::OK, &json!({"value": faults}))
        }
        (["faults"], &Method::DELETE) => {
            let removed = std::mem::take(&mut hooks.lock().faults).len();
            http::json(StatusCode::OK, &json!({"removed": removed}))
        }
        (["requests"], &Method::GET) => {
            let needle = http::query_get(&query, "path_contains")
                .unwrap_or("")
                .to_ascii_lowercase();
            let method = http::query_get(&query, "method");
            let mut by_method: BTreeMap<String, u64> = BTreeMap::new();
            let mut total = 0u64;
            for (m, p) in hooks.lock().log.iter() {
                if p.to_ascii_lowercase().contains(&needle)
                    && method.is_none_or(|x| x.eq_ignore_ascii_case(m))
                {
                    *by_method.entry(m.clone()).or_default() += 1;
                    total += 1;
                }
            }
            http::json(
                StatusCode::OK,
                &json!({"path_contains": needle, "total": total, "counts": by_method}),
            )
        }
        (["requests"], &Method::DELETE) => {
            let removed = std::mem::take(&mut hooks.lock().log).len();
            http::json(StatusCode::OK, &json!({"removed": removed}))
        }
        (["info"], &Method::GET) => http::json(
            StatusCode::OK,
            &json!({
                "endpoint": app.endpoint,
                "tenantId": app.seed.tenant_id,
                "subscriptionId": app.seed.subscription_id,
                "adminClientId": app.seed.admin_client_id,
                "persistent": app.config.data_dir.is_some(),
                "lroDelayMs": app.config.lro_delay.as_millis() as u64,
                "pageSize": app.config.page_size,
                "imdsEndpoint": app.imds_endpoint,
                "enforceRbac": app.config.enforce_rbac,
                "msiExtensionPorts": app.ports.open_ports().into_iter()
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
            let found = imds::base_url_for(app, id, instance)
                .and_then(|base| imds::app_service_env_for(app, id).map(|env| (base, env)));
            match found {
                Ok((base, (endpoint, header))) => http::json(
                    StatusCode::OK,
                    &json!({"imdsBaseUrl": base, "identityEndpoint": endpoint,
                            "identityHeader": header}),
                ),
                Err(e) => {
                    let status = if e.kind() == crate::ErrorKind::NotFound {
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
    fn faults_are_consumed_in_order() {
        let h = Hooks::default();
        h.add(Fault {
            id: String::new(),
            method: Some("patch".into()),
            path_contains: "/virtualMachines/".into(),
            status: 429,
            count: 2,
            retry_after: Some(1),
            body: None,
            drop_connection: false,
        });
        assert!(h.take_fault("GET", "/x/virtualmachines/vm1").is_none());
        assert!(h.take_fault("PATCH", "/x/virtualmachines/vm1").is_some());
        assert!(h.take_fault("PATCH", "/x/VIRTUALMACHINES/vm1").is_some());
        assert!(h.take_fault("PATCH", "/x/virtualmachines/vm1").is_none());
    }

    #[test]
    fn hook_paths_are_recognised() {
        assert!(is_hook_path("/_emulator/faults"));
        assert!(is_hook_path("/_EMULATOR/requests"));
        assert!(!is_hook_path("/subscriptions"));
    }
}
