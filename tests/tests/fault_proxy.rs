//! A flaky network of the project's own between core and the emulator: an HTTPS proxy that fails about 20% of
//! requests independently (5xx and 429 with and without `Retry-After`, connections reset before the request
//! reaches the emulator, and answers lost after the emulator carried the request out). Over 1,000 identity
//! operations, every `Ok` must mean the resource is exactly as asked, and every error must leave the resource
//! either as it was or as asked (never anything else): the result tells the truth.

mod common;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use msi_identity::{
    ArmClient, AssignRequest, ClientOptions, ClientSecretCredential, ComputeKind, ComputeTarget,
    HttpClient, RemoveRequest, Secret,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why the proxy closed a connection without answering.
#[derive(Debug)]
struct Dropped(String);

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Dropped {}

fn boxed(e: impl std::fmt::Display) -> Dropped {
    Dropped(e.to_string())
}

/// What the proxy did, counted.
#[derive(Default)]
struct Tally {
    forwarded: AtomicU64,
    statuses: AtomicU64,
    resets_before: AtomicU64,
    lost_answers: AtomicU64,
}

struct Proxy {
    endpoint: String,
    ca_pem: String,
    tally: Arc<Tally>,
}

/// A CA and a server certificate for 127.0.0.1, for the proxy's own TLS.
fn proxy_tls() -> (String, rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (ca_cert.pem(), config)
}

fn envelope(status: u16) -> Bytes {
    Bytes::from(format!(
        r#"{{"error":{{"code":"InjectedFault","message":"injected HTTP {status}"}}}}"#
    ))
}

/// Start the proxy in front of `upstream` (the emulator), failing `rate` of the requests.
async fn start_proxy(upstream: String, upstream_http: HttpClient, rate: f64, seed: u64) -> Proxy {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (ca_pem, config) = proxy_tls();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("https://{}", listener.local_addr().unwrap());
    let tally = Arc::new(Tally::default());
    let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
    let (t, me) = (tally.clone(), endpoint.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, rng, t, up, me) = (
                acceptor.clone(),
                rng.clone(),
                t.clone(),
                upstream.clone(),
                me.clone(),
            );
            let http = upstream_http.inner().clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let (rng, t, up, me, http) =
                        (rng.clone(), t.clone(), up.clone(), me.clone(), http.clone());
                    async move {
                        let roll: f64 = rng.lock().unwrap().random();
                        let pick: u32 = rng.lock().unwrap().random_range(0..6);
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.map_err(boxed)?.to_bytes();
                        if roll < rate && pick < 3 {
                            t.statuses.fetch_add(1, Ordering::Relaxed);
                            let status = [503u16, 429, 500][pick as usize];
                            let mut r = hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json");
                            if pick == 1 || roll < rate / 4.0 {
                                r = r.header("retry-after", "0");
                            }
                            return Ok::<_, Dropped>(r.body(Full::new(envelope(status))).unwrap());
                        }
                        if roll < rate && pick == 3 {
                            t.resets_before.fetch_add(1, Ordering::Relaxed);
                            return Err(Dropped(
                                "reset before the request reached the service".into(),
                            ));
                        }
                        let url = format!("{up}{}", parts.uri);
                        let mut fwd = http.request(parts.method.clone(), &url).body(body.to_vec());
                        for (k, v) in &parts.headers {
                            if k != "host" {
                                fwd = fwd.header(k, v);
                            }
                        }
                        let resp = fwd.send().await.map_err(boxed)?;
                        t.forwarded.fetch_add(1, Ordering::Relaxed);
                        let status = resp.status();
                        let headers = resp.headers().clone();
                        let bytes = resp.bytes().await.map_err(boxed)?;
                        if roll < rate {
                            t.lost_answers.fetch_add(1, Ordering::Relaxed);
                            return Err(Dropped(
                                "the answer was lost after the service carried it out".into(),
                            ));
                        }
                        // Links (operation status, nextLink) point at the proxy, as they would at one endpoint.
                        let text = String::from_utf8_lossy(&bytes).replace(&up, &me);
                        let mut r = hyper::Response::builder().status(status);
                        for (k, v) in &headers {
                            if k == "content-length"
                                || k == "transfer-encoding"
                                || k == "connection"
                            {
                                continue;
                            }
                            let v = v.to_str().unwrap_or_default().replace(&up, &me);
                            r = r.header(k, v);
                        }
                        Ok(r.body(Full::new(Bytes::from(text))).unwrap())
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Proxy {
        endpoint,
        ca_pem,
        tally,
    }
}

/// The state of one VM as the test models it: system on/off and which of id0..idN are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Model {
    system: bool,
    user: BTreeSet<String>,
}

async fn actual(c: &ArmClient, t: &ComputeTarget) -> Model {
    let i = c.show_identity(t).await.unwrap();
    Model {
        system: i.has_system(),
        user: i
            .user_assigned
            .iter()
            .map(|u| u.id.rsplit('/').next().unwrap().to_ascii_lowercase())
            .collect(),
    }
}

fn unknown_outcome(kind: msi_identity::ErrorKind) -> bool {
    use msi_identity::ErrorKind::*;
    matches!(kind, Connection | Service | Throttled | Timeout)
}

const VMS: usize = 8;
const OPS_PER_VM: usize = 125;
const IDENTITIES: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_result_tells_the_truth_under_a_fifth_of_requests_failing() {
    // 1,000 operations on 8 VMs: far past Azure's buckets and per-VM limit.
    let env = common::start_unthrottled().await;
    let direct = &env.client;
    direct.create_resource_group("rg", "westus").await.unwrap();
    for i in 0..IDENTITIES {
        direct
            .create_user_identity("rg", &format!("id{i}"), None, None)
            .await
            .unwrap();
    }
    let seed = std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("fault proxy seed {seed} (FAULT_SEED={seed} repeats this run)");
    let proxy = start_proxy(env.emu.endpoint().to_string(), env.http.clone(), 0.2, seed).await;
    let http = HttpClient::new(Some(&proxy.ca_pem)).unwrap();
    let cred = ClientSecretCredential::new(
        &proxy.endpoint,
        env.emu.tenant_id(),
        env.emu.admin_client_id(),
        Secret::new(env.emu.admin_client_secret()),
        http.clone(),
    )
    .unwrap()
    .with_retry(common::fast_retry());
    let mut options = ClientOptions::new(&proxy.endpoint, env.emu.subscription_id());
    options.http = Some(http);
    options.retry = common::fast_retry();
    let flaky = ArmClient::new(Arc::new(cred), options).unwrap();

    let mut tasks = Vec::new();
    for vm in 0..VMS {
        let t = direct
            .target(
                Some(ComputeKind::VirtualMachine),
                Some("rg"),
                Some(&format!("vm{vm}")),
                None,
            )
            .unwrap();
        direct.create(&t, &Default::default()).await.unwrap();
        let (flaky, direct) = (flaky.clone(), direct.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed ^ vm as u64);
            let mut model = Model {
                system: false,
                user: BTreeSet::new(),
            };
            let (mut oks, mut errors, mut lies) = (0u32, 0u32, Vec::new());
            let mut op = 0;
            while op < OPS_PER_VM {
                let id = format!("id{}", rng.random_range(0..IDENTITIES));
                let mut asked = model.clone();
                let result = match rng.random_range(0..4) {
                    0 => {
                        asked.system = true;
                        flaky
                            .assign_identity(&t, &AssignRequest::default())
                            .await
                            .map(|_| ())
                    }
                    1 => {
                        asked.system = false;
                        flaky
                            .remove_identity(&t, &RemoveRequest::default())
                            .await
                            .map(|_| ())
                    }
                    2 => {
                        asked.user.insert(id.clone());
                        let r = AssignRequest {
                            identities: vec![id],
                            ..Default::default()
                        };
                        flaky.assign_identity(&t, &r).await.map(|_| ())
                    }
                    _ if model.user.is_empty() => continue,
                    _ => {
                        let id = model.user.iter().next().unwrap().clone();
                        asked.user.remove(&id);
                        let r = RemoveRequest {
                            identities: vec![id],
                            ..Default::default()
                        };
                        flaky.remove_identity(&t, &r).await.map(|_| ())
                    }
                };
                op += 1;
                let now = actual(&direct, &t).await;
                match result {
                    Ok(()) if now == asked => oks += 1,
                    Ok(()) => {
                        lies.push(format!("vm{vm} op {op}: Ok, but {now:?} is not {asked:?}"))
                    }
                    // An error that left nothing changed is the truth; one whose change did happen is only
                    // honest when it says the outcome is unknown (the network or the service gave out), never
                    // "bad argument" (nothing sent) or "conflict".
                    Err(e) if now == model || (now == asked && unknown_outcome(e.kind())) => {
                        errors += 1;
                        println!("vm{vm} op {op}: {} ({})", e.kind(), e.message());
                    }
                    Err(e) => lies.push(format!("vm{vm} op {op}: {e} left {now:?}")),
                }
                model = now;
            }
            (oks, errors, lies)
        }));
    }
    let (mut oks, mut errors, mut lies) = (0, 0, Vec::new());
    for t in tasks {
        let (o, e, l) = t.await.unwrap();
        oks += o;
        errors += e;
        lies.extend(l);
    }
    let t = &proxy.tally;
    println!(
        "{} operations: {oks} ok, {errors} errors; proxy: {} forwarded, {} injected statuses, {} resets before, {} answers lost",
        oks + errors,
        t.forwarded.load(Ordering::Relaxed),
        t.statuses.load(Ordering::Relaxed),
        t.resets_before.load(Ordering::Relaxed),
        t.lost_answers.load(Ordering::Relaxed)
    );
    assert!(lies.is_empty(), "results that lied:\n{}", lies.join("\n"));
    assert!(
        oks + errors >= 1000,
        "too few operations ran: {}",
        oks + errors
    );
    assert!(
        t.lost_answers.load(Ordering::Relaxed) > 20 && t.resets_before.load(Ordering::Relaxed) > 20,
        "the proxy injected too little to mean anything"
    );
    // Five attempts per request at a 20% failure rate: errors are rare, and each is its request's last word.
    assert!(errors * 20 < oks, "{errors} errors in {oks} successes");
}
