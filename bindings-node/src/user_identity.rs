//! User-assigned identities: core's `user_identity` module.

use crate::abort::{Abort, OperationOptions, abortable};
use crate::client::MsiClient;
use crate::error::IntoNapi;
use msi_identity::{ArmClient, UserIdentity as CoreUserIdentity};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

/// A user-assigned identity as the service returns it.
#[napi(object)]
pub struct UserIdentity {
    pub id: String,
    pub name: String,
    pub location: String,
    pub resource_group: String,
    pub tenant_id: Option<String>,
    pub principal_id: Option<String>,
    pub client_id: Option<String>,
    /// The ARM JSON.
    #[napi(ts_type = "Record<string, any>")]
    pub raw: Value,
}

impl From<CoreUserIdentity> for UserIdentity {
    fn from(u: CoreUserIdentity) -> Self {
        UserIdentity {
            id: u.id,
            name: u.name,
            location: u.location,
            resource_group: u.resource_group,
            tenant_id: u.tenant_id,
            principal_id: u.principal_id,
            client_id: u.client_id,
            raw: u.raw,
        }
    }
}

/// `createUserIdentity` options.
#[napi(object, object_to_js = false)]
pub struct CreateUserIdentityOptions {
    /// Default: the resource group's.
    pub location: Option<String>,
    pub tags: Option<std::collections::HashMap<String, String>>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// The identity named by group and name or by ID, as core resolves it, then read.
async fn get(
    c: ArmClient,
    rg: Option<String>,
    name: Option<String>,
    id: Option<String>,
) -> Result<UserIdentity> {
    let id = c
        .user_identity_ref(rg.as_deref(), name.as_deref(), id.as_deref())
        .napi()?;
    Ok(c.get_user_identity_by_id(&id).await.napi()?.into())
}

async fn delete(
    c: ArmClient,
    rg: Option<String>,
    name: Option<String>,
    id: Option<String>,
) -> Result<bool> {
    let id = c
        .user_identity_ref(rg.as_deref(), name.as_deref(), id.as_deref())
        .napi()?;
    c.delete_user_identity_by_id(&id).await.napi()
}

#[napi]
impl MsiClient {
    /// Create (or update the tags of) a user-assigned identity (`az identity create`).
    #[napi]
    pub async fn create_user_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<CreateUserIdentityOptions>,
    ) -> Result<UserIdentity> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            let c = self.inner.clone();
            let (location, tags) = match options {
                Some(o) => (o.location, o.tags.map(|t| serde_json::json!(t))),
                None => (None, None),
            };
            Ok(
                c.create_user_identity(&resource_group, &name, location.as_deref(), tags)
                    .await
                    .napi()?
                    .into(),
            )
        })
        .await
    }

    /// Read a user-assigned identity (`az identity show -g -n`).
    #[napi]
    pub async fn get_user_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<UserIdentity> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            get(self.inner.clone(), Some(resource_group), Some(name), None).await
        })
        .await
    }

    /// Read a user-assigned identity by its ARM ID, in whatever subscription it is (`az identity show --ids`).
    #[napi]
    pub async fn get_user_identity_by_id(
        &self,
        id: String,
        options: Option<OperationOptions>,
    ) -> Result<UserIdentity> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            get(self.inner.clone(), None, None, Some(id)).await
        })
        .await
    }

    /// User-assigned identities in a resource group, or in the whole subscription (`az identity list`).
    #[napi]
    pub async fn list_user_identities(
        &self,
        resource_group: Option<String>,
        options: Option<OperationOptions>,
    ) -> Result<Vec<UserIdentity>> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            let c = self.inner.clone();
            Ok(c.list_user_identities(resource_group.as_deref())
                .await
                .napi()?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// Delete a user-assigned identity (`az identity delete -g -n`); `false` when it did not exist.
    #[napi]
    pub async fn delete_user_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            delete(self.inner.clone(), Some(resource_group), Some(name), None).await
        })
        .await
    }

    /// Delete a user-assigned identity by its ARM ID (`az identity delete --ids`); `false` when it did not exist.
    #[napi]
    pub async fn delete_user_identity_by_id(
        &self,
        id: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            delete(self.inner.clone(), None, None, Some(id)).await
        })
        .await
    }
}
