//! The embedded emulator (the `msi_emulator` crate linked into the library) for tests of scripts and modules
//! built on this library: start it on loopback, read where it is and its admin credentials, get a machine's
//! IMDS base URL, get a ready client, stop it.

use crate::args::{Out, c_string, handle, json_string, new_handle, opt_str_arg, str_arg};
use crate::client::MsiClient;
use crate::error::{MsiError, MsiResult, guard, guard_value};
use crate::runtime::block_on;
use msi::Secret;
use serde_json::{Value, json};
use std::ffi::c_char;
use std::path::PathBuf;

/// A running emulator. Safe to use from any number of threads at once. msi_emulator_free stops it.
pub struct MsiEmulator {
    inner: Option<msi_emulator::Emulator>,
    /// A file holding the CA, for `MSI_CA_CERT` (the emulator keeps one in memory mode too).
    ca_cert_path: PathBuf,
    data_dir: Option<PathBuf>,
}

impl MsiEmulator {
    fn running(&self) -> &msi_emulator::Emulator {
        self.inner.as_ref().expect("a live MsiEmulator is running")
    }

    fn settings(&self) -> msi::Settings {
        let e = self.running();
        msi::Settings {
            endpoint: Some(e.endpoint().to_string()),
            subscription_id: Some(e.subscription_id().to_string()),
            tenant_id: Some(e.tenant_id().to_string()),
            client_id: Some(e.admin_client_id().to_string()),
            client_secret: Some(Secret::new(e.admin_client_secret())),
            authority: Some(e.endpoint().to_string()),
            ca_cert_pem: Some(e.ca_cert_pem().to_string()),
            ..Default::default()
        }
    }
}

/// Start an emulator on 127.0.0.1. `data_dir`: where its state persists (created if needed; NULL keeps
/// everything in memory). `port` (HTTPS: ARM and Entra ID) and `imds_port` (plain HTTP: every machine's token
/// endpoints): 0 picks a free port. `enforce_rbac`: access control on (as in Azure) or off. `throttle`: ARM
/// request throttling, "arm" (Azure's published budgets; also when NULL), "off", or numbers such as
/// "reads=250/25,writes=200/10,global=15,compute=1".
/// Nullable: data_dir, throttle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_emulator_start(
    data_dir: *const c_char,
    port: u16,
    imds_port: u16,
    enforce_rbac: bool,
    throttle: *const c_char,
    emulator_out: *mut *mut MsiEmulator,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_emulator_start", error_out, || {
        // SAFETY: header contract.
        let dir = unsafe { opt_str_arg(data_dir, "data_dir") }?.map(PathBuf::from);
        let out = Out::required(emulator_out, "emulator_out")?;
        // SAFETY: header contract.
        let throttle = match unsafe { opt_str_arg(throttle, "throttle") }? {
            None => msi_emulator::Throttle::Arm,
            Some(t) => t
                .parse()
                .map_err(|e| msi::Error::invalid_argument(format!("throttle: {e}")))?,
        };
        let config = msi_emulator::Config {
            data_dir: dir.clone(),
            port,
            imds_port,
            enforce_rbac,
            throttle,
            ..Default::default()
        };
        let emu = block_on(msi_emulator::Emulator::start(config))?;
        let ca_cert_path = emu.ca_cert_file().to_path_buf();
        out.write(new_handle(MsiEmulator {
            inner: Some(emu),
            ca_cert_path,
            data_dir: dir,
        }));
        Ok(())
    })
}

