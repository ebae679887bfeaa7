//! The fuzz test's request generator: bodies, paths, queries and headers, mutated from valid ones.

use rand::Rng;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Auth, Fuzz, Req};

const API_VERSIONS: [&str; 16] = [
    "2024-11-01",
    "2022-09-01",
    "2023-01-31",
    "2022-04-01",
    "2017-12-01",
    "2015-08-31-PREVIEW",
    "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%94-11-01",
    "",
    "latest",
    "2024-13-01",
    "9999-12-31",
    "2024-11-01&api-version=2017-12-01",
    "%FF%FE%00",
    "2024-11-01%00",
    "2024-11-0%C3%A9",
    "2018-02-01",
];

const SEGMENT_NOISE: [&str; 12] = [
    "",
    "%2F",
    "..",
    "%00",
    "%FF",
    "\u{e9}t\u{e9}",
    "%E2%80%AE",
    "a b",
    "<script>",
    "'",
    "*",
    "~",
];

impl Fuzz {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// Random ASCII casing.
    fn recase(&mut self, s: &str) -> String {
        if !self.chance(0.3) {
            return s.to_string();
        }
        s.chars()
            .map(|c| {
                if self.rng.random_bool(0.5) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    fn name(&mut self) -> String {
        match self.rng.random_range(0..10) {
            0 => self.pick(&SEGMENT_NOISE).to_string(),
            1 => "n".repeat(self.rng.random_range(1..3000)),
            2 => uuid::Uuid::new_v4().to_string(),
            3..=5 => self
                .pick(&["rg", "vm1", "ss1", "id1", "RG", "Vm1"])
                .to_string(),
            _ => format!("f{}", self.rng.random_range(0..40)),
        }
    }

    fn arm_path(&mut self) -> String {
        let sub = if self.chance(0.9) {
            self.h.sub().to_string()
        } else {
            self.name()
        };
        let rg = self.name();
        let res = self.name();
        let base = format!("/subscriptions/{sub}/resourceGroups/{rg}");
        let p = match self.rng.random_range(0..22) {
            0 => "/subscriptions".to_string(),
            1 => format!("/subscriptions/{sub}"),
            2 => format!("/subscriptions/{sub}/resourcegroups"),
            3 | 4 => base,
            5 | 6 => format!("{base}/providers/Microsoft.Compute/virtualMachines/{res}"),
            7 => format!("{base}/providers/Microsoft.Compute/virtualMachineScaleSets/{res}"),
            8 | 9 => {
                format!("{base}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{res}")
            }
            10 => format!(
                "{base}/providers/Microsoft.Compute/virtualMachines/{res}/extensions/{}",
                self.name()
            ),
            11 => format!(
                "{base}/providers/Microsoft.Authorization/roleAssignments/{}",
                if self.chance(0.5) {
                    uuid::Uuid::new_v4().to_string()
                } else {
                    self.name()
                }
            ),
            12 => format!("/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines"),
            13 => format!(
                "/subscriptions/{sub}/providers/{}/{}",
                self.name(),
                self.name()
            ),
            14 => format!(
                "/subscriptions/{sub}/providers/Microsoft.Compute/locations/westus/operations/{}",
                self.name()
            ),
            16 => format!(
                "{base}/providers/Microsoft.Network/{}/{res}",
                self.pick(&[
                    "virtualNetworks",
                    "networkSecurityGroups",
                    "publicIPAddresses",
                    "networkInterfaces",
                ])
            ),
            17 => format!(
                "{base}/providers/Microsoft.Network/virtualNetworks/{res}/subnets/{}",
                self.name()
            ),
            18 => format!(
                "/subscriptions/{sub}/providers/Microsoft.Compute/locations/{}/publishers/{}/artifacttypes/vmimage/offers/{}/skus/{}/versions{}",
                self.pick(&["westus", "nowhere"]),
                self.pick(&["Canonical", "x"]),
                self.pick(&["0001-com-ubuntu-server-jammy", "y"]),
                self.pick(&["22_04-lts-gen2", "z"]),
                self.pick(&["", "/latest", "/22.04.202409270", "/\u{e9}"])
            ),
            19 => format!(
                "/v1.0/{}",
                self.pick(&[
                    "servicePrincipals",
                    "servicePrincipals/x",
                    "servicePrincipals(appId='x')",
                    "directoryObjects/getByIds",
                    "directoryObjects/x",
                    "nothing",
                ])
            ),
            _ => format!("/{}/{}", self.name(), self.name()),
        };
        let mut p = self.recase(&p);
        if self.chance(0.1) {
            p.push('/');
        }
        if self.chance(0.05) {
            p = p.replace('/', "//");
        }
        p
    }

    fn query(&mut self, api: bool) -> String {
        let mut q = Vec::new();
        if api && self.chance(0.9) {
            let v = self.pick(&API_VERSIONS).to_string();
            q.push(format!("{}={v}", self.recase("api-version")));
        }
        if self.chance(0.2) {
            let extra = self.pick(&[
                "$skiptoken=abc",
                "$skiptoken=-1",
                "$skiptoken=99999999999999999999",
                "$filter=atScope()",
                "$filter=principalId%20eq%20'x'",
                "$filter=%27%20or%201%3D1",
                "a=%00&a=%FF",
                "monitor=true",
                "%26%3D%26",
                "x=1;y=2",
            ]);
            q.push(extra.to_string());
        }
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    }

    /// A valid body for a resource, then mutated.
    fn body(&mut self) -> Option<Vec<u8>> {
        let uai = self.h.uai_id("rg", "id1");
        let mut v = match self.rng.random_range(0..8) {
            0 => json!({"location": "westus"}),
            1 => json!({"location": "westus", "identity": {"type": "SystemAssigned, UserAssigned",
                "userAssignedIdentities": {uai.clone(): {}}}, "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"}}}),
            2 => {
                json!({"location": "westus", "sku": {"capacity": 2}, "properties": {"virtualMachineProfile":
                {"extensionProfile": {"extensions": [{"name": "e", "properties": {"publisher": "p", "type": "t", "typeHandlerVersion": "1"}}]}}}})
            }
            3 => {
                json!({"properties": {"roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", self.h.sub()),
                "principalId": uuid::Uuid::new_v4().to_string()}})
            }
            4 => {
                json!({"location": "westus", "properties": {"publisher": "Microsoft.ManagedIdentity",
                "type": "ManagedIdentityExtensionForLinux", "typeHandlerVersion": "1.0", "settings": {"port": 0}}})
            }
            6 => {
                let subnet = format!(
                    "{}/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
                    self.h.rg_path("rg")
                );
                json!({"location": "westus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                    "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}],
                    "ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": subnet}}}]}})
            }
            7 => json!({"ids": [uuid::Uuid::new_v4().to_string()], "types": ["servicePrincipal"]}),
            _ => {
                json!({"tags": {"a": "b"}, "identity": {"type": "UserAssigned", "identityIds": [uai]}})
            }
        };
        for _ in 0..self.rng.random_range(0..4) {
            self.mutate(&mut v);
        }
        let mut bytes = v.to_string().into_bytes();
        match self.rng.random_range(0..20) {
            0 => bytes.truncate(self.rng.random_range(0..bytes.len().max(1))),
            1 => bytes.extend_from_slice(&[0xff, 0xfe, b'"', 0xc3]),
            2 => {
                let d = self.rng.random_range(60..300);
                bytes = format!("{}1{}", "[".repeat(d), "]".repeat(d)).into_bytes();
            }
            3 => {
                let d = self.rng.random_range(30..200);
                bytes = format!(
                    "{{\"location\":\"westus\",\"properties\":{}1{}}}",
                    "{\"a\":".repeat(d),
                    "}".repeat(d)
                )
                .into_bytes();
            }
            4 => bytes = Vec::new(),
            5 if self.chance(0.1) => {
                bytes = format!(
                    "{{\"location\":\"westus\",\"tags\":{{\"t\":\"{}\"}}}}",
                    "x".repeat(4_300_000)
                )
                .into_bytes()
            }
            6 => {
                bytes = (0..self.rng.random_range(1..200))
                    .map(|_| self.rng.random())
                    .collect()
            }
            _ => {}
        }
        if self.chance(0.1) { None } else { Some(bytes) }
    }

    fn junk(&mut self) -> Value {
        match self.rng.random_range(0..9) {
            0 => Value::Null,
            1 => json!(self.rng.random::<i64>()),
            2 => json!(1e308),
            3 => json!(self.name()),
            4 => json!([]),
            5 => json!({}),
            6 => json!("nowhere land"),
            7 => {
                json!({"type": self.pick(&["None", "systemassigned,userassigned", "Both", "", "\u{ff33}ystemAssigned"]).to_string()})
            }
            _ => json!(true),
        }
    }

    fn mutate(&mut self, v: &mut Value) {
        let Value::Object(m) = v else {
            *v = self.junk();
            return;
        };
        let keys: Vec<String> = m.keys().cloned().collect();
        match self.rng.random_range(0..5) {
            0 if !keys.is_empty() => {
                let k = self.pick(&keys).clone();
                m.remove(&k);
            }
            1 if !keys.is_empty() => {
                let k = self.pick(&keys).clone();
                let j = self.junk();
                m.insert(k, j);
            }
            2 if !keys.is_empty() => {
                let k = self.pick(&keys).clone();
                if let Some(child) = m.get_mut(&k) {
                    self.mutate(child);
                }
            }
            3 => {
                let k = {
                    let picked: &str = self.pick::<&str>(&[
                        "location",
                        "identity",
                        "properties",
                        "tags",
                        "sku",
                        "LOCATION",
                    ]);
                    self.recase(picked)
                };
                let j = self.junk();
                m.insert(k, j);
            }
            _ => {
                let k = self.name();
                let j = self.junk();
                m.insert(k, j);
            }
        }
    }

    fn headers(&mut self) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if self.chance(0.15) {
            let v = self.pick(&[
                "*",
                "\"1\"",
                "W/\"2\"",
                "\"x\", \"y\"",
                "",
                "\"99999999999999999999\"",
            ]);
            let n = self.pick(&["if-match", "If-None-Match"]);
            h.push((n.to_string(), v.to_string()));
        }
        if self.chance(0.1) {
            h.push((
                "x-ms-client-request-id".into(),
                self.name().chars().filter(char::is_ascii_graphic).collect(),
            ));
        }
        if self.chance(0.1) {
            h.push((
                "content-type".into(),
                self.pick(&["text/plain", "application/json; charset=latin1", "x"])
                    .to_string(),
            ));
        }
        h
    }

    pub(super) fn next_request(&mut self) -> Req {
        let methods = [
            Method::GET,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::POST,
            Method::HEAD,
            Method::OPTIONS,
        ];
        let method = self.pick(&methods).clone();
        let auth = match self.rng.random_range(0..20) {
            0 => Auth::None,
            1 => Auth::Garbage,
            2 | 3 => Auth::Other,
            _ => Auth::Admin,
        };
        let kind = self.rng.random_range(0..20);
        if kind < 12 {
            let target = format!("{}{}", self.arm_path(), self.query(true));
            let body = if matches!(method, Method::PUT | Method::PATCH | Method::POST)
                || self.chance(0.05)
            {
                self.body()
            } else {
                None
            };
            let headers = self.headers();
            return Req {
                imds: false,
                method,
                target,
                headers,
                body,
                auth,
            };
        }
        if kind < 15 {
            return self.entra(method, auth);
        }
        if kind == 15 {
            // Hooks without the admin's token: always refused, never applied.
            let auth = *self.pick(&[Auth::None, Auth::Garbage, Auth::Other]);
            let target = {
                let picked: &str = self.pick::<&str>(&[
                    "/_emulator/faults",
                    "/_emulator/requests",
                    "/_emulator/info",
                    "/_emulator/x",
                ]);
                self.recase(picked)
            };
            let body = Some(br#"{"status": 500, "count": 1000}"#.to_vec());
            return Req {
                imds: false,
                method,
                target,
                headers: Vec::new(),
                body,
                auth,
            };
        }
        self.imds(method)
    }

    fn entra(&mut self, method: Method, auth: Auth) -> Req {
        let tenant = if self.chance(0.8) {
            self.h.emu.tenant_id().to_string()
        } else {
            self.name()
        };
        let path = self
            .pick(&[
                "oauth2/v2.0/token",
                "oauth2/token",
                "v2.0/.well-known/openid-configuration",
                "discovery/v2.0/keys",
                "discovery/instance",
                "oauth2/v2.0/authorize",
            ])
            .to_string();
        let target = self.recase(&format!("/{tenant}/{path}"));
        let secret = self.h.emu.admin_client_secret().to_string();
        let client = self.h.emu.admin_client_id().to_string();
        let mut pairs: Vec<(String, String)> = vec![
            ("grant_type".into(), "client_credentials".into()),
            ("client_id".into(), client),
            ("client_secret".into(), secret),
            (
                "scope".into(),
                "https://management.azure.com/.default".into(),
            ),
            ("resource".into(), "https://management.azure.com/".into()),
        ];
        for _ in 0..self.rng.random_range(0..4) {
            let i = self.rng.random_range(0..pairs.len());
            match self.rng.random_range(0..4) {
                0 => {
                    pairs.remove(i);
                    if pairs.is_empty() {
                        break;
                    }
                }
                1 => pairs[i].1 = self.name(),
                2 => pairs.push((pairs[i].0.clone(), self.name())),
                _ => {
                    pairs[i].1 = self
                        .pick(&[
                            "a/.default b/.default",
                            "openid",
                            "%FF",
                            "",
                            "https://vault.azure.net/user_impersonation",
                        ])
                        .to_string()
                }
            }
        }
        let mut body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter())
            .finish()
            .into_bytes();
        if self.chance(0.1) {
            body.extend_from_slice(b"&x=%FF%FE\xff");
        }
        let mut headers = vec![(
            "content-type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        )];
        if self.chance(0.1) {
            headers.push((
                "authorization".into(),
                self.pick(&["Basic Og==", "Basic !!!", "Basic YTpi"])
                    .to_string(),
            ));
        }
        Req {
            imds: false,
            method,
            target,
            headers,
            body: Some(body),
            auth: if auth == Auth::Admin {
                Auth::None
            } else {
                auth
            },
        }
    }

    fn imds(&mut self, method: Method) -> Req {
        let base = self
            .vm_base
            .trim_start_matches(self.h.emu.imds_endpoint())
            .to_string();
        let prefix = match self.rng.random_range(0..6) {
            0 => format!("/vm/{}", self.name()),
            1 => format!(
                "/vmss/{}/{}",
                self.name(),
                self.pick(&["0", "1", "-1", "99999999999", "x"])
            ),
            2 => format!("/vmss/{}", self.name()),
            _ => base,
        };
        let path = self
            .pick(&[
                "/metadata/identity/oauth2/token",
                "/metadata/identity/info",
                "/oauth2/token",
                "/msi/token",
                "/metadata/instance",
                "",
            ])
            .to_string();
        let mut q = Vec::new();
        if self.chance(0.9) {
            q.push(format!("api-version={}", self.pick(&API_VERSIONS)));
        }
        if self.chance(0.8) {
            q.push(format!(
                "resource={}",
                self.pick(&["https%3A%2F%2Fvault.azure.net", "", "%FF", "x%00y"])
            ));
        }
        if self.chance(0.3) {
            let k = self
                .pick(&[
                    "client_id",
                    "object_id",
                    "msi_res_id",
                    "mi_res_id",
                    "principal_id",
                    "Client_ID",
                ])
                .to_string();
            let v = self.name();
            q.push(format!("{k}={v}"));
        }
        if self.chance(0.1) {
            q.push("resource=dup".into());
        }
        let target = format!(
            "{}{}?{}",
            self.recase(&prefix),
            self.recase(&path),
            q.join("&")
        );
        let mut headers = Vec::new();
        if self.chance(0.85) {
            headers.push((
                "Metadata".into(),
                self.pick(&["true", "true", "True", "false", ""])
                    .to_string(),
            ));
        }
        if self.chance(0.05) {
            headers.push(("X-Forwarded-For".into(), "10.0.0.1".into()));
        }
        if self.chance(0.2) {
            headers.push((
                "X-IDENTITY-HEADER".into(),
                self.name().chars().filter(char::is_ascii_graphic).collect(),
            ));
        }
        Req {
            imds: true,
            method,
            target,
            headers,
            body: None,
            auth: Auth::None,
        }
    }
}
