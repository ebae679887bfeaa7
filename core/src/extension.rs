//! The legacy MSI VM extension (port 50342): what the faces' arguments mean, and adding, reading and removing it
//! on a VM or scale set.

use crate::client::{ArmClient, COMPUTE_API_VERSION};
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{ComputeKind, ComputeTarget, validate_segment};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

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

/// The arguments of `az vm extension set`, `Set-AzVMExtension` and every binding's extension options, all
/// optional: the one schema the faces fill, deserialisable from JSON (camelCase keys, as the C ABI passes them).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MsiExtensionSpec {
    /// Extension resource name; default: the type.
    pub name: Option<String>,
    /// `ManagedIdentityExtensionForWindows` or `...ForLinux`; default: the name (as az does).
    #[serde(rename = "type", alias = "extensionType")]
    pub extension_type: Option<String>,
    /// Default `Microsoft.ManagedIdentity`, the only publisher accepted.
    pub publisher: Option<String>,
    /// `typeHandlerVersion`; default `1.0`, the only version accepted.
    #[serde(alias = "typeHandlerVersion")]
    pub version: Option<String>,
    /// `{"port": N}` as az's `--settings` and `Set-AzVMExtension -Settings` give it.
    pub settings: Option<Value>,
    /// The port directly (the bindings' `port`); must agree with `settings.port` when both are given.
    pub port: Option<u64>,
}

impl MsiExtension {
    /// The extension a spec asks for, with az's defaults: the type from the name when not given (or the name from
    /// the type), publisher Microsoft.ManagedIdentity, version 1.0, port 50342. Anything else is refused here,
    /// before a request is sent.
    pub fn from_spec(spec: &MsiExtensionSpec) -> Result<MsiExtension> {
        let publisher = spec.publisher.as_deref().unwrap_or(MSI_EXTENSION_PUBLISHER);
        if !publisher.eq_ignore_ascii_case(MSI_EXTENSION_PUBLISHER) {
            return Err(Error::invalid_argument(format!(
                "publisher '{publisher}' is not supported: only the {MSI_EXTENSION_PUBLISHER} extension is managed here"
            )));
        }
        let version = spec.version.as_deref().unwrap_or(MSI_EXTENSION_VERSION);
        if version != MSI_EXTENSION_VERSION {
            return Err(Error::invalid_argument(format!(
                "version '{version}' is not supported: the MSI extension is version {MSI_EXTENSION_VERSION}"
            )));
        }
        let type_name = spec
            .extension_type
            .as_deref()
            .or(spec.name.as_deref())
            .ok_or_else(|| {
                Error::invalid_argument(
                    "name the extension: its type (ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux) or its name",
                )
            })?;
        let os = MsiExtensionOs::from_type(type_name)?;
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| os.extension_type().to_string());
        validate_segment("extension name", &name)?;
        let from_settings = match &spec.settings {
            None | Some(Value::Null) => None,
            Some(settings) => {
                let obj = settings.as_object().ok_or_else(|| {
                    Error::invalid_argument(
                        "settings must be a JSON object, e.g. {\"port\": 50342}",
                    )
                })?;
                if let Some(k) = obj.keys().find(|k| !k.eq_ignore_ascii_case("port")) {
                    return Err(Error::invalid_argument(format!(
                        "settings key '{k}' is not supported: the MSI extension takes only port"
                    )));
                }
                obj.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("port"))
                    .map(|(_, p)| port_number(p))
                    .transpose()?
            }
        };
        let direct = spec
            .port
            .map(|p| port_number(&Value::from(p)))
            .transpose()?;
        let port = match (direct, from_settings) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::invalid_argument(format!(
                    "port {a} and settings port {b} disagree: give one"
                )));
            }
            (a, b) => a.or(b).unwrap_or(MSI_EXTENSION_DEFAULT_PORT),
        };
        Ok(MsiExtension { os, name, port })
    }

    /// [`MsiExtension::from_spec`] with the protected settings a face was given (`Set-AzVMExtension
    /// -ProtectedSettings`, `az vm extension set --protected-settings`). The MSI extension takes none: its only
    /// setting is the public `port` (Microsoft's "How to stop using the VM managed identities extension" provisions
    /// it with `-Settings @{port = 50342}` alone, and a VM extension may have "no protected settings at all" in
    /// the Compute API). So an empty object or null is accepted and nothing is sent, and anything else is refused
    /// before a request is sent, without echoing it (protected settings are secrets).
    pub fn from_spec_with_protected_settings(
        spec: &MsiExtensionSpec,
        protected_settings: Option<&Value>,
    ) -> Result<MsiExtension> {
        match protected_settings {
            None | Some(Value::Null) => {}
            Some(Value::Object(o)) if o.is_empty() => {}
            Some(_) => {
                return Err(Error::invalid_argument(
                    "protected settings are not supported: the MSI extension takes no protected settings, only the public setting port (nothing was sent)",
                ));
            }
        }
        MsiExtension::from_spec(spec)
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

/// A port as JSON gives it: a number or a numeric string (az's `--settings '{"port": "50342"}'`), 1-65535.
fn port_number(p: &Value) -> Result<u16> {
    p.as_u64()
        .or_else(|| p.as_str().and_then(|s| s.trim().parse().ok()))
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p != 0)
        .ok_or_else(|| Error::invalid_argument(format!("port {p} is not a port number (1-65535)")))
}

