//! Where `msi` connects and as whom: the connection flags and their environment variables, as core's settings,
//! and a client from them.

use crate::args::Global;
use msi_identity::{ArmClient, ConnectOptions, Error, Secret, Settings, TokenCache};

/// A client for the ARM endpoint and credential the flags and environment name.
pub async fn connect(g: &Global, no_wait: bool) -> Result<ArmClient, Error> {
    let options = ConnectOptions {
        token_cache: TokenCache::default_location(),
        no_wait,
        chain: None,
    };
    settings(g)?.connect(&options).await
}

pub fn settings(g: &Global) -> Result<Settings, Error> {
    let ca_cert_pem = match &g.ca_cert {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            Error::invalid_argument(format!("cannot read --ca-cert {}: {e}", p.display()))
        })?),
        None => None,
    };
    Settings {
        endpoint: g.endpoint.clone(),
        subscription_id: g.subscription.clone(),
        tenant_id: g.tenant.clone(),
        client_id: g.client_id.clone(),
        client_secret: g.client_secret.clone().map(Secret::new),
        authority: g.authority.clone(),
        access_token: g.access_token.clone().map(Secret::new),
        ca_cert_pem,
        ..Settings::default()
    }
    .with_env()
}
