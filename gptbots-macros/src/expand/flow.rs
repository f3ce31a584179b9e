//! The contract a `.flow` export sets: its Start parameters and what its End node returns.
//! Each file is read and parsed once per compilation, however many structs name it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::json::{self, Value};

/// The Start node's parameters and the End node's output.
#[derive(Debug, PartialEq)]
pub struct Flow {
    pub start: Vec<StartParam>,
    pub end: EndOutput,
}

/// One parameter of the Start node (one entry of its `outputs[]`).
#[derive(Debug, PartialEq)]
pub struct StartParam {
    pub name: String,
    /// The type as the export spells it.
    pub type_name: String,
    /// `None` for a type this crate does not know: its name is still checked, its type not.
    pub kind: Option<Kind>,
    pub required: bool,
    pub has_default: bool,
}

impl StartParam {
    /// Whether every call must send this parameter: required and without a default value.
    pub fn must_be_sent(&self) -> bool {
        self.required && !self.has_default
    }
}

/// What the End node returns.
#[derive(Debug, PartialEq)]
pub enum EndOutput {
    /// `outputType: VARIABLE`: a JSON object with these variables.
    Variables(Vec<String>),
    /// `outputType: TEXT`, anything else, or variables without names: nothing to check against.
    Other,
}

/// A Start-parameter type, with the name of its assertion in `contract::assert`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    File,
    ArrayString,
    ArrayInteger,
    ArrayNumber,
    ArrayBoolean,
    ArrayObject,
    ArrayFile,
}

impl Kind {
    fn from_type_name(name: &str) -> Option<Kind> {
        Some(match name.to_ascii_uppercase().as_str() {
            "STRING" | "DATETIME" => Kind::String,
            "INTEGER" => Kind::Integer,
            "NUMBER" => Kind::Number,
            "BOOLEAN" => Kind::Boolean,
            "OBJECT" => Kind::Object,
            "FILE" => Kind::File,
            "ARRAY_STRING" => Kind::ArrayString,
            "ARRAY_INTEGER" => Kind::ArrayInteger,
            "ARRAY_NUMBER" => Kind::ArrayNumber,
            "ARRAY_BOOLEAN" => Kind::ArrayBoolean,
            "ARRAY_OBJECT" => Kind::ArrayObject,
            "ARRAY_FILE" => Kind::ArrayFile,
            _ => return None,
        })
    }

    /// The function of `contract::assert` whose bound is this kind's marker trait.
    pub fn assertion(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::File => "file",
            Kind::ArrayString => "array_string",
            Kind::ArrayInteger => "array_integer",
            Kind::ArrayNumber => "array_number",
            Kind::ArrayBoolean => "array_boolean",
            Kind::ArrayObject => "array_object",
            Kind::ArrayFile => "array_file",
        }
    }
}

struct CacheEntry {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    flow: Arc<Result<Flow, String>>,
}

/// The proc-macro library stays loaded for a whole compilation, so this lives that long.
static CACHE: Mutex<Vec<CacheEntry>> = Mutex::new(Vec::new());
static PARSES: AtomicUsize = AtomicUsize::new(0);

/// How many `.flow` files this process has parsed (not served from the cache).
#[allow(dead_code)]
pub fn parse_count() -> usize {
    PARSES.load(Ordering::Relaxed)
}

/// Reads the `.flow` at `path` (shown to the user as `shown`), from the cache when the file
/// did not change. Errors are full sentences naming the path.
pub fn load(path: &Path, shown: &str) -> Arc<Result<Flow, String>> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => metadata,
        Ok(_) => return Arc::new(Err(format!("`{shown}` is not a file: point `flow` at a `.flow` export"))),
        Err(err) => return Arc::new(Err(unreadable(path, shown, &err))),
    };
    let (len, modified) = (metadata.len(), metadata.modified().ok());
    let mut cache = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(entry) = cache.iter().find(|e| e.path == path && e.len == len && e.modified == modified) {
        return Arc::clone(&entry.flow);
    }
    let flow = Arc::new(match std::fs::read_to_string(path) {
        Ok(text) => {
            PARSES.fetch_add(1, Ordering::Relaxed);
            parse(&text, shown)
        }
        Err(err) => Err(unreadable(path, shown, &err)),
    });
    cache.retain(|e| e.path != path);
    cache.push(CacheEntry { path: path.to_owned(), len, modified, flow: Arc::clone(&flow) });
    flow
}

fn unreadable(path: &Path, shown: &str, err: &std::io::Error) -> String {
    format!(
        "cannot read `{shown}` ({err}; looked at `{}`): check the path, which is relative to the directory of the crate's Cargo.toml",
        path.display()
    )
}

