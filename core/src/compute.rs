//! VM and scale set reads, identity changes (read, plan, PATCH with `If-Match`), creation and deletion.

use crate::client::{ArmClient, COMPUTE_API_VERSION};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Response;
use crate::identity::{Identity, IdentityChange, IdentityType, Plan, plan, replan};
use crate::ids::ComputeTarget;
use rand::Rng;
use reqwest::Method;
use serde_json::{Map, Value};
use std::time::Duration;

/// The result of an identity change.
#[derive(Debug, Clone)]
pub struct IdentityUpdate {
    /// False when the resource already was as asked (no write was sent).
    pub changed: bool,
    /// The identity after the change.
    pub identity: Identity,
    /// The whole resource as last read.
    pub resource: Value,
}

/// The resource a successful write answered with, as a GET after its operation would show it: `None` when the
/// answer is not the resource (an empty 202, another resource) or not yet complete.
fn answered_resource(resp: &Response, t: &ComputeTarget) -> Option<Value> {
    let id = resp.body.get("id").and_then(Value::as_str)?;
    if !id.eq_ignore_ascii_case(&t.path()) || resp.status == 202 {
        return None;
    }
    // ARM answers a newly attached user-assigned identity as `{}` (its IDs are filled in by the operation, as
    // the recordings show), and a system-assigned one with its principal: anything missing is read afterwards.
    let identity = resp.body.get("identity");
    let ua_complete = identity
        .and_then(|i| i.get("userAssignedIdentities"))
        .and_then(Value::as_object)
        .is_none_or(|m| {
            m.values()
                .all(|v| v.get("clientId").is_some() && v.get("principalId").is_some())
        });
    let system = identity
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"));
    let system_complete = !system || identity.and_then(|i| i.get("principalId")).is_some();
    if !ua_complete || !system_complete {
        return None;
    }
    let mut resource = resp.body.clone();
    if let Some(state) = resource.pointer_mut("/properties/provisioningState") {
        *state = Value::String("Succeeded".into());
    }
    Some(resource)
}

/// What the write of an identity change did.
pub(crate) enum IdentityWrite {
    /// Nothing had to change: no write was sent.
    Unchanged(IdentityUpdate),
    /// The PATCH was accepted; its operation may still run.
    Sent(Response),
}

