//! Executing the commands that talk to ARM: each converts its flags into core's request types, calls core, and
//! hands back JSON to render. No Azure decision is made here.

use crate::args::{
    AssignArgs, Cmd, ComputeCmd, ComputeIdentityCmd, CreateArgs, DeleteArgs, ExtensionCmd,
    ExtensionRef, GroupCmd, IdentityCmd, RemoveArgs, RoleAssignmentCmd, RoleCmd, Target,
};
use crate::bulk;
use crate::output::{self, Render};
use futures::StreamExt;
use msi_identity::BulkAction;
use msi_identity::bulk::TargetResult;
use msi_identity::{
    ArmClient, AssignRequest, ComputeKind, ComputeTarget, CreateOptions, Error, Identity,
    MsiExtension, MsiExtensionSpec, RemoveRequest, Secret, SetRequest,
};
use serde_json::{Map, Value, json};
use std::io::IsTerminal;

/// Whether the command asked not to wait for its long-running operation (`--no-wait`).
pub fn no_wait(cmd: &Cmd) -> bool {
    let compute = |c: &ComputeCmd| match c {
        ComputeCmd::Create(a) => a.no_wait.no_wait,
        ComputeCmd::Delete(a) => a.no_wait.no_wait,
        ComputeCmd::Update(a) => a.no_wait.no_wait,
        ComputeCmd::Identity(ComputeIdentityCmd::Assign(a)) => a.no_wait.no_wait,
        ComputeCmd::Identity(ComputeIdentityCmd::Remove(a)) => a.no_wait.no_wait,
        ComputeCmd::Extension(ExtensionCmd::Set(a)) => a.no_wait.no_wait,
        ComputeCmd::Extension(ExtensionCmd::Delete { no_wait, .. }) => no_wait.no_wait,
        _ => false,
    };
    match cmd {
        Cmd::Vm(c) | Cmd::Vmss(c) => compute(c),
        _ => false,
    }
}

/// The confirmation az asks for before this command (only `vm delete` of these commands asks), if any.
pub fn confirmation(cmd: &Cmd) -> Option<String> {
    match cmd {
        Cmd::Vm(ComputeCmd::Delete(DeleteArgs {
            yes: false, target, ..
        })) => {
            let what = match (&target.resource_group, &target.name) {
                (Some(g), Some(n)) => format!("VM '{n}' in resource group '{g}'"),
                _ => format!("{} VM(s)", target.ids.len().max(1)),
            };
            Some(format!("Delete {what}?"))
        }
        _ => None,
    }
}

/// Execute a command that talks to ARM; `render` is for what is printed before an error.
pub async fn dispatch(client: &ArmClient, cmd: Cmd, render: &Render) -> Result<Value, Error> {
    match cmd {
        Cmd::Group(GroupCmd::Create { name, location }) => {
            client.create_resource_group(&name, &location).await
        }
        Cmd::Group(GroupCmd::Show { name }) => client.get_resource_group(&name).await,
        Cmd::Vm(c) => compute(client, ComputeKind::VirtualMachine, c, render).await,
        Cmd::Vmss(c) => compute(client, ComputeKind::VirtualMachineScaleSet, c, render).await,
        Cmd::Identity(c) => identity(client, c).await,
        Cmd::Role(RoleCmd::Assignment(c)) => role_assignment(client, c).await,
        Cmd::Emulator(_)
        | Cmd::Quickstart(_)
        | Cmd::Portal(_)
        | Cmd::Account(_)
        | Cmd::Completion { .. }
        | Cmd::Plan(_)
        | Cmd::Apply(_) => Err(Error::invalid_argument(
            "this command does not talk to ARM through a client",
        )),
    }
}

/// The targets named by -g/-n or --ids.
fn targets(client: &ArmClient, kind: ComputeKind, t: &Target) -> Result<Vec<ComputeTarget>, Error> {
    client.targets(kind, t.resource_group.as_deref(), t.name.as_deref(), &t.ids)
}

