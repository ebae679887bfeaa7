//! Accepting connections and serving HTTP on them; every request passes the fault layer
//! (`faults::intercept`) before the router.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::faults::{self, Surface};
use crate::state::ports::ServerHandle;
use crate::state::shared::Shared;

/// Serves `router` on `listener` (TLS with `acceptor`) in a background task.
pub(super) fn spawn(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    router: Router,
    surface: Surface,
) -> ServerHandle {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(
        listener, acceptor, shared, router, surface, stopped,
    ));
    ServerHandle::new(stop, task)
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
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
                        tcp, acceptor.clone(), shared.clone(), router.clone(), surface,
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

async fn connection(
    tcp: TcpStream,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    router: Router,
    surface: Surface,
) {
    // Headers and body leave in separate writes; without NODELAY, Nagle plus delayed ACK adds ~40 ms.
    let _ = tcp.set_nodelay(true);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let shared = shared.clone();
        let router = router.clone();
        async move { faults::intercept(shared, router, surface, req).await }
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
