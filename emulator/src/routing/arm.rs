//! The ARM router: authenticates a request, checks its `api-version` and subscription, authorizes
//! it, and hands it to the resource provider that owns the route; unknown routes get ARM's errors.

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::arm_auth::authenticate;
use super::arm_target::{Target, parse_target};
use super::arm_throttle;
use crate::arm::ctx::Ctx;
use crate::arm::dispatch::Dispatcher;
use crate::arm::response::{ArmResponse, add_common_headers};
use crate::catalog::api_version::{self, Provider, provider_of};
use crate::catalog::errors::ArmError;
use crate::providers::{compute, deployments, msi, network, operations, resources, roles};
use crate::state::assignments::scope_key;
use crate::state::groups;
use crate::state::machines::ComputeKind;
use crate::state::network::NetKind;
use crate::state::shared::Shared;
use crate::state::throttling::Decision;
use crate::store::Principal;
use crate::{http, util};

/// Which emulated service owns a namespace/type pair.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Service {
    Compute(ComputeKind),
    Msi,
    Deployments,
    Network(NetKind),
}

fn service_of(
    ns: &str,
    ty: &str,
    api: &str,
    location: &dyn Fn() -> String,
) -> Result<Service, ArmError> {
    let provider = provider_of(ns).ok_or_else(|| {
        ArmError::no_registered_provider(
            StatusCode::NOT_FOUND,
            &location(),
            api,
            ty,
            "",
            api_version::LOCATIONS,
        )
    })?;
    let service = match provider {
        Provider::Compute => ComputeKind::from_type(ty).map(Service::Compute),
        Provider::ManagedIdentity => ty
            .eq_ignore_ascii_case("userAssignedIdentities")
            .then_some(Service::Msi),
        Provider::Resources => ty
            .eq_ignore_ascii_case("deployments")
            .then_some(Service::Deployments),
        Provider::Network => NetKind::from_type(ty).map(Service::Network),
        Provider::Authorization => None,
    };
    let service = service.ok_or_else(|| ArmError::invalid_resource_type(ty, ns, api))?;
    let provider = match service {
        Service::Compute(_) => Provider::Compute,
        Service::Msi => Provider::ManagedIdentity,
        Service::Deployments => Provider::Resources,
        Service::Network(_) => Provider::Network,
    };
    // The location only matters for the error message: look it up only then.
    if api_version::check(provider, api, ty, "").is_err() {
        api_version::check(provider, api, ty, &location())?;
    }
    Ok(service)
}

/// The location an api-version error names: the body's, else the resource group's.
fn error_location(shared: &Shared, body: &[u8], sub: &str, rg: Option<&str>) -> String {
    if let Some(loc) = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        v.get("location")
            .and_then(Value::as_str)
            .map(util::normalize_location)
    }) {
        return loc;
    }
    rg.and_then(|rg| {
        shared
            .store
            .tx(|t| groups::load_rg(t, sub, rg))
            .ok()
            .flatten()
            .map(|d| d.location)
    })
    .unwrap_or_else(|| "global".to_string())
}

fn check_subscription(shared: &Shared, sub: &str) -> Result<(), ArmError> {
    if sub.eq_ignore_ascii_case(&shared.seed.subscription_id) {
        Ok(())
    } else {
        Err(ArmError::subscription_not_found(sub))
    }
}

/// Handles one ARM request.
pub fn handle(shared: &Shared, parts: &Parts, body: Bytes) -> Response {
    let head = parts.method == Method::HEAD;
    let (throttle, result) = route(shared, parts, body);
    let mut response = match result {
        Ok(r) => {
            let status = if head && r.status == StatusCode::OK {
                StatusCode::NO_CONTENT
            } else {
                r.status
            };
            let mut resp = match (&r.body, head) {
                (Some(b), false) => http::json(status, b),
                _ => http::empty(status),
            };
            for (k, v) in &r.headers {
                http::set(resp.headers_mut(), k, v);
            }
            resp
        }
        Err(e) => {
            let mut resp = if head {
                http::empty(e.status)
            } else {
                http::json(e.status, &e.body())
            };
            for (k, v) in &e.headers {
                http::set(resp.headers_mut(), k, v);
            }
            if e.status == StatusCode::METHOD_NOT_ALLOWED && !resp.headers().contains_key("allow") {
                http::set(resp.headers_mut(), "allow", "GET, PUT, PATCH, DELETE, HEAD");
            }
            resp
        }
    };
    add_common_headers(response.headers_mut(), &parts.headers);
    if let Some(d) = &throttle {
        arm_throttle::add_headers(response.headers_mut(), d);
    }
    response
}

