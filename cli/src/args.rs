//! The command tree, mirroring the az commands of the seed documents: flags and their help, nothing else. Every
//! default that means something to Azure (image, size, user name, publisher, version, which identity) is core's:
//! a flag not given is `None` here.

use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "msi",
    version,
    about = "Configure and use Azure managed identities on VMs and scale sets (az-style commands)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// Connection flags; each falls back to its environment variable (see the README).
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// ARM endpoint [env: MSI_ARM_ENDPOINT; default https://management.azure.com]
    #[arg(long, global = true)]
    pub endpoint: Option<String>,
    /// Subscription ID [env: AZURE_SUBSCRIPTION_ID]
    #[arg(long, global = true)]
    pub subscription: Option<String>,
    /// Tenant of the service principal [env: AZURE_TENANT_ID]
    #[arg(long, global = true)]
    pub tenant: Option<String>,
    /// Service principal client ID [env: AZURE_CLIENT_ID]
    #[arg(long, global = true)]
    pub client_id: Option<String>,
    /// Service principal secret [env: AZURE_CLIENT_SECRET]
    #[arg(long, global = true, hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Entra ID host [env: AZURE_AUTHORITY_HOST; default: the public one, or the endpoint for an emulator]
    #[arg(long, global = true)]
    pub authority: Option<String>,
    /// A bearer token to use as is [env: MSI_ACCESS_TOKEN]
    #[arg(long, global = true)]
    pub access_token: Option<String>,
    /// PEM file of an extra CA to trust, e.g. the emulator's [env: MSI_CA_CERT]
    #[arg(long, global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value = "json")]
    pub output: Format,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Resource groups
    #[command(subcommand)]
    Group(GroupCmd),
    /// Virtual machines
    #[command(subcommand)]
    Vm(ComputeCmd),
    /// Virtual machine scale sets
    #[command(subcommand)]
    Vmss(ComputeCmd),
    /// User-assigned identities
    #[command(subcommand)]
    Identity(IdentityCmd),
    /// Role assignments
    #[command(subcommand)]
    Role(RoleCmd),
    /// Tokens
    #[command(subcommand)]
    Account(AccountCmd),
    /// The local Azure emulator
    #[command(subcommand)]
    Emulator(EmulatorCmd),
    /// Walk through every step of the managed-identity guides on an embedded emulator
    Quickstart(QuickstartArgs),
}

#[derive(Subcommand, Debug)]
pub enum GroupCmd {
    /// Create a resource group
    Create {
        #[arg(
            short = 'n',
            long = "name",
            visible_alias = "resource-group",
            short_alias = 'g'
        )]
        name: String,
        #[arg(short = 'l', long)]
        location: String,
    },
    /// Show a resource group
    Show {
        #[arg(
            short = 'n',
            long = "name",
            visible_alias = "resource-group",
            short_alias = 'g'
        )]
        name: String,
    },
}

