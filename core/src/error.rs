//! The one error model: kind, HTTP status, service error code, message, request id.
//!
//! Every surface (CLI, Python, Node, C, PowerShell) renders these same fields. Messages never carry secrets:
//! nothing here is built from request headers or token bodies.

use std::fmt;

/// What went wrong, in the categories callers branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Client-side validation failed; nothing was sent.
    InvalidArgument,
    /// The service rejected the request as invalid (HTTP 400).
    BadRequest,
    /// HTTP 404.
    NotFound,
    /// HTTP 409 or 412: the resource exists, or changed under us.
    Conflict,
    /// HTTP 401, or a credential could not get a token.
    Authentication,
    /// HTTP 403 (`AuthorizationFailed`, `LinkedAuthorizationFailed`, ...).
    Authorization,
    /// A managed identity is not there: the identity asked for is not assigned to this resource (IMDS 400), or
    /// no managed-identity endpoint answers. The service's error code is kept.
    CredentialUnavailable,
    /// HTTP 429 after the retries ran out.
    Throttled,
    /// HTTP 5xx after the retries ran out, or an unexpected answer.
    Service,
    /// No connection could be made, or it broke.
    Connection,
    /// The request or a long-running operation took too long.
    Timeout,
}

impl ErrorKind {
    /// Every kind, in the order of the CLI's exit codes (2, 3, ...): the list the faces render, never copied.
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::InvalidArgument,
        ErrorKind::BadRequest,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Authentication,
        ErrorKind::Authorization,
        ErrorKind::Throttled,
        ErrorKind::Service,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::CredentialUnavailable,
    ];

    /// From its stable name (`not_found`), as [`ErrorKind::as_str`] writes it.
    pub fn parse(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Stable snake_case name used by every surface (`kind` field, Node `code`, CLI JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Authentication => "authentication",
            ErrorKind::Authorization => "authorization",
            ErrorKind::CredentialUnavailable => "credential_unavailable",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Service => "service",
            ErrorKind::Connection => "connection",
            ErrorKind::Timeout => "timeout",
        }
    }

    /// The kind for an HTTP error status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 | 405 | 411 | 413 | 414 | 415 | 422 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Authorization,
            404 | 410 => ErrorKind::NotFound,
            409 | 412 => ErrorKind::Conflict,
            408 => ErrorKind::Timeout,
            429 => ErrorKind::Throttled,
            _ => ErrorKind::Service,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from any operation of this crate.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    status: Option<u16>,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
    /// ARM `error.target` and the failed exchange, when known (boxed: most errors have none, and every
    /// `Result` of the crate stays small).
    exchange: Option<Box<Exchange>>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What a service error may carry beyond its code and message: ARM's `error.target`, the request that failed and
/// the headers of its answer.
#[derive(Debug, Default)]
struct Exchange {
    target: Option<String>,
    /// Method and URL (query values redacted as the logs show them).
    request: Option<(String, String)>,
    /// The response headers of [`RESPONSE_HEADERS_KEPT`] that the failed answer carried.
    response_headers: Vec<(String, String)>,
}