/// Authenticates, throttles (a throttled request goes no further) and routes a request.
fn route(
    shared: &Shared,
    parts: &Parts,
    body: Bytes,
) -> (Option<Decision>, Result<ArmResponse, ArmError>) {
    let caller = match authenticate(shared, &parts.headers) {
        Ok(c) => c,
        Err(e) => return (None, Err(e)),
    };
    // Decoded once: the throttle classifies the request by them, then the router routes it.
    let segs = util::path_segments(parts.uri.path());
    let (decision, admitted) =
        arm_throttle::admit(shared, parts.method.as_str(), &segs, &caller.object_id);
    if let Err(e) = admitted {
        return (decision, Err(e));
    }
    let result = route_as(
        shared,
        caller,
        &parts.method,
        (parts.uri.path(), segs),
        parts.uri.query(),
        &parts.headers,
        body,
    );
    (decision, result)
}

/// ARM's requests made by a handler (a deployment's resources), routed as the caller's own.
struct Internal<'a> {
    shared: &'a Shared,
}

impl Dispatcher for Internal<'_> {
    fn call(
        &self,
        caller: &Principal,
        method: Method,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
    ) -> Result<ArmResponse, ArmError> {
        let raw_path: Vec<String> = path.split('/').map(util::encode_component).collect();
        let query = format!("api-version={}", util::encode_component(api_version));
        let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let raw_path = raw_path.join("/");
        let segs = util::path_segments(&raw_path);
        route_as(
            self.shared,
            caller.clone(),
            &method,
            (&raw_path, segs),
            Some(&query),
            &HeaderMap::new(),
            body,
        )
    }
}