/// `-g/-n`, or `--ids` (many, run concurrently).
#[derive(Args, Debug, Clone)]
pub struct Target {
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: Option<String>,
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// One or more full resource IDs (instead of -g/-n)
    #[arg(long, num_args = 1.., conflicts_with_all = ["resource_group", "name"])]
    pub ids: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ComputeCmd {
    /// Create from a model (`--model`) or from az-style flags, optionally with identities
    Create(CreateArgs),
    /// Show the resource
    Show(Target),
    /// Delete the resource
    Delete(Target),
    /// Update the identity with --set identity.type=... [identity.userAssignedIdentities=null]
    Update(UpdateArgs),
    /// Managed identities of the resource
    #[command(subcommand)]
    Identity(ComputeIdentityCmd),
    /// The legacy MSI extension
    #[command(subcommand)]
    Extension(ExtensionCmd),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: String,
    #[arg(short = 'n', long = "name")]
    pub name: String,
    /// Image alias (UbuntuLTS, Ubuntu2204, Win2016Datacenter, ...) or URN publisher:offer:sku:version [default: Ubuntu2204]
    #[arg(long)]
    pub image: Option<String>,
    /// VM size [default: Standard_DS1_v2]
    #[arg(long = "size", visible_alias = "vm-sku")]
    pub size: Option<String>,
    #[arg(short = 'l', long)]
    pub location: Option<String>,
    /// [default: azureuser]
    #[arg(long)]
    pub admin_username: Option<String>,
    #[arg(long)]
    pub admin_password: Option<String>,
    /// OpenSSH public key text or a path to one
    #[arg(long)]
    pub ssh_key_value: Option<String>,
    /// Accepted for az compatibility: uses ~/.ssh/id_rsa.pub when it exists
    #[arg(long)]
    pub generate_ssh_keys: bool,
    /// Scale sets: number of instances [default: 2]
    #[arg(long)]
    pub instance_count: Option<u32>,
    /// Enable identities at creation: no value = system-assigned; names or IDs of user-assigned identities;
    /// `[system]` for the system-assigned one alongside them
    #[arg(long, num_args = 0.., value_name = "ID")]
    pub assign_identity: Option<Vec<String>>,
    /// The whole ARM model as JSON text or @file (instead of --image and the other model flags)
    #[arg(long)]
    pub model: Option<String>,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub target: Target,
    /// identity.type=None|SystemAssigned|UserAssigned|'SystemAssigned,UserAssigned', identity.userAssignedIdentities=null
    #[arg(long = "set", num_args = 1.., required = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ComputeIdentityCmd {
    /// Enable the system-assigned identity (default) and/or attach user-assigned ones
    Assign(AssignArgs),
    /// Disable the system-assigned identity (default) and/or detach user-assigned ones
    Remove(RemoveArgs),
    /// Show the identity
    Show(Target),
}

#[derive(Args, Debug)]
pub struct AssignArgs {
    #[command(flatten)]
    pub target: Target,
    /// User-assigned identities by name (in the resource's group) or ID; `[system]` for the system-assigned one
    /// [default: [system]]
    #[arg(long, num_args = 1.., value_name = "ID")]
    pub identities: Vec<String>,
    /// Role for the system-assigned identity at --scope (both or neither)
    #[arg(long)]
    pub role: Option<String>,
    /// Scope of that role assignment (both or neither)
    #[arg(long)]
    pub scope: Option<String>,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub target: Target,
    /// User-assigned identities by name (in the resource's group) or ID; `[system]` for the system-assigned one
    /// [default: [system]]
    #[arg(long, num_args = 1.., value_name = "ID")]
    pub identities: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum RoleCmd {
    /// Role assignments
    #[command(subcommand)]
    Assignment(RoleAssignmentCmd),
}

#[derive(Subcommand, Debug)]
pub enum RoleAssignmentCmd {
    /// Grant a role to a principal at a scope
    Create {
        /// Object id of the principal (e.g. a managed identity's principalId)
        #[arg(long = "assignee-object-id", visible_alias = "assignee")]
        assignee: String,
        /// Role name (Reader, Contributor, ...) or id
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope: String,
        #[arg(long = "assignee-principal-type")]
        principal_type: Option<String>,
    },
    /// List role assignments at a scope
    List {
        #[arg(long)]
        scope: Option<String>,
        #[arg(long = "assignee", visible_alias = "assignee-object-id")]
        assignee: Option<String>,
    },
    /// Delete role assignments by id, or by assignee, role and scope
    Delete {
        #[arg(long, num_args = 1.., conflicts_with_all = ["assignee", "role"])]
        ids: Vec<String>,
        #[arg(long = "assignee", visible_alias = "assignee-object-id")]
        assignee: Option<String>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        scope: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AccountCmd {
    /// A token for a resource, from the configured credential or (with --identity or a selector, or when no
    /// credential is configured) from this machine's managed identity
    GetAccessToken {
        /// Resource (audience) the token is for [default: https://management.azure.com/]
        #[arg(long)]
        resource: Option<String>,
        /// Use this machine's managed identity; the global --client-id then selects a user-assigned one (as
        /// `az login --identity --client-id` does)
        #[arg(long)]
        identity: bool,
        /// Object (principal) ID of the user-assigned managed identity to use
        #[arg(long)]
        object_id: Option<String>,
        /// Resource ID of the user-assigned managed identity to use
        #[arg(long, visible_alias = "resource-id")]
        msi_res_id: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExtensionCmd {
    /// Add or update the MSI extension
    Set(ExtensionSetArgs),
    /// Remove an extension
    Delete(ExtensionRef),
    /// Show an extension
    Show(ExtensionRef),
}

#[derive(Args, Debug)]
pub struct ExtensionRef {
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: String,
    #[arg(long = "vm-name", visible_alias = "vmss-name")]
    pub parent: String,
    /// Extension name
    #[arg(short = 'n', long = "name")]
    pub name: String,
}

#[derive(Args, Debug)]
pub struct ExtensionSetArgs {
    #[command(flatten)]
    pub ext: ExtensionRef,
    /// [default: Microsoft.ManagedIdentity]
    #[arg(long)]
    pub publisher: Option<String>,
    /// Extension type when the name differs from it (ManagedIdentityExtensionForWindows|Linux)
    #[arg(long = "extension-type")]
    pub extension_type: Option<String>,
    /// [default: 1.0]
    #[arg(long)]
    pub version: Option<String>,
    /// JSON settings, e.g. '{"port": 50342}'
    #[arg(long)]
    pub settings: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum IdentityCmd {
    /// Create a user-assigned identity
    Create {
        #[arg(short = 'g', long = "resource-group")]
        resource_group: String,
        #[arg(short = 'n', long = "name")]
        name: String,
        #[arg(short = 'l', long)]
        location: Option<String>,
        /// key=value pairs
        #[arg(long, num_args = 0..)]
        tags: Option<Vec<String>>,
    },
    /// Show a user-assigned identity
    Show(Target),
    /// List user-assigned identities in a group or the subscription
    List {
        #[arg(short = 'g', long = "resource-group")]
        resource_group: Option<String>,
    },
    /// Delete a user-assigned identity
    Delete(Target),
}

#[derive(Subcommand, Debug)]
pub enum EmulatorCmd {
    /// Run the emulator in the foreground
    Start {
        /// Data directory (default: the platform data dir)
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Keep nothing on disk
        #[arg(long)]
        in_memory: bool,
        #[arg(long, default_value_t = 8443)]
        port: u16,
        /// How long compute operations stay in progress
        #[arg(long, default_value_t = 0)]
        lro_delay_ms: u64,
        /// Port of the plain-HTTP token listener (IMDS, MSI extension, App Service)
        #[arg(long, default_value_t = 50340)]
        imds_port: u16,
        /// Turn off access control (every authenticated caller may do everything)
        #[arg(long)]
        no_rbac: bool,
    },
}

#[derive(Args, Debug)]
pub struct QuickstartArgs {
    /// Resource group name used by the walkthrough
    #[arg(long, default_value = "myResourceGroup")]
    pub resource_group: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn remove_takes_no_role_and_scope_needs_role_is_cores_call() {
        let parse =
            |a: &[&str]| Cli::try_parse_from(std::iter::once("msi").chain(a.iter().copied()));
        assert!(
            parse(&[
                "vm", "identity", "remove", "-g", "g", "-n", "v", "--role", "Reader"
            ])
            .is_err()
        );
        assert!(
            parse(&[
                "vm",
                "identity",
                "remove",
                "-g",
                "g",
                "-n",
                "v",
                "--scope",
                "/subscriptions/s"
            ])
            .is_err()
        );
        assert!(
            parse(&[
                "vm",
                "identity",
                "assign",
                "-g",
                "g",
                "-n",
                "v",
                "--scope",
                "/subscriptions/s"
            ])
            .is_ok()
        );
    }

    #[test]
    fn get_access_token_keeps_the_global_client_id() {
        let cli = Cli::try_parse_from([
            "msi",
            "account",
            "get-access-token",
            "--client-id",
            "abc",
            "--identity",
        ])
        .unwrap();
        assert_eq!(cli.global.client_id.as_deref(), Some("abc"));
    }
}
