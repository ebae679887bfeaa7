//! Azure Resource Manager: authentication, `api-version`, routing, common headers, paging.
//!
//! Paths are parsed by hand so that every segment (`resourceGroups`, provider namespaces, type and
//! resource names) matches case-insensitively, and unknown routes get ARM's errors.

pub mod api_version;
pub mod compute;
pub mod errors;
pub mod identity;
pub mod lro;
pub mod msi;
pub mod rbac;
pub mod resources;
pub mod roles;

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::auth::{self, TokenProblem};
use crate::store::{Principal, Row, Tx};
use crate::{http, util};
use api_version::Provider;
use errors::ArmError;

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

/// One ARM request, authenticated and with a well-formed `api-version`.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub method: Method,
    pub raw_path: &'a str,
    pub raw_query: Option<&'a str>,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub api_version: String,
    /// The authenticated principal (access control keys on its object id).
    pub caller: Principal,
    /// The decoded request path without a trailing `/`: the scope access control reports.
    pub scope: String,
}

impl Ctx<'_> {
    /// Access control is on (`Config::enforce_rbac`).
    pub fn enforced(&self) -> bool {
        self.app.config.enforce_rbac
    }

    /// The caller may perform `action` at `scope` (an id or path, any casing).
    pub fn permits(&self, tx: &Tx<'_>, action: &str, scope: &str) -> Result<bool, ArmError> {
        if !self.enforced() {
            return Ok(true);
        }
        rbac::permits(tx, &self.caller.object_id, action, &rbac::scope_key(scope))
    }

    /// 403 `AuthorizationFailed` unless the caller may perform `action` at `check_scope`; the error
    /// names `shown_scope`.
    pub fn authorize_at(
        &self,
        action: &str,
        check_scope: &str,
        shown_scope: &str,
    ) -> Result<(), ArmError> {
        if !self.enforced() {
            return Ok(());
        }
        if self
            .app
            .store
            .tx(|tx| self.permits(tx, action, check_scope))?
        {
            Ok(())
        } else {
            Err(rbac::authorization_failed(
                &self.caller.object_id,
                action,
                shown_scope,
            ))
        }
    }

    /// [`Ctx::authorize_at`] the request's own path.
    pub fn authorize(&self, action: &str) -> Result<(), ArmError> {
        self.authorize_at(action, &self.scope, &self.scope)
    }

    /// The caller has some role assignment in the subscription (what ARM requires to see it).
    pub fn sees_subscription(&self, tx: &Tx<'_>, sub: &str) -> Result<bool, ArmError> {
        if !self.enforced() {
            return Ok(true);
        }
        rbac::has_access_within(
            tx,
            &self.caller.object_id,
            &rbac::scope_key(&format!("/subscriptions/{sub}")),
        )
    }

    /// 403 unless the caller has some access in the subscription.
    fn authorize_visible(&self, sub: &str, action: &str) -> Result<(), ArmError> {
        if self.app.store.tx(|tx| self.sees_subscription(tx, sub))? {
            Ok(())
        } else {
            Err(rbac::authorization_failed(
                &self.caller.object_id,
                action,
                &format!("/subscriptions/{sub}"),
            ))
        }
    }

    /// Access to the status of operation `op_id`: `action` on the resource it changed.
    fn authorize_operation(&self, op_id: &str, action: &str) -> Result<(), ArmError> {
        if !self.enforced() {
            return Ok(());
        }
        match self.app.store.tx(|t| t.op_get(op_id))? {
            Some(op) => self.authorize_at(action, &op.resource, &self.scope),
            None => Ok(()),
        }
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        http::query_get(&self.query, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        http::header_str(self.headers, name)
    }

    /// The absolute URL of this request.
    pub fn request_url(&self) -> String {
        match self.raw_query {
            Some(q) => format!("{}{}?{q}", self.app.endpoint, self.raw_path),
            None => format!("{}{}", self.app.endpoint, self.raw_path),
        }
    }

    /// The request body as a JSON object (400 InvalidRequestContent otherwise).
    pub fn body_object(&self) -> Result<Map<String, Value>, ArmError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ArmError::invalid_content(
                "Unexpected end when reading JSON. Path '', line 0, position 0.",
            ));
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(other) => Err(ArmError::invalid_content(&format!(
                "Cannot deserialize the current JSON {} into an object. Path '', line 1, position 1.",
                match other {
                    Value::Array(_) => "array",
                    Value::String(_) => "string",
                    Value::Number(_) => "number",
                    Value::Bool(_) => "boolean",
                    _ => "value",
                }
            ))),
            Err(e) => {
                let what = if e.is_eof() {
                    "Unexpected end when reading JSON."
                } else {
                    "Unexpected character encountered while parsing value."
                };
                Err(ArmError::invalid_content(&format!(
                    "{what} Path '', line {}, position {}.",
                    e.line(),
                    e.column()
                )))
            }
        }
    }

    /// A `nextLink` continuing this list after `seq`.
    fn next_link(&self, seq: i64) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            if !k.eq_ignore_ascii_case("$skiptoken") {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("$skiptoken", &seq.to_string());
        format!("{}{}?{}", self.app.endpoint, self.raw_path, ser.finish())
    }

    /// One page of resources of `kind` (in group `rg_key` when given) that `keep` accepts, rendered
    /// by `render` (a page may hold fewer items than the page size when `keep` refuses some).
    pub fn page_where(
        &self,
        tx: &Tx<'_>,
        kind: &str,
        rg_key: Option<&str>,
        mut keep: impl FnMut(&Row) -> Result<bool, ArmError>,
        mut render: impl FnMut(&Row) -> Result<Value, ArmError>,
    ) -> Result<ArmResponse, ArmError> {
        let after: i64 = self
            .query("$skiptoken")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let size = self.app.config.page_size.max(1);
        let rows = tx.page(kind, rg_key, after, size)?;
        let more = rows.len() > size;
        let rows = &rows[..rows.len().min(size)];
        let mut value = Vec::with_capacity(rows.len());
        for r in rows {
            if keep(r)? {
                value.push(render(r)?);
            }
        }
        let mut body = Map::new();
        body.insert("value".into(), Value::Array(value));
        if let Some(last) = rows.last().filter(|_| more) {
            body.insert("nextLink".into(), json!(self.next_link(last.seq)));
        }
        Ok(ArmResponse::ok(Value::Object(body)))
    }
}

