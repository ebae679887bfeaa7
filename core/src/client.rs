//! The ARM client: options, construction, resource groups.

use crate::credential::SharedCredential;
use crate::error::{Error, Result};
use crate::http::{HttpClient, RetryOptions};
use crate::ids::{
    ComputeKind, ComputeTarget, validate_location, validate_resource_group, validate_segment,
};
use crate::pacing::{Pacer, PacingOptions};
use crate::pipeline::Pipeline;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Public Azure Resource Manager.
pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";
/// The token audience for ARM, also used with other endpoints (as the Azure SDKs do).
pub const ARM_AUDIENCE: &str = "https://management.azure.com";
pub const COMPUTE_API_VERSION: &str = "2024-11-01";
pub const MSI_API_VERSION: &str = "2023-01-31";
pub const RESOURCES_API_VERSION: &str = "2022-09-01";

/// How to reach ARM.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// ARM endpoint, e.g. `https://management.azure.com` or the emulator's.
    pub endpoint: String,
    /// Default subscription for calls that name none.
    pub subscription_id: String,
    /// Token audience; the scope asked for is `{audience}/.default`.
    pub audience: String,
    pub retry: RetryOptions,
    /// Longest wait for a long-running operation.
    pub lro_timeout: Duration,
    /// How many times an identity change is re-read and re-planned after a 412 (another writer won).
    pub max_conflict_retries: u32,
    /// HTTP client to use (e.g. one trusting the emulator's CA); default: [`HttpClient::from_env`].
    pub http: Option<HttpClient>,
    /// Return once a long-running write (create, identity change, extension, delete) is accepted, without
    /// polling it to the end (az's `--no-wait`). Results are then read back as they stand.
    pub no_wait: bool,
    /// The throttling budget requests are paced to (ARM's published buckets by default).
    pub pacing: PacingOptions,
}

impl ClientOptions {
    pub fn new(endpoint: impl Into<String>, subscription_id: impl Into<String>) -> ClientOptions {
        ClientOptions {
            endpoint: endpoint.into(),
            subscription_id: subscription_id.into(),
            audience: ARM_AUDIENCE.to_string(),
            retry: RetryOptions::default(),
            lro_timeout: Duration::from_secs(30 * 60),
            max_conflict_retries: 40,
            http: None,
            no_wait: false,
            pacing: PacingOptions::default(),
        }
    }
}

/// Client for the identity operations. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct ArmClient {
    pub(crate) p: Arc<Pipeline>,
    pub(crate) subscription: String,
    pub(crate) max_conflict_retries: u32,
}

impl ArmClient {
    pub fn new(credential: SharedCredential, options: ClientOptions) -> Result<ArmClient> {
        let endpoint = options.endpoint.trim_end_matches('/').to_string();
        let u = crate::http::require_https("endpoint", &endpoint)?;
        if u.path() != "/" || u.query().is_some() {
            return Err(Error::invalid_argument(format!(
                "invalid endpoint '{endpoint}': give only scheme, host and port"
            )));
        }
        validate_segment("subscription id", &options.subscription_id)?;
        let http = match options.http {
            Some(h) => h,
            None => HttpClient::from_env()?,
        };
        Ok(ArmClient {
            p: Arc::new(Pipeline {
                http,
                credential,
                endpoint,
                scope: format!("{}/.default", options.audience.trim_end_matches('/')),
                retry: options.retry,
                lro_timeout: options.lro_timeout,
                no_wait: options.no_wait,
                pacer: Arc::new(Pacer::new(options.pacing)),
            }),
            subscription: options.subscription_id,
            max_conflict_retries: options.max_conflict_retries,
        })
    }

    pub fn subscription_id(&self) -> &str {
        &self.subscription
    }

    pub fn endpoint(&self) -> &str {
        &self.p.endpoint
    }

    /// The same client (connections, credential) for another default subscription.
    pub fn with_subscription(&self, subscription_id: &str) -> Result<ArmClient> {
        validate_segment("subscription id", subscription_id)?;
        Ok(ArmClient {
            subscription: subscription_id.to_string(),
            ..self.clone()
        })
    }

    /// The same client, returning from long-running writes once accepted (`true`) or waiting for them.
    pub fn with_no_wait(&self, no_wait: bool) -> ArmClient {
        let mut p = (*self.p).clone();
        p.no_wait = no_wait;
        ArmClient {
            p: Arc::new(p),
            ..self.clone()
        }
    }

    /// A VM in the default subscription.
    pub fn vm(&self, resource_group: &str, name: &str) -> Result<ComputeTarget> {
        ComputeTarget::new(
            &self.subscription,
            resource_group,
            name,
            ComputeKind::VirtualMachine,
        )
    }

    /// A scale set in the default subscription.
    pub fn vmss(&self, resource_group: &str, name: &str) -> Result<ComputeTarget> {
        ComputeTarget::new(
            &self.subscription,
            resource_group,
            name,
            ComputeKind::VirtualMachineScaleSet,
        )
    }

    fn group_path(&self, name: &str) -> Result<String> {
        validate_resource_group(name)?;
        Ok(format!(
            "/subscriptions/{}/resourcegroups/{name}",
            self.subscription
        ))
    }

    /// Create or update a resource group (`az group create`).
    pub async fn create_resource_group(&self, name: &str, location: &str) -> Result<Value> {
        validate_location(location)?;
        let path = self.group_path(name)?;
        let body = json!({ "location": location });
        let r = self
            .p
            .send(
                Method::PUT,
                &path,
                &[("api-version", RESOURCES_API_VERSION)],
                Some(&body),
                &[],
            )
            .await?;
        Ok(r.body)
    }

    /// Read a resource group.
    pub async fn get_resource_group(&self, name: &str) -> Result<Value> {
        let path = self.group_path(name)?;
        Ok(self
            .p
            .send(
                Method::GET,
                &path,
                &[("api-version", RESOURCES_API_VERSION)],
                None,
                &[],
            )
            .await?
            .body)
    }

    /// The location of a resource group: the default for resources created in it, as az does.
    pub(crate) async fn group_location(&self, subscription: &str, name: &str) -> Result<String> {
        validate_resource_group(name)?;
        let path = format!("/subscriptions/{subscription}/resourcegroups/{name}");
        let g = self
            .p
            .send(
                Method::GET,
                &path,
                &[("api-version", RESOURCES_API_VERSION)],
                None,
                &[],
            )
            .await?
            .body;
        g.get("location")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::Service,
                    format!("resource group '{name}' has no location"),
                )
            })
    }
}
