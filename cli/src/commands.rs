//! The command tree (mirroring the az commands of the seed documents) and its execution.

use crate::output::{self, Format};
use clap::{Args, Parser, Subcommand};
use futures::StreamExt;
use msi_identity::compute::{BasicModel, MsiExtension};
use msi_identity::ids::resolve_identity_refs;
use msi_identity::{
    ArmClient, ComputeKind, ComputeTarget, Error, Identity, IdentityChange, IdentityType, Secret,
    Settings,
};
use serde_json::{Map, Value, json};
use std::io::IsTerminal;
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
    /// Image alias (UbuntuLTS, Ubuntu2204, Win2016Datacenter, ...) or URN publisher:offer:sku:version
    #[arg(long, default_value = "Ubuntu2204")]
    pub image: String,
    #[arg(
        long = "size",
        visible_alias = "vm-sku",
        default_value = "Standard_DS1_v2"
    )]
    pub size: String,
    #[arg(short = 'l', long)]
    pub location: Option<String>,
    #[arg(long, default_value = "azureuser")]
    pub admin_username: String,
    #[arg(long)]
    pub admin_password: Option<String>,
    /// OpenSSH public key text or a path to one
    #[arg(long)]
    pub ssh_key_value: Option<String>,
    /// Accepted for az compatibility: uses ~/.ssh/id_rsa.pub when it exists
    #[arg(long)]
    pub generate_ssh_keys: bool,
    /// Scale sets: number of instances
    #[arg(long, default_value_t = 2)]
    pub instance_count: u32,
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
    Assign(IdentityArgs),
    /// Disable the system-assigned identity (default) and/or detach user-assigned ones
    Remove(IdentityArgs),
    /// Show the identity
    Show(Target),
}

#[derive(Args, Debug)]
pub struct IdentityArgs {
    #[command(flatten)]
    pub target: Target,
    /// User-assigned identities by name (in the resource's group) or ID; `[system]` for the system-assigned one
    #[arg(long, num_args = 1.., value_name = "ID")]
    pub identities: Vec<String>,
    /// assign: role for the system-assigned identity at --scope (default Contributor when --scope is given)
    #[arg(long)]
    pub role: Option<String>,
    /// assign: scope of that role assignment
    #[arg(long)]
    pub scope: Option<String>,
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
        #[arg(long, default_value = "https://management.azure.com/")]
        resource: String,
        /// Use the managed identity
        #[arg(long)]
        identity: bool,
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long)]
        object_id: Option<String>,
        #[arg(long)]
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
    #[arg(long, default_value = "Microsoft.ManagedIdentity")]
    pub publisher: String,
    /// Extension type when the name differs from it (ManagedIdentityExtensionForWindows|Linux)
    #[arg(long = "extension-type")]
    pub extension_type: Option<String>,
    #[arg(long, default_value = "1.0")]
    pub version: String,
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

/// Run a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let format = cli.global.output;
    match execute(cli).await {
        Ok(v) => {
            let text = output::render(&v, format);
            if !text.is_empty() {
                println!("{text}");
            }
            0
        }
        Err(e) => {
            output::print_error(&e);
            output::exit_code(e.kind())
        }
    }
}

/// Execute a command; its result as JSON.
pub async fn execute(cli: Cli) -> Result<Value, Error> {
    match cli.cmd {
        Cmd::Emulator(EmulatorCmd::Start {
            data_dir,
            in_memory,
            port,
            lro_delay_ms,
            imds_port,
            no_rbac,
        }) => {
            let config = msi_emulator::Config {
                port,
                lro_delay: std::time::Duration::from_millis(lro_delay_ms),
                imds_port,
                enforce_rbac: !no_rbac,
                ..msi_emulator::Config::default()
            };
            crate::quickstart::run_emulator(config, data_dir, in_memory).await?;
            Ok(Value::Null)
        }
        Cmd::Quickstart(args) => {
            crate::quickstart::run(args).await?;
            Ok(Value::Null)
        }
        Cmd::Account(AccountCmd::GetAccessToken {
            resource,
            identity,
            client_id,
            object_id,
            msi_res_id,
        }) => {
            get_access_token(
                &cli.global,
                &resource,
                identity,
                client_id,
                object_id,
                msi_res_id,
            )
            .await
        }
        cmd => {
            let client = settings(&cli.global)?.client()?;
            dispatch(&client, cmd).await
        }
    }
}

