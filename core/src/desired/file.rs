//! The desired-state file (`msi plan -f`, `msi apply -f`): YAML (so JSON too) read into typed entries. Everything
//! that can be checked without a request is checked while the file is read, so an error names the place in the
//! file (`identities.yaml:7:9: targets[0].identity.systemAssigned: ...`) and nothing has been sent yet.

use crate::bulk::Selection;
use crate::error::{Error, Result};
use crate::extension::{MsiExtension, MsiExtensionSpec};
use crate::identity::UserWant;
use crate::ids::{ComputeKind, SYSTEM_IDENTITY_REF, resolve_user_identity};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};
use std::fmt;

/// A whole desired-state file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Document {
    /// The entries, each naming some targets and what they must be.
    pub targets: Vec<TargetSpec>,
}

/// The kinds of target an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Vm,
    Vmss,
}

/// One entry: which VMs or scale sets, and the identity, role assignments and MSI extension each must have.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    pub kind: ComputeKind,
    pub selection: Selection,
    /// `None`: the identity is left as it is.
    pub identity: Option<IdentitySpec>,
    pub roles: Vec<RoleSpec>,
    /// `None`: the extension is left as it is.
    pub msi_extension: Option<ExtensionWant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawTarget {
    kind: Kind,
    #[serde(default)]
    ids: Vec<String>,
    resource_group: Option<String>,
    tag: Option<String>,
    #[serde(default)]
    subscriptions: Vec<String>,
    identity: Option<IdentitySpec>,
    #[serde(default)]
    roles: Vec<RoleSpec>,
    msi_extension: Option<ExtensionWant>,
}

impl TryFrom<RawTarget> for TargetSpec {
    type Error = String;

    fn try_from(r: RawTarget) -> std::result::Result<TargetSpec, String> {
        let selection = Selection {
            ids: r.ids,
            resource_group: r.resource_group,
            subscriptions: r.subscriptions,
            tag: r.tag,
        };
        selection.validate().map_err(|e| e.message().to_string())?;
        let kind = match r.kind {
            Kind::Vm => ComputeKind::VirtualMachine,
            Kind::Vmss => ComputeKind::VirtualMachineScaleSet,
        };
        for id in &selection.ids {
            crate::ids::ComputeTarget::from_id(id, kind).map_err(|e| e.message().to_string())?;
        }
        if r.identity.is_none() && r.roles.is_empty() && r.msi_extension.is_none() {
            return Err("nothing to enforce: give identity, roles or msiExtension".into());
        }
        let system_off = r
            .identity
            .as_ref()
            .is_some_and(|i| i.system_assigned == Some(false));
        if system_off && r.roles.iter().any(|role| role.identity.is_none()) {
            return Err(
                "a role for the system-assigned identity, which identity.systemAssigned turns off: name a user-assigned identity (`identity: NAME`) or turn it on"
                    .into(),
            );
        }
        Ok(TargetSpec {
            kind,
            selection,
            identity: r.identity,
            roles: r.roles,
            msi_extension: r.msi_extension,
        })
    }
}

/// The identity a target must have.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentitySpec {
    /// On, off, or (absent) left as it is.
    pub system_assigned: Option<bool>,
    /// `exactly: [...]` or `atLeast: [...]`, names (in the target's group) or IDs; absent: left as they are.
    #[serde(default = "keep")]
    pub user_assigned: UserAssigned,
}

fn keep() -> UserAssigned {
    UserAssigned(UserWant::Keep)
}

/// `userAssigned: {exactly: [...]}` or `{atLeast: [...]}`: references as written (resolved per target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAssigned(pub UserWant);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawUserAssigned {
    exactly: Option<Vec<String>>,
    at_least: Option<Vec<String>>,
}

/// A user-assigned identity reference is checked as every face checks it (a placeholder group stands in for
/// the target's, which is known once the targets are listed).
fn check_reference(r: &str) -> std::result::Result<(), String> {
    if r.trim().eq_ignore_ascii_case(SYSTEM_IDENTITY_REF) {
        return Err(format!(
            "'{r}' is not a user-assigned identity: use identity.systemAssigned for the system-assigned one"
        ));
    }
    resolve_user_identity(r, "subscription", "group")
        .map(|_| ())
        .map_err(|e| e.message().to_string())
}

impl TryFrom<RawUserAssigned> for UserAssigned {
    type Error = String;

    fn try_from(r: RawUserAssigned) -> std::result::Result<UserAssigned, String> {
        let want = match (r.exactly, r.at_least) {
            (Some(ids), None) => UserWant::Exactly(ids),
            (None, Some(ids)) => UserWant::AtLeast(ids),
            (Some(_), Some(_)) => return Err("give exactly or atLeast, not both".into()),
            (None, None) => return Err("give exactly: [...] or atLeast: [...]".into()),
        };
        if let UserWant::Exactly(ids) | UserWant::AtLeast(ids) = &want {
            ids.iter().try_for_each(|r| check_reference(r))?;
        }
        Ok(UserAssigned(want))
    }
}

/// A role assignment a target's identity must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// A role name (`Reader`), GUID or role definition ID.
    pub role: String,
    pub scope: String,
    /// A user-assigned identity (name in the target's group, or ID); `None`: the system-assigned identity.
    pub identity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawRole {
    role: String,
    scope: String,
    identity: Option<String>,
}

