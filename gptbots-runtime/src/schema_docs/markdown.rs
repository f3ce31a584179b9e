//! The Markdown page: per workflow its id, description, parameter table and output shape.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::catalogue::WorkflowEntry;

/// A Markdown page documenting `entries`, in the order given.
///
/// Per workflow: its id, the input struct's doc comment, a table of the parameters sent as
/// `input` (name, JSON type, whether it is required, description and default where one is
/// known), and the output's fields, followed by the named types both refer to.
pub fn markdown<'a>(entries: impl IntoIterator<Item = &'a WorkflowEntry>) -> String {
    let entries: Vec<&WorkflowEntry> = entries.into_iter().collect();
    let mut page = String::from("# Workflows\n\n");
    if entries.is_empty() {
        page.push_str("No workflow is defined.\n");
        return page;
    }
    page.push_str("| Workflow | Rust type | Description |\n| --- | --- | --- |\n");
    for entry in &entries {
        let summary = entry.description().map(|text| first_paragraph(&text)).unwrap_or_default();
        let _ = writeln!(page, "| [`{}`](#{}) | `{}` | {} |", entry.id, anchor(entry.id), entry.name, cell(&summary));
    }
    for entry in entries {
        workflow_section(&mut page, entry);
    }
    page
}

fn workflow_section(page: &mut String, entry: &WorkflowEntry) {
    let input = entry.input_schema().to_value();
    let output = entry.output_schema().to_value();
    let _ = write!(page, "\n## `{}`\n\n", entry.id);
    if let Some(description) = text(&input, "description") {
        let _ = write!(page, "{description}\n\n");
    }
    let _ = writeln!(page, "Rust input type: `{}`.", entry.name);

    page.push_str("\n### Input\n\n");
    describe(page, &input, "Parameter", "The input has no parameters.");
    definitions(page, &input);

    match text(&output, "title") {
        Some(title) => {
            let _ = write!(page, "\n### Output: `{title}`\n\n");
        }
        None => page.push_str("\n### Output\n\n"),
    }
    if let Some(description) = text(&output, "description") {
        let _ = write!(page, "{description}\n\n");
    }
    describe(page, &output, "Field", "The output has no fields.");
    definitions(page, &output);
}

/// Writes the table of an object schema's properties; false if `schema` is not an object.
fn shape(page: &mut String, schema: &Value, column: &str, empty: &str) -> bool {
    let is_object = schema.get("type").and_then(Value::as_str) == Some("object") || schema.get("properties").is_some();
    if !is_object {
        return false;
    }
    let properties = schema.get("properties").and_then(Value::as_object).filter(|properties| !properties.is_empty());
    let Some(properties) = properties else {
        let _ = writeln!(page, "{empty}");
        return true;
    };
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    // In declaration order: schemars' `preserve_order` keeps the struct's field order.
    let names: Vec<&String> = properties.keys().collect();
    let _ = writeln!(page, "| {column} | JSON type | Required | Description | Default |");
    page.push_str("| --- | --- | --- | --- | --- |\n");
    for name in names {
        let property = &properties[name];
        let is_required = if required.contains(&name.as_str()) { "yes" } else { "no" };
        let description = text(property, "description").map(|text| cell(&text)).unwrap_or_default();
        let default = property.get("default").map(|value| cell(&code(&value.to_string()))).unwrap_or_default();
        let _ = writeln!(
            page,
            "| {} | {} | {is_required} | {description} | {default} |",
            cell(&code(name)),
            cell(&type_name(property))
        );
    }
    true
}

/// Writes a section per named type (`$defs`) of a root schema, sorted by name.
fn definitions(page: &mut String, root: &Value) {
    let Some(definitions) = root.get("$defs").and_then(Value::as_object) else {
        return;
    };
    let mut names: Vec<&String> = definitions.keys().collect();
    names.sort_unstable();
    for name in names {
        let definition = &definitions[name];
        let _ = write!(page, "\n#### `{name}`\n\n");
        if let Some(description) = text(definition, "description") {
            let _ = write!(page, "{description}\n\n");
        }
        describe(page, definition, "Field", "An object with no fields.");
    }
}

