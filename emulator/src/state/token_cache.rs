//! Two bounded caches in front of RSA (issue 13: half of a GET's CPU was verifying the same bearer
//! token again, and each managed-identity token cost ~2 ms of signing):
//!
//! - verified ARM bearer tokens, keyed by the token's SHA-256 (32 bytes instead of the ~1.3 KB token;
//!   the cache holds no token), each until its `exp` (+ the clock skew): a cached token is refused
//!   once it has expired, as an uncached one is;
//! - issued managed-identity tokens per (principal, client id, owning resource, audience), reused
//!   until [`REISSUE_BEFORE_EXPIRY_SECS`] before they expire, as IMDS does ("IMDS caches tokens
//!   internally; AAD is called only on a cache miss or expiry", azure-facts §6.1). Only the
//!   machines' token endpoints use it, not Entra's client-credentials endpoint.
//!
//! Both are `quick_cache` caches (CLOCK-Pro eviction, sharded locks), bounded by entry count.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

use crate::auth::{CLOCK_SKEW_SECS, Claims, IssuedToken};
use crate::store::Principal;

/// Verified bearer tokens remembered (a few MB at most: 32-byte keys, an object id and `exp`).
pub const VERIFIED_CAPACITY: usize = 16_384;
/// Issued managed-identity tokens remembered (~1.1 KB each: at most ~18 MB; one per VM identity
/// and audience in use, so 10,000 VMs asking for ARM tokens all hit).
pub const ISSUED_CAPACITY: usize = 16_384;
/// A cached managed-identity token is handed out again until this long before its expiry.
pub const REISSUE_BEFORE_EXPIRY_SECS: i64 = 300;

#[derive(Clone)]
struct Issued {
    access_token: StoredToken,
    expires_on: i64,
    not_before: i64,
}

/// A JWT kept as the bytes its three base64url parts encode, a quarter smaller than its text
/// (~3.4 MB less at 10,000 cached tokens), encoded again when handed out (~1 µs); anything that
/// would not come back identical is kept as text.
#[derive(Clone)]
enum StoredToken {
    Jwt {
        bytes: Arc<[u8]>,
        header: usize,
        payload: usize,
    },
    Text(Arc<str>),
}

