//! ARM's error envelope `{"error":{"code","message","target"?}}` and the messages the emulator uses.
//! Message shapes follow real responses (azure-facts §1.4, §4.2).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// An ARM error response.
#[derive(Debug, Clone)]
pub struct ArmError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub target: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Inner errors (`details`), as Microsoft.Network nests them.
    pub details: Option<Box<[Value]>>,
}

impl ArmError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ArmError {
        ArmError {
            status,
            code: code.to_string(),
            message: message.into(),
            target: None,
            headers: Vec::new(),
            details: None,
        }
    }

    pub fn with_target(mut self, target: &str) -> ArmError {
        self.target = Some(target.to_string());
        self
    }

    pub fn with_details(mut self, details: Vec<Value>) -> ArmError {
        self.details = Some(details.into_boxed_slice());
        self
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> ArmError {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn body(&self) -> Value {
        let mut e = Map::new();
        e.insert("code".into(), json!(self.code));
        e.insert("message".into(), json!(self.message));
        if let Some(t) = &self.target {
            e.insert("target".into(), json!(t));
        }
        if let Some(d) = &self.details {
            e.insert("details".into(), Value::Array(d.to_vec()));
        }
        json!({ "error": e })
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> ArmError {
        ArmError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal(message: impl Into<String>) -> ArmError {
        ArmError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }

    pub fn missing_api_version() -> ArmError {
        ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    }

    pub fn subscription_not_found(sub: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        )
    }

    pub fn resource_group_not_found(rg: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )
    }

    /// `type_path` is `Microsoft.Compute/virtualMachines/vm1`.
    pub fn resource_not_found(type_path: &str, rg: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource '{type_path}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    }

    pub fn parent_not_found(parent: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ParentResourceNotFound",
            format!(
                "Can not perform requested operation on nested resource. Parent resource '{parent}' not found."
            ),
        )
    }

    pub fn invalid_resource_type(type_name: &str, namespace: &str, api: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            format!(
                "The resource type '{type_name}' could not be found in the namespace '{namespace}' for api version '{api}'."
            ),
        )
    }

    pub fn no_registered_provider(
        status: StatusCode,
        location: &str,
        api: &str,
        type_name: &str,
        versions: &str,
        locations: &str,
    ) -> ArmError {
        ArmError::new(
            status,
            "NoRegisteredProviderFound",
            format!(
                "No registered resource provider found for location '{location}' and API version '{api}' for type '{type_name}'. The supported api-versions are '{versions}'. The supported locations are '{locations}'."
            ),
        )
    }

    pub fn invalid_api_version(api: &str, versions: &str) -> ArmError {
        ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!("The api-version '{api}' is invalid. The supported versions are '{versions}'."),
        )
    }

    pub fn location_required() -> ArmError {
        ArmError::bad_request(
            "LocationRequired",
            "The location property is required for this definition.",
        )
    }

    pub fn invalid_location(name: &str, existing: &str, rg: &str, requested: &str) -> ArmError {
        ArmError::new(
            StatusCode::CONFLICT,
            "InvalidResourceLocation",
            format!(
                "The resource '{name}' already exists in location '{existing}' in resource group '{rg}'. A resource with the same name cannot be created in location '{requested}'. Please select a new resource name."
            ),
        )
    }

    /// 400 InvalidRequestContent, Newtonsoft style.
    pub fn invalid_content(detail: &str) -> ArmError {
        ArmError::bad_request(
            "InvalidRequestContent",
            format!("The request content was invalid and could not be deserialized: '{detail}'."),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>, target: &str) -> ArmError {
        ArmError::bad_request("InvalidParameter", message).with_target(target)
    }

    pub fn missing_parameter(name: &str) -> ArmError {
        ArmError::invalid_parameter(
            format!("Required parameter '{name}' is missing (null)."),
            name,
        )
    }

    /// A user-assigned identity that cannot be assigned (missing or malformed id).
    pub fn failed_identity_operation(resource_id: &str, identity_id: &str) -> ArmError {
        let inner = json!({"error": {"code": "BadRequest",
            "message": format!("Resource '{identity_id}' was not found.")}});
        ArmError::bad_request(
            "FailedIdentityOperation",
            format!(
                "Identity operation for resource '{resource_id}' failed with error 'Failed to perform resource identity operation. Status: 'BadRequest'. Response: '{inner}'."
            ),
        )
    }

    pub fn precondition_failed(message: impl Into<String>) -> ArmError {
        ArmError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            message,
        )
    }

    pub fn method_not_allowed(method: &str) -> ArmError {
        ArmError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The requested resource does not support http method '{method}'."),
        )
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> ArmError {
        ArmError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// ARM's 429 when a token bucket is empty (the body az and the SDKs have recorded,
    /// e.g. Azure/migAz#57), with `Retry-After` in whole seconds.
    pub fn too_many_requests(retry_after: u64) -> ArmError {
        ArmError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "The request is being throttled.",
        )
        .with_header("Retry-After", retry_after.to_string())
    }

    /// Compute's 429 when one of its throttling policies is exhausted (azure-facts §4.5,
    /// learn.microsoft.com troubleshooting-throttling-errors): `OperationNotAllowed` with a
    /// `TooManyRequests` detail naming the policy, its window and counts.
    pub fn compute_throttled(
        policy: &str,
        retry_after: u64,
        window: (String, String),
        allowed: u32,
        measured: u32,
    ) -> ArmError {
        let detail = json!({
            "operationGroup": policy,
            "startTime": window.0,
            "endTime": window.1,
            "allowedRequestCount": allowed,
            "measuredRequestCount": measured,
        });
        ArmError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "OperationNotAllowed",
            "The server rejected the request because too many requests have been received for this subscription.",
        )
        .with_details(vec![json!({
            "code": "TooManyRequests",
            "target": policy,
            "message": detail.to_string(),
        })])
        .with_header("Retry-After", retry_after.to_string())
    }
}

impl From<rusqlite::Error> for ArmError {
    fn from(e: rusqlite::Error) -> Self {
        // A document the store refused to write (it could not be read back): the request's fault.
        if let rusqlite::Error::ToSqlConversionFailure(inner) = &e
            && let Some(refused) = inner.downcast_ref::<crate::store::DocumentRefused>()
        {
            return ArmError::bad_request("InvalidRequestContent", refused.0.clone());
        }
        ArmError::internal(format!("The emulator's database failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_identity_operation_has_the_real_shape() {
        let e = ArmError::failed_identity_operation("/vm", "/uai");
        assert_eq!(
            e.message,
            "Identity operation for resource '/vm' failed with error 'Failed to perform resource identity operation. Status: 'BadRequest'. Response: '{\"error\":{\"code\":\"BadRequest\",\"message\":\"Resource '/uai' was not found.\"}}'."
        );
    }

    #[test]
    fn target_is_optional() {
        let e = ArmError::invalid_parameter("m", "identity.type");
        assert_eq!(
            e.body(),
            json!({"error": {"code": "InvalidParameter", "message": "m", "target": "identity.type"}})
        );
        assert!(
            ArmError::location_required().body()["error"]
                .get("target")
                .is_none()
        );
    }
}
