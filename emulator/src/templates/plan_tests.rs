//! The template as a whole: the az vm create excerpt, copy loops, `dependsOn` order and cycles,
//! nested resources and scopes, parameter checks, expression errors.

use super::eval::tests::scope;
use super::plan::*;
use super::{Resolver, TemplateError};
use serde_json::{Value, json};

struct Fake;
impl Resolver for Fake {
    fn reference(&self, id: &str, api: Option<&str>, full: bool) -> Result<Value, String> {
        let props = json!({"principalId": format!("p-of-{}", id.rsplit('/').next().unwrap_or(""))});
        Ok(if full {
            json!({"id": id, "apiVersion": api, "identity": props, "properties": {}})
        } else {
            props
        })
    }
}

fn plan(t: Value, p: Value) -> Result<Plan, TemplateError> {
    Plan::new(&t, &p, scope())
}

fn names(p: &Plan) -> Vec<String> {
    p.order
        .iter()
        .map(|k| p.instances[*k].name.clone())
        .collect()
}

#[test]
fn the_az_vm_create_excerpt_orders_the_role_assignment_after_the_vm() {
    let t = json!({"parameters": {"adminPassword": {"type": "securestring"}},
        "resources": [
        {"name": "70f9a2aa-16df-4bc6-b15f-1bd2cdd78d72", "type": "Microsoft.Authorization/roleAssignments",
         "apiVersion": "2015-07-01", "dependsOn": ["Microsoft.Compute/virtualMachines/vm1"],
         "properties": {"principalId": "[reference('/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1', '2019-07-01', 'Full').identity.principalId]"}},
        {"apiVersion": "2022-11-01", "type": "Microsoft.Compute/virtualMachines", "name": "vm1",
         "location": "westus", "properties": {"osProfile": {"adminPassword": "[parameters('adminPassword')]"}},
         "identity": {"type": "SystemAssigned"}}]});
    let p = plan(t, json!({"adminPassword": {"value": "s3cret!"}})).unwrap();
    assert_eq!(
        names(&p),
        vec!["vm1", "70f9a2aa-16df-4bc6-b15f-1bd2cdd78d72"]
    );
    assert_eq!(
        p.instances[1].id,
        "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
    );
    let vm = p.resource_body(1, &Fake).unwrap();
    assert_eq!(
        vm,
        json!({"location": "westus", "properties": {"osProfile": {"adminPassword": "s3cret!"}},
        "identity": {"type": "SystemAssigned"}})
    );
    let ra = p.resource_body(0, &Fake).unwrap();
    assert_eq!(ra["properties"]["principalId"], "p-of-vm1");
    // The secure value is never echoed.
    assert_eq!(
        p.parameters_echo(),
        json!({"adminPassword": {"type": "SecureString"}})
    );
}

#[test]
fn copy_loops_expand_and_dependencies_on_a_loop_wait_for_every_instance() {
    let t = json!({"parameters": {"count": {"type": "int", "defaultValue": 3}},
        "variables": {"prefix": "id"},
        "resources": [
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "ra",
         "dependsOn": ["ids"], "properties": {"principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-2'), '2023-01-31').principalId]"}},
        {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
         "name": "[concat(variables('prefix'), '-', copyIndex())]", "location": "westus",
         "tags": {"n": "[copyIndex(1)]"},
         "copy": {"name": "ids", "count": "[parameters('count')]"}}],
        "outputs": {"names": {"type": "array", "copy": {"count": 2, "input": "[concat('o', copyIndex())]"}},
                    "pid": {"type": "string", "value": "[reference('id-0').principalId]"}}});
    let p = plan(t, json!({})).unwrap();
    assert_eq!(names(&p), vec!["id-0", "id-1", "id-2", "ra"]);
    assert_eq!(p.resource_body(3, &Fake).unwrap()["tags"]["n"], 3);
    assert_eq!(p.instances[0].depends_on, vec![1, 2, 3]);
    let out = p.outputs(&Fake).unwrap();
    assert_eq!(
        out["names"],
        json!({"type": "Array", "value": ["o0", "o1"]})
    );
    assert_eq!(out["pid"], json!({"type": "String", "value": "p-of-id-0"}));
    assert_eq!(
        p.parameters_echo(),
        json!({"count": {"type": "Int", "value": 3}})
    );
    let none = plan(json!({"resources": [{"type": "Microsoft.ManagedIdentity/userAssignedIdentities",
        "apiVersion": "2023-01-31", "name": "[concat('x', copyIndex())]", "copy": {"name": "l", "count": 0}}]}), json!({})).unwrap();
    assert!(none.order.is_empty());
    let e = plan(
        json!({"resources": [{"type": "A.B/c", "apiVersion": "2020-01-01", "name": "x",
        "copy": {"name": "l", "count": 801}}]}),
        json!({}),
    )
    .err()
    .unwrap();
    assert!(e.message.contains("cannot exceed '800'"), "{}", e.message);
}

