//! The routes of the emulated ARM, parsed by hand so that every segment (`resourceGroups`, provider
//! namespaces, type and resource names) matches case-insensitively.

/// The routes of the emulated ARM.
#[derive(Debug, PartialEq)]
pub(super) enum Target {
    Subscriptions,
    Tenants,
    ProviderOperations {
        ns: String,
    },
    Subscription {
        sub: String,
    },
    Providers {
        sub: String,
    },
    Provider {
        sub: String,
        ns: String,
        register: bool,
    },
    ResourceGroups {
        sub: String,
    },
    ResourceGroup {
        sub: String,
        rg: String,
    },
    OperationResult {
        sub: String,
        id: String,
    },
    ComputeOperation {
        sub: String,
        id: String,
    },
    List {
        sub: String,
        rg: Option<String>,
        ns: String,
        ty: String,
    },
    Resource {
        sub: String,
        rg: String,
        ns: String,
        ty: String,
        name: String,
        rest: Vec<String>,
    },
    RoleAssignments {
        scope: Vec<String>,
        name: Option<String>,
    },
    RoleDefinitions {
        scope: Vec<String>,
        id: Option<String>,
    },
    /// `/subscriptions/{sub}/providers/{ns}/{type}/{..}` below the lists: the image catalogue
    /// (`Microsoft.Compute/locations/{loc}/publishers/..`), else an unknown type of `ns`.
    SubscriptionProviderPath {
        sub: String,
        ns: String,
        ty: String,
        rest: Vec<String>,
    },
    Unknown {
        sub: Option<String>,
        ty: String,
    },
}