/// How many `--ids` run at once.
const CONCURRENCY: usize = 8;

/// Run `op` on every target, at most [`CONCURRENCY`] at a time, with a progress bar on a terminal. One target
/// gives its result; several give an array; the first error (in target order) wins.
async fn for_each<F, Fut>(
    targets: Vec<ComputeTarget>,
    render: &Render,
    op: F,
) -> Result<Value, Error>
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
    let (out, errors): (Vec<_>, Vec<_>) =
        results.into_iter().map(|(_, r)| r).partition(Result::is_ok);
    output::values_or_first_error(
        out.into_iter().filter_map(Result::ok).collect(),
        errors.into_iter().filter_map(Result::err).collect(),
        render,
    )
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

async fn compute(
    client: &ArmClient,
    kind: ComputeKind,
    cmd: ComputeCmd,
    render: &Render,
) -> Result<Value, Error> {
    match cmd {
        ComputeCmd::Create(a) => create(client, kind, a).await,
        ComputeCmd::Show(t) => {
            for_each(targets(client, kind, &t)?, render, |t| async move {
                client.get_compute(&t).await
            })
            .await
        }
        ComputeCmd::List { resource_group } => Ok(Value::Array(
            client.list_compute(kind, resource_group.as_deref()).await?,
        )),
        ComputeCmd::Delete(DeleteArgs { target: t, .. }) => {
            for_each(targets(client, kind, &t)?, render, |t| async move {
                client
                    .delete_compute(&t)
                    .await
                    .map(|deleted| json!({ "deleted": deleted }))
            })
            .await
        }
        ComputeCmd::Update(u) => {
            let request = SetRequest::from_az_set(&u.set)?;
            if let Some(sel) = bulk::selection(client, &u.target, &u.fleet) {
                let shape = |r: &TargetResult| r.resource.clone().unwrap_or(Value::Null);
                return bulk::run(
                    client,
                    kind,
                    sel,
                    BulkAction::Set(request),
                    &u.fleet,
                    render,
                    shape,
                )
                .await;
            }
            let request = &request;
            for_each(targets(client, kind, &u.target)?, render, |t| async move {
                Ok(client.set_identity(&t, request).await?.resource)
            })
            .await
        }
        ComputeCmd::Identity(ComputeIdentityCmd::Show(t)) => {
            for_each(targets(client, kind, &t)?, render, |t| async move {
                Ok(client.show_identity(&t).await?.to_json())
            })
            .await
        }
        ComputeCmd::Identity(ComputeIdentityCmd::Assign(a)) => {
            let AssignArgs {
                target,
                fleet,
                identities,
                role,
                scope,
                ..
            } = a;
            let request = AssignRequest {
                identities,
                system_assigned: None,
                role,
                scope,
            };
            if let Some(sel) = bulk::selection(client, &target, &fleet) {
                let shape =
                    |r: &TargetResult| r.identity.as_ref().map_or(Value::Null, assign_output);
                return bulk::run(
                    client,
                    kind,
                    sel,
                    BulkAction::Assign(request),
                    &fleet,
                    render,
                    shape,
                )
                .await;
            }
            let request = &request;
            for_each(targets(client, kind, &target)?, render, |t| async move {
                Ok(assign_output(
                    &client.assign_identity(&t, request).await?.update.identity,
                ))
            })
            .await
        }
        ComputeCmd::Identity(ComputeIdentityCmd::Remove(RemoveArgs {
            target,
            fleet,
            identities,
            ..
        })) => {
            let request = RemoveRequest {
                identities,
                ..RemoveRequest::default()
            };
            if let Some(sel) = bulk::selection(client, &target, &fleet) {
                let shape =
                    |r: &TargetResult| r.identity.as_ref().map_or(Value::Null, Identity::to_json);
                return bulk::run(
                    client,
                    kind,
                    sel,
                    BulkAction::Remove(request),
                    &fleet,
                    render,
                    shape,
                )
                .await;
            }
            let request = &request;
            for_each(targets(client, kind, &target)?, render, |t| async move {
                Ok(client
                    .remove_identity(&t, request)
                    .await?
                    .identity
                    .to_json())
            })
            .await
        }
        ComputeCmd::Extension(e) => extension(client, kind, e).await,
    }
}

