//! ARM resource IDs and the name rules this crate validates before sending anything.

use crate::error::{Error, Result};
use std::fmt;

pub const COMPUTE_NAMESPACE: &str = "Microsoft.Compute";
pub const MSI_NAMESPACE: &str = "Microsoft.ManagedIdentity";
pub const UAI_TYPE: &str = "userAssignedIdentities";

/// VM or VM scale set: the two compute resources that carry a managed identity here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComputeKind {
    VirtualMachine,
    VirtualMachineScaleSet,
}

impl ComputeKind {
    /// The ARM type segment (`virtualMachines`, `virtualMachineScaleSets`).
    pub fn type_segment(self) -> &'static str {
        match self {
            ComputeKind::VirtualMachine => "virtualMachines",
            ComputeKind::VirtualMachineScaleSet => "virtualMachineScaleSets",
        }
    }
    /// Full ARM type (`Microsoft.Compute/virtualMachines`).
    pub fn arm_type(self) -> String {
        format!("{COMPUTE_NAMESPACE}/{}", self.type_segment())
    }
    /// Short name for messages (`vm`, `vmss`).
    pub fn short(self) -> &'static str {
        match self {
            ComputeKind::VirtualMachine => "vm",
            ComputeKind::VirtualMachineScaleSet => "vmss",
        }
    }
}

/// A parsed ARM resource ID: `/subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{type}/{name}...]`.
/// Segment keywords are matched case-insensitively; the text given is kept for display.
#[derive(Debug, Clone)]
pub struct ResourceId {
    pub subscription: String,
    pub resource_group: String,
    pub namespace: String,
    /// (type, name) pairs: the resource, then its children.
    pub types: Vec<(String, String)>,
    original: String,
}

impl ResourceId {
    pub fn parse(id: &str) -> Result<ResourceId> {
        let bad = |why: &str| {
            Error::invalid_argument(format!(
                "invalid resource ID '{id}': {why}; expected /subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>"
            ))
        };
        if !id.starts_with('/') {
            return Err(bad("it must start with '/'"));
        }
        let segs: Vec<&str> = id.trim_end_matches('/').split('/').skip(1).collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Err(bad("it has an empty segment"));
        }
        if segs.len() < 8 {
            return Err(bad("it is too short"));
        }
        if !segs[0].eq_ignore_ascii_case("subscriptions") {
            return Err(bad("it does not start with /subscriptions"));
        }
        if !segs[2].eq_ignore_ascii_case("resourceGroups") {
            return Err(bad("the third segment is not resourceGroups"));
        }
        if !segs[4].eq_ignore_ascii_case("providers") {
            return Err(bad("the fifth segment is not providers"));
        }
        let rest = &segs[6..];
        if !rest.len().is_multiple_of(2) {
            return Err(bad("a resource type has no name"));
        }
        Ok(ResourceId {
            subscription: segs[1].to_string(),
            resource_group: segs[3].to_string(),
            namespace: segs[5].to_string(),
            types: rest
                .chunks(2)
                .map(|c| (c[0].to_string(), c[1].to_string()))
                .collect(),
            original: id.trim_end_matches('/').to_string(),
        })
    }

    /// Name of the top-level resource.
    pub fn name(&self) -> &str {
        &self.types[0].1
    }

    pub fn is_type(&self, namespace: &str, type_segment: &str) -> bool {
        self.types.len() == 1
            && self.namespace.eq_ignore_ascii_case(namespace)
            && self.types[0].0.eq_ignore_ascii_case(type_segment)
    }

    pub fn as_str(&self) -> &str {
        &self.original
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

/// ARM IDs are case-insensitive.
pub fn ids_equal(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// A VM or scale set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeTarget {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub kind: ComputeKind,
}

impl ComputeTarget {
    pub fn new(
        subscription: impl Into<String>,
        resource_group: impl Into<String>,
        name: impl Into<String>,
        kind: ComputeKind,
    ) -> Result<ComputeTarget> {
        let t = ComputeTarget {
            subscription: subscription.into(),
            resource_group: resource_group.into(),
            name: name.into(),
            kind,
        };
        validate_segment("subscription", &t.subscription)?;
        validate_resource_group(&t.resource_group)?;
        validate_segment(&format!("{} name", t.kind.short()), &t.name)?;
        Ok(t)
    }

    /// From a full resource ID, which must be of the expected kind.
    pub fn from_id(id: &str, kind: ComputeKind) -> Result<ComputeTarget> {
        let rid = ResourceId::parse(id)?;
        if !rid.is_type(COMPUTE_NAMESPACE, kind.type_segment()) {
            return Err(Error::invalid_argument(format!(
                "resource ID '{id}' is not a {}; expected .../providers/{}/<name>",
                kind.arm_type(),
                kind.arm_type()
            )));
        }
        ComputeTarget::new(
            rid.subscription.clone(),
            rid.resource_group.clone(),
            rid.name(),
            kind,
        )
    }

    /// From a full resource ID of a VM or a scale set, whichever it is.
    pub fn parse(id: &str) -> Result<ComputeTarget> {
        let rid = ResourceId::parse(id)?;
        let kind = [ComputeKind::VirtualMachine, ComputeKind::VirtualMachineScaleSet]
            .into_iter()
            .find(|k| rid.is_type(COMPUTE_NAMESPACE, k.type_segment()))
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "resource ID '{id}' is neither a VM nor a scale set (Microsoft.Compute/virtualMachines or virtualMachineScaleSets)"
                ))
            })?;
        ComputeTarget::new(
            rid.subscription.clone(),
            rid.resource_group.clone(),
            rid.name(),
            kind,
        )
    }

    /// ARM path (no host, no query).
    pub fn path(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}/{}",
            self.subscription,
            self.resource_group,
            COMPUTE_NAMESPACE,
            self.kind.type_segment(),
            self.name
        )
    }
}

