//! Access tokens: RS256 JWTs signed by the emulator's key, and their verification on ARM calls.
//!
//! Tokens look like the v1.0 tokens Entra ID issues for ARM (`iss` =
//! `https://sts.windows.net/{tenant}/`). Every caller is a principal in the store, looked up by the
//! token's `oid`: the seeded admin service principal today, managed identities (system- and
//! user-assigned) as well, so that access control can key on the same object ids.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::store::Principal;
use crate::util;

/// `expires_in` of the tokens Entra issues to the admin service principal (`exp` = `iat` + 3600).
pub const TOKEN_LIFETIME_SECS: i64 = 3599;
/// `expires_in` of managed-identity tokens (IMDS, the MSI extension, App Service style): about a day,
/// as observed on real ARM tokens of managed identities (`exp` = `iat` + 86400).
pub const MI_TOKEN_LIFETIME_SECS: i64 = 86399;
/// Clock skew tolerated on `exp` and `nbf`.
pub const CLOCK_SKEW_SECS: i64 = 300;

/// The audiences ARM accepts besides the emulator's own endpoint.
pub const ARM_AUDIENCES: [&str; 4] = [
    "https://management.azure.com/",
    "https://management.azure.com",
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
];

/// The RSA key that signs tokens.
pub struct SigningKeys {
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    pub kid: String,
    n: String,
    e: String,
}

impl SigningKeys {
    /// A new RSA-2048 key; returns it with its PKCS#8 PEM for storage.
    pub fn generate() -> Result<(SigningKeys, String), Error> {
        let mut rng = rsa::rand_core::OsRng;
        let key = RsaPrivateKey::new(&mut rng, 2048)
            .map_err(|e| Error::crypto(format!("RSA key generation: {e}")))?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| Error::crypto(format!("RSA key encoding: {e}")))?
            .to_string();
        Ok((SigningKeys::from_key(key)?, pem))
    }

    pub fn from_pem(pem: &str) -> Result<SigningKeys, Error> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| Error::crypto(format!("stored RSA key: {e}")))?;
        SigningKeys::from_key(key)
    }

    fn from_key(key: RsaPrivateKey) -> Result<SigningKeys, Error> {
        let public = key.to_public_key();
        let der = public
            .to_public_key_der()
            .map_err(|e| Error::crypto(format!("RSA public key encoding: {e}")))?;
        let digest = Sha256::digest(der.as_bytes());
        let kid = URL_SAFE_NO_PAD.encode(&digest[..20]);
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        Ok(SigningKeys {
            signing: SigningKey::<Sha256>::new(key),
            verifying: VerifyingKey::<Sha256>::new(public),
            kid,
            n,
            e,
        })
    }

    /// The JWKS document (`/discovery/v2.0/keys`).
    pub fn jwks(&self, issuer: &str) -> Value {
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": self.n,
            "e": self.e,
            "alg": "RS256",
            "issuer": issuer,
        }]})
    }

    /// Encodes and signs `claims` as a compact JWS.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "x5t": self.kid, "kid": self.kid});
        let mut out = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.signing.sign(out.as_bytes());
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        out
    }

    /// Checks the structure and signature of `token` and returns its claims.
    pub fn verify_signature(&self, token: &str) -> Result<Value, TokenProblem> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Malformed);
        };
        let decode = |x: &str| URL_SAFE_NO_PAD.decode(x.trim_end_matches('='));
        let header: Value = decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenProblem::Malformed)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err(TokenProblem::BadSignature);
        }
        let sig_bytes = decode(s).map_err(|_| TokenProblem::Malformed)?;
        let signature =
            Signature::try_from(sig_bytes.as_slice()).map_err(|_| TokenProblem::BadSignature)?;
        let signed = &token[..h.len() + 1 + p.len()];
        self.verifying
            .verify(signed.as_bytes(), &signature)
            .map_err(|_| TokenProblem::BadSignature)?;
        let claims: Value = decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenProblem::Malformed)?;
        if !claims.is_object() {
            return Err(TokenProblem::Malformed);
        }
        Ok(claims)
    }
}

/// The issuer of the tokens the emulator signs.
pub fn issuer(tenant: &str) -> String {
    format!("https://sts.windows.net/{tenant}/")
}

/// Issuers accepted on ARM calls for `tenant` (v1 and v2 forms, the emulator's own host).
pub fn accepted_issuers(endpoint: &str, tenant: &str) -> Vec<String> {
    let localhost = endpoint.replace("127.0.0.1", "localhost");
    vec![
        issuer(tenant),
        format!("{endpoint}/{tenant}/v2.0"),
        format!("{endpoint}/{tenant}/"),
        format!("{localhost}/{tenant}/v2.0"),
        format!("{localhost}/{tenant}/"),
    ]
}