impl ArmClient {
    fn extension_path(t: &ComputeTarget, name: &str) -> Result<String> {
        validate_segment("extension name", name)?;
        Ok(format!("{}/extensions/{name}", t.path()))
    }

    /// Add (or update) the legacy MSI extension on a VM or scale set (`az vm extension set`,
    /// `Set-AzVMExtension`).
    pub async fn set_msi_extension(&self, t: &ComputeTarget, ext: &MsiExtension) -> Result<Value> {
        let resp = self.put_msi_extension(t, ext).await?;
        self.p.wait(&resp, COMPUTE_API_VERSION).await?;
        self.get_extension(t, &ext.name).await
    }

    /// [`ArmClient::set_msi_extension`] unless the extension is already there as asked (same type and port,
    /// provisioned): whether it was written, and the extension.
    pub async fn ensure_msi_extension(
        &self,
        t: &ComputeTarget,
        ext: &MsiExtension,
    ) -> Result<(bool, Value)> {
        match self.get_extension(t, &ext.name).await {
            Ok(current) if extension_is(&current, ext) => Ok((false, current)),
            Ok(_) => Ok((true, self.set_msi_extension(t, ext).await?)),
            Err(e) if e.kind() == crate::ErrorKind::NotFound => {
                Ok((true, self.set_msi_extension(t, ext).await?))
            }
            Err(e) => Err(e),
        }
    }

    /// The PUT of [`ArmClient::set_msi_extension`], not waited for.
    pub(crate) async fn put_msi_extension(
        &self,
        t: &ComputeTarget,
        ext: &MsiExtension,
    ) -> Result<crate::http::Response> {
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
        self.p
            .send(
                Method::PUT,
                &path,
                &[("api-version", COMPUTE_API_VERSION)],
                Some(&body),
                &[],
            )
            .await
    }

