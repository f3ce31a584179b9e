//! Where a workflow's `.flow` export is at hand, its Start node and the input schema agree: the
//! same parameters, the same required set and the same JSON types.
//!
//! The Start node's parameters are its `outputs[]` (`name`, `type`, `required`); types map to
//! JSON as STRING -> string, INTEGER -> integer, NUMBER -> number (an integer fits too),
//! BOOLEAN -> boolean, OBJECT -> object, FILE -> object, DATETIME -> string and ARRAY_X -> an
//! array of X, spelt in any case.

mod schema_fixtures;

use std::collections::BTreeSet;

use gptbots_examples::{SummariseDocument, TodayNews};
use gptbots_runtime::catalogue::WorkflowEntry;
use serde_json::{Value, json};

/// One parameter of a Start node.
#[derive(Debug)]
struct StartParameter {
    name: String,
    kind: String,
    required: bool,
}

/// The Start node's parameters of a `.flow` export.
fn start_parameters(flow: &Value) -> Result<Vec<StartParameter>, String> {
    let nodes = flow.pointer("/workflow/workflowNodes").and_then(Value::as_array).ok_or("no workflow.workflowNodes")?;
    let starts: Vec<&Value> = nodes
        .iter()
        .filter(|node| node["type"].as_str().is_some_and(|kind| kind.eq_ignore_ascii_case("START")))
        .collect();
    let [start] = starts.as_slice() else {
        return Err(format!("{} START nodes, expected one", starts.len()));
    };
    let outputs = start["outputs"].as_array().ok_or("the START node has no outputs[]")?;
    outputs
        .iter()
        .map(|output| {
            Ok(StartParameter {
                name: output["name"].as_str().ok_or("a Start parameter without a name")?.to_owned(),
                kind: output["type"].as_str().ok_or("a Start parameter without a type")?.to_ascii_uppercase(),
                required: output["required"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// The JSON type a Start parameter type stands for, and that of its items for an array.
fn json_type_of(kind: &str) -> Option<(&'static str, Option<&'static str>)> {
    let scalar = |kind: &str| match kind {
        "STRING" | "DATETIME" => Some("string"),
        "INTEGER" => Some("integer"),
        "NUMBER" => Some("number"),
        "BOOLEAN" => Some("boolean"),
        "OBJECT" | "FILE" => Some("object"),
        _ => None,
    };
    match kind.strip_prefix("ARRAY_") {
        Some(item) => scalar(item).map(|item| ("array", Some(item))),
        None => scalar(kind).map(|kind| (kind, None)),
    }
}

/// The JSON types a schema allows, `null` left out, following `$ref`s into the root's `$defs`.
fn json_types(schema: &Value, root: &Value) -> BTreeSet<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer));
        return target.map(|target| json_types(target, root)).unwrap_or_default();
    }
    let mut types = BTreeSet::new();
    match schema.get("type") {
        Some(Value::String(kind)) => {
            types.insert(kind.clone());
        }
        Some(Value::Array(kinds)) => types.extend(kinds.iter().filter_map(Value::as_str).map(str::to_owned)),
        _ => {}
    }
    let values = schema.get("enum").and_then(Value::as_array).into_iter().flatten().chain(schema.get("const"));
    types.extend(values.map(|value| value_type(value).to_owned()));
    for combinator in ["anyOf", "oneOf"] {
        for variant in schema.get(combinator).and_then(Value::as_array).into_iter().flatten() {
            types.extend(json_types(variant, root));
        }
    }
    types.remove("null");
    types
}

fn value_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether values of `types` are all of JSON type `expected` (an integer is a number).
fn fits(types: &BTreeSet<String>, expected: &str) -> bool {
    !types.is_empty() && types.iter().all(|kind| kind == expected || (expected == "number" && kind == "integer"))
}

/// The items schema of an array schema, following `$ref`s and looking inside `anyOf`/`oneOf`
/// (an `Option<Vec<T>>` is an array or null).
fn items_of<'a>(schema: &'a Value, root: &'a Value) -> Option<&'a Value> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return items_of(reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer))?, root);
    }
    schema.get("items").or_else(|| {
        ["anyOf", "oneOf"]
            .iter()
            .filter_map(|combinator| schema.get(*combinator).and_then(Value::as_array))
            .flatten()
            .find_map(|variant| items_of(variant, root))
    })
}

