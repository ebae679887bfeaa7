//! The listeners: a tokio accept loop (TCP_NODELAY on every socket) and a hyper-util server (HTTP/1.1
//! and h2) in front of an axum router. The ARM/Entra listener is HTTPS (rustls, ALPN); the token
//! endpoints of machines (IMDS, MSI extension, App Service style) and the MSI extension's own ports
//! are plain HTTP, like the real ones.

pub mod ports;
pub mod tls;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::app::App;
use crate::{Error, arm, entra, faults, http, imds};

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// HTTPS: ARM, Entra ID, test hooks.
    Arm,
    /// Plain HTTP: every machine's token endpoints.
    Imds,
    /// Plain HTTP: the MSI extension on its own port.
    ExtensionPort(u16),
}

/// Largest request body accepted.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// Installs ring as the process-wide rustls provider (ignored when one is installed already).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Stops the server.
pub struct ServerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    pub fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    pub async fn stop(self) {
        self.signal_stop();
        let _ = self.task.await;
    }
}

/// Starts serving HTTPS (ARM, Entra ID, hooks) on `listener` in a background task.
pub fn serve(listener: TcpListener, app: Arc<App>) -> Result<ServerHandle, Error> {
    let acceptor = TlsAcceptor::from(app.tls.server_config()?);
    let router = router(app.clone());
    Ok(spawn(listener, Some(acceptor), app, router, Surface::Arm))
}

/// Starts serving plain HTTP for `surface` (the token endpoints, an MSI extension port).
pub fn serve_plain(listener: TcpListener, app: Arc<App>, surface: Surface) -> ServerHandle {
    let router = match surface {
        Surface::Imds => Router::new()
            .fallback(imds::dispatch)
            .with_state(app.clone()),
        Surface::ExtensionPort(port) => Router::new()
            .fallback(move |State(app): State<Arc<App>>, req: Request| {
                imds::extension_port(app, port, req)
            })
            .with_state(app.clone()),
        Surface::Arm => router(app.clone()),
    };
    spawn(listener, None, app, router, surface)
}

fn spawn(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    app: Arc<App>,
    router: Router,
    surface: Surface,
) -> ServerHandle {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(
        listener, acceptor, app, router, surface, stopped,
    ));
    ServerHandle { stop, task }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    app: Arc<App>,
    router: Router,
    surface: Surface,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(connection(
                        tcp, acceptor.clone(), app.clone(), router.clone(), surface,
                    ));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// The service refused to answer: hyper closes the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

async fn connection(
    tcp: TcpStream,
    acceptor: Option<TlsAcceptor>,
    app: Arc<App>,
    router: Router,
    surface: Surface,
) {
    // Headers and body leave in separate writes; without NODELAY, Nagle plus delayed ACK adds ~40 ms.
    let _ = tcp.set_nodelay(true);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        let router = router.clone();
        async move { intercept(app, router, surface, req).await }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    match acceptor {
        Some(acceptor) => {
            let tls =
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => stream,
                    _ => return,
                };
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        }
        None => {
            let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
        }
    }
}

/// Records the request and applies injected faults before anything else sees it.
async fn intercept(
    app: Arc<App>,
    router: Router,
    surface: Surface,
    req: hyper::Request<Incoming>,
) -> Result<Response, DropConnection> {
    let path = req.uri().path().to_string();
    if surface != Surface::Arm || !faults::is_hook_path(&path) {
        let method = req.method().as_str().to_string();
        app.hooks.record(&method, &path);
        if let Some(fault) = app.hooks.take_fault(&method, &path) {
            if fault.drop_connection {
                return Err(DropConnection);
            }
            return Ok(fault.response(&path, req.headers(), surface));
        }
    }
    let response = router.oneshot(req.map(Body::new)).await;
    Ok(response.unwrap_or_else(|e: Infallible| match e {}))
}

fn router(app: Arc<App>) -> Router {
    Router::new().fallback(dispatch).with_state(app)
}

/// Routes by the first path segments: test hooks, Entra ID, cloud metadata, ARM.
async fn dispatch(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return http::json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &serde_json::json!({"error": {"code": "RequestTooLarge",
                    "message": "The request content is larger than the emulator accepts."}}),
            );
        }
    };
    let path = parts.uri.path();
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match first.as_str() {
        "_emulator" => faults::handle_hook(&app, &parts, &body),
        "subscriptions" | "tenants" | "providers" => {
            let write = !matches!(parts.method, Method::GET | Method::HEAD);
            let response = arm::handle(&app, &parts, body);
            // An MSI extension may have appeared or gone: open or close its port.
            if write {
                ports::reconcile_and_wait(&app).await;
            }
            response
        }
        "metadata" => entra::metadata(&app, &parts),
        _ => entra::handle(&app, &parts, &body),
    }
}
