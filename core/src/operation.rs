//! Long-running writes as handles, for faces that poll on their own schedule (azure-core's `LROPoller`, az's
//! `--no-wait` followed by `wait`): a `begin_*` call checks everything and sends the write exactly as the
//! blocking call does, and returns an [`Operation`] without waiting; [`ArmClient::wait_operation`] polls it to its
//! end the way the blocking calls wait (the same status URL, `Retry-After`, backoff and timeout: the pipeline's);
//! [`ArmClient::operation_result`] then reads what it made, the value the blocking call returns. An operation
//! outlives its process as its continuation token ([`Operation::continuation_token`]), which holds no secret:
//! the operation's kind, resource ID, status URL and state.

use crate::client::{ArmClient, COMPUTE_API_VERSION};
use crate::compute::{IdentityUpdate, IdentityWrite};
use crate::create::CreateOptions;
use crate::error::{Error, Result};
use crate::extension::MsiExtension;
use crate::http::{Response, retry_after};
use crate::identity::IdentityChange;
use crate::ids::{ComputeTarget, validate_segment};
use crate::pipeline::{StatusUrl, check_terminal, finished_with_write};
use crate::requests::{AssignOutcome, AssignRequest, RemoveRequest, SetRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// The version of the continuation token's layout.
const TOKEN_VERSION: u32 = 1;

/// What an operation does, and so what its result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OperationKind {
    /// Create a VM or scale set; the result is the resource.
    CreateCompute,
    /// Delete a VM or scale set; the result is whether it existed.
    DeleteCompute,
    /// Assign, remove or set identities; the result is the identity update (and an assign's role assignment).
    UpdateIdentity,
    /// Add or update the MSI extension; the result is the extension.
    SetExtension,
    /// Remove an extension; the result is whether it was there.
    DeleteExtension,
}

impl OperationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::CreateCompute => "create",
            OperationKind::DeleteCompute => "delete",
            OperationKind::UpdateIdentity => "update_identity",
            OperationKind::SetExtension => "set_extension",
            OperationKind::DeleteExtension => "delete_extension",
        }
    }
}

/// The state of an operation while it runs.
pub const IN_PROGRESS: &str = "InProgress";
/// Its terminal states, as ARM names them.
pub const SUCCEEDED: &str = "Succeeded";
pub const FAILED: &str = "Failed";
pub const CANCELED: &str = "Canceled";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Grant {
    role_definition_id: String,
    scope: String,
}

/// A long-running write that was sent: where its status is read and what to read when it is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Operation {
    v: u32,
    kind: OperationKind,
    /// The VM or scale set.
    resource_id: String,
    /// The extension, for extension operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extension: Option<String>,
    /// `None` when the write finished with its answer (or nothing had to be written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status_url: Option<StatusUrl>,
    status: String,
    /// Whether a write was sent: `false` for an identity change with nothing to change, or a delete of
    /// something absent.
    changed: bool,
    /// The role an assign grants once the identity is on (`--role`/`--scope`), resolved before the write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grant: Option<Grant>,
    /// The status body of a failed operation (its `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<Value>,
    /// The write's `Retry-After`: how long to wait before the first poll.
    #[serde(default)]
    retry_after_ms: u64,
}

/// What a finished operation made: what the blocking call returns.
#[derive(Debug, Clone)]
pub enum OperationOutput {
    /// A create or an extension write: the resource (ARM JSON) as read at the end.
    Resource(Value),
    /// An identity change; `role_assignment` is set for an assign with a role.
    Identity(Box<AssignOutcome>),
    /// A delete: whether there was something to delete.
    Deleted(bool),
}

fn canonical_state(state: &str) -> &'static str {
    match state.to_ascii_lowercase().as_str() {
        "succeeded" => SUCCEEDED,
        "canceled" | "cancelled" => CANCELED,
        _ => FAILED,
    }
}

impl Operation {
    fn new(
        kind: OperationKind,
        t: &ComputeTarget,
        extension: Option<&str>,
        resp: Option<&Response>,
        grant: Option<(String, String)>,
    ) -> Operation {
        let mut op = Operation {
            v: TOKEN_VERSION,
            kind,
            resource_id: t.path(),
            extension: extension.map(str::to_string),
            status_url: None,
            status: SUCCEEDED.to_string(),
            changed: resp.is_some(),
            grant: grant.map(|(role_definition_id, scope)| Grant {
                role_definition_id,
                scope,
            }),
            failure: None,
            retry_after_ms: 0,
        };
        let Some(resp) = resp else {
            return op;
        };
        let Some(status) = StatusUrl::of(resp) else {
            return op;
        };
        if let Some(state) = finished_with_write(resp, &status) {
            op.finish(&state, &resp.body);
            return op;
        }
        op.retry_after_ms = retry_after(&resp.headers)
            .unwrap_or(Duration::ZERO)
            .as_millis()
            .try_into()
            .unwrap_or(u64::MAX);
        op.status_url = Some(status);
        op.status = IN_PROGRESS.to_string();
        op
    }

