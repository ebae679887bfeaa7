//! Tokens kept on disk across processes, as az and MSAL keep theirs: one JSON file in the user's cache directory
//! (`~/.cache/msi-identity/tokens.json` on Linux; `MSI_TOKEN_CACHE_DIR` overrides the directory), readable and
//! writable by the user only (0600 in a 0700 directory), keyed by authority, tenant, client id and scope, and
//! used until 5 minutes before a token expires.
//!
//! Safety on Unix: the directory must be the user's own and not writable by others, the file is opened without
//! following a symlink and must be a regular file of the user's with no group or other permission bits; anything
//! else is ignored with a warning (never followed, never widened). Writes go to a new file created exclusively
//! with mode 0600 and renamed over the old one, so a reader never sees half a file. Tokens are never logged.
//! Static tokens (`--access-token`) are not cached.

use crate::credential::TokenCredential;
use crate::credential::{AccessToken, BoxFuture, REFRESH_MARGIN_SECS, Secret, SharedCredential};
use crate::error::Result;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Overrides the cache directory (tests, sandboxes).
pub const TOKEN_CACHE_DIR_ENV: &str = "MSI_TOKEN_CACHE_DIR";
const FILE_NAME: &str = "tokens.json";

/// The cache file. Cheap to clone.
#[derive(Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenCache({})", self.dir.display())
    }
}

/// The key of a token: who asked (authority, tenant, client) and for what (scope).
pub fn cache_key(authority: &str, tenant_id: &str, client_id: &str, scope: &str) -> String {
    format!(
        "{}|{}|{}|{}",
        authority.trim_end_matches('/').to_ascii_lowercase(),
        tenant_id.to_ascii_lowercase(),
        client_id.to_ascii_lowercase(),
        scope
    )
}

fn warn(what: &str, path: &Path) {
    tracing::warn!(
        target: "msi_identity::token_cache",
        "not using the token cache {}: {what}",
        path.display()
    );
}

impl TokenCache {
    /// A cache in `dir` (created on first write).
    pub fn in_dir(dir: impl Into<PathBuf>) -> TokenCache {
        TokenCache { dir: dir.into() }
    }