/// The `ETag` of a resource at version `n`.
pub fn etag(n: u64) -> String {
    format!("\"{n}\"")
}

/// Checks `If-Match` / `If-None-Match` against the current etag (`None`: the resource is absent).
pub fn check_preconditions(
    ctx: &Ctx<'_>,
    current: Option<u64>,
    what: &str,
) -> Result<(), ArmError> {
    let norm = |t: &str| {
        t.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_string()
    };
    if let Some(im) = ctx.header("if-match") {
        let matched = match current {
            None => false,
            Some(e) => im.trim() == "*" || im.split(',').any(|t| norm(t) == e.to_string()),
        };
        if !matched {
            return Err(ArmError::precondition_failed(match current {
                None => format!(
                    "The condition specified by the If-Match header ('{}') cannot be met: the resource '{what}' does not exist.",
                    im.trim()
                ),
                Some(e) => format!(
                    "The condition specified by the If-Match header ('{}') does not match the current etag '{}' of the resource '{what}'.",
                    im.trim(),
                    etag(e)
                ),
            }));
        }
    }
    if let Some(inm) = ctx.header("if-none-match") {
        if inm.trim() != "*" {
            return Err(ArmError::invalid_parameter(
                format!(
                    "The If-None-Match header value '{}' is not supported; only '*' is.",
                    inm.trim()
                ),
                "If-None-Match",
            ));
        }
        if current.is_some() {
            return Err(ArmError::precondition_failed(format!(
                "The resource '{what}' already exists and the If-None-Match header is '*'."
            )));
        }
    }
    Ok(())
}

/// Adds the headers every ARM answer carries.
pub fn add_common_headers(h: &mut HeaderMap, req: &HeaderMap, method: &str) {
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
    let (name, value) = match method {
        "GET" | "HEAD" => ("x-ms-ratelimit-remaining-subscription-reads", "11999"),
        "DELETE" => ("x-ms-ratelimit-remaining-subscription-deletes", "14999"),
        _ => ("x-ms-ratelimit-remaining-subscription-writes", "1199"),
    };
    http::set(h, name, value);
    http::set(h, "cache-control", "no-cache");
}