impl TryFrom<RawRole> for RoleSpec {
    type Error = String;

    fn try_from(r: RawRole) -> std::result::Result<RoleSpec, String> {
        if r.role.trim().is_empty() {
            return Err("role: name a role (Reader, Contributor, ...) or give its ID".into());
        }
        let scope = crate::roles::validate_scope(&r.scope).map_err(|e| e.message().to_string())?;
        if scope.is_empty() {
            return Err("scope: give a subscription, resource group or resource ID".into());
        }
        let identity = match r.identity {
            Some(i) if i.trim().eq_ignore_ascii_case(SYSTEM_IDENTITY_REF) => None,
            Some(i) => {
                check_reference(&i)?;
                Some(i)
            }
            None => None,
        };
        Ok(RoleSpec {
            role: r.role,
            scope,
            identity,
        })
    }
}

/// `msiExtension: present | absent`, or the extension as `msi vm extension set` takes it (`{type, port, ...}`:
/// present). Without a type, the target's OS decides Windows or Linux.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtensionWant {
    Present(MsiExtensionSpec),
    Absent,
}

impl<'de> Deserialize<'de> for ExtensionWant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExtensionWant;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("present, absent, or the extension's fields ({type, port})")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<ExtensionWant, E> {
                match s {
                    "present" => Ok(ExtensionWant::Present(MsiExtensionSpec::default())),
                    "absent" => Ok(ExtensionWant::Absent),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                m: A,
            ) -> std::result::Result<ExtensionWant, A::Error> {
                let spec = MsiExtensionSpec::deserialize(MapAccessDeserializer::new(m))?;
                checked_extension(&spec).map_err(|e| de::Error::custom(e.message()))?;
                Ok(ExtensionWant::Present(spec))
            }
        }
        d.deserialize_any(V)
    }
}

/// The extension a spec asks for once the OS is known (`os_type` stands in when the spec names no type).
pub(crate) fn extension_for(spec: &MsiExtensionSpec, os_type: &str) -> Result<MsiExtension> {
    let mut spec = spec.clone();
    if spec.extension_type.is_none() && spec.name.is_none() {
        spec.extension_type = Some(os_type.to_string());
    }
    MsiExtension::from_spec(&spec)
}

fn checked_extension(spec: &MsiExtensionSpec) -> Result<MsiExtension> {
    extension_for(
        spec,
        crate::extension::MsiExtensionOs::Linux.extension_type(),
    )
}

/// Reads `Raw` from a mapping and converts it while still inside that mapping, so that a conversion error is
/// placed (line, column, path) at the mapping itself rather than at its parent.
fn checked_map<'de, D, Raw, T>(d: D, what: &'static str) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    Raw: Deserialize<'de>,
    T: TryFrom<Raw, Error = String>,
{
    struct V<Raw, T>(&'static str, std::marker::PhantomData<(Raw, T)>);
    impl<'de, Raw: Deserialize<'de>, T: TryFrom<Raw, Error = String>> Visitor<'de> for V<Raw, T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, m: A) -> std::result::Result<T, A::Error> {
            let raw = Raw::deserialize(MapAccessDeserializer::new(m))?;
            T::try_from(raw).map_err(de::Error::custom)
        }
    }
    d.deserialize_map(V::<Raw, T>(what, std::marker::PhantomData))
}

macro_rules! checked {
    ($t:ty, $raw:ty, $what:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                checked_map::<D, $raw, $t>(d, $what)
            }
        }
    };
}

checked!(
    TargetSpec,
    RawTarget,
    "an entry: kind, the targets (ids, resourceGroup, tag, subscriptions), identity, roles, msiExtension"
);
checked!(
    UserAssigned,
    RawUserAssigned,
    "exactly: [...] or atLeast: [...]"
);
checked!(
    RoleSpec,
    RawRole,
    "a role assignment: role, scope, identity"
);

/// Reads a desired-state file. `source` names it in errors (`identities.yaml:7:9: targets[0]...: ...`).
pub fn parse(text: &str, source: &str) -> Result<Document> {
    if text.trim().is_empty() {
        return Err(Error::invalid_argument(format!(
            "{source}: the file is empty: expected `targets:` and a list of entries (see docs/desired-state.md)"
        )));
    }
    let doc: Document = serde_yaml_ng::from_str(text).map_err(|e| file_error(source, &e))?;
    if doc.targets.is_empty() {
        return Err(Error::invalid_argument(format!(
            "{source}: targets: the list is empty: name at least one entry"
        )));
    }
    Ok(doc)
}

/// `source:line:column: path: message`, the position taken out of the parser's own wording.
fn file_error(source: &str, e: &serde_yaml_ng::Error) -> Error {
    // serde's wording for a YAML boolean, in the file's terms.
    let text = e
        .to_string()
        .replace("expected a boolean", "expected true or false");
    let message = match e.location() {
        Some(l) => {
            let suffix = format!(" at line {} column {}", l.line(), l.column());
            let m = text.strip_suffix(&suffix).unwrap_or(&text);
            format!("{source}:{}:{}: {m}", l.line(), l.column())
        }
        None => format!("{source}: {text}"),
    };
    Error::invalid_argument(message)
}
