//! From the bytes of an export to a [`Flow`]: lenient about every spelling real exports use,
//! strict about what would make the contract wrong.

use crate::error::{FlowError, FlowErrorKind, Location};
use crate::json::{self, Value};
use crate::model::{EndMode, EndNode, EndVariable, Flow, Json, ParamType, StartParam};

/// The keys of a Start parameter's required flag: builder exports say `required`, agent forms
/// `isRequired`.
const REQUIRED_KEYS: [&str; 2] = ["required", "isRequired"];
/// The keys of a Start parameter's default value: GPTBots' own exports use `value`.
const DEFAULT_KEYS: [&str; 3] = ["default", "defaultValue", "value"];
const DESCRIPTION_KEYS: [&str; 2] = ["desc", "description"];
/// Where a VARIABLE-mode End node may name its variables, in order of preference: its
/// `inputs[]` (what GPTBots' builder writes), then lists under `endParam`, then its `outputs[]`.
const END_VARIABLE_LISTS: [&str; 3] = ["outputVariables", "variables", "outputs"];
/// The key naming one variable.
const VARIABLE_NAME_KEYS: [&str; 3] = ["name", "variableName", "key"];
/// Where an object variable may list its fields.
const FIELD_LISTS: [&str; 3] = ["children", "properties", "fields"];

pub(crate) fn flow(bytes: &[u8], file: &str) -> Result<Flow, FlowError> {
    let error = |offset: Option<usize>, kind| FlowError {
        file: file.to_owned(),
        location: offset.map(|offset| {
            let (line, column) = json::line_column(bytes, offset);
            Location { line, column }
        }),
        kind,
    };
    // Editors on Windows write a byte-order mark; offsets stay those of the file.
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let text = std::str::from_utf8(&bytes[bom..])
        .map_err(|err| error(Some(bom + err.valid_up_to()), FlowErrorKind::NotUtf8))?;
    let keep = |depth: usize, key: &str| match depth {
        0 => matches!(key, "workflow" | "exportType" | "botType" | "exportTime" | "name"),
        1 => key == "workflowNodes",
        3 => matches!(key, "type" | "name" | "inputs" | "outputs" | "endParam"),
        _ => true,
    };
    let root = json::parse(text, &keep).map_err(|err| FlowError {
        file: file.to_owned(),
        // Columns are counted in the text after the mark, which is what an editor shows.
        location: Some(Location { line: err.line, column: err.column }),
        kind: FlowErrorKind::NotJson { message: err.message },
    })?;
    let located = |value: &Value| value.offset().map(|offset| offset + bom);
    let export_type = root.get("exportType").and_then(Value::as_str);
    if export_type.is_some_and(|t| t.eq_ignore_ascii_case("BOT")) {
        let bot_type = root.get("botType").and_then(Value::as_str).map(str::to_owned);
        return Err(error(None, FlowErrorKind::AgentExport { bot_type }));
    }
    let Some(Value::Array(nodes)) = root.get("workflow").and_then(|w| w.get("workflowNodes")) else {
        return Err(error(
            None,
            match export_type {
                Some(t) if !t.eq_ignore_ascii_case("WORKFLOW") => {
                    FlowErrorKind::NotAWorkflowExport { export_type: t.to_owned() }
                }
                _ => FlowErrorKind::NoNodes,
            },
        ));
    };
    let only = |node_type: &'static str| -> Result<&Value, FlowError> {
        let found: Vec<&Value> = nodes
            .iter()
            .filter(|n| n.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(node_type)))
            .collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(error(None, FlowErrorKind::NoNode { node_type })),
            many => {
                let at = many
                    .iter()
                    .filter_map(|n| located(n))
                    .map(|offset| {
                        let (line, column) = json::line_column(bytes, offset);
                        Location { line, column }
                    })
                    .collect();
                let mut odd_spellings: Vec<String> = many
                    .iter()
                    .filter_map(|n| n.get("type").and_then(Value::as_str))
                    .filter(|t| *t != node_type)
                    .map(str::to_owned)
                    .collect();
                odd_spellings.dedup();
                Err(error(None, FlowErrorKind::SeveralNodes { node_type, at, odd_spellings }))
            }
        }
    };
    let start = only("START")?;
    let end = only("END")?;

    let mut params: Vec<StartParam> = Vec::new();
    for (i, param) in list(start.get("outputs")).iter().enumerate() {
        let Some(name) = param.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) else {
            return Err(error(located(param), FlowErrorKind::Unnamed { what: "parameter", index: i + 1 }));
        };
        if params.iter().any(|p| p.name == name) {
            let kind = FlowErrorKind::Duplicate { what: "parameter", name: name.to_owned() };
            return Err(error(located(param), kind));
        }
        params.push(StartParam {
            name: name.to_owned(),
            ty: type_of(param),
            required: is_true(param.get_any(&REQUIRED_KEYS)),
            default: param.get_any(&DEFAULT_KEYS).and_then(default_value),
            description: text_of(param, &DESCRIPTION_KEYS),
        });
    }

    let end_param = end.get("endParam");
    let mode = match end_param.and_then(|p| p.get("outputType")).and_then(Value::as_str) {
        None => EndMode::Unspecified,
        Some(t) if t.eq_ignore_ascii_case("VARIABLE") => EndMode::Variable,
        Some(t) if t.eq_ignore_ascii_case("TEXT") => EndMode::Text,
        Some(other) => EndMode::Other(other.to_owned()),
    };
    let variables = if mode == EndMode::Variable {
        let listed = std::iter::once(list(end.get("inputs")))
            .chain(END_VARIABLE_LISTS[..2].iter().map(|key| list(end_param.and_then(|p| p.get(key)))))
            .chain(std::iter::once(list(end.get(END_VARIABLE_LISTS[2]))))
            .find(|items| !items.is_empty())
            .unwrap_or_default();
        variables(listed, &|value, kind| error(located(value), kind))?
    } else {
        Vec::new()
    };
    let text = match mode {
        EndMode::Text => end_param.and_then(|p| p.get("outputText")).and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    Ok(Flow {
        name: root.get("name").and_then(Value::as_str).map(str::to_owned),
        export_time: match root.get("exportTime") {
            Some(Value::Number(n)) => Some(n.clone()),
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        },
        start: params,
        end: EndNode { mode, variables, text },
    })
}

