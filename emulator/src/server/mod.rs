//! The listeners: a tokio accept loop (TCP_NODELAY on every socket) and a hyper-util server (HTTP/1.1
//! and h2) in front of an axum router, with the fault layer (test hooks) before the router. The
//! ARM/Entra listener is HTTPS (rustls, ALPN); the token endpoints of machines (IMDS, MSI extension,
//! App Service style) and the MSI extension's own ports are plain HTTP, like the real ones.

pub mod faults;
pub mod https;
mod listen;
pub mod plain;
pub mod ports;
pub mod tls;
