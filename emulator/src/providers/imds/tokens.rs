//! The token endpoints themselves: IMDS (`/metadata/identity/oauth2/token`, `/metadata/identity/info`),
//! the legacy MSI extension (`/oauth2/token`) and the App Service style endpoint.

use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::paths::{Endpoint, Host, arm_error, machine_of};
use super::responses::{
    app_service_error, identity_not_found, internal, missing_metadata, not_configured, oauth_error,
    unknown_machine,
};
use super::select::{Selected, Selector, issue, select, selector};
use crate::error::Error;
use crate::http;
use crate::state::machines::{self, Machine};
use crate::state::shared::Shared;
use crate::store::Tx;
use crate::util::constant_time_eq;

/// IMDS api-versions that serve the identity category (it appeared in 2018-02-01).
pub const IMDS_API_VERSIONS: [&str; 33] = [
    "2018-02-01",
    "2018-04-02",
    "2018-10-01",
    "2019-02-01",
    "2019-03-11",
    "2019-04-30",
    "2019-06-01",
    "2019-06-04",
    "2019-08-01",
    "2019-08-15",
    "2019-11-01",
    "2020-06-01",
    "2020-07-15",
    "2020-09-01",
    "2020-10-01",
    "2020-12-01",
    "2021-01-01",
    "2021-02-01",
    "2021-03-01",
    "2021-05-01",
    "2021-10-01",
    "2021-11-01",
    "2021-11-15",
    "2021-12-13",
    "2022-02-22",
    "2022-03-31",
    "2022-07-26",
    "2022-08-31",
    "2023-07-01",
    "2023-11-15",
    "2024-03-15",
    "2024-07-17",
    "2025-04-07",
];
/// The App Service protocol version served (`X-IDENTITY-HEADER`, epoch `expires_on`).
pub const APP_SERVICE_API_VERSION: &str = "2019-08-01";

fn metadata_ok(parts: &Parts) -> bool {
    http::header_str(&parts.headers, "metadata").is_some_and(|v| v.trim() == "true")
}

pub(super) fn imds(shared: &Shared, parts: &Parts, host: &Host, endpoint: Endpoint) -> Response {
    if parts.method != Method::GET {
        return oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            &format!("The request method '{}' is not allowed.", parts.method),
        );
    }
    if !metadata_ok(parts) {
        return missing_metadata("invalid_request");
    }
    if parts.headers.contains_key("x-forwarded-for") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Requests with an X-Forwarded-For header are not allowed",
        );
    }
    let query = http::query_pairs(parts.uri.query());
    let mut seen: Vec<String> = Vec::new();
    for (k, _) in &query {
        let k = k.to_ascii_lowercase();
        if seen.contains(&k) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("Duplicate query parameter '{k}'"),
            );
        }
        seen.push(k);
    }
    let api_ok = http::query_get(&query, "api-version")
        .is_some_and(|v| IMDS_API_VERSIONS.contains(&v.trim()));
    if !api_ok {
        return http::json(
            StatusCode::BAD_REQUEST,
            &json!({
                "error": "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds",
                "newest-versions": ["2025-04-07", "2024-07-17", "2024-03-15"],
            }),
        );
    }
    if endpoint == Endpoint::ImdsInfo {
        return match shared.store.read(|tx| machine_of(tx, host)) {
            Ok(Some(_)) => http::json(StatusCode::OK, &json!({"tenantId": shared.seed.tenant_id})),
            Ok(None) => unknown_machine(host),
            Err(e) => internal(e),
        };
    }
    let Some(resource) = http::query_get(&query, "resource")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required audience parameter not specified",
        );
    };
    let sel = match selector(&query, [&["client_id"], &["object_id"], &["msi_res_id"]]) {
        Ok(s) => s,
        Err(names) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "Only one of client_id, object_id and msi_res_id may be specified; the request has {names}"
                ),
            );
        }
    };
    let outcome = shared.store.read(|tx| -> Result<_, Error> {
        Ok(match machine_of(tx, host)? {
            None => None,
            Some(m) => Some(select(tx, &m, &sel, true)?),
        })
    });
    let principal = match outcome {
        Err(e) => return internal(e),
        Ok(None) => return unknown_machine(host),
        Ok(Some(Selected::Principal(p))) => p,
        Ok(Some(Selected::NotFound)) => return identity_not_found(),
        Ok(Some(Selected::Ambiguous)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request",
            );
        }
    };
    let t = issue(shared, &principal, &resource);
    let mut body = Map::new();
    body.insert("access_token".into(), json!(t.access_token));
    body.insert("client_id".into(), json!(principal.client_id));
    body.insert("expires_in".into(), json!(t.expires_in.to_string()));
    body.insert("expires_on".into(), json!(t.expires_on.to_string()));
    body.insert("ext_expires_in".into(), json!(t.expires_in.to_string()));
    body.insert("not_before".into(), json!(t.not_before.to_string()));
    match &sel {
        Selector::ObjectId(o) => {
            body.insert("object_id".into(), json!(o));
        }
        Selector::ResourceId(r) => {
            body.insert("msi_res_id".into(), json!(r));
        }
        _ => {}
    }
    body.insert("refresh_token".into(), json!(""));
    body.insert("resource".into(), json!(resource));
    body.insert("token_type".into(), json!("Bearer"));
    http::json(StatusCode::OK, &Value::Object(body))
}

