//! The token endpoints a process on a VM (or a scale-set instance, or an app) uses to get its managed
//! identity's tokens: IMDS (azure-facts §6.1), the legacy MSI VM extension (§6.5) and the App Service
//! style endpoint (§6.3). They are plain HTTP on 127.0.0.1, one listener for every machine: a process
//! "runs on" machine X by using X's base URL,
//!
//! - `http://127.0.0.1:{port}/vm/{vmId}` for a VM,
//! - `http://127.0.0.1:{port}/vmss/{uniqueId}/{instanceId}` for a scale-set instance,
//!
//! below which IMDS (`/metadata/identity/oauth2/token`, `/metadata/identity/info`) and the MSI
//! extension (`/oauth2/token`) are served; the App Service endpoint is `/vm/{vmId}/msi/token` or
//! `/vmss/{uniqueId}/msi/token`. A machine only ever gets its own identities. The MSI extension is also
//! served on `127.0.0.1:{settings.port}` while the extension exists (see `server::ports`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::arm::compute::{self, ComputeKind, Machine};
use crate::auth::{self, ClientAuth};
use crate::store::{Principal, Tx};
use crate::{Error, http, util};

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
/// IMDS managed-identity limits per VM (IMDSDOC): requests per second and concurrent requests.
pub const RATE_PER_SECOND: usize = 20;
pub const MAX_CONCURRENT: usize = 5;

// ---------------------------------------------------------------------------------------------
// Paths

/// The machine a request names.
#[derive(Clone, Debug, PartialEq)]
enum Host {
    Vm(String),
    VmssInstance(String, u32),
    /// A scale set as a whole (App Service style endpoint).
    Vmss(String),
}

impl Host {
    /// The key IMDS limits are counted under (one per VM or instance).
    fn limit_key(&self) -> String {
        match self {
            Host::Vm(id) => format!("vm/{}", id.to_ascii_lowercase()),
            Host::VmssInstance(id, i) => format!("vmss/{}/{i}", id.to_ascii_lowercase()),
            Host::Vmss(id) => format!("vmss/{}", id.to_ascii_lowercase()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Endpoint {
    ImdsToken,
    ImdsInfo,
    Extension,
    AppService,
}

fn parse_path(path: &str) -> Option<(Host, Endpoint)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let (host, rest) = match l.as_slice() {
        ["vm", _, rest @ ..] => (Host::Vm(segs[1].to_string()), rest),
        ["vmss", _, "msi", "token"] => {
            return Some((Host::Vmss(segs[1].to_string()), Endpoint::AppService));
        }
        ["vmss", _, i, rest @ ..] => (
            Host::VmssInstance(segs[1].to_string(), i.parse().ok()?),
            rest,
        ),
        _ => return None,
    };
    let endpoint = match (rest, &host) {
        (["metadata", "identity", "oauth2", "token"], _) => Endpoint::ImdsToken,
        (["metadata", "identity", "info"], _) => Endpoint::ImdsInfo,
        (["oauth2", "token"], _) => Endpoint::Extension,
        (["msi", "token"], Host::Vm(_)) => Endpoint::AppService,
        _ => return None,
    };
    Some((host, endpoint))
}

/// The machine behind `host`; a scale-set instance must be below the capacity.
fn machine_of(tx: &Tx<'_>, host: &Host) -> Result<Option<Machine>, Error> {
    let m = match host {
        Host::Vm(id) => compute::find_by_unique_id(tx, ComputeKind::Vm, id),
        Host::Vmss(id) | Host::VmssInstance(id, _) => {
            compute::find_by_unique_id(tx, ComputeKind::Vmss, id)
        }
    }
    .map_err(arm_error)?;
    Ok(match (m, host) {
        (Some(m), Host::VmssInstance(_, i)) => in_capacity(&m, *i).then_some(m),
        (m, _) => m,
    })
}

fn in_capacity(m: &Machine, instance: u32) -> bool {
    u64::from(instance) < m.capacity().unwrap_or(1)
}

fn arm_error(e: crate::arm::errors::ArmError) -> Error {
    Error::other(format!("{}: {}", e.code, e.message))
}

// ---------------------------------------------------------------------------------------------
// Responses

/// `{"error": .., "error_description": ..}`, the body IMDS and the extension answer errors with.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    http::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

fn missing_metadata(error: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        error,
        "Required metadata header not specified",
    )
}

fn unknown_machine(host: &Host) -> Response {
    let what = match host {
        Host::Vm(id) => format!("virtual machine with vmId '{id}'"),
        Host::VmssInstance(id, i) => {
            format!("instance {i} of a scale set with uniqueId '{id}'")
        }
        Host::Vmss(id) => format!("scale set with uniqueId '{id}'"),
    };
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &format!("The emulator has no {what} (it was deleted, or the base URL is wrong)."),
    )
}

fn internal(e: impl std::fmt::Display) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &format!("The emulator failed: {e}"),
    )
}

