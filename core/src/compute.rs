//! VM and scale set identity operations, creation with an identity, and the legacy MSI VM extension.

use crate::client::{ArmClient, COMPUTE_API_VERSION};
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{Identity, IdentityChange, IdentityType, Plan, plan};
use crate::ids::{ComputeKind, ComputeTarget, validate_segment};
use rand::Rng;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The result of an identity change.
#[derive(Debug, Clone)]
pub struct IdentityUpdate {
    /// False when the resource already was as asked (no write was sent).
    pub changed: bool,
    /// The identity after the change.
    pub identity: Identity,
    /// The whole resource as last read.
    pub resource: Value,
}

/// The OS flavour of the legacy MSI VM extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsiExtensionOs {
    Windows,
    Linux,
}

impl MsiExtensionOs {
    pub fn extension_type(self) -> &'static str {
        match self {
            MsiExtensionOs::Windows => "ManagedIdentityExtensionForWindows",
            MsiExtensionOs::Linux => "ManagedIdentityExtensionForLinux",
        }
    }

    /// From an extension type name (case-insensitive).
    pub fn from_type(t: &str) -> Result<MsiExtensionOs> {
        [MsiExtensionOs::Windows, MsiExtensionOs::Linux]
            .into_iter()
            .find(|o| o.extension_type().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "unknown MSI extension type '{t}': expected ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux"
                ))
            })
    }
}

pub const MSI_EXTENSION_PUBLISHER: &str = "Microsoft.ManagedIdentity";
pub const MSI_EXTENSION_VERSION: &str = "1.0";
/// The port the legacy extension's token endpoint listens on by default.
pub const MSI_EXTENSION_DEFAULT_PORT: u16 = 50342;

/// The legacy MSI VM extension as the seed documents set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsiExtension {
    pub os: MsiExtensionOs,
    /// Extension resource name; the type name by default.
    pub name: String,
    pub port: u16,
}

impl MsiExtension {
    pub fn new(os: MsiExtensionOs) -> MsiExtension {
        MsiExtension {
            os,
            name: os.extension_type().to_string(),
            port: MSI_EXTENSION_DEFAULT_PORT,
        }
    }

    /// From the arguments of `az vm extension set` / `Set-AzVMExtension`: the extension name, its type (the
    /// name when not given), publisher, version and settings. Only the MSI extension is accepted: publisher
    /// Microsoft.ManagedIdentity, version 1.0, settings `{"port": N}`.
    pub fn from_spec(
        name: &str,
        extension_type: Option<&str>,
        publisher: &str,
        version: &str,
        settings: Option<&Value>,
    ) -> Result<MsiExtension> {
        if !publisher.eq_ignore_ascii_case(MSI_EXTENSION_PUBLISHER) {
            return Err(Error::invalid_argument(format!(
                "publisher '{publisher}' is not supported: only the {MSI_EXTENSION_PUBLISHER} extension is managed here"
            )));
        }
        if version != MSI_EXTENSION_VERSION {
            return Err(Error::invalid_argument(format!(
                "version '{version}' is not supported: the MSI extension is version {MSI_EXTENSION_VERSION}"
            )));
        }
        let mut ext = MsiExtension::new(MsiExtensionOs::from_type(extension_type.unwrap_or(name))?);
        validate_segment("extension name", name)?;
        ext.name = name.to_string();
        if let Some(settings) = settings {
            let obj = settings.as_object().ok_or_else(|| {
                Error::invalid_argument("settings must be a JSON object, e.g. {\"port\": 50342}")
            })?;
            if let Some(k) = obj.keys().find(|k| *k != "port") {
                return Err(Error::invalid_argument(format!(
                    "settings key '{k}' is not supported: the MSI extension takes only port"
                )));
            }
            if let Some(p) = obj.get("port") {
                ext.port = p
                    .as_u64()
                    .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p != 0)
                    .ok_or_else(|| {
                        Error::invalid_argument(format!("settings port {p} is not a port number"))
                    })?;
            }
        }
        Ok(ext)
    }

    /// The extension's `properties`.
    pub fn properties(&self) -> Result<Value> {
        if self.port == 0 {
            return Err(Error::invalid_argument(
                "MSI extension port must be between 1 and 65535, not 0",
            ));
        }
        validate_segment("extension name", &self.name)?;
        Ok(json!({
            "publisher": MSI_EXTENSION_PUBLISHER,
            "type": self.os.extension_type(),
            "typeHandlerVersion": MSI_EXTENSION_VERSION,
            "autoUpgradeMinorVersion": true,
            "settings": { "port": self.port }
        }))
    }
}

