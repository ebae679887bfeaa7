//! The VM and scale-set commands (`msi vm ...`, `msi vmss ...` share them): flags and their help, nothing else.
//! As in `args`, a flag not given is `None`: every default that means something to Azure is core's.

use crate::examples as ex;
use clap::{Args, Subcommand};

/// `-g/-n`, or `--ids` (many, run concurrently).
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// Name of the resource group
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: Option<String>,
    /// Name of the resource (in that group)
    #[arg(short = 'n', long = "name")]
    pub name: Option<String>,
    /// One or more full resource IDs (instead of -g/-n)
    #[arg(long, num_args = 1.., conflicts_with_all = ["resource_group", "name"])]
    pub ids: Vec<String>,
}

/// Many targets at once, selected by listing: the group's (`-g` with `--all`), the subscription's (`--all`),
/// or those with a tag.
#[derive(Args, Debug, Clone, Default)]
pub struct Fleet {
    /// Every VM or scale set of the group given with -g, or of the subscription without -g
    #[arg(long, conflicts_with_all = ["name", "ids"])]
    pub all: bool,
    /// Only those with this tag: NAME or NAME=VALUE (in the group given with -g, else in the subscription)
    #[arg(long, value_name = "NAME[=VALUE]", conflicts_with_all = ["name", "ids"])]
    pub tag: Option<String>,
    /// Targets worked on at once [default: 32]; the subscription's throttling budget sets the pace
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

#[derive(Subcommand, Debug)]
pub enum ComputeCmd {
    /// Create from a model (`--model`) or from az-style flags, optionally with identities
    #[command(after_long_help = ex::CREATE)]
    Create(CreateArgs),
    /// Show the resource
    Show(Target),
    /// List them in a resource group, or in the subscription
    #[command(after_long_help = ex::LIST)]
    List {
        /// Name of the resource group [default: the whole subscription]
        #[arg(short = 'g', long = "resource-group")]
        resource_group: Option<String>,
    },
    /// Delete the resource (a VM asks for confirmation first, as az does)
    #[command(after_long_help = ex::DELETE)]
    Delete(DeleteArgs),
    /// Update the identity with --set identity.type=... [identity.userAssignedIdentities=null]
    #[command(after_long_help = ex::UPDATE)]
    Update(UpdateArgs),
    /// Managed identities of the resource
    #[command(subcommand)]
    Identity(ComputeIdentityCmd),
    /// The legacy MSI extension
    #[command(subcommand)]
    Extension(ExtensionCmd),
}

/// az's `--no-wait`.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct NoWait {
    /// Return once Azure accepts the request, without waiting for the operation to finish (prints nothing)
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub target: Target,
    /// Do not ask for confirmation (needed when standard input is not a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,
    #[command(flatten)]
    pub no_wait: NoWait,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Name of the resource group
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: String,
    /// Name of the VM or scale set to create
    #[arg(short = 'n', long = "name")]
    pub name: String,
    /// Image alias (UbuntuLTS, Ubuntu2204, Win2016Datacenter, ...) or URN publisher:offer:sku:version [default: Ubuntu2204]
    #[arg(long)]
    pub image: Option<String>,
    /// VM size [default: Standard_DS1_v2]
    #[arg(long = "size", visible_alias = "vm-sku")]
    pub size: Option<String>,
    /// Location (region) [default: the resource group's]
    #[arg(short = 'l', long)]
    pub location: Option<String>,
    /// Administrator user name [default: azureuser]
    #[arg(long)]
    pub admin_username: Option<String>,
    /// Administrator password (never printed)
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
    #[command(flatten)]
    pub no_wait: NoWait,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub fleet: Fleet,
    /// identity.type=None|SystemAssigned|UserAssigned|'SystemAssigned,UserAssigned', identity.userAssignedIdentities=null
    #[arg(long = "set", num_args = 1.., required = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub no_wait: NoWait,
}

#[derive(Subcommand, Debug)]
pub enum ComputeIdentityCmd {
    /// Enable the system-assigned identity (default) and/or attach user-assigned ones
    #[command(after_long_help = ex::IDENTITY_ASSIGN)]
    Assign(AssignArgs),
    /// Disable the system-assigned identity (default) and/or detach user-assigned ones
    #[command(after_long_help = ex::IDENTITY_REMOVE)]
    Remove(RemoveArgs),
    /// Show the identity
    #[command(after_long_help = ex::IDENTITY_SHOW)]
    Show(Target),
}

#[derive(Args, Debug)]
pub struct AssignArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub fleet: Fleet,
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
    #[command(flatten)]
    pub no_wait: NoWait,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub fleet: Fleet,
    /// User-assigned identities by name (in the resource's group) or ID; `[system]` for the system-assigned one
    /// [default: [system]]
    #[arg(long, num_args = 1.., value_name = "ID")]
    pub identities: Vec<String>,
    #[command(flatten)]
    pub no_wait: NoWait,
}

#[derive(Subcommand, Debug)]
pub enum ExtensionCmd {
    /// Add or update the MSI extension
    #[command(after_long_help = ex::EXTENSION_SET)]
    Set(ExtensionSetArgs),
    /// Remove an extension
    #[command(after_long_help = ex::EXTENSION_DELETE)]
    Delete {
        #[command(flatten)]
        ext: ExtensionRef,
        #[command(flatten)]
        no_wait: NoWait,
    },
    /// Show an extension
    Show(ExtensionRef),
    /// List the extensions of a VM or scale set
    #[command(after_long_help = ex::EXTENSION_LIST)]
    List(ParentRef),
}

/// The VM or scale set an extension belongs to.
#[derive(Args, Debug)]
pub struct ParentRef {
    /// Name of the resource group
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: String,
    /// Name of the VM (or, under vmss, the scale set)
    #[arg(long = "vm-name", visible_alias = "vmss-name")]
    pub parent: String,
}

#[derive(Args, Debug)]
pub struct ExtensionRef {
    /// Name of the resource group
    #[arg(short = 'g', long = "resource-group")]
    pub resource_group: String,
    /// Name of the VM (or, under vmss, the scale set)
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
    /// Publisher of the extension [default: Microsoft.ManagedIdentity]
    #[arg(long)]
    pub publisher: Option<String>,
    /// Extension type when the name differs from it (ManagedIdentityExtensionForWindows|Linux)
    #[arg(long = "extension-type")]
    pub extension_type: Option<String>,
    /// Version of the extension [default: 1.0]
    #[arg(long)]
    pub version: Option<String>,
    /// JSON settings, e.g. '{"port": 50342}'
    #[arg(long)]
    pub settings: Option<String>,
    #[command(flatten)]
    pub no_wait: NoWait,
}
