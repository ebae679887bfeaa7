//! Credentials across the boundary: any JS object with `getToken(scopes)` (the `@azure/core-auth`
//! `TokenCredential` shape, so `@azure/identity` credentials work unchanged) becomes a core `TokenCredential`.
//!
//! The bridge calls the JS method on the JS thread through a threadsafe function and awaits the Promise it
//! returns on the tokio runtime. The function is weak: a client holding a JS credential does not keep Node
//! running (a pending call does, through its own Promise).

use crate::abort::{Abort, abortable};
use crate::error::{IntoNapi, invalid};
use msi_identity::credential::BoxFuture;
use msi_identity::{
    AccessToken as CoreAccessToken, Error as CoreError, ErrorKind, Secret, SharedCredential,
    TokenCredential,
};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A token as `@azure/core-auth` shapes it.
#[napi(object)]
pub struct AccessToken {
    pub token: String,
    /// When the token expires, in milliseconds since the Unix epoch.
    pub expires_on_timestamp: f64,
}

impl From<CoreAccessToken> for AccessToken {
    fn from(t: CoreAccessToken) -> Self {
        AccessToken {
            token: t.token.expose().to_string(),
            expires_on_timestamp: (t.expires_on as f64) * 1000.0,
        }
    }
}

/// The options of `getToken`, as `@azure/core-auth` passes them; only `abortSignal` is read (other fields, such
/// as `tracingOptions` or `claims`, are accepted and ignored).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct GetTokenOptions {
    /// Cancels the token request: it rejects with an `AbortError`.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// `getToken(scopes, options)` of this package's credentials: one scope or several, cancellable.
pub async fn token(
    c: SharedCredential,
    scopes: Either<String, Vec<String>>,
    options: Option<GetTokenOptions>,
) -> Result<AccessToken> {
    let scopes = match scopes {
        Either::A(s) => vec![s],
        Either::B(v) => v,
    };
    let signal = options.and_then(|o| o.abort_signal);
    abortable(signal, async move {
        let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
        Ok(c.get_token(&refs).await.napi()?.into())
    })
    .await
}

/// `getToken(scopes: string[])`, bound to its object, called without the error-first convention, weak.
type GetTokenFn =
    ThreadsafeFunction<Vec<String>, Unknown<'static>, Vec<String>, Status, false, true>;

/// A JS credential seen from core.
pub struct JsTokenCredential {
    get_token: GetTokenFn,
}

impl fmt::Debug for JsTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JsTokenCredential")
    }
}

impl JsTokenCredential {
    /// From an object with a `getToken` method (called with the object as `this`).
    pub fn from_object(credential: &Object) -> Result<JsTokenCredential> {
        let method: Option<Unknown> = credential.get("getToken")?;
        if !matches!(method.map(|m| m.get_type()), Some(Ok(ValueType::Function))) {
            return Err(invalid(
                "the credential must be an object with a getToken(scopes) method (a @azure/core-auth TokenCredential)",
            ));
        }
        let method: Function<Vec<String>, Unknown<'static>> =
            credential.get_named_property("getToken")?;
        let bound = method.bind(credential)?;
        let get_token = bound
            .build_threadsafe_function::<Vec<String>>()
            .callee_handled::<false>()
            .weak::<true>()
            .build()?;
        Ok(JsTokenCredential { get_token })
    }
}

/// The one answer of a call, sent from whichever JS callback settles first.
type Reply =
    Arc<Mutex<Option<tokio::sync::oneshot::Sender<msi_identity::Result<CoreAccessToken>>>>>;

fn reply(r: &Reply, v: msi_identity::Result<CoreAccessToken>) {
    if let Some(tx) = r.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = tx.send(v);
    }
}

fn cred_error(kind: ErrorKind, message: impl Into<String>) -> CoreError {
    CoreError::new(kind, message)
}

/// `{ token, expiresOnTimestamp }` (or null) resolved by the JS credential.
fn token_from(env: &Env, v: Unknown) -> msi_identity::Result<CoreAccessToken> {
    let bad = |why: &str| {
        cred_error(
            ErrorKind::Authentication,
            format!("the credential's getToken {why}"),
        )
    };
    match v.get_type() {
        Ok(ValueType::Object) => {}
        Ok(ValueType::Null | ValueType::Undefined) => return Err(bad("returned no token")),
        _ => {
            return Err(bad(
                "did not return an object { token, expiresOnTimestamp }",
            ));
        }
    }
    let o = unsafe { Object::from_napi_value(env.raw(), v.raw()) }
        .map_err(|_| bad("did not return an object"))?;
    let token: Option<String> = o.get("token").ok().flatten();
    let expires: Option<f64> = o.get("expiresOnTimestamp").ok().flatten();
    match (token, expires) {
        (Some(token), Some(ms)) if !token.is_empty() && ms.is_finite() => Ok(CoreAccessToken {
            token: Secret::new(token),
            expires_on: (ms / 1000.0).floor() as i64,
        }),
        _ => Err(bad(
            "returned no { token: string, expiresOnTimestamp: number }",
        )),
    }
}

