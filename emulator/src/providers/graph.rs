//! The Microsoft Graph subset that az, azure-identity and the Az module use for principals, served
//! under `/v1.0/` on the HTTPS listener: `servicePrincipals/{id}`, `servicePrincipals(appId='..')`,
//! `servicePrincipals?$filter=..` (`appId eq`, `id eq`, `displayName eq`,
//! `servicePrincipalNames/any(c:c eq ..)`, `startswith(displayName,..)`), `directoryObjects/{id}`
//! and `POST directoryObjects/getByIds`. The principals are the seeded admin service principal and
//! every system- and user-assigned identity. Errors use Graph's own envelope
//! (`{"error":{"code","message","innerError":{..}}}`); tokens need a Graph audience.

use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth::{self, TokenProblem};
use crate::state::shared::Shared;
use crate::store::Principal;
use crate::{http, util};

const ODATA: &str = "https://graph.microsoft.com/v1.0/$metadata";

#[derive(Debug)]
struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn err(status: StatusCode, code: &'static str, message: impl Into<String>) -> GraphError {
    GraphError {
        status,
        code,
        message: message.into(),
    }
}

fn not_found(id: &str) -> GraphError {
    err(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

fn unsupported(what: &str) -> GraphError {
    err(
        StatusCode::BAD_REQUEST,
        "Request_UnsupportedQuery",
        format!("Unsupported query: {what}"),
    )
}

/// Answers a request below `/v1.0/`.
pub fn handle(shared: &Shared, parts: &Parts, body: &[u8]) -> Response {
    let request_id = util::new_guid();
    let client_request_id = http::header_str(&parts.headers, "client-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let (status, value) = match route(shared, parts, body) {
        Ok(v) => (StatusCode::OK, v),
        Err(e) => (
            e.status,
            json!({"error": {"code": e.code, "message": e.message, "innerError": {
                "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": request_id,
                "client-request-id": client_request_id,
            }}}),
        ),
    };
    let mut r = http::json(status, &value);
    http::set(r.headers_mut(), "request-id", &request_id);
    http::set(r.headers_mut(), "client-request-id", &client_request_id);
    http::set(r.headers_mut(), "OData-Version", "4.0");
    if status == StatusCode::UNAUTHORIZED {
        http::set(
            r.headers_mut(),
            "WWW-Authenticate",
            &format!(
                "Bearer realm=\"\", authorization_uri=\"{}/{}/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                shared.endpoint, shared.seed.tenant_id
            ),
        );
    }
    r
}

fn authenticate(shared: &Shared, parts: &Parts) -> Result<(), GraphError> {
    let claims = auth::verify_bearer_for(
        &shared.keys,
        http::header_str(&parts.headers, "authorization"),
        &auth::graph_audiences(&shared.endpoint),
        &shared.endpoint,
        &shared.seed.tenant_id,
    )
    .map_err(|p| {
        let message = match p {
            TokenProblem::Missing => "Access token is empty.".to_string(),
            TokenProblem::Expired { .. } => {
                "Lifetime validation failed, the token is expired.".into()
            }
            TokenProblem::WrongAudience(_) => {
                "Access token validation failure. Invalid audience.".into()
            }
            TokenProblem::WrongIssuer(_) => {
                "Access token validation failure. Invalid issuer.".into()
            }
            _ => "Access token validation failure.".into(),
        };
        err(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    })?;
    let known = shared
        .store
        .tx(|t| t.principal(&claims.object_id))
        .map_err(internal)?;
    match known {
        Some(_) => Ok(()),
        None => Err(err(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        )),
    }
}

fn internal(e: rusqlite::Error) -> GraphError {
    err(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UnknownError",
        format!("The emulator's database failed: {e}"),
    )
}

fn route(shared: &Shared, parts: &Parts, body: &[u8]) -> Result<Value, GraphError> {
    authenticate(shared, parts)?;
    let path = parts.uri.path();
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let query = http::query_pairs(parts.uri.query());
    let get = parts.method == Method::GET;
    let all = || shared.store.tx(|t| t.principals()).map_err(internal);
    match l.as_slice() {
        ["v1.0", "serviceprincipals"] if get => {
            let mut found = all()?;
            if let Some(f) = http::query_get(&query, "$filter") {
                let pred = parse_filter(f)?;
                found.retain(|p| pred.matches(p));
            }
            let value: Vec<Value> = found.iter().map(|p| sp(shared, p, false)).collect();
            Ok(json!({"@odata.context": format!("{ODATA}#servicePrincipals"), "value": value}))
        }
        ["v1.0", one] if get && one.starts_with("serviceprincipals(") => {
            let app_id = alternate_key(&segs[1]).ok_or_else(|| unsupported(&segs[1]))?;
            let p = all()?
                .into_iter()
                .find(|p| p.client_id.eq_ignore_ascii_case(&app_id))
                .ok_or_else(|| not_found(&app_id))?;
            Ok(entity(shared, &p, "servicePrincipals/$entity"))
        }
        ["v1.0", "serviceprincipals", _] | ["v1.0", "directoryobjects", _] if get => {
            let p = shared
                .store
                .tx(|t| t.principal(&segs[2]))
                .map_err(internal)?
                .ok_or_else(|| not_found(&segs[2]))?;
            let context = if l[1] == "serviceprincipals" {
                "servicePrincipals/$entity"
            } else {
                "directoryObjects/$entity"
            };
            Ok(entity(shared, &p, context))
        }
        ["v1.0", "directoryobjects", "getbyids"] if parts.method == Method::POST => {
            let req: Value = serde_json::from_slice(body).map_err(|_| {
                err(StatusCode::BAD_REQUEST, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
            })?;
            let ids: Vec<&str> = req
                .get("ids")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    err(
                        StatusCode::BAD_REQUEST,
                        "Request_BadRequest",
                        "Invalid value specified for property 'ids' of resource 'DirectoryObject'.",
                    )
                })?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if ids.len() > 1000 {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "Too many ids: at most 1000 may be given.",
                ));
            }
            let wants_sp = match req.get("types").and_then(Value::as_array) {
                None => true,
                Some(t) => t
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| t.eq_ignore_ascii_case("servicePrincipal")),
            };
            let mut value = Vec::new();
            if wants_sp {
                for id in ids {
                    if let Some(p) = shared.store.tx(|t| t.principal(id)).map_err(internal)? {
                        value.push(sp(shared, &p, true));
                    }
                }
            }
            Ok(json!({"@odata.context": format!("{ODATA}#directoryObjects"), "value": value}))
        }
        ["v1.0", ..] if !get && parts.method != Method::POST => Err(err(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            format!(
                "The request method '{}' is not supported by the emulator's Microsoft Graph.",
                parts.method
            ),
        )),
        _ => Err(err(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!(
                "Resource not found for the segment '{}'.",
                segs.get(1).map_or("", String::as_str)
            ),
        )),
    }
}

