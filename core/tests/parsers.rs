//! Property tests of the parsers every face's input goes through: they never panic, accept what Azure writes
//! in any casing, and refuse with an invalid-argument error (which changes nothing) everything else.

use msi_identity::ids::{
    ComputeKind, ComputeTarget, ResourceId, resolve_identity_refs, resolve_user_identity,
    validate_identity_name, validate_location, validate_resource_group,
};
use msi_identity::{ErrorKind, IdentityType, MsiExtension, MsiExtensionSpec, SetRequest};
use proptest::prelude::*;

fn casing(s: &str, flips: &[bool]) -> String {
    s.chars()
        .zip(flips.iter().cycle())
        .map(|(c, up)| {
            if *up {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn resource_ids_never_panic(s in "\\PC{0,120}") {
        if let Err(e) = ResourceId::parse(&s) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
        let _ = ComputeTarget::parse(&s);
        let _ = resolve_user_identity(&s, "s", "rg");
    }

    #[test]
    fn resource_ids_parse_in_any_casing(
        sub in "[0-9a-f]{8}",
        group in "[A-Za-z0-9_().-]{1,20}[A-Za-z0-9]",
        name in "[a-z0-9][a-z0-9-]{2,20}",
        flips in proptest::collection::vec(any::<bool>(), 1..16),
    ) {
        let id = format!(
            "{}/{sub}/{}/{group}/{}/{}/{}/{name}",
            casing("/subscriptions", &flips),
            casing("resourceGroups", &flips),
            casing("providers", &flips),
            casing("Microsoft.Compute", &flips),
            casing("virtualMachines", &flips),
        );
        let t = ComputeTarget::parse(&id).unwrap();
        prop_assert_eq!(t.kind, ComputeKind::VirtualMachine);
        prop_assert_eq!(&t.name, &name);
        prop_assert_eq!(&t.resource_group, &group);
        prop_assert_eq!(ResourceId::parse(&id).unwrap().to_string(), id);
    }

    #[test]
    fn identity_types_round_trip_and_never_panic(s in "\\PC{0,40}", flips in proptest::collection::vec(any::<bool>(), 1..8)) {
        let _ = IdentityType::parse(&s);
        for t in [IdentityType::None, IdentityType::SystemAssigned, IdentityType::UserAssigned, IdentityType::SystemAssignedUserAssigned] {
            prop_assert_eq!(IdentityType::parse(&casing(t.as_str(), &flips)).unwrap(), t);
        }
    }

    #[test]
    fn names_locations_and_lists_never_panic(s in "\\PC{0,200}", list in proptest::collection::vec("\\PC{0,40}", 0..5)) {
        let _ = validate_identity_name(&s);
        let _ = validate_resource_group(&s);
        let _ = validate_location(&s);
        let t = ComputeTarget::new("s", "rg", "vm", ComputeKind::VirtualMachine).unwrap();
        if let Err(e) = resolve_identity_refs(&list, &t) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
        if let Err(e) = SetRequest::from_az_set(&list) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
    }

    #[test]
    fn extension_specs_never_panic(name in "\\PC{0,40}", port in any::<u64>(), setting in "\\PC{0,20}") {
        let spec = MsiExtensionSpec {
            name: Some(name),
            port: Some(port),
            settings: Some(serde_json::json!({ "port": setting })),
            ..Default::default()
        };
        if let Err(e) = MsiExtension::from_spec(&spec) {
            prop_assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
    }
}