/// Routes an authenticated request: its raw path and that path's decoded segments.
fn route_as(
    shared: &Shared,
    caller: Principal,
    method: &Method,
    (raw_path, segs): (&str, Vec<String>),
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<ArmResponse, ArmError> {
    let query = http::query_pairs(raw_query);
    let api = http::query_get(&query, "api-version")
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_string())
        .ok_or_else(ArmError::missing_api_version)?;
    let target = parse_target(&segs);
    let method = if method == Method::HEAD {
        Method::GET
    } else {
        method.clone()
    };
    let scope = if segs.is_empty() {
        "/".to_string()
    } else {
        format!("/{}", segs.join("/"))
    };
    let ctx = Ctx {
        shared,
        method,
        raw_path,
        raw_query,
        query,
        headers,
        body,
        api_version: api,
        caller,
        scope,
    };
    let api = ctx.api_version.as_str();
    let resources_version = |ty: &str| api_version::check(Provider::Resources, api, ty, "global");
    let verb = verb_of(&ctx.method);

    match target {
        Target::Subscriptions => {
            resources_version("subscriptions")?;
            resources::list_subscriptions(&ctx)
        }
        Target::Tenants => {
            resources_version("tenants")?;
            resources::list_tenants(&ctx)
        }
        Target::ProviderOperations { ns } => {
            let provider = provider_of(&ns)
                .ok_or_else(|| ArmError::invalid_resource_type("operations", &ns, api))?;
            api_version::check(provider, api, "operations", "global")?;
            resources::provider_operations(&ctx, provider)
        }
        Target::Subscription { sub } => {
            resources_version("subscriptions")?;
            check_subscription(shared, &sub)?;
            ctx.authorize_visible(&sub, "Microsoft.Resources/subscriptions/read")?;
            resources::get_subscription(&ctx)
        }
        Target::Providers { sub } => {
            resources_version("providers")?;
            check_subscription(shared, &sub)?;
            ctx.authorize_visible(&sub, "Microsoft.Resources/subscriptions/providers/read")?;
            resources::list_providers(&ctx)
        }
        Target::Provider { sub, ns, register } => {
            resources_version("providers")?;
            check_subscription(shared, &sub)?;
            if register {
                ctx.authorize_at(
                    &format!("{ns}/register/action"),
                    &format!("/subscriptions/{sub}"),
                    &format!("/subscriptions/{sub}"),
                )?;
            } else {
                ctx.authorize_visible(&sub, "Microsoft.Resources/subscriptions/providers/read")?;
            }
            resources::provider(&ctx, &ns, register)
        }
        Target::ResourceGroups { sub } => {
            resources_version("resourceGroups")?;
            check_subscription(shared, &sub)?;
            resources::list_groups(&ctx)
        }
        Target::ResourceGroup { sub, rg } => {
            resources_version("resourceGroups")?;
            check_subscription(shared, &sub)?;
            ctx.authorize(&format!(
                "Microsoft.Resources/subscriptions/resourceGroups/{verb}"
            ))?;
            resources::group(&ctx, &rg)
        }
        Target::OperationResult { sub, id } => {
            resources_version("operationresults")?;
            check_subscription(shared, &sub)?;
            ctx.authorize_operation(
                &id,
                "Microsoft.Resources/subscriptions/operationresults/read",
            )?;
            operations::operation_result(&ctx, &id)
        }
        Target::ComputeOperation { sub, id } => {
            api_version::check(Provider::Compute, api, "locations/operations", "global")?;
            check_subscription(shared, &sub)?;
            if ctx.method != Method::GET {
                return Err(ArmError::method_not_allowed(ctx.method.as_str()));
            }
            ctx.authorize_operation(&id, "Microsoft.Compute/locations/operations/read")?;
            operations::compute_status(&ctx, &id)
        }
        Target::List { sub, rg, ns, ty } => {
            let location = || error_location(shared, &ctx.body, &sub, rg.as_deref());
            let service = service_of(&ns, &ty, api, &location)?;
            check_subscription(shared, &sub)?;
            if ctx.method != Method::GET {
                return Err(ArmError::method_not_allowed(ctx.method.as_str()));
            }
            // Read at the list's scope lists everything; grants below it list what they cover.
            let action = format!("{}/read", service.full_type());
            let filter = match ctx.authorize(&action) {
                Ok(()) => None,
                Err(e) => {
                    let container = match &rg {
                        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
                        None => format!("/subscriptions/{sub}"),
                    };
                    let below = ctx.access()?.below(&scope_key(&container));
                    if !below {
                        return Err(e);
                    }
                    Some(action.as_str())
                }
            };
            match service {
                Service::Compute(kind) => compute::list(&ctx, kind, rg.as_deref(), filter),
                Service::Msi => msi::list(&ctx, rg.as_deref(), filter),
                Service::Deployments => match rg.as_deref() {
                    Some(rg) => deployments::list(&ctx, rg),
                    None => Err(ArmError::invalid_resource_type(&ty, &ns, api)),
                },
                Service::Network(kind) => network::list(&ctx, kind, rg.as_deref(), filter),
            }
        }
        Target::Resource {
            sub,
            rg,
            ns,
            ty,
            name,
            rest,
        } => {
            let location = || error_location(shared, &ctx.body, &sub, Some(&rg));
            let service = service_of(&ns, &ty, api, &location)?;
            check_subscription(shared, &sub)?;
            if let Some(action) = resource_action(service, &rest, verb) {
                ctx.authorize(&action)?;
            }
            match service {
                Service::Compute(kind) => compute::handle(&ctx, kind, &rg, &name, &rest),
                Service::Msi => msi::handle(&ctx, &rg, &name, &rest),
                Service::Deployments => {
                    deployments::handle(&ctx, &rg, &name, &rest, &Internal { shared })
                }
                Service::Network(kind) => network::handle(&ctx, kind, &rg, &name, &rest),
            }
        }
        Target::RoleAssignments { scope, name } => {
            api_version::check(Provider::Authorization, api, "roleAssignments", "global")?;
            if let Some(sub) = roles_subscription(&scope) {
                check_subscription(shared, sub)?;
            }
            ctx.authorize(&format!("Microsoft.Authorization/roleAssignments/{verb}"))?;
            roles::assignments(&ctx, &scope, name.as_deref())
        }
        Target::RoleDefinitions { scope, id } => {
            api_version::check(Provider::Authorization, api, "roleDefinitions", "global")?;
            if let Some(sub) = roles_subscription(&scope) {
                check_subscription(shared, sub)?;
            }
            // Built-in definitions are readable by anyone at the root.
            if !scope.is_empty() {
                ctx.authorize(&format!("Microsoft.Authorization/roleDefinitions/{verb}"))?;
            }
            roles::definitions(&ctx, &scope, id.as_deref())
        }
        Target::SubscriptionProviderPath { sub, ns, ty, rest } => {
            let provider = provider_of(&ns).ok_or_else(|| {
                ArmError::no_registered_provider(
                    StatusCode::NOT_FOUND,
                    "global",
                    api,
                    &ty,
                    "",
                    api_version::LOCATIONS,
                )
            })?;
            api_version::check(provider, api, &ty, "global")?;
            check_subscription(shared, &sub)?;
            match (provider, rest.first().map(|r| r.to_ascii_lowercase())) {
                (Provider::Compute, Some(r))
                    if ty.eq_ignore_ascii_case("locations") && r != "operations" =>
                {
                    ctx.authorize_visible(
                        &sub,
                        "Microsoft.Compute/locations/publishers/artifacttypes/offers/skus/versions/read",
                    )?;
                    compute::images::handle(&ctx, &rest[0], &rest[1..])
                }
                _ => Err(ArmError::invalid_resource_type(
                    &ty,
                    provider.namespace(),
                    api,
                )),
            }
        }
        Target::Unknown { sub, ty } => {
            if let Some(sub) = &sub {
                check_subscription(shared, sub)?;
            }
            Err(ArmError::invalid_resource_type(
                &ty,
                "Microsoft.Resources",
                api,
            ))
        }
    }
}

