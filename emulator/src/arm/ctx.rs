//! One ARM request as handlers see it: authenticated, with a well-formed `api-version`, and the
//! shared state.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use serde_json::{Map, Value};

use crate::catalog::errors::ArmError;
use crate::{http, util};

/// Deepest nesting of objects and arrays accepted in a request body: the `MaxDepth` of the Json.NET
/// reader ARM's front end deserializes requests with. Stored documents nest at most one level more
/// (`store::MAX_DOC_DEPTH` keeps a margin), so whatever is accepted can be stored and read back.
pub const MAX_BODY_DEPTH: usize = 64;
use crate::state::shared::Shared;
use crate::store::Principal;

/// One ARM request, authenticated and with a well-formed `api-version`.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub method: Method,
    pub raw_path: &'a str,
    pub raw_query: Option<&'a str>,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub api_version: String,
    /// The authenticated principal (access control keys on its object id).
    pub caller: Principal,
    /// The decoded request path without a trailing `/`: the scope access control reports.
    pub scope: String,
}

impl Ctx<'_> {
    pub fn query(&self, name: &str) -> Option<&str> {
        http::query_get(&self.query, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        http::header_str(self.headers, name)
    }

    /// The absolute URL of this request.
    pub fn request_url(&self) -> String {
        match self.raw_query {
            Some(q) => format!("{}{}?{q}", self.shared.endpoint, self.raw_path),
            None => format!("{}{}", self.shared.endpoint, self.raw_path),
        }
    }

    /// The request body as a JSON object (400 InvalidRequestContent otherwise).
    pub fn body_object(&self) -> Result<Map<String, Value>, ArmError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ArmError::invalid_content(
                "Unexpected end when reading JSON. Path '', line 0, position 0.",
            ));
        }
        // Refused before anything is parsed, read or written (issue 10 item 1).
        if let Some((line, position)) = util::json_too_deep(&self.body, MAX_BODY_DEPTH) {
            return Err(ArmError::invalid_content(&format!(
                "The reader's MaxDepth of {MAX_BODY_DEPTH} has been exceeded. Path '', line {line}, position {position}."
            )));
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(other) => Err(ArmError::invalid_content(&format!(
                "Cannot deserialize the current JSON {} into an object. Path '', line 1, position 1.",
                match other {
                    Value::Array(_) => "array",
                    Value::String(_) => "string",
                    Value::Number(_) => "number",
                    Value::Bool(_) => "boolean",
                    _ => "value",
                }
            ))),
            Err(e) => {
                let what = if e.is_eof() {
                    "Unexpected end when reading JSON."
                } else {
                    "Unexpected character encountered while parsing value."
                };
                Err(ArmError::invalid_content(&format!(
                    "{what} Path '', line {}, position {}.",
                    e.line(),
                    e.column()
                )))
            }
        }
    }
}
