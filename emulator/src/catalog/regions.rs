//! The Azure public cloud's regions, and ARM's answers for a location that is not one.
//!
//! Source: the physical regions ARM lists for a public-cloud subscription,
//! `GET /subscriptions/{subscriptionId}/locations?api-version=2022-12-01` (the `name` of every entry
//! whose `metadata.regionType` is `Physical`; `az account list-locations` shows the same list),
//! as of 2025, including the two early-access (EUAP) regions ARM lists. Logical names (`global`,
//! `unitedstates`, `europe`, ...) are not regions a resource can be created in.
//!
//! ARM compares locations normalised (lower case, no spaces: `West US` is `westus`) and names the
//! location as sent in its errors: `LocationNotAvailableForResourceGroup` for a resource group,
//! `LocationNotAvailableForResourceType` for a resource (both 400).

use axum::http::StatusCode;

use super::errors::ArmError;
use crate::util;

/// The public cloud's physical regions (see the module documentation for the source).
pub const REGIONS: [&str; 57] = [
    "eastus",
    "eastus2",
    "southcentralus",
    "westus2",
    "westus3",
    "australiaeast",
    "southeastasia",
    "northeurope",
    "swedencentral",
    "uksouth",
    "westeurope",
    "centralus",
    "southafricanorth",
    "centralindia",
    "eastasia",
    "indonesiacentral",
    "japaneast",
    "japanwest",
    "koreacentral",
    "malaysiawest",
    "newzealandnorth",
    "canadacentral",
    "francecentral",
    "germanywestcentral",
    "italynorth",
    "norwayeast",
    "polandcentral",
    "spaincentral",
    "switzerlandnorth",
    "mexicocentral",
    "uaenorth",
    "brazilsouth",
    "chilecentral",
    "israelcentral",
    "qatarcentral",
    "northcentralus",
    "westus",
    "westcentralus",
    "southafricawest",
    "australiacentral",
    "australiacentral2",
    "australiasoutheast",
    "jioindiacentral",
    "jioindiawest",
    "koreasouth",
    "southindia",
    "westindia",
    "canadaeast",
    "francesouth",
    "germanynorth",
    "norwaywest",
    "switzerlandwest",
    "ukwest",
    "uaecentral",
    "brazilsoutheast",
    "eastus2euap",
    "centraluseuap",
];

/// ARM's normalised form of a location: `West US` -> `westus`.
pub fn normalize(location: &str) -> String {
    util::normalize_location(location)
}

/// `location` (any casing and spacing) names a region.
pub fn is_region(location: &str) -> bool {
    let n = normalize(location);
    REGIONS.contains(&n.as_str())
}

fn list() -> String {
    REGIONS.join(",")
}

/// The normalised location of a resource group, or 400 `LocationNotAvailableForResourceGroup`
/// naming it as sent.
pub fn for_resource_group(location: &str) -> Result<String, ArmError> {
    if is_region(location) {
        return Ok(normalize(location));
    }
    Err(ArmError::new(
        StatusCode::BAD_REQUEST,
        "LocationNotAvailableForResourceGroup",
        format!(
            "The provided location '{location}' is not available for resource group. List of available regions is '{}'.",
            list()
        ),
    ))
}

/// The normalised location of a resource of `full_type` (`Microsoft.Compute/virtualMachines`), or
/// 400 `LocationNotAvailableForResourceType` naming it as sent.
pub fn for_resource_type(location: &str, full_type: &str) -> Result<String, ArmError> {
    if is_region(location) {
        return Ok(normalize(location));
    }
    Err(ArmError::new(
        StatusCode::BAD_REQUEST,
        "LocationNotAvailableForResourceType",
        format!(
            "The provided location '{location}' is not available for resource type '{full_type}'. List of available regions for the resource type is '{}'.",
            list()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_matched_normalised() {
        assert_eq!(for_resource_group("West US").unwrap(), "westus");
        assert_eq!(for_resource_group(" west us 2 ").unwrap(), "westus2");
        assert!(is_region("EASTUS"));
        for bad in [
            "nowhere land",
            "<script>",
            "global",
            "",
            "west-us",
            "westus\u{ff12}",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        let e = for_resource_group("nowhere land").unwrap_err();
        assert_eq!(e.code, "LocationNotAvailableForResourceGroup");
        assert!(
            e.message
                .starts_with("The provided location 'nowhere land' is not available for resource group. List of available regions is 'eastus,eastus2,")
        );
        let e = for_resource_type("<script>", "Microsoft.Compute/virtualMachines").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.code, "LocationNotAvailableForResourceType");
        assert!(e.message.starts_with(
            "The provided location '<script>' is not available for resource type 'Microsoft.Compute/virtualMachines'. List of available regions for the resource type is 'eastus,"
        ));
    }

    #[test]
    fn the_list_has_no_duplicates_and_is_normalised() {
        let mut seen = std::collections::HashSet::new();
        for r in REGIONS {
            assert_eq!(normalize(r), r);
            assert!(seen.insert(r), "{r} twice");
        }
    }
}
