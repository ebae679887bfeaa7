//! The answer of an ARM handler, and the headers every ARM answer carries.

use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::{http, util};

/// A successful ARM answer.
#[derive(Debug)]
pub struct ArmResponse {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl ArmResponse {
    pub fn new(status: StatusCode, body: Value) -> ArmResponse {
        ArmResponse {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub fn ok(body: Value) -> ArmResponse {
        ArmResponse::new(StatusCode::OK, body)
    }

    pub fn empty(status: StatusCode) -> ArmResponse {
        ArmResponse {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> ArmResponse {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn headers(mut self, headers: Vec<(String, String)>) -> ArmResponse {
        self.headers.extend(headers);
        self
    }
}

/// Adds the headers every ARM answer carries (the throttle's `x-ms-ratelimit-remaining-*` come
/// from the ARM router, which counts the requests).
pub fn add_common_headers(h: &mut HeaderMap, req: &HeaderMap) {
    let request_id = util::new_guid();
    if !h.contains_key("x-ms-request-id") {
        http::set(h, "x-ms-request-id", &request_id);
    }
    let correlation = http::header_str(req, "x-ms-correlation-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    http::set(h, "x-ms-correlation-request-id", &correlation);
    http::set(
        h,
        "x-ms-routing-request-id",
        &format!("LOCAL:{}:{}", util::routing_time(), util::new_guid()),
    );
    if let Some(client) = http::header_str(req, "x-ms-client-request-id") {
        http::set(h, "x-ms-client-request-id", client);
    }
    http::set(h, "cache-control", "no-cache");
}