fn auth_error(app: &App, problem: TokenProblem) -> ArmError {
    let (code, message) = match &problem {
        TokenProblem::Missing => (
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.".to_string(),
        ),
        TokenProblem::BadHeaderFormat => (
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is provided in an invalid format."
                .to_string(),
        ),
        TokenProblem::Malformed => (
            "InvalidAuthenticationToken",
            "The access token is invalid.".to_string(),
        ),
        TokenProblem::BadSignature => (
            "InvalidAuthenticationToken",
            "The access token signature is invalid.".to_string(),
        ),
        TokenProblem::Expired { exp, now } => {
            let f = |s: i64| {
                chrono::DateTime::from_timestamp(s, 0)
                    .map(|t| t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string())
                    .unwrap_or_default()
            };
            (
                "ExpiredAuthenticationToken",
                format!(
                    "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                    f(*exp),
                    f(*now)
                ),
            )
        }
        TokenProblem::NotYetValid => (
            "InvalidAuthenticationToken",
            "The access token is not yet valid.".to_string(),
        ),
        TokenProblem::WrongAudience(aud) => (
            "InvalidAuthenticationToken",
            format!(
                "The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with one of the allowed audiences '{}'.",
                auth::accepted_audiences(&app.endpoint).join("','")
            ),
        ),
        TokenProblem::WrongIssuer(iss) => (
            "InvalidAuthenticationTokenTenant",
            format!(
                "The access token is from the wrong issuer '{iss}'. It must match the tenant '{}' associated with this subscription. Please use the authority (URL) '{}/{}' to get the token.",
                auth::issuer(&app.seed.tenant_id),
                app.endpoint,
                app.seed.tenant_id
            ),
        ),
        TokenProblem::UnknownPrincipal(oid) => (
            "InvalidAuthenticationToken",
            format!(
                "The access token is invalid: the principal '{oid}' does not exist in the tenant '{}'.",
                app.seed.tenant_id
            ),
        ),
    };
    let description = match problem {
        TokenProblem::Missing => {
            "The authentication failed because of missing 'Authorization' header."
        }
        TokenProblem::BadHeaderFormat => {
            "The authentication failed because of invalid 'Authorization' header."
        }
        _ => "The access token is invalid.",
    };
    ArmError::unauthorized(code, message).with_header(
        "WWW-Authenticate",
        format!(
            "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"{description}\"",
            app.endpoint, app.seed.tenant_id
        ),
    )
}

/// Verifies the bearer token and returns the calling principal.
fn authenticate(app: &App, headers: &HeaderMap) -> Result<Principal, ArmError> {
    let claims = auth::verify_bearer(
        &app.keys,
        http::header_str(headers, "authorization"),
        &app.endpoint,
        &app.seed.tenant_id,
    )
    .map_err(|p| auth_error(app, p))?;
    app.store
        .tx(|t| t.principal(&claims.object_id))?
        .ok_or_else(|| auth_error(app, TokenProblem::UnknownPrincipal(claims.object_id)))
}

/// The routes of the emulated ARM.
#[derive(Debug, PartialEq)]
enum Target {
    Subscriptions,
    Tenants,
    ProviderOperations {
        ns: String,
    },
    Subscription {
        sub: String,
    },
    Providers {
        sub: String,
    },
    Provider {
        sub: String,
        ns: String,
        register: bool,
    },
    ResourceGroups {
        sub: String,
    },
    ResourceGroup {
        sub: String,
        rg: String,
    },
    OperationResult {
        sub: String,
        id: String,
    },
    ComputeOperation {
        sub: String,
        id: String,
    },
    List {
        sub: String,
        rg: Option<String>,
        ns: String,
        ty: String,
    },
    Resource {
        sub: String,
        rg: String,
        ns: String,
        ty: String,
        name: String,
        rest: Vec<String>,
    },
    RoleAssignments {
        scope: Vec<String>,
        name: Option<String>,
    },
    RoleDefinitions {
        scope: Vec<String>,
        id: Option<String>,
    },
    Unknown {
        sub: Option<String>,
        ty: String,
    },
}