/// Resource group names: 1-90 characters, alphanumerics, `_ - . ( )` and Unicode letters, not ending in `.`.
pub fn validate_resource_group(name: &str) -> Result<()> {
    let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')');
    if name.is_empty() || name.chars().count() > 90 {
        return Err(Error::invalid_argument(format!(
            "invalid resource group name '{name}': it must be 1 to 90 characters long"
        )));
    }
    if let Some(c) = name.chars().find(|c| !ok_char(*c)) {
        return Err(Error::invalid_argument(format!(
            "invalid resource group name '{name}': character '{c}' is not allowed (letters, digits, '_', '-', '.', '(' and ')' are)"
        )));
    }
    if name.ends_with('.') {
        return Err(Error::invalid_argument(format!(
            "invalid resource group name '{name}': it must not end with '.'"
        )));
    }
    Ok(())
}

/// Any single path segment we put in a URL: non-empty, no '/', '?', '#', '%' or control characters.
pub fn validate_segment(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_argument(format!("{what} must not be empty")));
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, '/' | '?' | '#' | '%' | '\\') || c.is_control() || c.is_whitespace())
    {
        return Err(Error::invalid_argument(format!(
            "invalid {what} '{value}': character {c:?} is not allowed"
        )));
    }
    Ok(())
}

/// A location goes in a request body, so display names with spaces (`West US`) are fine, as ARM accepts them.
pub fn validate_location(location: &str) -> Result<()> {
    if location.trim().is_empty() {
        return Err(Error::invalid_argument("location must not be empty"));
    }
    if let Some(c) = location.chars().find(|c| c.is_control()) {
        return Err(Error::invalid_argument(format!(
            "invalid location '{location}': character {c:?} is not allowed"
        )));
    }
    Ok(())
}