pub fn settings(g: &Global) -> Result<Settings, Error> {
    let ca_cert_pem = match &g.ca_cert {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            Error::invalid_argument(format!("cannot read --ca-cert {}: {e}", p.display()))
        })?),
        None => None,
    };
    Settings {
        endpoint: g.endpoint.clone(),
        subscription_id: g.subscription.clone(),
        tenant_id: g.tenant.clone(),
        client_id: g.client_id.clone(),
        client_secret: g.client_secret.clone().map(Secret::new),
        authority: g.authority.clone(),
        access_token: g.access_token.clone().map(Secret::new),
        ca_cert_pem,
    }
    .with_env()
}

/// Execute a command that talks to ARM.
pub async fn dispatch(client: &ArmClient, cmd: Cmd) -> Result<Value, Error> {
    match cmd {
        Cmd::Group(GroupCmd::Create { name, location }) => {
            client.create_resource_group(&name, &location).await
        }
        Cmd::Group(GroupCmd::Show { name }) => client.get_resource_group(&name).await,
        Cmd::Vm(c) => compute(client, ComputeKind::VirtualMachine, c).await,
        Cmd::Vmss(c) => compute(client, ComputeKind::VirtualMachineScaleSet, c).await,
        Cmd::Identity(c) => identity(client, c).await,
        Cmd::Role(RoleCmd::Assignment(c)) => role_assignment(client, c).await,
        Cmd::Emulator(_) | Cmd::Quickstart(_) | Cmd::Account(_) => {
            unreachable!("handled before a client exists")
        }
    }
}

/// The targets named by -g/-n or --ids.
fn targets(client: &ArmClient, kind: ComputeKind, t: &Target) -> Result<Vec<ComputeTarget>, Error> {
    if !t.ids.is_empty() {
        return t
            .ids
            .iter()
            .map(|id| ComputeTarget::from_id(id, kind))
            .collect();
    }
    match (&t.resource_group, &t.name) {
        (Some(g), Some(n)) => Ok(vec![ComputeTarget::new(
            client.subscription_id(),
            g,
            n,
            kind,
        )?]),
        _ => Err(Error::invalid_argument(format!(
            "name the {}: --resource-group/-g and --name/-n, or --ids",
            kind.short()
        ))),
    }
}

/// How many `--ids` run at once.
const CONCURRENCY: usize = 8;

/// Run `op` on every target, at most [`CONCURRENCY`] at a time, with a progress bar on a terminal. One target
/// gives its result; several give an array; the first error (in target order) wins.
async fn for_each<F, Fut>(targets: Vec<ComputeTarget>, op: F) -> Result<Value, Error>
where
    F: Fn(ComputeTarget) -> Fut,
    Fut: std::future::Future<Output = Result<Value, Error>>,
{
    if targets.len() == 1 {
        return op(targets.into_iter().next().expect("one target")).await;
    }
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(targets.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let results: Vec<(usize, Result<Value, Error>)> =
        futures::stream::iter(targets.into_iter().enumerate())
            .map(|(i, t)| {
                let fut = op(t);
                let bar = bar.clone();
                async move {
                    let r = fut.await;
                    if let Some(b) = bar {
                        b.inc(1);
                    }
                    (i, r)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    let mut out = Vec::new();
    let mut first_err = None;
    for (_, r) in results {
        match r {
            Ok(v) => out.push(v),
            Err(e) => {
                if first_err.is_some() {
                    output::print_error(&e);
                } else {
                    first_err = Some(e);
                }
            }
        }
    }
    match first_err {
        Some(e) => {
            if !out.is_empty() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&Value::Array(out)).unwrap_or_default()
                );
            }
            Err(e)
        }
        None => Ok(Value::Array(out)),
    }
}

/// az's output of `identity assign`: the system principal and the user-assigned map.
fn assign_output(i: &Identity) -> Value {
    let ua = i
        .to_json()
        .get("userAssignedIdentities")
        .cloned()
        .unwrap_or(json!({}));
    json!({
        "systemAssignedIdentity": i.principal_id.clone().unwrap_or_default(),
        "userAssignedIdentities": ua,
    })
}

fn parse_json_arg(what: &str, text: &str) -> Result<Value, Error> {
    let text = match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Error::invalid_argument(format!("cannot read {what} file {path}: {e}")))?,
        None => text.to_string(),
    };
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

