//! Entra ID for the seeded service principal: the v2 (and v1) token endpoint, OpenID discovery,
//! JWKS, instance discovery, and the ARM cloud metadata document `az cloud register` reads.

use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::auth::{self, ClientAuth};
use crate::http;
use crate::state::shared::Shared;
use crate::store::Principal;
use crate::util::{self, constant_time_eq};

/// Scopes that are not resources (ignored in client-credentials requests).
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

#[derive(Debug)]
struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    description: String,
}

impl EntraError {
    fn new(
        status: StatusCode,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> Self {
        EntraError {
            status,
            error,
            code,
            description: description.into(),
        }
    }

    fn missing(param: &str) -> Self {
        EntraError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{param}'."),
        )
    }

    fn into_response(self, shared: &Shared, correlation: &str) -> Response {
        let trace = util::new_guid();
        let ts = util::aad_time();
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}",
            self.code, self.description
        );
        let mut r = http::json(
            self.status,
            &json!({
                "error": self.error,
                "error_description": description,
                "error_codes": [self.code],
                "timestamp": ts,
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": format!("{}/error?code={}", shared.endpoint, self.code),
            }),
        );
        http::set(r.headers_mut(), "x-ms-request-id", &trace);
        r
    }
}

fn not_found(path: &str) -> Response {
    http::json(
        StatusCode::NOT_FOUND,
        &json!({"error": {"code": "NotFound",
            "message": format!("The emulator does not serve '{path}'.")}}),
    )
}

fn with_request_id(mut r: Response, correlation: &str) -> Response {
    http::set(r.headers_mut(), "x-ms-request-id", &util::new_guid());
    http::set(r.headers_mut(), "client-request-id", correlation);
    r
}

/// Everything that is not ARM, metadata or a test hook.
pub fn handle(shared: &Shared, parts: &Parts, body: &[u8]) -> Response {
    let path = parts.uri.path();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let correlation = http::header_str(&parts.headers, "client-request-id")
        .map(str::to_string)
        .unwrap_or_else(util::new_guid);
    let tenant_ok = |t: &str| {
        t.eq_ignore_ascii_case(&shared.seed.tenant_id)
            || ["common", "organizations"].contains(&t.to_ascii_lowercase().as_str())
    };
    if segs.is_empty() || !tenant_ok(segs[0]) {
        if segs.len() >= 2 {
            return EntraError::new(
                StatusCode::BAD_REQUEST,
                "invalid_tenant",
                90002,
                format!(
                    "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                    segs[0]
                ),
            )
            .into_response(shared, &correlation);
        }
        return not_found(path);
    }
    let tenant = &shared.seed.tenant_id;
    let ep = &shared.endpoint;
    let resp = match &l[1..] {
        ["oauth2", "v2.0", "token"] | ["oauth2", "token"] => {
            let v1 = l.len() == 3;
            if parts.method != Method::POST {
                return EntraError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900561,
                    "The endpoint only accepts POST requests. Received a GET request.",
                )
                .into_response(shared, &correlation);
            }
            if !segs[0].eq_ignore_ascii_case(tenant) {
                return EntraError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900023,
                    format!(
                        "Specified tenant identifier '{}' cannot be used with the client credentials flow. Use the tenant id.",
                        segs[0]
                    ),
                )
                .into_response(shared, &correlation);
            }
            match token(shared, parts, body, v1) {
                Ok(r) => r,
                Err(e) => return e.into_response(shared, &correlation),
            }
        }
        ["v2.0", ".well-known", "openid-configuration"] => {
            http::json(StatusCode::OK, &openid_configuration(ep, tenant, true))
        }
        [".well-known", "openid-configuration"] => {
            http::json(StatusCode::OK, &openid_configuration(ep, tenant, false))
        }
        ["discovery", "v2.0", "keys"] | ["discovery", "keys"] => http::json(
            StatusCode::OK,
            &shared.keys.jwks(&format!("{ep}/{tenant}/v2.0")),
        ),
        ["discovery", "instance"] => {
            let host = ep.trim_start_matches("https://");
            http::json(
                StatusCode::OK,
                &json!({
                    "tenant_discovery_endpoint": format!("{ep}/{tenant}/v2.0/.well-known/openid-configuration"),
                    "api-version": "1.1",
                    "metadata": [{"preferred_network": host, "preferred_cache": host,
                        "aliases": [host, host.replace("127.0.0.1", "localhost")]}],
                }),
            )
        }
        _ => return not_found(path),
    };
    with_request_id(resp, &correlation)
}

