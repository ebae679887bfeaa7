//! Node bindings for msi-identity (napi-rs). Each file wraps the core module(s) it is named after and holds only
//! argument conversion, error mapping and runtime bridging; every Azure semantic is core's.
//!
//! The generated `index.js`/`index.d.ts` are the native layer; the package's entry is `lib/index.js`, which
//! re-exports them with typed errors (`lib/errors.js`).

mod abort;
mod bulk;
mod client;
mod compute;
mod credential;
mod default_credential;
mod desired;
mod emulator;
mod error;
mod identity;
mod managed_identity;
mod roles;
mod runtime;
mod settings;
mod user_identity;