/// `--set` pairs for the identity: `identity.type=X`, `identity.userAssignedIdentities=null`.
fn parse_set(pairs: &[String]) -> Result<(IdentityType, Option<Vec<String>>), Error> {
    let mut ty = None;
    let mut user = None;
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Error::invalid_argument(format!("--set '{p}': expected KEY=VALUE")))?;
        let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
        match k.trim().to_ascii_lowercase().as_str() {
            "identity.type" => ty = Some(IdentityType::parse(v)?),
            "identity.userassignedidentities" if v.eq_ignore_ascii_case("null") => {
                user = Some(vec![])
            }
            "identity.userassignedidentities" => {
                return Err(Error::invalid_argument(format!(
                    "--set identity.userAssignedIdentities='{v}': only null is supported; use `identity assign --identities` to add"
                )));
            }
            other => {
                return Err(Error::invalid_argument(format!(
                    "--set '{other}' is not supported: only identity.type and identity.userAssignedIdentities=null can be set"
                )));
            }
        }
    }
    match ty {
        Some(t) => Ok((t, user)),
        None if user.is_some() => Err(Error::invalid_argument(
            "--set identity.userAssignedIdentities=null needs identity.type too (SystemAssigned or None)",
        )),
        None => Err(Error::invalid_argument("--set needs identity.type=...")),
    }
}

async fn compute(client: &ArmClient, kind: ComputeKind, cmd: ComputeCmd) -> Result<Value, Error> {
    match cmd {
        ComputeCmd::Create(a) => create(client, kind, a).await,
        ComputeCmd::Show(t) => {
            for_each(targets(client, kind, &t)?, |t| async move {
                client.get_compute(&t).await
            })
            .await
        }
        ComputeCmd::Delete(t) => {
            for_each(targets(client, kind, &t)?, |t| async move {
                client
                    .delete_compute(&t)
                    .await
                    .map(|deleted| json!({ "deleted": deleted }))
            })
            .await
        }
        ComputeCmd::Update(u) => {
            let (identity_type, user) = parse_set(&u.set)?;
            let change = IdentityChange::Set {
                identity_type,
                user,
            };
            for_each(targets(client, kind, &u.target)?, |t| {
                let change = change.clone();
                async move { Ok(client.update_identity(&t, &change).await?.resource) }
            })
            .await
        }
        ComputeCmd::Identity(ComputeIdentityCmd::Show(t)) => {
            for_each(targets(client, kind, &t)?, |t| async move {
                Ok(client.show_identity(&t).await?.to_json())
            })
            .await
        }
        ComputeCmd::Identity(ComputeIdentityCmd::Assign(a)) => {
            let ids = a.identities.clone();
            let role = match (&a.role, &a.scope) {
                (Some(_), None) => return Err(Error::invalid_argument("--role needs --scope")),
                (role, Some(scope)) => Some((
                    role.clone().unwrap_or_else(|| "Contributor".into()),
                    scope.clone(),
                )),
                (None, None) => None,
            };
            for_each(targets(client, kind, &a.target)?, |t| {
                let ids = ids.clone();
                let role = role.clone();
                async move {
                    let (system, user) = resolve_identity_refs(&ids, &t)?;
                    // No --identities means the system-assigned identity, as in az.
                    let system = system || user.is_empty();
                    if role.is_some() && !system {
                        return Err(Error::invalid_argument("--role/--scope apply to the system-assigned identity: include [system]"));
                    }
                    let change = IdentityChange::Assign { system, user };
                    let identity = client.update_identity(&t, &change).await?.identity;
                    if let (Some((role, scope)), Some(principal)) = (role, identity.principal_id.as_deref()) {
                        client.create_role_assignment(&scope, &role, principal, None).await?;
                    }
                    Ok(assign_output(&identity))
                }
            })
            .await
        }
        ComputeCmd::Identity(ComputeIdentityCmd::Remove(a)) => {
            let ids = a.identities.clone();
            for_each(targets(client, kind, &a.target)?, |t| {
                let ids = ids.clone();
                async move {
                    let (system, user) = resolve_identity_refs(&ids, &t)?;
                    let change = IdentityChange::Remove {
                        system: system || user.is_empty(),
                        user,
                        all_user: false,
                    };
                    Ok(client
                        .update_identity(&t, &change)
                        .await?
                        .identity
                        .to_json())
                }
            })
            .await
        }
        ComputeCmd::Extension(e) => extension(client, kind, e).await,
    }
}