fn parse_target(segs: &[String]) -> Target {
    let l: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let s = |i: usize| segs[i].clone();
    // `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]`.
    let authz = (0..l.len()).find(|&i| {
        l[i] == "providers"
            && l.get(i + 1) == Some(&"microsoft.authorization")
            && matches!(
                l.get(i + 2),
                Some(&"roleassignments") | Some(&"roledefinitions")
            )
            && l.len() <= i + 4
            && (i == 0 || l[0] == "subscriptions")
    });
    if let Some(i) = authz {
        let scope = segs[..i].to_vec();
        let name = segs.get(i + 3).cloned();
        return if l[i + 2] == "roleassignments" {
            Target::RoleAssignments { scope, name }
        } else {
            Target::RoleDefinitions { scope, id: name }
        };
    }
    match l.as_slice() {
        ["subscriptions"] => Target::Subscriptions,
        ["tenants"] => Target::Tenants,
        ["providers", _, "operations"] => Target::ProviderOperations { ns: s(1) },
        ["subscriptions", _] => Target::Subscription { sub: s(1) },
        ["subscriptions", _, "providers"] => Target::Providers { sub: s(1) },
        ["subscriptions", _, "providers", _] => Target::Provider {
            sub: s(1),
            ns: s(3),
            register: false,
        },
        ["subscriptions", _, "providers", _, "register"] => Target::Provider {
            sub: s(1),
            ns: s(3),
            register: true,
        },
        [
            "subscriptions",
            _,
            "providers",
            "microsoft.compute",
            "locations",
            _,
            "operations",
            _,
        ] => Target::ComputeOperation {
            sub: s(1),
            id: s(7),
        },
        ["subscriptions", _, "providers", _, _] => Target::List {
            sub: s(1),
            rg: None,
            ns: s(3),
            ty: s(4),
        },
        ["subscriptions", _, "resourcegroups"] => Target::ResourceGroups { sub: s(1) },
        ["subscriptions", _, "resourcegroups", _] => Target::ResourceGroup {
            sub: s(1),
            rg: s(3),
        },
        ["subscriptions", _, "operationresults", _] => Target::OperationResult {
            sub: s(1),
            id: s(3),
        },
        ["subscriptions", _, "resourcegroups", _, "providers", _, _] => Target::List {
            sub: s(1),
            rg: Some(s(3)),
            ns: s(5),
            ty: s(6),
        },
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            _,
            _,
            _,
            ..,
        ] => Target::Resource {
            sub: s(1),
            rg: s(3),
            ns: s(5),
            ty: s(6),
            name: s(7),
            rest: segs[8..].to_vec(),
        },
        ["subscriptions", _, "resourcegroups", _, rest @ ..] => Target::Unknown {
            sub: Some(s(1)),
            ty: rest.first().map(|_| s(4)).unwrap_or_default(),
        },
        ["subscriptions", _, ..] => Target::Unknown {
            sub: Some(s(1)),
            ty: s(2),
        },
        _ => Target::Unknown {
            sub: None,
            ty: segs.first().cloned().unwrap_or_default(),
        },
    }
}

/// Which emulated service owns a namespace/type pair.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Service {
    Compute(compute::ComputeKind),
    Msi,
}

fn provider_of(ns: &str) -> Option<Provider> {
    match ns.to_ascii_lowercase().as_str() {
        "microsoft.compute" => Some(Provider::Compute),
        "microsoft.managedidentity" => Some(Provider::ManagedIdentity),
        "microsoft.resources" => Some(Provider::Resources),
        "microsoft.authorization" => Some(Provider::Authorization),
        _ => None,
    }
}

fn service_of(
    ns: &str,
    ty: &str,
    api: &str,
    location: &dyn Fn() -> String,
) -> Result<Service, ArmError> {
    let provider = provider_of(ns).ok_or_else(|| {
        ArmError::no_registered_provider(
            StatusCode::NOT_FOUND,
            &location(),
            api,
            ty,
            "",
            api_version::LOCATIONS,
        )
    })?;
    let service = match provider {
        Provider::Compute => compute::ComputeKind::from_type(ty).map(Service::Compute),
        Provider::ManagedIdentity => ty
            .eq_ignore_ascii_case("userAssignedIdentities")
            .then_some(Service::Msi),
        Provider::Resources | Provider::Authorization => None,
    };
    let service = service.ok_or_else(|| ArmError::invalid_resource_type(ty, ns, api))?;
    let provider = match service {
        Service::Compute(_) => Provider::Compute,
        Service::Msi => Provider::ManagedIdentity,
    };
    // The location only matters for the error message: look it up only then.
    if api_version::check(provider, api, ty, "").is_err() {
        api_version::check(provider, api, ty, &location())?;
    }
    Ok(service)
}

