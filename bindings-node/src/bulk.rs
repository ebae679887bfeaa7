//! Bulk changes (core's `bulk`): the native half of `client.bulkVm` / `client.bulkVmss` (and the run of
//! `client.applyDesired`, desired.rs).
//!
//! Argument conversion and runtime bridging only: the selection becomes core's `Selection` (its camelCase JSON),
//! the action core's `BulkAction::from_json`; what they mean, every default and every check are core's
//! (`ArmClient::start_bulk`). `lib/bulk.js` renders the run as an async iterator of results with progress through
//! `onProgress` (a JS callback is called from JS, on the event loop, so its errors reach the caller); this file
//! hands it the events one at a time. Bad input of any kind rejects the first `nextEvent()`, before any write.

use crate::client::MsiClient;
use crate::error::{IntoNapi, payload};
use msi_identity::{
    ArmClient, BulkAction, BulkEvent, BulkOptions, BulkRun, ComputeKind, Selection,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The targets of a bulk change: `ids`, or a resource group, subscriptions and/or a tag (core checks that exactly
/// one way is used).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct BulkSelection {
    /// Full ARM IDs of the VMs or scale sets (az's `--ids`), in any subscriptions.
    pub ids: Option<Vec<String>>,
    /// Every VM or scale set of this resource group.
    pub resource_group: Option<String>,
    /// The subscriptions to list in (default: the client's); alone, every VM or scale set of them.
    pub subscriptions: Option<Vec<String>>,
    /// Only resources with this tag: `name` (any value) or `name=value` (compared case-insensitively, as ARM does).
    pub tag: Option<String>,
}

impl BulkSelection {
    /// Core's selection (core checks it).
    fn to_core(&self) -> Selection {
        Selection {
            ids: self.ids.clone().unwrap_or_default(),
            resource_group: self.resource_group.clone(),
            subscriptions: self.subscriptions.clone().unwrap_or_default(),
            tag: self.tag.clone(),
        }
    }
}

/// @internal The options the native half takes (`lib/bulk.js` keeps `onProgress` and `abortSignal`).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct BulkStartOptions {
    /// Targets worked on at once (default: core's, 32); the pacer decides how fast requests go out.
    pub concurrency: Option<u32>,
}

enum State {
    /// Not started: what it was given, converted (or why it could not be).
    Pending(Box<msi_identity::Result<Start>>),
    Running(BulkRun),
    Done,
}

/// What a run starts with, converted.
pub(crate) struct Start {
    pub(crate) client: ArmClient,
    pub(crate) work: Work,
    pub(crate) options: BulkOptions,
}

/// A bulk change, or a desired-state apply (desired.rs): what core is asked to start.
pub(crate) enum Work {
    Bulk {
        kind: ComputeKind,
        selection: Selection,
        action: Box<BulkAction>,
    },
    Desired {
        text: String,
        source: Option<String>,
    },
}

impl Start {
    /// Core's checks, then the run (on the runtime: core spawns its task there).
    async fn run(self) -> msi_identity::Result<BulkRun> {
        match &self.work {
            Work::Bulk {
                kind,
                selection,
                action,
            } => {
                self.client
                    .start_bulk(*kind, selection, action, self.options)
                    .await
            }
            Work::Desired { text, source } => {
                self.client
                    .start_apply_desired(text, source.as_deref(), self.options)
                    .await
            }
        }
    }
}

/// Core's options with the concurrency given (core checks it).
pub(crate) fn bulk_options(concurrency: Option<u32>) -> BulkOptions {
    let mut o = BulkOptions::default();
    if let Some(n) = concurrency {
        o.concurrency = n as usize;
    }
    o
}

/// @internal A bulk change, event by event: the native half of `BulkRun` (lib/bulk.js).
#[napi]
pub struct BulkHandle {
    state: Arc<tokio::sync::Mutex<State>>,
    total: Arc<Mutex<Option<u32>>>,
    closed: watch::Sender<bool>,
}