    /// `MSI_TOKEN_CACHE_DIR`, else `msi-identity` in the user's cache directory; `None` when there is none.
    pub fn default_location() -> Option<TokenCache> {
        match std::env::var_os(TOKEN_CACHE_DIR_ENV) {
            Some(d) if !d.is_empty() => Some(TokenCache::in_dir(d)),
            _ => dirs::cache_dir().map(|d| TokenCache::in_dir(d.join("msi-identity"))),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// A token for `key` that is good for more than the refresh margin.
    pub fn get(&self, key: &str) -> Option<AccessToken> {
        let entries = self.read()?;
        let e = entries.get(key)?;
        let token = AccessToken {
            token: Secret::new(e.get("token")?.as_str()?),
            expires_on: e.get("expires_on")?.as_i64()?,
        };
        (!token.expires_within(REFRESH_MARGIN_SECS)).then_some(token)
    }

    /// Keep `token` under `key`; expired entries are dropped. Failures only warn: the cache is an optimisation.
    pub fn put(&self, key: &str, token: &AccessToken) {
        let mut entries = self.read().unwrap_or_default();
        entries.retain(|_, e| {
            e.get("expires_on")
                .and_then(Value::as_i64)
                .is_some_and(|t| t > crate::credential::now_secs())
        });
        entries.insert(
            key.to_string(),
            json!({ "token": token.token.expose(), "expires_on": token.expires_on }),
        );
        let text = json!({ "version": 1, "tokens": Value::Object(entries) }).to_string();
        if let Err(e) = self.write(text.as_bytes()) {
            warn(&format!("cannot write it: {e}"), &self.path());
        }
    }

    /// Forget the token under `key`.
    pub fn remove(&self, key: &str) {
        let Some(mut entries) = self.read() else {
            return;
        };
        if entries.remove(key).is_some() {
            let text = json!({ "version": 1, "tokens": Value::Object(entries) }).to_string();
            if let Err(e) = self.write(text.as_bytes()) {
                warn(&format!("cannot write it: {e}"), &self.path());
            }
        }
    }

    fn read(&self) -> Option<Map<String, Value>> {
        if !self.dir_is_safe(false) {
            return None;
        }
        let path = self.path();
        let bytes = match platform::read_private(&path) {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(why) => {
                warn(&why, &path);
                return None;
            }
        };
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        match v.get("tokens") {
            Some(Value::Object(m)) => Some(m.clone()),
            _ => None,
        }
    }

    fn dir_is_safe(&self, create: bool) -> bool {
        match platform::private_dir(&self.dir, create) {
            Ok(ok) => ok,
            Err(why) => {
                warn(&why, &self.dir);
                false
            }
        }
    }

    fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        if !self.dir_is_safe(true) {
            return Ok(());
        }
        let tmp = self.dir.join(format!(
            ".{FILE_NAME}.{}.{}.tmp",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let result = platform::write_new_private(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, self.path()));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

#[cfg(unix)]
mod platform {
    use std::io::{Read, Write};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
    use std::path::Path;

    fn uid() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    /// Whether `dir` is a real directory of ours that nobody else can write to (creating it 0700 if asked).
    pub fn private_dir(dir: &Path, create: bool) -> Result<bool, String> {
        let meta = match std::fs::symlink_metadata(dir) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| format!("cannot create it: {e}"))?;
                std::fs::symlink_metadata(dir).map_err(|e| e.to_string())?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.to_string()),
        };
        if !meta.is_dir() {
            return Err("it is not a directory (symlinks are not followed)".into());
        }
        if meta.uid() != uid() {
            return Err("the directory belongs to another user".into());
        }
        if meta.mode() & 0o022 != 0 {
            return Err("others may write to the directory".into());
        }
        Ok(true)
    }

    /// The file's bytes, if it is a regular file of ours with no group or other permissions; `None` if absent.
    pub fn read_private(path: &Path) -> Result<Option<Vec<u8>>, String> {
        let mut f = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot open it (a symlink is not followed): {e}")),
        };
        let meta = f.metadata().map_err(|e| e.to_string())?;
        if !meta.is_file() || meta.uid() != uid() || meta.mode() & 0o077 != 0 {
            return Err("it is not a regular file of this user's with mode 0600".into());
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        Ok(Some(bytes))
    }

    /// Create `path` (it must not exist; a symlink there is not followed) with mode 0600 and write `bytes`.
    pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    }
}

#[cfg(not(unix))]
mod platform {
    use std::path::Path;

    // The user's cache directory (under the profile) is private to the user by its ACL.
    pub fn private_dir(dir: &Path, create: bool) -> Result<bool, String> {
        if dir.is_dir() {
            return Ok(true);
        }
        if !create {
            return Ok(false);
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create it: {e}"))?;
        Ok(true)
    }

    pub fn read_private(path: &Path) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        f.write_all(bytes)
    }
}

/// A credential whose tokens are kept in a [`TokenCache`] under `authority|tenant|client|scope`: a token still
/// good there is used without asking `inner`.
pub struct CachedCredential {
    inner: SharedCredential,
    cache: TokenCache,
    identity: (String, String, String),
    /// Tokens by key, and whether each came from the disk (an earlier process) rather than from `inner`.
    memo: std::sync::Mutex<HashMap<String, (AccessToken, bool)>>,
}

