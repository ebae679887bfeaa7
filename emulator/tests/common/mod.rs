//! Shared helpers: start an emulator, get a token, call ARM over real HTTPS.
#![allow(dead_code)]

use std::time::Duration;

use msi_emulator::{Config, Emulator};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

pub fn client_for(emulator: &Emulator) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(emulator.ca_cert_pem().as_bytes()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub struct Harness {
    pub emu: Emulator,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

pub async fn start_with(config: Config) -> Harness {
    let emu = Emulator::start(config).await.expect("emulator starts");
    let http = client_for(&emu);
    let token = get_token(&http, &emu, emu.admin_client_secret()).await;
    Harness { emu, http, token }
}

pub async fn start() -> Harness {
    start_with(Config::default()).await
}

pub async fn token_request(
    http: &reqwest::Client,
    emu: &Emulator,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!(
        "{}/{}/oauth2/v2.0/token",
        emu.endpoint(),
        emu.tenant_id()
    ))
    .form(form)
    .send()
    .await
    .unwrap()
}

pub async fn get_token(http: &reqwest::Client, emu: &Emulator, secret: &str) -> String {
    let r = token_request(
        http,
        emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.admin_client_id()),
            ("client_secret", secret),
            ("scope", "https://management.azure.com/.default"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

impl Harness {
    pub fn sub(&self) -> &str {
        self.emu.subscription_id()
    }

    /// `/subscriptions/{sub}/resourceGroups/{rg}`
    pub fn rg_path(&self, rg: &str) -> String {
        format!("/subscriptions/{}/resourceGroups/{rg}", self.sub())
    }

    pub fn vm_path(&self, rg: &str, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.Compute/virtualMachines/{name}",
            self.rg_path(rg)
        )
    }

    pub fn vmss_path(&self, rg: &str, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}",
            self.rg_path(rg)
        )
    }

    pub fn uai_path(&self, rg: &str, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
            self.rg_path(rg)
        )
    }

    /// The id a client would send for a user-assigned identity.
    pub fn uai_id(&self, rg: &str, name: &str) -> String {
        self.uai_path(rg, name)
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        self.send_as(&self.token, method, url, headers, body).await
    }

    /// [`Harness::send`] with another bearer token.
    pub async fn send_as(
        &self,
        token: &str,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let mut req = self.http.request(method, url).bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// ARM call on `path` with `api-version`.
    pub async fn arm(&self, method: Method, path: &str, api: &str, body: Option<&Value>) -> Reply {
        let url = format!("{}{path}?api-version={api}", self.emu.endpoint());
        self.send(method, &url, &[], body).await
    }

    /// ARM call as the holder of `token`.
    pub async fn arm_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        api: &str,
        body: Option<&Value>,
    ) -> Reply {
        let url = format!("{}{path}?api-version={api}", self.emu.endpoint());
        self.send_as(token, method, &url, &[], body).await
    }

    /// Creates (or replaces) a VM with `identity` (or none) and returns its GET body.
    pub async fn create_vm(&self, rg: &str, name: &str, identity: Option<Value>) -> Value {
        let mut body = serde_json::json!({"location": "westus"});
        if let Some(i) = identity {
            body["identity"] = i;
        }
        let r = self
            .arm(
                Method::PUT,
                &self.vm_path(rg, name),
                "2024-11-01",
                Some(&body),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
        self.arm(Method::GET, &self.vm_path(rg, name), "2024-11-01", None)
            .await
            .body
    }

    /// Grants `role` (a built-in role GUID) at `scope` to `principal` as the admin.
    pub async fn grant(&self, scope: &str, role: &str, principal: &str) -> Reply {
        let name = uuid::Uuid::new_v4().to_string();
        let path = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}");
        let body = serde_json::json!({"properties": {
            "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role}", self.sub()),
            "principalId": principal}});
        let r = self
            .arm(Method::PUT, &path, "2022-04-01", Some(&body))
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r
    }

    /// A token for a VM's identity from its IMDS endpoint (`selector` e.g. `client_id=..`).
    pub async fn imds_token(&self, vm_id: &str, selector: &str, resource: &str) -> Value {
        let base = self.emu.imds_base_url(vm_id, None).unwrap();
        let url = format!(
            "{base}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={}{}{selector}",
            urlencode(resource),
            if selector.is_empty() { "" } else { "&" }
        );
        let r = plain_client()
            .get(url)
            .header("Metadata", "true")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn arm_with(
        &self,
        method: Method,
        path: &str,
        api: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let url = format!("{}{path}?api-version={api}", self.emu.endpoint());
        self.send(method, &url, headers, body).await
    }

    pub async fn create_rg(&self, rg: &str) {
        let r = self
            .arm(
                Method::PUT,
                &self.rg_path(rg),
                "2022-09-01",
                Some(&serde_json::json!({"location": "westus"})),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
    }

    pub async fn create_uai(&self, rg: &str, name: &str) -> Value {
        let r = self
            .arm(
                Method::PUT,
                &self.uai_path(rg, name),
                "2023-01-31",
                Some(&serde_json::json!({"location": "westus"})),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }
}

/// A client for the plain-HTTP token endpoints.
pub fn plain_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The claims of a JWT (not verified).
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A GET with optional headers; returns status and JSON body (Null when empty).
pub async fn get_json(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Value) {
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let h = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, h, body)
}
