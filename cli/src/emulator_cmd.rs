//! `msi emulator start`: the emulator in the foreground until Ctrl-C.

use msi_emulator::{Config, Emulator};
use msi_identity::{Error, ErrorKind, Secret, Settings};
use std::path::PathBuf;

pub(crate) fn emulator_error(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Service,
        format!("the emulator could not start: {e}"),
    )
}

/// An emulator with Azure's defaults on a free port, its state in a new temporary directory named
/// `PREFIX...` (removed when the returned directory is dropped): what `msi quickstart` and `msi portal` run on.
pub(crate) async fn start_embedded(prefix: &str) -> Result<(tempfile::TempDir, Emulator), Error> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| {
            Error::new(
                ErrorKind::Service,
                format!("cannot make a temporary directory: {e}"),
            )
        })?;
    let config = Config {
        data_dir: Some(dir.path().to_path_buf()),
        port: 0,
        ..Config::default()
    };
    let emulator = Emulator::start(config).await.map_err(emulator_error)?;
    Ok((dir, emulator))
}

/// Settings that reach `emulator` as its seeded Owner (the admin service principal), trusting its CA.
pub(crate) fn admin_settings(emulator: &Emulator) -> Settings {
    Settings {
        endpoint: Some(emulator.endpoint().to_string()),
        subscription_id: Some(emulator.subscription_id().to_string()),
        tenant_id: Some(emulator.tenant_id().to_string()),
        client_id: Some(emulator.admin_client_id().to_string()),
        client_secret: Some(Secret::new(emulator.admin_client_secret())),
        ca_cert_pem: Some(emulator.ca_cert_pem().to_string()),
        ..Settings::default()
    }
}

/// `msi emulator start`: run in the foreground until Ctrl-C.
pub async fn run_emulator(
    mut config: Config,
    data_dir: Option<PathBuf>,
    in_memory: bool,
) -> Result<(), Error> {
    config.data_dir = if in_memory {
        None
    } else {
        Some(
            data_dir
                .or_else(msi_emulator::default_data_dir)
                .ok_or_else(|| {
                    Error::invalid_argument("no data directory: pass --data-dir or --in-memory")
                })?,
        )
    };
    let emulator = Emulator::start(config).await.map_err(emulator_error)?;
    println!("{}", emulator.banner());
    if emulator.ca_cert_path().is_none() {
        // In memory: clients still need the CA; the emulator keeps a copy in a file while it runs.
        let path = emulator.ca_cert_file().display();
        println!("CA certificate written to {path} (export MSI_CA_CERT={path})");
    }
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    Ok(())
}