fn etag_of(resource: &Value, headers_etag: Option<String>) -> Option<String> {
    headers_etag.or_else(|| {
        resource
            .get("etag")
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

impl ArmClient {
    /// Read a VM or scale set, with its etag.
    async fn read_compute(&self, t: &ComputeTarget) -> Result<(Value, Option<String>)> {
        let r = self
            .p
            .send(
                Method::GET,
                &t.path(),
                &[("api-version", COMPUTE_API_VERSION)],
                None,
                &[],
            )
            .await?;
        let etag = etag_of(&r.body, r.header("etag"));
        Ok((r.body, etag))
    }

    /// The whole VM or scale set resource.
    pub async fn get_compute(&self, t: &ComputeTarget) -> Result<Value> {
        Ok(self.read_compute(t).await?.0)
    }

    /// The identity of a VM or scale set (`az vm identity show`).
    pub async fn show_identity(&self, t: &ComputeTarget) -> Result<Identity> {
        Identity::from_resource(&self.get_compute(t).await?)
    }

    /// Apply an identity change: read, plan, PATCH with `If-Match`, wait for the operation, read back.
    /// When another writer changed the resource in between (412), read again, plan again and retry, so no
    /// change is lost. When there is nothing to do, no write is sent.
    pub async fn update_identity(
        &self,
        t: &ComputeTarget,
        change: &IdentityChange,
    ) -> Result<IdentityUpdate> {
        let mut attempt = 0u32;
        loop {
            let (resource, etag) = self.read_compute(t).await?;
            let current = Identity::from_resource(&resource)?;
            let body = match plan(&current, change)? {
                Plan::NoChange => {
                    return Ok(IdentityUpdate {
                        changed: false,
                        identity: current,
                        resource,
                    });
                }
                Plan::Patch(body) => body,
            };
            let headers: Vec<(&str, String)> = etag.into_iter().map(|e| ("if-match", e)).collect();
            let sent = self
                .p
                .send(
                    Method::PATCH,
                    &t.path(),
                    &[("api-version", COMPUTE_API_VERSION)],
                    Some(&body),
                    &headers,
                )
                .await;
            match sent {
                Ok(resp) => {
                    self.p.wait(&resp, COMPUTE_API_VERSION).await?;
                    let resource = self.get_compute(t).await?;
                    let identity = Identity::from_resource(&resource)?;
                    return Ok(IdentityUpdate {
                        changed: true,
                        identity,
                        resource,
                    });
                }
                Err(e) if e.status() == Some(412) && attempt < self.max_conflict_retries => {
                    attempt += 1;
                    // Spread the losers out so the next round has one winner, not another pile-up.
                    let cap = (10 * attempt as u64).min(250);
                    let ms = rand::rng().random_range(0..=cap);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Create a VM or scale set from a caller-supplied model with the given identity (the seeds' "enable during
    /// creation"). `identity_type` `None` with no user identities keeps whatever identity the model has. The
    /// location defaults to the resource group's. Fails with a conflict if the resource already exists: creation
    /// never overwrites.
    pub async fn create_compute(
        &self,
        t: &ComputeTarget,
        model: Value,
        system: bool,
        user_identities: &[String],
    ) -> Result<Value> {
        let mut model = match model {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(Error::invalid_argument(format!(
                    "the {} model must be a JSON object, not {}",
                    t.kind.short(),
                    json_kind(&other)
                )));
            }
        };
        for ro in ["id", "name", "type", "etag"] {
            model.remove(ro);
        }
        if system || !user_identities.is_empty() {
            let change = IdentityChange::Set {
                identity_type: IdentityType::from_parts(system, !user_identities.is_empty()),
                user: Some(user_identities.to_vec()),
            };
            match plan(&Identity::none(), &change)? {
                Plan::Patch(body) => {
                    model.insert("identity".into(), body["identity"].clone());
                }
                Plan::NoChange => {}
            }
        } else if let Some(id) = model.get("identity") {
            // Normalise a model-supplied type so a typo is caught here, not by the service.
            if let Some(ty) = id.get("type").and_then(Value::as_str) {
                let canon = IdentityType::parse(ty)?;
                model["identity"]["type"] = canon.as_str().into();
            }
        }
        if !model.contains_key("location") {
            let loc = self
                .group_location(&t.subscription, &t.resource_group)
                .await?;
            model.insert("location".into(), loc.into());
        }
        let body = Value::Object(model);
        let resp = self
            .p
            .send(
                Method::PUT,
                &t.path(),
                &[("api-version", COMPUTE_API_VERSION)],
                Some(&body),
                &[("if-none-match", "*".to_string())],
            )
            .await
            .map_err(|e| {
                if e.status() == Some(412) {
                    Error::from_service(
                        412,
                        e.code().map(str::to_string),
                        format!("{} '{}' already exists in resource group '{}'; creation does not overwrite it", t.kind.short(), t.name, t.resource_group),
                        e.request_id().map(str::to_string),
                    )
                } else {
                    e
                }
            })?;
        self.p.wait(&resp, COMPUTE_API_VERSION).await?;
        self.get_compute(t).await
    }

    /// Delete a VM or scale set; `false` when it did not exist.
    pub async fn delete_compute(&self, t: &ComputeTarget) -> Result<bool> {
        match self
            .p
            .send(
                Method::DELETE,
                &t.path(),
                &[("api-version", COMPUTE_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(resp) if resp.status == 204 => Ok(false),
            Ok(resp) => {
                self.p.wait(&resp, COMPUTE_API_VERSION).await?;
                Ok(true)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn extension_path(t: &ComputeTarget, name: &str) -> Result<String> {
        validate_segment("extension name", name)?;
        Ok(format!("{}/extensions/{name}", t.path()))
    }

    /// Add (or update) the legacy MSI extension on a VM or scale set (`az vm extension set`,
    /// `Set-AzVMExtension`).
    pub async fn set_msi_extension(&self, t: &ComputeTarget, ext: &MsiExtension) -> Result<Value> {
        let properties = ext.properties()?;
        let path = Self::extension_path(t, &ext.name)?;
        let body = match t.kind {
            // A VM extension is a tracked child resource: it carries the VM's location.
            ComputeKind::VirtualMachine => {
                let vm = self.get_compute(t).await?;
                let location = vm.get("location").cloned().unwrap_or(Value::Null);
                json!({ "location": location, "properties": properties })
            }
            ComputeKind::VirtualMachineScaleSet => {
                json!({ "name": ext.name, "properties": properties })
            }
        };
        let resp = self
            .p
            .send(
                Method::PUT,
                &path,
                &[("api-version", COMPUTE_API_VERSION)],
                Some(&body),
                &[],
            )
            .await?;
        self.p.wait(&resp, COMPUTE_API_VERSION).await?;
        self.get_extension(t, &ext.name).await
    }

    /// Read an extension of a VM or scale set.
    pub async fn get_extension(&self, t: &ComputeTarget, name: &str) -> Result<Value> {
        let path = Self::extension_path(t, name)?;
        Ok(self
            .p
            .send(
                Method::GET,
                &path,
                &[("api-version", COMPUTE_API_VERSION)],
                None,
                &[],
            )
            .await?
            .body)
    }

    /// Remove an extension (`az vm extension delete`); `false` when it was not there.
    pub async fn delete_extension(&self, t: &ComputeTarget, name: &str) -> Result<bool> {
        let path = Self::extension_path(t, name)?;
        match self
            .p
            .send(
                Method::DELETE,
                &path,
                &[("api-version", COMPUTE_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(resp) if resp.status == 204 => Ok(false),
            Ok(resp) => {
                self.p.wait(&resp, COMPUTE_API_VERSION).await?;
                Ok(true)
            }
            Err(e)
                if e.kind() == ErrorKind::NotFound
                    && e.code() != Some("ParentResourceNotFound") =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msi_extension_from_az_arguments() {
        let e = MsiExtension::from_spec(
            "ManagedIdentityExtensionForWindows",
            None,
            "microsoft.managedidentity",
            "1.0",
            Some(&json!({"port": "50343"})),
        )
        .unwrap();
        assert_eq!((e.os, e.port), (MsiExtensionOs::Windows, 50343));
        let named = MsiExtension::from_spec(
            "msi",
            Some("ManagedIdentityExtensionForLinux"),
            MSI_EXTENSION_PUBLISHER,
            "1.0",
            None,
        )
        .unwrap();
        assert_eq!(
            (named.name.as_str(), named.port),
            ("msi", MSI_EXTENSION_DEFAULT_PORT)
        );
        for (args, why) in [
            (
                ("x", None, MSI_EXTENSION_PUBLISHER, "1.0", None),
                "unknown MSI extension type",
            ),
            (
                (
                    "ManagedIdentityExtensionForLinux",
                    None,
                    "Contoso",
                    "1.0",
                    None,
                ),
                "publisher 'Contoso'",
            ),
            (
                (
                    "ManagedIdentityExtensionForLinux",
                    None,
                    MSI_EXTENSION_PUBLISHER,
                    "2.0",
                    None,
                ),
                "version '2.0'",
            ),
        ] {
            let e = MsiExtension::from_spec(args.0, args.1, args.2, args.3, args.4).unwrap_err();
            assert!(e.message().contains(why), "{e}");
        }
        for bad in [
            json!([1]),
            json!({"port": 70000}),
            json!({"port": 0}),
            json!({"port": 1, "x": 2}),
        ] {
            assert!(
                MsiExtension::from_spec(
                    "ManagedIdentityExtensionForLinux",
                    None,
                    MSI_EXTENSION_PUBLISHER,
                    "1.0",
                    Some(&bad)
                )
                .is_err(),
                "{bad}"
            );
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Image aliases as az knows them (`--image UbuntuLTS`), or a URN `publisher:offer:sku:version`.
pub fn image_reference(image: &str) -> Result<Value> {
    const ALIASES: &[(&str, &str)] = &[
        ("UbuntuLTS", "Canonical:UbuntuServer:18.04-LTS:latest"),
        (
            "Ubuntu2204",
            "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest",
        ),
        ("Ubuntu2404", "Canonical:ubuntu-24_04-lts:server:latest"),
        ("Debian11", "Debian:debian-11:11-backports-gen2:latest"),
        ("Debian12", "Debian:debian-12:12-gen2:latest"),
        ("CentOS85Gen2", "OpenLogic:CentOS:8_5-gen2:latest"),
        (
            "Win2016Datacenter",
            "MicrosoftWindowsServer:WindowsServer:2016-Datacenter:latest",
        ),
        (
            "Win2019Datacenter",
            "MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest",
        ),
        (
            "Win2022Datacenter",
            "MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest",
        ),
    ];
    let urn = ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(image))
        .map(|(_, u)| *u)
        .unwrap_or(image);
    let parts: Vec<&str> = urn.split(':').collect();
    match parts.as_slice() {
        [publisher, offer, sku, version] if parts.iter().all(|p| !p.is_empty()) => Ok(json!({
            "publisher": publisher, "offer": offer, "sku": sku, "version": version
        })),
        _ => Err(Error::invalid_argument(format!(
            "unknown image '{image}': give an alias ({}) or a URN publisher:offer:sku:version",
            ALIASES
                .iter()
                .map(|(a, _)| *a)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What a minimal VM or scale set needs, as `az vm create` / `az vmss create` flags give it.
#[derive(Debug, Clone)]
pub struct BasicModel {
    /// Linux or Windows admin password (a secret: never printed).
    pub admin_password: Option<crate::Secret>,
    /// OpenSSH public key text for Linux images.
    pub ssh_public_key: Option<String>,
    pub location: Option<String>,
    pub image: String,
    pub size: String,
    pub admin_username: String,
    /// Scale sets only.
    pub instance_count: u32,
}

impl Default for BasicModel {
    fn default() -> Self {
        BasicModel {
            location: None,
            image: "Ubuntu2204".into(),
            size: "Standard_DS1_v2".into(),
            admin_username: "azureuser".into(),
            admin_password: None,
            ssh_public_key: None,
            instance_count: 2,
        }
    }
}

impl BasicModel {
    /// The ARM model for `t` (no credentials: the caller adds keys or passwords if it needs them).
    pub fn to_model(&self, t: &ComputeTarget) -> Result<Value> {
        let image = image_reference(&self.image)?;
        let windows = image["publisher"]
            .as_str()
            .unwrap_or("")
            .contains("Windows");
        let storage = json!({
            "imageReference": image,
            "osDisk": { "createOption": "FromImage", "caching": "ReadWrite",
                        "managedDisk": { "storageAccountType": "Premium_LRS" } }
        });
        let mut os_config = if windows {
            json!({ "windowsConfiguration": { "provisionVMAgent": true } })
        } else {
            json!({ "linuxConfiguration": {
                "disablePasswordAuthentication": self.admin_password.is_none()
            } })
        };
        if let Some(p) = &self.admin_password {
            os_config["adminPassword"] = p.expose().into();
        }
        if let Some(key) = &self.ssh_public_key {
            if windows {
                return Err(Error::invalid_argument(
                    "an SSH key is for Linux images only",
                ));
            }
            os_config["linuxConfiguration"]["ssh"] = json!({ "publicKeys": [{
                "path": format!("/home/{}/.ssh/authorized_keys", self.admin_username),
                "keyData": key.trim()
            }] });
        }
        let mut model = match t.kind {
            ComputeKind::VirtualMachine => {
                let mut os =
                    json!({ "computerName": t.name, "adminUsername": self.admin_username });
                merge(&mut os, os_config);
                json!({ "properties": {
                    "hardwareProfile": { "vmSize": self.size },
                    "storageProfile": storage,
                    "osProfile": os,
                    "networkProfile": { "networkInterfaces": [] }
                }})
            }
            ComputeKind::VirtualMachineScaleSet => {
                let prefix: String = t.name.chars().take(9).collect();
                let mut os =
                    json!({ "computerNamePrefix": prefix, "adminUsername": self.admin_username });
                merge(&mut os, os_config);
                json!({
                    "sku": { "name": self.size, "tier": "Standard", "capacity": self.instance_count },
                    "properties": {
                        "upgradePolicy": { "mode": "Manual" },
                        "virtualMachineProfile": { "storageProfile": storage, "osProfile": os }
                    }
                })
            }
        };
        if let Some(l) = &self.location {
            crate::ids::validate_location(l)?;
            model["location"] = l.clone().into();
        }
        Ok(model)
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}
