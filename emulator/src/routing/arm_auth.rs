//! Authentication of ARM requests: the bearer token, and ARM's 401 answers when it does not verify.

use axum::http::HeaderMap;

use crate::auth::{self, TokenProblem};
use crate::catalog::errors::ArmError;
use crate::state::shared::Shared;
use crate::store::Principal;
use crate::{http, util};

fn auth_error(shared: &Shared, problem: TokenProblem) -> ArmError {
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
                auth::accepted_audiences(&shared.endpoint).join("','")
            ),
        ),
        TokenProblem::WrongIssuer(iss) => (
            "InvalidAuthenticationTokenTenant",
            format!(
                "The access token is from the wrong issuer '{iss}'. It must match the tenant '{}' associated with this subscription. Please use the authority (URL) '{}/{}' to get the token.",
                auth::issuer(&shared.seed.tenant_id),
                shared.endpoint,
                shared.seed.tenant_id
            ),
        ),
        TokenProblem::UnknownPrincipal(oid) => (
            "InvalidAuthenticationToken",
            format!(
                "The access token is invalid: the principal '{oid}' does not exist in the tenant '{}'.",
                shared.seed.tenant_id
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
            shared.endpoint, shared.seed.tenant_id
        ),
    )
}

/// Verifies the bearer token and returns the calling principal.
/// A token verified before (and not expired since) is not verified again (state::token_cache).
pub(super) fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Principal, ArmError> {
    let header = http::header_str(headers, "authorization");
    let token = auth::bearer_token(header).map_err(|p| auth_error(shared, p))?;
    let claims = match shared.tokens.verified(token, util::now_secs()) {
        Some(claims) => claims,
        None => {
            let claims = auth::verify_bearer(
                &shared.keys,
                header,
                &shared.endpoint,
                &shared.seed.tenant_id,
            )
            .map_err(|p| auth_error(shared, p))?;
            shared.tokens.remember_verified(token, &claims);
            claims
        }
    };
    match shared.access.get(&shared.store, &claims.object_id)? {
        Some(access) => Ok(access.principal.clone()),
        None => Err(auth_error(
            shared,
            TokenProblem::UnknownPrincipal(claims.object_id),
        )),
    }
}