pub(super) fn parse_target(segs: &[String]) -> Target {
    let l: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let s = |i: usize| segs[i].clone();
    // `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]`.
    let authz = (0..l.len()).find(|&i| {
        l[i] == "providers"
            && l.get(i + 1) == Some(&"microsoft.authorization")
            && matches!(
                l.get(i + 2),
                Some(&"roleassignments") | Some(&"roledefinitions")
            )
            && l.len() <= i + 4
            && (i == 0 || l[0] == "subscriptions")
    });
    if let Some(i) = authz {
        let scope = segs[..i].to_vec();
        let name = segs.get(i + 3).cloned();
        return if l[i + 2] == "roleassignments" {
            Target::RoleAssignments { scope, name }
        } else {
            Target::RoleDefinitions { scope, id: name }
        };
    }
    match l.as_slice() {
        ["subscriptions"] => Target::Subscriptions,
        ["tenants"] => Target::Tenants,
        ["providers", _, "operations"] => Target::ProviderOperations { ns: s(1) },
        ["subscriptions", _] => Target::Subscription { sub: s(1) },
        ["subscriptions", _, "providers"] => Target::Providers { sub: s(1) },
        ["subscriptions", _, "providers", _] => Target::Provider {
            sub: s(1),
            ns: s(3),
            register: false,
        },
        ["subscriptions", _, "providers", _, "register"] => Target::Provider {
            sub: s(1),
            ns: s(3),
            register: true,
        },
        [
            "subscriptions",
            _,
            "providers",
            "microsoft.compute",
            "locations",
            _,
            "operations",
            _,
        ] => Target::ComputeOperation {
            sub: s(1),
            id: s(7),
        },
        ["subscriptions", _, "providers", _, _] => Target::List {
            sub: s(1),
            rg: None,
            ns: s(3),
            ty: s(4),
        },
        ["subscriptions", _, "providers", _, _, _, ..] => Target::SubscriptionProviderPath {
            sub: s(1),
            ns: s(3),
            ty: s(4),
            rest: segs[5..].to_vec(),
        },
        ["subscriptions", _, "resourcegroups"] => Target::ResourceGroups { sub: s(1) },
        ["subscriptions", _, "resourcegroups", _] => Target::ResourceGroup {
            sub: s(1),
            rg: s(3),
        },
        ["subscriptions", _, "operationresults", _] => Target::OperationResult {
            sub: s(1),
            id: s(3),
        },
        ["subscriptions", _, "resourcegroups", _, "providers", _, _] => Target::List {
            sub: s(1),
            rg: Some(s(3)),
            ns: s(5),
            ty: s(6),
        },
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            _,
            _,
            _,
            ..,
        ] => Target::Resource {
            sub: s(1),
            rg: s(3),
            ns: s(5),
            ty: s(6),
            name: s(7),
            rest: segs[8..].to_vec(),
        },
        ["subscriptions", _, "resourcegroups", _, rest @ ..] => Target::Unknown {
            sub: Some(s(1)),
            ty: rest.first().map(|_| s(4)).unwrap_or_default(),
        },
        ["subscriptions", _, ..] => Target::Unknown {
            sub: Some(s(1)),
            ty: s(2),
        },
        _ => Target::Unknown {
            sub: None,
            ty: segs.first().cloned().unwrap_or_default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(path: &str) -> Target {
        let segs: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(str::to_string)
            .collect();
        parse_target(&segs)
    }

    #[test]
    fn routes_match_case_insensitively() {
        assert_eq!(
            t("/subscriptions/S/ResourceGroups/RG/providers/microsoft.compute/VIRTUALMACHINES/vm1"),
            Target::Resource {
                sub: "S".into(),
                rg: "RG".into(),
                ns: "microsoft.compute".into(),
                ty: "VIRTUALMACHINES".into(),
                name: "vm1".into(),
                rest: vec![],
            }
        );
        assert_eq!(
            t("/subscriptions/S/providers/Microsoft.Compute/locations/westus/operations/abc"),
            Target::ComputeOperation {
                sub: "S".into(),
                id: "abc".into()
            }
        );
        assert_eq!(
            t("/subscriptions/S/resourcegroups/rg"),
            Target::ResourceGroup {
                sub: "S".into(),
                rg: "rg".into()
            }
        );
        assert!(matches!(
            t("/subscriptions/S/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm/extensions/e"),
            Target::Resource { rest, .. } if rest == vec!["extensions".to_string(), "e".to_string()]
        ));
    }

    fn recase(s: &str, upper: &[bool]) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if upper[i % upper.len()] {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    #[test]
    fn image_lookups_route_to_their_namespace() {
        assert_eq!(
            t(
                "/subscriptions/S/providers/Microsoft.Compute/locations/westus/publishers/Canonical/artifacttypes/vmimage/offers/o/skus/k/versions"
            ),
            Target::SubscriptionProviderPath {
                sub: "S".into(),
                ns: "Microsoft.Compute".into(),
                ty: "locations".into(),
                rest: [
                    "westus",
                    "publishers",
                    "Canonical",
                    "artifacttypes",
                    "vmimage",
                    "offers",
                    "o",
                    "skus",
                    "k",
                    "versions"
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            }
        );
    }

    proptest::proptest! {
        /// Any segments route somewhere, without a panic.
        #[test]
        fn any_path_routes(segs in proptest::collection::vec("\\PC{0,12}", 0..14)) {
            let _ = parse_target(&segs);
        }

        /// Resource paths route to their provider whatever the casing, keeping names as sent.
        #[test]
        fn resource_paths_route_in_any_casing(
            sub in "[A-Za-z0-9-]{1,36}", rg in "[^/]{1,20}", name in "[^/]{1,20}",
            ty in proptest::sample::select(vec!["virtualMachines", "virtualMachineScaleSets", "userAssignedIdentities"]),
            upper in proptest::collection::vec(proptest::bool::ANY, 1..16),
            rest in proptest::collection::vec("[a-z]{1,8}", 0..3),
        ) {
            let ns = if ty == "userAssignedIdentities" { "Microsoft.ManagedIdentity" } else { "Microsoft.Compute" };
            let mut segs: Vec<String> = vec![
                recase("subscriptions", &upper), sub.clone(), recase("resourceGroups", &upper), rg.clone(),
                recase("providers", &upper), recase(ns, &upper), recase(ty, &upper), name.clone(),
            ];
            segs.extend(rest.iter().cloned());
            // Role assignment and definition scopes are routed by their own rule.
            proptest::prop_assume!(!rest.iter().any(|r| r == "providers"));
            match parse_target(&segs) {
                Target::Resource { sub: s, rg: r, ns: n, ty: t, name: m, rest: tail } => {
                    proptest::prop_assert_eq!(s, sub);
                    proptest::prop_assert_eq!(r, rg);
                    proptest::prop_assert!(n.eq_ignore_ascii_case(ns));
                    proptest::prop_assert!(t.eq_ignore_ascii_case(ty));
                    proptest::prop_assert_eq!(m, name);
                    proptest::prop_assert_eq!(tail, rest);
                }
                other => proptest::prop_assert!(false, "{:?}", other),
            }
        }
    }
}
