//! The composition root: opens (or creates) the state from a [`Config`] and builds what the
//! listeners and handlers share ([`Shared`]), the TLS material and the CA file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rand::Rng;
use rand::distr::Alphanumeric;

use crate::auth::SigningKeys;
use crate::catalog::seed::{ADMIN_NAME, SUBSCRIPTION_NAME, Seed};
use crate::config::Config;
use crate::error::Error;
use crate::server::tls::TlsMaterial;
use crate::state::access::AccessCache;
use crate::state::assignments;
use crate::state::hooks::Hooks;
use crate::state::limits::Limits;
use crate::state::ports::ExtensionPorts;
use crate::state::shared::Shared;
use crate::state::shared::{MAX_BLOCKING_HANDLERS, MAX_IN_MEMORY_HANDLERS};
use crate::state::throttling::Throttler;
use crate::state::token_cache::TokenCaches;
use crate::store::{Principal, Store};
use crate::util;

/// Where the CA certificate's PEM is on disk.
enum CaFile {
    /// `DIR/ca.pem` of the data directory.
    DataDir(PathBuf),
    /// `ca.pem` in a private temporary directory (in-memory emulators), both removed when dropped.
    Temp {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
}

pub struct App {
    pub shared: Arc<Shared>,
    pub tls: TlsMaterial,
    /// `DIR/ca.pem` when running with a data directory.
    pub ca_cert_path: Option<PathBuf>,
    ca_file: CaFile,
}

fn random_secret() -> String {
    // Shaped like an Entra client secret: three characters, `8Q~`, 34 more.
    let mut rng = rand::rng();
    let mut part = |n: usize| -> String {
        (&mut rng)
            .sample_iter(Alphanumeric)
            .take(n)
            .map(char::from)
            .collect()
    };
    format!("{}8Q~{}", part(3), part(34))
}

/// In-memory emulators of one process share one RSA key: generating a 2048-bit key takes long
/// enough to dominate test start-up, and in-memory tenants differ, so their tokens never cross.
fn in_memory_key() -> Result<String, Error> {
    static KEY: OnceLock<String> = OnceLock::new();
    if let Some(k) = KEY.get() {
        return Ok(k.clone());
    }
    let (_, pem) = SigningKeys::generate()?;
    Ok(KEY.get_or_init(|| pem).clone())
}

const META_KEYS: [&str; 9] = [
    "tenant_id",
    "subscription_id",
    "admin_client_id",
    "admin_object_id",
    "admin_client_secret",
    "lro_p",
    "token_signing_key",
    "tls_ca_cert",
    "tls_ca_key",
];

impl App {
    /// Opens or creates the state (blocking: may generate keys).
    pub fn open(config: Config, endpoint: String, imds_endpoint: String) -> Result<App, Error> {
        let (store, ca_cert_path) = match &config.data_dir {
            Some(dir) => {
                create_private_dir(dir)?;
                let store = Store::open(Some(&dir.join("emulator.db")), config.durability)?;
                (store, Some(dir.join("ca.pem")))
            }
            None => (Store::open(None, config.durability)?, None),
        };

        let existing = store.tx(|t| -> Result<Option<Vec<String>>, Error> {
            let mut values = Vec::new();
            for k in META_KEYS.iter().chain(["tls_cert", "tls_key"].iter()) {
                match t.meta_get(k)? {
                    Some(v) => values.push(v),
                    None => return Ok(None),
                }
            }
            Ok(Some(values))
        })?;

        let (seed, key_pem, tls) = match existing {
            Some(v) => (
                Seed {
                    tenant_id: v[0].clone(),
                    subscription_id: v[1].clone(),
                    admin_client_id: v[2].clone(),
                    admin_object_id: v[3].clone(),
                    admin_client_secret: v[4].clone(),
                    lro_p: v[5].clone(),
                },
                v[6].clone(),
                TlsMaterial {
                    ca_cert_pem: v[7].clone(),
                    ca_key_pem: v[8].clone(),
                    cert_pem: v[9].clone(),
                    key_pem: v[10].clone(),
                },
            ),
            None => {
                let seed = Seed {
                    tenant_id: util::new_guid(),
                    subscription_id: util::new_guid(),
                    admin_client_id: util::new_guid(),
                    admin_object_id: util::new_guid(),
                    admin_client_secret: random_secret(),
                    lro_p: util::new_guid(),
                };
                let key_pem = if config.data_dir.is_some() {
                    SigningKeys::generate()?.1
                } else {
                    in_memory_key()?
                };
                let tls = TlsMaterial::generate()?;
                store.tx(|t| -> Result<(), Error> {
                    let values = [
                        &seed.tenant_id,
                        &seed.subscription_id,
                        &seed.admin_client_id,
                        &seed.admin_object_id,
                        &seed.admin_client_secret,
                        &seed.lro_p,
                        &key_pem,
                        &tls.ca_cert_pem,
                        &tls.ca_key_pem,
                    ];
                    for (k, v) in META_KEYS.iter().zip(values) {
                        t.meta_set(k, v)?;
                    }
                    t.meta_set("tls_cert", &tls.cert_pem)?;
                    t.meta_set("tls_key", &tls.key_pem)?;
                    t.meta_set("subscription_name", SUBSCRIPTION_NAME)?;
                    t.principal_put(&Principal {
                        object_id: seed.admin_object_id.clone(),
                        client_id: seed.admin_client_id.clone(),
                        kind: "ServicePrincipal".into(),
                        resource: None,
                        display_name: ADMIN_NAME.into(),
                    })?;
                    Ok(())
                })?;
                (seed, key_pem, tls)
            }
        };

        // The admin principal owns the subscription: a real role assignment, made once (also for
        // databases created before access control existed).
        store.tx(|t| -> Result<(), Error> {
            if t.meta_get("rbac_seeded")?.is_none() {
                assignments::seed_owner(t, &seed)?;
                t.meta_set("rbac_seeded", "1")?;
            }
            Ok(())
        })?;

        let keys = SigningKeys::from_pem(&key_pem)?;
        let ca_file = match &ca_cert_path {
            Some(path) => {
                std::fs::write(path, &tls.ca_cert_pem)
                    .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
                CaFile::DataDir(path.clone())
            }
            None => write_temp_ca(&tls.ca_cert_pem)?,
        };
        let throttle_limits = config.throttle.limits();
        let handlers = if store.waits_for_disk() {
            MAX_BLOCKING_HANDLERS
        } else {
            MAX_IN_MEMORY_HANDLERS
        };
        let shared = Shared {
            config,
            endpoint,
            imds_endpoint,
            store,
            keys,
            seed,
            hooks: Hooks::default(),
            imds_limits: Limits::default(),
            ports: ExtensionPorts::default(),
            throttle: Throttler::new(throttle_limits),
            tokens: TokenCaches::default(),
            access: AccessCache::default(),
            handlers: tokio::sync::Semaphore::new(handlers),
        };
        Ok(App {
            shared: Arc::new(shared),
            tls,
            ca_cert_path,
            ca_file,
        })
    }