/// The location an api-version error names: the body's, else the resource group's.
fn error_location(app: &App, body: &[u8], sub: &str, rg: Option<&str>) -> String {
    if let Some(loc) = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        v.get("location")
            .and_then(Value::as_str)
            .map(util::normalize_location)
    }) {
        return loc;
    }
    rg.and_then(|rg| {
        app.store
            .tx(|t| resources::load_rg(t, sub, rg))
            .ok()
            .flatten()
            .map(|d| d.location)
    })
    .unwrap_or_else(|| "global".to_string())
}

fn check_subscription(app: &App, sub: &str) -> Result<(), ArmError> {
    if sub.eq_ignore_ascii_case(&app.seed.subscription_id) {
        Ok(())
    } else {
        Err(ArmError::subscription_not_found(sub))
    }
}

/// Handles one ARM request.
pub fn handle(app: &App, parts: &Parts, body: Bytes) -> Response {
    let method = parts.method.as_str().to_string();
    let head = parts.method == Method::HEAD;
    let result = route(app, parts, body);
    let mut response = match result {
        Ok(r) => {
            let status = if head && r.status == StatusCode::OK {
                StatusCode::NO_CONTENT
            } else {
                r.status
            };
            let mut resp = match (&r.body, head) {
                (Some(b), false) => http::json(status, b),
                _ => http::empty(status),
            };
            for (k, v) in &r.headers {
                http::set(resp.headers_mut(), k, v);
            }
            resp
        }
        Err(e) => {
            let mut resp = if head {
                http::empty(e.status)
            } else {
                http::json(e.status, &e.body())
            };
            for (k, v) in &e.headers {
                http::set(resp.headers_mut(), k, v);
            }
            if e.status == StatusCode::METHOD_NOT_ALLOWED && !resp.headers().contains_key("allow") {
                http::set(resp.headers_mut(), "allow", "GET, PUT, PATCH, DELETE, HEAD");
            }
            resp
        }
    };
    add_common_headers(response.headers_mut(), &parts.headers, &method);
    response
}

