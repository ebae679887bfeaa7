//! The token endpoint, discovery, and ARM authentication.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use reqwest::Method;
use serde_json::Value;

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_issuance_and_errors() {
    let h = start().await;
    let (emu, http) = (&h.emu, &h.http);

    let c = claims(&h.token);
    assert_eq!(c["aud"], "https://management.azure.com");
    assert_eq!(c["tid"], emu.tenant_id());
    assert_eq!(c["appid"], emu.admin_client_id());
    assert_eq!(c["idtyp"], "app");
    assert_eq!(
        c["iss"],
        format!("https://sts.windows.net/{}/", emu.tenant_id())
    );
    assert!(c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());
    assert_eq!(c["oid"], c["sub"]);

    let base = [
        ("grant_type", "client_credentials"),
        ("client_id", emu.admin_client_id()),
        ("scope", "https://management.azure.com/.default"),
    ];
    let ok = token_request(
        http,
        emu,
        &[
            base[0],
            base[1],
            base[2],
            ("client_secret", emu.admin_client_secret()),
        ],
    )
    .await;
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);

    let bad = token_request(
        http,
        emu,
        &[base[0], base[1], base[2], ("client_secret", "nope")],
    )
    .await;
    assert_eq!(bad.status(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215: Invalid client secret provided.")
    );

    let unknown = token_request(
        http,
        emu,
        &[
            base[0],
            ("client_id", "00000000-0000-0000-0000-000000000001"),
            base[2],
            ("client_secret", "x"),
        ],
    )
    .await;
    assert_eq!(unknown.status(), 400);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS700016:")
    );

    let grant = token_request(http, emu, &[("grant_type", "password"), base[1], base[2]]).await;
    assert_eq!(grant.status(), 400);
    let body: Value = grant.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    // client_secret_basic works too, and the scope picks the audience.
    let basic = http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            emu.endpoint(),
            emu.tenant_id()
        ))
        .basic_auth(emu.admin_client_id(), Some(emu.admin_client_secret()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://management.core.windows.net//.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
    let body: Value = basic.json().await.unwrap();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["aud"],
        "https://management.core.windows.net/"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_documents() {
    let h = start().await;
    let (emu, http) = (&h.emu, &h.http);
    let ep = emu.endpoint();
    let oidc: Value = http
        .get(format!(
            "{ep}/{}/v2.0/.well-known/openid-configuration",
            emu.tenant_id()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oidc["issuer"], format!("{ep}/{}/v2.0", emu.tenant_id()));
    assert_eq!(
        oidc["token_endpoint"],
        format!("{ep}/{}/oauth2/v2.0/token", emu.tenant_id())
    );
    let jwks: Value = http
        .get(oidc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(h.token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
    assert_eq!(jwks["keys"][0]["kty"], "RSA");

    // HTTP/1.1 clients are served too (h2 is negotiated by ALPN otherwise).
    let http1 = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(emu.ca_cert_pem().as_bytes()).unwrap()])
        .http1_only()
        .build()
        .unwrap();
    let r = http1
        .get(format!("{ep}/{}/discovery/v2.0/keys", emu.tenant_id()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
    assert_eq!(r.status(), 200);
    let h2 = http
        .get(format!("{ep}/{}/discovery/v2.0/keys", emu.tenant_id()))
        .send()
        .await
        .unwrap();
    assert_eq!(h2.version(), reqwest::Version::HTTP_2);

    let meta = http
        .get(format!("{ep}/metadata/endpoints?api-version=2022-09-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(meta.status(), 200);
    assert_eq!(
        meta.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let meta: Value = meta.json().await.unwrap();
    assert_eq!(meta["resourceManager"], format!("{ep}/"));
    assert_eq!(meta["authentication"]["loginEndpoint"], format!("{ep}/"));
    assert_eq!(
        meta["authentication"]["audiences"][0],
        "https://management.core.windows.net/"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arm_requires_a_valid_token_and_api_version() {
    let h = start().await;
    let url = format!("{}/subscriptions?api-version=2022-12-01", h.emu.endpoint());

    let none = h.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AuthenticationFailed");

    let mut forged: Vec<String> = h.token.split('.').map(str::to_string).collect();
    let mut c = claims(&h.token);
    c["oid"] = Value::String("00000000-0000-0000-0000-000000000009".into());
    forged[1] = URL_SAFE_NO_PAD.encode(c.to_string());
    let bad = h
        .http
        .get(&url)
        .bearer_auth(forged.join("."))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");

    // A token for another resource is refused.
    let vault = token_request(
        &h.http,
        &h.emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", h.emu.admin_client_id()),
            ("client_secret", h.emu.admin_client_secret()),
            ("scope", "https://vault.azure.net/.default"),
        ],
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let wrong = h
        .http
        .get(&url)
        .bearer_auth(vault["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wrong audience")
    );

    let ok = h
        .arm(Method::GET, "/subscriptions", "2022-12-01", None)
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["value"][0]["subscriptionId"], h.sub());
    assert_eq!(ok.body["value"][0]["displayName"], "Emulator Subscription");
    assert_eq!(ok.body["value"][0]["state"], "Enabled");
    assert_eq!(
        ok.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    for header in [
        "x-ms-request-id",
        "x-ms-correlation-request-id",
        "x-ms-routing-request-id",
        "x-ms-ratelimit-remaining-subscription-reads",
    ] {
        assert!(ok.headers.contains_key(header), "{header}");
    }
    let echoed = h
        .send(
            Method::GET,
            &url,
            &[("x-ms-correlation-request-id", "corr-123")],
            None,
        )
        .await;
    assert_eq!(
        echoed.header("x-ms-correlation-request-id"),
        Some("corr-123")
    );

    let missing = h
        .send(
            Method::GET,
            &format!("{}/subscriptions", h.emu.endpoint()),
            &[],
            None,
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.code(), "MissingApiVersionParameter");

    let unknown_sub = h
        .arm(
            Method::GET,
            "/subscriptions/00000000-0000-0000-0000-00000000abcd",
            "2022-12-01",
            None,
        )
        .await;
    assert_eq!(unknown_sub.status, 404);
    assert_eq!(unknown_sub.code(), "SubscriptionNotFound");
}
