//! Workload identity federation: a token from Entra ID in exchange for a token another issuer gave this workload
//! (a Kubernetes service-account token, a CI job's OIDC token), read from a file, sent as a jwt-bearer
//! `client_assertion` in the client-credentials grant. azure-identity's `WorkloadIdentityCredential` reads the
//! same variables: `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_AUTHORITY_HOST`.
//!
//! The file is read again for every token request, since the issuer rotates it; its content is never logged.

use crate::credential::{AccessToken, BoxFuture, Secret, TokenCredential, TokensByScope};
use crate::entra::{ClientAuth, TokenEndpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpClient, RetryOptions};
use std::fmt;
use std::path::{Path, PathBuf};

/// The variable naming the federated token file.
pub const FEDERATED_TOKEN_FILE_ENV: &str = "AZURE_FEDERATED_TOKEN_FILE";

/// An app registration (or user-assigned identity) that trusts the issuer of the token in `token_file`.
pub struct WorkloadIdentityCredential {
    authority: String,
    tenant_id: String,
    client_id: String,
    token_file: PathBuf,
    http: HttpClient,
    retry: RetryOptions,
    cache: TokensByScope,
}

impl fmt::Debug for WorkloadIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadIdentityCredential")
            .field("authority", &self.authority)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("token_file", &self.token_file)
            .finish_non_exhaustive()
    }
}

/// The assertion in a token file: its text without surrounding whitespace; an empty file is an error.
pub(crate) fn read_assertion(path: &Path) -> Result<Secret> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorKind::CredentialUnavailable,
            format!(
                "workload identity credential: cannot read the federated token file {}: {e}",
                path.display()
            ),
        )
    })?;
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::new(
            ErrorKind::CredentialUnavailable,
            format!(
                "workload identity credential: the federated token file {} is empty",
                path.display()
            ),
        ));
    }
    Ok(Secret::new(t))
}

impl WorkloadIdentityCredential {
    /// `authority` is the Entra host (`https://login.microsoftonline.com`, or the emulator's endpoint).
    pub fn new(
        authority: &str,
        tenant_id: &str,
        client_id: &str,
        token_file: impl Into<PathBuf>,
        http: HttpClient,
    ) -> Result<WorkloadIdentityCredential> {
        crate::ids::validate_segment("tenant id", tenant_id)?;
        if client_id.is_empty() {
            return Err(Error::invalid_argument("client id must not be empty"));
        }
        crate::http::require_https("authority", authority)?;
        Ok(WorkloadIdentityCredential {
            authority: authority.trim_end_matches('/').to_string(),
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            token_file: token_file.into(),
            http,
            retry: RetryOptions::default(),
            cache: TokensByScope::default(),
        })
    }

    pub fn with_retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    async fn request(&self, scope: &str) -> Result<AccessToken> {
        let assertion = read_assertion(&self.token_file)?;
        let endpoint = TokenEndpoint {
            authority: &self.authority,
            tenant_id: &self.tenant_id,
            client_id: &self.client_id,
            http: &self.http,
            retry: &self.retry,
            what: "workload identity credential",
        };
        let issued = endpoint
            .request(&ClientAuth::Assertion(assertion.expose()), scope)
            .await?;
        Ok(AccessToken {
            token: Secret::new(issued.token),
            expires_on: issued.expires_on,
        })
    }
}

impl TokenCredential for WorkloadIdentityCredential {
    fn get_token_with<'a>(
        &'a self,
        scopes: &'a [&'a str],
        options: &'a crate::credential::TokenRequestOptions,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            options.check("WorkloadIdentityCredential", Some(&self.tenant_id))?;
            self.get_token(scopes).await
        })
    }

    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(scopes, |scope| self.request(scope)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assertion_file_is_read_trimmed_and_never_shown() {
        let dir = std::env::temp_dir().join(format!("msi-wi-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("token");
        std::fs::write(&f, "  eyJhbGciOi.payload.sig\n").unwrap();
        assert_eq!(
            read_assertion(&f).unwrap().expose(),
            "eyJhbGciOi.payload.sig"
        );
        std::fs::write(&f, "\n").unwrap();
        assert_eq!(
            read_assertion(&f).unwrap_err().kind(),
            ErrorKind::CredentialUnavailable
        );
        let missing = read_assertion(&dir.join("nope")).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::CredentialUnavailable);
        let c = WorkloadIdentityCredential::new(
            "https://login.example",
            "t",
            "c",
            &f,
            HttpClient::new(None).unwrap(),
        )
        .unwrap();
        assert!(format!("{c:?}").contains("token_file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
