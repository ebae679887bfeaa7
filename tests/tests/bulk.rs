//! Bulk changes against the emulator: how many round trips a change costs, re-runs that write nothing, and
//! pacing that keeps within a tight throttling budget (and draws 429s without it).

mod common;

use common::{Env, model, start_with};
use msi_emulator::{BucketLimit, Config, Throttle, ThrottleLimits};
use msi_identity::bulk::Status;
use msi_identity::{
    AssignRequest, BulkAction, BulkOptions, ComputeKind, ComputeTarget, RemoveRequest, Selection,
};

async fn vms(env: &Env, n: usize) -> Vec<String> {
    env.client
        .create_resource_group("fleet", "westus")
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let t = ComputeTarget::new(
            env.sub(),
            "fleet",
            format!("fleet-{i}"),
            ComputeKind::VirtualMachine,
        )
        .unwrap();
        env.client
            .create_compute(&t, model(ComputeKind::VirtualMachine), false, &[])
            .await
            .unwrap();
        ids.push(t.path());
    }
    ids
}

fn group() -> Selection {
    Selection {
        resource_group: Some("fleet".into()),
        ..Selection::default()
    }
}

async fn run(
    env: &Env,
    client: &msi_identity::ArmClient,
    selection: &Selection,
    action: BulkAction,
) -> Vec<Status> {
    let _ = env;
    let run = client
        .start_bulk(
            ComputeKind::VirtualMachine,
            selection,
            &action,
            BulkOptions::default(),
        )
        .await
        .unwrap();
    let (results, last) = run.collect().await;
    let last = last.unwrap();
    assert_eq!(last.done(), results.len());
    for r in &results {
        assert!(r.error.is_none(), "{}", r.to_json());
    }
    results.iter().map(|r| r.status).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_change_costs_one_patch_per_vm_and_no_get_and_a_rerun_writes_nothing() {
    let env = start_with(Config {
        throttle: Throttle::Off,
        ..Config::default()
    })
    .await;
    vms(&env, 8).await;
    let gets = env.seen("GET", "/virtualMachines/fleet-").await;
    let assign = BulkAction::Assign(AssignRequest::default());
    let statuses = run(&env, &env.client, &group(), assign.clone()).await;
    assert_eq!(statuses, vec![Status::Changed; 8]);
    assert_eq!(env.seen("PATCH", "/virtualMachines/fleet-").await, 8);
    assert_eq!(
        env.seen("GET", "/virtualMachines/fleet-").await,
        gets,
        "no GET of a listed VM"
    );

    let statuses = run(&env, &env.client, &group(), assign).await;
    assert_eq!(statuses, vec![Status::Unchanged; 8]);
    assert_eq!(
        env.seen("PATCH", "/virtualMachines/fleet-").await,
        8,
        "a re-run writes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_few_ids_cost_a_get_each_and_many_in_one_group_a_list() {
    let env = start_with(Config {
        throttle: Throttle::Off,
        ..Config::default()
    })
    .await;
    let ids = vms(&env, 12).await;
    let assign = BulkAction::Assign(AssignRequest::default());
    let gets = env.seen("GET", "/virtualMachines/fleet-").await;
    let few = Selection {
        ids: ids[..5].to_vec(),
        ..Selection::default()
    };
    let statuses = run(&env, &env.client, &few, assign.clone()).await;
    assert_eq!(statuses, vec![Status::Changed; 5]);
    assert_eq!(env.seen("GET", "/virtualMachines/fleet-").await - gets, 5);
    assert_eq!(env.seen("PATCH", "/virtualMachines/fleet-").await, 5);

    let all = Selection {
        ids: ids.clone(),
        ..Selection::default()
    };
    let mut statuses = run(&env, &env.client, &all, assign).await;
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(
        statuses,
        [vec![Status::Changed; 7], vec![Status::Unchanged; 5]].concat()
    );
    assert_eq!(
        env.seen("GET", "/virtualMachines/fleet-").await - gets,
        5,
        "12 IDs in one group: one list"
    );
    assert_eq!(env.seen("PATCH", "/virtualMachines/fleet-").await, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_keeps_within_a_tight_budget_and_without_it_arm_says_429() {
    let limits = ThrottleLimits {
        writes: BucketLimit {
            capacity: 6,
            refill_per_sec: 30.0,
        },
        reads: BucketLimit {
            capacity: 10,
            refill_per_sec: 60.0,
        },
        ..ThrottleLimits::default()
    };
    let env = start_with(Config {
        throttle: Throttle::Custom(limits),
        ..Config::default()
    })
    .await;
    vms(&env, 16).await;
    let paced = common::client_for(&env.emu, &env.http);
    let statuses = run(
        &env,
        &paced,
        &group(),
        BulkAction::Assign(AssignRequest::default()),
    )
    .await;
    assert_eq!(statuses, vec![Status::Changed; 16]);
    let stats = paced.pacing_stats();
    assert_eq!(stats.throttled, 0, "{stats:?}");
    assert!(stats.waited > 0, "the budget was never reached: {stats:?}");

    // The same volume with pacing off: ARM's buckets answer 429 (retried after Retry-After).
    let mut options =
        msi_identity::ClientOptions::new(env.emu.endpoint(), env.emu.subscription_id());
    options.http = Some(env.http.clone());
    options.retry = common::fast_retry();
    options.pacing.enabled = false;
    let unpaced =
        msi_identity::ArmClient::new(common::credential(&env.emu, &env.http), options).unwrap();
    let run = unpaced
        .start_bulk(
            ComputeKind::VirtualMachine,
            &group(),
            &BulkAction::Remove(RemoveRequest::default()),
            BulkOptions::default(),
        )
        .await
        .unwrap();
    let _ = run.collect().await;
    assert!(
        unpaced.pacing_stats().throttled > 0,
        "{:?}",
        unpaced.pacing_stats()
    );
}
