//! Shared set-up for the end-to-end tests: an in-process emulator on 127.0.0.1:0 (real HTTPS) and core clients
//! that talk to it.
#![allow(dead_code)]

use msi_emulator::{Config, Emulator};
use msi_identity::{
    ArmClient, ClientOptions, ClientSecretCredential, HttpClient, RetryOptions, Secret,
    TokenCredential,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub const ARM_SCOPE: &str = "https://management.azure.com/.default";

pub struct Env {
    pub emu: Emulator,
    pub http: HttpClient,
    pub client: ArmClient,
    /// The admin credential of the test's own raw requests (one token, cached, so that counting the
    /// emulator's token requests counts only the code under test).
    admin: Arc<ClientSecretCredential>,
}

/// Retries fast enough for tests; the policy itself is the production one.
pub fn fast_retry() -> RetryOptions {
    RetryOptions {
        max_retries: 3,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
    }
}

pub async fn start() -> Env {
    start_with(Config::default()).await
}

/// An emulator without ARM throttling, for tests that send bulk volumes (hundreds of writes, or
/// more than Compute's 12 updates of one VM in a minute): they test other things than the throttle.
pub async fn start_unthrottled() -> Env {
    start_with(Config {
        throttle: msi_emulator::Throttle::Off,
        ..Config::default()
    })
    .await
}

pub async fn start_with(config: Config) -> Env {
    let emu = Emulator::start(config).await.expect("emulator starts");
    let http = HttpClient::new(Some(emu.ca_cert_pem())).expect("http client");
    let client = client_for(&emu, &http);
    let admin = credential(&emu, &http);
    Env {
        emu,
        http,
        client,
        admin,
    }
}

pub fn credential(emu: &Emulator, http: &HttpClient) -> Arc<ClientSecretCredential> {
    Arc::new(
        ClientSecretCredential::new(
            emu.endpoint(),
            emu.tenant_id(),
            emu.admin_client_id(),
            Secret::new(emu.admin_client_secret()),
            http.clone(),
        )
        .expect("credential"),
    )
}

/// A new client with its own credential (as a separate process would have).
pub fn client_for(emu: &Emulator, http: &HttpClient) -> ArmClient {
    let mut options = ClientOptions::new(emu.endpoint(), emu.subscription_id());
    options.http = Some(http.clone());
    options.retry = fast_retry();
    ArmClient::new(credential(emu, http), options).expect("client")
}

impl Env {
    pub async fn token(&self) -> String {
        self.admin
            .get_token(&[ARM_SCOPE])
            .await
            .expect("token")
            .token
            .expose()
            .to_string()
    }

    /// A raw ARM request (path with query), bypassing core: (status, body).
    pub async fn raw(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let url = format!("{}{}", self.emu.endpoint(), path);
        let mut req = self
            .http
            .inner()
            .request(method.parse().unwrap(), &url)
            .bearer_auth(self.token().await);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Make the next `count` requests matching `method` and `path_contains` fail with `status`.
    pub async fn fault(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        count: u32,
        retry_after: Option<u32>,
    ) {
        let mut spec = serde_json::json!({
            "method": method, "path_contains": path_contains, "status": status, "count": count,
        });
        if let Some(r) = retry_after {
            spec["retry_after"] = r.into();
        }
        let (s, body) = self
            .raw("POST", "/_emulator/faults", Some(&spec.to_string()))
            .await;
        assert!(
            (200..300).contains(&s),
            "fault injection refused: {s} {body}"
        );
    }

    pub async fn drop_connections(&self, method: &str, path_contains: &str, count: u32) {
        self.drop(method, path_contains, count, "drop_connection")
            .await
    }

    /// The next `count` matching requests are carried out, but their answers are lost (the connection closes).
    pub async fn lose_answers(&self, method: &str, path_contains: &str, count: u32) {
        self.drop(method, path_contains, count, "drop_after_answer")
            .await
    }

    async fn drop(&self, method: &str, path_contains: &str, count: u32, how: &str) {
        let spec = serde_json::json!({
            "method": method, "path_contains": path_contains, "count": count, how: true, "status": 500,
        });
        let (s, body) = self
            .raw("POST", "/_emulator/faults", Some(&spec.to_string()))
            .await;
        assert!(
            (200..300).contains(&s),
            "fault injection refused: {s} {body}"
        );
    }

    /// How many requests of `method` the emulator has seen on paths containing `path_contains`.
    pub async fn seen(&self, method: &str, path_contains: &str) -> u64 {
        let q = percent_encode(path_contains);
        let (s, body) = self
            .raw(
                "GET",
                &format!("/_emulator/requests?path_contains={q}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let counts = body.get("counts").unwrap_or(&body);
        counts.get(method).and_then(Value::as_u64).unwrap_or(0)
    }

    pub fn sub(&self) -> &str {
        self.emu.subscription_id()
    }

    pub fn uai_id(&self, rg: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
            self.sub()
        )
    }

    pub fn vm_path(&self, rg: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
            self.sub()
        )
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A small VM or scale set model.
pub fn model(kind: msi_identity::ComputeKind) -> Value {
    let t = msi_identity::ComputeTarget::new("s", "g", "n", kind).unwrap();
    msi_identity::BasicModel::default().to_model(&t).unwrap()
}

/// The set of user-assigned IDs, lower-cased, sorted.
pub fn user_ids(i: &msi_identity::Identity) -> Vec<String> {
    let mut v: Vec<String> = i
        .user_assigned
        .iter()
        .map(|u| u.id.to_ascii_lowercase())
        .collect();
    v.sort();
    v
}
