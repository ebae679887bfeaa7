//! `msi_identity._native`: the compiled half of the `msi_identity` Python package.
//!
//! A binding file holds argument conversion, error mapping and runtime bridging, nothing else; files are named
//! after the core modules they wrap (`client`, `compute`, `user_identity`, `roles`, `managed_identity`,
//! `credential`, `identity`, `error`, `operation`), plus `runtime` (the one tokio runtime), `logging` (core's
//! logs in Python's `logging`) and `emulator`.

mod bulk;
mod client;
mod compute;
mod credential;
mod desired;
mod emulator;
mod error;
mod identity;
mod json;
mod logging;
mod managed_identity;
mod operation;
mod roles;
mod runtime;
mod user_identity;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("RUNTIME_THREAD_NAME", runtime::THREAD_NAME)?;
    m.add_function(wrap_pyfunction!(runtime::drain, m)?)?;
    m.add_function(wrap_pyfunction!(client::resume_operation, m)?)?;
    error::register(m)?;
    m.add_class::<client::ManagedIdentityClient>()?;
    m.add(
        "AsyncManagedIdentityClient",
        m.py().get_type::<client::AsyncManagedIdentityClient>(),
    )?;
    m.add_class::<credential::AccessToken>()?;
    m.add_class::<credential::ClientSecretCredential>()?;
    m.add(
        "AsyncClientSecretCredential",
        m.py().get_type::<credential::AsyncClientSecretCredential>(),
    )?;
    m.add_class::<credential::DefaultAzureCredential>()?;
    m.add(
        "AsyncDefaultAzureCredential",
        m.py().get_type::<credential::AsyncDefaultAzureCredential>(),
    )?;
    m.add_class::<managed_identity::ManagedIdentityCredential>()?;
    m.add(
        "AsyncManagedIdentityCredential",
        m.py()
            .get_type::<managed_identity::AsyncManagedIdentityCredential>(),
    )?;
    m.add_class::<identity::Identity>()?;
    m.add_class::<identity::UserAssignedIdentity>()?;
    m.add_class::<compute::IdentityUpdate>()?;
    m.add_class::<user_identity::UserIdentity>()?;
    m.add_class::<roles::RoleAssignment>()?;
    m.add_class::<operation::Operation>()?;
    m.add_class::<bulk::BulkRun>()?;
    m.add_class::<emulator::Emulator>()?;
    Ok(())
}