    fn finish(&mut self, state: &str, body: &Value) {
        let state = canonical_state(state);
        self.status = state.to_string();
        self.failure = (state != SUCCEEDED).then(|| body.clone());
        self.status_url = None;
        self.retry_after_ms = 0;
    }

    pub fn kind(&self) -> OperationKind {
        self.kind
    }

    /// The VM or scale set the operation writes.
    pub fn target(&self) -> Result<ComputeTarget> {
        ComputeTarget::parse(&self.resource_id)
    }

    /// The extension of an extension operation.
    pub fn extension_name(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// `InProgress`, then `Succeeded`, `Failed` or `Canceled`.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// Whether it reached a terminal state (a successful one or not).
    pub fn done(&self) -> bool {
        self.status != IN_PROGRESS
    }

    /// Whether a write was sent (see the field).
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// Ok unless the operation failed or was canceled; then the service's error.
    pub fn outcome(&self) -> Result<()> {
        match self.status.as_str() {
            IN_PROGRESS | SUCCEEDED => Ok(()),
            state => check_terminal(state, self.failure.as_ref().unwrap_or(&Value::Null)),
        }
    }

    /// An opaque string to resume the operation with, in this process or another
    /// ([`Operation::from_continuation_token`]).
    pub fn continuation_token(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The operation a continuation token stands for. Its status URL is polled with the client's credential
    /// only if it is on the client's endpoint (the pipeline's rule for every URL a service gives).
    pub fn from_continuation_token(token: &str) -> Result<Operation> {
        let bad = |why: String| {
            Error::invalid_argument(format!(
                "not a continuation token of an msi-identity operation: {why}"
            ))
        };
        let op: Operation = serde_json::from_str(token).map_err(|e| bad(e.to_string()))?;
        if op.v != TOKEN_VERSION {
            return Err(bad(format!(
                "layout version {} is not {TOKEN_VERSION}",
                op.v
            )));
        }
        op.target().map_err(|e| bad(e.message().to_string()))?;
        let is_extension = matches!(
            op.kind,
            OperationKind::SetExtension | OperationKind::DeleteExtension
        );
        match &op.extension {
            Some(name) => validate_segment("extension name", name)?,
            None if is_extension => return Err(bad("no extension name".into())),
            None => {}
        }
        if op.extension.is_some() && !is_extension {
            return Err(bad("an extension name on a non-extension operation".into()));
        }
        let known = [IN_PROGRESS, SUCCEEDED, FAILED, CANCELED].contains(&op.status.as_str());
        if !known || (op.status == IN_PROGRESS) != op.status_url.is_some() {
            return Err(bad(format!("state '{}'", op.status)));
        }
        if let Some(f) = &op.failure
            && !f.is_object()
        {
            return Err(bad("a failure that is not an object".into()));
        }
        Ok(op)
    }
}

impl ArmClient {
    async fn begin_identity(
        &self,
        t: &ComputeTarget,
        change: &IdentityChange,
        grant: Option<(String, String)>,
    ) -> Result<Operation> {
        let kind = OperationKind::UpdateIdentity;
        Ok(match self.write_identity(t, change, None).await? {
            IdentityWrite::Unchanged(_) => Operation::new(kind, t, None, None, grant),
            IdentityWrite::Sent(resp) => Operation::new(kind, t, None, Some(&resp), grant),
        })
    }

    /// [`ArmClient::create`], returning once the PUT is accepted.
    pub async fn begin_create(
        &self,
        t: &ComputeTarget,
        options: &CreateOptions,
    ) -> Result<Operation> {
        let model = options.model(t)?;
        let (system, user) = options.identity(t)?;
        let resp = self.put_new_compute(t, model, system, &user).await?;
        Ok(Operation::new(
            OperationKind::CreateCompute,
            t,
            None,
            Some(&resp),
            None,
        ))
    }

    /// [`ArmClient::delete_compute`], returning once the DELETE is accepted.
    pub async fn begin_delete_compute(&self, t: &ComputeTarget) -> Result<Operation> {
        let resp = self.send_delete_compute(t).await?;
        Ok(Operation::new(
            OperationKind::DeleteCompute,
            t,
            None,
            resp.as_ref(),
            None,
        ))
    }

    /// [`ArmClient::assign_identity`], returning once the PATCH is accepted (the role, if any, is granted by
    /// [`ArmClient::operation_result`] once the identity is on).
    pub async fn begin_assign_identity(
        &self,
        t: &ComputeTarget,
        request: &AssignRequest,
    ) -> Result<Operation> {
        let (change, grant) = self.assign_change(t, request).await?;
        self.begin_identity(t, &change, grant).await
    }

    /// [`ArmClient::remove_identity`], returning once the PATCH is accepted.
    pub async fn begin_remove_identity(
        &self,
        t: &ComputeTarget,
        request: &RemoveRequest,
    ) -> Result<Operation> {
        let change = request.change(t)?;
        self.begin_identity(t, &change, None).await
    }

    /// [`ArmClient::set_identity`], returning once the PATCH is accepted.
    pub async fn begin_set_identity(
        &self,
        t: &ComputeTarget,
        request: &SetRequest,
    ) -> Result<Operation> {
        let change = request.change(t)?;
        self.begin_identity(t, &change, None).await
    }

    /// [`ArmClient::set_msi_extension`], returning once the PUT is accepted.
    pub async fn begin_set_msi_extension(
        &self,
        t: &ComputeTarget,
        ext: &MsiExtension,
    ) -> Result<Operation> {
        let resp = self.put_msi_extension(t, ext).await?;
        Ok(Operation::new(
            OperationKind::SetExtension,
            t,
            Some(&ext.name),
            Some(&resp),
            None,
        ))
    }

    /// [`ArmClient::delete_extension`], returning once the DELETE is accepted.
    pub async fn begin_delete_extension(&self, t: &ComputeTarget, name: &str) -> Result<Operation> {
        let resp = self.send_delete_extension(t, name).await?;
        Ok(Operation::new(
            OperationKind::DeleteExtension,
            t,
            Some(name),
            resp.as_ref(),
            None,
        ))
    }

    /// Poll the operation until it ends, as the blocking calls wait (within the client's LRO timeout); the
    /// service's error when it failed. Nothing is sent for an operation that has ended.
    pub async fn wait_operation(&self, op: &mut Operation) -> Result<()> {
        if let (false, Some(status)) = (op.done(), op.status_url.clone()) {
            let first = Duration::from_millis(op.retry_after_ms);
            let (state, body) = self
                .p
                .wait_status(&status, first, COMPUTE_API_VERSION)
                .await?;
            op.finish(&state, &body);
        }
        op.outcome()
    }

    /// What a finished operation made, read now: the value the blocking call returns (an assign's role is
    /// granted here). The service's error when the operation failed.
    pub async fn operation_result(&self, op: &Operation) -> Result<OperationOutput> {
        op.outcome()?;
        if !op.done() {
            return Err(Error::invalid_argument(
                "the operation has not finished: wait for it first",
            ));
        }
        let t = op.target()?;
        let extension = || {
            op.extension
                .as_deref()
                .ok_or_else(|| Error::invalid_argument("the operation names no extension"))
        };
        Ok(match op.kind {
            OperationKind::CreateCompute => OperationOutput::Resource(self.get_compute(&t).await?),
            OperationKind::SetExtension => {
                OperationOutput::Resource(self.get_extension(&t, extension()?).await?)
            }
            OperationKind::DeleteCompute | OperationKind::DeleteExtension => {
                OperationOutput::Deleted(op.changed)
            }
            OperationKind::UpdateIdentity => {
                let update: IdentityUpdate = self.read_identity_update(&t, op.changed).await?;
                let grant = op.grant.clone().map(|g| (g.role_definition_id, g.scope));
                OperationOutput::Identity(Box::new(self.grant_after_assign(update, grant).await?))
            }
        })
    }

    /// [`ArmClient::wait_operation`], then [`ArmClient::operation_result`].
    pub async fn complete_operation(&self, op: &mut Operation) -> Result<OperationOutput> {
        self.wait_operation(op).await?;
        self.operation_result(op).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> Operation {
        let t = ComputeTarget::new("s", "rg", "vm", crate::ComputeKind::VirtualMachine).unwrap();
        let mut op = Operation::new(OperationKind::SetExtension, &t, Some("ext"), None, None);
        op.status = IN_PROGRESS.into();
        op.status_url = Some(StatusUrl {
            url: "https://h/op?api-version=1".into(),
            async_operation: true,
        });
        op
    }

    #[test]
    fn continuation_tokens_round_trip_and_are_checked() {
        let o = op();
        let back = Operation::from_continuation_token(&o.continuation_token()).unwrap();
        assert_eq!(back, o);
        assert_eq!(back.target().unwrap().name, "vm");
        let mut v: Value = serde_json::from_str(&o.continuation_token()).unwrap();
        for (field, value, why) in [
            ("v", Value::from(9), "layout version"),
            (
                "resourceId",
                Value::from("/subscriptions/s"),
                "not a continuation token",
            ),
            ("status", Value::from("Succeeded"), "state"),
            ("extension", Value::Null, "no extension name"),
            ("extension", Value::from("a/b"), "extension name"),
        ] {
            let saved = v[field].clone();
            v[field] = value;
            let e = Operation::from_continuation_token(&v.to_string()).unwrap_err();
            assert!(e.message().contains(why), "{field}: {e}");
            v[field] = saved;
        }
        assert!(Operation::from_continuation_token("nope").is_err());
    }

    #[test]
    fn failed_operations_keep_the_services_error() {
        let mut o = op();
        o.finish(
            "Failed",
            &serde_json::json!({"status": "Failed", "error": {"code": "Boom", "message": "it broke"}}),
        );
        assert!(o.done());
        let e = o.outcome().unwrap_err();
        assert_eq!((e.code(), e.message()), (Some("Boom"), "it broke"));
        let back = Operation::from_continuation_token(&o.continuation_token()).unwrap();
        assert_eq!(back.outcome().unwrap_err().code(), Some("Boom"));
        o.finish("cancelled", &Value::Null);
        assert_eq!(o.status(), CANCELED);
    }
}