fn start(
    client: &MsiClient,
    kind: ComputeKind,
    action: Value,
    selection: BulkSelection,
    options: Option<BulkStartOptions>,
) -> BulkHandle {
    let converted = BulkAction::from_json(&action).map(|action| Start {
        client: client.inner.clone(),
        work: Work::Bulk {
            kind,
            selection: selection.to_core(),
            action: Box::new(action),
        },
        options: bulk_options(options.and_then(|o| o.concurrency)),
    });
    BulkHandle::pending(converted)
}

/// A result event with its error as the payload `lib/errors.js` makes typed errors from.
fn event_json(e: BulkEvent) -> Value {
    let mut v = e.to_json();
    if let BulkEvent::Target(r) = &e
        && let Some(err) = &r.error
    {
        v["error"] = payload(err);
    }
    v
}

impl BulkHandle {
    /// A run not started yet: what it was given, converted (or why it could not be).
    pub(crate) fn pending(converted: msi_identity::Result<Start>) -> BulkHandle {
        BulkHandle {
            state: Arc::new(tokio::sync::Mutex::new(State::Pending(Box::new(converted)))),
            total: Arc::new(Mutex::new(None)),
            closed: watch::channel(false).0,
        }
    }
}

#[napi]
impl BulkHandle {
    /// Targets the selection named; `null` until the run has started.
    #[napi(getter)]
    pub fn total(&self) -> Option<u32> {
        *self.total.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next event (`{ type: 'result' | 'progress', ... }`), starting the run on the first call; `null` at the
    /// end or once closed.
    #[napi(ts_return_type = "Promise<Record<string, any> | null>")]
    pub async fn next_event(&self) -> Result<Option<Value>> {
        let mut closed = self.closed.subscribe();
        let stop = async move {
            let _ = closed.wait_for(|c| *c).await;
        };
        tokio::pin!(stop);
        let mut state = tokio::select! {
            s = self.state.lock() => s,
            _ = &mut stop => return Ok(None),
        };
        if let State::Pending(_) = &*state {
            let State::Pending(s) = std::mem::replace(&mut *state, State::Done) else {
                unreachable!()
            };
            let run = (*s).napi()?.run().await.napi()?;
            *self.total.lock().unwrap_or_else(|e| e.into_inner()) = Some(run.total() as u32);
            *state = State::Running(run);
        }
        let State::Running(run) = &mut *state else {
            return Ok(None);
        };
        let event = tokio::select! {
            e = run.next() => e,
            _ = &mut stop => None,
        };
        match event {
            Some(e) => Ok(Some(event_json(e))),
            None => {
                *state = State::Done;
                Ok(None)
            }
        }
    }

    /// Stop the change (targets in flight may or may not finish; running it again completes the rest).
    #[napi]
    pub fn close(&self) {
        self.closed.send_replace(true);
        if let Ok(mut s) = self.state.try_lock() {
            *s = State::Done;
        }
    }
}

#[napi]
impl MsiClient {
    /// @internal The native half of `bulkVm` (lib/bulk.js).
    #[napi(
        ts_args_type = "action: BulkAction, selection: BulkSelection, options?: BulkStartOptions | undefined | null"
    )]
    pub fn start_bulk_vm(
        &self,
        action: Value,
        selection: BulkSelection,
        options: Option<BulkStartOptions>,
    ) -> BulkHandle {
        start(
            self,
            ComputeKind::VirtualMachine,
            action,
            selection,
            options,
        )
    }

    /// @internal The native half of `bulkVmss` (lib/bulk.js).
    #[napi(
        ts_args_type = "action: BulkAction, selection: BulkSelection, options?: BulkStartOptions | undefined | null"
    )]
    pub fn start_bulk_vmss(
        &self,
        action: Value,
        selection: BulkSelection,
        options: Option<BulkStartOptions>,
    ) -> BulkHandle {
        start(
            self,
            ComputeKind::VirtualMachineScaleSet,
            action,
            selection,
            options,
        )
    }
}