/// Parses the text of a `.flow` export.
pub fn parse(text: &str, shown: &str) -> Result<Flow, String> {
    let keep = |depth: usize, key: &str| match depth {
        0 => key == "workflow",
        1 => key == "workflowNodes",
        3 => matches!(key, "type" | "name" | "inputs" | "outputs" | "endParam"),
        _ => true,
    };
    let root = json::parse(text, &keep)
        .map_err(|err| format!("`{shown}` is not valid JSON ({err}): export the workflow from GPTBots again"))?;
    let nodes = root.get("workflow").and_then(|w| w.get("workflowNodes")).map(Value::as_array).unwrap_or_default();
    let of_type = |wanted: &str| -> Vec<&Value> {
        nodes
            .iter()
            .filter(|n| n.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(wanted)))
            .collect()
    };
    let start = match of_type("START").as_slice() {
        [start] => *start,
        [] => {
            return Err(format!(
                "`{shown}` has no START node in `workflow.workflowNodes`: use the `.flow` file GPTBots exports for the workflow"
            ));
        }
        many => {
            return Err(format!(
                "`{shown}` has {} START nodes, but a workflow has exactly one: export the workflow from GPTBots again",
                many.len()
            ));
        }
    };
    let start = start_params(start, shown)?;
    let end = match of_type("END").as_slice() {
        [end] => end_output(end),
        _ => EndOutput::Other,
    };
    Ok(Flow { start, end })
}

fn start_params(start: &Value, shown: &str) -> Result<Vec<StartParam>, String> {
    let mut params = Vec::new();
    for (i, param) in start.get("outputs").map(Value::as_array).unwrap_or_default().iter().enumerate() {
        let Some(name) = param.get("name").and_then(Value::as_str) else {
            return Err(format!(
                "parameter #{} of the Start node in `{shown}` has no `name`: give it a name in GPTBots and export the workflow again",
                i + 1
            ));
        };
        let type_name = param.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        let has_default = ["default", "defaultValue"].iter().any(|key| match param.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        });
        params.push(StartParam {
            name: name.to_owned(),
            kind: Kind::from_type_name(&type_name),
            type_name,
            required: is_true(param.get("required")),
            has_default,
        });
    }
    Ok(params)
}

fn end_output(end: &Value) -> EndOutput {
    let output_type = end.get("endParam").and_then(|p| p.get("outputType")).and_then(Value::as_str);
    if !output_type.is_some_and(|t| t.eq_ignore_ascii_case("VARIABLE")) {
        return EndOutput::Other;
    }
    let inputs = end.get("inputs").map(Value::as_array).unwrap_or_default();
    let names: Option<Vec<String>> =
        inputs.iter().map(|input| input.get("name").and_then(Value::as_str).map(str::to_owned)).collect();
    // A variable without a name leaves the End node's keys unknown: nothing is checked.
    names.map_or(EndOutput::Other, EndOutput::Variables)
}

fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(start_outputs: &str, end: &str) -> Result<Flow, String> {
        parse(
            &format!(
                r#"{{"workflow": {{"workflowNodes": [
                    {{"type": "start", "llmParam": {{"prompt": "ignored"}}, "outputs": [{start_outputs}]}},
                    {end}
                ]}}}}"#
            ),
            "test.flow",
        )
    }

    #[test]
    fn reads_parameters_with_required_flags_defaults_and_types() -> Result<(), String> {
        let flow = flow(
            r#"{"name": "topic", "type": "string", "required": true},
               {"name": "limit", "type": "INTEGER", "required": "true", "defaultValue": 10},
               {"name": "tone", "type": "STRING", "required": true, "default": ""},
               {"name": "vector", "type": "EMBEDDING"}"#,
            r#"{"type": "END", "endParam": {"outputType": "TEXT"}}"#,
        )?;
        let summary: Vec<_> =
            flow.start.iter().map(|p| (p.name.as_str(), p.kind, p.required, p.must_be_sent())).collect();
        assert_eq!(
            summary,
            [
                ("topic", Some(Kind::String), true, true),
                ("limit", Some(Kind::Integer), true, false),
                ("tone", Some(Kind::String), true, true),
                ("vector", None, false, false),
            ]
        );
        assert_eq!(flow.end, EndOutput::Other);
        Ok(())
    }

    #[test]
    fn a_variable_end_node_lists_its_variables() {
        let end = r#"{"type": "END", "endParam": {"outputType": "variable"}, "inputs": [{"name": "news"}, {"name": "total"}]}"#;
        assert_eq!(flow("", end).map(|f| f.end), Ok(EndOutput::Variables(vec!["news".into(), "total".into()])));
        let unnamed = r#"{"type": "END", "endParam": {"outputType": "VARIABLE"}, "inputs": [{"value": "x"}]}"#;
        assert_eq!(flow("", unnamed).map(|f| f.end), Ok(EndOutput::Other));
    }

    #[test]
    fn a_parameter_without_a_name_is_an_error_naming_the_file() {
        let err = flow(r#"{"type": "STRING"}"#, r#"{"type": "END"}"#).unwrap_err();
        assert!(err.starts_with("parameter #1 of the Start node in `test.flow` has no `name`"), "{err}");
    }
}
