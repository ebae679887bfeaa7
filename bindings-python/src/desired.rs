//! Desired state from a file (core's `desired`): `plan_desired` and `apply_desired` on both clients.
//!
//! Conversion only: the file's text and its name go to core as given (`ArmClient::plan_desired`,
//! `ArmClient::start_apply_desired`), which parses, checks and decides everything. The plan comes back as core's
//! plan JSON with its readable diff (`Plan::to_text`) under `"text"`; the apply returns the same run as the bulk
//! methods (bulk.rs).

use crate::bulk::StartRun;
use crate::json::Json;
use msi_identity::{ArmClient, BulkOptions, BulkRun as CoreRun, Result};
use serde_json::Value;

/// What `plan_desired` / `apply_desired` were given.
pub struct DesiredArgs {
    text: String,
    source: Option<String>,
    options: BulkOptions,
}

impl DesiredArgs {
    pub fn new(text: String, source: Option<String>, concurrency: Option<usize>) -> DesiredArgs {
        let mut options = BulkOptions::default();
        if let Some(n) = concurrency {
            options.concurrency = n;
        }
        DesiredArgs {
            text,
            source,
            options,
        }
    }

    /// Core's plan as JSON, with `"text"` its readable diff.
    pub async fn plan(self, c: ArmClient) -> Result<Json> {
        let plan = c
            .plan_desired(&self.text, self.source.as_deref(), self.options)
            .await?;
        let mut json = plan.to_json();
        if let Value::Object(m) = &mut json {
            m.insert("text".into(), Value::String(plan.to_text()));
        }
        Ok(Json(json))
    }
}

impl StartRun for DesiredArgs {
    async fn start(self, c: ArmClient) -> Result<CoreRun> {
        c.start_apply_desired(&self.text, self.source.as_deref(), self.options)
            .await
    }
}
