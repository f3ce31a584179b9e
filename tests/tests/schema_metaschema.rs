//! Every schema the catalogue generates is a valid JSON Schema draft 2020-12 document, checked
//! against the meta-schema that ships inside the `jsonschema` crate (no network is used: the
//! crate is built without its HTTP resolver).

mod schema_fixtures;

use gptbots_examples::{SummariseDocument, TodayNews};
use gptbots_runtime::catalogue::{self, WORKFLOW_ID_KEYWORD, WorkflowEntry};
use gptbots_runtime::schema_docs::json_bundle;
use serde_json::{Value, json};

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

fn assert_valid_2020_12(what: &str, schema: &Value) {
    if let Err(err) = jsonschema::draft202012::meta::validate(schema) {
        panic!("{what} is not a valid draft 2020-12 schema: {err} at {}\n{schema:#}", err.instance_path());
    }
    assert_eq!(schema.get("$schema"), Some(&json!(DRAFT_2020_12)), "{what} declares its draft");
}

#[test]
fn the_meta_schema_check_rejects_invalid_schemas() {
    assert!(jsonschema::draft202012::meta::validate(&json!({"type": "text"})).is_err());
    assert!(jsonschema::draft202012::meta::validate(&json!({"required": "topic"})).is_err());
    assert!(jsonschema::draft202012::meta::validate(&json!({"$defs": {"A": 3}})).is_err());
}

#[test]
fn every_catalogued_workflow_has_valid_schemas() {
    let entries = catalogue::workflows();
    for id in ["wf_today_news", "wf_summarise_document", "wf_translate", "wf_ping"] {
        assert!(entries.iter().any(|entry| entry.id == id), "{id} is catalogued without being listed");
    }
    for entry in entries {
        let input = entry.input_schema().to_value();
        let output = entry.output_schema().to_value();
        assert_valid_2020_12(&format!("the input schema of {}", entry.id), &input);
        assert_valid_2020_12(&format!("the output schema of {}", entry.id), &output);
        assert_eq!(input.get(WORKFLOW_ID_KEYWORD), Some(&json!(entry.id)));
        assert_eq!(output.get(WORKFLOW_ID_KEYWORD), Some(&json!(entry.id)));
        // Each schema must also compile for validation, `$ref`s included.
        jsonschema::draft202012::new(&input).unwrap_or_else(|err| panic!("{}: {err}", entry.id));
        jsonschema::draft202012::new(&output).unwrap_or_else(|err| panic!("{}: {err}", entry.id));
    }
}

#[test]
fn the_bundle_holds_both_schemas_of_each_workflow_by_id() {
    let entries = [WorkflowEntry::of::<TodayNews>(), WorkflowEntry::of::<SummariseDocument>()];
    let bundle = json_bundle(&entries);
    let ids: Vec<&String> = bundle.as_object().expect("an object").keys().collect();
    assert_eq!(ids, ["wf_today_news", "wf_summarise_document"], "in the order given, as in the Markdown");
    for entry in &entries {
        assert_eq!(bundle[entry.id]["input"], entry.input_schema().to_value());
        assert_eq!(bundle[entry.id]["output"], entry.output_schema().to_value());
        assert_valid_2020_12("a bundled input schema", &bundle[entry.id]["input"]);
    }
}

#[test]
fn serde_renames_and_doc_comments_reach_the_schema() {
    let input = WorkflowEntry::of::<schema_fixtures::Translate>().input_schema().to_value();
    let properties = input["properties"].as_object().expect("properties");
    assert!(properties.contains_key("to") && !properties.contains_key("targetLanguage"));
    assert!(properties.contains_key("keepMarkup"));
    assert_eq!(
        input["description"],
        "`translate`: translates a text.\n\nLong texts are split into chunks | translated one by one."
    );
    assert_eq!(properties["text"]["description"], "The text to translate.");
    assert_eq!(input["$defs"]["Language"]["enum"], json!(["en", "de", "zh-CN"]));
    let output = WorkflowEntry::of::<schema_fixtures::Translate>().output_schema().to_value();
    assert!(output["properties"].as_object().expect("properties").contains_key("translatedText"));
}

#[test]
fn input_is_the_serialize_contract_and_output_the_deserialize_contract() {
    let entry = WorkflowEntry::of::<schema_fixtures::Translate>();
    let required = |schema: &Value| {
        let mut names: Vec<String> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|name| name.as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    };
    // Sent: everything not skipped when empty, `Option`s included (as `null`).
    assert_eq!(required(&entry.input_schema().to_value()), ["formality", "keepMarkup", "text", "to"]);
    // Accepted: everything without a default and not an `Option`.
    assert_eq!(required(&entry.output_schema().to_value()), ["translatedText", "verdict"]);
}

#[test]
fn written_files_hold_the_whole_catalogue() {
    let dir = std::env::temp_dir().join(format!("gptbots-schema-docs-{}", std::process::id()));
    gptbots_runtime::schema_docs::write_files(&dir).expect("the docs are written");
    let markdown = std::fs::read_to_string(dir.join("workflows.md")).expect("workflows.md");
    let bundle: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("workflows.schema.json")).expect("workflows.schema.json"),
    )
    .expect("the bundle is JSON");
    std::fs::remove_dir_all(&dir).ok();
    let entries = catalogue::workflows();
    for entry in &entries {
        assert!(markdown.contains(&format!("\n## `{}`\n", entry.id)), "{} is documented", entry.id);
        // Where several types describe one workflow, the bundle holds the first one's schemas.
        let first = entries.iter().find(|other| other.id == entry.id).expect("the entry itself");
        assert_eq!(bundle[entry.id]["input"], first.input_schema().to_value());
        assert_eq!(bundle[entry.id]["output"], first.output_schema().to_value());
    }
}
