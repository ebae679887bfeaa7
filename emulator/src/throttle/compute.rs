//! Compute's throttling policies: the one table of their numbers and names.
//!
//! Source: Microsoft's "Compute throttling limits" (learn.microsoft.com/azure/virtual-machines/
//! compute-throttling-limits; MicrosoftDocs/azure-docs `articles/virtual-machines/
//! compute-throttling-limits.md`, ms.date 2024-05-27). Compute counts each request against a token
//! bucket of its policy category per resource and another per subscription (per region; the emulator
//! has one region), and the request must find a token in both. Each bucket starts full, holds its
//! "maximum capacity" and regains its "refill rate" a minute; every capacity is 3 times the refill,
//! so a bucket holds 3 minutes of refill — hence the `3Min` of the names.
//!
//! Names in `x-ms-ratelimit-remaining-resource` (`Microsoft.Compute/<name>;<left>`). The page gives
//! no names; the subscription-level ones are those real answers carry where the conformance
//! recordings (2017–2023) show one:
//! - `PutVM3Min` (PUT creating a VM), `UpdateVM3Min` (extension PUT), `LowCostGet3Min` (GET of a VM
//!   and of its extensions), `GetOperation3Min` (operation polls), `CreateVMScaleSet3Min` (PUT of a
//!   scale set), `VMScaleSetActions3Min` (PATCH of a scale set, `manualupgrade`),
//!   `GetVMScaleSet3Min` (GET of a scale set), `HighCostGetVMScaleSet3Min` (list of a scale set's
//!   VMs).
//! - Recordings show VM PATCH under `PutVM3Min`: they predate the 2024 table, which puts every update
//!   of an existing VM in "Update VM"; the category follows the table, so PATCH answers
//!   `UpdateVM3Min`.
//! - No recording has a delete or a list of VMs: `DeleteVM3Min`, `DeleteVMScaleSet3Min` follow the
//!   same pattern and are ours; `HighCostGet3Min` is the 3-minute sibling of the `HighCostGet30Min`
//!   that Microsoft's troubleshooting page shows for VM lists.
//!
//! Resource-level names are ours (Azure's are not published): the subscription name with `Resource`
//! before `3Min`, e.g. `UpdateVMResource3Min`. They name the bucket in a 429's body only: answers report the
//! subscription-level counts alone, as every recorded answer does.

use super::BucketLimit;

/// One bucket's published numbers: refill per minute and maximum capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerMinute {
    pub refill: u32,
    pub capacity: u32,
}

const fn pm(refill: u32, capacity: u32) -> PerMinute {
    PerMinute { refill, capacity }
}

impl PerMinute {
    /// The bucket, with capacity and refill scaled by `factor` (at least one request of capacity).
    pub fn scaled(self, factor: f64) -> BucketLimit {
        let capacity = (f64::from(self.capacity) * factor).round().max(1.0);
        BucketLimit {
            capacity: if capacity >= f64::from(u32::MAX) {
                u32::MAX
            } else {
                capacity as u32
            },
            refill_per_sec: f64::from(self.refill) * factor / 60.0,
        }
    }
}

/// Compute's policy categories (the page's "Policy category" column) that the emulator's routes use;
/// "VM Guest Patch Operations" and the scale set VMs' categories have no route here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComputePolicy {
    /// Put VM.
    PutVm,
    /// Update VM.
    UpdateVm,
    /// Delete VM.
    DeleteVm,
    /// Low Cost Get VM.
    LowCostGetVm,
    /// High Cost Get VM.
    HighCostGetVm,
    /// Get Operation.
    GetOperation,
    /// Put VMSS.
    PutVmss,
    /// Update VMSS.
    UpdateVmss,
    /// Delete VMSS.
    DeleteVmss,
    /// Low Cost Get VMSS.
    LowCostGetVmss,
    /// High Cost Get VMSS.
    HighCostGetVmss,
}

/// A row of the table.
#[derive(Clone, Copy, Debug)]
pub struct PolicyRow {
    pub policy: ComputePolicy,
    /// Name of the subscription-level bucket.
    pub subscription_name: &'static str,
    /// Name of the resource-level bucket.
    pub resource_name: &'static str,
    /// `None`: "NA" in the page (subscription level only).
    pub resource: Option<PerMinute>,
    pub subscription: PerMinute,
}

