//! Evaluating expressions and template values: every JSON string of the form `[expr]` is evaluated
//! (`[[` escapes a literal `[`), objects and arrays are walked, everything else is kept.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::parser::{Expr, StringForm, parse, string_form};
use super::{DeploymentScope, KnownResource, Resolver, TemplateError, functions};
use crate::util;

/// The template's variables, evaluated on first use (a variable may use another).
pub struct Variables {
    raw: Map<String, Value>,
    cache: RefCell<HashMap<String, Value>>,
    in_progress: RefCell<Vec<String>>,
}

impl Variables {
    pub fn new(raw: Map<String, Value>) -> Variables {
        Variables {
            raw,
            cache: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(Vec::new()),
        }
    }

    pub fn get(&self, name: &str, env: &Env<'_>) -> Result<Value, String> {
        let key = name.to_ascii_lowercase();
        if let Some(v) = self.cache.borrow().get(&key) {
            return Ok(v.clone());
        }
        let raw = util::get_ci(&self.raw, name)
            .ok_or_else(|| format!("The template variable '{name}' is not found."))?;
        if self.in_progress.borrow().contains(&key) {
            return Err(format!(
                "The template variable '{name}' refers to itself, through {}.",
                self.in_progress.borrow().join(" -> ")
            ));
        }
        self.in_progress.borrow_mut().push(key.clone());
        // Variables see parameters and other variables, never a copy index of a resource.
        let inner = Env {
            copy: None,
            ..env.clone()
        };
        let out = eval_value(raw, &inner).map_err(|e| e.message);
        self.in_progress.borrow_mut().pop();
        let v = out?;
        self.cache.borrow_mut().insert(key, v.clone());
        Ok(v)
    }
}

/// What an expression can see.
#[derive(Clone)]
pub struct Env<'a> {
    pub scope: &'a DeploymentScope,
    pub parameters: &'a Map<String, Value>,
    pub variables: Option<&'a Variables>,
    /// The copy loop being expanded and the index of this instance.
    pub copy: Option<(&'a str, i64)>,
    /// `None` where `reference()` is not allowed (names, `dependsOn`, parameters, variables).
    pub resolver: Option<&'a dyn Resolver>,
    pub known: &'a [KnownResource],
}

impl functions::Context for Env<'_> {
    fn scope(&self) -> &DeploymentScope {
        self.scope
    }

    fn parameter(&self, name: &str) -> Option<Value> {
        util::get_ci(self.parameters, name).cloned()
    }

    fn variable(&self, name: &str) -> Result<Value, String> {
        match self.variables {
            Some(vars) => vars.get(name, self),
            None => Err(format!("The template variable '{name}' is not found.")),
        }
    }

    fn copy(&self) -> Option<(&str, i64)> {
        self.copy
    }

    fn known(&self) -> &[KnownResource] {
        self.known
    }

    fn resolver(&self) -> Option<&dyn Resolver> {
        self.resolver
    }
}

