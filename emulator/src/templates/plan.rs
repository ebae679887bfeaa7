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
