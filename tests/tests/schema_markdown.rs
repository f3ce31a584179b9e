//! The Markdown page, pinned by snapshots of the example workflows and of fixtures that use
//! every serde feature the renderer has to read.

mod schema_fixtures;

use gptbots_examples::{SummariseDocument, TodayNews};
use gptbots_runtime::catalogue::WorkflowEntry;
use gptbots_runtime::schema_docs::markdown;

#[test]
fn example_workflows() {
    let entries = [WorkflowEntry::of::<SummariseDocument>(), WorkflowEntry::of::<TodayNews>()];
    insta::assert_snapshot!(markdown(&entries));
}

#[test]
fn renames_defaults_maps_and_enums() {
    insta::assert_snapshot!(markdown(&schema_fixtures::entries()));
}

#[test]
fn no_workflow() {
    assert_eq!(markdown([]), "# Workflows\n\nNo workflow is defined.\n");
}

#[test]
fn each_parameter_row_follows_the_input_schema() {
    let entry = WorkflowEntry::of::<schema_fixtures::Translate>();
    let page = markdown([&entry]);
    let schema = entry.input_schema();
    let properties = schema.get("properties").and_then(|value| value.as_object()).expect("an object schema");
    let required = schema.get("required").and_then(|value| value.as_array()).expect("required parameters");
    for name in properties.keys() {
        let is_required = required.iter().any(|value| value == name.as_str());
        let row = page.lines().find(|line| line.starts_with(&format!("| `{name}` |"))).expect("a row per parameter");
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells[2], if is_required { "yes" } else { "no" }, "{row}");
    }
}