async fn create(client: &ArmClient, kind: ComputeKind, a: CreateArgs) -> Result<Value, Error> {
    let t = ComputeTarget::new(client.subscription_id(), &a.resource_group, &a.name, kind)?;
    let model = match &a.model {
        Some(m) => parse_json_arg("--model", m)?,
        None => {
            let ssh_public_key = match (&a.ssh_key_value, a.generate_ssh_keys) {
                (Some(v), _) if std::path::Path::new(v).is_file() => {
                    Some(std::fs::read_to_string(v).map_err(|e| {
                        Error::invalid_argument(format!("cannot read --ssh-key-value {v}: {e}"))
                    })?)
                }
                (Some(v), _) => Some(v.clone()),
                (None, true) => std::env::var_os("HOME")
                    .map(|h| PathBuf::from(h).join(".ssh/id_rsa.pub"))
                    .and_then(|p| std::fs::read_to_string(p).ok()),
                (None, false) => None,
            };
            BasicModel {
                location: a.location.clone(),
                image: a.image.clone(),
                size: a.size.clone(),
                admin_username: a.admin_username.clone(),
                admin_password: a.admin_password.clone().map(Secret::new),
                ssh_public_key,
                instance_count: a.instance_count,
            }
            .to_model(&t)?
        }
    };
    let (system, user) = match &a.assign_identity {
        None => (false, vec![]),
        Some(v) if v.is_empty() => (true, vec![]),
        Some(v) => resolve_identity_refs(v, &t)?,
    };
    client.create_compute(&t, model, system, &user).await
}

async fn extension(
    client: &ArmClient,
    kind: ComputeKind,
    cmd: ExtensionCmd,
) -> Result<Value, Error> {
    let target = |r: &ExtensionRef| {
        ComputeTarget::new(client.subscription_id(), &r.resource_group, &r.parent, kind)
    };
    match cmd {
        ExtensionCmd::Set(a) => {
            let t = target(&a.ext)?;
            let settings = a
                .settings
                .as_deref()
                .map(|s| parse_json_arg("--settings", s))
                .transpose()?;
            let ext = MsiExtension::from_spec(
                &a.ext.name,
                a.extension_type.as_deref(),
                &a.publisher,
                &a.version,
                settings.as_ref(),
            )?;
            client.set_msi_extension(&t, &ext).await
        }
        ExtensionCmd::Delete(r) => {
            let t = target(&r)?;
            client
                .delete_extension(&t, &r.name)
                .await
                .map(|deleted| json!({ "deleted": deleted }))
        }
        ExtensionCmd::Show(r) => {
            let t = target(&r)?;
            client.get_extension(&t, &r.name).await
        }
    }
}

async fn role_assignment(client: &ArmClient, cmd: RoleAssignmentCmd) -> Result<Value, Error> {
    match cmd {
        RoleAssignmentCmd::Create {
            assignee,
            role,
            scope,
            principal_type,
        } => Ok(client
            .create_role_assignment(&scope, &role, &assignee, principal_type.as_deref())
            .await?
            .raw),
        RoleAssignmentCmd::List { scope, assignee } => {
            let scope = client.scope_or_subscription(scope.as_deref());
            let list = client
                .list_role_assignments(&scope, assignee.as_deref())
                .await?;
            Ok(Value::Array(list.into_iter().map(|a| a.raw).collect()))
        }
        RoleAssignmentCmd::Delete {
            ids,
            assignee,
            role,
            scope,
        } => {
            if ids.is_empty() {
                let scope = client.scope_or_subscription(scope.as_deref());
                let deleted = client
                    .delete_role_assignments_matching(&scope, assignee.as_deref(), role.as_deref())
                    .await?;
                return Ok(Value::Array(
                    deleted
                        .into_iter()
                        .map(|id| json!({ "id": id, "deleted": true }))
                        .collect(),
                ));
            }
            let mut out = Vec::new();
            for id in ids {
                out.push(json!({ "id": id, "deleted": client.delete_role_assignment(&id).await? }));
            }
            Ok(Value::Array(out))
        }
    }
}