fn etag_of(resource: &Value, headers_etag: Option<String>) -> Option<String> {
    headers_etag.or_else(|| {
        resource
            .get("etag")
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

impl ArmClient {
    /// Read a VM or scale set, with its etag.
    pub(crate) async fn read_compute(&self, t: &ComputeTarget) -> Result<(Value, Option<String>)> {
        let r = self
            .p
            .send(
                Method::GET,
                &t.path(),
                &[("api-version", COMPUTE_API_VERSION)],
                None,
                &[],
            )
            .await?;
        let etag = etag_of(&r.body, r.header("etag"));
        Ok((r.body, etag))
    }

    /// The whole VM or scale set resource.
    pub async fn get_compute(&self, t: &ComputeTarget) -> Result<Value> {
        Ok(self.read_compute(t).await?.0)
    }

    /// The identity of a VM or scale set (`az vm identity show`).
    pub async fn show_identity(&self, t: &ComputeTarget) -> Result<Identity> {
        Identity::from_resource(&self.get_compute(t).await?)
    }

    /// Apply an identity change: read, plan, PATCH with `If-Match`, wait for the operation. The PATCH answer is
    /// the new resource (ARM returns it, identity and principal ID included), so it is not read again. When
    /// another writer changed the resource in between (412), read again, plan again and retry, so no change is
    /// lost. When there is nothing to do, no write is sent.
    pub async fn update_identity(
        &self,
        t: &ComputeTarget,
        change: &IdentityChange,
    ) -> Result<IdentityUpdate> {
        self.update_identity_from(t, change, None).await
    }

    /// [`ArmClient::update_identity`] starting from the resource and etag already read (a list page), so the
    /// first round needs no GET: with an operation that the PATCH answers as finished, one round trip.
    pub(crate) async fn update_identity_from(
        &self,
        t: &ComputeTarget,
        change: &IdentityChange,
        known: Option<(Value, Option<String>)>,
    ) -> Result<IdentityUpdate> {
        match self.write_identity(t, change, known).await? {
            IdentityWrite::Unchanged(update) => Ok(update),
            IdentityWrite::Sent(resp) => {
                self.p.wait(&resp, COMPUTE_API_VERSION).await?;
                match answered_resource(&resp, t) {
                    Some(resource) if !self.p.no_wait => Ok(IdentityUpdate {
                        changed: true,
                        identity: Identity::from_resource(&resource)?,
                        resource,
                    }),
                    _ => self.read_identity_update(t, true).await,
                }
            }
        }
    }

    /// The resource and its identity as they are now.
    pub(crate) async fn read_identity_update(
        &self,
        t: &ComputeTarget,
        changed: bool,
    ) -> Result<IdentityUpdate> {
        let resource = self.get_compute(t).await?;
        let identity = Identity::from_resource(&resource)?;
        Ok(IdentityUpdate {
            changed,
            identity,
            resource,
        })
    }

    /// The write of an identity change (read, plan, PATCH with `If-Match`, again after a 412), not waited for.
    pub(crate) async fn write_identity(
        &self,
        t: &ComputeTarget,
        change: &IdentityChange,
        known: Option<(Value, Option<String>)>,
    ) -> Result<IdentityWrite> {
        let mut attempt = 0u32;
        let mut known = known;
        loop {
            let (resource, etag) = match known.take() {
                Some(k) => k,
                None => self.read_compute(t).await?,
            };
            let current = Identity::from_resource(&resource)?;
            let planned = if attempt == 0 {
                plan(&current, change)?
            } else {
                replan(&current, change)?
            };
            let body = match planned {
                Plan::NoChange => {
                    return Ok(IdentityWrite::Unchanged(IdentityUpdate {
                        changed: false,
                        identity: current,
                        resource,
                    }));
                }
                Plan::Patch(body) => body,
            };
            let headers: Vec<(&str, String)> = etag.into_iter().map(|e| ("if-match", e)).collect();
            let sent = self
                .p
                .send(
                    Method::PATCH,
                    &t.path(),
                    &[("api-version", COMPUTE_API_VERSION)],
                    Some(&body),
                    &headers,
                )
                .await;
            match sent {
                Ok(resp) => return Ok(IdentityWrite::Sent(resp)),
                Err(e) if e.status() == Some(412) && attempt < self.max_conflict_retries => {
                    attempt += 1;
                    // Spread the losers out so the next round has one winner, not another pile-up.
                    let cap = (10 * attempt as u64).min(250);
                    let ms = rand::rng().random_range(0..=cap);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Create a VM or scale set from a caller-supplied model with the given identity (the seeds' "enable during
    /// creation"). `identity_type` `None` with no user identities keeps whatever identity the model has. The
    /// location defaults to the resource group's. Fails with a conflict if the resource already exists: creation
    /// never overwrites.
    pub async fn create_compute(
        &self,
        t: &ComputeTarget,
        model: Value,
        system: bool,
        user_identities: &[String],
    ) -> Result<Value> {
        let resp = self
            .put_new_compute(t, model, system, user_identities)
            .await?;
        self.p.wait(&resp, COMPUTE_API_VERSION).await?;
        self.get_compute(t).await
    }

    /// The PUT of [`ArmClient::create_compute`], not waited for.
    pub(crate) async fn put_new_compute(
        &self,
        t: &ComputeTarget,
        model: Value,
        system: bool,
        user_identities: &[String],
    ) -> Result<Response> {
        let mut model = match model {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(Error::invalid_argument(format!(
                    "the {} model must be a JSON object, not {}",
                    t.kind.short(),
                    json_kind(&other)
                )));
            }
        };
        for ro in ["id", "name", "type", "etag"] {
            model.remove(ro);
        }
        if system || !user_identities.is_empty() {
            let change = IdentityChange::Set {
                identity_type: IdentityType::from_parts(system, !user_identities.is_empty()),
                user: Some(user_identities.to_vec()),
            };
            match plan(&Identity::none(), &change)? {
                Plan::Patch(body) => {
                    model.insert("identity".into(), body["identity"].clone());
                }
                Plan::NoChange => {}
            }
        } else if let Some(id) = model.get("identity") {
            // Normalise a model-supplied type so a typo is caught here, not by the service.
            if let Some(ty) = id.get("type").and_then(Value::as_str) {
                let canon = IdentityType::parse(ty)?;
                model["identity"]["type"] = canon.as_str().into();
            }
        }
        if !model.contains_key("location") {
            let loc = self
                .group_location(&t.subscription, &t.resource_group)
                .await?;
            model.insert("location".into(), loc.into());
        }
        let body = Value::Object(model);
        self.p
            .send(
                Method::PUT,
                &t.path(),
                &[("api-version", COMPUTE_API_VERSION)],
                Some(&body),
                &[("if-none-match", "*".to_string())],
            )
            .await
            .map_err(|e| {
                if e.status() == Some(412) {
                    Error::from_service(
                        412,
                        e.code().map(str::to_string),
                        format!("{} '{}' already exists in resource group '{}'; creation does not overwrite it", t.kind.short(), t.name, t.resource_group),
                        e.request_id().map(str::to_string),
                    )
                } else {
                    e
                }
            })
    }

    /// VMs or scale sets in a resource group, or in the subscription (`az vm list [-g]`), every page.
    pub async fn list_compute(
        &self,
        kind: crate::ids::ComputeKind,
        resource_group: Option<&str>,
    ) -> Result<Vec<Value>> {
        let scope = match resource_group {
            Some(g) => {
                crate::ids::validate_resource_group(g)?;
                format!("/subscriptions/{}/resourceGroups/{g}", self.subscription)
            }
            None => format!("/subscriptions/{}", self.subscription),
        };
        let path = format!(
            "{scope}/providers/{}/{}",
            crate::ids::COMPUTE_NAMESPACE,
            kind.type_segment()
        );
        self.p.list_all(&path, COMPUTE_API_VERSION).await
    }

    /// Delete a VM or scale set; `false` when it did not exist.
    pub async fn delete_compute(&self, t: &ComputeTarget) -> Result<bool> {
        match self.send_delete_compute(t).await? {
            None => Ok(false),
            Some(resp) => {
                self.p.wait(&resp, COMPUTE_API_VERSION).await?;
                Ok(true)
            }
        }
    }

    /// The DELETE of [`ArmClient::delete_compute`], not waited for; `None` when there was nothing to delete.
    pub(crate) async fn send_delete_compute(&self, t: &ComputeTarget) -> Result<Option<Response>> {
        match self
            .p
            .send(
                Method::DELETE,
                &t.path(),
                &[("api-version", COMPUTE_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(resp) if resp.status == 204 => Ok(None),
            Ok(resp) => Ok(Some(resp)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
