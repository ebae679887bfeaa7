//! Which Compute policy a request counts against, from its method and path (the page's "REST
//! APIs" column, [`super::compute`]), and which resource's bucket it uses.
//!
//! - A VM or scale set itself: GET is Low Cost Get; PUT is Put when the resource does not exist yet
//!   and Update when it does; PATCH is Update; DELETE is Delete.
//! - Its extensions: GET (one or the list) is Low Cost Get, PUT/PATCH/DELETE Update, all on the
//!   parent's bucket. A VM's `instanceView` is Low Cost Get VM; a scale set's is High Cost Get VMSS
//!   (with a resource bucket); `manualupgrade` is Update VMSS.
//! - Lists (of a group, of the subscription, of a scale set's VMs): High Cost Get, subscription level
//!   only.
//! - `GET /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/operations/{id}`: Get
//!   Operation, the operation being the resource.
//!
//! Anything else (the `.../identities/default` of Microsoft.ManagedIdentity, unknown types or
//! methods) is not Compute's.

use super::compute::ComputePolicy;

/// The Compute policy of a request and the resource (id, lower-case) whose bucket it uses; `None`
/// for the policies counted at subscription level only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComputeRequest {
    pub policy: ComputePolicy,
    pub resource: Option<String>,
}

fn is(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The lower-case id of the first `n` segments.
fn id_of(segs: &[&str], n: usize) -> String {
    format!("/{}", segs[..n].join("/")).to_ascii_lowercase()
}

/// Classifies `method` on the (decoded) path segments `segs`; `exists` says whether the VM or
/// scale set of the given lower-case id exists (asked only for a PUT of one).
pub fn classify(
    method: &str,
    segs: &[&str],
    exists: impl FnOnce(&str) -> bool,
) -> Option<ComputeRequest> {
    let get = method == "GET" || method == "HEAD";
    let at = |i: usize, v: &str| segs.get(i).is_some_and(|s| is(s, v));
    if !at(0, "subscriptions") || segs.len() < 2 {
        return None;
    }
    // `/subscriptions/{sub}/providers/Microsoft.Compute/...`
    if at(2, "providers") && at(3, "Microsoft.Compute") {
        return match segs.len() {
            5 if get => list(segs[4]),
            8 if get && at(4, "locations") && at(6, "operations") => Some(ComputeRequest {
                policy: ComputePolicy::GetOperation,
                resource: Some(id_of(segs, 8)),
            }),
            _ => None,
        };
    }
    if !(at(2, "resourceGroups") && at(4, "providers") && at(5, "Microsoft.Compute")) {
        return None;
    }
    if segs.len() == 7 {
        return if get { list(segs[6]) } else { None };
    }
    let vm = is(segs.get(6)?, "virtualMachines");
    if !vm && !is(segs[6], "virtualMachineScaleSets") {
        return None;
    }
    let pick = |v: ComputePolicy, s: ComputePolicy| if vm { v } else { s };
    let (low_get, update) = (
        pick(ComputePolicy::LowCostGetVm, ComputePolicy::LowCostGetVmss),
        pick(ComputePolicy::UpdateVm, ComputePolicy::UpdateVmss),
    );
    let resource = id_of(segs, 8);
    let rest: Vec<String> = segs[8..].iter().map(|s| s.to_ascii_lowercase()).collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let policy = match (rest.as_slice(), method) {
        ([], _) if get => low_get,
        ([], "PUT") if exists(&resource) => update,
        ([], "PUT") => pick(ComputePolicy::PutVm, ComputePolicy::PutVmss),
        ([], "PATCH") => update,
        ([], "DELETE") => pick(ComputePolicy::DeleteVm, ComputePolicy::DeleteVmss),
        (["extensions"] | ["extensions", _], _) if get => low_get,
        (["extensions", _], "PUT" | "PATCH" | "DELETE") => update,
        (["instanceview"], _) if get => {
            pick(ComputePolicy::LowCostGetVm, ComputePolicy::HighCostGetVmss)
        }
        (["manualupgrade"], "POST") if !vm => ComputePolicy::UpdateVmss,
        (["virtualmachines"], _) if get && !vm => {
            return Some(ComputeRequest {
                policy: ComputePolicy::HighCostGetVmss,
                resource: None,
            });
        }
        _ => return None,
    };
    Some(ComputeRequest {
        policy,
        resource: Some(resource),
    })
}

/// A list of VMs or scale sets: High Cost Get, subscription level only.
fn list(ty: &str) -> Option<ComputeRequest> {
    let policy = if is(ty, "virtualMachines") {
        ComputePolicy::HighCostGetVm
    } else if is(ty, "virtualMachineScaleSets") {
        ComputePolicy::HighCostGetVmss
    } else {
        return None;
    };
    Some(ComputeRequest {
        policy,
        resource: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComputePolicy as P;

    const VM: &str =
        "subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/VM1";
    const SS: &str =
        "subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/ss";

    fn of(method: &str, path: &str, exists: bool) -> Option<(P, Option<String>)> {
        let segs: Vec<&str> = path.split('/').collect();
        classify(method, &segs, |_| exists).map(|c| (c.policy, c.resource))
    }

    fn policy(method: &str, path: &str) -> Option<P> {
        of(method, path, true).map(|c| c.0)
    }

    #[test]
    fn vms_and_scale_sets_by_method() {
        let id =
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1";
        assert_eq!(of("PUT", VM, false), Some((P::PutVm, Some(id.into()))));
        assert_eq!(of("PUT", VM, true), Some((P::UpdateVm, Some(id.into()))));
        assert_eq!(policy("PATCH", VM), Some(P::UpdateVm));
        assert_eq!(policy("DELETE", VM), Some(P::DeleteVm));
        assert_eq!(policy("GET", VM), Some(P::LowCostGetVm));
        assert_eq!(of("PUT", SS, false).unwrap().0, P::PutVmss);
        assert_eq!(policy("PUT", SS), Some(P::UpdateVmss));
        assert_eq!(policy("PATCH", SS), Some(P::UpdateVmss));
        assert_eq!(policy("DELETE", SS), Some(P::DeleteVmss));
        assert_eq!(policy("GET", SS), Some(P::LowCostGetVmss));
        assert_eq!(policy("POST", VM), None);
    }

    #[test]
    fn sub_resources_count_on_their_parent() {
        let ext = format!("{VM}/extensions/MSI");
        let (p, r) = of("PUT", &ext, false).unwrap();
        assert_eq!(p, P::UpdateVm);
        assert!(r.unwrap().ends_with("/virtualmachines/vm1"));
        assert_eq!(policy("DELETE", &ext), Some(P::UpdateVm));
        assert_eq!(policy("GET", &ext), Some(P::LowCostGetVm));
        assert_eq!(
            policy("GET", &format!("{VM}/extensions")),
            Some(P::LowCostGetVm)
        );
        assert_eq!(
            policy("GET", &format!("{VM}/instanceView")),
            Some(P::LowCostGetVm)
        );
        assert_eq!(
            policy("GET", &format!("{SS}/instanceView")),
            Some(P::HighCostGetVmss)
        );
        assert_eq!(
            policy("PUT", &format!("{SS}/extensions/e")),
            Some(P::UpdateVmss)
        );
        assert_eq!(
            policy("POST", &format!("{SS}/manualupgrade")),
            Some(P::UpdateVmss)
        );
        assert_eq!(
            of("GET", &format!("{SS}/virtualMachines"), true),
            Some((P::HighCostGetVmss, None))
        );
        let identity = format!("{VM}/providers/Microsoft.ManagedIdentity/identities/default");
        assert_eq!(policy("GET", &identity), None);
    }

    #[test]
    fn lists_and_operations() {
        let rg = "subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute";
        assert_eq!(
            of("GET", &format!("{rg}/virtualMachines"), true),
            Some((P::HighCostGetVm, None))
        );
        let all = "subscriptions/s/providers/Microsoft.Compute/virtualMachineScaleSets";
        assert_eq!(of("GET", all, true), Some((P::HighCostGetVmss, None)));
        let op = "subscriptions/s/providers/Microsoft.Compute/locations/westus/operations/ABC";
        assert_eq!(
            of("GET", op, true),
            Some((
                P::GetOperation,
                Some(
                    "/subscriptions/s/providers/microsoft.compute/locations/westus/operations/abc"
                        .into()
                )
            ))
        );
        assert_eq!(policy("DELETE", op), None);
        assert_eq!(policy("GET", "subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(
            policy(
                "GET",
                "subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d"
            ),
            None
        );
        assert_eq!(
            policy("GET", "providers/Microsoft.Compute/operations"),
            None
        );
        assert_eq!(policy("GET", "subscriptions"), None);
    }
}