/// `servicePrincipals(appId='..')` -> the app id.
fn alternate_key(seg: &str) -> Option<String> {
    let inner = seg.split_once('(')?.1.strip_suffix(')')?;
    let (k, v) = inner.split_once('=')?;
    k.trim()
        .eq_ignore_ascii_case("appId")
        .then(|| v.trim().trim_matches('\'').to_string())
}

fn entity(shared: &Shared, p: &Principal, context: &str) -> Value {
    let mut v = sp(shared, p, context.starts_with("directoryObjects"));
    if let Some(o) = v.as_object_mut() {
        o.insert("@odata.context".into(), json!(format!("{ODATA}#{context}")));
    }
    v
}

/// The names a principal answers to in `servicePrincipalNames`.
fn names(p: &Principal) -> Vec<String> {
    let mut out = vec![p.client_id.clone()];
    if let Some(r) = &p.resource {
        out.push(format!(
            "https://identity.azure.net/{}",
            util::encode_component(r)
        ));
    }
    out
}

/// A principal as a Graph `servicePrincipal`.
fn sp(shared: &Shared, p: &Principal, typed: bool) -> Value {
    let managed = p.kind != "ServicePrincipal";
    let alternative: Vec<String> = match (&p.resource, p.kind.as_str()) {
        (Some(r), "UserAssigned") => vec!["isExplicit=True".into(), r.clone()],
        (Some(r), _) => vec!["isExplicit=False".into(), r.clone()],
        (None, _) => Vec::new(),
    };
    let mut v = json!({
        "id": p.object_id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": alternative,
        "appDisplayName": if managed { Value::Null } else { json!(p.display_name) },
        "appDescription": null,
        "appId": p.client_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": if managed { Value::Null } else { json!(shared.seed.tenant_id) },
        "appRoleAssignmentRequired": false,
        "description": null,
        "displayName": p.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "replyUrls": [],
        "servicePrincipalNames": names(p),
        "servicePrincipalType": if managed { "ManagedIdentity" } else { "Application" },
        "signInAudience": if managed { Value::Null } else { json!("AzureADMyOrg") },
        "tags": [],
        "appRoles": [],
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
    });
    if typed && let Some(o) = v.as_object_mut() {
        o.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.servicePrincipal"),
        );
    }
    v
}