    /// A file holding the CA certificate's PEM: `DIR/ca.pem`, or a private temporary file.
    pub fn ca_cert_file(&self) -> &Path {
        match &self.ca_file {
            CaFile::DataDir(p) => p,
            CaFile::Temp { path, .. } => path,
        }
    }

    pub fn banner(&self) -> String {
        let s = &self.shared;
        let ca = match &self.ca_cert_path {
            Some(p) => p.display().to_string(),
            None => "(in memory; not written to disk)".to_string(),
        };
        let data = match &s.config.data_dir {
            Some(d) => d.join("emulator.db").display().to_string(),
            None => "in memory (lost when the emulator stops)".to_string(),
        };
        let mut out = format!(
            "msi-emulator is listening on {ep}\n\
             \n  endpoint          {ep}\
             \n  CA certificate    {ca}\
             \n  data              {data}\
             \n  tenant            {tenant}\
             \n  subscription      {sub} ({SUBSCRIPTION_NAME})\
             \n  admin client id   {cid}\
             \n  admin secret      {secret}\
             \n  token endpoint    {ep}/{tenant}/oauth2/v2.0/token\
             \n  IMDS (plain HTTP) {imds}/vm/{{vmId}} per VM, {imds}/vmss/{{uniqueId}}/{{instance}} per scale-set instance\
             \n  access control    {rbac}\
             \n  writes            {durability}\
             \n  test hooks        {hooks}\
             \n  lro delay         {delay} ms\n",
            ep = s.endpoint,
            tenant = s.seed.tenant_id,
            sub = s.seed.subscription_id,
            cid = s.seed.admin_client_id,
            secret = s.seed.admin_client_secret,
            delay = s.config.lro_delay.as_millis(),
            imds = s.imds_endpoint,
            durability = match (&s.config.data_dir, s.config.durability) {
                (None, _) => "in memory",
                (Some(_), crate::config::Durability::Synced) => {
                    "on disk before they are answered (fsync, group commit)"
                }
                (Some(_), crate::config::Durability::Relaxed) => {
                    "relaxed (--relaxed-durability): an OS crash can lose the last ones"
                }
            },
            hooks = if s.config.open_test_hooks {
                "/_emulator/ open to anyone (--open-test-hooks)"
            } else {
                "/_emulator/ with the admin's bearer token"
            },
            rbac = if s.config.enforce_rbac {
                "enforced (the admin is Owner of the subscription)"
            } else {
                "off (--no-rbac): every authenticated caller may do anything"
            },
        );
        if let Some(p) = &self.ca_cert_path {
            let p = p.display();
            out.push_str(&format!(
                "\nTrust the CA:\n  export MSI_CA_CERT={p} REQUESTS_CA_BUNDLE={p} NODE_EXTRA_CA_CERTS={p}\n"
            ));
        }
        out
    }
}

/// Writes the CA of an in-memory emulator to `ca.pem` in a new private temporary directory: the
/// directory is made with an unpredictable name by `mkdir` (which fails rather than reuse anything
/// already there) with mode 0700, and the file is created new (`O_CREAT|O_EXCL`, which never
/// follows a link) with mode 0600. Dropping the returned value removes both (without following
/// links).
fn write_temp_ca(pem: &str) -> Result<CaFile, Error> {
    let io = |e| {
        Error::io(
            "cannot write the CA certificate to a temporary directory",
            e,
        )
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix("msi-emulator-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    let dir = builder.tempdir_in(std::env::temp_dir()).map_err(io)?;
    let path = dir.path().join("ca.pem");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io)?;
    file.write_all(pem.as_bytes()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(CaFile::Temp { _dir: dir, path })
}

#[cfg(unix)]
fn create_private_dir(dir: &std::path::Path) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &std::path::Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))
}
