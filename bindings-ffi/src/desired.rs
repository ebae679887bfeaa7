//! Desired state from a file (core `desired`): `msi_plan_desired` and `msi_apply_desired`.
//!
//! Argument conversion and runtime bridging only: the file's text and its name go to core as given
//! (`ArmClient::plan_desired`, `ArmClient::start_apply_desired`), which parses, checks and decides everything;
//! `options_json` is the bulk calls' `{"concurrency": n}`. The plan comes back as core's plan JSON with its
//! readable diff (`Plan::to_text`) under `"text"`; the apply's events go to the callback as `msi_vm_bulk`'s do.

use crate::args::{Out, handle, json_string, opt_json_arg, opt_str_arg, str_arg};
use crate::bulk::{MsiBulkCallback, drive, options};
use crate::client::MsiClient;
use crate::error::{MsiError, MsiResult, guard};
use crate::runtime::block_on;
use std::ffi::{c_char, c_void};

/// What applying the desired-state file `text` (YAML or JSON, docs/desired-state.md) would change, with reads
/// only. `source` names the file in errors and in the plan (NULL: "identities.yaml"). `options_json`:
/// `{"concurrency":n}` (targets read at once). `*plan_json_out` gets
/// `{"source","changes","summary":{"create","update","noChange","error"},"targets":[{"id","kind","entry",
/// "status":"create|update|noChange|error","changes"|"error"}],"text"}` (`text`: the readable diff `msi plan`
/// prints). A bad file is MSI_RESULT_INVALID_ARGUMENT, its message naming file, line, column and field; a target
/// that cannot be read is that target's `"error"` status, not a failure of the call.
/// Nullable: source, options_json, error_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_plan_desired(
    client: *const MsiClient,
    text: *const c_char,
    source: *const c_char,
    options_json: *const c_char,
    plan_json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_plan_desired", error_out, || {
        // SAFETY: header contract.
        let (client, text, source, options_json) = unsafe {
            (
                handle(client, "client")?,
                str_arg(text, "text")?,
                opt_str_arg(source, "source")?,
                opt_json_arg(options_json, "options_json")?,
            )
        };
        let out = Out::required(plan_json_out, "plan_json_out")?;
        let options = options(options_json)?;
        let plan = block_on(client.inner.plan_desired(text, source, options))?;
        let mut json = plan.to_json();
        json["text"] = plan.to_text().into();
        out.write(json_string(&json));
        Ok(())
    })
}

/// Apply the desired-state file `text`: checked as msi_plan_desired checks it (a bad file fails the call before
/// anything is written), then every target through the bulk engine, each planned from its current state, so a
/// second apply writes nothing. Every event goes to `callback` as msi_vm_bulk's do (a result's `detail` is that
/// target's plan: what was changed); a target that fails is a `"failed"` result, not a failure of the call.
/// `*summary_json_out` gets the last progress event and `"stopped"`, as msi_vm_bulk's.
/// Nullable: source, options_json, callback, user_data, summary_json_out, error_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_apply_desired(
    client: *const MsiClient,
    text: *const c_char,
    source: *const c_char,
    options_json: *const c_char,
    callback: MsiBulkCallback,
    user_data: *mut c_void,
    summary_json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_apply_desired", error_out, || {
        // SAFETY: header contract.
        let (client, text, source, options_json) = unsafe {
            (
                handle(client, "client")?,
                str_arg(text, "text")?,
                opt_str_arg(source, "source")?,
                opt_json_arg(options_json, "options_json")?,
            )
        };
        let options = options(options_json)?;
        let run = block_on(client.inner.start_apply_desired(text, source, options))?;
        // SAFETY: header contract.
        unsafe { drive(run, callback, user_data, summary_json_out) };
        Ok(())
    })
}
