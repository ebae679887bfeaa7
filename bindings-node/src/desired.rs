//! Desired state from a file (core's `desired`): `client.planDesired` and the native half of
//! `client.applyDesired` (lib/bulk.js renders its run as `bulkVm`'s).
//!
//! Conversion only: the file's text and its name go to core as given (`ArmClient::plan_desired`,
//! `ArmClient::start_apply_desired`), which parses, checks and decides everything. The plan is core's plan JSON
//! with its readable diff (`Plan::to_text`) under `text`.

use crate::abort::{Abort, abortable};
use crate::bulk::{BulkHandle, Start, Work, bulk_options};
use crate::client::MsiClient;
use crate::error::IntoNapi;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

/// `planDesired` options.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct PlanDesiredOptions {
    /// The file's name, in errors and in the plan (default `identities.yaml`).
    pub source: Option<String>,
    /// Targets read at once (default: core's, 32).
    pub concurrency: Option<u32>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// @internal The options the native half of `applyDesired` takes (`lib/bulk.js` keeps `onProgress` and
/// `abortSignal`).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct ApplyDesiredStartOptions {
    pub source: Option<String>,
    pub concurrency: Option<u32>,
}

#[napi]
impl MsiClient {
    /// What applying the desired-state file `text` would change (docs/desired-state.md), with reads only:
    /// `source`, `changes`, `summary`, `targets` (per target `status` and `changes` or `error`) and `text`, the
    /// readable diff. A bad file rejects with an `InvalidArgumentError` naming file, line and field.
    #[napi(ts_return_type = "Promise<DesiredPlan>")]
    pub async fn plan_desired(
        &self,
        text: String,
        options: Option<PlanDesiredOptions>,
    ) -> Result<Value> {
        let mut o = options.unwrap_or_default();
        let signal = o.abort_signal.take();
        abortable(signal, async move {
            let plan = self
                .inner
                .plan_desired(&text, o.source.as_deref(), bulk_options(o.concurrency))
                .await
                .napi()?;
            let mut json = plan.to_json();
            json["text"] = Value::String(plan.to_text());
            Ok(json)
        })
        .await
    }

    /// @internal The native half of `applyDesired` (lib/bulk.js).
    #[napi]
    pub fn start_apply_desired(
        &self,
        text: String,
        options: Option<ApplyDesiredStartOptions>,
    ) -> BulkHandle {
        let o = options.unwrap_or_default();
        BulkHandle::pending(Ok(Start {
            client: self.inner.clone(),
            work: Work::Desired {
                text,
                source: o.source,
            },
            options: bulk_options(o.concurrency),
        }))
    }
}