const fn row(
    policy: ComputePolicy,
    subscription_name: &'static str,
    resource_name: &'static str,
    resource: Option<PerMinute>,
    subscription: PerMinute,
) -> PolicyRow {
    PolicyRow {
        policy,
        subscription_name,
        resource_name,
        resource,
        subscription,
    }
}

use ComputePolicy as P;

/// The numbers, as published (see the module doc); one line a row, so it reads as the page's table.
#[rustfmt::skip]
pub const TABLE: [PolicyRow; 11] = [
    row(P::PutVm, "PutVM3Min", "PutVMResource3Min", Some(pm(4, 12)), pm(500, 1500)),
    row(P::UpdateVm, "UpdateVM3Min", "UpdateVMResource3Min", Some(pm(4, 12)), pm(500, 1500)),
    row(P::DeleteVm, "DeleteVM3Min", "DeleteVMResource3Min", Some(pm(4, 12)), pm(500, 1500)),
    row(P::LowCostGetVm, "LowCostGet3Min", "LowCostGetResource3Min", Some(pm(12, 36)), pm(8000, 24000)),
    row(P::HighCostGetVm, "HighCostGet3Min", "HighCostGetResource3Min", None, pm(300, 900)),
    row(P::GetOperation, "GetOperation3Min", "GetOperationResource3Min", Some(pm(15, 45)), pm(5000, 15000)),
    row(P::PutVmss, "CreateVMScaleSet3Min", "CreateVMScaleSetResource3Min", Some(pm(4, 12)), pm(125, 375)),
    row(P::UpdateVmss, "VMScaleSetActions3Min", "VMScaleSetActionsResource3Min", Some(pm(4, 12)), pm(500, 1500)),
    row(P::DeleteVmss, "DeleteVMScaleSet3Min", "DeleteVMScaleSetResource3Min", Some(pm(4, 12)), pm(175, 525)),
    row(P::LowCostGetVmss, "GetVMScaleSet3Min", "GetVMScaleSetResource3Min", Some(pm(12, 36)), pm(800, 2400)),
    row(P::HighCostGetVmss, "HighCostGetVMScaleSet3Min", "HighCostGetVMScaleSetResource3Min", Some(pm(10, 30)), pm(360, 1080)),
];

impl ComputePolicy {
    /// The policy's row of [`TABLE`].
    pub fn row(self) -> &'static PolicyRow {
        TABLE.iter().find(|r| r.policy == self).unwrap_or(&TABLE[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_has_one_row_and_capacities_hold_three_minutes() {
        for r in &TABLE {
            assert_eq!(r.policy.row().subscription_name, r.subscription_name);
            assert_eq!(TABLE.iter().filter(|o| o.policy == r.policy).count(), 1);
            for b in r.resource.iter().chain([&r.subscription]) {
                assert_eq!(b.capacity, 3 * b.refill, "{:?}", r.policy);
            }
            assert!(r.subscription_name.ends_with("3Min"));
            assert_eq!(
                r.resource_name,
                r.subscription_name.replace("3Min", "Resource3Min")
            );
        }
        assert_eq!(P::HighCostGetVm.row().resource, None);
        assert_eq!(P::UpdateVm.row().subscription, pm(500, 1500));
        assert_eq!(P::PutVmss.row().subscription, pm(125, 375));
    }

    #[test]
    fn scaling_keeps_at_least_one_request() {
        let b = pm(4, 12).scaled(1.0);
        assert_eq!(b.capacity, 12);
        assert!((b.refill_per_sec - 4.0 / 60.0).abs() < 1e-12);
        let b = pm(500, 1500).scaled(0.004);
        assert_eq!(b.capacity, 6);
        assert!((b.refill_per_sec - 2.0 / 60.0).abs() < 1e-12);
        assert_eq!(pm(4, 12).scaled(0.001).capacity, 1);
        assert_eq!(pm(4, 12).scaled(1e12).capacity, u32::MAX);
    }
}