    /// [`ArmClient::set_msi_extension`] with the location a face was given (`Set-AzVMExtension -Location`). A VM
    /// extension is a child resource in its VM's location, so a given location must be the VM's (case and spaces
    /// aside, as ARM compares them: `West US` is `westus`); another one is refused before anything is written. A
    /// scale set's extensions live in its model and have no location: giving one is refused. `None` is
    /// `set_msi_extension`.
    pub async fn set_msi_extension_at(
        &self,
        t: &ComputeTarget,
        ext: &MsiExtension,
        location: Option<&str>,
    ) -> Result<Value> {
        if let Some(given) = location {
            let key = |l: &str| {
                l.chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase()
            };
            match t.kind {
                ComputeKind::VirtualMachineScaleSet => {
                    return Err(Error::invalid_argument(
                        "a scale set's extensions have no location: leave it out",
                    ));
                }
                ComputeKind::VirtualMachine => {
                    let vm = self.get_compute(t).await?;
                    let actual = vm.get("location").and_then(Value::as_str).unwrap_or("");
                    if key(given) != key(actual) {
                        return Err(Error::invalid_argument(format!(
                            "location '{given}' is not the VM's location '{actual}': a VM extension is always in its VM's location"
                        )));
                    }
                }
            }
        }
        self.set_msi_extension(t, ext).await
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

    /// The extensions of a VM or scale set (`az vm extension list`).
    pub async fn list_extensions(&self, t: &ComputeTarget) -> Result<Vec<Value>> {
        let path = format!("{}/extensions", t.path());
        self.p.list_all(&path, COMPUTE_API_VERSION).await
    }

    /// Remove an extension (`az vm extension delete`); `false` when it was not there.
    pub async fn delete_extension(&self, t: &ComputeTarget, name: &str) -> Result<bool> {
        match self.send_delete_extension(t, name).await? {
            None => Ok(false),
            Some(resp) => {
                self.p.wait(&resp, COMPUTE_API_VERSION).await?;
                Ok(true)
            }
        }
    }

    /// The DELETE of [`ArmClient::delete_extension`], not waited for; `None` when the extension was not there.
    pub(crate) async fn send_delete_extension(
        &self,
        t: &ComputeTarget,
        name: &str,
    ) -> Result<Option<crate::http::Response>> {
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
            Ok(resp) if resp.status == 204 => Ok(None),
            Ok(resp) => Ok(Some(resp)),
            Err(e)
                if e.kind() == ErrorKind::NotFound
                    && e.code() != Some("ParentResourceNotFound") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// Whether an extension read back is `ext` as it would be written, and provisioned.
pub(crate) fn extension_is(current: &Value, ext: &MsiExtension) -> bool {
    let p = |k: &str| current.pointer(&format!("/properties/{k}"));
    let s = |k: &str| p(k).and_then(Value::as_str).unwrap_or("");
    s("type").eq_ignore_ascii_case(ext.os.extension_type())
        && s("publisher").eq_ignore_ascii_case(MSI_EXTENSION_PUBLISHER)
        && s("provisioningState").eq_ignore_ascii_case("Succeeded")
        && p("settings/port").and_then(Value::as_u64) == Some(u64::from(ext.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: Value) -> Result<MsiExtension> {
        let s: MsiExtensionSpec =
            serde_json::from_value(v).map_err(|e| Error::invalid_argument(e.to_string()))?;
        MsiExtension::from_spec(&s)
    }

    #[test]
    fn msi_extension_from_every_faces_arguments() {
        let e = spec(json!({"name": "ManagedIdentityExtensionForWindows", "publisher": "microsoft.managedidentity",
            "version": "1.0", "settings": {"port": "50343"}})).unwrap();
        assert_eq!(
            (e.os, e.port, e.name.as_str()),
            (
                MsiExtensionOs::Windows,
                50343,
                "ManagedIdentityExtensionForWindows"
            )
        );
        let by_type = spec(json!({"type": "ManagedIdentityExtensionForLinux"})).unwrap();
        assert_eq!(
            (by_type.name.as_str(), by_type.port),
            (
                "ManagedIdentityExtensionForLinux",
                MSI_EXTENSION_DEFAULT_PORT
            )
        );
        let named = spec(json!({"name": "msi", "extensionType": "ManagedIdentityExtensionForLinux", "port": 50400})).unwrap();
        assert_eq!((named.name.as_str(), named.port), ("msi", 50400));
        let same = spec(
            json!({"type": "ManagedIdentityExtensionForLinux", "port": 1, "settings": {"port": 1}}),
        )
        .unwrap();
        assert_eq!(same.port, 1);
        for (args, why) in [
            (json!({"name": "x"}), "unknown MSI extension type"),
            (json!({}), "name the extension"),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "publisher": "Contoso"}),
                "publisher 'Contoso'",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "version": "2.0"}),
                "version '2.0'",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "settings": [1]}),
                "JSON object",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "settings": {"port": 70000}}),
                "not a port",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "settings": {"port": 0}}),
                "not a port",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "port": 0}),
                "not a port",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "settings": {"port": 1, "x": 2}}),
                "'x'",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "port": 2, "settings": {"port": 1}}),
                "disagree",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "name": "a/b"}),
                "extension name",
            ),
            (
                json!({"type": "ManagedIdentityExtensionForLinux", "colour": 1}),
                "unknown field",
            ),
        ] {
            let e = spec(args.clone()).unwrap_err();
            assert!(e.message().contains(why), "{args}: {e}");
        }
    }

    #[test]
    fn protected_settings_are_refused_unless_empty() {
        let s = MsiExtensionSpec {
            extension_type: Some("ManagedIdentityExtensionForLinux".into()),
            ..Default::default()
        };
        let plain = MsiExtension::from_spec(&s).unwrap();
        for empty in [None, Some(Value::Null), Some(json!({}))] {
            assert_eq!(
                MsiExtension::from_spec_with_protected_settings(&s, empty.as_ref()).unwrap(),
                plain
            );
        }
        for given in [
            json!({"password": "hunter2-secret"}),
            json!("hunter2-secret"),
            json!([]),
        ] {
            let e = MsiExtension::from_spec_with_protected_settings(&s, Some(&given)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().contains("protected settings are not supported"));
            assert!(!e.to_string().contains("hunter2") && !format!("{e:?}").contains("hunter2"));
        }
    }
}