fn openid_configuration(ep: &str, tenant: &str, v2: bool) -> Value {
    let (base, issuer, keys) = if v2 {
        (
            format!("{ep}/{tenant}/oauth2/v2.0"),
            format!("{ep}/{tenant}/v2.0"),
            format!("{ep}/{tenant}/discovery/v2.0/keys"),
        )
    } else {
        (
            format!("{ep}/{tenant}/oauth2"),
            auth::issuer(tenant),
            format!("{ep}/{tenant}/discovery/keys"),
        )
    };
    let host = ep.trim_start_matches("https://");
    json!({
        "token_endpoint": format!("{base}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": keys,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/authorize"),
        "device_authorization_endpoint": format!("{base}/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid", "appid", "idtyp", "ver"],
        "tenant_region_scope": null,
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "rbac_url": ep,
    })
}

/// `POST /{tenant}/oauth2/v2.0/token` (scope) and `/{tenant}/oauth2/token` (v1, resource).
fn token(shared: &Shared, parts: &Parts, body: &[u8], v1: bool) -> Result<Response, EntraError> {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let grant = get("grant_type").ok_or_else(|| EntraError::missing("grant_type"))?;
    if grant != "client_credentials" {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!(
                "The app requested an unsupported grant type '{grant}'. The emulator supports 'client_credentials'."
            ),
        ));
    }

    // client_secret_post or client_secret_basic.
    let mut client_id = get("client_id").map(str::to_string);
    let mut secret = get("client_secret").map(str::to_string);
    let basic = http::header_str(&parts.headers, "authorization")
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if let Some((id, s)) = basic.as_deref().and_then(|t| t.split_once(':')) {
        let dec = |x: &str| {
            percent_encoding::percent_decode_str(x)
                .decode_utf8_lossy()
                .into_owned()
        };
        client_id.get_or_insert(dec(id));
        secret.get_or_insert(dec(s));
    }
    let client_id = client_id.ok_or_else(|| EntraError::missing("client_id"))?;

    let audience = if v1 {
        get("resource")
            .ok_or_else(|| EntraError::missing("resource"))?
            .to_string()
    } else {
        scope_to_audience(get("scope").ok_or_else(|| EntraError::missing("scope"))?)?
    };

    let principal: Option<Principal> = shared
        .store
        .tx(|t| t.principal_by_client_id(&client_id))
        .ok()
        .flatten()
        .filter(|p| p.kind == "ServicePrincipal");
    let Some(principal) = principal else {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                shared.seed.tenant_id
            ),
        ));
    };
    let Some(secret) = secret else {
        return Err(EntraError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    if !constant_time_eq(
        secret.as_bytes(),
        shared.seed.admin_client_secret.as_bytes(),
    ) || principal.object_id != shared.seed.admin_object_id
    {
        return Err(EntraError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        ));
    }

    let issued = auth::issue(
        &shared.keys,
        &shared.seed.tenant_id,
        &principal,
        &audience,
        ClientAuth::Secret,
        auth::TOKEN_LIFETIME_SECS,
    );
    let body = if v1 {
        json!({
            "token_type": "Bearer",
            "expires_in": issued.expires_in.to_string(),
            "ext_expires_in": issued.expires_in.to_string(),
            "expires_on": issued.expires_on.to_string(),
            "not_before": issued.not_before.to_string(),
            "resource": audience,
            "access_token": issued.access_token,
        })
    } else {
        json!({
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "ext_expires_in": issued.expires_in,
            "access_token": issued.access_token,
        })
    };
    let mut r = http::json(StatusCode::OK, &body);
    http::set(r.headers_mut(), "cache-control", "no-store, no-cache");
    http::set(r.headers_mut(), "pragma", "no-cache");
    Ok(r)
}

/// `https://management.azure.com/.default` -> `https://management.azure.com`.
fn scope_to_audience(scope: &str) -> Result<String, EntraError> {
    let resources: Vec<&str> = scope
        .split_whitespace()
        .filter(|s| !OIDC_SCOPES.contains(&s.to_ascii_lowercase().as_str()))
        .collect();
    match resources.as_slice() {
        [] => Err(EntraError::missing("scope")),
        [one] => one
            .strip_suffix("/.default")
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                EntraError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    1002012,
                    format!("The provided value for scope {one} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
                )
            }),
        _ => Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            28000,
            "Provided value for the input parameter scope is not valid because it contains more than one resource.",
        )),
    }
}

/// `GET /metadata/endpoints?api-version=...`: one cloud object pointing at the emulator.
pub fn metadata(shared: &Shared, parts: &Parts) -> Response {
    let segs: Vec<String> = parts
        .uri
        .path()
        .trim_matches('/')
        .split('/')
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if segs != ["metadata", "endpoints"] || parts.method != Method::GET {
        return not_found(parts.uri.path());
    }
    let ep = format!("{}/", shared.endpoint);
    let body = json!({
        "galleryEndpoint": ep,
        "graphEndpoint": ep,
        "graph": ep,
        "portalEndpoint": ep,
        "portal": ep,
        "graphAudience": "https://graph.windows.net/",
        "authentication": {
            "loginEndpoint": ep,
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": ep,
        "resourceManager": ep,
        "sqlManagement": ep,
        // az calls Microsoft Graph below this resource id and asks for tokens for it.
        "microsoftGraphResourceId": ep,
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
        "batch": "https://batch.core.windows.net/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
        "name": "MsiEmulator",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
    });
    let correlation = util::new_guid();
    with_request_id(http::json(StatusCode::OK, &body), &correlation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_audiences() {
        assert_eq!(
            scope_to_audience("https://management.azure.com/.default").unwrap(),
            "https://management.azure.com"
        );
        assert_eq!(
            scope_to_audience(
                "https://management.core.windows.net//.default openid offline_access"
            )
            .unwrap(),
            "https://management.core.windows.net/"
        );
        assert_eq!(
            scope_to_audience("https://management.azure.com/user_impersonation")
                .err()
                .map(|e| e.error),
            Some("invalid_scope")
        );
        assert_eq!(
            scope_to_audience("a/.default b/.default")
                .err()
                .map(|e| e.code),
            Some(28000)
        );
    }
}