/// Writes what a schema holds: a table of its fields, its alternative shapes, the values it
/// allows, or else its JSON type.
fn describe(page: &mut String, schema: &Value, column: &str, empty: &str) {
    let has_fields = schema.get("properties").and_then(Value::as_object).is_some_and(|fields| !fields.is_empty());
    let has_fields = has_fields && shape(page, schema, column, empty);
    if variants(page, schema, has_fields) || has_fields {
        return;
    }
    if !shape(page, schema, column, empty) && !values(page, schema) {
        let _ = writeln!(page, "JSON type: {}.", type_name(schema));
    }
}

/// Writes one paragraph and table per alternative shape of a schema whose alternatives are
/// objects (a data-carrying enum, possibly flattened next to `fields_above`); false if
/// `schema` has no such alternatives.
fn variants(page: &mut String, schema: &Value, fields_above: bool) -> bool {
    let Some(variants) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) else {
        return false;
    };
    if !variants.iter().any(|variant| variant.get("properties").is_some()) {
        return false;
    }
    page.push_str(if fields_above { "\nAnd one of these shapes:\n" } else { "One of these shapes:\n" });
    for variant in variants {
        page.push('\n');
        match text(variant, "description") {
            Some(description) => {
                let _ = write!(page, "- {}\n\n", cell(&description));
            }
            None => page.push_str("- (undocumented)\n\n"),
        }
        let mut table = String::new();
        if !shape(&mut table, variant, "Field", "An object with no fields.") {
            let _ = writeln!(table, "JSON type: {}.", type_name(variant));
        }
        for line in table.lines() {
            let _ = writeln!(page, "  {line}");
        }
    }
    true
}

/// Writes the table of a schema made of documented constants (a unit-variant enum); false if
/// `schema` is something else.
fn values(page: &mut String, schema: &Value) -> bool {
    let Some(variants) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) else {
        return false;
    };
    let constants: Option<Vec<(&Value, Option<String>)>> = variants
        .iter()
        .map(|variant| variant.get("const").map(|value| (value, text(variant, "description"))))
        .collect();
    let Some(constants) = constants.filter(|constants| constants.iter().any(|(_, description)| description.is_some()))
    else {
        return false;
    };
    page.push_str("| Value | Description |\n| --- | --- |\n");
    for (value, description) in constants {
        let _ = writeln!(page, "| {} | {} |", cell(&code(&value.to_string())), cell(&description.unwrap_or_default()));
    }
    true
}

/// A short human reading of a schema's type, e.g. `array of string` or ``string or null``.
fn type_name(schema: &Value) -> String {
    let object = match schema {
        Value::Bool(true) => return "any".to_owned(),
        Value::Bool(false) => return "nothing".to_owned(),
        Value::Object(object) => object,
        _ => return "any".to_owned(),
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("`{name}`");
    }
    if let Some(constant) = object.get("const") {
        return format!("`{constant}`");
    }
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
        return format!("one of {}", values.join(", "));
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(variants) = object.get(combinator).and_then(Value::as_array) {
            return alternatives(variants.iter().map(type_name));
        }
    }
    if let Some([only]) = object.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return type_name(only);
    }
    match object.get("type") {
        Some(Value::String(kind)) => single_type(kind, object),
        Some(Value::Array(kinds)) => {
            alternatives(kinds.iter().filter_map(Value::as_str).map(|kind| single_type(kind, object)))
        }
        _ => "any".to_owned(),
    }
}

fn single_type(kind: &str, schema: &Map<String, Value>) -> String {
    match kind {
        "array" => match (schema.get("items"), schema.get("prefixItems").and_then(Value::as_array)) {
            (_, Some(items)) => {
                let items: Vec<String> = items.iter().map(type_name).collect();
                format!("array ({})", items.join(", "))
            }
            (Some(items), None) => format!("array of {}", type_name(items)),
            (None, None) => "array".to_owned(),
        },
        "object" => match schema.get("additionalProperties") {
            Some(values @ Value::Object(_)) if schema.get("properties").is_none() => {
                format!("object of {}", type_name(values))
            }
            _ => "object".to_owned(),
        },
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("string ({format})"),
            None => "string".to_owned(),
        },
        other => other.to_owned(),
    }
}

