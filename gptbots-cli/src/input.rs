//! Reading a workflow input from `--input` or `--input-file` (`-`: standard input).

use std::io::Read;

use anyhow::Context;
use serde_json::{Map, Value};

use crate::args::InputSource;
use crate::exit::Failure;

/// The input object; anything but a JSON object is a usage error.
pub fn read(source: &InputSource) -> Result<Map<String, Value>, Failure> {
    let (text, origin) = match (&source.input, &source.input_file) {
        (Some(text), _) => (text.clone(), "--input".to_owned()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the input from standard input")
                .map_err(Failure::usage)?;
            (text, "the input on standard input".to_owned())
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the input file {}", path.display()))
                .map_err(Failure::usage)?;
            (text, format!("the input file {}", path.display()))
        }
        // clap's argument group requires one of the two.
        (None, None) => return Err(Failure::usage(anyhow::anyhow!("give the input with --input or --input-file"))),
    };
    match serde_json::from_str::<Value>(&text)
        .with_context(|| format!("{origin} is not JSON"))
        .map_err(Failure::usage)?
    {
        Value::Object(map) => Ok(map),
        other => Err(Failure::usage(anyhow::anyhow!(
            "{origin} must be a JSON object of the Start node's parameters, e.g. '{{\"topic\": \"rust\"}}', not {}",
            kind(&other)
        ))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
