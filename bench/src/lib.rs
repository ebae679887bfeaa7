//! Set-up shared by the benchmarks: a client signed in as the emulator's seeded Owner, and the median.

use msi_emulator::Emulator;
use msi_identity::{ArmClient, ClientOptions, ClientSecretCredential, HttpClient, Secret};
use std::sync::Arc;

/// An ARM client for `emu`, signed in as its admin service principal, over `http` (trusting the emulator's CA).
pub fn admin_client(emu: &Emulator, http: &HttpClient) -> ArmClient {
    let admin = Arc::new(
        ClientSecretCredential::new(
            emu.endpoint(),
            emu.tenant_id(),
            emu.admin_client_id(),
            Secret::new(emu.admin_client_secret()),
            http.clone(),
        )
        .expect("admin credential"),
    );
    let mut options = ClientOptions::new(emu.endpoint(), emu.subscription_id());
    options.http = Some(http.clone());
    ArmClient::new(admin, options).expect("client")
}

/// An HTTP client that trusts `emu`'s CA.
pub fn http_for(emu: &Emulator) -> HttpClient {
    HttpClient::new(Some(emu.ca_cert_pem())).expect("http")
}

/// The median of `v` (not empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}