/// Where the emulator is and who may use it, as a JSON object: `endpoint` (https://127.0.0.1:PORT), `caCertPem`,
/// `caCertPath` (a file holding the CA, for MSI_CA_CERT), `tenantId`, `subscriptionId`, `adminClientId`,
/// `adminClientSecret` (the seeded Owner service principal), `imdsEndpoint` (http://127.0.0.1:IMDS_PORT),
/// `dataDir` (null in memory), and `env`: the environment variables that point `msi`, this library's
/// msi_client_new_from_env and the Azure SDKs at it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_emulator_info(
    emulator: *const MsiEmulator,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_emulator_info", error_out, || {
        // SAFETY: header contract.
        let m = unsafe { handle(emulator, "emulator") }?;
        let out = Out::required(json_out, "json_out")?;
        let e = m.running();
        let ca_path = m.ca_cert_path.to_string_lossy().to_string();
        let env = json!({
            msi::settings::env::ENDPOINT: e.endpoint(),
            msi::settings::env::CA_CERT: ca_path,
            msi::settings::env::SUBSCRIPTION: e.subscription_id(),
            msi::settings::env::TENANT: e.tenant_id(),
            msi::settings::env::CLIENT_ID: e.admin_client_id(),
            msi::settings::env::CLIENT_SECRET: e.admin_client_secret(),
            "REQUESTS_CA_BUNDLE": ca_path,
            "NODE_EXTRA_CA_CERTS": ca_path,
        });
        out.write(json_string(&json!({
            "endpoint": e.endpoint(),
            "caCertPem": e.ca_cert_pem(),
            "caCertPath": ca_path,
            "tenantId": e.tenant_id(),
            "subscriptionId": e.subscription_id(),
            "adminClientId": e.admin_client_id(),
            "adminClientSecret": e.admin_client_secret(),
            "imdsEndpoint": e.imds_endpoint(),
            "dataDir": m.data_dir.as_ref().map(|d| Value::from(d.to_string_lossy().to_string())),
            "env": env,
        })));
        Ok(())
    })
}

/// The base URL through which a process "runs on" a VM or scale-set instance (`http://127.0.0.1:P/vm/{vmId}` or
/// `.../vmss/{uniqueId}/{instance}`): give it to msi_managed_identity_credential_new_imds, or set
/// AZURE_POD_IDENTITY_AUTHORITY_HOST to it. `instance`: a scale-set instance number, or -1 (a VM; instance 0 of a
/// scale set).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_emulator_imds_base_url(
    emulator: *const MsiEmulator,
    resource_id: *const c_char,
    instance: i32,
    url_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_emulator_imds_base_url", error_out, || {
        // SAFETY: header contract.
        let (m, id) = unsafe {
            (
                handle(emulator, "emulator")?,
                str_arg(resource_id, "resource_id")?,
            )
        };
        let out = Out::required(url_out, "url_out")?;
        let instance = match instance {
            -1 => None,
            n => Some(u32::try_from(n).map_err(|_| {
                msi::Error::invalid_argument(format!(
                    "instance must be -1 or a scale-set instance number, not {n}"
                ))
            })?),
        };
        out.write(c_string(&m.running().imds_base_url(id, instance)?));
        Ok(())
    })
}

/// The App Service style identity endpoint of a VM or scale set: `{"IDENTITY_ENDPOINT": ..., "IDENTITY_HEADER":
/// ...}` (the header is a secret), for msi_managed_identity_credential_new_app_service or the environment.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_emulator_app_service_env(
    emulator: *const MsiEmulator,
    resource_id: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_emulator_app_service_env", error_out, || {
        // SAFETY: header contract.
        let (m, id) = unsafe {
            (
                handle(emulator, "emulator")?,
                str_arg(resource_id, "resource_id")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let (endpoint, header) = m.running().app_service_env(id)?;
        out.write(json_string(&json!({
            msi::managed_identity::env::IDENTITY_ENDPOINT: endpoint,
            msi::managed_identity::env::IDENTITY_HEADER: header,
        })));
        Ok(())
    })
}

/// A client signed in as the emulator's admin service principal (Owner of its subscription).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_emulator_client_new(
    emulator: *const MsiEmulator,
    client_out: *mut *mut MsiClient,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_emulator_client_new", error_out, || {
        // SAFETY: header contract.
        let m = unsafe { handle(emulator, "emulator") }?;
        let out = Out::required(client_out, "client_out")?;
        out.write(new_handle(MsiClient::from_settings(&m.settings())?));
        Ok(())
    })
}

/// Stop the emulator (its listeners and open connections close, a persistent database is checkpointed) and free
/// the handle. Clients made for it stay valid handles, but their calls fail with MSI_RESULT_CONNECTION. NULL is a
/// no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_emulator_free(emulator: *mut MsiEmulator) {
    if emulator.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: `emulator` came from msi_emulator_start and is freed once (header contract).
        let mut m = unsafe { Box::from_raw(emulator) };
        if let Some(e) = m.inner.take() {
            block_on(e.shutdown());
        }
    });
}
