//! `api-version` validation per resource provider.
//!
//! Any well-formed version (`YYYY-MM-DD`, optionally `-preview`) inside a provider's real range is
//! accepted; the shapes that changed over time (compute identity, user-assigned identity properties,
//! etags) are chosen by comparing dates.

use axum::http::StatusCode;

use super::errors::ArmError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Resources,
    Compute,
    ManagedIdentity,
    Authorization,
    Network,
}

/// Newest version accepted by every provider.
pub const MAX_DATE: &str = "2026-12-31";

/// Locations listed in `NoRegisteredProviderFound` messages.
pub const LOCATIONS: &str = "eastus, eastus2, westus, westus2, westus3, centralus, northcentralus, southcentralus, westcentralus, canadacentral, canadaeast, brazilsouth, northeurope, westeurope, uksouth, ukwest, francecentral, germanywestcentral, switzerlandnorth, norwayeast, swedencentral, eastasia, southeastasia, japaneast, japanwest, koreacentral, australiaeast, australiasoutheast, centralindia, southindia, southafricanorth, uaenorth";

impl Provider {
    /// Oldest date accepted.
    fn min_date(self) -> &'static str {
        match self {
            Provider::Resources => "2014-04-01",
            Provider::Compute => "2015-06-15",
            Provider::ManagedIdentity => "2015-08-31",
            Provider::Authorization => "2015-07-01",
            Provider::Network => "2015-05-01",
        }
    }

    /// The namespace as the service spells it.
    pub fn namespace(self) -> &'static str {
        match self {
            Provider::Resources => "Microsoft.Resources",
            Provider::Compute => "Microsoft.Compute",
            Provider::ManagedIdentity => "Microsoft.ManagedIdentity",
            Provider::Authorization => "Microsoft.Authorization",
            Provider::Network => "Microsoft.Network",
        }
    }

    /// Real versions, for error messages.
    pub fn known_versions(self) -> &'static str {
        match self {
            Provider::Resources => {
                "2025-04-01,2024-11-01,2024-07-01,2024-03-01,2023-07-01,2022-12-01,2022-09-01,2022-01-01,2021-04-01,2021-01-01,2020-10-01,2020-06-01,2020-01-01,2019-10-01,2019-08-01,2019-07-01,2019-05-10,2019-05-01,2018-05-01,2018-02-01,2017-05-10,2016-09-01,2016-07-01,2016-06-01,2016-02-01,2015-11-01,2015-01-01,2014-04-01"
            }
            Provider::Compute => {
                "2015-06-15, 2016-03-30, 2016-04-30-preview, 2017-03-30, 2017-12-01, 2018-04-01, 2018-06-01, 2018-10-01, 2019-03-01, 2019-07-01, 2019-12-01, 2020-06-01, 2020-12-01, 2021-03-01, 2021-04-01, 2021-07-01, 2021-11-01, 2022-03-01, 2022-08-01, 2022-11-01, 2023-03-01, 2023-07-01, 2023-09-01, 2024-03-01, 2024-07-01, 2024-11-01, 2025-04-01"
            }
            Provider::ManagedIdentity => {
                "2015-08-31-preview, 2018-11-30, 2021-09-30-preview, 2022-01-31-preview, 2023-01-31, 2023-07-31-preview, 2024-11-30, 2025-01-31-preview, 2025-05-31-preview"
            }
            Provider::Authorization => {
                "2015-07-01,2018-01-01-preview,2018-09-01-preview,2020-04-01-preview,2020-10-01-preview,2022-04-01,2022-05-01-preview"
            }
            Provider::Network => {
                "2015-06-15, 2016-03-30, 2016-09-01, 2017-03-01, 2017-06-01, 2017-09-01, 2018-01-01, 2018-04-01, 2018-07-01, 2018-11-01, 2019-02-01, 2019-06-01, 2019-09-01, 2019-11-01, 2020-03-01, 2020-05-01, 2020-07-01, 2020-11-01, 2021-02-01, 2021-05-01, 2021-08-01, 2022-01-01, 2022-05-01, 2022-07-01, 2022-09-01, 2022-11-01, 2023-02-01, 2023-04-01, 2023-05-01, 2023-06-01, 2023-09-01, 2023-11-01, 2024-01-01, 2024-03-01, 2024-05-01, 2024-07-01, 2024-10-01"
            }
        }
    }
}

/// The provider of a namespace (`Microsoft.Compute`, any casing).
pub fn provider_of(ns: &str) -> Option<Provider> {
    match ns.to_ascii_lowercase().as_str() {
        "microsoft.compute" => Some(Provider::Compute),
        "microsoft.managedidentity" => Some(Provider::ManagedIdentity),
        "microsoft.resources" => Some(Provider::Resources),
        "microsoft.authorization" => Some(Provider::Authorization),
        "microsoft.network" => Some(Provider::Network),
        _ => None,
    }
}

