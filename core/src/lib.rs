//! msi-identity: Azure managed identities for VMs and VM scale sets.
//!
//! Every Azure semantic of the project lives here: the identity change plan, the ARM requests and their shapes,
//! retries, long-running operations, optimistic concurrency, and the one error model. The bindings and the CLI
//! only convert arguments, map errors and bridge runtimes.

pub mod azure_cli;
pub mod bulk;
pub mod client;
pub mod compute;
pub mod connect;
pub mod create;
pub mod credential;
pub mod default_credential;
pub mod desired;
mod entra;
pub mod error;
pub mod extension;
pub mod http;
pub mod identity;
pub mod ids;
pub mod inventory;
mod logging;
pub mod managed_identity;
pub mod operation;
pub mod pacing;
mod pipeline;
pub mod requests;
pub mod roles;
pub mod runtime;
pub mod settings;
pub mod subscriptions;
pub mod token_cache;
pub mod token_info;
pub mod user_identity;
pub mod workload_identity;

pub use azure_cli::AzureCliCredential;
pub use connect::ConnectOptions;
pub use default_credential::{DefaultAzureCredential, DefaultCredentialOptions};
pub use token_cache::{CachedCredential, TokenCache};
pub use token_info::{TokenSubject, resource_url_for_type, token_subject};
pub use workload_identity::WorkloadIdentityCredential;

pub use bulk::{Action as BulkAction, BulkOptions, BulkRun, Event as BulkEvent, Selection};
pub use client::{ArmClient, ClientOptions};
pub use compute::IdentityUpdate;
pub use create::{BasicModel, CreateOptions};
pub use credential::{
    AccessToken, ClientSecretCredential, Secret, SharedCredential, StaticTokenCredential,
    TokenCredential, TokenRequestOptions,
};
pub use desired::{Plan as DesiredPlan, PlanStatus};
pub use error::{Error, ErrorKind, Result};
pub use extension::{MsiExtension, MsiExtensionOs, MsiExtensionSpec};
pub use http::{HttpClient, RetryOptions};
pub use identity::{
    Identity, IdentityChange, IdentityType, Plan, UserAssignedIdentity, UserWant,
    creation_identity, plan, replan,
};
pub use ids::{ComputeKind, ComputeTarget, ResourceId, SYSTEM_IDENTITY_REF};
pub use managed_identity::{IdentitySelector, ManagedIdentityCredential, ManagedIdentitySource};
pub use operation::{Operation, OperationKind, OperationOutput};
pub use requests::{AssignOutcome, AssignRequest, RemoveRequest, SetRequest};
pub use roles::RoleAssignment;
pub use settings::Settings;
pub use user_identity::UserIdentity;
