//! Conformance against real Azure: for every recording in `tests/recordings/`, replay its
//! identity writes (VM and scale set PUT/PATCH bodies, api-version as recorded) against a fresh in-memory
//! emulator, starting from the recorded prior state, and check that the identity the emulator returns
//! matches the recorded one: the type (parsed case- and space-insensitively) and the set of user-assigned
//! IDs (compared case-insensitively). Both the write response and the state read back after the operation
//! completes are checked. Every mismatch is collected and listed at the end, so one run shows them all.

use msi_emulator::{Config, Emulator};
use msi_identity::{ClientSecretCredential, HttpClient, Secret, TokenCredential};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The project's copy of the recordings (see its README for where they come from).
const RECORDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/recordings");
const ARM_SCOPE: &str = "https://management.azure.com/.default";
const RESOURCES_API_VERSION: &str = "2022-09-01";
const MSI_API_VERSION: &str = "2023-01-31";
const NETWORK_API_VERSION: &str = "2024-05-01";

// ---------------------------------------------------------------------------------------------------
// Recordings

/// The recordings (`*.json`), sorted by name. Fails loudly when the folder is missing.
fn recording_files() -> Vec<PathBuf> {
    let dir = Path::new(RECORDINGS);
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "cannot read the conformance recordings at {} ({e}); tests/recordings/ holds them",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no *.json recordings in {}",
        dir.display()
    );
    files
}

/// Whether `s` looks like a GUID (8-4-4-4-12 hex digits).
fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Every GUID that follows `subscriptions/` anywhere in the recording (paths, ids inside bodies).
fn recorded_subscriptions(text: &str) -> BTreeSet<String> {
    let lower = text.to_ascii_lowercase();
    let mut subs = BTreeSet::new();
    let needle = "subscriptions/";
    let mut from = 0;
    while let Some(pos) = lower[from..].find(needle) {
        let start = from + pos + needle.len();
        if let Some(candidate) = text.get(start..start + 36).filter(|c| is_guid(c)) {
            subs.insert(candidate.to_string());
        }
        from = start;
    }
    subs
}

/// The recording's text with every recorded subscription replaced by `subscription` (plain string
/// replacement: paths, bodies and expected ids alike).
fn rewrite_subscriptions(text: &str, subscription: &str) -> String {
    let mut out = text.to_string();
    for s in recorded_subscriptions(text) {
        out = out.replace(&s, subscription);
    }
    out
}

fn str_field<'a>(e: &'a Value, key: &str) -> &'a str {
    e.get(key).and_then(Value::as_str).unwrap_or("")
}

fn status_of(e: &Value) -> u64 {
    e.get("status").and_then(Value::as_u64).unwrap_or(0)
}

fn index_of(e: &Value) -> i64 {
    e.get("recording_index")
        .and_then(Value::as_i64)
        .unwrap_or(-1)
}

fn is_2xx(e: &Value) -> bool {
    (200..300).contains(&status_of(e))
}

/// `.../providers/Microsoft.Compute/{virtualMachines|virtualMachineScaleSets}/{name}`, no child path.
fn is_compute_resource_path(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').collect();
    let n = segs.len();
    n >= 4
        && segs[n - 4].eq_ignore_ascii_case("providers")
        && segs[n - 3].eq_ignore_ascii_case("Microsoft.Compute")
        && (segs[n - 2].eq_ignore_ascii_case("virtualMachines")
            || segs[n - 2].eq_ignore_ascii_case("virtualMachineScaleSets"))
        && !segs[n - 1].is_empty()
}

/// PUT or PATCH of a VM or scale set whose body carries `identity`, answered 2xx.
fn is_identity_write(e: &Value) -> bool {
    let method = str_field(e, "method");
    (method == "PUT" || method == "PATCH")
        && is_compute_resource_path(str_field(e, "path"))
        && e.get("request_body")
            .and_then(Value::as_object)
            .is_some_and(|b| b.contains_key("identity"))
        && is_2xx(e)
}