fn route(app: &App, parts: &Parts, body: Bytes) -> Result<ArmResponse, ArmError> {
    let caller = authenticate(app, &parts.headers)?;
    let query = http::query_pairs(parts.uri.query());
    let api = http::query_get(&query, "api-version")
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_string())
        .ok_or_else(ArmError::missing_api_version)?;
    let raw_path = parts.uri.path();
    let segs: Vec<String> = raw_path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let target = parse_target(&segs);
    let method = if parts.method == Method::HEAD {
        Method::GET
    } else {
        parts.method.clone()
    };
    let scope = if segs.is_empty() {
        "/".to_string()
    } else {
        format!("/{}", segs.join("/"))
    };
    let ctx = Ctx {
        app,
        method,
        raw_path,
        raw_query: parts.uri.query(),
        query,
        headers: &parts.headers,
        body,
        api_version: api,
        caller,
        scope,
    };
    let api = ctx.api_version.as_str();
    let resources_version = |ty: &str| api_version::check(Provider::Resources, api, ty, "global");
    let verb = verb_of(&ctx.method);

    match target {
        Target::Subscriptions => {
            resources_version("subscriptions")?;
            resources::list_subscriptions(&ctx)
        }
        Target::Tenants => {
            resources_version("tenants")?;
            resources::list_tenants(&ctx)
        }
        Target::ProviderOperations { ns } => {
            let provider = provider_of(&ns)
                .ok_or_else(|| ArmError::invalid_resource_type("operations", &ns, api))?;
            api_version::check(provider, api, "operations", "global")?;
            resources::provider_operations(&ctx, provider)
        }
        Target::Subscription { sub } => {
            resources_version("subscriptions")?;
            check_subscription(app, &sub)?;
            ctx.authorize_visible(&sub, "Microsoft.Resources/subscriptions/read")?;
            resources::get_subscription(&ctx)
        }
        Target::Providers { sub } => {
            resources_version("providers")?;
            check_subscription(app, &sub)?;
            ctx.authorize_visible(&sub, "Microsoft.Resources/subscriptions/providers/read")?;
            resources::list_providers(&ctx)
        }
        Target::Provider { sub, ns, register } => {
            resources_version("providers")?;
            check_subscription(app, &sub)?;
            if register {
                ctx.authorize_at(
                    &format!("{ns}/register/action"),
                    &format!("/subscriptions/{sub}"),
                    &format!("/subscriptions/{sub}"),
                )?;
            } else {
                ctx.authorize_visible(&sub, "Microsoft.Resources/subscriptions/providers/read")?;
            }
            resources::provider(&ctx, &ns, register)
        }
        Target::ResourceGroups { sub } => {
            resources_version("resourceGroups")?;
            check_subscription(app, &sub)?;
            resources::list_groups(&ctx)
        }
        Target::ResourceGroup { sub, rg } => {
            resources_version("resourceGroups")?;
            check_subscription(app, &sub)?;
            ctx.authorize(&format!(
                "Microsoft.Resources/subscriptions/resourceGroups/{verb}"
            ))?;
            resources::group(&ctx, &rg)
        }
        Target::OperationResult { sub, id } => {
            resources_version("operationresults")?;
            check_subscription(app, &sub)?;
            ctx.authorize_operation(
                &id,
                "Microsoft.Resources/subscriptions/operationresults/read",
            )?;
            lro::operation_result(&ctx, &id)
        }
        Target::ComputeOperation { sub, id } => {
            api_version::check(Provider::Compute, api, "locations/operations", "global")?;
            check_subscription(app, &sub)?;
            if ctx.method != Method::GET {
                return Err(ArmError::method_not_allowed(ctx.method.as_str()));
            }
            ctx.authorize_operation(&id, "Microsoft.Compute/locations/operations/read")?;
            lro::compute_status(&ctx, &id)
        }
        Target::List { sub, rg, ns, ty } => {
            let location = || error_location(app, &ctx.body, &sub, rg.as_deref());
            let service = service_of(&ns, &ty, api, &location)?;
            check_subscription(app, &sub)?;
            if ctx.method != Method::GET {
                return Err(ArmError::method_not_allowed(ctx.method.as_str()));
            }
            // Read at the list's scope lists everything; grants below it list what they cover.
            let action = format!("{}/read", service.full_type());
            let filter = match ctx.authorize(&action) {
                Ok(()) => None,
                Err(e) => {
                    let container = match &rg {
                        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                        None => format!("/subscriptions/{sub}"),
                    };
                    let below = ctx.app.store.tx(|tx| {
                        rbac::has_access_below(
                            tx,
                            &ctx.caller.object_id,
                            &rbac::scope_key(&container),
                        )
                    })?;
                    if !below {
                        return Err(e);
                    }
                    Some(action.as_str())
                }
            };
            match service {
                Service::Compute(kind) => compute::list(&ctx, kind, rg.as_deref(), filter),
                Service::Msi => msi::list(&ctx, rg.as_deref(), filter),
            }
        }
        Target::Resource {
            sub,
            rg,
            ns,
            ty,
            name,
            rest,
        } => {
            let location = || error_location(app, &ctx.body, &sub, Some(&rg));
            let service = service_of(&ns, &ty, api, &location)?;
            check_subscription(app, &sub)?;
            if let Some(action) = resource_action(service, &rest, verb) {
                ctx.authorize(&action)?;
            }
            match service {
                Service::Compute(kind) => compute::handle(&ctx, kind, &rg, &name, &rest),
                Service::Msi => msi::handle(&ctx, &rg, &name, &rest),
            }
        }
        Target::RoleAssignments { scope, name } => {
            api_version::check(Provider::Authorization, api, "roleAssignments", "global")?;
            if let Some(sub) = roles_subscription(&scope) {
                check_subscription(app, sub)?;
            }
            ctx.authorize(&format!("Microsoft.Authorization/roleAssignments/{verb}"))?;
            roles::assignments(&ctx, &scope, name.as_deref())
        }
        Target::RoleDefinitions { scope, id } => {
            api_version::check(Provider::Authorization, api, "roleDefinitions", "global")?;
            if let Some(sub) = roles_subscription(&scope) {
                check_subscription(app, sub)?;
            }
            // Built-in definitions are readable by anyone at the root.
            if !scope.is_empty() {
                ctx.authorize(&format!("Microsoft.Authorization/roleDefinitions/{verb}"))?;
            }
            roles::definitions(&ctx, &scope, id.as_deref())
        }
        Target::Unknown { sub, ty } => {
            if let Some(sub) = &sub {
                check_subscription(app, sub)?;
            }
            Err(ArmError::invalid_resource_type(
                &ty,
                "Microsoft.Resources",
                api,
            ))
        }
    }
}

