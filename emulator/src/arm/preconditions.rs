//! Etags and the `If-Match` / `If-None-Match` preconditions of writes.

use super::ctx::Ctx;
use crate::catalog::errors::ArmError;

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