fn roles_subscription(scope: &[String]) -> Option<&str> {
    match scope {
        [s, sub, ..] if s.eq_ignore_ascii_case("subscriptions") => Some(sub.as_str()),
        _ => None,
    }
}

/// `read`, `write`, `delete` or `action` (POST) for a method.
fn verb_of(method: &Method) -> &'static str {
    match *method {
        Method::GET | Method::HEAD => "read",
        Method::PUT | Method::PATCH => "write",
        Method::DELETE => "delete",
        _ => "action",
    }
}

impl Service {
    /// `Microsoft.Compute/virtualMachines`, ...
    fn full_type(self) -> String {
        match self {
            Service::Compute(kind) => kind.full_type(),
            Service::Msi => "Microsoft.ManagedIdentity/userAssignedIdentities".to_string(),
            Service::Deployments => "Microsoft.Resources/deployments".to_string(),
            Service::Network(kind) => kind.full_type(),
        }
    }
}

/// The action a request on a resource (or one of its sub-resources, `rest`) needs.
fn resource_action(service: Service, rest: &[String], verb: &str) -> Option<String> {
    let l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let ty = service.full_type();
    Some(match (service, l.as_slice()) {
        (_, []) => format!("{ty}/{verb}"),
        (Service::Compute(_), ["extensions"] | ["extensions", _]) => {
            format!("{ty}/extensions/{verb}")
        }
        (Service::Compute(ComputeKind::Vmss), ["manualupgrade"]) => {
            "Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action".to_string()
        }
        (Service::Compute(ComputeKind::Vmss), ["virtualmachines"]) => {
            "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read".to_string()
        }
        (Service::Compute(_), ["instanceview"]) => format!("{ty}/instanceView/read"),
        (
            Service::Compute(_),
            [
                "providers",
                "microsoft.managedidentity",
                "identities",
                "default",
            ],
        ) => "Microsoft.ManagedIdentity/identities/read".to_string(),
        (Service::Deployments, ["validate"]) => format!("{ty}/validate/action"),
        (Service::Deployments, ["exporttemplate"]) => format!("{ty}/exportTemplate/action"),
        (Service::Deployments, ["cancel"]) => format!("{ty}/cancel/action"),
        (Service::Deployments, ["operations", ..]) => format!("{ty}/operations/read"),
        (Service::Deployments, ["operationstatuses", _]) => {
            format!("{ty}/operationstatuses/read")
        }
        (Service::Network(NetKind::Vnet), ["subnets"] | ["subnets", _]) => {
            format!("{ty}/subnets/{verb}")
        }
        (Service::Network(NetKind::Lb), [child] | [child, _]) => {
            let child = crate::state::network::LB_CHILDREN
                .into_iter()
                .find(|t| t.eq_ignore_ascii_case(child))?;
            format!("{ty}/{child}/{verb}")
        }
        (Service::Msi, ["listassociatedresources"]) => {
            format!("{ty}/listAssociatedResources/action")
        }
        _ => return None,
    })
}
