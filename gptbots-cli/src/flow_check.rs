//! Checks an invoke's input against a `.flow`'s Start node, for `gptbots mock --flow`: every
//! key a parameter, every parameter that must be sent present, every value of its type. The
//! message names the field, as GPTBots' code 40000 does.

use gptbots_flow::{Flow, ParamType};
use serde_json::Value;

/// `Ok` when `input` fits the Start node; else why not.
pub fn check(flow: &Flow, file: &str, input: &Value) -> Result<(), String> {
    let Value::Object(input) = input else {
        return Err("invalid parameter `input`: expected a JSON object of the Start node's parameters".to_owned());
    };
    for (name, value) in input {
        let Some(param) = flow.param(name) else {
            let known: Vec<&str> = flow.start.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "invalid parameter `input.{name}`: not a Start parameter of {file} (its parameters: {})",
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ));
        };
        if value.is_null() && !param.must_be_sent() {
            continue;
        }
        if !fits(&param.ty, value) {
            return Err(format!("invalid parameter `input.{name}`: expected {}, got {}", param.ty, kind(value)));
        }
    }
    let missing: Vec<String> = flow
        .start
        .iter()
        .filter(|p| p.must_be_sent() && input.get(&p.name).is_none_or(Value::is_null))
        .map(|p| format!("`{}` ({})", p.name, p.ty))
        .collect();
    if !missing.is_empty() {
        return Err(format!("invalid parameter `input`: missing required {}", missing.join(", ")));
    }
    Ok(())
}

fn fits(ty: &ParamType, value: &Value) -> bool {
    match ty {
        ParamType::String => value.is_string(),
        ParamType::Integer => value.is_i64() || value.is_u64(),
        ParamType::Number => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        ParamType::Object => value.is_object(),
        // A URL or base64 content, with a format and a name; GPTBots also takes a bare URL.
        ParamType::File => value.is_object() || value.is_string(),
        ParamType::Array(item) => value.as_array().is_some_and(|items| items.iter().all(|v| fits(item, v))),
        ParamType::Unknown(_) | ParamType::Missing => true,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number with a fraction",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array (or an item of another type)",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    const FLOW: &[u8] = br#"{"exportType": "WORKFLOW", "workflow": {"workflowNodes": [
        {"type": "START", "outputs": [
            {"name": "topic", "type": "STRING", "required": true},
            {"name": "maxItems", "type": "INTEGER", "required": false},
            {"name": "languages", "type": "ARRAY_STRING"}]},
        {"type": "END", "endParam": {"outputType": "TEXT"}}]}}"#;

    #[test]
    fn inputs_are_checked_by_name_presence_and_type() {
        let flow = gptbots_flow::read(FLOW, "news.flow").unwrap();
        let check = |input| check(&flow, "news.flow", &input);
        assert_eq!(check(json!({"topic": "rust", "maxItems": 3, "languages": ["en"]})), Ok(()));
        assert_eq!(check(json!({"topic": "rust", "maxItems": null})), Ok(()));
        let error = |input| check(input).unwrap_err();
        assert!(error(json!({})).contains("missing required `topic` (STRING)"));
        assert!(error(json!({"topic": "rust", "maxitems": 3})).contains("`input.maxitems`: not a Start parameter"));
        assert!(
            error(json!({"topic": "rust", "maxItems": 2.5})).contains("expected INTEGER, got a number with a fraction")
        );
        assert!(error(json!({"topic": "rust", "languages": ["en", 1]})).contains("expected ARRAY_STRING"));
        assert!(error(json!([1])).contains("expected a JSON object"));
    }
}
