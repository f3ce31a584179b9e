//! The JSON bundle: every workflow's input and output schema, keyed by workflow id.

use serde_json::{Map, Value, json};

use crate::catalogue::WorkflowEntry;

/// The JSON Schema bundle of `entries`, shaped
/// `{"<workflow id>": {"input": <schema>, "output": <schema>}}`.
///
/// Workflows appear in the order of `entries` (as in the Markdown page); where several entries
/// share an id, the first one is kept.
pub fn json_bundle<'a>(entries: impl IntoIterator<Item = &'a WorkflowEntry>) -> Value {
    let mut bundle = Map::new();
    for entry in entries {
        bundle.entry(entry.id).or_insert_with(|| {
            json!({
                "input": entry.input_schema(),
                "output": entry.output_schema(),
            })
        });
    }
    Value::Object(bundle)
}
