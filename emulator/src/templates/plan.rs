//! A template made ready to deploy: its parameters checked and given values, its resources
//! expanded (nested `resources`, `copy` loops, `condition`) and ordered by `dependsOn` (and by the
//! `reference()`s they make), its outputs. Each resource's body is evaluated only when it is about
//! to be deployed, so `reference()` sees what was deployed before it.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::eval::{Env, Variables, eval_value};
use super::resources::{self, Instance};
use super::{DeploymentScope, KnownResource, Resolver, TemplateError, type_name};
use crate::util;

pub use super::resources::MAX_RESOURCES;

/// A template parameter with the value the deployment uses.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    /// `String`, `SecureString`, `Int`, `Bool`, `Object`, `SecureObject`, `Array`.
    pub ty: &'static str,
    pub value: Value,
}

impl Param {
    pub fn secure(&self) -> bool {
        self.ty.starts_with("Secure")
    }
}

pub struct Plan {
    pub scope: DeploymentScope,
    pub params: Vec<Param>,
    values: Map<String, Value>,
    variables: Variables,
    pub instances: Vec<Instance>,
    /// Indexes into `instances` of the resources to deploy, dependencies first.
    pub order: Vec<usize>,
    outputs: Map<String, Value>,
    known: Vec<KnownResource>,
}

/// The type names ARM echoes (`securestring` -> `SecureString`).
fn canonical_type(t: &str) -> Option<&'static str> {
    Some(match t.to_ascii_lowercase().as_str() {
        "string" => "String",
        "securestring" => "SecureString",
        "int" => "Int",
        "bool" => "Bool",
        "object" => "Object",
        "secureobject" => "SecureObject",
        "array" => "Array",
        _ => return None,
    })
}

fn type_matches(ty: &str, v: &Value) -> bool {
    match ty {
        "String" | "SecureString" => v.is_string(),
        "Int" => v.as_i64().is_some(),
        "Bool" => v.is_boolean(),
        "Object" | "SecureObject" => v.is_object(),
        "Array" => v.is_array(),
        _ => false,
    }
}

fn expected_name(ty: &str) -> &'static str {
    match ty {
        "String" | "SecureString" => "String",
        "Int" => "Integer",
        "Bool" => "Boolean",
        "Object" | "SecureObject" => "Object",
        _ => "Array",
    }
}

/// `templateHash`: a decimal digest of the template text.
pub fn template_hash(template: &Value) -> String {
    let d = Sha256::digest(template.to_string().as_bytes());
    let mut n: u64 = 0;
    for b in &d[..8] {
        n = (n << 8) | u64::from(*b);
    }
    (n >> 1).to_string()
}

/// The deployment's `parameters` as given: a parameters file's whole content is accepted too.
fn given_parameters(given: &Value) -> Result<Map<String, Value>, TemplateError> {
    match given {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => {
            if util::get_ci(m, "$schema").is_some()
                && let Some(Value::Object(inner)) = util::get_ci(m, "parameters")
            {
                return Ok(inner.clone());
            }
            Ok(m.clone())
        }
        other => Err(TemplateError::new(format!(
            "The deployment parameters must be an Object, but a value of type '{}' was provided.",
            type_name(other)
        ))),
    }
}