fn variables(
    items: &[Value],
    error: &dyn Fn(&Value, FlowErrorKind) -> FlowError,
) -> Result<Vec<EndVariable>, FlowError> {
    let mut out: Vec<EndVariable> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(name) = item.get_any(&VARIABLE_NAME_KEYS).and_then(Value::as_str).filter(|n| !n.is_empty()) else {
            return Err(error(item, FlowErrorKind::Unnamed { what: "variable", index: i + 1 }));
        };
        if out.iter().any(|v| v.name == name) {
            return Err(error(item, FlowErrorKind::Duplicate { what: "variable", name: name.to_owned() }));
        }
        let fields = FIELD_LISTS.iter().map(|key| list(item.get(key))).find(|l| !l.is_empty()).unwrap_or_default();
        out.push(EndVariable {
            name: name.to_owned(),
            ty: type_of(item),
            description: text_of(item, &DESCRIPTION_KEYS),
            fields: variables(fields, error)?,
        });
    }
    Ok(out)
}

fn list(value: Option<&Value>) -> &[Value] {
    value.map(Value::as_array).unwrap_or_default()
}

fn type_of(item: &Value) -> ParamType {
    match item.get("type") {
        Some(Value::String(spelling)) => ParamType::from_spelling(spelling),
        None | Some(Value::Null) => ParamType::Missing,
        Some(other) => ParamType::Unknown(json_of(other).to_string()),
    }
}

fn text_of(item: &Value, keys: &[&str]) -> Option<String> {
    item.get_any(keys).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_owned)
}

fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n == "1",
        _ => false,
    }
}

/// An empty string is how the builder stores "no default".
fn default_value(value: &Value) -> Option<Json> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        other => Some(json_of(other)),
    }
}

fn json_of(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.clone()),
        Value::String(s) => Json::String(s.clone()),
        Value::Array(items) => Json::Array(items.iter().map(json_of).collect()),
        Value::Object(_, members) => Json::Object(members.iter().map(|(k, v)| (k.clone(), json_of(v))).collect()),
    }
}
