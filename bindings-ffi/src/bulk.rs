//! Bulk changes (core `bulk`): one identity change, role grant or MSI extension applied to many VMs or scale sets,
//! exported twice (`msi_vm_bulk`, `msi_vmss_bulk`) as the other compute calls are.
//!
//! Argument conversion and runtime bridging only: `selection_json` is core's `Selection`, `action_json` core's
//! `BulkAction::from_json`, `options_json` the face's `{"concurrency": n}`; what they mean, every default and every
//! check are core's (`ArmClient::start_bulk`). The call blocks the calling thread on the library's runtime and
//! calls `callback` on that thread for every event, in order, with core's event JSON.

use crate::args::{Out, handle, json_arg, json_string, opt_json_arg, or_empty, shape_error};
use crate::client::MsiClient;
use crate::error::{FfiError, FfiResult, MsiError, MsiResult, guard};
use crate::runtime::block_on;
use msi::{BulkAction, BulkOptions, ComputeKind, Selection};
use std::ffi::{CString, c_char, c_void};

/// Called for every event of a bulk change, on the thread that called `msi_vm_bulk` / `msi_vmss_bulk`, in
/// order. `event_json` is borrowed for the duration of the call (copy it to keep it):
/// `{"type":"result","id","status":"changed|unchanged|failed","identity"?,"detail"?,"error"?}` (`error` as
/// ARM spells it: `code`, `message`, plus `kind`, `status`, `target`, `requestId`) or
/// `{"type":"progress","total","done","changed","unchanged","failed","inFlight","elapsedSeconds",
/// "ratePerSecond","etaSeconds","waitedForBudget","throttled"}`. Return 0 to go on; any other value stops the
/// change (targets in flight may or may not finish; running it again completes the rest).
pub type MsiBulkCallback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char) -> i32>;

/// `options_json` (`{"concurrency": n}`: targets worked on at once) as core's options; NULL: core's defaults.
pub(crate) fn options(v: Option<serde_json::Value>) -> FfiResult<BulkOptions> {
    let invalid =
        |m: String| FfiError::Core(msi::Error::invalid_argument(format!("options_json: {m}")));
    let mut options = BulkOptions::default();
    let v = or_empty(v);
    let fields = v
        .as_object()
        .ok_or_else(|| invalid("expected an object {\"concurrency\": n}".into()))?;
    for (key, value) in fields {
        match key.as_str() {
            "concurrency" => {
                options.concurrency = value
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        invalid(format!("concurrency must be a whole number, not {value}"))
                    })?;
            }
            other => {
                return Err(invalid(format!(
                    "unknown field `{other}`, expected `concurrency`"
                )));
            }
        }
    }
    Ok(options)
}

#[allow(clippy::too_many_arguments)]
unsafe fn bulk(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    selection_json: *const c_char,
    action_json: *const c_char,
    options_json: *const c_char,
    callback: MsiBulkCallback,
    user_data: *mut c_void,
    summary_json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let (client, selection, action, options_json) = unsafe {
            (
                handle(client, "client")?,
                json_arg(selection_json, "selection_json")?,
                json_arg(action_json, "action_json")?,
                opt_json_arg(options_json, "options_json")?,
            )
        };
        let selection: Selection =
            serde_json::from_value(selection).map_err(shape_error("selection_json"))?;
        let action = BulkAction::from_json(&action)?;
        let options = options(options_json)?;
        let run = block_on(client.inner.start_bulk(kind, &selection, &action, options))?;
        // SAFETY: header contract.
        unsafe { drive(run, callback, user_data, summary_json_out) };
        Ok(())
    })
}

/// Runs `run` to the end on the calling thread, every event to `callback` (MsiBulkCallback), then writes the
/// summary (the last progress event and `"stopped"`) to `summary_json_out` when it is not NULL. Shared with
/// `msi_apply_desired` (desired.rs).
pub(crate) unsafe fn drive(
    mut run: msi::BulkRun,
    callback: MsiBulkCallback,
    user_data: *mut c_void,
    summary_json_out: *mut *mut c_char,
) {
    let out = Out::optional(summary_json_out);
    let mut last = None;
    let mut stopped = false;
    while let Some(event) = block_on(run.next()) {
        let text = CString::new(event.to_json().to_string()).expect("JSON has no NUL");
        if let msi::BulkEvent::Progress(p) = &event {
            last = Some(p.to_json());
        }
        if let Some(cb) = callback {
            // SAFETY: a C function pointer given by the caller, called as the header documents.
            if unsafe { cb(user_data, text.as_ptr()) } != 0 {
                stopped = true;
                break;
            }
        }
    }
    drop(run);
    let mut summary = last.unwrap_or_else(|| serde_json::json!({ "total": 0, "done": 0 }));
    summary["stopped"] = stopped.into();
    // Made only when asked for: a string written nowhere would leak.
    if !summary_json_out.is_null() {
        out.write(json_string(&summary));
    }
}

/// Apply one change to many VMs (core's bulk engine: paced to the subscription's throttling budget, each target
/// planned from its current state, so a second run writes nothing that is done). `selection_json`:
/// `{"ids":[...]}` or `{"resourceGroup":"g","tag":"name[=value]","subscriptions":[...]}`. `action_json`:
/// `{"action":"assign"|"remove"|"set"|"grantRole"|"msiExtension"|"removeExtension", ...the request's fields}`.
/// `options_json`: `{"concurrency":n}`. Every event goes to `callback` (see MsiBulkCallback) as it happens; a
/// target that fails is a `"failed"` result, not a failure of the call. Bad input (selection, action, role)
/// fails the call before anything is written. `*summary_json_out` gets the last progress event (without "type")
/// and `"stopped"`: whether the callback stopped the change.
/// Nullable: options_json, callback, user_data, summary_json_out, error_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_bulk(
    client: *const MsiClient,
    selection_json: *const c_char,
    action_json: *const c_char,
    options_json: *const c_char,
    callback: MsiBulkCallback,
    user_data: *mut c_void,
    summary_json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        bulk(
            "msi_vm_bulk",
            ComputeKind::VirtualMachine,
            client,
            selection_json,
            action_json,
            options_json,
            callback,
            user_data,
            summary_json_out,
            error_out,
        )
    }
}

/// msi_vm_bulk for scale sets.
/// Nullable: options_json, callback, user_data, summary_json_out, error_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_bulk(
    client: *const MsiClient,
    selection_json: *const c_char,
    action_json: *const c_char,
    options_json: *const c_char,
    callback: MsiBulkCallback,
    user_data: *mut c_void,
    summary_json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        bulk(
            "msi_vmss_bulk",
            ComputeKind::VirtualMachineScaleSet,
            client,
            selection_json,
            action_json,
            options_json,
            callback,
            user_data,
            summary_json_out,
            error_out,
        )
    }
}
