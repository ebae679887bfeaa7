//! `ManagedIdentityCredential` (core's `managed_identity`): tokens of a VM's or app's managed identity from
//! IMDS, the legacy MSI VM extension or the App Service endpoint, as an azure-core `TokenCredential`.

use crate::credential::{NativeCredential, credential_class, http_client};
use crate::error::ResultExt;
use msi_identity::{
    Error, IdentitySelector, ManagedIdentityCredential as CoreManagedIdentityCredential,
    ManagedIdentitySource, SharedCredential,
};
use pyo3::prelude::*;
use std::sync::Arc;

/// The source: `imds_endpoint` (an IMDS base URL, e.g. the emulator's `imds_base_url(...)`), or the legacy
/// extension on `msi_extension_port`, or (neither) chosen from the environment as azure-identity does.
#[allow(clippy::too_many_arguments)]
pub fn managed_identity_credential(
    py: Python<'_>,
    client_id: Option<String>,
    object_id: Option<String>,
    resource_id: Option<String>,
    imds_endpoint: Option<String>,
    msi_extension_port: Option<u16>,
    ca_cert_pem: Option<String>,
    ca_cert_path: Option<String>,
) -> PyResult<Arc<NativeCredential>> {
    let selector =
        IdentitySelector::from_options(client_id, object_id, resource_id).or_raise(py)?;
    let source = match (imds_endpoint, msi_extension_port) {
        (Some(_), Some(_)) => Err(Error::invalid_argument(
            "give imds_endpoint or msi_extension_port, not both",
        )),
        (Some(base_url), None) => Ok(Some(ManagedIdentitySource::Imds { base_url })),
        (None, Some(port)) => Ok(Some(ManagedIdentitySource::msi_extension(port))),
        (None, None) => Ok(None),
    }
    .or_raise(py)?;
    let repr = format!(
        "ManagedIdentityCredential(source={}, identity={selector:?})",
        match &source {
            Some(s) => format!("{s:?}"),
            None => "from environment".into(),
        }
    );
    NativeCredential::new(repr, move || {
        let http = http_client(ca_cert_pem.clone(), ca_cert_path.clone())?;
        let source = source
            .clone()
            .unwrap_or_else(ManagedIdentitySource::from_env);
        Ok(Arc::new(CoreManagedIdentityCredential::new(
            source,
            selector.clone(),
            http,
        )?) as SharedCredential)
    })
    .or_raise(py)
}

credential_class!(
    ManagedIdentityCredential,
    "ManagedIdentityCredential",
    sync,
    [*, client_id=None, object_id=None, resource_id=None, imds_endpoint=None, msi_extension_port=None, ca_cert_pem=None, ca_cert_path=None],
    managed_identity_credential,
    (client_id: Option<String>, object_id: Option<String>, resource_id: Option<String>, imds_endpoint: Option<String>, msi_extension_port: Option<u16>, ca_cert_pem: Option<String>, ca_cert_path: Option<String>)
);
credential_class!(
    AsyncManagedIdentityCredential,
    "ManagedIdentityCredential",
    async,
    [*, client_id=None, object_id=None, resource_id=None, imds_endpoint=None, msi_extension_port=None, ca_cert_pem=None, ca_cert_path=None],
    managed_identity_credential,
    (client_id: Option<String>, object_id: Option<String>, resource_id: Option<String>, imds_endpoint: Option<String>, msi_extension_port: Option<u16>, ca_cert_pem: Option<String>, ca_cert_path: Option<String>)
);
