//! The marketplace image lookups of Microsoft.Compute (what `az vm create --image Ubuntu2204` asks
//! first): `.../locations/{loc}/publishers[/{p}/artifacttypes/vmimage/offers[/{o}/skus[/{s}/versions[/{v}]]]]`.
//! Lists are bare JSON arrays of `{location, name, id}`, as the service answers them; ids use the
//! service's capitalised segments (`/Subscriptions/../Providers/Microsoft.Compute/Locations/..`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::arm::ctx::Ctx;
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::catalog::images::{self, ImageSku};
use crate::catalog::regions;

fn image_not_found() -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "Artifact: VMImage was not found.",
    )
}

fn entry(location: &str, name: &str, id: String) -> Value {
    json!({"location": location, "name": name, "id": id})
}

/// `GET /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/{rest..}` for images;
/// `rest` starts at `publishers`.
pub fn handle(ctx: &Ctx<'_>, location: &str, rest: &[String]) -> Result<ArmResponse, ArmError> {
    if ctx.method != Method::GET {
        return Err(ArmError::method_not_allowed(ctx.method.as_str()));
    }
    if !regions::is_region(location) {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "NoRegisteredProviderFound",
            format!(
                "No registered resource provider found for location '{location}' and API version '{}' for type 'locations/publishers'.",
                ctx.api_version
            ),
        ));
    }
    let loc = regions::normalize(location);
    let sub = &ctx.shared.seed.subscription_id;
    let base =
        format!("/Subscriptions/{sub}/Providers/Microsoft.Compute/Locations/{loc}/Publishers");
    let l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let list = |v: Vec<Value>| Ok(ArmResponse::ok(Value::Array(v)));
    match l.as_slice() {
        ["publishers"] => list(
            images::publishers()
                .into_iter()
                .map(|p| entry(&loc, p, format!("{base}/{p}")))
                .collect(),
        ),
        ["publishers", _, "artifacttypes", "vmimage", "offers"] => {
            let offers = images::offers(&rest[1]).ok_or_else(image_not_found)?;
            let publisher = images::IMAGES
                .iter()
                .find(|i| i.publisher.eq_ignore_ascii_case(&rest[1]))
                .map_or(rest[1].as_str(), |i| i.publisher);
            list(
                offers
                    .into_iter()
                    .map(|o| {
                        entry(
                            &loc,
                            o,
                            format!("{base}/{publisher}/ArtifactTypes/VMImage/Offers/{o}"),
                        )
                    })
                    .collect(),
            )
        }
        [
            "publishers",
            _,
            "artifacttypes",
            "vmimage",
            "offers",
            _,
            "skus",
        ] => {
            let skus = images::skus(&rest[1], &rest[5]).ok_or_else(image_not_found)?;
            list(
                skus.into_iter()
                    .map(|s| {
                        entry(
                            &loc,
                            s.sku,
                            format!(
                                "{base}/{}/ArtifactTypes/VMImage/Offers/{}/Skus/{}",
                                s.publisher, s.offer, s.sku
                            ),
                        )
                    })
                    .collect(),
            )
        }
        [
            "publishers",
            _,
            "artifacttypes",
            "vmimage",
            "offers",
            _,
            "skus",
            _,
            "versions",
        ] => {
            let sku = images::sku(&rest[1], &rest[5], &rest[7]).ok_or_else(image_not_found)?;
            let mut versions: Vec<&str> = sku.versions.to_vec();
            let orderby = ctx.query("$orderby").unwrap_or("").to_ascii_lowercase();
            if orderby.split_whitespace().eq(["name", "desc"]) {
                versions.sort_by(|a, b| images::version_order(b, a));
            } else {
                versions.sort_by(|a, b| images::version_order(a, b));
            }
            if let Some(top) = ctx.query("$top") {
                let n: usize = top.trim().parse().map_err(|_| {
                    ArmError::invalid_parameter(
                        format!("The value '{top}' of parameter '$top' is not valid."),
                        "$top",
                    )
                })?;
                versions.truncate(n);
            }
            list(
                versions
                    .into_iter()
                    .map(|v| entry(&loc, v, version_id(&base, sku, v)))
                    .collect(),
            )
        }
        [
            "publishers",
            _,
            "artifacttypes",
            "vmimage",
            "offers",
            _,
            "skus",
            _,
            "versions",
            v,
        ] => {
            let sku = images::sku(&rest[1], &rest[5], &rest[7]).ok_or_else(image_not_found)?;
            let version = if *v == "latest" {
                sku.versions
                    .iter()
                    .max_by(|a, b| images::version_order(a, b))
            } else {
                sku.versions.iter().find(|x| x.eq_ignore_ascii_case(v))
            }
            .ok_or_else(image_not_found)?;
            Ok(ArmResponse::ok(image(&loc, &base, sku, version)))
        }
        _ => Err(ArmError::invalid_resource_type(
            &format!("locations/{}", rest.join("/")),
            "Microsoft.Compute",
            &ctx.api_version,
        )),
    }
}

fn version_id(base: &str, sku: &ImageSku, version: &str) -> String {
    format!(
        "{base}/{}/ArtifactTypes/VMImage/Offers/{}/Skus/{}/Versions/{version}",
        sku.publisher, sku.offer, sku.sku
    )
}

/// One image version (`VirtualMachineImage`).
fn image(loc: &str, base: &str, sku: &ImageSku, version: &str) -> Value {
    let security = if sku.hyper_v == "V2" {
        "TrustedLaunchSupported"
    } else {
        "Standard"
    };
    let size: u64 = if sku.os == "Windows" {
        136_367_309_312
    } else {
        32_213_303_808
    };
    json!({
        "properties": {
            "hyperVGeneration": sku.hyper_v,
            "architecture": sku.architecture,
            "replicaType": "Unmanaged",
            "disallowed": {"vmDiskType": "Unmanaged"},
            "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": false},
            "imageDeprecationStatus": {"imageState": "Active"},
            "features": [
                {"name": "SecurityType", "value": security},
                {"name": "IsAcceleratedNetworkSupported", "value": "True"},
                {"name": "DiskControllerTypes", "value": "SCSI, NVMe"},
                {"name": "IsHibernateSupported", "value": "True"}
            ],
            "osDiskImage": {"operatingSystem": sku.os, "sizeInBytes": size},
            "dataDiskImages": []
        },
        "location": loc,
        "name": version,
        "id": version_id(base, sku, version),
    })
}
