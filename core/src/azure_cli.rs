//! `AzureCliCredential`: the token of whoever is logged in to the Azure CLI, from
//! `az account get-access-token --output json --resource R [--tenant T]`, as azure-identity gets it.
//!
//! As azure-identity does: `az` is looked up on `PATH` (none: unavailable), run without a shell from a directory
//! the OS owns (`/bin`, or `%SYSTEMROOT%`), with `AZURE_CORE_NO_COLOR=true`, no standard input and a timeout
//! (10 s); a "run az login" message is unavailable too. The expiry is `expires_on` (Unix seconds, az 2.54+), else
//! `expiresOn` (a local time). Neither the token nor az's standard output ever reaches an error or a log.

use crate::credential::{AccessToken, BoxFuture, Secret, TokenCredential};
use crate::error::{Error, ErrorKind, Result};
use crate::managed_identity::scope_to_resource;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `az` may take (azure-identity's `process_timeout` default).
pub const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct AzureCliCredential {
    tenant_id: Option<String>,
    timeout: Duration,
}

impl Default for AzureCliCredential {
    fn default() -> Self {
        AzureCliCredential {
            tenant_id: None,
            timeout: DEFAULT_PROCESS_TIMEOUT,
        }
    }
}

fn unavailable(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::CredentialUnavailable, message)
}

/// Characters that may appear in a resource or tenant handed to `az` (azure-identity validates the same way).
fn safe_arg(what: &str, v: &str) -> Result<()> {
    if v.is_empty()
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:/".contains(c))
    {
        return Err(Error::invalid_argument(format!(
            "invalid {what} for the Azure CLI: '{v}'"
        )));
    }
    Ok(())
}

/// `name` on `PATH` (with the Windows extensions there).
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let exts: Vec<String> = if cfg!(windows) {
        vec![".cmd".into(), ".exe".into(), ".bat".into(), String::new()]
    } else {
        vec![String::new()]
    };
    std::env::split_paths(&path)
        .flat_map(|dir| exts.iter().map(move |e| dir.join(format!("{name}{e}"))))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// `az`'s answer: the token and its expiry.
pub(crate) fn parse_output(stdout: &[u8]) -> Result<AccessToken> {
    let bad = || {
        Error::new(
            ErrorKind::Authentication,
            "azure cli credential: unexpected output from `az account get-access-token` (not shown: it may hold a token)",
        )
    };
    let v: Value = serde_json::from_slice(stdout).map_err(|_| bad())?;
    let token = v
        .get("accessToken")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    let expires_on = v
        .get("expires_on")
        .and_then(|x| {
            x.as_i64()
                .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .or_else(|| {
            let s = v.get("expiresOn")?.as_str()?;
            let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
            naive
                .and_local_timezone(chrono::Local)
                .earliest()
                .map(|d| d.timestamp())
        })
        .ok_or_else(bad)?;
    Ok(AccessToken {
        token: Secret::new(token),
        expires_on,
    })
}

/// Why `az` failed, from its exit status and standard error (never its standard output).
pub(crate) fn failure(code: Option<i32>, stderr: &str) -> Error {
    if code == Some(127) || stderr.contains("is not recognized") {
        return unavailable("azure cli credential: Azure CLI not found on PATH");
    }
    if stderr.contains("az login") || stderr.contains("az account set") {
        return unavailable("azure cli credential: please run 'az login' to set up an account");
    }
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("az failed with no message");
    // az never prints a token on standard error; cut the line anyway so that nothing long is echoed.
    let shown: String = first.chars().take(300).collect();
    Error::new(
        ErrorKind::Authentication,
        format!("azure cli credential: {shown}"),
    )
}

impl AzureCliCredential {
    pub fn new(tenant_id: Option<String>) -> AzureCliCredential {
        AzureCliCredential {
            tenant_id,
            ..AzureCliCredential::default()
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A token for `resource` (e.g. `https://management.azure.com`).
    pub async fn token_for(&self, resource: &str) -> Result<AccessToken> {
        safe_arg("resource", resource)?;
        if let Some(t) = &self.tenant_id {
            safe_arg("tenant", t)?;
        }
        let az = find_on_path("az")
            .ok_or_else(|| unavailable("azure cli credential: Azure CLI not found on PATH"))?;
        let mut cmd = tokio::process::Command::new(&az);
        cmd.args([
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            resource,
        ]);
        if let Some(t) = &self.tenant_id {
            cmd.args(["--tenant", t]);
        }
        let cwd = if cfg!(windows) {
            std::env::var_os("SYSTEMROOT").map(PathBuf::from)
        } else {
            Some(PathBuf::from("/bin"))
        };
        if let Some(d) = cwd.filter(|d| d.is_dir()) {
            cmd.current_dir(d);
        }
        cmd.env("AZURE_CORE_NO_COLOR", "true")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        tracing::info!(
            target: "msi_identity::credential",
            "azure cli credential: running {} account get-access-token --output json --resource {resource}{}",
            az.display(),
            self.tenant_id.as_deref().map(|t| format!(" --tenant {t}")).unwrap_or_default()
        );
        let out = match tokio::time::timeout(self.timeout, cmd.output()).await {
            Err(_) => {
                return Err(unavailable(format!(
                    "azure cli credential: az did not answer within {} s",
                    self.timeout.as_secs()
                )));
            }
            Ok(Err(e)) => {
                return Err(unavailable(format!(
                    "azure cli credential: cannot run {}: {e}",
                    az.display()
                )));
            }
            Ok(Ok(out)) => out,
        };
        if !out.status.success() {
            return Err(failure(
                out.status.code(),
                &String::from_utf8_lossy(&out.stderr),
            ));
        }
        parse_output(&out.stdout)
    }
}

impl TokenCredential for AzureCliCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let resource = scope_to_resource(scopes)?;
            self.token_for(&resource).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_expiry_forms() {
        let t = parse_output(br#"{"accessToken": "tok", "expires_on": 1700000000, "expiresOn": "2023-11-14 22:13:20.000000"}"#)
            .unwrap();
        assert_eq!((t.token.expose(), t.expires_on), ("tok", 1_700_000_000));
        let old =
            parse_output(br#"{"accessToken": "tok", "expiresOn": "2030-01-02 03:04:05.000000"}"#)
                .unwrap();
        let want = chrono::NaiveDate::from_ymd_opt(2030, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap()
            .and_local_timezone(chrono::Local)
            .earliest()
            .unwrap()
            .timestamp();
        assert_eq!(old.expires_on, want);
        let e = parse_output(br#"{"accessToken": "secret-tok"}"#).unwrap_err();
        assert!(!e.message().contains("secret-tok"));
    }

    #[test]
    fn failures_say_why() {
        assert_eq!(
            failure(Some(1), "ERROR: Please run 'az login' to setup account.").kind(),
            ErrorKind::CredentialUnavailable
        );
        assert_eq!(
            failure(Some(127), "").kind(),
            ErrorKind::CredentialUnavailable
        );
        let e = failure(Some(1), "\nERROR: AADSTS50076: MFA required\n");
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert!(e.message().contains("AADSTS50076"));
        assert!(safe_arg("resource", "https://management.azure.com").is_ok());
        assert!(safe_arg("resource", "x; rm -rf /").is_err());
    }
}