/// Audiences accepted on ARM calls.
pub fn accepted_audiences(endpoint: &str) -> Vec<String> {
    let localhost = endpoint.replace("127.0.0.1", "localhost");
    let mut out: Vec<String> = ARM_AUDIENCES.iter().map(|s| s.to_string()).collect();
    for e in [endpoint.to_string(), localhost] {
        out.push(format!("{e}/"));
        out.push(e);
    }
    out
}

/// How a principal authenticated (`appidacr`): 1 = client secret, 2 = certificate (managed identities).
#[derive(Clone, Copy, Debug)]
pub enum ClientAuth {
    Secret,
    /// Managed identities (issued through the identity endpoints).
    Certificate,
}

/// A freshly issued access token.
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
    pub expires_on: i64,
    pub not_before: i64,
}

/// Issues an access token for `principal` with audience `audience`, valid `expires_in` + 1 seconds.
pub fn issue(
    keys: &SigningKeys,
    tenant: &str,
    principal: &Principal,
    audience: &str,
    auth: ClientAuth,
    expires_in: i64,
) -> IssuedToken {
    let now = util::now_secs();
    let exp = now + expires_in + 1;
    IssuedToken {
        access_token: sign_token(keys, tenant, principal, audience, auth, now, exp),
        expires_in,
        expires_on: exp,
        not_before: now,
    }
}

/// Signs a token issued at `iat` (also `nbf`) expiring at `exp`.
pub fn sign_token(
    keys: &SigningKeys,
    tenant: &str,
    principal: &Principal,
    audience: &str,
    auth: ClientAuth,
    iat: i64,
    exp: i64,
) -> String {
    let iss = issuer(tenant);
    let mut claims = json!({
        "aud": audience,
        "iss": iss,
        "iat": iat,
        "nbf": iat,
        "exp": exp,
        "aio": URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()),
        "appid": principal.client_id,
        "appidacr": match auth { ClientAuth::Secret => "1", ClientAuth::Certificate => "2" },
        "idp": iss,
        "idtyp": "app",
        "oid": principal.object_id,
        "rh": "0.emulator",
        "sub": principal.object_id,
        "tid": tenant,
        "uti": URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()),
        "ver": "1.0",
    });
    if let Some(resource) = &principal.resource {
        claims["xms_mirid"] = Value::String(resource.clone());
    }
    keys.sign(&claims)
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenProblem {
    Missing,
    BadHeaderFormat,
    Malformed,
    BadSignature,
    Expired { exp: i64, now: i64 },
    NotYetValid,
    WrongAudience(String),
    WrongIssuer(String),
    UnknownPrincipal(String),
}

/// The verified claims a caller presented.
#[derive(Clone, Debug)]
pub struct Claims {
    pub object_id: String,
    /// `exp`: after it (and [`CLOCK_SKEW_SECS`]) the token is refused.
    pub expires_at: i64,
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: Option<&str>) -> Result<&str, TokenProblem> {
    let header = header.ok_or(TokenProblem::Missing)?.trim();
    let (scheme, token) = header
        .split_once(' ')
        .ok_or(TokenProblem::BadHeaderFormat)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(TokenProblem::BadHeaderFormat);
    }
    Ok(token.trim())
}

/// Verifies an `Authorization` header value (signature, lifetime, audience, issuer). The caller then
/// looks `object_id` up among the principals.
pub fn verify_bearer(
    keys: &SigningKeys,
    header: Option<&str>,
    endpoint: &str,
    tenant: &str,
) -> Result<Claims, TokenProblem> {
    verify_bearer_for(
        keys,
        header,
        &accepted_audiences(endpoint),
        endpoint,
        tenant,
    )
}

/// Audiences Microsoft Graph accepts: its own (`https://graph.microsoft.com`, its app id), and the
/// emulator's endpoint, which a cloud registered from `/metadata/endpoints` names as
/// `microsoftGraphResourceId` (az asks for a token for that resource and calls Graph below it).
pub fn graph_audiences(endpoint: &str) -> Vec<String> {
    let localhost = endpoint.replace("127.0.0.1", "localhost");
    let mut out: Vec<String> = GRAPH_AUDIENCES.iter().map(|s| s.to_string()).collect();
    for e in [endpoint.to_string(), localhost] {
        out.push(format!("{e}/"));
        out.push(e);
    }
    out
}

pub const GRAPH_AUDIENCES: [&str; 3] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];

