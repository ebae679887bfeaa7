//! The command tree, mirroring the az commands of the seed documents: flags and their help, nothing else. Every
//! default that means something to Azure (image, size, user name, publisher, version, which identity) is core's:
//! a flag not given is `None` here.

pub use crate::args_compute::*;
use crate::examples as ex;
use crate::output::Format;
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand};
use std::path::PathBuf;

/// az's heading for the options every command takes.
pub const GLOBAL: &str = "Global Arguments";
/// Where to connect and as whom: global too, shown apart.
pub const CONNECTION: &str = "Connection Arguments";

#[derive(Parser, Debug)]
#[command(
    name = "msi",
    version,
    about = "Configure and use Azure managed identities on VMs and scale sets (az-style commands)",
    disable_help_flag = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// The options of every command; the connection ones fall back to their environment variables (see the README).
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Show this help (-h: short; --help: with examples)
    #[arg(short = 'h', long, global = true, action = ArgAction::Help, help_heading = GLOBAL)]
    pub help: Option<bool>,
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value = "json", help_heading = GLOBAL)]
    pub output: Format,
    /// JMESPath query applied to the result before it is formatted, e.g. "[].name" (see jmespath.org)
    #[arg(long, global = true, value_name = "JMESPATH", help_heading = GLOBAL)]
    pub query: Option<String>,
    /// Name or ID of the subscription [env: AZURE_SUBSCRIPTION_ID]
    #[arg(long, global = true, value_name = "NAME_OR_ID", help_heading = GLOBAL)]
    pub subscription: Option<String>,
    /// Log each request, its status and request id, retries and their waits, and long-running polls, on stderr
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,
    /// Log everything --verbose does, and the headers (secrets and tokens redacted)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub debug: bool,
    /// Show errors only, no warnings
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub only_show_errors: bool,
    /// ARM endpoint [env: MSI_ARM_ENDPOINT; default https://management.azure.com]
    #[arg(long, global = true, value_name = "URL", help_heading = CONNECTION)]
    pub endpoint: Option<String>,
    /// Tenant of the service principal [env: AZURE_TENANT_ID]
    #[arg(long, global = true, help_heading = CONNECTION)]
    pub tenant: Option<String>,
    /// Client ID of the service principal (or of the user-assigned identity with --identity) [env: AZURE_CLIENT_ID]
    #[arg(long, global = true, help_heading = CONNECTION)]
    pub client_id: Option<String>,
    /// Secret of the service principal [env: AZURE_CLIENT_SECRET]
    #[arg(long, global = true, hide_env_values = true, help_heading = CONNECTION)]
    pub client_secret: Option<String>,
    /// Entra ID host [env: AZURE_AUTHORITY_HOST; default: the public one, or the endpoint for an emulator]
    #[arg(long, global = true, value_name = "URL", help_heading = CONNECTION)]
    pub authority: Option<String>,
    /// A bearer token to use as is, never cached [env: MSI_ACCESS_TOKEN]
    #[arg(long, global = true, help_heading = CONNECTION)]
    pub access_token: Option<String>,
    /// PEM file of an extra CA to trust, e.g. the emulator's [env: MSI_CA_CERT]
    #[arg(long, global = true, value_name = "FILE", help_heading = CONNECTION)]
    pub ca_cert: Option<PathBuf>,
    /// Whether -o/--output was given (`msi plan` prints a readable diff unless it was).
    #[arg(skip)]
    pub output_given: bool,
}