/// The default body of an injected fault on these endpoints (IMDS's error shape).
pub fn fault_body(status: StatusCode) -> Value {
    let (error, description) = match status.as_u16() {
        404 => ("not_found", "IMDS is updating; try again."),
        410 => (
            "service_unavailable",
            "IMDS is going through updates, available within 70 seconds.",
        ),
        429 => ("too_many_requests", "Too many requests; try again later."),
        500 => (
            "unknown",
            "Failed to retrieve token from the Active directory",
        ),
        s if s >= 500 => (
            "service_unavailable",
            "The service is temporarily unavailable.",
        ),
        _ => (
            "invalid_request",
            "The emulator answered with an injected fault.",
        ),
    };
    json!({"error": error, "error_description": description})
}

// ---------------------------------------------------------------------------------------------
// Identity selection

#[derive(Clone, Debug, PartialEq)]
enum Selector {
    Default,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

enum Selected {
    Principal(Principal),
    NotFound,
    Ambiguous,
}

/// The selector of a request from its query; `Err` when more than one is given. `names` are the
/// client id, object id and resource id parameter names (aliases allowed).
fn selector(query: &[(String, String)], names: [&[&str]; 3]) -> Result<Selector, String> {
    let mut found: Vec<(&str, Selector)> = Vec::new();
    for (i, aliases) in names.iter().enumerate() {
        for name in *aliases {
            if let Some(v) = http::query_get(query, name).filter(|v| !v.trim().is_empty()) {
                let v = v.trim().to_string();
                let s = match i {
                    0 => Selector::ClientId(v),
                    1 => Selector::ObjectId(v),
                    _ => Selector::ResourceId(v),
                };
                found.push((name, s));
            }
        }
    }
    match found.len() {
        0 => Ok(Selector::Default),
        1 => Ok(found.remove(0).1),
        _ => Err(found.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")),
    }
}

/// The identity of `m` that `sel` names, among the identities in effect. With no selector it is the
/// system-assigned identity; `single_user_fallback` (IMDS) also takes a lone user-assigned one.
fn select(
    tx: &Tx<'_>,
    m: &Machine,
    sel: &Selector,
    single_user_fallback: bool,
) -> Result<Selected, Error> {
    let ident = &m.doc.identity;
    let system = ident.system.as_ref();
    let user = &ident.user;
    let oid = match sel {
        Selector::Default => match (system, user.len()) {
            (Some(s), _) => Some(s.principal_id.clone()),
            (None, 1) if single_user_fallback => Some(user[0].principal_id.clone()),
            (None, n) if n > 1 && single_user_fallback => return Ok(Selected::Ambiguous),
            _ => None,
        },
        Selector::ClientId(c) => system
            .filter(|s| s.client_id.eq_ignore_ascii_case(c))
            .map(|s| s.principal_id.clone())
            .or_else(|| {
                user.iter()
                    .find(|u| u.client_id.eq_ignore_ascii_case(c))
                    .map(|u| u.principal_id.clone())
            }),
        Selector::ObjectId(o) => system
            .filter(|s| s.principal_id.eq_ignore_ascii_case(o))
            .map(|s| s.principal_id.clone())
            .or_else(|| {
                user.iter()
                    .find(|u| u.principal_id.eq_ignore_ascii_case(o))
                    .map(|u| u.principal_id.clone())
            }),
        Selector::ResourceId(r) => {
            let r = r.trim_end_matches('/');
            user.iter()
                .find(|u| u.id.trim_end_matches('/').eq_ignore_ascii_case(r))
                .map(|u| u.principal_id.clone())
        }
    };
    // A user-assigned identity deleted since it was assigned is listed but has no principal.
    Ok(match oid {
        Some(oid) => match tx.principal(&oid)? {
            Some(p) => Selected::Principal(p),
            None => Selected::NotFound,
        },
        None => Selected::NotFound,
    })
}

fn issue(app: &App, principal: &Principal, resource: &str) -> auth::IssuedToken {
    auth::issue(
        &app.keys,
        &app.seed.tenant_id,
        principal,
        resource,
        ClientAuth::Certificate,
        auth::MI_TOKEN_LIFETIME_SECS,
    )
}

// ---------------------------------------------------------------------------------------------
// Rate limits

#[derive(Default)]
struct Window {
    recent: VecDeque<Instant>,
    in_flight: usize,
}

/// Per-VM IMDS limits: [`RATE_PER_SECOND`] requests in any second and [`MAX_CONCURRENT`] at once.
#[derive(Default)]
pub struct Limits {
    state: Mutex<HashMap<String, Window>>,
}

/// A request being served; releases its concurrency slot when dropped.
pub struct Permit<'a> {
    limits: &'a Limits,
    key: String,
}

impl Limits {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Window>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn acquire(&self, key: &str) -> Option<Permit<'_>> {
        let now = Instant::now();
        let mut state = self.lock();
        let w = state.entry(key.to_string()).or_default();
        while w
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            w.recent.pop_front();
        }
        if w.recent.len() >= RATE_PER_SECOND || w.in_flight >= MAX_CONCURRENT {
            return None;
        }
        w.recent.push_back(now);
        w.in_flight += 1;
        Some(Permit {
            limits: self,
            key: key.to_string(),
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.limits.lock().get_mut(&self.key) {
            w.in_flight = w.in_flight.saturating_sub(1);
        }
    }
}

fn throttled() -> Response {
    let mut r = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        &format!(
            "Too many requests: the managed identity category of IMDS allows {RATE_PER_SECOND} requests per second and {MAX_CONCURRENT} concurrent requests per VM."
        ),
    );
    http::set(r.headers_mut(), "retry-after", "1");
    r
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// Runs a blocking handler (database, RSA signing) off the async workers.
async fn blocking(f: impl FnOnce() -> Response + Send + 'static) -> Response {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(internal)
}

/// The listener of every machine's token endpoints.
pub async fn dispatch(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    let Some((host, endpoint)) = parse_path(parts.uri.path()) else {
        return oauth_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Unknown path. Machines are served below /vm/{vmId} and /vmss/{uniqueId}/{instanceId}.",
        );
    };
    match endpoint {
        Endpoint::ImdsToken | Endpoint::ImdsInfo => {
            let Some(permit) = app.imds_limits.acquire(&host.limit_key()) else {
                return throttled();
            };
            let a = app.clone();
            let r = blocking(move || imds(&a, &parts, &host, endpoint)).await;
            drop(permit);
            r
        }
        Endpoint::Extension => {
            blocking(move || {
                extension(
                    &app,
                    &parts,
                    |tx| machine_of(tx, &host),
                    || unknown_machine(&host),
                )
            })
            .await
        }
        Endpoint::AppService => blocking(move || app_service(&app, &parts, &host)).await,
    }
}

