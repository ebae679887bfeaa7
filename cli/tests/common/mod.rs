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
    _dir: tempfile::TempDir,
    pub ca: std::path::PathBuf,
}

pub async fn start() -> Env {
    let emu = Emulator::start(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_cert_pem()).unwrap();
    Env { emu, _dir: dir, ca }
}

impl Env {
    pub async fn msi(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_msi"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("MSI_ARM_ENDPOINT", self.emu.endpoint())
            .env("AZURE_SUBSCRIPTION_ID", self.emu.subscription_id())
            .env("AZURE_TENANT_ID", self.emu.tenant_id())
            .env("AZURE_CLIENT_ID", self.emu.admin_client_id())
            .env("AZURE_CLIENT_SECRET", self.emu.admin_client_secret())
            .env("MSI_CA_CERT", &self.ca);
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