async fn create(client: &ArmClient, kind: ComputeKind, a: CreateArgs) -> Result<Value, Error> {
    let t = client.target(Some(kind), Some(&a.resource_group), Some(&a.name), None)?;
    let options = CreateOptions {
        model: a
            .model
            .as_deref()
            .map(|m| parse_json_arg("--model", m))
            .transpose()?,
        image: a.image,
        size: a.size,
        location: a.location,
        admin_username: a.admin_username,
        admin_password: a.admin_password.map(Secret::new),
        ssh_key_value: a.ssh_key_value,
        generate_ssh_keys: a.generate_ssh_keys,
        instance_count: a.instance_count,
        assign_identity: a.assign_identity,
        user_assigned: Vec::new(),
        system_assigned: None,
        identity_type: None,
    };
    client.create(&t, &options).await
}

async fn extension(
    client: &ArmClient,
    kind: ComputeKind,
    cmd: ExtensionCmd,
) -> Result<Value, Error> {
    let target = |r: &ExtensionRef| {
        client.target(Some(kind), Some(&r.resource_group), Some(&r.parent), None)
    };
    match cmd {
        ExtensionCmd::Set(a) => {
            let t = target(&a.ext)?;
            let spec = MsiExtensionSpec {
                name: Some(a.ext.name.clone()),
                extension_type: a.extension_type,
                publisher: a.publisher,
                version: a.version,
                settings: a
                    .settings
                    .as_deref()
                    .map(|s| parse_json_arg("--settings", s))
                    .transpose()?,
                port: None,
            };
            let ext = MsiExtension::from_spec(&spec)?;
            client.set_msi_extension(&t, &ext).await
        }
        ExtensionCmd::Delete { ext: r, .. } => {
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
        ExtensionCmd::List(p) => {
            let t = client.target(Some(kind), Some(&p.resource_group), Some(&p.parent), None)?;
            Ok(Value::Array(client.list_extensions(&t).await?))
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
            let list = client
                .list_role_assignments(scope.as_deref(), assignee.as_deref())
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
                let deleted = client
                    .delete_role_assignments_matching(
                        scope.as_deref(),
                        assignee.as_deref(),
                        role.as_deref(),
                    )
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

/// One result, or an array for several.
fn one_or_many(mut out: Vec<Value>) -> Value {
    if out.len() == 1 {
        out.remove(0)
    } else {
        Value::Array(out)
    }
}

async fn identity(client: &ArmClient, cmd: IdentityCmd) -> Result<Value, Error> {
    // Identities named by --ids (each in its own subscription) or by -g/-n.
    let refs = |t: &Target| -> Result<Vec<String>, Error> {
        if t.ids.is_empty() {
            return Ok(vec![client.user_identity_ref(
                t.resource_group.as_deref(),
                t.name.as_deref(),
                None,
            )?]);
        }
        t.ids
            .iter()
            .map(|id| client.user_identity_ref(None, None, Some(id)))
            .collect()
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
            for id in refs(&t)? {
                out.push(client.get_user_identity_by_id(&id).await?.raw);
            }
            Ok(one_or_many(out))
        }
        IdentityCmd::Update { target, tags } => {
            let tags = parse_tags(&tags)?;
            let mut out = Vec::new();
            for id in refs(&target)? {
                out.push(
                    client
                        .update_user_identity_tags(&id, tags.clone())
                        .await?
                        .raw,
                );
            }
            Ok(one_or_many(out))
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
            for id in refs(&t)? {
                out.push(json!({ "deleted": client.delete_user_identity_by_id(&id).await? }));
            }
            Ok(one_or_many(out))
        }
    }
}
