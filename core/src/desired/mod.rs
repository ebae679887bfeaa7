//! Desired state from a file (`msi plan -f`, `msi apply -f`): the file names targets (IDs, a group, a tag,
//! subscriptions) and the identity each must have, the role assignments that identity must hold, and the MSI
//! extension's presence. See docs/desired-state.md for the format.
//!
//! [`ArmClient::plan_desired`] reads the file, resolves everything it names and reports per target what would
//! change, with reads only. [`ArmClient::start_apply_desired`] checks the same way before the first write, then
//! makes exactly those changes through the bulk engine (pacing, `If-Match`, retries), planning each target from
//! its current state, so that a second apply writes nothing.

mod file;
mod prepare;
mod report;
mod target;

pub use file::{Document, ExtensionWant, IdentitySpec, RoleSpec, TargetSpec, UserAssigned, parse};
pub use report::{IdentityDiff, Plan, PlanStatus, RoleAdd, TargetDiff, TargetPlan};

use crate::bulk::{BulkOptions, BulkRun};
use crate::client::ArmClient;
use crate::error::Result;
use futures::StreamExt;

/// The file's name in errors and in the plan when the caller gives none.
pub const DEFAULT_SOURCE: &str = "identities.yaml";

impl ArmClient {
    /// What applying the desired-state file `text` would change (`source` names the file in errors and in the
    /// plan). A bad file, an unknown role or identity, or a target list that cannot be read is an error; a
    /// target that cannot be planned is that target's [`PlanStatus::Error`]. Sends reads only.
    pub async fn plan_desired(
        &self,
        text: &str,
        source: Option<&str>,
        options: BulkOptions,
    ) -> Result<Plan> {
        let source = source.unwrap_or(DEFAULT_SOURCE);
        let doc = parse(text, source)?;
        let work = self.prepare_desired(&doc, source).await?;
        let targets = futures::stream::iter(work)
            .map(|w| async move {
                match target::plan_target(self, &w).await {
                    Ok(p) => p.plan,
                    Err(e) => target::failed_plan(&w, e),
                }
            })
            .buffered(options.concurrency.max(1))
            .collect()
            .await;
        Ok(Plan {
            source: source.to_string(),
            targets,
        })
    }

    /// Checks the file as [`ArmClient::plan_desired`] does (nothing is written when it is bad), then applies it
    /// to every target through the bulk engine; each result's `detail` is the target's plan (what was changed).
    pub async fn start_apply_desired(
        &self,
        text: &str,
        source: Option<&str>,
        options: BulkOptions,
    ) -> Result<BulkRun> {
        let source = source.unwrap_or(DEFAULT_SOURCE);
        let doc = parse(text, source)?;
        let work = self.prepare_desired(&doc, source).await?;
        Ok(self.spawn_run(work, options, |client, w| async move {
            target::apply_target(&client, w).await
        }))
    }
}

#[cfg(test)]
mod tests;