impl StoredToken {
    fn new(token: &str) -> StoredToken {
        let mut parts = token.split('.').map(|p| URL_SAFE_NO_PAD.decode(p));
        if let (Some(Ok(h)), Some(Ok(p)), Some(Ok(sig)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            let stored = StoredToken::Jwt {
                header: h.len(),
                payload: p.len(),
                bytes: [h, p, sig].concat().into(),
            };
            if stored.text() == token {
                return stored;
            }
        }
        StoredToken::Text(Arc::from(token))
    }

    fn text(&self) -> String {
        match self {
            StoredToken::Jwt {
                bytes,
                header,
                payload,
            } => {
                let (h, rest) = bytes.split_at(*header);
                let (p, sig) = rest.split_at(*payload);
                let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
                URL_SAFE_NO_PAD.encode_string(h, &mut out);
                out.push('.');
                URL_SAFE_NO_PAD.encode_string(p, &mut out);
                out.push('.');
                URL_SAFE_NO_PAD.encode_string(sig, &mut out);
                out
            }
            StoredToken::Text(t) => t.to_string(),
        }
    }
}

pub struct TokenCaches {
    verified: Cache<[u8; 32], Claims>,
    /// Keyed by the SHA-256 of principal, client id, owning resource and audience (32 bytes
    /// instead of a ~250-byte string: ~2.5 MB less at 10,000 VMs).
    issued: Cache<[u8; 32], Issued>,
}

impl Default for TokenCaches {
    fn default() -> Self {
        TokenCaches {
            verified: Cache::new(VERIFIED_CAPACITY),
            issued: Cache::new(ISSUED_CAPACITY),
        }
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl TokenCaches {
    /// The claims of `token` if it verified before and has not expired since (`now` in seconds).
    pub fn verified(&self, token: &str, now: i64) -> Option<Claims> {
        let key = digest(token);
        let claims = self.verified.get(&key)?;
        if now > claims.expires_at + CLOCK_SKEW_SECS {
            self.verified.remove(&key);
            return None;
        }
        Some(claims)
    }

    /// Remembers that `token` verified with `claims`.
    pub fn remember_verified(&self, token: &str, claims: &Claims) {
        self.verified.insert(digest(token), claims.clone());
    }

    /// The managed-identity token for `principal` and `audience`: a cached one while it has more
    /// than [`REISSUE_BEFORE_EXPIRY_SECS`] left (`expires_in` counting down), else a new one from
    /// `issue`.
    pub fn issued_or(
        &self,
        principal: &Principal,
        audience: &str,
        now: i64,
        issue: impl FnOnce() -> IssuedToken,
    ) -> IssuedToken {
        let key = digest(&format!(
            "{}\n{}\n{}\n{}",
            principal.object_id,
            principal.client_id,
            principal.resource.as_deref().unwrap_or(""),
            audience
        ));
        if let Some(hit) = self.issued.get(&key)
            && hit.expires_on - now > REISSUE_BEFORE_EXPIRY_SECS
        {
            return IssuedToken {
                access_token: hit.access_token.text(),
                expires_in: hit.expires_on - now - 1,
                expires_on: hit.expires_on,
                not_before: hit.not_before,
            };
        }
        let fresh = issue();
        self.issued.insert(
            key,
            Issued {
                access_token: StoredToken::new(&fresh.access_token),
                expires_on: fresh.expires_on,
                not_before: fresh.not_before,
            },
        );
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(oid: &str) -> Principal {
        Principal {
            object_id: oid.into(),
            client_id: "c".into(),
            kind: "SystemAssigned".into(),
            resource: Some("/subscriptions/s/vm".into()),
            display_name: "vm".into(),
        }
    }

    fn token(name: &str, now: i64, lifetime: i64) -> IssuedToken {
        IssuedToken {
            access_token: name.into(),
            expires_in: lifetime - 1,
            expires_on: now + lifetime,
            not_before: now,
        }
    }

    #[test]
    fn stored_tokens_come_back_identical() {
        let jwt = [
            b"{\"alg\":\"RS256\"}".as_slice(),
            b"{\"oid\":\"o\"}",
            &[0xff; 256],
        ]
        .map(|p| URL_SAFE_NO_PAD.encode(p))
        .join(".");
        let stored = StoredToken::new(&jwt);
        assert!(matches!(stored, StoredToken::Jwt { .. }));
        assert_eq!(stored.text(), jwt);
        // Not three canonical base64url parts: kept as it is.
        for other in ["one", "a.b", "a.b.c.d", "YQ=.YQ.YQ", "YR.YQ.YQ", "", ".."] {
            let stored = StoredToken::new(other);
            assert_eq!(stored.text(), other, "{other}");
        }
        assert!(matches!(StoredToken::new("YR.YQ.YQ"), StoredToken::Text(_)));
    }

    #[test]
    fn verified_tokens_are_forgotten_once_expired() {
        let c = TokenCaches::default();
        let claims = Claims {
            object_id: "o".into(),
            expires_at: 1000,
        };
        c.remember_verified("t", &claims);
        assert_eq!(c.verified("t", 1000).unwrap().object_id, "o");
        assert!(c.verified("other", 1000).is_none());
        assert!(c.verified("t", 1000 + CLOCK_SKEW_SECS).is_some());
        assert!(c.verified("t", 1001 + CLOCK_SKEW_SECS).is_none());
        // Forgotten: not even within the skew again.
        assert!(c.verified("t", 1000).is_none());
    }

    #[test]
    fn issued_tokens_are_reused_until_shortly_before_expiry() {
        let c = TokenCaches::default();
        let p = principal("o");
        let first = c.issued_or(&p, "aud", 0, || token("one", 0, 86400));
        assert_eq!(first.access_token, "one");
        let again = c.issued_or(&p, "aud", 100, || token("two", 100, 86400));
        assert_eq!(again.access_token, "one");
        assert_eq!(again.expires_in, 86400 - 100 - 1);
        assert_eq!(again.expires_on, 86400);
        // Another audience, another principal: their own tokens.
        assert_eq!(
            c.issued_or(&p, "vault", 100, || token("v", 100, 86400))
                .access_token,
            "v"
        );
        assert_eq!(
            c.issued_or(&principal("o2"), "aud", 100, || token("p2", 100, 86400))
                .access_token,
            "p2"
        );
        // Five minutes before expiry a new one is made.
        let late = 86400 - REISSUE_BEFORE_EXPIRY_SECS;
        assert_eq!(
            c.issued_or(&p, "aud", late, || token("new", late, 86400))
                .access_token,
            "new"
        );
    }
}
