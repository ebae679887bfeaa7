//! `msi portal`: the Azure portal's Identity blade (and its Managed Identities page) as a local web page, served
//! by this binary over the same core calls as every other face.

mod api;
mod assets;
mod backend;
mod guard;
mod state;
mod views;

use crate::args_portal::PortalArgs;
use axum::Router;
use msi_identity::{Error, ErrorKind, Settings};
use state::{ApiError, PortalState, Shared};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// A random token of 32 bytes, hex.
fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The `Host` values a server bound to `addr` answers to.
fn hosts_for(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        ip => format!("{ip}:{port}"),
    }];
    if addr.ip().is_loopback() {
        hosts.push(format!("localhost:{port}"));
    }
    hosts
}

/// The whole app: the page, the API, one fallback answer in the error model, and the guard around all of it.
fn app(state: Shared) -> Router {
    Router::new()
        .merge(assets::router())
        .merge(api::router())
        .fallback(|| async {
            ApiError(Error::new(ErrorKind::NotFound, "no such page or API").with_code("NotFound"))
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

/// Open `url` in the desktop's browser, when there is a desktop.
fn open_browser(url: &str) -> bool {
    let cmd: Option<(&str, Vec<&str>)> = if cfg!(target_os = "macos") {
        Some(("open", vec![url]))
    } else if cfg!(windows) {
        Some(("rundll32", vec!["url.dll,FileProtocolHandler", url]))
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        Some(("xdg-open", vec![url]))
    } else {
        None
    };
    cmd.is_some_and(|(program, args)| {
        std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}

/// Ctrl-C, or (Unix) SIGTERM: either stops the server and the embedded emulator cleanly.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `msi portal`: serve until stopped.
pub async fn run(args: PortalArgs, settings: Settings) -> Result<(), Error> {
    let (client, embedded) = if backend::nothing_configured(&settings) {
        let (c, e) = backend::embedded().await?;
        (c, Some(e))
    } else {
        (backend::configured(&settings).await?, None)
    };
    let listener = tokio::net::TcpListener::bind((args.bind, args.port))
        .await
        .map_err(|e| {
            Error::invalid_argument(format!("cannot listen on {}:{}: {e}", args.bind, args.port))
        })?;
    let addr = listener.local_addr().map_err(|e| {
        Error::new(
            ErrorKind::Service,
            format!("cannot read the bound address: {e}"),
        )
    })?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "msi portal: warning: bound to {} — anyone who can reach it and has the URL acts with your Azure access",
            addr.ip()
        );
    }
    let hosts = hosts_for(addr);
    let token = new_token();
    let url = format!("http://{}/?token={token}", hosts[0]);
    let state = Arc::new(PortalState {
        client: client.clone(),
        token,
        hosts,
        embedded: embedded.is_some(),
    });
    match &embedded {
        Some(_) => println!(
            "msi portal: an embedded emulator (state in a temporary directory, removed on exit), seeded with resource group '{}'",
            backend::SEED_GROUP
        ),
        None => println!(
            "msi portal: subscription {} at {}",
            client.subscription_id(),
            client.endpoint()
        ),
    }
    println!("msi portal: open {url}");
    println!("msi portal: Ctrl-C stops it");
    if !args.no_browser && !open_browser(&url) {
        println!("msi portal: no browser to open here; open the URL above");
    }
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(stop_signal())
        .await;
    if let Some(e) = embedded {
        e.emulator.shutdown().await;
    }
    served.map_err(|e| {
        Error::new(
            ErrorKind::Connection,
            format!("the portal server failed: {e}"),
        )
    })
}