fn same_path(a: &Value, path: &str) -> bool {
    str_field(a, "path").eq_ignore_ascii_case(path)
}

/// The most recent earlier exchange on the same resource with a 2xx body naming the resource.
fn prior_state(exchanges: &[Value], k: usize) -> Option<&Value> {
    let path = str_field(&exchanges[k], "path");
    exchanges[..k].iter().rev().find(|x| {
        same_path(x, path)
            && is_2xx(x)
            && x.get("response_body")
                .and_then(Value::as_object)
                .is_some_and(|b| b.contains_key("name"))
    })
}

/// The first successful GET of the same resource after the write, before any other write to it.
fn next_recorded_get(exchanges: &[Value], k: usize) -> Option<&Value> {
    let path = str_field(&exchanges[k], "path");
    for x in &exchanges[k + 1..] {
        if !same_path(x, path) {
            continue;
        }
        if str_field(x, "method") != "GET" {
            return None;
        }
        if is_2xx(x) && x.get("response_body").is_some_and(Value::is_object) {
            return Some(x);
        }
    }
    None
}

/// The user-assigned ids an identity names, as written: map keys and `identityIds` entries.
fn referenced_ids(identity: Option<&Value>) -> Vec<String> {
    let mut ids = Vec::new();
    if let Some(i) = identity {
        if let Some(m) = i.get("userAssignedIdentities").and_then(Value::as_object) {
            ids.extend(m.keys().cloned());
        }
        if let Some(a) = i.get("identityIds").and_then(Value::as_array) {
            ids.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    ids
}

/// The network interface ids a recorded machine body names (`properties.networkProfile`).
fn nic_ids(body: Option<&Value>) -> Vec<String> {
    body.and_then(|b| b.pointer("/properties/networkProfile/networkInterfaces"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| n.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The load balancers a recorded scale set's body points into, with the backend pools and inbound NAT pools
/// it names: `(load balancer id, pools, NAT pools)`.
fn load_balancer_refs(body: Option<&Value>) -> Vec<(String, Vec<String>, Vec<String>)> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(id)) = m.get("id")
                    && id
                        .to_ascii_lowercase()
                        .contains("/providers/microsoft.network/loadbalancers/")
                {
                    out.push(id.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut ids = Vec::new();
    if let Some(b) = body {
        walk(b, &mut ids);
    }
    let mut out: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for id in ids {
        let segs: Vec<&str> = id.split('/').collect();
        let Some(i) = segs
            .iter()
            .position(|s| s.eq_ignore_ascii_case("loadBalancers"))
        else {
            continue;
        };
        if segs.len() < i + 4 {
            continue;
        }
        let lb = segs[..i + 2].join("/");
        let entry = match out
            .iter_mut()
            .position(|(l, _, _)| l.eq_ignore_ascii_case(&lb))
        {
            Some(k) => &mut out[k],
            None => {
                out.push((lb, Vec::new(), Vec::new()));
                out.last_mut().unwrap()
            }
        };
        let name = segs[i + 3].to_string();
        let list = if segs[i + 2].eq_ignore_ascii_case("inboundNatPools") {
            &mut entry.2
        } else {
            &mut entry.1
        };
        if !list.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            list.push(name);
        }
    }
    out
}

fn identity_of(body: Option<&Value>) -> Option<&Value> {
    body.and_then(|b| b.get("identity"))
        .filter(|i| !i.is_null())
}

/// The segment after `resourceGroups` (any casing).
fn resource_group_of(path: &str) -> Option<&str> {
    let segs: Vec<&str> = path.split('/').collect();
    segs.iter()
        .position(|s| s.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| segs.get(i + 1).copied())
        .filter(|s| !s.is_empty())
}

/// A prior GET body made writable: read-only members dropped, user-assigned values emptied.
fn writable_model(body: &Value) -> Value {
    let mut b = body.clone();
    if let Some(o) = b.as_object_mut() {
        for k in ["id", "name", "type", "etag", "resources"] {
            o.remove(k);
        }
        if let Some(p) = o.get_mut("properties").and_then(Value::as_object_mut) {
            p.remove("provisioningState");
            p.remove("instanceView");
        }
        if let Some(i) = o.get_mut("identity").and_then(Value::as_object_mut) {
            i.remove("principalId");
            i.remove("tenantId");
            if let Some(m) = i
                .get_mut("userAssignedIdentities")
                .and_then(Value::as_object_mut)
            {
                for v in m.values_mut() {
                    *v = json!({});
                }
            }
        }
    }
    b
}

// ---------------------------------------------------------------------------------------------------
// Identity comparison

/// An identity reduced to what the test compares: the type's parts and the user-assigned ids, lower-cased.
/// No `identity` (or `type: None`) is the empty identity.
#[derive(Clone, Debug)]
struct Ident {
    raw_type: Option<String>,
    types: BTreeSet<String>,
    ids: BTreeSet<String>,
}

impl Ident {
    fn of(identity: Option<&Value>) -> Ident {
        let raw_type = identity
            .and_then(|i| i.get("type"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let types = raw_type
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(|t| {
                t.chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .filter(|t| !t.is_empty() && t != "none")
            .collect();
        let ids = referenced_ids(identity)
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        Ident {
            raw_type,
            types,
            ids,
        }
    }

    fn of_body(body: Option<&Value>) -> Ident {
        Ident::of(identity_of(body))
    }

    fn same(&self, other: &Ident) -> bool {
        self.types == other.types && self.ids == other.ids
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.raw_type {
            None => write!(f, "no identity")?,
            Some(t) => write!(f, "type {t:?}")?,
        }
        if !self.ids.is_empty() {
            let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
            write!(f, ", ids [{}]", ids.join(", "))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------
// Replay

#[derive(Debug)]
struct Mismatch {
    file: String,
    index: i64,
    method: String,
    check: &'static str,
    expected: String,
    got: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} #{} {} [{}]\n    expected: {}\n    got:      {}",
            self.file, self.index, self.method, self.check, self.expected, self.got
        )
    }
}

struct FileReport {
    file: String,
    found: usize,
    replayed: usize,
    mismatches: Vec<Mismatch>,
}

struct Response {
    status: u16,
    async_operation: Option<String>,
    body: Value,
}

impl Response {
    fn ok(&self) -> bool {
        self.status == 200 || self.status == 201
    }

    fn describe(&self) -> String {
        format!("HTTP {} {}", self.status, self.body)
    }
}

struct Replayer<'a> {
    file: &'a str,
    emu: &'a Emulator,
    http: HttpClient,
    token: String,
    exchanges: &'a [Value],
    groups: HashSet<String>,
    identities: HashSet<String>,
    nics: HashSet<String>,
    mismatches: Vec<Mismatch>,
}

impl Replayer<'_> {
    fn mismatch(
        &mut self,
        write: &Value,
        check: &'static str,
        expected: impl Into<String>,
        got: impl Into<String>,
    ) {
        self.mismatches.push(Mismatch {
            file: self.file.to_string(),
            index: index_of(write),
            method: str_field(write, "method").to_string(),
            check,
            expected: expected.into(),
            got: got.into(),
        });
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Response {
        self.send_url(
            method,
            &format!("{}{}", self.emu.endpoint(), path),
            query,
            body,
        )
        .await
    }

    async fn send_url(
        &self,
        method: &str,
        url: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
        let mut req = self
            .http
            .inner()
            .request(method, url)
            .query(query)
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        match req.send().await {
            Err(e) => Response {
                status: 0,
                async_operation: None,
                body: Value::String(format!("transport error: {e}")),
            },
            Ok(resp) => {
                let status = resp.status().as_u16();
                let async_operation = resp
                    .headers()
                    .get("azure-asyncoperation")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let bytes = resp.bytes().await.unwrap_or_default();
                let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                    if bytes.is_empty() {
                        Value::Null
                    } else {
                        Value::String(String::from_utf8_lossy(&bytes).into_owned())
                    }
                });
                Response {
                    status,
                    async_operation,
                    body,
                }
            }
        }
    }

    /// Polls `Azure-AsyncOperation` until the operation leaves `InProgress`.
    async fn wait(&self, resp: &Response) -> Result<(), String> {
        let Some(url) = &resp.async_operation else {
            return Ok(());
        };
        for _ in 0..500 {
            let poll = self.send_url("GET", url, &[], None).await;
            if poll.status != 200 {
                return Err(format!("operation status {url}: {}", poll.describe()));
            }
            match poll.body.get("status").and_then(Value::as_str) {
                Some("InProgress") => tokio::time::sleep(Duration::from_millis(10)).await,
                Some("Succeeded") => return Ok(()),
                _ => return Err(format!("operation status {url}: {}", poll.body)),
            }
        }
        Err(format!("operation {url} still InProgress after 5 s"))
    }

    fn api(version: &str) -> Vec<(String, String)> {
        vec![("api-version".to_string(), version.to_string())]
    }

    async fn ensure_group(&mut self, write: &Value, path: &str) {
        let Some(rg) = resource_group_of(path) else {
            self.mismatch(write, "setup", "a resource group in the path", path);
            return;
        };
        if !self.groups.insert(rg.to_ascii_lowercase()) {
            return;
        }
        let rg_path = format!(
            "/subscriptions/{}/resourcegroups/{rg}",
            self.emu.subscription_id()
        );
        let resp = self
            .send(
                "PUT",
                &rg_path,
                &Self::api(RESOURCES_API_VERSION),
                Some(&json!({"location": "westus"})),
            )
            .await;
        if !resp.ok() {
            self.mismatch(
                write,
                "setup: resource group",
                format!("PUT {rg_path} → 200/201"),
                resp.describe(),
            );
        }
    }

    /// Creates a user-assigned identity with the path casing and location of its recorded creation.
    async fn ensure_identity(&mut self, write: &Value, id: &str, fallback_location: &str) {
        if !self.identities.insert(id.to_ascii_lowercase()) {
            return;
        }
        let recorded = self
            .exchanges
            .iter()
            .find(|x| str_field(x, "method") == "PUT" && same_path(x, id) && is_2xx(x));
        let path = recorded.map_or(id, |x| str_field(x, "path")).to_string();
        let location = recorded
            .and_then(|x| x.get("request_body"))
            .and_then(|b| b.get("location"))
            .and_then(Value::as_str)
            .unwrap_or(fallback_location)
            .to_string();
        self.ensure_group(write, &path).await;
        let resp = self
            .send(
                "PUT",
                &path,
                &Self::api(MSI_API_VERSION),
                Some(&json!({"location": location})),
            )
            .await;
        if !resp.ok() {
            self.mismatch(
                write,
                "setup: user-assigned identity",
                format!("PUT {path} → 200/201"),
                resp.describe(),
            );
        }
    }

    /// Creates a network interface a recorded machine names (the recordings dropped the networking
    /// traffic, and the emulator refuses machines naming interfaces that do not exist), on a
    /// virtual network of its own in the interface's group.
    async fn ensure_nic(&mut self, write: &Value, id: &str, location: &str) {
        if !self.nics.insert(id.to_ascii_lowercase()) {
            return;
        }
        self.ensure_group(write, id).await;
        let Some(cut) = id.to_ascii_lowercase().find("/providers/") else {
            self.mismatch(
                write,
                "setup: network interface",
                "a network interface id",
                id,
            );
            return;
        };
        let vnet = format!(
            "{}/providers/Microsoft.Network/virtualNetworks/conformance-vnet",
            &id[..cut]
        );
        let api = Self::api(NETWORK_API_VERSION);
        let vnet_body = json!({"location": location, "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}});
        let nic_body = json!({"location": location, "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": format!("{vnet}/subnets/default")}}}]}});
        for (path, body) in [(vnet.as_str(), vnet_body), (id, nic_body)] {
            let resp = self.send("PUT", path, &api, Some(&body)).await;
            if !resp.ok() {
                self.mismatch(
                    write,
                    "setup: network interface",
                    format!("PUT {path} → 200/201"),
                    resp.describe(),
                );
            }
        }
    }

    /// Creates a load balancer a recorded scale set points into (dropped with the networking traffic), with a
    /// public frontend and the backend and NAT pools the scale set names.
    async fn ensure_load_balancer(
        &mut self,
        write: &Value,
        lb: &str,
        pools: &[String],
        nat_pools: &[String],
        location: &str,
    ) {
        if !self.nics.insert(lb.to_ascii_lowercase()) {
            return;
        }
        self.ensure_group(write, lb).await;
        let Some(cut) = lb.to_ascii_lowercase().find("/providers/") else {
            return;
        };
        let pip = format!(
            "{}/providers/Microsoft.Network/publicIPAddresses/conformance-pip-{}",
            &lb[..cut],
            lb.rsplit('/').next().unwrap_or("lb")
        );
        let frontend = format!("{lb}/frontendIPConfigurations/LoadBalancerFrontEnd");
        let api = Self::api(NETWORK_API_VERSION);
        let pip_body = json!({"location": location, "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"}});
        let nat: Vec<Value> = nat_pools
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"name": n, "properties": {
                "frontendIPConfiguration": {"id": frontend}, "protocol": "Tcp",
                "frontendPortRangeStart": 50000 + 1000 * i, "frontendPortRangeEnd": 50119 + 1000 * i,
                "backendPort": 22}}))
            .collect();
        let lb_body = json!({"location": location, "sku": {"name": "Standard"}, "properties": {
            "frontendIPConfigurations": [{"name": "LoadBalancerFrontEnd",
                "properties": {"publicIPAddress": {"id": pip}}}],
            "backendAddressPools": pools.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "inboundNatPools": nat}});
        for (path, body) in [(pip.as_str(), pip_body), (lb, lb_body)] {
            let resp = self.send("PUT", path, &api, Some(&body)).await;
            if !resp.ok() {
                self.mismatch(
                    write,
                    "setup: load balancer",
                    format!("PUT {path} → 200/201"),
                    resp.describe(),
                );
            }
        }
    }

    /// Current identity of the resource, `None` when it does not exist.
    async fn current(&self, path: &str, api_version: &str) -> Option<Ident> {
        let resp = self.send("GET", path, &Self::api(api_version), None).await;
        (resp.status == 200).then(|| Ident::of_body(Some(&resp.body)))
    }

    /// Brings the emulator's resource to the recorded prior state (a full PUT of the prior body).
    async fn restore(&mut self, write: &Value, path: &str, prior: &Value) {
        let api_version = str_field(prior, "api_version");
        let prior_body = prior.get("response_body").expect("prior body");
        let wanted = Ident::of_body(Some(prior_body));
        let current = self.current(path, api_version).await;
        if current.as_ref().is_some_and(|c| c.same(&wanted)) {
            return;
        }
        let api = Self::api(api_version);
        if wanted.raw_type.is_none() && current.is_some_and(|c| !c.types.is_empty()) {
            let body = json!({"identity": {"type": "None"}});
            let resp = self.send("PATCH", path, &api, Some(&body)).await;
            if !resp.ok() {
                self.mismatch(
                    write,
                    "setup: clear identity",
                    format!("PATCH {body} → 200"),
                    resp.describe(),
                );
            } else if let Err(e) = self.wait(&resp).await {
                self.mismatch(write, "setup: clear identity", "Succeeded", e);
            }
        }
        let resp = self
            .send("PUT", path, &api, Some(&writable_model(prior_body)))
            .await;
        if !resp.ok() {
            self.mismatch(
                write,
                "setup: PUT prior state",
                format!("PUT of the body recorded at #{} → 200/201", index_of(prior)),
                resp.describe(),
            );
            return;
        }
        if let Err(e) = self.wait(&resp).await {
            self.mismatch(write, "setup: PUT prior state", "Succeeded", e);
        }
        let now = self.current(path, api_version).await;
        if !now.as_ref().is_some_and(|n| n.same(&wanted)) {
            self.mismatch(
                write,
                "setup: PUT prior state",
                format!("{wanted} (recorded at #{})", index_of(prior)),
                now.map_or("resource missing".to_string(), |n| n.to_string()),
            );
        }
    }

    /// Replays one recorded write; true when the emulator accepted it (200/201).
    async fn replay(&mut self, k: usize) -> bool {
        let exchanges = self.exchanges;
        let write = &exchanges[k];
        let path = str_field(write, "path");
        let method = str_field(write, "method");
        let api_version = str_field(write, "api_version");
        let request = write.get("request_body").expect("request body");
        let prior = prior_state(exchanges, k);
        let final_get = next_recorded_get(exchanges, k);

        // 1. The resource group and every identity the write, the prior state or the outcome names.
        self.ensure_group(write, path).await;
        let location = request
            .get("location")
            .or_else(|| prior.and_then(|p| p.pointer("/response_body/location")))
            .and_then(Value::as_str)
            .unwrap_or("westus")
            .to_string();
        let mut ids = referenced_ids(identity_of(Some(request)));
        for body in [
            prior.and_then(|p| p.get("response_body")),
            write.get("response_body"),
            final_get.and_then(|g| g.get("response_body")),
        ] {
            ids.extend(referenced_ids(identity_of(body)));
        }
        for id in &ids {
            self.ensure_identity(write, id, &location).await;
        }
        let mut nics = nic_ids(Some(request));
        for body in [
            prior.and_then(|p| p.get("response_body")),
            write.get("response_body"),
        ] {
            nics.extend(nic_ids(body));
        }
        for id in &nics {
            self.ensure_nic(write, id, &location).await;
        }
        let mut lbs = load_balancer_refs(Some(request));
        for body in [
            prior.and_then(|p| p.get("response_body")),
            write.get("response_body"),
        ] {
            lbs.extend(load_balancer_refs(body));
        }
        for (lb, pools, nat_pools) in &lbs {
            self.ensure_load_balancer(write, lb, pools, nat_pools, &location)
                .await;
        }

        // 2. The recorded prior state.
        if let Some(prior) = prior {
            self.restore(write, path, prior).await;
        }

        // 3. The write itself, as recorded.
        let mut query = Self::api(api_version);
        if let Some(q) = write.get("query").and_then(Value::as_object) {
            for (name, v) in q {
                if name != "api-version" {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    query.push((name.clone(), v));
                }
            }
        }
        let resp = self.send(method, path, &query, Some(request)).await;
        if !resp.ok() {
            self.mismatch(
                write,
                "write status",
                format!("HTTP 200/201 (recorded {})", status_of(write)),
                resp.describe(),
            );
            return false;
        }

        // 4. The identity in the write response.
        let expected = Ident::of_body(write.get("response_body"));
        let got = Ident::of_body(Some(&resp.body));
        if !got.same(&expected) {
            self.mismatch(
                write,
                "write response identity",
                expected.to_string(),
                got.to_string(),
            );
        }

        // 5. The state once the operation has completed, against the next recorded GET.
        if let Err(e) = self.wait(&resp).await {
            self.mismatch(write, "operation", "Succeeded", e);
        }
        if let Some(get) = final_get {
            let expected = Ident::of_body(get.get("response_body"));
            let resp = self.send("GET", path, &Self::api(api_version), None).await;
            let check = "GET after the write";
            if resp.status != 200 {
                self.mismatch(
                    write,
                    check,
                    format!("HTTP 200 with {expected} (recorded #{})", index_of(get)),
                    resp.describe(),
                );
            } else {
                let got = Ident::of_body(Some(&resp.body));
                if !got.same(&expected) {
                    self.mismatch(
                        write,
                        check,
                        format!("{expected} (recorded #{})", index_of(get)),
                        got.to_string(),
                    );
                }
            }
        }
        true
    }
}

