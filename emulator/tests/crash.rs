//! Crash test: `kill -9` of the `msi-emulator` binary while several clients write, a restart on the
//! same data directory, and every write that was acknowledged is there (issue 10, durability).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running `msi-emulator` process and what its banner says.
struct Process {
    child: Child,
    endpoint: String,
    tenant: String,
    subscription: String,
    client_id: String,
    secret: String,
}

impl Process {
    /// `kill -9` (no shutdown, no checkpoint), and wait for it to be gone.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

fn banner_value<'a>(lines: &'a [String], label: &str) -> &'a str {
    let line = lines
        .iter()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' in the banner: {lines:?}"));
    line.trim_start()[label.len()..]
        .split_whitespace()
        .next()
        .unwrap()
}

fn start(dir: &Path) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_msi-emulator"))
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--port",
            "0",
            "--imds-port",
            "0",
            // Hundreds of concurrent writes: past Azure's write bucket.
            "--throttle",
            "off",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("msi-emulator starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let last = line.trim_start().starts_with("lro delay");
            lines.push(line);
            if last {
                let _ = tx.send(lines.clone());
            }
        }
    });
    let lines = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the banner within a minute");
    Process {
        endpoint: banner_value(&lines, "endpoint").to_string(),
        tenant: banner_value(&lines, "tenant").to_string(),
        subscription: banner_value(&lines, "subscription").to_string(),
        client_id: banner_value(&lines, "admin client id").to_string(),
        secret: banner_value(&lines, "admin secret").to_string(),
        child,
    }
}

fn client(dir: &Path) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(dir.join("ca.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn token(http: &reqwest::Client, p: &Process) -> String {
    let r = http
        .post(format!("{}/{}/oauth2/v2.0/token", p.endpoint, p.tenant))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", p.client_id.as_str()),
            ("client_secret", p.secret.as_str()),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// Every resource group's name, following `nextLink`.
async fn group_names(http: &reqwest::Client, p: &Process, token: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut url = format!(
        "{}/subscriptions/{}/resourcegroups?api-version=2022-09-01",
        p.endpoint, p.subscription
    );
    loop {
        let v: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for g in v["value"].as_array().unwrap() {
            names.push(g["name"].as_str().unwrap().to_ascii_lowercase());
        }
        match v["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return names,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9() {
    const CLIENTS: usize = 4;
    const CYCLES: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let started = Instant::now();
    for cycle in 0..CYCLES {
        let p = start(&data);
        let http = client(&data);
        let token = token(&http, &p).await;
        // Everything acknowledged before (earlier cycles) is still there.
        let present = group_names(&http, &p, &token).await;
        for name in acknowledged.lock().unwrap().iter() {
            assert!(present.contains(name), "cycle {cycle}: {name} was lost");
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for c in 0..CLIENTS {
            let (http, token, ack, stop) = (
                http.clone(),
                token.clone(),
                acknowledged.clone(),
                stop.clone(),
            );
            let url = format!(
                "{}/subscriptions/{}/resourcegroups",
                p.endpoint, p.subscription
            );
            writers.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let name = format!("c{cycle}-w{c}-{i}");
                    i += 1;
                    let r = http
                        .put(format!("{url}/{name}?api-version=2022-09-01"))
                        .bearer_auth(&token)
                        .json(&json!({"location": "westus", "tags": {"i": i}}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => ack.lock().unwrap().push(name),
                        Ok(r) => panic!("write refused: {}", r.status()),
                        // The kill: in flight, not acknowledged.
                        Err(_) => break,
                    }
                }
            }));
        }
        // Kill while the writers are busy (-9: no shutdown, no checkpoint).
        tokio::time::sleep(Duration::from_millis(700)).await;
        let mut p = p;
        p.kill();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for w in writers {
            w.await.unwrap();
        }
    }
    let p = start(&data);
    let http = client(&data);
    let token = token(&http, &p).await;
    let present = group_names(&http, &p, &token).await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !present.contains(n))
        .collect();
    println!(
        "crash test: {} acknowledged writes from {CLIENTS} clients over {CYCLES} kill -9 cycles, {} lost, {:.1}s",
        acknowledged.len(),
        lost.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(acknowledged.len() > 20, "too few writes to mean anything");
    assert!(lost.is_empty(), "lost: {lost:?}");
}
