//! Access tokens as `Get-AzAccessToken` and `az account get-access-token` hand them out: a token of the signed-in
//! account's credential for a resource, the resource named by Az's `-ResourceTypeName`, who the token was issued
//! to (its `TenantId` and `UserId`), and signing in as this machine's managed identity (`Connect-AzAccount
//! -Identity -AccountId`, `az login --identity --client-id`).

use crate::client::{ARM_AUDIENCE, ArmClient};
use crate::credential::AccessToken;
use crate::error::{Error, Result};
use crate::settings::Settings;
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

/// The resource (audience) of each `Get-AzAccessToken -ResourceTypeName` value, in the public cloud: the names
/// Az.Accounts accepts (`Arm` is its default; `ResourceManager` is the same audience).
pub const RESOURCE_TYPES: &[(&str, &str)] = &[
    ("AadGraph", "https://graph.windows.net/"),
    ("AnalysisServices", "https://region.asazure.windows.net"),
    ("AppConfiguration", "https://azconfig.io"),
    ("Arm", "https://management.azure.com/"),
    ("Attestation", "https://attest.azure.net"),
    ("Batch", "https://batch.core.windows.net/"),
    ("CommunicationEmail", "https://communication.azure.com"),
    ("DataLake", "https://datalake.azure.net/"),
    ("KeyVault", "https://vault.azure.net"),
    ("MSGraph", "https://graph.microsoft.com/"),
    ("OperationalInsights", "https://api.loganalytics.io"),
    ("ResourceManager", "https://management.azure.com/"),
    ("Storage", "https://storage.azure.com"),
    ("Synapse", "https://dev.azuresynapse.net"),
];

/// The resource URL of a `-ResourceTypeName` (case-insensitive); an unknown name is an invalid argument that
/// lists the known ones.
pub fn resource_url_for_type(name: &str) -> Result<&'static str> {
    RESOURCE_TYPES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .map(|(_, url)| *url)
        .ok_or_else(|| {
            let known: Vec<&str> = RESOURCE_TYPES.iter().map(|(n, _)| *n).collect();
            Error::invalid_argument(format!(
                "unknown resource type name '{name}': expected one of {}",
                known.join(", ")
            ))
        })
}

/// Who a token was issued to, read from its claims for display (`Get-AzAccessToken`'s `TenantId` and `UserId`).
/// The claims are not verified here: the service that receives the token does that. A token that is not a JWT
/// has neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSubject {
    /// `tid`.
    pub tenant_id: Option<String>,
    /// A user's `upn` (or `unique_name`, `preferred_username`); an application's or managed identity's client id
    /// (`appid`, `azp`); else the object id (`oid`).
    pub user_id: Option<String>,
    /// The token type, always `Bearer` for Entra ID and the managed-identity endpoints.
    #[serde(rename = "type")]
    pub token_type: &'static str,
}

impl AccessToken {
    /// Who this token was issued to (see [`TokenSubject`]). Never fails and never echoes the token.
    pub fn subject(&self) -> TokenSubject {
        token_subject(self.token.expose())
    }
}

/// [`AccessToken::subject`] of a bearer token given as text.
pub fn token_subject(token: &str) -> TokenSubject {
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload.trim_end_matches('='))
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .unwrap_or(Value::Null);
    let claim = |names: &[&str]| {
        names.iter().find_map(|n| {
            claims
                .get(*n)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
    };
    TokenSubject {
        tenant_id: claim(&["tid"]),
        user_id: claim(&[
            "upn",
            "unique_name",
            "preferred_username",
            "appid",
            "azp",
            "oid",
        ]),
        token_type: "Bearer",
    }
}

impl ArmClient {
    /// A token of this client's own credential (the signed-in account) for `resource` (`Get-AzAccessToken
    /// -ResourceUrl`, `az account get-access-token --resource`; `None`: ARM), asked for as `{resource}/.default`.
    pub async fn get_token(&self, resource: Option<&str>) -> Result<AccessToken> {
        let resource = resource.unwrap_or(ARM_AUDIENCE);
        if resource.trim().is_empty() {
            return Err(Error::invalid_argument(
                "resource must name a resource, e.g. https://management.azure.com/",
            ));
        }
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        self.p.credential.get_token(&[scope.as_str()]).await
    }
}

impl Settings {
    /// An ARM client signed in as the managed identity of the machine this runs on (`Connect-AzAccount
    /// -Identity`, `az login --identity`): the identity's token endpoint is chosen from the environment as
    /// azure-identity does, and `client_id` selects a user-assigned identity (`-AccountId`, `--client-id`).
    /// Endpoint, subscription, CA and retries are these settings'; a client secret or access token in them is
    /// not used.
    pub fn managed_identity_client(&self) -> Result<ArmClient> {
        let options = self.client_options()?;
        let credential = self.token_credential(true, None, None)?;
        ArmClient::new(credential, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Secret;

    fn jwt(claims: Value) -> String {
        let enc = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            enc(br#"{"alg":"RS256"}"#),
            enc(claims.to_string().as_bytes())
        )
    }

    #[test]
    fn resource_type_names_are_azs() {
        assert_eq!(
            resource_url_for_type("arm").unwrap(),
            "https://management.azure.com/"
        );
        assert_eq!(
            resource_url_for_type("MSGraph").unwrap(),
            "https://graph.microsoft.com/"
        );
        assert_eq!(
            resource_url_for_type(" KeyVault ").unwrap(),
            "https://vault.azure.net"
        );
        let e = resource_url_for_type("Nope").unwrap_err();
        assert!(e.message().contains("'Nope'") && e.message().contains("Synapse"));
    }

    #[test]
    fn subject_from_the_claims() {
        let t = AccessToken {
            token: Secret::new(jwt(
                serde_json::json!({"tid": "t1", "appid": "app", "oid": "o"}),
            )),
            expires_on: 0,
        };
        assert_eq!(
            t.subject(),
            TokenSubject {
                tenant_id: Some("t1".into()),
                user_id: Some("app".into()),
                token_type: "Bearer"
            }
        );
        let user = token_subject(&jwt(
            serde_json::json!({"tid": "t", "upn": "zoë@contoso.com", "appid": "a"}),
        ));
        assert_eq!(user.user_id.as_deref(), Some("zoë@contoso.com"));
        let oid_only = token_subject(&jwt(serde_json::json!({"oid": "o"})));
        assert_eq!(
            (oid_only.tenant_id, oid_only.user_id.as_deref()),
            (None, Some("o"))
        );
        for opaque in ["", "not-a-jwt", "a.!!!.c", "a.e30.c"] {
            let s = token_subject(opaque);
            assert_eq!((s.tenant_id, s.user_id), (None, None), "{opaque}");
        }
    }
}
