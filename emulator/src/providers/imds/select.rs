//! Which of a machine's identities a token request names (`client_id`, `object_id`, a resource id,
//! or none), and the token issued for it.

use crate::auth::{self, ClientAuth};
use crate::error::Error;
use crate::http;
use crate::state::machines::Machine;
use crate::state::shared::Shared;
use crate::store::{Principal, Tx};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Selector {
    Default,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

pub(super) enum Selected {
    Principal(Principal),
    NotFound,
    Ambiguous,
}

/// The selector of a request from its query; `Err` when more than one is given. `names` are the
/// client id, object id and resource id parameter names (aliases allowed).
pub(super) fn selector(
    query: &[(String, String)],
    names: [&[&str]; 3],
) -> Result<Selector, String> {
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
pub(super) fn select(
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

/// The token for `principal` and `resource`: the one issued before while it has more than five
/// minutes left, as IMDS caches them (state::token_cache), else a new one.
pub(super) fn issue(shared: &Shared, principal: &Principal, resource: &str) -> auth::IssuedToken {
    shared
        .tokens
        .issued_or(principal, resource, crate::util::now_secs(), || {
            auth::issue(
                &shared.keys,
                &shared.seed.tenant_id,
                principal,
                resource,
                ClientAuth::Certificate,
                auth::MI_TOKEN_LIFETIME_SECS,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let app_service: [&[&str]; 3] = [
            &["client_id"],
            &["principal_id", "object_id"],
            &["mi_res_id"],
        ];
        assert_eq!(
            selector(&q("object_id=o"), app_service),
            Ok(Selector::ObjectId("o".into()))
        );
    }
}
