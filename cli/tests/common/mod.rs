//! The `msi` binary against an in-process emulator: the harness the CLI tests share.
#![allow(dead_code)]

use msi_emulator::{Config, Emulator};
use serde_json::Value;
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
    /// No output at all is what `msi` prints for a null result (a resource with no identity).
    pub fn json_or_null(&self) -> Value {
        if self.stdout.trim().is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
    pub fn err(&self) -> Value {
        serde_json::from_str(&self.stderr)
            .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", self.stderr))
    }
}

pub struct Env {
    pub emu: Emulator,
    pub dir: tempfile::TempDir,
    pub ca: std::path::PathBuf,
    /// This test's own token cache (`MSI_TOKEN_CACHE_DIR`), so that no test reads another's tokens.
    pub cache_dir: std::path::PathBuf,
}

pub async fn start() -> Env {
    start_with(Config::default()).await
}

pub async fn start_with(config: Config) -> Env {
    let emu = Emulator::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_cert_pem()).unwrap();
    let cache_dir = dir.path().join("token-cache");
    Env {
        emu,
        dir,
        ca,
        cache_dir,
    }
}

/// Run a prepared `msi` command (stdin is not a terminal).
pub async fn run(mut cmd: Command) -> Run {
    cmd.stdin(std::process::Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Env {
    /// `msi args` pointed at the emulator, without a credential (the test adds one).
    pub fn bare(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_msi"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("MSI_ARM_ENDPOINT", self.emu.endpoint())
            .env("AZURE_SUBSCRIPTION_ID", self.emu.subscription_id())
            .env("MSI_CA_CERT", &self.ca)
            .env("MSI_TOKEN_CACHE_DIR", &self.cache_dir);
        cmd
    }

    /// `msi args` as the emulator's admin service principal (from the environment, as az users set it).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare(args);
        cmd.env("AZURE_TENANT_ID", self.emu.tenant_id())
            .env("AZURE_CLIENT_ID", self.emu.admin_client_id())
            .env("AZURE_CLIENT_SECRET", self.emu.admin_client_secret());
        cmd
    }

    pub async fn msi(&self, args: &[&str]) -> Run {
        run(self.command(args)).await
    }

    /// A token of the admin service principal, asked for by the test itself.
    pub async fn admin_token(&self) -> String {
        use msi_identity::TokenCredential;
        let http = msi_identity::HttpClient::new(Some(self.emu.ca_cert_pem())).unwrap();
        let c = msi_identity::ClientSecretCredential::new(
            self.emu.endpoint(),
            self.emu.tenant_id(),
            self.emu.admin_client_id(),
            msi_identity::Secret::new(self.emu.admin_client_secret()),
            http,
        )
        .unwrap();
        c.get_token(&["https://management.azure.com/.default"])
            .await
            .unwrap()
            .token
            .expose()
            .to_string()
    }

    /// A raw request to the emulator with `token`: (status, body).
    pub async fn raw(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let http = msi_identity::HttpClient::new(Some(self.emu.ca_cert_pem())).unwrap();
        let mut req = http
            .inner()
            .request(
                method.parse().unwrap(),
                format!("{}{path}", self.emu.endpoint()),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// How many `method` requests the emulator has seen on paths containing `needle` (its test hook, asked
    /// with the admin's bearer token as the hook may require).
    pub async fn seen(&self, token: &str, method: &str, needle: &str) -> u64 {
        let (s, body) = self
            .raw(
                token,
                "GET",
                &format!("/_emulator/requests?path_contains={needle}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{body}");
        body["counts"][method].as_u64().unwrap_or(0)
    }
}
