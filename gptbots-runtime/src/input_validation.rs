//! Checks a workflow's `input` against its input schema, the way GPTBots checks a call against
//! the Start node, so that the embedded server rejects what the real service would.
//!
//! [`validate_input`] checks against the [`catalogue`] by workflow id (the
//! embedded server's entry point); [`InputValidator`] checks against one workflow's schema.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::catalogue::{self, WorkflowEntry};

/// The longest field path an error names; longer ones (from hostile input) are cut.
const MAX_FIELD_CHARS: usize = 120;
/// The longest reason an error gives.
const MAX_REASON_CHARS: usize = 240;
/// The longest JSON rendering of a rejected value that an error quotes.
const MAX_QUOTED_VALUE_CHARS: usize = 40;

/// Checks `input` against the input schema of every catalogued workflow with id
/// `workflow_id`: it passes if one of them accepts it (or none is catalogued, e.g. a workflow
/// played by a raw JSON handler).
///
/// Schemas are compiled once per workflow and kept for the life of the program.
///
/// # Errors
///
/// The first violation against the first such schema, naming the field; also returned,
/// naming the workflow, if that schema cannot be compiled.
pub fn validate_input(workflow_id: &str, input: &Value) -> Result<(), InvalidInput> {
    let mut first_error = None;
    for entry in catalogue::workflows().into_iter().filter(|entry| entry.id == workflow_id) {
        let outcome = match cached_validator(entry) {
            Ok(validator) => validator.validate(input),
            Err(invalid_schema) => Err(InvalidInput {
                workflow_id: entry.id,
                field: String::new(),
                reason: invalid_schema.to_string(),
                missing: false,
            }),
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

type ValidatorCache = Mutex<HashMap<(&'static str, &'static str), Result<Arc<InputValidator>, InvalidSchema>>>;

fn cached_validator(entry: &WorkflowEntry) -> Result<Arc<InputValidator>, InvalidSchema> {
    static CACHE: OnceLock<ValidatorCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (entry.id, entry.name);
    if let Some(cached) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return cached.clone();
    }
    // Compiled outside the lock: two requests may compile the same schema once each, harmlessly.
    let compiled = InputValidator::new(entry).map(Arc::new);
    cache.lock().unwrap_or_else(PoisonError::into_inner).entry(key).or_insert(compiled).clone()
}

/// A compiled input schema of one workflow.
pub struct InputValidator {
    workflow_id: &'static str,
    validator: Validator,
}

impl fmt::Debug for InputValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputValidator").field("workflow_id", &self.workflow_id).finish_non_exhaustive()
    }
}

impl InputValidator {
    /// Compiles the input schema of `entry`.
    ///
    /// # Errors
    ///
    /// [`InvalidSchema`] if the schema cannot be compiled, which only happens when a hand-written
    /// `JsonSchema` impl produces an invalid schema (e.g. a malformed `pattern`).
    pub fn new(entry: &WorkflowEntry) -> Result<Self, InvalidSchema> {
        let schema = entry.input_schema().to_value();
        let validator = jsonschema::draft202012::options().build(&schema).map_err(|error| InvalidSchema {
            workflow_id: entry.id,
            reason: crate::excerpt::bounded_to(&error.to_string(), MAX_REASON_CHARS),
        })?;
        Ok(InputValidator { workflow_id: entry.id, validator })
    }

    /// The id of the workflow whose input this checks.
    pub fn workflow_id(&self) -> &'static str {
        self.workflow_id
    }

    /// Checks `input` (the request's `input` object).
    ///
    /// # Errors
    ///
    /// The first violation found, as [`InvalidInput`] naming the field.
    pub fn validate(&self, input: &Value) -> Result<(), InvalidInput> {
        self.validator.validate(input).map_err(|error| InvalidInput::from_error(self.workflow_id, &error, input))
    }
}

/// An `input` that does not match the workflow's input schema.
///
/// Its `Display` is the message the embedded server answers with code 40000, e.g.
/// ``invalid parameter `input.topic` of workflow `wf_today_news`: required parameter is missing``
/// or ``invalid parameter `input.maxItems` of workflow `wf_today_news`: -1 is less than the
/// minimum of 0``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    workflow_id: &'static str,
    field: String,
    reason: String,
    missing: bool,
}