async fn get_access_token(
    g: &Global,
    resource: &str,
    identity: bool,
    client_id: Option<String>,
    object_id: Option<String>,
    msi_res_id: Option<String>,
) -> Result<Value, Error> {
    let s = settings(g)?;
    let selector_given = client_id.is_some() || object_id.is_some() || msi_res_id.is_some();
    let http = s.http_client()?;
    let configured = s.access_token.is_some() || s.client_secret.is_some();
    let scope = format!("{}/.default", resource.trim_end_matches('/'));
    let token = if identity || selector_given || !configured {
        let selector =
            msi_identity::IdentitySelector::from_options(client_id, object_id, msi_res_id)?;
        let cred = msi_identity::ManagedIdentityCredential::from_env(selector, http)?;
        msi_identity::TokenCredential::get_token(&cred, &[scope.as_str()]).await?
    } else {
        let cred = s.credential(&http)?;
        cred.get_token(&[scope.as_str()]).await?
    };
    let expires = chrono::DateTime::from_timestamp(token.expires_on, 0)
        .map(|d| d.naive_local().format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        .unwrap_or_default();
    Ok(json!({
        "accessToken": token.token.expose(),
        "expiresOn": expires,
        "expires_on": token.expires_on,
        "subscription": s.subscription_id,
        "tenant": s.tenant_id,
        "tokenType": "Bearer",
    }))
}

fn parse_tags(tags: &[String]) -> Result<Value, Error> {
    let mut m = Map::new();
    for t in tags {
        let (k, v) = t.split_once('=').unwrap_or((t.as_str(), ""));
        if k.is_empty() {
            return Err(Error::invalid_argument(format!(
                "tag '{t}': expected key=value"
            )));
        }
        m.insert(k.to_string(), Value::String(v.to_string()));
    }
    Ok(Value::Object(m))
}

async fn identity(client: &ArmClient, cmd: IdentityCmd) -> Result<Value, Error> {
    // Identities named by --ids: resource group and name from each ID.
    let refs = |t: &Target| -> Result<Vec<(String, String)>, Error> {
        if !t.ids.is_empty() {
            return t
                .ids
                .iter()
                .map(|id| {
                    let r = msi_identity::ResourceId::parse(id)?;
                    if !r.is_type(
                        msi_identity::ids::MSI_NAMESPACE,
                        msi_identity::ids::UAI_TYPE,
                    ) {
                        return Err(Error::invalid_argument(format!(
                            "'{id}' is not a user-assigned identity ID"
                        )));
                    }
                    Ok((r.resource_group.clone(), r.name().to_string()))
                })
                .collect();
        }
        match (&t.resource_group, &t.name) {
            (Some(g), Some(n)) => Ok(vec![(g.clone(), n.clone())]),
            _ => Err(Error::invalid_argument(
                "name the identity: -g and -n, or --ids",
            )),
        }
    };
    match cmd {
        IdentityCmd::Create {
            resource_group,
            name,
            location,
            tags,
        } => {
            let tags = tags.as_deref().map(parse_tags).transpose()?;
            Ok(client
                .create_user_identity(&resource_group, &name, location.as_deref(), tags)
                .await?
                .raw)
        }
        IdentityCmd::Show(t) => {
            let mut out = Vec::new();
            for (g, n) in refs(&t)? {
                out.push(client.get_user_identity(&g, &n).await?.raw);
            }
            Ok(if out.len() == 1 {
                out.remove(0)
            } else {
                Value::Array(out)
            })
        }
        IdentityCmd::List { resource_group } => Ok(Value::Array(
            client
                .list_user_identities(resource_group.as_deref())
                .await?
                .into_iter()
                .map(|u| u.raw)
                .collect(),
        )),
        IdentityCmd::Delete(t) => {
            let mut out = Vec::new();
            for (g, n) in refs(&t)? {
                out.push(json!({ "deleted": client.delete_user_identity(&g, &n).await? }));
            }
            Ok(if out.len() == 1 {
                out.remove(0)
            } else {
                Value::Array(out)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_pairs_parse_like_az() {
        assert_eq!(
            parse_set(&["identity.type=none".into()]).unwrap(),
            (IdentityType::None, None)
        );
        assert_eq!(
            parse_set(&[
                "identity.type='SystemAssigned'".into(),
                "identity.userAssignedIdentities=null".into()
            ])
            .unwrap(),
            (IdentityType::SystemAssigned, Some(vec![]))
        );
        assert!(
            parse_set(&["identity.type=Both".into()])
                .unwrap_err()
                .message()
                .contains("'Both'")
        );
        assert!(
            parse_set(&["tags.a=b".into()])
                .unwrap_err()
                .message()
                .contains("not supported")
        );
        assert!(
            parse_set(&["identity.type".into()])
                .unwrap_err()
                .message()
                .contains("KEY=VALUE")
        );
    }

    #[test]
    fn the_command_tree_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