impl fmt::Debug for CachedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredential")
            .field("inner", &self.inner)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl CachedCredential {
    pub fn new(
        inner: SharedCredential,
        cache: TokenCache,
        authority: &str,
        tenant_id: &str,
        client_id: &str,
    ) -> CachedCredential {
        CachedCredential {
            inner,
            cache,
            identity: (
                authority.to_string(),
                tenant_id.to_string(),
                client_id.to_string(),
            ),
            memo: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, HashMap<String, (AccessToken, bool)>> {
        self.memo.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn key(&self, scope: &str) -> String {
        let (a, t, c) = &self.identity;
        cache_key(a, t, c, scope)
    }
}

impl TokenCredential for CachedCredential {
    /// The tenant of the cached identity is its own; anything else is the inner credential's to refuse.
    fn get_token_with<'a>(
        &'a self,
        scopes: &'a [&'a str],
        options: &'a crate::credential::TokenRequestOptions,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            if options.is_empty() {
                return self.get_token(scopes).await;
            }
            self.inner.get_token_with(scopes, options).await
        })
    }

    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let key = self.key(&scopes.join(" "));
            if let Some((t, _)) = self
                .memo()
                .get(&key)
                .filter(|(t, _)| !t.expires_within(REFRESH_MARGIN_SECS))
            {
                return Ok(t.clone());
            }
            if let Some(t) = self.cache.get(&key) {
                tracing::info!(
                    target: "msi_identity::token_cache",
                    "token from the cache {} (expires at {})",
                    self.cache.path().display(),
                    t.expires_on
                );
                self.memo().insert(key, (t.clone(), true));
                return Ok(t);
            }
            let t = self.inner.get_token(scopes).await?;
            self.cache.put(&key, &t);
            self.memo().insert(key, (t.clone(), false));
            Ok(t)
        })
    }

    fn invalidate(&self, scopes: &[&str]) -> bool {
        let key = self.key(&scopes.join(" "));
        let from_disk = matches!(self.memo().get(&key), Some((_, true)));
        if from_disk {
            self.memo().remove(&key);
            self.cache.remove(&key);
        }
        from_disk || self.inner.invalidate(scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> PathBuf {
        std::env::temp_dir().join(format!("msi-cache-{}", uuid::Uuid::new_v4().simple()))
    }

    fn token(v: &str, in_secs: i64) -> AccessToken {
        AccessToken {
            token: Secret::new(v),
            expires_on: crate::credential::now_secs() + in_secs,
        }
    }

    #[test]
    fn keeps_fresh_tokens_per_key_in_a_private_file() {
        let dir = tmp();
        let c = TokenCache::in_dir(dir.join("sub"));
        assert!(c.get("k").is_none());
        c.put("k", &token("t1", 3600));
        c.put("soon", &token("t2", 60));
        assert_eq!(c.get("k").unwrap().token.expose(), "t1");
        assert!(
            c.get("soon").is_none(),
            "within 5 minutes of expiry: refreshed"
        );
        assert!(c.get("other").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&c.path()), 0o600);
            assert_eq!(mode(&dir.join("sub")), 0o700);
        }
        assert!(!format!("{c:?}").contains("t1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_open_files_are_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tmp();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let c = TokenCache::in_dir(&dir);
        // A symlink where the file goes: never read through; a write replaces the link, not its target.
        let target = dir.join("elsewhere.json");
        std::fs::write(&target, r#"{"version":1,"tokens":{}}"#).unwrap();
        std::os::unix::fs::symlink(&target, c.path()).unwrap();
        assert!(c.get("k").is_none());
        c.put("k", &token("t1", 3600));
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            r#"{"version":1,"tokens":{}}"#
        );
        assert!(
            !std::fs::symlink_metadata(c.path())
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(c.get("k").unwrap().token.expose(), "t1");
        // A file others may read is ignored.
        std::fs::set_permissions(c.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(c.get("k").is_none());
        // A directory others may write to is not used.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!c.dir_is_safe(false));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn keys_name_authority_tenant_client_and_scope() {
        assert_eq!(
            cache_key(
                "https://Login.Example/",
                "T",
                "C",
                "https://management.azure.com/.default"
            ),
            "https://login.example|t|c|https://management.azure.com/.default"
        );
    }
}