async fn replay_file(path: PathBuf) -> FileReport {
    let file = path
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let parsed: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
    let exchanges = parsed
        .get("exchanges")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{file} has no `exchanges` array"));
    let found = exchanges.iter().filter(|e| is_identity_write(e)).count();
    let mut report = FileReport {
        file: file.clone(),
        found,
        replayed: 0,
        mismatches: Vec::new(),
    };
    if found == 0 {
        return report;
    }

    let emu = Emulator::start(Config {
        data_dir: None,
        ..Default::default()
    })
    .await
    .expect("the emulator starts");
    let rewritten: Value =
        serde_json::from_str(&rewrite_subscriptions(&text, emu.subscription_id()))
            .expect("the rewritten recording is JSON");
    let exchanges = rewritten["exchanges"].as_array().expect("exchanges");
    let http = HttpClient::new(Some(emu.ca_cert_pem())).expect("an HTTP client");
    let credential = ClientSecretCredential::new(
        emu.endpoint(),
        emu.tenant_id(),
        emu.admin_client_id(),
        Secret::new(emu.admin_client_secret()),
        http.clone(),
    )
    .expect("a credential");
    let token = credential
        .get_token(&[ARM_SCOPE])
        .await
        .expect("a token from the emulator")
        .token
        .expose()
        .to_string();

    let mut replayer = Replayer {
        file: &file,
        emu: &emu,
        http,
        token,
        exchanges,
        groups: HashSet::new(),
        identities: HashSet::new(),
        nics: HashSet::new(),
        mismatches: Vec::new(),
    };
    for (k, exchange) in exchanges.iter().enumerate() {
        if is_identity_write(exchange) && replayer.replay(k).await {
            report.replayed += 1;
        }
    }
    report.mismatches = replayer.mismatches;
    emu.shutdown().await;
    report
}