/// The legacy MSI VM extension (`/oauth2/token`, no api-version), answering while the machine has
/// the extension.
pub(super) fn extension(
    shared: &Shared,
    parts: &Parts,
    find: impl FnOnce(&Tx<'_>) -> Result<Option<Machine>, Error>,
    unknown: impl FnOnce() -> Response,
) -> Response {
    if parts.method != Method::GET {
        return oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            &format!("The request method '{}' is not allowed.", parts.method),
        );
    }
    if !metadata_ok(parts) {
        return missing_metadata("bad_request_102");
    }
    let query = http::query_pairs(parts.uri.query());
    let resource = http::query_get(&query, "resource")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let sel = selector(&query, [&["client_id"], &["object_id"], &["msi_res_id"]]);
    enum Outcome {
        Unknown,
        NoExtension,
        Found(Selected),
    }
    let outcome = shared.store.read(|tx| -> Result<Outcome, Error> {
        let Some(m) = find(tx)? else {
            return Ok(Outcome::Unknown);
        };
        if !machines::has_msi_extension(tx, &m.key).map_err(arm_error)? {
            return Ok(Outcome::NoExtension);
        }
        match &sel {
            Ok(s) => Ok(Outcome::Found(select(tx, &m, s, true)?)),
            Err(_) => Ok(Outcome::Found(Selected::NotFound)),
        }
    });
    let selected = match outcome {
        Err(e) => return internal(e),
        Ok(Outcome::Unknown) => return unknown(),
        Ok(Outcome::NoExtension) => return not_configured(),
        Ok(Outcome::Found(s)) => s,
    };
    let Some(resource) = resource else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required audience parameter not specified",
        );
    };
    if let Err(names) = sel {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!(
                "Only one of client_id and object_id may be specified; the request has {names}"
            ),
        );
    }
    let principal = match selected {
        Selected::Principal(p) => p,
        Selected::NotFound => return identity_not_found(),
        Selected::Ambiguous => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Multiple user assigned identities exist, please specify the clientId of the identity in the token request",
            );
        }
    };
    let t = issue(shared, &principal, &resource);
    http::json(
        StatusCode::OK,
        &json!({
            "access_token": t.access_token,
            "refresh_token": "",
            "expires_in": t.expires_in.to_string(),
            "expires_on": t.expires_on.to_string(),
            "not_before": t.not_before.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": principal.client_id,
        }),
    )
}

pub(super) fn secret_key(unique_id: &str) -> String {
    format!("identity_header:{}", unique_id.to_ascii_lowercase())
}

/// `GET {IDENTITY_ENDPOINT}?resource=..&api-version=2019-08-01` with `X-IDENTITY-HEADER`.
pub(super) fn app_service(shared: &Shared, parts: &Parts, host: &Host) -> Response {
    if parts.method != Method::GET {
        return app_service_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("The request method '{}' is not allowed.", parts.method),
        );
    }
    let query = http::query_pairs(parts.uri.query());
    let header = http::header_str(&parts.headers, "x-identity-header").map(str::to_string);
    let sel = selector(
        &query,
        [
            &["client_id"],
            &["principal_id", "object_id"],
            &["mi_res_id"],
        ],
    );
    enum Outcome {
        Unknown,
        BadSecret,
        Found(Selected),
    }
    let outcome = shared.store.read(|tx| -> Result<Outcome, Error> {
        let Some(m) = machine_of(tx, host)? else {
            return Ok(Outcome::Unknown);
        };
        let expected = tx.meta_get(&secret_key(&m.doc.unique_id))?;
        let ok = matches!((&expected, &header),
            (Some(e), Some(h)) if constant_time_eq(e.as_bytes(), h.trim().as_bytes()));
        if !ok {
            return Ok(Outcome::BadSecret);
        }
        match &sel {
            Ok(s) => Ok(Outcome::Found(select(tx, &m, s, false)?)),
            Err(_) => Ok(Outcome::Found(Selected::NotFound)),
        }
    });
    let selected = match outcome {
        Err(e) => return internal(e),
        Ok(Outcome::Unknown) => return unknown_machine(host),
        Ok(Outcome::BadSecret) => {
            return app_service_error(
                StatusCode::UNAUTHORIZED,
                "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.",
            );
        }
        Ok(Outcome::Found(s)) => s,
    };
    let api = http::query_get(&query, "api-version").map(str::trim);
    if api != Some(APP_SERVICE_API_VERSION) {
        return app_service_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The api-version '{}' is not supported; use {APP_SERVICE_API_VERSION}.",
                api.unwrap_or("")
            ),
        );
    }
    let Some(resource) = http::query_get(&query, "resource")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
    else {
        return app_service_error(
            StatusCode::BAD_REQUEST,
            "The resource parameter is required.",
        );
    };
    if let Err(names) = sel {
        return app_service_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "Only one of client_id, principal_id and mi_res_id may be specified; the request has {names}."
            ),
        );
    }
    let principal = match selected {
        Selected::Principal(p) => p,
        _ => {
            return app_service_error(
                StatusCode::BAD_REQUEST,
                "Unable to load the proper Managed Identity.",
            );
        }
    };
    let t = issue(shared, &principal, &resource);
    http::json(
        StatusCode::OK,
        &json!({
            "access_token": t.access_token,
            "expires_on": t.expires_on.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": principal.client_id,
        }),
    )
}
