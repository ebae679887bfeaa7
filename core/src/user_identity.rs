//! User-assigned identities (Microsoft.ManagedIdentity/userAssignedIdentities).

use crate::client::{ArmClient, MSI_API_VERSION};
use crate::error::{ErrorKind, Result};
use crate::ids::{MSI_NAMESPACE, UAI_TYPE, validate_identity_name, validate_resource_group};
use reqwest::Method;
use serde_json::{Value, json};

/// A user-assigned identity as the service returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserIdentity {
    pub id: String,
    pub name: String,
    pub location: String,
    pub resource_group: String,
    pub tenant_id: Option<String>,
    pub principal_id: Option<String>,
    pub client_id: Option<String>,
    /// The ARM JSON.
    pub raw: Value,
}

impl UserIdentity {
    pub fn from_json(v: Value) -> UserIdentity {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let id = s("/id").unwrap_or_default();
        let resource_group = crate::ids::ResourceId::parse(&id)
            .map(|r| r.resource_group)
            .unwrap_or_default();
        UserIdentity {
            name: s("/name").unwrap_or_default(),
            location: s("/location").unwrap_or_default(),
            tenant_id: s("/properties/tenantId"),
            principal_id: s("/properties/principalId"),
            client_id: s("/properties/clientId"),
            resource_group,
            id,
            raw: v,
        }
    }
}

impl ArmClient {
    fn uai_path(&self, resource_group: &str, name: &str) -> Result<String> {
        validate_resource_group(resource_group)?;
        validate_identity_name(name)?;
        Ok(crate::ids::user_identity_id(
            &self.subscription,
            resource_group,
            name,
        ))
    }

    /// The path of a user-assigned identity given by full ID (any subscription).
    fn uai_path_from_id(id: &str) -> Result<String> {
        let r = crate::ids::ResourceId::parse(id)?;
        if !r.is_type(MSI_NAMESPACE, UAI_TYPE) {
            return Err(crate::Error::invalid_argument(format!(
                "'{id}' is not a user-assigned identity ID"
            )));
        }
        validate_resource_group(&r.resource_group)?;
        validate_identity_name(r.name())?;
        Ok(crate::ids::user_identity_id(
            &r.subscription,
            &r.resource_group,
            r.name(),
        ))
    }

    /// Read a user-assigned identity by its full ID.
    pub async fn get_user_identity_by_id(&self, id: &str) -> Result<UserIdentity> {
        let path = Self::uai_path_from_id(id)?;
        let r = self
            .p
            .send(
                Method::GET,
                &path,
                &[("api-version", MSI_API_VERSION)],
                None,
                &[],
            )
            .await?;
        Ok(UserIdentity::from_json(r.body))
    }

    /// Delete a user-assigned identity by its full ID; `false` when it did not exist.
    pub async fn delete_user_identity_by_id(&self, id: &str) -> Result<bool> {
        let path = Self::uai_path_from_id(id)?;
        self.delete_uai_at(&path).await
    }

    /// Replace the tags of a user-assigned identity given by full ID (`az identity update --tags`).
    pub async fn update_user_identity_tags(&self, id: &str, tags: Value) -> Result<UserIdentity> {
        let path = Self::uai_path_from_id(id)?;
        if !tags.is_object() {
            return Err(crate::Error::invalid_argument(
                "tags must be a JSON object of strings",
            ));
        }
        let r = self
            .p
            .send(
                Method::PATCH,
                &path,
                &[("api-version", MSI_API_VERSION)],
                Some(&json!({ "tags": tags })),
                &[],
            )
            .await?;
        Ok(UserIdentity::from_json(r.body))
    }

    /// Create (or update the tags of) a user-assigned identity (`az identity create`). The location defaults to
    /// the resource group's.
    pub async fn create_user_identity(
        &self,
        resource_group: &str,
        name: &str,
        location: Option<&str>,
        tags: Option<Value>,
    ) -> Result<UserIdentity> {
        let path = self.uai_path(resource_group, name)?;
        if let Some(t) = &tags
            && !t.is_object()
        {
            return Err(crate::Error::invalid_argument(
                "tags must be a JSON object of strings",
            ));
        }
        let location = match location {
            Some(l) => {
                crate::ids::validate_location(l)?;
                l.to_string()
            }
            None => {
                self.group_location(&self.subscription, resource_group)
                    .await?
            }
        };
        let mut body = json!({ "location": location });
        if let Some(t) = tags {
            body["tags"] = t;
        }
        let r = self
            .p
            .send(
                Method::PUT,
                &path,
                &[("api-version", MSI_API_VERSION)],
                Some(&body),
                &[],
            )
            .await?;
        Ok(UserIdentity::from_json(r.body))
    }

    /// Read a user-assigned identity (`az identity show`).
    pub async fn get_user_identity(
        &self,
        resource_group: &str,
        name: &str,
    ) -> Result<UserIdentity> {
        let path = self.uai_path(resource_group, name)?;
        let r = self
            .p
            .send(
                Method::GET,
                &path,
                &[("api-version", MSI_API_VERSION)],
                None,
                &[],
            )
            .await?;
        Ok(UserIdentity::from_json(r.body))
    }

    /// List user-assigned identities in a resource group, or in the subscription (`az identity list`), following
    /// every `nextLink`.
    pub async fn list_user_identities(
        &self,
        resource_group: Option<&str>,
    ) -> Result<Vec<UserIdentity>> {
        let path = match resource_group {
            Some(g) => {
                validate_resource_group(g)?;
                format!(
                    "/subscriptions/{}/resourceGroups/{g}/providers/{MSI_NAMESPACE}/{UAI_TYPE}",
                    self.subscription
                )
            }
            None => format!(
                "/subscriptions/{}/providers/{MSI_NAMESPACE}/{UAI_TYPE}",
                self.subscription
            ),
        };
        Ok(self
            .p
            .list_all(&path, MSI_API_VERSION)
            .await?
            .into_iter()
            .map(UserIdentity::from_json)
            .collect())
    }

    /// Delete a user-assigned identity (`az identity delete`); `false` when it did not exist.
    pub async fn delete_user_identity(&self, resource_group: &str, name: &str) -> Result<bool> {
        let path = self.uai_path(resource_group, name)?;
        self.delete_uai_at(&path).await
    }

    async fn delete_uai_at(&self, path: &str) -> Result<bool> {
        match self
            .p
            .send(
                Method::DELETE,
                path,
                &[("api-version", MSI_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(r) => Ok(r.status != 204),
            Err(e)
                if e.kind() == ErrorKind::NotFound && e.code() != Some("ResourceGroupNotFound") =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}
