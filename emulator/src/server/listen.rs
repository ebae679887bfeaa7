//! Accepting connections and serving HTTP on them; every request passes the fault layer
//! (`faults::intercept`) before the router.
//!
//! Every listener (HTTPS, the token endpoints, each MSI extension port) bounds what a client can
//! hold (issue 10 items 7 and 8): at most `Config::max_connections` connections are served at once
//! (the rest wait in the accept backlog); the TLS handshake and, on HTTP/1.1, the request head must
//! arrive within `Config::header_read_timeout` (hyper's own timer, which also bounds the wait for
//! the next request on a kept-alive connection); a connection with no request in flight for
//! `Config::idle_timeout` is shut down gracefully (HTTP/1.1 and HTTP/2 alike); and the request line
//! with its headers is capped ([`MAX_HEAD_BYTES`], [`MAX_HEADERS`]; hyper answers 431 or 414).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::faults::{self, Surface};
use crate::state::ports::ServerHandle;
use crate::state::shared::Shared;

/// Largest HTTP/1.1 request line plus headers (hyper's read buffer); HTTP/2 header lists are held
/// to hyper's 16 KiB. Tokens are about 2 KiB; ARM's own front end refuses far less than this.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most headers in one HTTP/1.1 request.
pub const MAX_HEADERS: usize = 100;

/// The limits every connection of a listener is served with.
#[derive(Clone, Copy, Debug)]
struct Limits {
    header_read: Duration,
    idle: Duration,
}

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
    let config = &shared.config;
    let limits = Limits {
        header_read: config.header_read_timeout.max(Duration::from_millis(1)),
        idle: config.idle_timeout.max(Duration::from_millis(1)),
    };
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        // A free slot first: at the cap, new clients wait in the backlog instead of being served.
        let permit = tokio::select! {
            _ = stopped.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let tcp = loop {
            tokio::select! {
                _ = stopped.changed() => {
                    drop(listener);
                    connections.shutdown().await;
                    return;
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => break tcp,
                    // Out of file descriptors and the like: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                },
            }
        };
        connections.spawn(connection(
            tcp,
            acceptor.clone(),
            shared.clone(),
            router.clone(),
            surface,
            limits,
            permit,
        ));
    }
    drop(listener);
    connections.shutdown().await;
}

/// When the connection last finished a request, and how many are in flight.
struct Activity {
    in_flight: AtomicUsize,
    last: Mutex<Instant>,
}

impl Activity {
    fn touch(&self) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(
            self.last
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .elapsed(),
        )
    }
}

/// Counts a request as in flight until dropped (answered, or abandoned by the client).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(a: &Arc<Activity>) -> InFlight {
        a.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(a.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn connection(
    tcp: TcpStream,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    router: Router,
    surface: Surface,
    limits: Limits,
    _slot: OwnedSemaphorePermit,
) {
    // Headers and body leave in separate writes; without NODELAY, Nagle plus delayed ACK adds ~40 ms.
    let _ = tcp.set_nodelay(true);
    match acceptor {
        Some(acceptor) => {
            let tls = match tokio::time::timeout(limits.header_read, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                _ => return,
            };
            serve(tls, shared, router, surface, limits).await;
        }
        None => serve(tcp, shared, router, surface, limits).await,
    }
}

async fn serve<I>(io: I, shared: Arc<Shared>, router: Router, surface: Surface, limits: Limits)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity {
        in_flight: AtomicUsize::new(0),
        last: Mutex::new(Instant::now()),
    });
    let seen = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let shared = shared.clone();
        let router = router.clone();
        let in_flight = InFlight::new(&seen);
        async move {
            let r = faults::intercept(shared, router, surface, req).await;
            drop(in_flight);
            r
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.idle))
        .keep_alive_timeout(limits.header_read);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let check = (limits.idle / 4).clamp(Duration::from_millis(20), Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = tokio::time::sleep(check) => {
                if activity.idle_for().is_some_and(|d| d >= limits.idle) {
                    break;
                }
            }
        }
    }
    // Idle: close gracefully (HTTP/2 sends GOAWAY), and for good after one more header timeout.
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(limits.header_read, conn.as_mut()).await;
}