fn roles_subscription(scope: &[String]) -> Option<&str> {
    match scope {
        [s, sub, ..] if s.eq_ignore_ascii_case("subscriptions") => Some(sub.as_str()),
        _ => None,
    }
}

/// `read`, `write`, `delete` or `action` (POST) for a method.
fn verb_of(method: &Method) -> &'static str {
    match *method {
        Method::GET | Method::HEAD => "read",
        Method::PUT | Method::PATCH => "write",
        Method::DELETE => "delete",
        _ => "action",
    }
}

impl Service {
    /// `Microsoft.Compute/virtualMachines`, ...
    fn full_type(self) -> String {
        match self {
            Service::Compute(kind) => kind.full_type(),
            Service::Msi => "Microsoft.ManagedIdentity/userAssignedIdentities".to_string(),
        }
    }
}

/// The action a request on a resource (or one of its sub-resources, `rest`) needs.
fn resource_action(service: Service, rest: &[String], verb: &str) -> Option<String> {
    let l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let ty = service.full_type();
    Some(match (service, l.as_slice()) {
        (_, []) => format!("{ty}/{verb}"),
        (Service::Compute(_), ["extensions"] | ["extensions", _]) => {
            format!("{ty}/extensions/{verb}")
        }
        (Service::Compute(compute::ComputeKind::Vmss), ["manualupgrade"]) => {
            "Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action".to_string()
        }
        (Service::Compute(compute::ComputeKind::Vmss), ["virtualmachines"]) => {
            "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read".to_string()
        }
        (Service::Compute(_), ["instanceview"]) => format!("{ty}/instanceView/read"),
        (
            Service::Compute(_),
            [
                "providers",
                "microsoft.managedidentity",
                "identities",
                "default",
            ],
        ) => "Microsoft.ManagedIdentity/identities/read".to_string(),
        (Service::Msi, ["listassociatedresources"]) => {
            format!("{ty}/listAssociatedResources/action")
        }
        _ => return None,
    })
}

/// Forgets the principals of deleted resources (system-assigned and user-assigned identities).
pub fn forget_principals(tx: &Tx<'_>, rows: &[Row]) -> Result<(), ArmError> {
    for row in rows {
        compute::forget_principal(tx, row)?;
        msi::forget_principal(tx, row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(path: &str) -> Target {
        let segs: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(str::to_string)
            .collect();
        parse_target(&segs)
    }

    #[test]
    fn routes_match_case_insensitively() {
        assert_eq!(
            t("/subscriptions/S/ResourceGroups/RG/providers/microsoft.compute/VIRTUALMACHINES/vm1"),
            Target::Resource {
                sub: "S".into(),
                rg: "RG".into(),
                ns: "microsoft.compute".into(),
                ty: "VIRTUALMACHINES".into(),
                name: "vm1".into(),
                rest: vec![],
            }
        );
        assert_eq!(
            t("/subscriptions/S/providers/Microsoft.Compute/locations/westus/operations/abc"),
            Target::ComputeOperation {
                sub: "S".into(),
                id: "abc".into()
            }
        );
        assert_eq!(
            t("/subscriptions/S/resourcegroups/rg"),
            Target::ResourceGroup {
                sub: "S".into(),
                rg: "rg".into()
            }
        );
        assert!(matches!(
            t("/subscriptions/S/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm/extensions/e"),
            Target::Resource { rest, .. } if rest == vec!["extensions".to_string(), "e".to_string()]
        ));
    }
}
