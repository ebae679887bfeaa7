//! The machine a token request names: `/vm/{vmId}/...`, `/vmss/{uniqueId}/{instance}/...` or (App
//! Service style) `/vmss/{uniqueId}/msi/token`.

use crate::catalog::errors::ArmError;
use crate::error::Error;
use crate::state::machines::{self, ComputeKind, Machine};
use crate::store::Tx;

/// The machine a request names.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Host {
    Vm(String),
    VmssInstance(String, u32),
    /// A scale set as a whole (App Service style endpoint).
    Vmss(String),
}

impl Host {
    /// The key IMDS limits are counted under (one per VM or instance).
    pub(super) fn limit_key(&self) -> String {
        match self {
            Host::Vm(id) => format!("vm/{}", id.to_ascii_lowercase()),
            Host::VmssInstance(id, i) => format!("vmss/{}/{i}", id.to_ascii_lowercase()),
            Host::Vmss(id) => format!("vmss/{}", id.to_ascii_lowercase()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Endpoint {
    ImdsToken,
    ImdsInfo,
    Extension,
    AppService,
}

pub(super) fn parse_path(path: &str) -> Option<(Host, Endpoint)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let (host, rest) = match l.as_slice() {
        ["vm", _, rest @ ..] => (Host::Vm(segs[1].to_string()), rest),
        ["vmss", _, "msi", "token"] => {
            return Some((Host::Vmss(segs[1].to_string()), Endpoint::AppService));
        }
        ["vmss", _, i, rest @ ..] => (
            Host::VmssInstance(segs[1].to_string(), i.parse().ok()?),
            rest,
        ),
        _ => return None,
    };
    let endpoint = match (rest, &host) {
        (["metadata", "identity", "oauth2", "token"], _) => Endpoint::ImdsToken,
        (["metadata", "identity", "info"], _) => Endpoint::ImdsInfo,
        (["oauth2", "token"], _) => Endpoint::Extension,
        (["msi", "token"], Host::Vm(_)) => Endpoint::AppService,
        _ => return None,
    };
    Some((host, endpoint))
}

/// The machine behind `host`; a scale-set instance must be below the capacity.
pub(super) fn machine_of(tx: &Tx<'_>, host: &Host) -> Result<Option<Machine>, Error> {
    let m = match host {
        Host::Vm(id) => machines::find_by_unique_id(tx, ComputeKind::Vm, id),
        Host::Vmss(id) | Host::VmssInstance(id, _) => {
            machines::find_by_unique_id(tx, ComputeKind::Vmss, id)
        }
    }
    .map_err(arm_error)?;
    Ok(match (m, host) {
        (Some(m), Host::VmssInstance(_, i)) => in_capacity(&m, *i).then_some(m),
        (m, _) => m,
    })
}

pub(super) fn in_capacity(m: &Machine, instance: u32) -> bool {
    u64::from(instance) < m.capacity().unwrap_or(1)
}

pub(super) fn arm_error(e: ArmError) -> Error {
    Error::other(format!("{}: {}", e.code, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("/vm/ABC/metadata/identity/oauth2/token"),
            Some((Host::Vm("ABC".into()), Endpoint::ImdsToken))
        );
        assert_eq!(
            parse_path("/vmss/u/3/metadata/identity/info"),
            Some((Host::VmssInstance("u".into(), 3), Endpoint::ImdsInfo))
        );
        assert_eq!(
            parse_path("/vmss/u/msi/token"),
            Some((Host::Vmss("u".into()), Endpoint::AppService))
        );
        assert_eq!(
            parse_path("/vm/x/oauth2/token"),
            Some((Host::Vm("x".into()), Endpoint::Extension))
        );
        assert_eq!(parse_path("/vmss/u/x/oauth2/token"), None);
        assert_eq!(parse_path("/metadata/identity/oauth2/token"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_path_is_a_machine_or_not_without_panicking(path in "(/[\\PC&&[^/]]{0,10}){0,8}/?") {
            let _ = parse_path(&path);
        }

        #[test]
        fn machine_paths_parse_in_any_casing(id in "[A-Za-z0-9-]{1,36}", i in 0u32..1000, vm in proptest::bool::ANY, upper in proptest::bool::ANY) {
            let tail = if upper { "/METADATA/Identity/OAuth2/Token" } else { "/metadata/identity/oauth2/token" };
            let (path, host) = if vm {
                (format!("/vm/{}{}", id, tail), Host::Vm(id.clone()))
            } else {
                (format!("/VMSS/{}/{}{}", id, i, tail), Host::VmssInstance(id.clone(), i))
            };
            proptest::prop_assert_eq!(parse_path(&path), Some((host, Endpoint::ImdsToken)));
        }
    }
}
