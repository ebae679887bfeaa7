//! A table of every template function through the evaluator: what each answers, and the errors
//! (naming the expression) for bad arguments.

use super::eval::tests::run;
use serde_json::{Value, json};

fn ok(text: &str) -> Value {
    run(
        text,
        json!({"s": "Hello", "n": 3, "arr": [1, 2], "obj": {"a": {"x": 1}, "b": 2}}),
        json!({"v": "var"}),
    )
    .unwrap_or_else(|e| panic!("{text}: {}", e.message))
}

fn err(text: &str) -> String {
    run(text, json!({"s": "Hello"}), json!({}))
        .unwrap_err()
        .message
}

#[test]
fn table_of_functions() {
    let table: &[(&str, Value)] = &[
        ("parameters('s')", json!("Hello")),
        (
            "providers('Microsoft.Compute', 'virtualMachineScaleSets').apiVersions[0]",
            json!("2024-11-01"),
        ),
        ("parameters('S')", json!("Hello")),
        ("variables('v')", json!("var")),
        ("concat('a', 1, true)", json!("a1true")),
        (
            "concat(parameters('arr'), createArray(3))",
            json!([1, 2, 3]),
        ),
        ("format('{0}-{1}{{x}}', 'a', 2)", json!("a-2{x}")),
        ("format('{0:D}', 7)", json!("7")),
        (
            "resourceId('Microsoft.Compute/virtualMachines', 'vm1')",
            json!(
                "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
            ),
        ),
        (
            "resourceId('other', 'Microsoft.Compute/virtualMachines/extensions', 'vm1', 'ext')",
            json!(
                "/subscriptions/sub1/resourceGroups/other/providers/Microsoft.Compute/virtualMachines/vm1/extensions/ext"
            ),
        ),
        (
            "resourceId('s2', 'g2', 'Microsoft.Network/virtualNetworks/subnets', 'v/s')",
            json!(
                "/subscriptions/s2/resourceGroups/g2/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            ),
        ),
        (
            "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')",
            json!("/subscriptions/sub1/providers/Microsoft.Authorization/roleDefinitions/abc"),
        ),
        (
            "extensionResourceId('/x/y', 'Microsoft.Authorization/roleAssignments', 'g')",
            json!("/x/y/providers/Microsoft.Authorization/roleAssignments/g"),
        ),
        (
            "tenantResourceId('Microsoft.Authorization/roleDefinitions', 'r')",
            json!("/providers/Microsoft.Authorization/roleDefinitions/r"),
        ),
        ("resourceGroup().name", json!("rg1")),
        ("resourceGroup().location", json!("westus")),
        (
            "resourceGroup().id",
            json!("/subscriptions/sub1/resourceGroups/rg1"),
        ),
        ("subscription().subscriptionId", json!("sub1")),
        ("subscription().tenantId", json!("tenant1")),
        ("deployment().name", json!("dep1")),
        ("length(uniqueString('a', 'b'))", json!(13)),
        ("equals(uniqueString('a'), uniqueString('a'))", json!(true)),
        ("equals(uniqueString('a'), uniqueString('b'))", json!(false)),
        ("equals(guid('a', 'b'), guid('a', 'b'))", json!(true)),
        ("length(guid('a'))", json!(36)),
        ("toLower('AbC')", json!("abc")),
        ("toUpper('AbC')", json!("ABC")),
        (
            "if(equals(parameters('n'), 3), 'three', 'other')",
            json!("three"),
        ),
        (
            "equals(parameters('obj'), json('{\"B\": 2, \"a\": {\"x\": 1}}'))",
            json!(true),
        ),
        ("equals('a', 'A')", json!(false)),
        ("empty('')", json!(true)),
        ("empty(createArray())", json!(true)),
        ("empty(json('{}'))", json!(true)),
        ("empty(null())", json!(true)),
        ("empty('x')", json!(false)),
        (
            "union(parameters('obj'), json('{\"a\": {\"y\": 2}, \"c\": 3}'))",
            json!({"a": {"x": 1, "y": 2}, "b": 2, "c": 3}),
        ),
        (
            "union(createArray(1, 2), createArray(2, 3))",
            json!([1, 2, 3]),
        ),
        ("length('héllo')", json!(5)),
        ("length(parameters('arr'))", json!(2)),
        ("length(parameters('obj'))", json!(2)),
        ("copyIndex()", json!(2)),
        ("copyIndex(1)", json!(3)),
        ("copyIndex('loop', 10)", json!(12)),
        ("string(5)", json!("5")),
        ("int('42')", json!(42)),
        ("bool('True')", json!(true)),
        ("not(and(true, false))", json!(true)),
        ("or(false, true)", json!(true)),
        ("contains(parameters('arr'), 2)", json!(true)),
        ("contains('foobar', 'oba')", json!(true)),
        ("contains(parameters('obj'), 'A')", json!(true)),
        ("coalesce(null(), 'x')", json!("x")),
        ("first(parameters('arr'))", json!(1)),
        ("last('abc')", json!("c")),
        (
            "split('a,b;c', createArray(',', ';'))",
            json!(["a", "b", "c"]),
        ),
        ("replace('aXbX', 'X', '-')", json!("a-b-")),
        ("startsWith('Hello', 'he')", json!(true)),
        ("padLeft('7', 3, '0')", json!("007")),
        ("add(1, sub(5, mul(2, div(4, mod(5, 3)))))", json!(2)),
        ("less(1, 2)", json!(true)),
        ("greaterOrEquals('b', 'a')", json!(true)),
        ("range(2, 3)", json!([2, 3, 4])),
        ("createObject('k', 1).k", json!(1)),
        ("true()", json!(true)),
    ];
    for (text, want) in table {
        assert_eq!(&ok(text), want, "{text}");
    }
}

#[test]
fn table_of_errors() {
    let table: &[(&str, &str)] = &[
        (
            "providers('Contoso.Widgets')",
            "'Contoso.Widgets' is not registered",
        ),
        (
            "parameters('nope')",
            "The template parameter 'nope' is not found.",
        ),
        (
            "parameters()",
            "the function expects 1 argument(s), but 0 were provided.",
        ),
        (
            "parameters(1)",
            "argument 1 must be a String, but a value of type 'Integer' was provided.",
        ),
        (
            "resourceId('vm1')",
            "function requires exactly one multi-segmented argument",
        ),
        (
            "resourceId('Microsoft.Compute/virtualMachines', 'a', 'b')",
            "requires 1 resource name segment(s), but 2 were provided",
        ),
        (
            "format('{1}', 'a')",
            "refers to argument 1, but only 1 were provided",
        ),
        ("format('{', 'a')", "unclosed"),
        ("concat('a', createArray(1))", "must all be Arrays"),
        (
            "reference('/x', '2020-01-01')",
            "'reference' is not expected at this location",
        ),
        (
            "reference('vm9')",
            "The resource 'vm9' is not defined in the template.",
        ),
        (
            "copyIndex('other')",
            "The template copy 'other' is not found.",
        ),
        ("toLower(1)", "must be a String"),
        ("div(1, 0)", "division by zero"),
        ("add(9223372036854775807, 1)", "out of the range"),
        ("range(0, 100000)", "the count must be between"),
        ("padLeft('a', 99999999)", "the total length"),
        ("union('a')", "must be Objects or Arrays"),
        ("length(1)", "must be a String, an Array or an Object"),
        ("json('{')", "not valid JSON"),
        ("guid()", "at least 1"),
    ];
    for (text, want) in table {
        let m = err(text);
        assert!(m.contains(want), "{text}: {m}");
        assert!(
            m.contains(&format!("of the expression '[{text}]'")),
            "{text}: {m}"
        );
    }
}