/// A rejection (or throw) of the JS credential. One of our own errors keeps its fields; azure-identity's
/// `CredentialUnavailableError` keeps its meaning; anything else is an authentication failure.
fn rejection(env: &Env, v: Unknown) -> CoreError {
    if !matches!(v.get_type(), Ok(ValueType::Object)) {
        return cred_error(
            ErrorKind::Authentication,
            "the credential's getToken failed with a non-Error value",
        );
    }
    let Ok(o) = (unsafe { Object::from_napi_value(env.raw(), v.raw()) }) else {
        return cred_error(
            ErrorKind::Authentication,
            "the credential's getToken failed",
        );
    };
    let s = |k: &str| o.get::<String>(k).ok().flatten();
    let message = s("message").unwrap_or_else(|| "getToken failed".into());
    let name = s("name").unwrap_or_default();
    if let Some(kind) = s("kind").as_deref().and_then(ErrorKind::parse) {
        // One of ours (e.g. a ManagedIdentityCredential of this package): keep every field.
        let status = o.get::<u32>("statusCode").ok().flatten();
        let mut e = match status {
            Some(st) => CoreError::from_service(st as u16, s("code"), message, s("requestId"))
                .with_kind(kind),
            None => CoreError::new(kind, message),
        };
        if status.is_none()
            && let Some(c) = s("code")
        {
            e = e.with_code(c);
        }
        return e;
    }
    let kind = if name == "CredentialUnavailableError" {
        ErrorKind::CredentialUnavailable
    } else {
        ErrorKind::Authentication
    };
    let e = cred_error(kind, format!("credential: {message}"));
    if name.is_empty() || name == "Error" {
        e
    } else {
        e.with_code(name)
    }
}

fn is_promise(env: &Env, v: &Unknown) -> bool {
    let mut yes = false;
    let st = unsafe { napi::sys::napi_is_promise(env.raw(), v.raw(), &mut yes) };
    st == napi::sys::Status::napi_ok && yes
}

impl TokenCredential for JsTokenCredential {
    fn get_token<'a>(
        &'a self,
        scopes: &'a [&'a str],
    ) -> BoxFuture<'a, msi_identity::Result<CoreAccessToken>> {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        Box::pin(async move {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let r: Reply = Arc::new(Mutex::new(Some(tx)));
            let status = self.get_token.call_with_return_value(
                scopes,
                ThreadsafeFunctionCallMode::NonBlocking,
                move |ret: Result<Unknown<'static>>, env: Env| {
                    let v = match ret {
                        Ok(v) => v,
                        Err(e) => {
                            reply(
                                &r,
                                Err(cred_error(
                                    ErrorKind::Authentication,
                                    format!("credential: {}", e.reason),
                                )),
                            );
                            return Ok(());
                        }
                    };
                    if !is_promise(&env, &v) {
                        reply(&r, token_from(&env, v));
                        return Ok(());
                    }
                    let p = unsafe { PromiseRaw::<Unknown>::from_napi_value(env.raw(), v.raw())? };
                    let on_ok = r.clone();
                    let on_err = r.clone();
                    p.then(move |ctx| {
                        reply(&on_ok, token_from(&ctx.env, ctx.value));
                        Ok(())
                    })?
                    .catch(move |ctx: CallbackContext<Unknown>| {
                        reply(&on_err, Err(rejection(&ctx.env, ctx.value)));
                        Ok(())
                    })?;
                    Ok(())
                },
            );
            if status != Status::Ok {
                return Err(cred_error(
                    ErrorKind::CredentialUnavailable,
                    format!("cannot call the credential's getToken: {status}"),
                ));
            }
            rx.await.unwrap_or_else(|_| {
                Err(cred_error(
                    ErrorKind::CredentialUnavailable,
                    "the credential's getToken never answered (is Node shutting down?)",
                ))
            })
        })
    }
}

/// A JS credential (any value: checked here, so that `null` or a string is an invalid argument, not a
/// TypeError) as core's shared credential.
pub fn shared(env: &Env, credential: Unknown) -> Result<SharedCredential> {
    if !matches!(
        credential.get_type(),
        Ok(ValueType::Object | ValueType::Function)
    ) {
        return Err(invalid(
            "the credential must be an object with a getToken(scopes) method (a @azure/core-auth TokenCredential)",
        ));
    }
    let o = unsafe { Object::from_napi_value(env.raw(), credential.raw())? };
    Ok(Arc::new(JsTokenCredential::from_object(&o)?))
}