/// The MSI extension on its own port: only `/oauth2/token`, for the machine holding the port.
pub async fn extension_port(app: Arc<App>, port: u16, req: Request<Body>) -> Response {
    let (parts, _body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if !path
        .trim_end_matches('/')
        .eq_ignore_ascii_case("/oauth2/token")
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unknown_source",
            &format!("Unknown Source {}", parts.uri),
        );
    }
    blocking(move || {
        let Some(owner) = app.ports.owner(port) else {
            return not_configured();
        };
        extension(
            &app,
            &parts,
            |tx| compute::find_by_key(tx, &owner).map_err(arm_error),
            not_configured,
        )
    })
    .await
}

fn metadata_ok(parts: &Parts) -> bool {
    http::header_str(&parts.headers, "metadata").is_some_and(|v| v.trim() == "true")
}

fn imds(app: &App, parts: &Parts, host: &Host, endpoint: Endpoint) -> Response {
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
        return match app.store.tx(|tx| machine_of(tx, host)) {
            Ok(Some(_)) => http::json(StatusCode::OK, &json!({"tenantId": app.seed.tenant_id})),
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
    let outcome = app.store.tx(|tx| -> Result<_, Error> {
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
    let t = issue(app, &principal, &resource);
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

fn identity_not_found() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "Identity not found",
    )
}

fn not_configured() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        "The client is not authorized to request an access token using this method. The virtual machine has no ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux extension.",
    )
}