#[test]
fn subscriptions_are_found_and_rewritten() {
    let text = r#"{"path": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/g",
        "nic": "/Subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/x", "not": "subscriptions/abc"}"#;
    let subs = recorded_subscriptions(text);
    assert_eq!(subs.len(), 2, "{subs:?}");
    let out = rewrite_subscriptions(text, "11111111-2222-3333-4444-555555555555");
    assert!(
        !out.contains("00000000-0000") && !out.contains("0b1f6471"),
        "{out}"
    );
    assert_eq!(
        out.matches("11111111-2222-3333-4444-555555555555").count(),
        2
    );
}

#[test]
fn identities_compare_canonically() {
    let a = Ident::of(Some(&json!({"type": "SystemAssigned,UserAssigned",
        "userAssignedIdentities": {"/S/x/ID1": {}}})));
    let b = Ident::of(Some(&json!({"type": "systemassigned, userassigned",
        "identityIds": ["/s/X/id1"]})));
    assert!(a.same(&b));
    assert!(Ident::of(None).same(&Ident::of(Some(&json!({"type": "None"})))));
    assert!(!Ident::of(None).same(&Ident::of(Some(&json!({"type": "SystemAssigned"})))));
    assert!(is_compute_resource_path(
        "/subscriptions/s/resourceGroups/g/providers/microsoft.compute/VIRTUALMACHINES/vm1"
    ));
    assert!(!is_compute_resource_path(
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1/extensions/e"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_identity_writes_replay_identically() {
    let files = recording_files();
    let reports = futures::future::join_all(files.into_iter().map(replay_file)).await;

    let mut found = 0;
    let mut replayed = 0;
    let mut mismatches = Vec::new();
    for r in reports {
        println!(
            "conformance: {}: {} of {} identity writes replayed, {} mismatches",
            r.file,
            r.replayed,
            r.found,
            r.mismatches.len()
        );
        found += r.found;
        replayed += r.replayed;
        mismatches.extend(r.mismatches);
    }
    println!("conformance: {replayed} of {found} identity writes replayed in total");
    assert!(
        found > 0,
        "no identity writes found in the recordings at {RECORDINGS}"
    );
    let listing: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
    assert!(
        mismatches.is_empty() && replayed == found,
        "{replayed} of {found} recorded identity writes replayed; {} mismatches with real Azure:\n{}",
        mismatches.len(),
        listing.join("\n")
    );
}
