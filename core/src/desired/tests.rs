//! The file's errors name the place (line, column, field), and the desired change plans as the table says.

use super::*;
use crate::identity::{
    Identity, IdentityChange, IdentityType, UserAssignedIdentity, UserWant, plan,
};

const VM: &str = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/a";

fn err(text: &str) -> String {
    let e = parse(text, "identities.yaml").unwrap_err();
    assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
    e.message().to_string()
}

#[test]
fn a_good_file_reads_into_typed_entries() {
    let doc = parse(
        &format!(
            "# identities.yaml
targets:
  - kind: vm
    ids: [{VM}]
    identity:
      systemAssigned: true
      userAssigned:
        exactly: [id-web]
    roles:
      - role: Reader
        scope: /subscriptions/s/resourceGroups/g
      - role: Reader
        scope: /subscriptions/s
        identity: id-web
    msiExtension: absent
  - kind: vmss
    resourceGroup: g
    tag: env=prod
    identity:
      userAssigned:
        atLeast: [id-a]
    msiExtension:
      type: ManagedIdentityExtensionForLinux
      port: 50343
"
        ),
        "identities.yaml",
    )
    .unwrap();
    assert_eq!(doc.targets.len(), 2);
    let t = &doc.targets[0];
    assert_eq!(t.kind, crate::ComputeKind::VirtualMachine);
    assert_eq!(t.selection.ids, vec![VM.to_string()]);
    let i = t.identity.as_ref().unwrap();
    assert_eq!(i.system_assigned, Some(true));
    assert_eq!(i.user_assigned.0, UserWant::Exactly(vec!["id-web".into()]));
    assert_eq!(t.roles[0].identity, None);
    assert_eq!(t.roles[1].identity.as_deref(), Some("id-web"));
    assert_eq!(t.msi_extension, Some(ExtensionWant::Absent));
    let t = &doc.targets[1];
    assert_eq!(t.selection.resource_group.as_deref(), Some("g"));
    assert_eq!(t.identity.as_ref().unwrap().system_assigned, None);
    match &t.msi_extension {
        Some(ExtensionWant::Present(spec)) => assert_eq!(spec.port, Some(50343)),
        other => panic!("{other:?}"),
    }
    // JSON is YAML too.
    let json =
        format!(r#"{{"targets": [{{"kind": "vm", "ids": ["{VM}"], "msiExtension": "present"}}]}}"#);
    assert_eq!(parse(&json, "i.json").unwrap().targets.len(), 1);
}

#[test]
fn errors_name_the_file_line_column_and_field() {
    let wrong_type = format!(
        "targets:
  - kind: vm
    ids: [{VM}]
    identity:
      systemAssigned: maybe
"
    );
    let m = err(&wrong_type);
    assert!(
        m.starts_with("identities.yaml:5:23: targets[0].identity.systemAssigned: "),
        "{m}"
    );
    assert!(m.contains("expected true or false"), "{m}");

    let unknown = format!("targets:\n  - kind: vm\n    ids: [{VM}]\n    identiti: {{}}\n");
    let m = err(&unknown);
    assert!(
        m.starts_with("identities.yaml:4:5: targets[0]: unknown field `identiti`"),
        "{m}"
    );

    let m = err("targets:\n  - kind: vm\n    ids: [a\n");
    assert!(m.starts_with("identities.yaml:"), "{m}");
    assert!(m.split(':').nth(1).unwrap().parse::<u32>().is_ok(), "{m}");

    let m = err("targets:\n  - kind: vx\n    resourceGroup: g\n    msiExtension: present\n");
    assert!(
        m.starts_with("identities.yaml:2:11: targets[0].kind: unknown variant `vx`"),
        "{m}"
    );

    let m = err("targets:\n  - kind: vm\n    resourceGroup: g\n    msiExtension: maybe\n");
    assert!(
        m.contains("targets[0].msiExtension: invalid value: string \"maybe\""),
        "{m}"
    );
    assert!(m.contains("present, absent"), "{m}");

    let m = err(
        "targets:\n  - kind: vm\n    resourceGroup: g\n    identity:\n      userAssigned:\n        exactly: [a]\n        atLeast: [b]\n",
    );
    assert!(m.starts_with("identities.yaml:6:9: targets[0].identity.userAssigned: give exactly or atLeast, not both"), "{m}");

    let m = err(
        "targets:\n  - kind: vm\n    resourceGroup: g\n    roles:\n      - role: Reader\n        scope: subscriptions/x\n",
    );
    assert!(
        m.starts_with("identities.yaml:5:9: targets[0].roles[0]: invalid scope"),
        "{m}"
    );

    let m = err("targets:\n  - kind: vm\n    msiExtension: present\n");
    assert!(m.contains("targets[0]: name the targets"), "{m}");
    let m = err(&format!("targets:\n  - kind: vm\n    ids: [{VM}]\n"));
    assert!(m.contains("targets[0]: nothing to enforce"), "{m}");
    let m = err(&format!(
        "targets:\n  - kind: vmss\n    ids: [{VM}]\n    msiExtension: absent\n"
    ));
    assert!(
        m.contains("is not a Microsoft.Compute/virtualMachineScaleSets"),
        "{m}"
    );
    let m = err(&format!(
        "targets:\n  - kind: vm\n    ids: [{VM}]\n    identity:\n      systemAssigned: false\n    roles:\n      - role: Reader\n        scope: /subscriptions/s\n"
    ));
    assert!(m.contains("turns off"), "{m}");
    let m = err(&format!(
        "targets:\n  - kind: vm\n    ids: [{VM}]\n    identity:\n      userAssigned:\n        atLeast: ['[system]']\n"
    ));
    assert!(m.contains("use identity.systemAssigned"), "{m}");
    let m = err(&format!(
        "targets:\n  - kind: vm\n    ids: [{VM}]\n    msiExtension:\n      type: ManagedIdentityExtensionForLinux\n      port: 0\n"
    ));
    assert!(m.contains("targets[0].msiExtension: port 0"), "{m}");

    assert!(err("").contains("the file is empty"));
    assert!(err("targets: []").contains("the list is empty"));
    assert!(
        err("hello").starts_with("identities.yaml:"),
        "{}",
        err("hello")
    );
}

const A: &str = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a";
const B: &str = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b";

fn ident(system: bool, user: &[&str]) -> Identity {
    Identity {
        identity_type: IdentityType::from_parts(system, !user.is_empty()),
        principal_id: system.then(|| "p".into()),
        tenant_id: None,
        user_assigned: user
            .iter()
            .map(|id| UserAssignedIdentity {
                id: id.to_string(),
                principal_id: None,
                client_id: None,
            })
            .collect(),
    }
}

/// The desired change through the one change plan: (current, desired) -> PATCH body or nothing.
#[test]
fn desired_changes_plan_through_the_change_plan() {
    use crate::identity::Plan as P;
    let d = |system, user| IdentityChange::Desired { system, user };
    let ex = |ids: &[&str]| UserWant::Exactly(ids.iter().map(|s| s.to_string()).collect());
    let al = |ids: &[&str]| UserWant::AtLeast(ids.iter().map(|s| s.to_string()).collect());
    let body = |v: serde_json::Value| P::Patch(serde_json::json!({ "identity": v }));
    let rows: Vec<(Identity, IdentityChange, P)> = vec![
        (ident(false, &[]), d(None, UserWant::Keep), P::NoChange),
        (
            ident(false, &[]),
            d(Some(true), UserWant::Keep),
            body(serde_json::json!({"type": "SystemAssigned"})),
        ),
        (ident(true, &[]), d(Some(true), UserWant::Keep), P::NoChange),
        (
            ident(true, &[A]),
            d(Some(false), UserWant::Keep),
            body(serde_json::json!({"type": "UserAssigned"})),
        ),
        (
            ident(true, &[A]),
            d(None, ex(&[B])),
            body(
                serde_json::json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {B: {}, A: null}}),
            ),
        ),
        (
            ident(false, &[A]),
            d(None, ex(&[])),
            body(serde_json::json!({"type": "None"})),
        ),
        (
            ident(false, &[A]),
            d(None, al(&[&A.to_uppercase()])),
            P::NoChange,
        ),
        (
            ident(false, &[A]),
            d(Some(true), al(&[B])),
            body(
                serde_json::json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {B: {}}}),
            ),
        ),
        (
            ident(true, &[A, B]),
            d(Some(true), ex(&[A, B])),
            P::NoChange,
        ),
    ];
    for (current, change, want) in rows {
        assert_eq!(
            plan(&current, &change).unwrap(),
            want,
            "{current:?} {change:?}"
        );
    }
}