/// Every way the input schema `schema` and the Start node's `parameters` disagree.
fn disagreements(schema: &Value, parameters: &[StartParameter]) -> Vec<String> {
    let mut found = Vec::new();
    let empty = serde_json::Map::new();
    let properties = schema["properties"].as_object().unwrap_or(&empty);
    let required: BTreeSet<&str> =
        schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    for name in properties.keys() {
        if !parameters.iter().any(|parameter| &parameter.name == name) {
            found.push(format!("`{name}` is sent but is no Start parameter"));
        }
    }
    for parameter in parameters {
        let name = parameter.name.as_str();
        let Some(property) = properties.get(name) else {
            found.push(format!("Start parameter `{name}` is missing from the input"));
            continue;
        };
        match (parameter.required, required.contains(name)) {
            (true, false) => found.push(format!("`{name}` is required by the Start node but may be left out")),
            (false, true) => found.push(format!("`{name}` is optional in the Start node but always sent")),
            _ => {}
        }
        let Some((kind, item_kind)) = json_type_of(&parameter.kind) else {
            found.push(format!("Start parameter `{name}` has the unknown type {}", parameter.kind));
            continue;
        };
        let types = json_types(property, schema);
        if !fits(&types, kind) {
            found.push(format!("`{name}` is {types:?} in the input but {} in the Start node", parameter.kind));
            continue;
        }
        if let Some(item_kind) = item_kind {
            let item_types = items_of(property, schema).map(|items| json_types(items, schema)).unwrap_or_default();
            if !fits(&item_types, item_kind) {
                found.push(format!(
                    "`{name}` holds {item_types:?} in the input but {} in the Start node",
                    parameter.kind
                ));
            }
        }
    }
    found
}

fn fixture(file: &str) -> Value {
    let path = format!("{}/flows/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn assert_agree(entry: WorkflowEntry, flow_file: &str) {
    let parameters = start_parameters(&fixture(flow_file)).unwrap_or_else(|err| panic!("{flow_file}: {err}"));
    assert!(!parameters.is_empty(), "{flow_file} has Start parameters");
    let found = disagreements(&entry.input_schema().to_value(), &parameters);
    assert!(found.is_empty(), "{} and {flow_file} disagree:\n{}", entry.name, found.join("\n"));
}

#[test]
fn today_news_agrees_with_its_flow() {
    assert_agree(WorkflowEntry::of::<TodayNews>(), "today-news.flow");
}

#[test]
fn summarise_document_agrees_with_its_flow() {
    assert_agree(WorkflowEntry::of::<SummariseDocument>(), "summarise-document.flow");
}

#[test]
fn translate_agrees_with_its_flow() {
    assert_agree(WorkflowEntry::of::<schema_fixtures::Translate>(), "translate.flow");
}

#[test]
fn every_kind_of_disagreement_is_found() {
    let parameters = start_parameters(&fixture("today-news.flow")).expect("the Start node");
    let schema = WorkflowEntry::of::<TodayNews>().input_schema().to_value();
    let mutated = |change: &dyn Fn(&mut Value)| {
        let mut schema = schema.clone();
        change(&mut schema);
        disagreements(&schema, &parameters)
    };
    assert_eq!(
        mutated(&|schema| schema["properties"]["topic"] = json!({"type": "integer"})),
        [r#"`topic` is {"integer"} in the input but STRING in the Start node"#]
    );
    assert_eq!(
        mutated(&|schema| schema["properties"]["languages"]["items"] = json!({"type": "boolean"})),
        [r#"`languages` holds {"boolean"} in the input but ARRAY_STRING in the Start node"#]
    );
    assert_eq!(
        mutated(&|schema| schema["required"] = json!([])),
        ["`topic` is required by the Start node but may be left out"]
    );
    assert_eq!(
        mutated(&|schema| schema["required"] = json!(["topic", "maxItems"])),
        ["`maxItems` is optional in the Start node but always sent"]
    );
    assert_eq!(
        mutated(&|schema| {
            let property = schema["properties"]["topic"].take();
            let properties = schema["properties"].as_object_mut().expect("properties");
            properties.remove("topic");
            properties.insert("subject".into(), property);
        }),
        ["`subject` is sent but is no Start parameter", "Start parameter `topic` is missing from the input"]
    );
}

#[test]
fn start_parameters_are_read_leniently() {
    let flow = json!({"workflow": {"workflowNodes": [
        {"type": "start", "outputs": [{"name": "when", "type": "DateTime", "extra": 1}]},
        {"type": "END"}
    ]}});
    let parameters = start_parameters(&flow).expect("a Start node");
    assert_eq!(
        (parameters[0].name.as_str(), parameters[0].kind.as_str(), parameters[0].required),
        ("when", "DATETIME", false)
    );
    assert_eq!(json_type_of(&parameters[0].kind), Some(("string", None)));
    assert_eq!(json_type_of("ARRAY_FILE"), Some(("array", Some("object"))));
    assert!(start_parameters(&json!({"workflow": {"workflowNodes": []}})).is_err());
}
