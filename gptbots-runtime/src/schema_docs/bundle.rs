//! The JSON bundle: every workflow's input and output schema, keyed by workflow id.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::catalogue::WorkflowEntry;

/// The JSON Schema bundle of `entries`, shaped
/// `{"<workflow id>": {"input": <schema>, "output": <schema>}}`.
///
/// Where several entries share an id, the first one is kept. Ids come in sorted order whatever
/// the order of `entries` (the catalogue's follows link order) and whether or not serde_json
/// keeps insertion order (its `preserve_order` feature, which schemars enables here), so the
/// file is the same on every build.
pub fn json_bundle<'a>(entries: impl IntoIterator<Item = &'a WorkflowEntry>) -> Value {
    let mut by_id = BTreeMap::new();
    for entry in entries {
        by_id.entry(entry.id).or_insert(entry);
    }
    let bundle: Map<String, Value> = by_id
        .into_iter()
        .map(|(id, entry)| (id.to_owned(), json!({ "input": entry.input_schema(), "output": entry.output_schema() })))
        .collect();
    Value::Object(bundle)
}