/// The legacy MSI VM extension (`/oauth2/token`, no api-version), answering while the machine has
/// the extension.
fn extension(
    app: &App,
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
    let outcome = app.store.tx(|tx| -> Result<Outcome, Error> {
        let Some(m) = find(tx)? else {
            return Ok(Outcome::Unknown);
        };
        if !compute::has_msi_extension(tx, &m.key).map_err(arm_error)? {
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
    let t = issue(app, &principal, &resource);
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

/// App Service's error body.
fn app_service_error(status: StatusCode, message: &str) -> Response {
    http::json(
        status,
        &json!({"statusCode": status.as_u16(), "message": message, "correlationId": util::new_guid()}),
    )
}

fn secret_key(unique_id: &str) -> String {
    format!("identity_header:{}", unique_id.to_ascii_lowercase())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET {IDENTITY_ENDPOINT}?resource=..&api-version=2019-08-01` with `X-IDENTITY-HEADER`.
fn app_service(app: &App, parts: &Parts, host: &Host) -> Response {
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
    let outcome = app.store.tx(|tx| -> Result<Outcome, Error> {
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
    let t = issue(app, &principal, &resource);
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

// ---------------------------------------------------------------------------------------------
// Library API

/// `(kind, key)` of a VM or scale-set ARM id.
fn parse_compute_id(app: &App, id: &str) -> Result<(ComputeKind, String), Error> {
    let segs: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    let ok = |i: usize, v: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(v));
    let kind = segs.get(6).and_then(|t| ComputeKind::from_type(t));
    match kind {
        Some(kind)
            if segs.len() == 8
                && ok(0, "subscriptions")
                && ok(2, "resourceGroups")
                && ok(4, "providers")
                && ok(5, "Microsoft.Compute")
                && segs.iter().all(|s| !s.is_empty()) =>
        {
            if !segs[1].eq_ignore_ascii_case(&app.seed.subscription_id) {
                return Err(Error::not_found(format!(
                    "'{id}' is not in the emulator's subscription"
                )));
            }
            Ok((kind, compute::key(segs[1], segs[3], kind, segs[7])))
        }
        _ => Err(Error::invalid_input(format!(
            "'{id}' is not a virtual machine or scale set id (/subscriptions/../resourceGroups/../providers/Microsoft.Compute/virtualMachines|virtualMachineScaleSets/..)"
        ))),
    }
}

fn load_machine(app: &App, id: &str) -> Result<Machine, Error> {
    let (_, key) = parse_compute_id(app, id)?;
    app.store
        .tx(|tx| compute::find_by_key(tx, &key).map_err(arm_error))?
        .ok_or_else(|| Error::not_found(format!("the emulator has no resource '{id}'")))
}

/// The base URL of a machine's (or scale-set instance's) token endpoints.
pub fn base_url_for(app: &App, id: &str, instance: Option<u32>) -> Result<String, Error> {
    let m = load_machine(app, id)?;
    match (m.kind, instance) {
        (ComputeKind::Vm, None) => Ok(format!("{}/vm/{}", app.imds_endpoint, m.doc.unique_id)),
        (ComputeKind::Vm, Some(_)) => Err(Error::invalid_input(format!(
            "'{id}' is a virtual machine; instances belong to scale sets"
        ))),
        (ComputeKind::Vmss, i) => {
            let i = i.unwrap_or(0);
            if !in_capacity(&m, i) {
                return Err(Error::invalid_input(format!(
                    "scale set '{id}' has no instance {i} (capacity {})",
                    m.capacity().unwrap_or(1)
                )));
            }
            Ok(format!(
                "{}/vmss/{}/{i}",
                app.imds_endpoint, m.doc.unique_id
            ))
        }
    }
}

/// `(IDENTITY_ENDPOINT, IDENTITY_HEADER)` of a machine or scale set; the secret is made on first use
/// and kept.
pub fn app_service_env_for(app: &App, id: &str) -> Result<(String, String), Error> {
    let m = load_machine(app, id)?;
    let key = secret_key(&m.doc.unique_id);
    let secret = app.store.tx(|tx| -> Result<String, Error> {
        if let Some(s) = tx.meta_get(&key)? {
            return Ok(s);
        }
        let s = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase();
        tx.meta_set(&key, &s)?;
        Ok(s)
    })?;
    let endpoint = match m.kind {
        ComputeKind::Vm => format!("{}/vm/{}/msi/token", app.imds_endpoint, m.doc.unique_id),
        ComputeKind::Vmss => {
            format!("{}/vmss/{}/msi/token", app.imds_endpoint, m.doc.unique_id)
        }
    };
    Ok((endpoint, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("/vm/ABC/metadata/identity/oauth2/token"),
            Some((Host::Vm("ABC".into()), Endpoint::ImdsToken))
        );
        assert_eq!(
            parse_path("/vmss/u/3/metadata/identity/info"),
            Some((Host::VmssInstance("u".into(), 3), Endpoint::ImdsInfo))
        );
        assert_eq!(
            parse_path("/vmss/u/msi/token"),
            Some((Host::Vmss("u".into()), Endpoint::AppService))
        );
        assert_eq!(
            parse_path("/vm/x/oauth2/token"),
            Some((Host::Vm("x".into()), Endpoint::Extension))
        );
        assert_eq!(parse_path("/vmss/u/x/oauth2/token"), None);
        assert_eq!(parse_path("/metadata/identity/oauth2/token"), None);
    }

    #[test]
    fn selectors() {
        let q = |s: &str| http::query_pairs(Some(s));
        let names: [&[&str]; 3] = [&["client_id"], &["object_id"], &["msi_res_id"]];
        assert_eq!(selector(&q("resource=x"), names), Ok(Selector::Default));
        assert_eq!(
            selector(&q("client_id=c"), names),
            Ok(Selector::ClientId("c".into()))
        );
        assert!(selector(&q("client_id=c&object_id=o"), names).is_err());
        let app: [&[&str]; 3] = [
            &["client_id"],
            &["principal_id", "object_id"],
            &["mi_res_id"],
        ];
        assert_eq!(
            selector(&q("object_id=o"), app),
            Ok(Selector::ObjectId("o".into()))
        );
    }

    #[test]
    fn limits_count_per_second_and_in_flight() {
        let l = Limits::default();
        let held: Vec<Permit<'_>> = (0..MAX_CONCURRENT)
            .map(|_| l.acquire("a").unwrap())
            .collect();
        assert!(l.acquire("a").is_none());
        assert!(l.acquire("b").is_some());
        drop(held);
        for _ in MAX_CONCURRENT..RATE_PER_SECOND {
            assert!(l.acquire("a").is_some());
        }
        assert!(l.acquire("a").is_none());
    }
}