/// A supported `$filter`.
#[derive(Debug, PartialEq)]
enum Filter {
    Eq(&'static str, String),
    Name(String),
    StartsWith(String),
}

impl Filter {
    fn matches(&self, p: &Principal) -> bool {
        match self {
            Filter::Eq("appId", v) => p.client_id.eq_ignore_ascii_case(v),
            Filter::Eq("id", v) => p.object_id.eq_ignore_ascii_case(v),
            Filter::Eq(_, v) => p.display_name == *v,
            Filter::Name(v) => names(p).iter().any(|n| n.eq_ignore_ascii_case(v)),
            Filter::StartsWith(v) => p
                .display_name
                .to_ascii_lowercase()
                .starts_with(&v.to_ascii_lowercase()),
        }
    }
}

/// An OData string literal (`'it''s'`), the whole of `s`.
fn literal(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

fn parse_filter(f: &str) -> Result<Filter, GraphError> {
    let bad = || unsupported(f);
    let t = f.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("serviceprincipalnames/any(") {
        // `servicePrincipalNames/any(c:c eq 'x')`
        let body = &t[t.len() - rest.len()..];
        let body = body.strip_suffix(')').ok_or_else(bad)?;
        let (var, cond) = body.split_once(':').ok_or_else(bad)?;
        let cond = cond.trim();
        let prefix = format!("{} eq ", var.trim());
        let (head, lit) = (cond.get(..prefix.len()), cond.get(prefix.len()..));
        match (head, lit) {
            (Some(h), Some(lit)) if h.eq_ignore_ascii_case(&prefix) => {
                return literal(lit).map(Filter::Name).ok_or_else(bad);
            }
            _ => return Err(bad()),
        }
    }
    if lower.starts_with("startswith(") {
        let body = t["startswith(".len()..].strip_suffix(')').ok_or_else(bad)?;
        let (field, lit) = body.split_once(',').ok_or_else(bad)?;
        if !field.trim().eq_ignore_ascii_case("displayName") {
            return Err(bad());
        }
        return literal(lit).map(Filter::StartsWith).ok_or_else(bad);
    }
    let mut parts = t.splitn(3, ' ');
    let (field, op, lit) = (
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
    );
    if !op.eq_ignore_ascii_case("eq") {
        return Err(bad());
    }
    let field = ["appId", "id", "displayName"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(field))
        .ok_or_else(bad)?;
    literal(lit).map(|v| Filter::Eq(field, v)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_az_and_the_sdks_send() {
        assert_eq!(
            parse_filter("servicePrincipalNames/any(c:c eq 'abc')").unwrap(),
            Filter::Name("abc".into())
        );
        assert_eq!(
            parse_filter("appId eq '1234'").unwrap(),
            Filter::Eq("appId", "1234".into())
        );
        assert_eq!(
            parse_filter("displayName eq 'it''s'").unwrap(),
            Filter::Eq("displayName", "it's".into())
        );
        assert_eq!(
            parse_filter("startswith(displayName,'vm')").unwrap(),
            Filter::StartsWith("vm".into())
        );
        for bad in [
            "appId ne 'x'",
            "foo eq 'x'",
            "appId eq x",
            "servicePrincipalNames/any(c:c eq 'x'",
            "",
            "'''",
            "appId eq 'a'b'",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
        assert_eq!(
            alternate_key("servicePrincipals(appId='abc')").as_deref(),
            Some("abc")
        );
        assert!(alternate_key("servicePrincipals(id='abc')").is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_filter_is_judged_without_panicking(f in "\\PC{0,40}") {
            let _ = parse_filter(&f);
            let _ = alternate_key(&f);
        }
    }
}
