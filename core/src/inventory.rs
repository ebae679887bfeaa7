//! What a subscription holds, as a browsing face (the `msi portal` page) shows it: its resource groups, the
//! VMs and scale sets a user-assigned identity is attached to, and the names of role definitions.

use crate::client::{ArmClient, RESOURCES_API_VERSION};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::ids::{ComputeKind, ComputeTarget, MSI_NAMESPACE, ResourceId, UAI_TYPE};
use crate::roles::AUTHORIZATION_API_VERSION;
use reqwest::Method;
use serde_json::Value;

impl ArmClient {
    /// Every resource group of the client's subscription (`az group list`), every page.
    pub async fn list_resource_groups(&self) -> Result<Vec<Value>> {
        let path = format!("/subscriptions/{}/resourcegroups", self.subscription);
        self.p.list_all(&path, RESOURCES_API_VERSION).await
    }

    /// The VMs and scale sets of the client's subscription that have the user-assigned identity `id` attached
    /// (what the portal's "Azure resources" of a managed identity lists). IDs compare case-insensitively, as
    /// ARM's do.
    pub async fn user_identity_attachments(&self, id: &str) -> Result<Vec<ComputeTarget>> {
        let rid = ResourceId::parse(id)?;
        if !rid.is_type(MSI_NAMESPACE, UAI_TYPE) {
            return Err(Error::invalid_argument(format!(
                "'{id}' is not a user-assigned identity ID; expected .../providers/{MSI_NAMESPACE}/{UAI_TYPE}/<name>"
            )));
        }
        let mut out = Vec::new();
        for kind in [
            ComputeKind::VirtualMachine,
            ComputeKind::VirtualMachineScaleSet,
        ] {
            for resource in self.list_compute(kind, None).await? {
                let attached = Identity::from_resource(&resource)
                    .map(|i| i.has_user_identity(id))
                    .unwrap_or(false);
                let target = resource
                    .get("id")
                    .and_then(Value::as_str)
                    .map(|rid| ComputeTarget::from_id(rid, kind));
                if let (true, Some(Ok(t))) = (attached, target) {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    /// The name of a role definition (`Reader`) from its full ID; the ID's last segment when the definition
    /// cannot be read (a custom role since deleted, or no right to read it).
    pub async fn role_definition_name(&self, role_definition_id: &str) -> Result<String> {
        let id = role_definition_id.trim_end_matches('/');
        let lower = id.to_ascii_lowercase();
        if !id.starts_with('/')
            || !lower.contains("/providers/microsoft.authorization/roledefinitions/")
        {
            return Err(Error::invalid_argument(format!(
                "'{role_definition_id}' is not a role definition ID (.../providers/Microsoft.Authorization/roleDefinitions/<guid>)"
            )));
        }
        let fallback = id.rsplit('/').next().unwrap_or(id).to_string();
        match self
            .p
            .send(
                Method::GET,
                id,
                &[("api-version", AUTHORIZATION_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(r) => Ok(r
                .body
                .pointer("/properties/roleName")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or(fallback)),
            Err(e) if matches!(e.status(), Some(403 | 404)) => Ok(fallback),
            Err(e) => Err(e),
        }
    }
}
