//! `gptbots flow inspect`: what the library reads from a `.flow`, as a table or JSON.

use gptbots_flow::{EndMode, EndVariable, Flow, Json, StartParam};
use serde_json::{Value, json};

use crate::args::{FlowInspect, Global};
use crate::exit::{Failure, Outcome};
use crate::flow_file;
use crate::output::{Output, print_json};

/// Runs the command.
pub fn run(global: &Global, args: &FlowInspect) -> Outcome {
    let flow = flow_file::read(&args.file)?;
    match Output::choose(global.json) {
        Output::Json => print_json(&to_json(&flow)).map_err(Failure::server),
        Output::Human => {
            print!("{}", table(&args.file.display().to_string(), &flow));
            Ok(())
        }
    }
}

/// The model as JSON; defaults as the JSON values they are.
fn to_json(flow: &Flow) -> Value {
    json!({
        "name": flow.name,
        "exportTime": flow.export_time,
        "start": flow.start.iter().map(|param| json!({
            "name": param.name,
            "type": param.ty.to_string(),
            "required": param.required,
            "default": param.default.as_ref().map(json_value),
            "description": param.description,
            "mustBeSent": param.must_be_sent(),
        })).collect::<Vec<_>>(),
        "end": {
            "mode": mode(&flow.end.mode),
            "variables": flow.end.variables.iter().map(variable_json).collect::<Vec<_>>(),
            "text": flow.end.text,
        },
    })
}

fn variable_json(variable: &EndVariable) -> Value {
    json!({
        "name": variable.name,
        "type": variable.ty.to_string(),
        "description": variable.description,
        "fields": variable.fields.iter().map(variable_json).collect::<Vec<_>>(),
    })
}

/// A default as JSON: the library keeps numbers as written, which JSON reads back.
fn json_value(default: &Json) -> Value {
    serde_json::from_str(&default.to_string()).unwrap_or_else(|_| Value::String(default.to_string()))
}

fn mode(mode: &EndMode) -> String {
    match mode {
        EndMode::Variable => "VARIABLE".to_owned(),
        EndMode::Text => "TEXT".to_owned(),
        EndMode::Unspecified => "unspecified".to_owned(),
        EndMode::Other(other) => other.clone(),
    }
}

/// The text for people: one aligned row per parameter and per variable.
fn table(file: &str, flow: &Flow) -> String {
    let mut out =
        format!("{file}: workflow {}\n", flow.name.as_deref().map_or("(unnamed)".to_owned(), |n| format!("`{n}`")));
    out.push_str("\nStart parameters:\n");
    if flow.start.is_empty() {
        out.push_str("  (none)\n");
    } else {
        let rows: Vec<[String; 5]> = flow.start.iter().map(param_row).collect();
        out.push_str(&aligned(&["NAME", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION"], &rows));
    }
    out.push_str(&format!("\nEnd node: {}\n", mode(&flow.end.mode)));
    if let Some(text) = &flow.end.text {
        out.push_str(&format!("  text: {text}\n"));
    }
    if !flow.end.variables.is_empty() {
        let mut rows = Vec::new();
        variable_rows(&flow.end.variables, 0, &mut rows);
        out.push_str(&aligned(&["NAME", "TYPE", "DESCRIPTION"], &rows));
    }
    out
}

fn param_row(param: &StartParam) -> [String; 5] {
    [
        param.name.clone(),
        param.ty.to_string(),
        if param.required { "yes" } else { "no" }.to_owned(),
        param.default.as_ref().map_or("-".to_owned(), ToString::to_string),
        param.description.clone().unwrap_or_default(),
    ]
}

fn variable_rows(variables: &[EndVariable], depth: usize, rows: &mut Vec<[String; 3]>) {
    for variable in variables {
        let name = format!("{}{}", "  ".repeat(depth), variable.name);
        rows.push([name, variable.ty.to_string(), variable.description.clone().unwrap_or_default()]);
        variable_rows(&variable.fields, depth + 1, rows);
    }
}

/// Rows under a header, each column as wide as its widest cell, indented by two spaces.
fn aligned<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