impl Plan {
    /// Checks `template` and `given` (the deployment's `parameters`) and expands the resources.
    pub fn new(
        template: &Value,
        given: &Value,
        scope: DeploymentScope,
    ) -> Result<Plan, TemplateError> {
        let t = template
            .as_object()
            .ok_or_else(|| TemplateError::new("The template must be a JSON object.".to_string()))?;
        let declared = match util::get_ci(t, "parameters") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(TemplateError::new(
                    "The template 'parameters' must be an Object.",
                ));
            }
        };
        let given = given_parameters(given)?;
        let unknown: Vec<&String> = given
            .keys()
            .filter(|k| util::get_ci(&declared, k).is_none())
            .collect();
        if !unknown.is_empty() {
            return Err(TemplateError::new(format!(
                "The template parameters '{}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time. The only supported parameters for this template are '{}'. Please see https://aka.ms/arm-pass-parameter-values for usage details.",
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                declared.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        let mut params = Vec::new();
        let mut values = Map::new();
        for (name, decl) in &declared {
            let p = Self::parameter(name, decl, &given, &values, &scope)?;
            values.insert(name.clone(), p.value.clone());
            params.push(p);
        }
        let variables = match util::get_ci(t, "variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(TemplateError::new(
                    "The template 'variables' must be an Object.",
                ));
            }
        };
        let outputs = match util::get_ci(t, "outputs") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(TemplateError::new(
                    "The template 'outputs' must be an Object.",
                ));
            }
        };
        let mut plan = Plan {
            scope,
            params,
            values,
            variables: Variables::new(variables),
            instances: Vec::new(),
            order: Vec::new(),
            outputs,
            known: Vec::new(),
        };
        let raw = util::get_ci(t, "resources").cloned().ok_or_else(|| {
            TemplateError::new("Required property 'resources' not found in JSON.")
        })?;
        let instances = resources::expand(&raw, &plan.env(None, None))?;
        if instances.len() > MAX_RESOURCES {
            return Err(TemplateError::new(format!(
                "The number of template resources limit exceeded. Limit: '{MAX_RESOURCES}' and actual: '{}'.",
                instances.len()
            )));
        }
        plan.known = instances
            .iter()
            .map(|i| KnownResource {
                name: i.symbolic.clone().unwrap_or_else(|| i.name.clone()),
                id: i.id.clone(),
                api_version: i.api_version.clone(),
            })
            .collect();
        plan.instances = instances;
        let mut instances = std::mem::take(&mut plan.instances);
        resources::link(&mut instances, &plan.env(None, None))?;
        plan.order = resources::order(&instances)?;
        plan.instances = instances;
        Ok(plan)
    }

    fn parameter(
        name: &str,
        decl: &Value,
        given: &Map<String, Value>,
        so_far: &Map<String, Value>,
        scope: &DeploymentScope,
    ) -> Result<Param, TemplateError> {
        let decl = decl.as_object().ok_or_else(|| {
            TemplateError::new(format!(
                "The template parameter '{name}' must be an Object."
            ))
        })?;
        let ty = util::get_ci(decl, "type")
            .and_then(Value::as_str)
            .and_then(canonical_type)
            .ok_or_else(|| {
                TemplateError::new(format!(
                    "The template parameter '{name}' has an invalid type; the supported types are 'string, securestring, int, bool, object, secureObject, array'."
                ))
            })?;
        let value = match util::get_ci(given, name) {
            Some(Value::Object(g)) => {
                if util::get_ci(g, "reference").is_some() {
                    return Err(TemplateError::new(format!(
                        "The template parameter '{name}' is a Key Vault reference, which the emulator does not support; pass its 'value' instead."
                    )));
                }
                util::get_ci(g, "value").cloned().ok_or_else(|| {
                    TemplateError::new(format!(
                        "The value for the template parameter '{name}' is not provided: the parameter object has no 'value'. Please see https://aka.ms/arm-create-parameter-file for usage details."
                    ))
                })?
            }
            Some(_) => {
                return Err(TemplateError::new(format!(
                    "The template parameter '{name}' must be given as an object with a 'value'. Please see https://aka.ms/arm-pass-parameter-values for usage details."
                )));
            }
            None => match util::get_ci(decl, "defaultValue") {
                Some(d) => {
                    let env = Env {
                        scope,
                        parameters: so_far,
                        variables: None,
                        copy: None,
                        resolver: None,
                        known: &[],
                    };
                    eval_value(d, &env).map_err(|e| {
                        TemplateError::new(format!(
                            "The template parameter '{name}' has an invalid default value: {}",
                            e.message
                        ))
                    })?
                }
                None => {
                    return Err(TemplateError::new(format!(
                        "The value for the template parameter '{name}' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details."
                    )));
                }
            },
        };
        if !type_matches(ty, &value) {
            return Err(TemplateError::new(format!(
                "Template parameter JToken type is not valid. Expected '{}'. Actual '{}'. Please see https://aka.ms/arm-create-parameter-file for usage details.",
                expected_name(ty),
                type_name(&value)
            )));
        }
        if let Some(Value::Array(allowed)) = util::get_ci(decl, "allowedValues")
            && !allowed.contains(&value)
        {
            return Err(TemplateError::new(format!(
                "The provided value for the template parameter '{name}' is not valid. The value '{}' is not part of the allowed value(s): '{}'.",
                if ty.starts_with("Secure") {
                    "***".to_string()
                } else {
                    text(&value)
                },
                allowed.iter().map(text).collect::<Vec<_>>().join(",")
            )));
        }
        Ok(Param {
            name: name.to_string(),
            ty,
            value,
        })
    }

    /// What expressions see; `copy` and `resolver` as the place allows.
    pub fn env<'a>(
        &'a self,
        copy: Option<(&'a str, i64)>,
        resolver: Option<&'a dyn Resolver>,
    ) -> Env<'a> {
        Env {
            scope: &self.scope,
            parameters: &self.values,
            variables: Some(&self.variables),
            copy,
            resolver,
            known: &self.known,
        }
    }

    /// The body to PUT for `instances[i]`: its evaluated JSON without the template-only members.
    pub fn resource_body(&self, i: usize, resolver: &dyn Resolver) -> Result<Value, TemplateError> {
        let inst = &self.instances[i];
        let mut raw = inst.raw.clone();
        if let Value::Object(m) = &mut raw {
            m.retain(|k, _| !resources::is_template_member(k));
        }
        let copy = inst.copy.as_ref().map(|(n, i)| (n.as_str(), *i));
        eval_value(&raw, &self.env(copy, Some(resolver)))
            .map_err(|e| resources::in_resource(&inst.name, e))
    }

    /// The deployment's `parameters` as ARM echoes them: secure values are never returned.
    pub fn parameters_echo(&self) -> Value {
        let mut out = Map::new();
        for p in &self.params {
            let v = if p.secure() {
                json!({"type": p.ty})
            } else {
                json!({"type": p.ty, "value": p.value})
            };
            out.insert(p.name.clone(), v);
        }
        Value::Object(out)
    }

    /// The evaluated outputs, `{name: {type, value}}` (secure ones without their value).
    pub fn outputs(&self, resolver: &dyn Resolver) -> Result<Value, TemplateError> {
        let mut out = Map::new();
        for (name, o) in &self.outputs {
            let o = o.as_object().ok_or_else(|| {
                TemplateError::new(format!("The template output '{name}' must be an Object."))
            })?;
            let fail = |e: TemplateError| {
                TemplateError::new(format!(
                    "The template output '{name}' is not valid: {}",
                    e.message
                ))
            };
            let env = self.env(None, Some(resolver));
            if let Some(c) = util::get_ci(o, "condition") {
                match eval_value(c, &env).map_err(fail)? {
                    Value::Bool(false) => continue,
                    Value::Bool(true) => {}
                    other => {
                        return Err(fail(TemplateError::new(format!(
                            "the condition must be a Boolean, but a value of type '{}' was provided.",
                            type_name(&other)
                        ))));
                    }
                }
            }
            let ty = util::get_ci(o, "type")
                .and_then(Value::as_str)
                .and_then(canonical_type)
                .ok_or_else(|| fail(TemplateError::new("the output has an invalid type.")))?;
            let value = match (util::get_ci(o, "copy"), util::get_ci(o, "value")) {
                (Some(Value::Object(c)), _) => {
                    let count = util::get_ci(c, "count").cloned().unwrap_or(Value::Null);
                    let count = resources::copy_count(&count, &env).map_err(fail)?;
                    let input = util::get_ci(c, "input").cloned().unwrap_or(Value::Null);
                    let mut items = Vec::new();
                    for i in 0..count {
                        let env = Env {
                            copy: Some((name.as_str(), i)),
                            ..env.clone()
                        };
                        items.push(eval_value(&input, &env).map_err(fail)?);
                    }
                    Value::Array(items)
                }
                (_, Some(v)) => eval_value(v, &env).map_err(fail)?,
                (_, None) => Value::Null,
            };
            let entry = if ty.starts_with("Secure") {
                json!({"type": ty})
            } else {
                json!({"type": ty, "value": value})
            };
            out.insert(name.clone(), entry);
        }
        Ok(Value::Object(out))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::eval::tests::scope;
    use super::*;

    struct Fake;
    impl Resolver for Fake {
        fn reference(&self, id: &str, api: Option<&str>, full: bool) -> Result<Value, String> {
            let props =
                json!({"principalId": format!("p-of-{}", id.rsplit('/').next().unwrap_or(""))});
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
        assert!(e.message.starts_with("The resource 'Microsoft.Network/networkInterfaces/nic' is not defined in the template."), "{}", e.message);
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
}