impl InvalidInput {
    fn from_error(workflow_id: &'static str, error: &ValidationError<'_>, input: &Value) -> Self {
        let (error, missing_one_of) = narrowed(error);
        let mut field = String::new();
        let mut node = Some(input);
        for segment in error.instance_path().segments() {
            let name = match &segment {
                LocationSegment::Property(name) => name.to_string(),
                LocationSegment::Index(index) => index.to_string(),
            };
            // A numeric segment is an index only inside an array: `{"0": ..}` has a field "0".
            match node {
                Some(Value::Array(items)) => {
                    node = name.parse::<usize>().ok().and_then(|index| items.get(index));
                    field.push('[');
                    field.push_str(&name);
                    field.push(']');
                }
                _ => {
                    node = node.and_then(|value| value.get(&name));
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(&name);
                }
            }
            if field.len() > MAX_FIELD_CHARS * 4 {
                break;
            }
        }
        if let Some(properties) = missing_one_of {
            let properties: Vec<String> = properties.iter().map(|property| format!("`{property}`")).collect();
            return InvalidInput {
                workflow_id,
                field: crate::excerpt::bounded_to(&field, MAX_FIELD_CHARS),
                reason: crate::excerpt::bounded_to(
                    &format!("one of these fields is required: {}", properties.join(", ")),
                    MAX_REASON_CHARS,
                ),
                missing: false,
            };
        }
        if let ValidationErrorKind::Required { property } = error.kind() {
            let reason = if field.is_empty() { "required parameter is missing" } else { "required field is missing" };
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(property.as_str().unwrap_or_default());
            return InvalidInput {
                workflow_id,
                field: crate::excerpt::bounded_to(&field, MAX_FIELD_CHARS),
                reason: reason.to_owned(),
                missing: true,
            };
        }
        let placeholder = match error.instance().as_ref() {
            value @ (Value::Number(_) | Value::Bool(_) | Value::Null | Value::String(_)) => {
                Some(value.to_string()).filter(|text| text.chars().count() <= MAX_QUOTED_VALUE_CHARS)
            }
            Value::Array(_) | Value::Object(_) => None,
        };
        let reason = error.masked_with(placeholder.unwrap_or_else(|| "value".to_owned())).to_string();
        InvalidInput {
            workflow_id,
            field: crate::excerpt::bounded_to(&field, MAX_FIELD_CHARS),
            reason: crate::excerpt::bounded_to(&reason, MAX_REASON_CHARS),
            missing: false,
        }
    }

    /// The path of the failing field inside `input`, e.g. `topic`, `file.url` or
    /// `languages[2]`; empty when `input` itself is wrong.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Whether the field is missing (rather than present with a wrong value).
    pub fn is_missing(&self) -> bool {
        self.missing
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let separator = if self.field.is_empty() { "" } else { "." };
        write!(
            f,
            "invalid parameter `input{separator}{}` of workflow `{}`: {}",
            self.field, self.workflow_id, self.reason
        )
    }
}

impl std::error::Error for InvalidInput {}

/// The error that says what went wrong when a value fits none of the alternatives of an
/// `anyOf`/`oneOf` (an `Option`, an enum, a flattened enum): the one alternative of the value's
/// type, followed down; or, when every alternative only misses a field, those fields.
fn narrowed<'e, 'a>(error: &'e ValidationError<'a>) -> (&'e ValidationError<'a>, Option<Vec<&'e str>>) {
    let (ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context }) = error.kind() else {
        return (error, None);
    };
    let path = error.instance_path().as_str();
    let at_value = |error: &ValidationError<'_>| error.instance_path().as_str() == path;
    // An alternative of another JSON type says nothing about what is wrong with this value.
    let of_its_type: Vec<&Vec<ValidationError<'static>>> = context
        .iter()
        .filter(|errors| {
            !errors.iter().all(|error| at_value(error) && matches!(error.kind(), ValidationErrorKind::Type { .. }))
        })
        .collect();
    if let [only] = of_its_type.as_slice()
        && let Some(first) = only.first()
    {
        return narrowed(first);
    }
    let missing: Option<Vec<&'e str>> = of_its_type
        .iter()
        .map(|errors| match errors.as_slice() {
            [error] if at_value(error) => match error.kind() {
                ValidationErrorKind::Required { property } => property.as_str(),
                _ => None,
            },
            _ => None,
        })
        .collect();
    (error, missing.filter(|missing| missing.len() > 1))
}

/// A workflow input schema that cannot be compiled for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSchema {
    workflow_id: &'static str,
    reason: String,
}

impl fmt::Display for InvalidSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the input schema of workflow `{}` cannot be compiled: {}; fix the type's `JsonSchema` impl",
            self.workflow_id, self.reason
        )
    }
}

