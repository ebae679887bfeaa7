//! `cargo run --release -p msi-bench --bin fleet -- [VMS...]` (default 1000): one identity change on every VM
//! of a group through core's bulk engine, against the emulator with ARM's throttling model on, measured against
//! the bound the published budgets set: ARM's writes, a bucket of 200 refilled at 10 per second per subscription
//! and principal, so N writes need at least (N - 200) / 10 s; ARM's reads likewise (250, 25 per second); and
//! Compute's Update VM policy per subscription, 1,500 refilled at 500 per minute ("Compute throttling limits",
//! learn.microsoft.com, virtual-machines/compute-throttling-limits), (N - 1500) / (500 / 60) s. Prints the
//! time, its ratio to the largest bound, the answers of 429 and the requests that waited for the budget.
//!
//! The VMs are stored first with throttling off (in a data directory), then the emulator is started again on
//! that directory with `Throttle::Arm`, so the bench starts with full buckets, as a fresh principal would.

use msi_emulator::{Config, Durability, Emulator, Throttle};
use msi_identity::{
    ArmClient, AssignRequest, BulkAction, BulkEvent, BulkOptions, ComputeKind, ComputeTarget,
    Selection,
};
use std::time::Instant;

const GROUP: &str = "fleet";
const WRITE_CAPACITY: f64 = 200.0;
const WRITE_REFILL: f64 = 10.0;
const READ_CAPACITY: f64 = 250.0;
const READ_REFILL: f64 = 25.0;
const COMPUTE_UPDATE_CAPACITY: f64 = 1500.0;
const COMPUTE_UPDATE_REFILL: f64 = 500.0 / 60.0;

fn client(emu: &Emulator) -> ArmClient {
    msi_bench::admin_client(emu, &msi_bench::http_for(emu))
}

async fn seed(dir: &std::path::Path, vms: usize) {
    let emu = Emulator::start(Config {
        data_dir: Some(dir.to_path_buf()),
        throttle: Throttle::Off,
        durability: Durability::Relaxed,
        ..Config::default()
    })
    .await
    .expect("emulator");
    let arm = client(&emu);
    arm.create_resource_group(GROUP, "westus")
        .await
        .expect("group");
    let started = Instant::now();
    let sub = emu.subscription_id().to_string();
    let creates = futures::stream::iter(0..vms).map(|i| {
        let arm = arm.clone();
        let sub = sub.clone();
        async move {
            let t = ComputeTarget::new(
                &sub,
                GROUP,
                format!("vm{i:05}"),
                ComputeKind::VirtualMachine,
            )
            .expect("target");
            let model = msi_identity::BasicModel::default()
                .to_model(&t)
                .expect("model");
            arm.create_compute(&t, model, false, &[]).await.expect("vm");
        }
    });
    use futures::StreamExt;
    creates.buffer_unordered(64).collect::<Vec<()>>().await;
    println!(
        "  stored {vms} VMs in {:.1} s (throttling off)",
        started.elapsed().as_secs_f64()
    );
    emu.shutdown().await;
}

async fn change(dir: &std::path::Path, vms: usize) {
    let emu = Emulator::start(Config {
        data_dir: Some(dir.to_path_buf()),
        throttle: Throttle::Arm,
        ..Config::default()
    })
    .await
    .expect("emulator");
    let arm = client(&emu);
    let selection = Selection {
        resource_group: Some(GROUP.into()),
        ..Selection::default()
    };
    let action = BulkAction::Assign(AssignRequest::default());
    let started = Instant::now();
    let mut run = arm
        .start_bulk(
            ComputeKind::VirtualMachine,
            &selection,
            &action,
            BulkOptions::default(),
        )
        .await
        .expect("bulk");
    let mut last = None;
    while let Some(e) = run.next().await {
        if let BulkEvent::Progress(p) = e {
            last = Some(p);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let p = last.expect("progress");
    let write_bound = ((vms as f64 - WRITE_CAPACITY) / WRITE_REFILL).max(0.0);
    // Reads: one list page per 100 VMs and one poll of each write's operation.
    let reads = vms as f64 + (vms as f64 / 100.0).ceil();
    let read_bound = ((reads - READ_CAPACITY) / READ_REFILL).max(0.0);
    let compute_bound = ((vms as f64 - COMPUTE_UPDATE_CAPACITY) / COMPUTE_UPDATE_REFILL).max(0.0);
    let bound = write_bound.max(read_bound).max(compute_bound);
    let stats = arm.pacing_stats();
    println!(
        "  {vms} VMs: {} changed, {} unchanged, {} failed in {secs:.1} s",
        p.changed, p.unchanged, p.failed
    );
    println!(
        "  anchor: the published bound {bound:.1} s (ARM writes {write_bound:.1} s, reads {read_bound:.1} s, Compute updates {compute_bound:.1} s)  ratio {:.3}  (target <= 1.1)",
        secs / bound.max(f64::EPSILON)
    );
    println!(
        "  answers of 429: {} (target 0); requests that waited for the budget: {}",
        stats.throttled, stats.waited
    );
    emu.shutdown().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("VMS: a number of VMs"))
        .collect();
    let sizes = if sizes.is_empty() { vec![1000] } else { sizes };
    for vms in sizes {
        println!(
            "fleet: system-assigned identity on {vms} VMs under the emulator's ARM throttling model"
        );
        let dir = tempfile::tempdir().expect("dir");
        seed(dir.path(), vms).await;
        change(dir.path(), vms).await;
    }
}
