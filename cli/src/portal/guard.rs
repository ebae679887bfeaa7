//! Who may drive the portal. The page reaches ARM (possibly real Azure) with the user's credentials, so other
//! local pages and programs must not: every request must carry this run's random token (given once in the
//! printed URL, then kept in an HttpOnly, SameSite=Strict cookie), name this server in `Host` (no DNS
//! rebinding), and every state-changing request must come from this page's own origin (no CSRF). Every answer
//! forbids framing and foreign scripts.

use crate::portal::state::{ApiError, Shared};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use msi_identity::{Error, ErrorKind};

/// The cookie holding the token; one per port, so two runs on one host do not overwrite each other's.
pub fn cookie_name(hosts: &[String]) -> String {
    let port = hosts
        .first()
        .and_then(|h| h.rsplit(':').next())
        .unwrap_or("0");
    format!("msi_portal_{port}")
}

/// Compare without an early exit, so the time taken tells nothing about the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

fn refuse(code: &str, message: String) -> Response {
    ApiError(Error::new(ErrorKind::Authorization, message).with_code(code)).into_response()
}

/// Headers on every answer: no framing, only this server's scripts and styles, no caching, no referrer.
fn harden(mut r: Response) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    set(
        h,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    r
}

/// The middleware: Host, then Origin on writes, then the token.
pub async fn guard(State(s): State<Shared>, req: Request, next: Next) -> Response {
    harden(check(&s, req, next).await)
}

async fn check(s: &Shared, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !s.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return refuse(
            "PortalHostRefused",
            format!(
                "this server answers only to {}; Host '{host}' is refused",
                s.hosts.join(", ")
            ),
        );
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if !safe {
        let own = format!("http://{host}");
        let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
        if !origin.is_some_and(|o| o.eq_ignore_ascii_case(&own)) {
            return refuse(
                "PortalOriginRefused",
                format!(
                    "a {} must come from the portal page itself ({own}); Origin {} is refused",
                    req.method(),
                    origin.map_or("(none)".to_string(), |o| format!("'{o}'"))
                ),
            );
        }
        let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if site.is_some_and(|v| v != "same-origin") {
            return refuse(
                "PortalOriginRefused",
                format!(
                    "a {} must come from the portal page itself; Sec-Fetch-Site '{}' is refused",
                    req.method(),
                    site.unwrap_or_default()
                ),
            );
        }
    }
    let name = cookie_name(&s.hosts);
    if cookie(headers, &name).is_some_and(|t| same(t, &s.token)) {
        return next.run(req).await;
    }
    if req.method() == Method::GET
        && req.uri().path() == "/"
        && query_token(req.uri().query()).is_some_and(|t| same(t, &s.token))
    {
        // Keep the token in a cookie and out of the address bar and the history.
        let cookie = format!("{name}={}; Path=/; HttpOnly; SameSite=Strict", s.token);
        let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        return r;
    }
    refuse(
        "PortalTokenMissing",
        "this page needs the token of this run: open the URL that `msi portal` printed".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }

    #[test]
    fn cookies_and_queries() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; msi_portal_80=tok; b=2"),
        );
        assert_eq!(cookie(&h, "msi_portal_80"), Some("tok"));
        assert_eq!(cookie(&h, "msi_portal_81"), None);
        assert_eq!(query_token(Some("x=1&token=t")), Some("t"));
        assert_eq!(query_token(Some("tokens=t")), None);
        assert_eq!(query_token(None), None);
        assert_eq!(cookie_name(&["127.0.0.1:8080".into()]), "msi_portal_8080");
    }
}