/// [`verify_bearer`] against the given audiences.
pub fn verify_bearer_for(
    keys: &SigningKeys,
    header: Option<&str>,
    audiences: &[String],
    endpoint: &str,
    tenant: &str,
) -> Result<Claims, TokenProblem> {
    let token = bearer_token(header)?;
    let claims = keys.verify_signature(token)?;
    let now = util::now_secs();
    let num = |k: &str| claims.get(k).and_then(Value::as_i64);
    let exp = num("exp").ok_or(TokenProblem::Malformed)?;
    if now > exp + CLOCK_SKEW_SECS {
        return Err(TokenProblem::Expired { exp, now });
    }
    if num("nbf").is_some_and(|nbf| nbf > now + CLOCK_SKEW_SECS) {
        return Err(TokenProblem::NotYetValid);
    }
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    if !audiences.iter().any(|a| a == aud) {
        return Err(TokenProblem::WrongAudience(aud.to_string()));
    }
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let tid = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    if !accepted_issuers(endpoint, tenant).iter().any(|i| i == iss)
        || !tid.eq_ignore_ascii_case(tenant)
    {
        return Err(TokenProblem::WrongIssuer(iss.to_string()));
    }
    let oid = claims
        .get("oid")
        .and_then(Value::as_str)
        .ok_or(TokenProblem::Malformed)?;
    Ok(Claims {
        object_id: oid.to_string(),
        expires_at: exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn keys() -> &'static SigningKeys {
        static K: OnceLock<SigningKeys> = OnceLock::new();
        K.get_or_init(|| SigningKeys::generate().unwrap().0)
    }

    fn admin() -> Principal {
        Principal {
            object_id: "oid-1".into(),
            client_id: "app-1".into(),
            kind: "ServicePrincipal".into(),
            resource: None,
            display_name: "admin".into(),
        }
    }

    const EP: &str = "https://127.0.0.1:1234";

    #[test]
    fn issued_tokens_verify() {
        let t = issue(
            keys(),
            "tid",
            &admin(),
            "https://management.azure.com/",
            ClientAuth::Secret,
            TOKEN_LIFETIME_SECS,
        );
        let header = format!("Bearer {}", t.access_token);
        let c = verify_bearer(keys(), Some(&header), EP, "tid").unwrap();
        assert_eq!(c.object_id, "oid-1");
    }

    #[test]
    fn tampered_and_misdirected_tokens_are_refused() {
        let t = issue(
            keys(),
            "tid",
            &admin(),
            "https://management.azure.com",
            ClientAuth::Secret,
            TOKEN_LIFETIME_SECS,
        );
        let mut parts: Vec<String> = t.access_token.split('.').map(str::to_string).collect();
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["oid"] = json!("someone-else");
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        let forged = format!("Bearer {}", parts.join("."));
        assert_eq!(
            verify_bearer(keys(), Some(&forged), EP, "tid").unwrap_err(),
            TokenProblem::BadSignature
        );
        let vault = issue(
            keys(),
            "tid",
            &admin(),
            "https://vault.azure.net",
            ClientAuth::Secret,
            TOKEN_LIFETIME_SECS,
        );
        let h = format!("Bearer {}", vault.access_token);
        assert!(matches!(
            verify_bearer(keys(), Some(&h), EP, "tid"),
            Err(TokenProblem::WrongAudience(_))
        ));
        let other = issue(
            keys(),
            "other",
            &admin(),
            "https://management.azure.com/",
            ClientAuth::Secret,
            TOKEN_LIFETIME_SECS,
        );
        let h = format!("Bearer {}", other.access_token);
        assert!(matches!(
            verify_bearer(keys(), Some(&h), EP, "tid"),
            Err(TokenProblem::WrongIssuer(_))
        ));
        assert_eq!(
            verify_bearer(keys(), None, EP, "tid").unwrap_err(),
            TokenProblem::Missing
        );
        assert_eq!(
            verify_bearer(keys(), Some("Basic abc"), EP, "tid").unwrap_err(),
            TokenProblem::BadHeaderFormat
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let now = util::now_secs();
        let claims = json!({"aud": "https://management.azure.com/", "iss": issuer("tid"), "tid": "tid",
            "oid": "x", "nbf": now - 8000, "iat": now - 8000, "exp": now - 4000});
        let h = format!("Bearer {}", keys().sign(&claims));
        assert!(matches!(
            verify_bearer(keys(), Some(&h), EP, "tid"),
            Err(TokenProblem::Expired { .. })
        ));
    }

    #[test]
    fn pem_round_trip_keeps_the_kid() {
        let (k, pem) = SigningKeys::generate().unwrap();
        let again = SigningKeys::from_pem(&pem).unwrap();
        assert_eq!(k.kid, again.kid);
    }
}
