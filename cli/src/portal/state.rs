//! What every request of the portal shares: the ARM client, this run's token, the hosts it answers to; and the
//! one way a request fails (core's error model, rendered as ARM's JSON with its HTTP status).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use msi_identity::{ArmClient, Error, ErrorKind};
use std::sync::Arc;

/// The state of one `msi portal` run.
pub struct PortalState {
    /// The client every action goes through.
    pub client: ArmClient,
    /// The random secret of this run: in the printed URL once, then in an HttpOnly cookie.
    pub token: String,
    /// `Host` header values this server answers to (`127.0.0.1:PORT`, `localhost:PORT`, ...).
    pub hosts: Vec<String>,
    /// Whether the ARM endpoint is the embedded emulator.
    pub embedded: bool,
}

impl std::fmt::Debug for PortalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalState")
            .field("endpoint", &self.client.endpoint())
            .field("token", &"<redacted>")
            .field("hosts", &self.hosts)
            .finish()
    }
}

pub type Shared = Arc<PortalState>;

/// A failed request: core's error, answered as `{"error": {code, message, kind, status, requestId}}`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError(e)
    }
}

/// The HTTP status to answer with: the service's own when it gave one, else the kind's.
pub fn status_of(e: &Error) -> StatusCode {
    let by_kind = match e.kind() {
        ErrorKind::InvalidArgument | ErrorKind::BadRequest => 400,
        ErrorKind::NotFound => 404,
        ErrorKind::Conflict => 409,
        ErrorKind::Authentication | ErrorKind::CredentialUnavailable => 401,
        ErrorKind::Authorization => 403,
        ErrorKind::Throttled => 429,
        ErrorKind::Service | ErrorKind::Connection => 502,
        ErrorKind::Timeout => 504,
    };
    StatusCode::from_u16(e.status().unwrap_or(by_kind)).unwrap_or(StatusCode::BAD_GATEWAY)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (status_of(&self.0), Json(self.0.to_json())).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