impl std::error::Error for InvalidSchema {}

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::Workflow;

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Translate {
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_chars: Option<u16>,
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        glossary: Vec<Term>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Term {
        from: String,
        to: String,
    }

    impl Workflow for Translate {
        const ID: &'static str = "wf_translate";
        const NAME: &'static str = "Translate";
        type Output = String;
    }

    fn check(input: Value) -> Result<(), InvalidInput> {
        let validator = InputValidator::new(&WorkflowEntry::of::<Translate>()).map_err(|err| panic!("{err}"))?;
        validator.validate(&input)
    }

    #[test]
    fn what_the_client_sends_is_valid() {
        let sent = serde_json::to_value(Translate {
            text: "hello".into(),
            max_chars: Some(10),
            glossary: vec![Term { from: "a".into(), to: "b".into() }],
        });
        assert_eq!(sent.map_err(|err| err.to_string()).map(check), Ok(Ok(())));
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let err = check(json!({"maxChars": 3})).unwrap_err();
        assert_eq!(err.field(), "text");
        assert_eq!(
            err.to_string(),
            "invalid parameter `input.text` of workflow `wf_translate`: required parameter is missing"
        );
    }

    #[test]
    fn a_mistyped_parameter_is_named_with_its_value() {
        let err = check(json!({"text": "x", "maxChars": -1})).unwrap_err();
        assert_eq!(err.field(), "maxChars");
        assert_eq!(
            err.to_string(),
            "invalid parameter `input.maxChars` of workflow `wf_translate`: -1 is less than the minimum of 0"
        );
    }

    #[test]
    fn nested_fields_are_named_by_path() {
        let err = check(json!({"text": "x", "glossary": [{"from": "a", "to": "b"}, {"from": "c"}]})).unwrap_err();
        assert_eq!(err.field(), "glossary[1].to");
        let err = check(json!({"text": "x", "glossary": [{"from": "a", "to": 7}]})).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid parameter `input.glossary[0].to` of workflow `wf_translate`: 7 is not of type "string""#
        );
    }

    #[test]
    fn an_input_that_is_no_object_is_rejected_as_a_whole() {
        let err = check(json!(["text"])).unwrap_err();
        assert_eq!(err.field(), "");
        assert_eq!(
            err.to_string(),
            r#"invalid parameter `input` of workflow `wf_translate`: value is not of type "object""#
        );
    }

    #[test]
    fn long_values_are_not_echoed() {
        let err = check(json!({"text": "x", "maxChars": "9".repeat(10_000)})).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid parameter `input.maxChars` of workflow `wf_translate`: value is not of types "null", "integer""#
        );
    }

    #[test]
    fn numeric_object_keys_are_fields_not_indexes() {
        #[derive(Serialize, JsonSchema)]
        struct Scores {
            by_id: std::collections::BTreeMap<String, u8>,
        }
        impl Workflow for Scores {
            const ID: &'static str = "wf_scores";
            const NAME: &'static str = "Scores";
            type Output = String;
        }
        let validator = InputValidator::new(&WorkflowEntry::of::<Scores>()).unwrap();
        let err = validator.validate(&json!({"by_id": {"0": 300}})).unwrap_err();
        assert_eq!(err.field(), "by_id.0");
    }

    #[test]
    fn bounded_cuts_on_a_char_boundary() {
        assert_eq!(crate::excerpt::bounded_to("ééé", 2), "éé…");
        assert_eq!(crate::excerpt::bounded_to("abc", 3), "abc");
    }

    inventory::submit!(WorkflowEntry::of::<Translate>());

    #[test]
    fn catalogued_workflows_are_checked_by_id() {
        assert_eq!(validate_input("wf_translate", &json!({"text": "x"})), Ok(()));
        let err = validate_input("wf_translate", &json!({"maxChars": 3})).unwrap_err();
        assert_eq!((err.field(), err.is_missing()), ("text", true));
        assert_eq!(validate_input("wf_not_catalogued", &json!({"anything": [1]})), Ok(()));
    }

    /// Two Rust views of one workflow: the strict one requires `a`, the loose one nothing.
    #[derive(Serialize, JsonSchema)]
    struct Strict {
        a: String,
    }
    #[derive(Serialize, JsonSchema)]
    struct Loose {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<String>,
    }
    impl Workflow for Strict {
        const ID: &'static str = "wf_views";
        const NAME: &'static str = "Strict";
        type Output = String;
    }
    impl Workflow for Loose {
        const ID: &'static str = "wf_views";
        const NAME: &'static str = "Loose";
        type Output = String;
    }
    inventory::submit!(WorkflowEntry::of::<Strict>());
    inventory::submit!(WorkflowEntry::of::<Loose>());

    #[test]
    fn an_input_passes_if_one_view_of_the_workflow_accepts_it() {
        assert_eq!(validate_input("wf_views", &json!({})), Ok(()));
        let err = validate_input("wf_views", &json!({"a": 1})).unwrap_err();
        assert_eq!(err.field(), "a");
        assert_eq!(
            err.to_string(),
            r#"invalid parameter `input.a` of workflow `wf_views`: 1 is not of types "null", "string""#
        );
    }

    #[derive(Serialize, JsonSchema)]
    struct Attach {
        file: crate::File,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<Term>,
    }
    impl Workflow for Attach {
        const ID: &'static str = "wf_attach";
        const NAME: &'static str = "Attach";
        type Output = String;
    }

    #[test]
    fn alternatives_are_narrowed_to_what_is_wrong() {
        let validator = InputValidator::new(&WorkflowEntry::of::<Attach>()).unwrap();
        let file = json!({"url": "u", "format": "pdf"});
        assert_eq!(validator.validate(&json!({"file": file})), Ok(()));
        let err = validator.validate(&json!({"file": {"format": "pdf"}})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `input.file` of workflow `wf_attach`: one of these fields is required: `url`, `base64_content`"
        );
        let err = validator.validate(&json!({"file": file, "note": {"from": "a"}})).unwrap_err();
        assert_eq!((err.field(), err.is_missing()), ("note.to", true));
        let err = validator.validate(&json!({"file": file, "note": {"from": "a", "to": false}})).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid parameter `input.note.to` of workflow `wf_attach`: false is not of type "string""#
        );
    }
}