#[test]
fn the_os_comes_from_the_disk_or_the_os_configuration() {
    use super::target::os_of;
    use crate::extension::MsiExtensionOs::{Linux, Windows};
    use serde_json::json;
    let vm = crate::ComputeKind::VirtualMachine;
    let vmss = crate::ComputeKind::VirtualMachineScaleSet;
    let disk = json!({"properties": {"storageProfile": {"osDisk": {"osType": "Windows"}}}});
    assert_eq!(os_of(&disk, vm), Some(Windows));
    let config = json!({"properties": {"osProfile": {"linuxConfiguration": {}}}});
    assert_eq!(os_of(&config, vm), Some(Linux));
    let ss = json!({"properties": {"virtualMachineProfile": {"osProfile": {"windowsConfiguration": {}}}}});
    assert_eq!(os_of(&ss, vmss), Some(Windows));
    assert_eq!(os_of(&ss, vm), None);
    assert_eq!(os_of(&json!({}), vm), None);
}

#[test]
fn the_plan_reads_as_a_diff_and_as_json() {
    use serde_json::json;
    let diff = TargetDiff {
        identity: IdentityDiff {
            system_before: true,
            system_after: false,
            user_added: vec![A.into()],
            user_removed: vec![B.into()],
        },
        roles_add: vec![RoleAdd {
            role: "Reader".into(),
            role_definition_id: "/r".into(),
            scope: "/subscriptions/s".into(),
            identity: Some(A.into()),
        }],
        extension_add: None,
        extension_remove: vec!["ManagedIdentityExtensionForWindows".into()],
    };
    let plan = Plan {
        source: "f.yaml".into(),
        targets: vec![
            TargetPlan {
                id: VM.into(),
                kind: crate::ComputeKind::VirtualMachine,
                entry: 0,
                status: PlanStatus::Update,
                diff: diff.clone(),
                error: None,
            },
            TargetPlan {
                id: format!("{VM}2"),
                kind: crate::ComputeKind::VirtualMachine,
                entry: 1,
                status: PlanStatus::NoChange,
                diff: TargetDiff::default(),
                error: None,
            },
        ],
    };
    assert_eq!(
        plan.to_text(),
        format!(
            "~ {VM}\n    - systemAssigned\n    + userAssigned a\n    - userAssigned b\n    + role Reader at /subscriptions/s (a)\n    - msiExtension ManagedIdentityExtensionForWindows\nPlan (f.yaml): 0 to create, 1 to update, 1 unchanged, 0 error(s)."
        )
    );
    let j = plan.to_json();
    assert_eq!(j["changes"], true);
    assert_eq!(
        j["summary"],
        json!({"create": 0, "update": 1, "noChange": 1, "error": 0})
    );
    assert_eq!(
        j["targets"][0]["changes"]["userAssigned"],
        json!({"add": [A], "remove": [B]})
    );
    assert_eq!(j["targets"][0]["changes"]["roles"]["add"][0]["identity"], A);
    assert_eq!(
        j["targets"][0]["changes"]["msiExtension"]["add"],
        serde_json::Value::Null
    );
    assert_eq!(j["targets"][1]["status"], "noChange");
    assert!(plan.has_changes() && plan.first_error().is_none());
}
