//! The library API of the token endpoints (`Emulator::imds_base_url`, `Emulator::app_service_env`,
//! `/_emulator/identity-endpoints`): a machine's base URL and its App Service style secret.

use super::paths::{arm_error, in_capacity};
use super::tokens::secret_key;
use crate::error::Error;
use crate::state::machines::{self, ComputeKind, Machine};
use crate::state::shared::Shared;

/// `(kind, key)` of a VM or scale-set ARM id.
fn parse_compute_id(shared: &Shared, id: &str) -> Result<(ComputeKind, String), Error> {
    let segs: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    let ok = |i: usize, v: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(v));
    let kind = segs.get(6).and_then(|t| ComputeKind::from_type(t));
    match kind {
        Some(kind)
            if segs.len() == 8
                && ok(0, "subscriptions")
                && ok(2, "resourceGroups")
                && ok(4, "providers")
                && ok(5, "Microsoft.Compute")
                && segs.iter().all(|s| !s.is_empty()) =>
        {
            if !segs[1].eq_ignore_ascii_case(&shared.seed.subscription_id) {
                return Err(Error::not_found(format!(
                    "'{id}' is not in the emulator's subscription"
                )));
            }
            Ok((kind, machines::key(segs[1], segs[3], kind, segs[7])))
        }
        _ => Err(Error::invalid_input(format!(
            "'{id}' is not a virtual machine or scale set id (/subscriptions/../resourceGroups/../providers/Microsoft.Compute/virtualMachines|virtualMachineScaleSets/..)"
        ))),
    }
}

fn load_machine(shared: &Shared, id: &str) -> Result<Machine, Error> {
    let (_, key) = parse_compute_id(shared, id)?;
    shared
        .store
        .tx(|tx| machines::find_by_key(tx, &key).map_err(arm_error))?
        .ok_or_else(|| Error::not_found(format!("the emulator has no resource '{id}'")))
}

/// The base URL of a machine's (or scale-set instance's) token endpoints.
pub fn base_url_for(shared: &Shared, id: &str, instance: Option<u32>) -> Result<String, Error> {
    let m = load_machine(shared, id)?;
    match (m.kind, instance) {
        (ComputeKind::Vm, None) => Ok(format!("{}/vm/{}", shared.imds_endpoint, m.doc.unique_id)),
        (ComputeKind::Vm, Some(_)) => Err(Error::invalid_input(format!(
            "'{id}' is a virtual machine; instances belong to scale sets"
        ))),
        (ComputeKind::Vmss, i) => {
            let i = i.unwrap_or(0);
            if !in_capacity(&m, i) {
                return Err(Error::invalid_input(format!(
                    "scale set '{id}' has no instance {i} (capacity {})",
                    m.capacity().unwrap_or(1)
                )));
            }
            Ok(format!(
                "{}/vmss/{}/{i}",
                shared.imds_endpoint, m.doc.unique_id
            ))
        }
    }
}

/// `(IDENTITY_ENDPOINT, IDENTITY_HEADER)` of a machine or scale set; the secret is made on first use
/// and kept.
pub fn app_service_env_for(shared: &Shared, id: &str) -> Result<(String, String), Error> {
    let m = load_machine(shared, id)?;
    let key = secret_key(&m.doc.unique_id);
    let secret = shared.store.tx(|tx| -> Result<String, Error> {
        if let Some(s) = tx.meta_get(&key)? {
            return Ok(s);
        }
        let s = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase();
        tx.meta_set(&key, &s)?;
        Ok(s)
    })?;
    let endpoint = match m.kind {
        ComputeKind::Vm => format!("{}/vm/{}/msi/token", shared.imds_endpoint, m.doc.unique_id),
        ComputeKind::Vmss => {
            format!(
                "{}/vmss/{}/msi/token",
                shared.imds_endpoint, m.doc.unique_id
            )
        }
    };
    Ok((endpoint, secret))
}
