//! The pacer on paused tokio time: ARM's buckets and Compute's policies.

use super::*;
use reqwest::header::HeaderValue;

fn tight() -> PacingOptions {
    let b = Bucket {
        capacity: 3.0,
        refill_per_sec: 20.0,
    };
    PacingOptions {
        reads: b,
        writes: b,
        deletes: b,
        enabled: true,
    }
}

#[test]
fn subscriptions_are_found_in_paths_and_urls() {
    assert_eq!(
        subscription_of("/subscriptions/abc/resourceGroups/g"),
        Some("abc")
    );
    assert_eq!(
        subscription_of("https://h/subscriptions/abc?api-version=1"),
        Some("abc")
    );
    assert_eq!(
        subscription_of("/providers/Microsoft.Compute/operations"),
        None
    );
    assert_eq!(subscription_of("/subscriptions/"), None);
}

#[tokio::test(start_paused = true)]
async fn an_empty_bucket_waits_for_its_refill() {
    let p = Pacer::new(tight());
    let start = Instant::now();
    for _ in 0..3 {
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    // The fourth waits for one token: 1/20 s.
    p.acquire("/subscriptions/s/x", OperationType::Write).await;
    assert!(start.elapsed() >= Duration::from_millis(45));
    assert_eq!(p.stats().waited, 1);
    // Other buckets (another type, another subscription) are untouched.
    let t = Instant::now();
    p.acquire("/subscriptions/s/x", OperationType::Read).await;
    p.acquire("/subscriptions/other/x", OperationType::Write)
        .await;
    assert_eq!(t.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn one_request_at_a_time_until_the_first_answer() {
    let p = Pacer::new(tight());
    let first = p.acquire("/subscriptions/s/x", OperationType::Write).await;
    let second = tokio::time::timeout(
        Duration::from_millis(50),
        p.acquire("/subscriptions/s/x", OperationType::Write),
    )
    .await;
    assert!(
        second.is_err(),
        "a second request went out before any answer"
    );
    let mut h = HeaderMap::new();
    h.insert(
        "x-ms-ratelimit-remaining-subscription-writes",
        HeaderValue::from_static("2"),
    );
    first.answered(200, &h);
    let start = Instant::now();
    let _a = p.acquire("/subscriptions/s/x", OperationType::Write).await;
    let _b = p.acquire("/subscriptions/s/x", OperationType::Write).await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn the_service_remaining_count_resets_the_mirror() {
    let p = Pacer::new(tight());
    let permit = p.acquire("/subscriptions/s/x", OperationType::Write).await;
    let mut h = HeaderMap::new();
    h.insert(
        "x-ms-ratelimit-remaining-subscription-writes",
        HeaderValue::from_static("0"),
    );
    permit.answered(200, &h);
    let start = Instant::now();
    p.acquire("/subscriptions/s/x", OperationType::Write).await;
    assert!(start.elapsed() >= Duration::from_millis(45));
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_the_whole_bucket() {
    let p = Pacer::new(tight());
    let permit = p.acquire("/subscriptions/s/x", OperationType::Read).await;
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_static("1"));
    permit.answered(429, &h);
    let start = Instant::now();
    p.acquire("/subscriptions/s/x", OperationType::Read).await;
    assert!(start.elapsed() >= Duration::from_millis(950));
    assert_eq!(p.stats().throttled, 1);
}

fn compute_answer(left: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "x-ms-ratelimit-remaining-resource",
        HeaderValue::from_static(left),
    );
    h.insert(
        "x-ms-ratelimit-remaining-subscription-writes",
        HeaderValue::from_static("100"),
    );
    h.insert(
        "x-ms-ratelimit-remaining-subscription-reads",
        HeaderValue::from_static("100"),
    );
    h
}

const VM: &str = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/";

#[tokio::test(start_paused = true)]
async fn a_compute_policy_is_the_subscriptions_shared_by_every_vm() {
    let p = Pacer::new(tight());
    let v = format!("{VM}v");
    let w = format!("{VM}w");
    p.acquire(&v, OperationType::Write)
        .await
        .answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;0"));
    let start = Instant::now();
    // Another VM's update draws from the same, empty, policy: one token of 1 per 3 minutes.
    p.acquire(&w, OperationType::Write).await;
    assert!(
        start.elapsed() >= Duration::from_secs(179),
        "{:?}",
        start.elapsed()
    );
    // Other shapes (a GET of the VM) and other subscriptions are not held.
    let t = Instant::now();
    p.acquire(&v, OperationType::Read).await;
    p.acquire(
        "/subscriptions/other/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v",
        OperationType::Write,
    )
    .await;
    assert_eq!(t.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn compute_counts_are_less_what_is_still_in_flight() {
    let p = Pacer::new(tight());
    let first = p.acquire(&format!("{VM}a"), OperationType::Write).await;
    first.answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;2"));
    // Two tokens: two go out at once, the third waits though no answer said 0.
    let b = p.acquire(&format!("{VM}b"), OperationType::Write).await;
    let c = p.acquire(&format!("{VM}c"), OperationType::Write).await;
    let third = tokio::time::timeout(
        Duration::from_secs(1),
        p.acquire(&format!("{VM}d"), OperationType::Write),
    )
    .await;
    assert!(third.is_err(), "a request went out with no policy token");
    // b's answer says 1 left, c still in flight: 0 to take; c's answer (sent later) says 0.
    b.answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;1"));
    c.answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;0"));
    let stale = tokio::time::timeout(
        Duration::from_secs(1),
        p.acquire(&format!("{VM}d"), OperationType::Write),
    )
    .await;
    assert!(stale.is_err());
}

#[tokio::test(start_paused = true)]
async fn an_answer_that_overtook_a_later_one_does_not_raise_the_mirror() {
    let p = Pacer::new(tight());
    p.acquire(&format!("{VM}a"), OperationType::Write)
        .await
        .answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;5"));
    let early = p.acquire(&format!("{VM}b"), OperationType::Write).await;
    let late = p.acquire(&format!("{VM}c"), OperationType::Write).await;
    late.answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;0"));
    early.answered(200, &compute_answer("Microsoft.Compute/UpdateVM3Min;4"));
    let waited = tokio::time::timeout(
        Duration::from_secs(1),
        p.acquire(&format!("{VM}d"), OperationType::Write),
    )
    .await;
    assert!(waited.is_err(), "the stale count 4 was applied over 0");
}
#[tokio::test(start_paused = true)]
async fn disabled_pacing_never_waits() {
    let p = Pacer::new(PacingOptions {
        enabled: false,
        ..tight()
    });
    let start = Instant::now();
    for _ in 0..50 {
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_service_that_does_not_report_its_budget_is_not_paced() {
    let p = Pacer::new(tight());
    p.acquire("/subscriptions/s/x", OperationType::Write)
        .await
        .answered(200, &HeaderMap::new());
    // Far beyond the assumed bucket (3), at once and concurrently: nothing waits.
    let start = Instant::now();
    let mut held = Vec::new();
    for _ in 0..50 {
        held.push(p.acquire("/subscriptions/s/x", OperationType::Write).await);
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    // An answer that reports the budget meters the bucket again.
    let mut h = HeaderMap::new();
    h.insert(
        "x-ms-ratelimit-remaining-subscription-writes",
        HeaderValue::from_static("0"),
    );
    held.pop().unwrap().answered(200, &h);
    drop(held);
    p.acquire("/subscriptions/s/x", OperationType::Write).await;
    assert!(start.elapsed() >= Duration::from_millis(45));
}

#[tokio::test(start_paused = true)]
async fn a_later_request_counted_first_does_not_raise_the_mirror() {
    let slow = Bucket {
        capacity: 10.0,
        refill_per_sec: 0.001,
    };
    let p = Pacer::new(PacingOptions {
        reads: slow,
        writes: slow,
        deletes: slow,
        enabled: true,
    });
    let writes = |left: &'static str| {
        let mut h = HeaderMap::new();
        h.insert(
            "x-ms-ratelimit-remaining-subscription-writes",
            HeaderValue::from_static(left),
        );
        h
    };
    p.acquire("/subscriptions/s/x", OperationType::Write)
        .await
        .answered(200, &writes("9"));
    let a = p.acquire("/subscriptions/s/x", OperationType::Write).await;
    let b = p.acquire("/subscriptions/s/x", OperationType::Write).await;
    // The service counted b first (8 left), then a (7 left); a's answer comes first.
    a.answered(200, &writes("7"));
    b.answered(200, &writes("8"));
    // 7 are left in truth: the mirror may hold fewer (a's answer could not tell b was counted), never 8.
    let start = Instant::now();
    for _ in 0..6 {
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    let more = tokio::time::timeout(Duration::from_secs(1), async {
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
    })
    .await;
    assert!(more.is_err(), "8 requests went out where 7 were left");
}