#[test]
fn depends_on_orders_and_cycles_are_refused() {
    let r = |name: &str, deps: Value| json!({"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": name, "dependsOn": deps});
    let p = plan(json!({"resources": [
        r("c", json!(["[resourceId('Microsoft.Network/virtualNetworks', 'b')]"])),
        r("b", json!(["a"])),
        r("a", json!([])),
        r("d", json!(["/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/c"]))]}), json!({})).unwrap();
    assert_eq!(names(&p), vec!["a", "b", "c", "d"]);
    let e = plan(
        json!({"resources": [r("a", json!(["b"])), r("b", json!(["a"]))]}),
        json!({}),
    )
    .err()
    .unwrap();
    assert_eq!(
        e.message,
        "Circular dependency detected on resource: '/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/a'. Please see https://aka.ms/arm-syntax-resources for usage details."
    );
    let e = plan(json!({"resources": [r("a", json!(["a"]))]}), json!({}))
        .err()
        .unwrap();
    assert!(
        e.message.starts_with("Circular dependency"),
        "{}",
        e.message
    );
    let e = plan(
        json!({"resources": [r("a", json!(["Microsoft.Network/networkInterfaces/nic"]))]}),
        json!({}),
    )
    .err()
    .unwrap();
    assert!(
        e.message.starts_with(
            "The resource 'Microsoft.Network/networkInterfaces/nic' is not defined in the template."
        ),
        "{}",
        e.message
    );
    // A resource whose condition is false is skipped, and what depends on it still deploys.
    let mut off = r("x", json!([]));
    off["condition"] = json!("[equals('a', 'b')]");
    let p = plan(json!({"resources": [r("y", json!(["x"])), off]}), json!({})).unwrap();
    assert_eq!(names(&p), vec!["y"]);
}

#[test]
fn nested_resources_and_scopes() {
    let p = plan(json!({"resources": [
        {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2022-11-01", "name": "vm1",
         "resources": [{"type": "extensions", "apiVersion": "2022-11-01", "name": "ext", "properties": {}}]},
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "g",
         "scope": "Microsoft.Compute/virtualMachines/vm1", "dependsOn": ["vm1"]}]}), json!({})).unwrap();
    assert_eq!(names(&p), vec!["vm1", "vm1/ext", "g"]);
    assert_eq!(
        p.instances[1].id,
        "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1/extensions/ext"
    );
    assert_eq!(
        p.instances[2].id,
        "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1/providers/Microsoft.Authorization/roleAssignments/g"
    );
    assert!(
        p.resource_body(0, &Fake)
            .unwrap()
            .get("resources")
            .is_none()
    );
    let e = plan(json!({"resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "1", "name": "a/b"}]}), json!({})).err().unwrap();
    assert!(
        e.message.contains("has incorrect segment lengths"),
        "{}",
        e.message
    );
}

#[test]
fn parameters_are_checked_as_arm_checks_them() {
    let t = json!({"parameters": {
        "name": {"type": "string", "allowedValues": ["a", "b"]},
        "size": {"type": "int", "defaultValue": 1},
        "loc": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
        "resources": []});
    let p = plan(t.clone(), json!({"name": {"value": "a"}})).unwrap();
    assert_eq!(
        p.parameters_echo()["loc"],
        json!({"type": "String", "value": "westus"})
    );
    // A whole parameters file is accepted as `az --parameters @file` may send it.
    assert!(plan(t.clone(), json!({"$schema": "x", "contentVersion": "1.0.0.0", "parameters": {"name": {"value": "b"}}})).is_ok());
    let cases = [
        (
            json!({}),
            "The value for the template parameter 'name' is not provided.",
        ),
        (
            json!({"name": {"value": "c"}}),
            "The value 'c' is not part of the allowed value(s): 'a,b'.",
        ),
        (
            json!({"name": {"value": "a"}, "size": {"value": "1"}}),
            "Expected 'Integer'. Actual 'String'.",
        ),
        (
            json!({"name": {"value": "a"}, "extra": {"value": 1}}),
            "The template parameters 'extra' in the parameters file are not valid",
        ),
        (
            json!({"name": "a"}),
            "must be given as an object with a 'value'",
        ),
        (json!({"name": {"reference": {}}}), "Key Vault reference"),
    ];
    for (given, want) in cases {
        let e = plan(t.clone(), given.clone()).err().unwrap();
        assert!(e.message.contains(want), "{given}: {}", e.message);
    }
    let e = plan(
        json!({"parameters": {"x": {"type": "float"}}, "resources": []}),
        json!({}),
    )
    .err()
    .unwrap();
    assert!(e.message.contains("invalid type"), "{}", e.message);
    assert!(
        plan(json!({}), json!({}))
            .err()
            .unwrap()
            .message
            .contains("'resources'")
    );
    assert!(plan(json!([]), json!({})).is_err());
}

#[test]
fn expression_errors_name_the_resource_and_expression() {
    let e = plan(json!({"resources": [{"type": "A.B/c", "apiVersion": "2020-01-01", "name": "[concat('x']"}]}), json!({})).err().unwrap();
    assert!(
        e.message
            .contains("Unable to parse language expression 'concat('x''"),
        "{}",
        e.message
    );
    let p = plan(
        json!({"resources": [{"type": "A.B/c", "apiVersion": "2020-01-01", "name": "x",
        "properties": {"a": "[listKeys('k', '2020-01-01')]"}}]}),
        json!({}),
    )
    .unwrap();
    let e = p.resource_body(0, &Fake).unwrap_err();
    assert_eq!(
        e.message,
        "The template resource 'x' is not valid: The template function 'listKeys' at position '0' of the expression '[listKeys('k', '2020-01-01')]' is not valid. Please see https://aka.ms/arm-functions for usage details."
    );
    assert!(
        template_hash(&json!({"a": 1}))
            .chars()
            .all(|c| c.is_ascii_digit())
    );
}