/// User-assigned identity names: 3-128 characters, `[A-Za-z0-9][A-Za-z0-9_-]*`.
pub fn validate_identity_name(name: &str) -> Result<()> {
    let len = name.chars().count();
    if !(3..=128).contains(&len) {
        return Err(Error::invalid_argument(format!(
            "invalid user-assigned identity name '{name}': it must be 3 to 128 characters long, not {len}"
        )));
    }
    let first = name.chars().next().unwrap_or(' ');
    if !first.is_ascii_alphanumeric() {
        return Err(Error::invalid_argument(format!(
            "invalid user-assigned identity name '{name}': it must start with a letter or a digit"
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid_argument(format!(
            "invalid user-assigned identity name '{name}': character {c:?} is not allowed (letters, digits, '-' and '_' are)"
        )));
    }
    Ok(())
}

/// The ARM ID of a user-assigned identity.
pub fn user_identity_id(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{MSI_NAMESPACE}/{UAI_TYPE}/{name}"
    )
}

/// Resolve a user-assigned identity given by name or by full ID, the way az does: a bare name is looked up in
/// `resource_group` of `subscription`. The result is validated.
pub fn resolve_user_identity(
    reference: &str,
    subscription: &str,
    resource_group: &str,
) -> Result<String> {
    let reference = reference.trim();
    if reference.starts_with('/') {
        let rid = ResourceId::parse(reference)?;
        if !rid.is_type(MSI_NAMESPACE, UAI_TYPE) {
            return Err(Error::invalid_argument(format!(
                "'{reference}' is not a user-assigned identity ID; expected .../providers/{MSI_NAMESPACE}/{UAI_TYPE}/<name>"
            )));
        }
        validate_identity_name(rid.name())?;
        Ok(rid.as_str().to_string())
    } else {
        validate_identity_name(reference)?;
        Ok(user_identity_id(subscription, resource_group, reference))
    }
}

/// In az's `--identities` / `--assign-identity` lists, this stands for the system-assigned identity.
pub const SYSTEM_IDENTITY_REF: &str = "[system]";

/// Split an az-style identity list for `t`: whether `[system]` is in it, and the user-assigned identities
/// (names resolved in `t`'s group, or IDs), validated.
pub fn resolve_identity_refs(values: &[String], t: &ComputeTarget) -> Result<(bool, Vec<String>)> {
    let mut system = false;
    let mut user = Vec::new();
    for v in values {
        if v.trim().eq_ignore_ascii_case(SYSTEM_IDENTITY_REF) {
            system = true;
        } else {
            user.push(resolve_user_identity(
                v,
                &t.subscription,
                &t.resource_group,
            )?);
        }
    }
    Ok((system, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_case_insensitively() {
        let id = "/subscriptions/s1/resourcegroups/RG/providers/microsoft.managedidentity/userassignedidentities/id1";
        let r = ResourceId::parse(id).unwrap();
        assert_eq!(r.subscription, "s1");
        assert_eq!(r.resource_group, "RG");
        assert!(r.is_type(MSI_NAMESPACE, UAI_TYPE));
        assert_eq!(r.name(), "id1");
        assert_eq!(r.to_string(), id);
    }

    #[test]
    fn rejects_malformed_ids_with_reason() {
        for (id, why) in [
            (
                "subscriptions/s/resourceGroups/g/providers/a/b/c",
                "start with '/'",
            ),
            ("/subscriptions/s/resourceGroups/g", "too short"),
            ("/subs/s/resourceGroups/g/providers/a/b/c", "/subscriptions"),
            (
                "/subscriptions/s/groups/g/providers/a/b/c",
                "resourceGroups",
            ),
            (
                "/subscriptions/s/resourceGroups/g/providers/a/b/c/d",
                "no name",
            ),
            (
                "/subscriptions/s/resourceGroups//providers/a/b/c",
                "empty segment",
            ),
        ] {
            let e = ResourceId::parse(id).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert!(e.message().contains(why), "{id}: {}", e.message());
        }
    }

    #[test]
    fn identity_name_rules() {
        for ok in ["abc", "a_b-c", "9lives", &"x".repeat(128)] {
            validate_identity_name(ok).unwrap();
        }
        for (bad, why) in [
            ("ab", "3 to 128"),
            (&"x".repeat(129) as &str, "3 to 128"),
            ("-abc", "start with"),
            ("_abc", "start with"),
            ("ab.c", "'.'"),
            ("ab c", "' '"),
            ("é-abc", "start with"),
        ] {
            let e = validate_identity_name(bad).unwrap_err();
            assert!(e.message().contains(why), "{bad}: {}", e.message());
        }
    }

    #[test]
    fn resolves_names_in_the_target_group_and_checks_ids() {
        assert_eq!(
            resolve_user_identity("id1", "s", "rg").unwrap(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
        );
        let vm =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1";
        assert!(
            resolve_user_identity(vm, "s", "rg")
                .unwrap_err()
                .message()
                .contains("not a user-assigned")
        );
        assert!(resolve_user_identity("a", "s", "rg").is_err());
    }

    #[test]
    fn identity_lists_split_system_and_user() {
        let t = ComputeTarget::new("s", "rg", "vm", ComputeKind::VirtualMachine).unwrap();
        let (sys, user) = resolve_identity_refs(&["[System]".into(), "id1".into()], &t).unwrap();
        assert!(sys);
        assert_eq!(user, vec![user_identity_id("s", "rg", "id1")]);
        assert!(resolve_identity_refs(&["x".into()], &t).is_err());
    }

    #[test]
    fn compute_target_from_id_checks_kind() {
        let vm =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1";
        let t = ComputeTarget::from_id(vm, ComputeKind::VirtualMachine).unwrap();
        assert_eq!(t.path(), vm);
        assert!(ComputeTarget::from_id(vm, ComputeKind::VirtualMachineScaleSet).is_err());
        assert!(ComputeTarget::new("s", "rg", "a/b", ComputeKind::VirtualMachine).is_err());
        assert!(ComputeTarget::new("s", "bad rg", "a", ComputeKind::VirtualMachine).is_err());
    }
}