/// Evaluates a template value: strings that are expressions, inside objects and arrays too.
pub fn eval_value(v: &Value, env: &Env<'_>) -> Result<Value, TemplateError> {
    match v {
        Value::String(s) => eval_string(s, env),
        Value::Array(items) => items
            .iter()
            .map(|i| eval_value(i, env))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), eval_value(v, env)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Evaluates one template string.
pub fn eval_string(s: &str, env: &Env<'_>) -> Result<Value, TemplateError> {
    match string_form(s) {
        StringForm::Literal(l) => Ok(Value::String(l.into_owned())),
        StringForm::Expression(text) => {
            let e = parse(text)?;
            eval(&e, env, text)
        }
    }
}

/// Evaluates a parsed expression; `text` is its source, for messages.
pub fn eval(e: &Expr, env: &Env<'_>, text: &str) -> Result<Value, TemplateError> {
    match e {
        Expr::Str(s) => Ok(Value::String(s.clone())),
        Expr::Int(n) => Ok(Value::from(*n)),
        Expr::Bool(b) => Ok(Value::Bool(*b)),
        Expr::Null => Ok(Value::Null),
        Expr::Call { name, args, pos } => {
            let fail = |detail: String| {
                TemplateError::new(format!(
                    "Unable to evaluate template language function '{name}' at position '{pos}' of the expression '[{text}]': {detail}"
                ))
            };
            let lower = name.to_ascii_lowercase();
            // `if` evaluates only the branch it takes (as ARM does), so the other may fail.
            if lower == "if" {
                if args.len() != 3 {
                    return Err(fail(format!(
                        "the function expects 3 arguments, but {} were provided.",
                        args.len()
                    )));
                }
                return match eval(&args[0], env, text)? {
                    Value::Bool(true) => eval(&args[1], env, text),
                    Value::Bool(false) => eval(&args[2], env, text),
                    other => Err(fail(format!(
                        "the first argument must be a Boolean, but a value of type '{}' was provided.",
                        super::type_name(&other)
                    ))),
                };
            }
            if !functions::is_known(&lower) {
                return Err(TemplateError::new(format!(
                    "The template function '{name}' at position '{pos}' of the expression '[{text}]' is not valid. Please see https://aka.ms/arm-functions for usage details."
                )));
            }
            let values = args
                .iter()
                .map(|a| eval(a, env, text))
                .collect::<Result<Vec<_>, _>>()?;
            functions::call(&lower, values, env).map_err(fail)
        }
        Expr::Prop(base, prop, pos) => {
            let v = eval(base, env, text)?;
            property(&v, prop).map_err(|d| at(d, *pos, text))
        }
        Expr::Index(base, index, pos) => {
            let v = eval(base, env, text)?;
            let i = eval(index, env, text)?;
            match (&v, &i) {
                (Value::Array(items), Value::Number(n)) => {
                    let n = n.as_i64().unwrap_or(-1);
                    usize::try_from(n)
                        .ok()
                        .and_then(|k| items.get(k))
                        .cloned()
                        .ok_or_else(|| {
                            at(
                                format!(
                                    "The language expression array index '{n}' is out of bounds."
                                ),
                                *pos,
                                text,
                            )
                        })
                }
                (Value::Object(_), Value::String(s)) => {
                    property(&v, s).map_err(|d| at(d, *pos, text))
                }
                _ => Err(at(
                    format!(
                        "The language expression cannot index a value of type '{}' with a value of type '{}'.",
                        super::type_name(&v),
                        super::type_name(&i)
                    ),
                    *pos,
                    text,
                )),
            }
        }
    }
}

fn at(detail: String, pos: usize, text: &str) -> TemplateError {
    TemplateError::new(format!(
        "{detail} (position '{pos}' of the expression '[{text}]')"
    ))
}

/// `.name` of an object (case-insensitively, as ARM's JSON is).
fn property(v: &Value, name: &str) -> Result<Value, String> {
    match v {
        Value::Object(m) => util::get_ci(m, name).cloned().ok_or_else(|| {
            format!(
                "The language expression property '{name}' doesn't exist, available properties are '{}'.",
                m.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        }),
        other => Err(format!(
            "The language expression property '{name}' can't be evaluated, property name must be an object property of a value of type 'Object', but the value is of type '{}'.",
            super::type_name(other)
        )),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub fn scope() -> DeploymentScope {
        DeploymentScope {
            subscription_id: "sub1".into(),
            tenant_id: "tenant1".into(),
            resource_group: "rg1".into(),
            location: "westus".into(),
            tags: json!({}),
            deployment_name: "dep1".into(),
        }
    }

    /// Evaluates `[text]` with the parameters `p` and the variables `v`.
    pub fn run(text: &str, p: Value, v: Value) -> Result<Value, TemplateError> {
        let scope = scope();
        let params = p.as_object().cloned().unwrap_or_default();
        let vars = Variables::new(v.as_object().cloned().unwrap_or_default());
        let env = Env {
            scope: &scope,
            parameters: &params,
            variables: Some(&vars),
            copy: Some(("loop", 2)),
            resolver: None,
            known: &[],
        };
        eval_string(&format!("[{text}]"), &env)
    }

    #[test]
    fn properties_and_indexes() {
        let p = json!({"o": {"Name": "x", "list": [1, 2, {"k": "v"}]}});
        assert_eq!(
            run("parameters('o').name", p.clone(), json!({})).unwrap(),
            json!("x")
        );
        assert_eq!(
            run("parameters('o').list[2].k", p.clone(), json!({})).unwrap(),
            json!("v")
        );
        assert_eq!(
            run("parameters('o')['list'][0]", p.clone(), json!({})).unwrap(),
            json!(1)
        );
        let e = run("parameters('o').nope", p.clone(), json!({})).unwrap_err();
        assert!(
            e.message
                .contains("'nope' doesn't exist, available properties are 'Name, list'"),
            "{}",
            e.message
        );
        assert!(e.message.contains("position '15'"), "{}", e.message);
        let e = run("parameters('o').list[7]", p, json!({})).unwrap_err();
        assert!(
            e.message.contains("index '7' is out of bounds"),
            "{}",
            e.message
        );
    }

    #[test]
    fn variables_are_lazy_and_cycles_are_refused() {
        let v = json!({"a": "[concat(variables('b'), '!')]", "b": "[parameters('p')]",
            "self": "[variables('self')]"});
        assert_eq!(
            run("variables('a')", json!({"p": "hi"}), v.clone()).unwrap(),
            json!("hi!")
        );
        let e = run("variables('self')", json!({}), v.clone()).unwrap_err();
        assert!(e.message.contains("refers to itself"), "{}", e.message);
        let e = run("variables('zzz')", json!({}), v).unwrap_err();
        assert!(
            e.message
                .contains("The template variable 'zzz' is not found."),
            "{}",
            e.message
        );
    }

    #[test]
    fn literals_and_escapes() {
        let scope = scope();
        let params = Map::new();
        let env = Env {
            scope: &scope,
            parameters: &params,
            variables: None,
            copy: None,
            resolver: None,
            known: &[],
        };
        let v = eval_value(
            &json!({"a": "[[not.an(expression)]", "b": ["[concat('x', 'y')]", 3, true]}),
            &env,
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"a": "[not.an(expression)]", "b": ["xy", 3, true]})
        );
        let e = eval_string("[nosuch(1)]", &env).unwrap_err();
        assert_eq!(
            e.message,
            "The template function 'nosuch' at position '0' of the expression '[nosuch(1)]' is not valid. Please see https://aka.ms/arm-functions for usage details."
        );
    }

    #[test]
    fn if_evaluates_only_its_branch() {
        assert_eq!(
            run("if(true, 'a', parameters('missing'))", json!({}), json!({})).unwrap(),
            json!("a")
        );
        assert!(
            run(
                "if(false, 'a', parameters('missing'))",
                json!({}),
                json!({})
            )
            .is_err()
        );
        assert!(
            run("if('x', 'a', 'b')", json!({}), json!({}))
                .unwrap_err()
                .message
                .contains("Boolean")
        );
    }

    proptest::proptest! {
        /// Any expression text evaluates or fails with a message, never a panic.
        #[test]
        fn any_expression_evaluates_without_panicking(s in "[a-zA-Z0-9'(),.\\[\\] -]{0,40}") {
            let _ = run(&s, json!({"a": [1, "x", {"b": null}]}), json!({"v": "[parameters('a')]"}));
        }
    }
}