/// `YYYY-MM-DD` with an optional `-preview` suffix.
pub fn is_well_formed(v: &str) -> bool {
    // Request text: never slice at a byte index that may fall inside a character.
    let Some((date, rest)) = v.get(..10).zip(v.get(10..)) else {
        return false;
    };
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    let month: u32 = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = date.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    shape
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (rest.is_empty() || rest.eq_ignore_ascii_case("-preview"))
}

/// The date part of a well-formed version (any text: never panics).
pub fn date(v: &str) -> &str {
    v.get(..10).unwrap_or(v)
}

/// `v` is `min` or newer (by date).
pub fn at_least(v: &str, min: &str) -> bool {
    date(v) >= min
}

/// Validates `v` for `provider`; `type_name` and `location` only feed the error message.
pub fn check(provider: Provider, v: &str, type_name: &str, location: &str) -> Result<(), ArmError> {
    if !is_well_formed(v) {
        return Err(ArmError::invalid_api_version(v, provider.known_versions()));
    }
    let d = date(v);
    if d >= provider.min_date() && d <= MAX_DATE {
        return Ok(());
    }
    Err(match provider {
        Provider::Resources | Provider::Authorization => {
            ArmError::invalid_api_version(v, provider.known_versions())
        }
        _ => ArmError::no_registered_provider(
            StatusCode::BAD_REQUEST,
            location,
            v,
            type_name,
            provider.known_versions(),
            LOCATIONS,
        ),
    })
}

/// The api-version the emulator names for a resource provider namespace when a caller names none: what a
/// template's `reference()` without one reads with, and what `providers()` lists first.
pub fn current_for_namespace(namespace: &str) -> Option<&'static str> {
    Some(match namespace.to_ascii_lowercase().as_str() {
        "microsoft.compute" => "2024-11-01",
        "microsoft.managedidentity" => "2023-01-31",
        "microsoft.authorization" => "2022-04-01",
        "microsoft.network" => "2023-09-01",
        "microsoft.resources" => "2022-09-01",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_well_formed("2024-11-01"));
        assert!(is_well_formed("2015-08-31-preview"));
        assert!(is_well_formed("2015-08-31-PREVIEW"));
        assert!(!is_well_formed("2024-13-01"));
        assert!(!is_well_formed("2024-1-01"));
        assert!(!is_well_formed("latest"));
        assert!(!is_well_formed("2024-11-01-beta"));
        // Full-width digits: 3 bytes each, so byte 10 falls inside a character (issue 10 item 2).
        assert!(!is_well_formed("\u{ff12}\u{ff10}\u{ff12}\u{ff14}-11-01"));
        assert!(!is_well_formed("2024-11-0\u{e9}"));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn ranges() {
        assert!(check(Provider::Compute, "2017-12-01", "virtualMachines", "westus").is_ok());
        assert!(check(Provider::Compute, "2026-04-01", "virtualMachines", "westus").is_ok());
        let e = check(Provider::Compute, "2027-01-01", "virtualMachines", "westus").unwrap_err();
        assert_eq!(e.code, "NoRegisteredProviderFound");
        assert!(e.message.starts_with(
            "No registered resource provider found for location 'westus' and API version '2027-01-01' for type 'virtualMachines'."
        ));
        assert!(
            check(
                Provider::ManagedIdentity,
                "2015-08-31-preview",
                "userAssignedIdentities",
                "westus"
            )
            .is_ok()
        );
        assert_eq!(
            check(
                Provider::Resources,
                "2013-01-01",
                "resourceGroups",
                "westus"
            )
            .unwrap_err()
            .code,
            "InvalidApiVersionParameter"
        );
        assert!(at_least("2018-06-01", "2018-06-01"));
        assert!(!at_least("2017-12-01", "2018-06-01"));
    }

    proptest::proptest! {
        /// Any text: never a panic, and only `YYYY-MM-DD[-preview]` is well formed.
        #[test]
        fn any_text_is_judged_without_panicking(v in "\\PC{0,24}") {
            let ok = is_well_formed(&v);
            if ok {
                proptest::prop_assert!(v.is_ascii());
                proptest::prop_assert!(v.len() == 10 || v.len() == 18);
            }
            let _ = date(&v);
            let _ = at_least(&v, "2018-06-01");
            for p in [Provider::Compute, Provider::Resources, Provider::ManagedIdentity, Provider::Authorization, Provider::Network] {
                let _ = check(p, &v, "t", "westus");
            }
        }

        #[test]
        fn real_dates_are_well_formed(y in 1000u32..10000, m in 1u32..13, d in 1u32..32, preview in proptest::bool::ANY) {
            let v = format!("{:04}-{:02}-{:02}{}", y, m, d, if preview { "-preview" } else { "" });
            proptest::prop_assert!(is_well_formed(&v));
            proptest::prop_assert_eq!(date(&v), &v[..10]);
            let bad_month = format!("{:04}-{:02}-{:02}", y, m + 12, d);
            proptest::prop_assert!(!is_well_formed(&bad_month));
        }
    }
}
