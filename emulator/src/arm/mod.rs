//! What every ARM resource provider's handlers use, and nothing above them: the request context
//! ([`ctx::Ctx`]), answers ([`response::ArmResponse`]), etag preconditions, paging, access checks and
//! long-running operation headers. The router (`routing::arm`) builds the context.

pub mod access;
pub mod ctx;
pub mod dispatch;
pub mod lro;
pub mod paging;
pub mod preconditions;
pub mod response;
