//! Regression tests of issue 10's emulator items, from outside over real HTTPS and plain HTTP:
//! deep and large bodies (1), non-ASCII api-versions (2), timeouts and the connection cap (7),
//! request head caps (8), the hooks' credential (9), locations (11).

mod common;

use std::time::{Duration, Instant};

use common::*;
use msi_emulator::Config;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const API: &str = "2024-11-01";

/// `{"a":{"a":...{"a":1}}}` nesting `depth` objects.
fn nested(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

async fn raw(h: &Harness, method: Method, path: &str, body: String) -> Reply {
    let url = format!("{}{path}?api-version={API}", h.emu.endpoint());
    let r = h
        .http
        .request(method, url)
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_bodies_are_refused_and_nothing_is_bricked() {
    // Many PUTs of the same VM: past Compute's 12 updates per VM per minute.
    let h = start_with(Config {
        throttle: msi_emulator::Throttle::Off,
        ..Config::default()
    })
    .await;
    h.create_rg("rg").await;
    let vm = h
        .create_vm("rg", "vm1", Some(json!({"type": "SystemAssigned"})))
        .await;
    let vm_path = h.vm_path("rg", "vm1");
    let vmss_path = h.vmss_path("rg", "ss1");
    let r = h
        .arm(
            Method::PUT,
            &vmss_path,
            API,
            Some(&json!({"location": "westus", "sku": {"capacity": 1}})),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);

    // The depths that bricked a resource (about 127) and one past the reader's limit (65).
    for depth in [65, 126, 127, 128, 200, 5000] {
        for (method, path) in [
            (Method::PATCH, &vm_path),
            (Method::PUT, &vm_path),
            (Method::PATCH, &vmss_path),
            (Method::PUT, &vmss_path),
        ] {
            let body = format!(
                "{{\"location\":\"westus\",\"properties\":{{\"x\":{}}}}}",
                nested(depth)
            );
            let r = raw(&h, method.clone(), path, body).await;
            assert_eq!(r.status, 400, "{method} depth {depth}: {:?}", r.body);
            assert_eq!(r.code(), "InvalidRequestContent");
            assert!(
                r.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("MaxDepth of 64"),
                "{:?}",
                r.body
            );
        }
    }
    // At the limit it is stored and every read of it still works.
    let ok = format!(
        "{{\"properties\":{{\"x\":{}}}}}",
        nested(62) // body -> properties -> x: 64 levels
    );
    let r = raw(&h, Method::PATCH, &vm_path, ok).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let got = h.arm(Method::GET, &vm_path, API, None).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    let list = h
        .arm(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Compute/virtualMachines",
                h.rg_path("rg")
            ),
            API,
            None,
        )
        .await;
    assert_eq!(list.status, 200);
    let vm_id = vm["properties"]["vmId"].as_str().unwrap();
    let base = h.emu.imds_base_url(&vm_path, None).unwrap();
    assert!(base.ends_with(vm_id));
    let token = h.imds_token(&vm_path, "", "https://vault.azure.net").await;
    assert!(token["access_token"].is_string());
    let del = h
        .arm(Method::DELETE, &h.rg_path("rg"), "2022-09-01", None)
        .await;
    assert_eq!(del.status, 202, "{:?}", del.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_four_megabytes_get_arms_envelope() {
    let h = start().await;
    h.create_rg("rg").await;
    let body = format!(
        "{{\"location\":\"westus\",\"tags\":{{\"t\":\"{}\"}}}}",
        "a".repeat(4 * 1024 * 1024 + 1)
    );
    let r = raw(&h, Method::PUT, &h.vm_path("rg", "big"), body).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "RequestContentTooLarge");
    assert!(r.header("x-ms-request-id").is_some());
    let gone = h.arm(Method::GET, &h.vm_path("rg", "big"), API, None).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_api_versions_answer_the_envelope() {
    let h = start().await;
    h.create_rg("rg").await;
    for api in [
        "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%94-11-01",
        "2024-11-0%C3%A9",
        "%F0%9F%98%80%F0%9F%98%80%F0%9F%98%80",
        "%FF%FE",
    ] {
        for path in [
            h.rg_path("rg"),
            h.vm_path("rg", "vm"),
            h.uai_path("rg", "id"),
        ] {
            let url = format!("{}{path}?api-version={api}", h.emu.endpoint());
            let r = h.send(Method::GET, &url, &[], None).await;
            assert_eq!(r.status, 400, "{api} {path}: {:?}", r.body);
            assert!(
                ["InvalidApiVersionParameter", "NoRegisteredProviderFound"].contains(&r.code()),
                "{:?}",
                r.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_must_be_azure_regions() {
    let h = start().await;
    for bad in ["nowhere land", "<script>", "global", "westus\u{ff12}"] {
        let r = h
            .arm(
                Method::PUT,
                &h.rg_path("rg"),
                "2022-09-01",
                Some(&json!({ "location": bad })),
            )
            .await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.code(), "LocationNotAvailableForResourceGroup");
        let msg = r.body["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!(
                "The provided location '{bad}' is not available for resource group."
            )),
            "{msg}"
        );
    }
    let r = h
        .arm(Method::GET, &h.rg_path("rg"), "2022-09-01", None)
        .await;
    assert_eq!(r.status, 404, "nothing was created");
    let r = h
        .arm(
            Method::PUT,
            &h.rg_path("rg"),
            "2022-09-01",
            Some(&json!({"location": "West Europe"})),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.body["location"].as_str()),
        (201, Some("westeurope"))
    );
    for (path, api, ty) in [
        (
            h.vm_path("rg", "vm"),
            API,
            "Microsoft.Compute/virtualMachines",
        ),
        (
            h.vmss_path("rg", "ss"),
            API,
            "Microsoft.Compute/virtualMachineScaleSets",
        ),
        (
            h.uai_path("rg", "id1"),
            "2023-01-31",
            "Microsoft.ManagedIdentity/userAssignedIdentities",
        ),
    ] {
        let r = h
            .arm(
                Method::PUT,
                &path,
                api,
                Some(&json!({"location": "Mars North"})),
            )
            .await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.code(), "LocationNotAvailableForResourceType");
        assert!(
            r.body["error"]["message"].as_str().unwrap().starts_with(&format!(
                "The provided location 'Mars North' is not available for resource type '{ty}'. List of available regions for the resource type is '"
            )),
            "{:?}",
            r.body
        );
        assert_eq!(h.arm(Method::GET, &path, api, None).await.status, 404);
        let r = h
            .arm(
                Method::PUT,
                &path,
                api,
                Some(&json!({"location": "North Europe"})),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
        assert_eq!(r.body["location"], "northeurope");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_hooks_need_the_admin_token() {
    let h = start().await;
    let url = |p: &str| format!("{}{p}", h.emu.endpoint());
    for (method, path) in [
        (Method::GET, "/_emulator/faults"),
        (Method::POST, "/_emulator/faults"),
        (Method::DELETE, "/_emulator/faults"),
        (Method::GET, "/_emulator/requests"),
        (Method::DELETE, "/_emulator/requests"),
        (Method::GET, "/_emulator/info"),
        (Method::GET, "/_emulator/identity-endpoints?resourceId=x"),
    ] {
        let r = h
            .http
            .request(method.clone(), url(path))
            .json(&json!({"status": 500}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{method} {path}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error"]["code"], "AuthenticationFailed");
    }
    let forged = h
        .http
        .get(url("/_emulator/faults"))
        .bearer_auth("a.b.c")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    // A managed identity's ARM token is a valid ARM token, not the admin's.
    h.create_rg("rg").await;
    let uai = h.create_uai("rg", "id1").await;
    let oid = uai["properties"]["principalId"].as_str().unwrap();
    let other = h
        .emu
        .mint_test_token(oid, "https://management.azure.com/", 600)
        .unwrap();
    let r = h
        .http
        .post(url("/_emulator/faults"))
        .bearer_auth(&other)
        .json(&json!({"status": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "AuthorizationFailed");
    // Nothing was injected: ARM still answers.
    assert_eq!(
        h.arm(Method::GET, &h.rg_path("rg"), "2022-09-01", None)
            .await
            .status,
        200
    );
    let r = h
        .http
        .get(url("/_emulator/faults"))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Opened explicitly, no token is needed.
    let open = start_with(Config {
        open_test_hooks: true,
        ..Config::default()
    })
    .await;
    let r = open
        .http
        .get(format!("{}/_emulator/info", open.emu.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["openTestHooks"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_state_is_bounded() {
    let h = start().await;
    let hook = |body: Value| {
        h.http
            .post(format!("{}/_emulator/faults", h.emu.endpoint()))
            .bearer_auth(&h.token)
            .json(&body)
            .send()
    };
    for i in 0..1000 {
        let r = hook(json!({"path_contains": format!("/never/{i}"), "status": 503}))
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let r = hook(json!({"path_contains": "/one-more", "status": 503}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = hook(json!({"path_contains": "x".repeat(2000), "status": 503}))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Long paths are logged cut, and can still be counted by their start.
    // (Under HTTP/2's 16 KiB header list limit, over the log's 1 KiB.)
    let long = format!("/subscriptions/{}/{}", h.sub(), "p".repeat(10_000));
    let r = h
        .send(
            Method::GET,
            &format!("{}{long}?api-version=2022-09-01", h.emu.endpoint()),
            &[],
            None,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let log: Value = h
        .http
        .get(format!(
            "{}/_emulator/requests?path_contains=/ppppp",
            h.emu.endpoint()
        ))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_heads_are_refused() {
    let h = start().await;
    let ca = reqwest::Certificate::from_pem(h.emu.ca_cert_pem().as_bytes()).unwrap();
    let http1 = reqwest::Client::builder()
        .tls_certs_only([ca])
        .http1_only()
        .build()
        .unwrap();
    // A request line and headers over 64 KiB (the URI alone stays under http's own limit).
    let long = format!("/subscriptions/{}", "s".repeat(50 * 1024));
    let url = format!("{}{long}?api-version=2022-09-01", h.emu.endpoint());
    // HTTP/2 clients are told the 16 KiB limit in the server's settings: either they refuse to
    // send, or the server refuses the request; never an answer from the router.
    if let Ok(r) = h.http.get(&url).bearer_auth(&h.token).send().await {
        assert_eq!(r.status(), 431);
    }
    let r = http1
        .get(&url)
        .bearer_auth(&h.token)
        .header("x-pad", "p".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert!([414, 431].contains(&r.status().as_u16()), "{}", r.status());
    let mut req = http1.get(format!(
        "{}/subscriptions?api-version=2022-09-01",
        h.emu.endpoint()
    ));
    for i in 0..150 {
        req = req.header(format!("x-h{i}"), "v");
    }
    let r = req.bearer_auth(&h.token).send().await.unwrap();
    assert_eq!(r.status(), 431);
    // The emulator keeps answering.
    let ok = h
        .arm(Method::GET, "/subscriptions", "2022-09-01", None)
        .await;
    assert_eq!(ok.status, 200);
}

fn quick() -> Config {
    Config {
        header_read_timeout: Duration::from_millis(400),
        idle_timeout: Duration::from_millis(400),
        ..Config::default()
    }
}

/// Reads until the server closes the connection; how long that took (panics after `limit`).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after {limit:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_on_every_listener() {
    let h = start_with(quick()).await;
    let https_port: u16 = h
        .emu
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let limit = Duration::from_secs(5);
    // Connected, nothing sent: IMDS and HTTPS (before the handshake).
    for port in [h.emu.imds_port(), https_port] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        closed_within(&mut s, limit).await;
    }
    // Half a request head, then silence (slowloris).
    let mut s = TcpStream::connect(("127.0.0.1", h.emu.imds_port()))
        .await
        .unwrap();
    s.write_all(b"GET /vm/x/metadata/identity/oauth2/token HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    closed_within(&mut s, limit).await;
    // Kept alive after an answer, then idle.
    let mut s = TcpStream::connect(("127.0.0.1", h.emu.imds_port()))
        .await
        .unwrap();
    s.write_all(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    s.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 404");
    closed_within(&mut s, limit).await;
    // HTTPS after the handshake, HTTP/1.1 and HTTP/2 alike: a client's pooled connection is
    // closed, and the next request opens a new one.
    for http2 in [false, true] {
        let ca = reqwest::Certificate::from_pem(h.emu.ca_cert_pem().as_bytes()).unwrap();
        let mut b = reqwest::Client::builder().tls_certs_only([ca]);
        b = if http2 {
            b.http2_prior_knowledge()
        } else {
            b.http1_only()
        };
        let c = b.build().unwrap();
        let url = format!("{}/subscriptions?api-version=2022-09-01", h.emu.endpoint());
        let r = c.get(&url).bearer_auth(&h.token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let r = c.get(&url).bearer_auth(&h.token).send().await.unwrap();
        assert_eq!(r.status(), 200, "http2={http2}");
    }
    // An MSI extension's own port too.
    let rg = "rg";
    h.create_rg(rg).await;
    h.create_vm(rg, "vm1", Some(json!({"type": "SystemAssigned"})))
        .await;
    let port = free_port();
    let ext = h
        .arm(
            Method::PUT,
            &format!("{}/extensions/msi", h.vm_path(rg, "vm1")),
            API,
            Some(&json!({"location": "westus", "properties": {
                "publisher": "Microsoft.ManagedIdentity", "type": "ManagedIdentityExtensionForLinux",
                "typeHandlerVersion": "1.0", "settings": {"port": port}}})),
        )
        .await;
    assert!(ext.status.is_success(), "{:?}", ext.body);
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    closed_within(&mut s, limit).await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let h = start_with(Config {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        ..Config::default()
    })
    .await;
    let port = h.emu.imds_port();
    let hold1 = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let hold2 = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    third
        .write_all(b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 12];
    let waited = tokio::time::timeout(Duration::from_millis(500), third.read_exact(&mut buf)).await;
    assert!(
        waited.is_err(),
        "the third connection was served beyond the cap"
    );
    drop(hold1);
    tokio::time::timeout(Duration::from_secs(5), third.read_exact(&mut buf))
        .await
        .expect("served once a slot is free")
        .unwrap();
    assert_eq!(&buf, b"HTTP/1.1 404");
    drop(hold2);
}