/// The command tree with the long help of the scale-set commands saying `vmss` where the shared text says `vm`.
pub fn command() -> clap::Command {
    fn for_vmss(c: clap::Command) -> clap::Command {
        let help = c.get_after_long_help().map(|h| {
            [
                ("msi vm ", "msi vmss "),
                ("--vm-name myVM", "--vmss-name myVMSS"),
                ("-n myVM", "-n myVMSS"),
                ("Windows VM", "Windows scale set"),
                ("Linux VM", "Linux scale set"),
                ("a VM", "a scale set"),
                ("VM's", "scale set's"),
                ("VMs", "scale sets"),
                ("every VM", "every scale set"),
            ]
            .iter()
            .fold(h.to_string(), |t, (from, to)| t.replace(from, to))
        });
        let c = match help {
            Some(h) => c.after_long_help(h),
            None => c,
        };
        let names: Vec<String> = c
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        names
            .iter()
            .fold(c, |c, n| c.mut_subcommand(n.as_str(), for_vmss))
    }
    Cli::command().mut_subcommand("vmss", for_vmss)
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
    /// Show what `msi apply -f FILE` would change (reads only)
    ///
    /// Per target of a desired-state file: the identity, role assignments and MSI extension that would change, as
    /// a readable diff (or, with -o, the plan as JSON, YAML or a table). --detailed-exitcode: 0 no changes, 2
    /// changes pending, 1 error.
    #[command(after_long_help = ex::PLAN)]
    Plan(PlanArgs),
    /// Make every target of a desired-state file as the file says
    ///
    /// The whole file is checked first (its syntax, the targets, roles and identities it names): nothing is
    /// written when it is bad. Then each target is planned from its current state and changed, several at a
    /// time; a second apply changes nothing.
    #[command(after_long_help = ex::APPLY)]
    Apply(ApplyArgs),
    /// Walk through every step of the managed-identity guides on an embedded emulator
    Quickstart(QuickstartArgs),
    /// The portal's Identity blade as a local web page (an embedded emulator unless an endpoint, subscription
    /// or credential is configured)
    #[command(after_long_help = ex::PORTAL)]
    Portal(crate::args_portal::PortalArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(after_long_help = ex::COMPLETION)]
    Completion {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
pub enum GroupCmd {
    /// Create a resource group
    #[command(after_long_help = ex::GROUP_CREATE)]
    Create {
        /// Name of the resource group
        #[arg(
            short = 'n',
            long = "name",
            visible_alias = "resource-group",
            short_alias = 'g'
        )]
        name: String,
        /// Location (region) of the group, e.g. westus
        #[arg(short = 'l', long)]
        location: String,
    },
    /// Show a resource group
    Show {
        /// Name of the resource group
        #[arg(
            short = 'n',
            long = "name",
            visible_alias = "resource-group",
            short_alias = 'g'
        )]
        name: String,
    },
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
    #[command(after_long_help = ex::ROLE_ASSIGNMENT_CREATE)]
    Create {
        /// Object id of the principal (e.g. a managed identity's principalId)
        #[arg(long = "assignee-object-id", visible_alias = "assignee")]
        assignee: String,
        /// Role name (Reader, Contributor, ...) or id
        #[arg(long)]
        role: String,
        /// Scope of the grant: a subscription, resource group or resource ID
        #[arg(long)]
        scope: String,
        /// Kind of principal (ServicePrincipal, User, Group) [default: found by the service]
        #[arg(long = "assignee-principal-type")]
        principal_type: Option<String>,
    },
    /// List role assignments at a scope
    List {
        /// Scope to list at [default: the subscription]
        #[arg(long)]
        scope: Option<String>,
        /// Only the assignments of this principal (object ID)
        #[arg(long = "assignee", visible_alias = "assignee-object-id")]
        assignee: Option<String>,
    },
    /// Delete role assignments by id, or by assignee, role and scope
    Delete {
        /// Full IDs of the role assignments
        #[arg(long, num_args = 1.., conflicts_with_all = ["assignee", "role"])]
        ids: Vec<String>,
        /// Principal (object ID) whose assignments go
        #[arg(long = "assignee", visible_alias = "assignee-object-id")]
        assignee: Option<String>,
        /// Only assignments of this role (name or ID)
        #[arg(long)]
        role: Option<String>,
        /// Only assignments at this scope [default: the subscription]
        #[arg(long)]
        scope: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AccountCmd {
    /// A token for a resource, from the configured credential or (with --identity or a selector, or when no
    /// credential is configured) from this machine's managed identity
    #[command(after_long_help = ex::GET_ACCESS_TOKEN)]
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
pub enum IdentityCmd {
    /// Create a user-assigned identity
    #[command(after_long_help = ex::UAI_CREATE)]
    Create {
        /// Name of the resource group
        #[arg(short = 'g', long = "resource-group")]
        resource_group: String,
        /// Name of the identity (3 to 128 characters)
        #[arg(short = 'n', long = "name")]
        name: String,
        /// Location (region) [default: the resource group's]
        #[arg(short = 'l', long)]
        location: Option<String>,
        /// Tags as space-separated key=value pairs
        #[arg(long, num_args = 0..)]
        tags: Option<Vec<String>>,
    },
    /// Show a user-assigned identity
    Show(Target),
    /// Replace the tags of a user-assigned identity
    #[command(after_long_help = ex::UAI_UPDATE)]
    Update {
        #[command(flatten)]
        target: Target,
        /// Tags as space-separated key=value pairs; none clears them
        #[arg(long, num_args = 0.., required = true)]
        tags: Vec<String>,
    },
    /// List user-assigned identities in a group or the subscription
    List {
        /// Name of the resource group [default: the whole subscription]
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
        /// HTTPS port of ARM and Entra ID
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
        /// ARM request throttling: arm (Azure's published budgets), off, or numbers such as
        /// reads=250/25,writes=200/10,deletes=200/10,global=15,compute=1
        #[arg(long, default_value = "arm", value_parser = parse_throttle)]
        throttle: msi_emulator::Throttle,
    },
}

fn parse_throttle(s: &str) -> Result<msi_emulator::Throttle, String> {
    s.parse()
        .map_err(|e: msi_emulator::ThrottleParseError| e.to_string())
}

/// `msi plan -f FILE`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The desired-state file (YAML or JSON; see docs/desired-state.md)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Exit 0 when nothing would change, 2 when something would, 1 on an error (as Terraform does)
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Targets read at once [default: 32]
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

/// `msi apply -f FILE`.
#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The desired-state file (YAML or JSON; see docs/desired-state.md)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Targets worked on at once [default: 32]; the subscription's throttling budget sets the pace
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
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
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn emulator_throttle_is_arm_by_default_and_checked() {
        let start = |a: &[&str]| {
            let args = ["msi", "emulator", "start", "--in-memory"];
            match Cli::try_parse_from(args.iter().chain(a.iter())).map(|c| c.cmd) {
                Ok(Cmd::Emulator(EmulatorCmd::Start { throttle, .. })) => Ok(throttle),
                Ok(other) => panic!("parsed as {other:?}"),
                Err(e) => Err(e.to_string()),
            }
        };
        assert_eq!(start(&[]), Ok(msi_emulator::Throttle::Arm));
        assert_eq!(
            start(&["--throttle", "off"]),
            Ok(msi_emulator::Throttle::Off)
        );
        let e = start(&["--throttle", "writes=5/1,wirtes=1/1"]).unwrap_err();
        assert!(e.contains("wirtes"), "{e}");
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