fn alternatives(names: impl Iterator<Item = String>) -> String {
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    unique.join(" or ")
}

/// A schema's `key` (`title`, `description`) as Markdown prose, without the Rust examples of
/// the doc comment it came from.
fn text(schema: &Value, key: &str) -> Option<String> {
    let mut text = without_rust_examples(schema.get(key).and_then(Value::as_str)?);
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `text` without its fenced code blocks that rustdoc runs as Rust (no language, or `rust`,
/// `no_run`, `ignore`, ...): they document the Rust API, not the JSON. Other blocks (e.g.
/// `json`) are kept.
fn without_rust_examples(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut fence: Option<(&str, bool)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some((marker, is_rust)) => {
                if trimmed.starts_with(marker) && trimmed[marker.len()..].trim().is_empty() {
                    fence = None;
                }
                if !is_rust {
                    kept.push_str(line);
                    kept.push('\n');
                }
            }
            None => {
                let marker = ["```", "~~~"].into_iter().find(|marker| trimmed.starts_with(marker));
                if let Some(marker) = marker {
                    let info = trimmed.trim_start_matches(marker.chars().next().unwrap_or('`')).trim();
                    let is_rust = info.is_empty()
                        || info.split(',').any(|word| {
                            matches!(word.trim(), "rust" | "no_run" | "ignore" | "compile_fail" | "should_panic")
                                || word.trim().starts_with("edition")
                        });
                    fence = Some((marker, is_rust));
                    if !is_rust {
                        kept.push_str(line);
                        kept.push('\n');
                    }
                } else {
                    kept.push_str(line);
                    kept.push('\n');
                }
            }
        }
    }
    kept
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or_default().to_owned()
}

/// Text fit for one table cell: lines joined, paragraphs separated by `<br>`, pipes escaped.
fn cell(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|paragraph| !paragraph.is_empty())
        .collect();
    paragraphs.join("<br>").replace('|', "\\|")
}

/// Inline code that survives any backticks inside `text`.
fn code(text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The anchor GitHub gives a heading made of `text` in backticks.
fn anchor(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn type_names_read_like_prose() {
        assert_eq!(type_name(&json!({"type": "string"})), "string");
        assert_eq!(type_name(&json!({"type": ["integer", "null"]})), "integer or null");
        assert_eq!(type_name(&json!({"type": "array", "items": {"$ref": "#/$defs/News"}})), "array of `News`");
        assert_eq!(type_name(&json!({"anyOf": [{"$ref": "#/$defs/News"}, {"type": "null"}]})), "`News` or null");
        assert_eq!(
            type_name(&json!({"type": "object", "additionalProperties": {"type": "number"}})),
            "object of number"
        );
        assert_eq!(type_name(&json!({"type": "string", "enum": ["a", "b"]})), r#"one of `"a"`, `"b"`"#);
        assert_eq!(type_name(&json!({"oneOf": [{"const": "a"}, {"const": "b"}]})), r#"`"a"` or `"b"`"#);
        assert_eq!(type_name(&json!({"type": "string", "format": "date-time"})), "string (date-time)");
        assert_eq!(type_name(&json!(true)), "any");
        assert_eq!(
            type_name(&json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]})),
            "array (string, integer)"
        );
    }

    #[test]
    fn rust_examples_are_left_out_of_descriptions() {
        let doc = "A file.\n\n```\nlet f = File::url(\"u\", \"pdf\");\n```\n\nSent as:\n\n```json\n{\"url\": \"u\"}\n```\n\n```no_run\nx();\n```";
        assert_eq!(
            text(&json!({ "description": doc }), "description").as_deref(),
            Some("A file.\n\nSent as:\n\n```json\n{\"url\": \"u\"}\n```")
        );
    }

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes() {
        assert_eq!(cell("a\nb\n\nc | d"), "a b<br>c \\| d");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("topic"), "`topic`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn anchors_follow_github_headings() {
        assert_eq!(anchor("wf_Today-News.v2"), "wf_today-newsv2");
    }
}
