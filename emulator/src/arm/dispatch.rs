//! Requests a handler makes of ARM itself, as the caller: a deployment PUTs each resource of its
//! template through the same routing, access checks and provider an ARM request would take, so it
//! never needs to know the providers. The router implements [`Dispatcher`].

use axum::http::Method;
use serde_json::Value;

use super::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::store::Principal;

pub trait Dispatcher {
    /// `method path?api-version=api` with `body`, authenticated as `caller`.
    fn call(
        &self,
        caller: &Principal,
        method: Method,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
    ) -> Result<ArmResponse, ArmError>;
}