/// The response headers an error keeps (lower case): identifiers and retry hints only, never anything that can
/// carry a secret (no `set-cookie`, no `authorization`-like header).
pub const RESPONSE_HEADERS_KEPT: [&str; 7] = [
    "x-ms-request-id",
    "x-ms-correlation-request-id",
    "x-ms-client-request-id",
    "x-ms-routing-request-id",
    "x-ms-failure-cause",
    "retry-after",
    "content-type",
];

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            exchange: None,
            source: None,
        }
    }

    /// Client-side validation error: names what was wrong; nothing was sent.
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// An error answered by a service.
    pub fn from_service(
        status: u16,
        code: Option<String>,
        message: impl Into<String>,
        request_id: Option<String>,
    ) -> Error {
        Error {
            kind: ErrorKind::from_status(status),
            status: Some(status),
            code,
            message: message.into(),
            request_id,
            exchange: None,
            source: None,
        }
    }

    /// The request that failed: its method and URL (give the URL as the logs show it, query values redacted).
    pub fn with_request(mut self, method: impl Into<String>, url: impl Into<String>) -> Error {
        self.exchange.get_or_insert_default().request = Some((method.into(), url.into()));
        self
    }

    /// The headers of the failed answer; only those named in [`RESPONSE_HEADERS_KEPT`] are kept, names in lower
    /// case, in the order given.
    pub fn with_response_headers<'h>(
        mut self,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    ) -> Error {
        self.exchange.get_or_insert_default().response_headers = headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .filter(|(k, _)| RESPONSE_HEADERS_KEPT.contains(&k.as_str()))
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        self
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Error {
        self.code = Some(code.into());
        self
    }

    /// The same error with where it happened put before its message (`identities.yaml: targets[0]: ...`).
    pub fn in_context(mut self, context: impl std::fmt::Display) -> Error {
        self.message = format!("{context}: {}", self.message);
        self
    }

    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }

    pub fn with_target(mut self, target: Option<String>) -> Error {
        match (target, &mut self.exchange) {
            (None, None) => {}
            (target, x) => x.get_or_insert_default().target = target,
        }
        self
    }

    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// HTTP status, when a service answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// Service error code: ARM `error.code`, Entra/IMDS `error`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// ARM `error.target`, when given.
    pub fn target(&self) -> Option<&str> {
        self.exchange.as_ref()?.target.as_deref()
    }
    /// `x-ms-request-id` of the failed response.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// HTTP method of the request that failed, when known.
    pub fn request_method(&self) -> Option<&str> {
        self.exchange
            .as_ref()?
            .request
            .as_ref()
            .map(|(m, _)| m.as_str())
    }
    /// URL of the request that failed (query values redacted), when known.
    pub fn request_url(&self) -> Option<&str> {
        self.exchange
            .as_ref()?
            .request
            .as_ref()
            .map(|(_, u)| u.as_str())
    }
    /// The kept headers of the failed answer ([`RESPONSE_HEADERS_KEPT`]), lower-case names.
    pub fn response_headers(&self) -> &[(String, String)] {
        self.exchange
            .as_ref()
            .map_or(&[], |x| x.response_headers.as_slice())
    }

    /// ARM-style JSON: `{"error": {"code", "message", "kind", "status", "requestId", "target"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut e = serde_json::Map::new();
        e.insert(
            "code".into(),
            self.code
                .clone()
                .unwrap_or_else(|| default_code(self.kind).to_string())
                .into(),
        );
        e.insert("message".into(), self.message.clone().into());
        e.insert("kind".into(), self.kind.as_str().into());
        if let Some(s) = self.status {
            e.insert("status".into(), s.into());
        }
        if let Some(t) = self.target() {
            e.insert("target".into(), t.into());
        }
        if let Some(r) = &self.request_id {
            e.insert("requestId".into(), r.clone().into());
        }
        serde_json::json!({ "error": e })
    }
}

/// The code shown when no service gave one.
fn default_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "InvalidArgument",
        ErrorKind::BadRequest => "BadRequest",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::Authentication => "AuthenticationFailed",
        ErrorKind::Authorization => "AuthorizationFailed",
        ErrorKind::CredentialUnavailable => "CredentialUnavailable",
        ErrorKind::Throttled => "TooManyRequests",
        ErrorKind::Service => "ServiceError",
        ErrorKind::Connection => "ConnectionError",
        ErrorKind::Timeout => "Timeout",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("status {s}"));
        }
        if let Some(c) = &self.code {
            parts.push(format!("code {c}"));
        }
        if let Some(r) = &self.request_id {
            parts.push(format!("request id {r}"));
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_maps_to_kind() {
        assert_eq!(ErrorKind::from_status(400), ErrorKind::BadRequest);
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(412), ErrorKind::Conflict);
        assert_eq!(ErrorKind::from_status(403), ErrorKind::Authorization);
        assert_eq!(ErrorKind::from_status(429), ErrorKind::Throttled);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Service);
    }

    #[test]
    fn json_and_display_carry_every_field() {
        let e = Error::from_service(
            404,
            Some("ResourceNotFound".into()),
            "The Resource 'x' was not found.",
            Some("rid-1".into()),
        );
        let j = e.to_json();
        assert_eq!(j["error"]["code"], "ResourceNotFound");
        assert_eq!(j["error"]["kind"], "not_found");
        assert_eq!(j["error"]["status"], 404);
        assert_eq!(j["error"]["requestId"], "rid-1");
        assert_eq!(
            e.to_string(),
            "The Resource 'x' was not found. (status 404, code ResourceNotFound, request id rid-1)"
        );
    }

    #[test]
    fn keeps_the_request_and_only_the_listed_response_headers() {
        let e = Error::from_service(404, None, "m", None)
            .with_request("GET", "https://h/x?api-version=1")
            .with_response_headers([
                ("X-Ms-Request-Id", "rid"),
                ("set-cookie", "secret"),
                ("Retry-After", "1"),
            ]);
        assert_eq!(e.request_method(), Some("GET"));
        assert_eq!(e.request_url(), Some("https://h/x?api-version=1"));
        assert_eq!(
            e.response_headers(),
            [
                ("x-ms-request-id".to_string(), "rid".to_string()),
                ("retry-after".to_string(), "1".to_string())
            ]
        );
        assert!(!format!("{e:?}").contains("secret"));
    }
}
