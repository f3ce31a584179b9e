//! An `Option` input field left `None` is not sent, so the workflow's default applies; the input
//! schema and the embedded server's input check agree: the field may be absent, and `null` is
//! refused unless the field says `#[workflow(send_null)]`.

use gptbots_runtime::catalogue::WorkflowEntry;
use gptbots_runtime::mock::{HandlerResult, MockServer};
use gptbots_runtime::{workflow, workflow_output};
use gptbots_tests::post_raw;
use serde_json::{Value, json};

#[workflow_output]
struct Reply {
    text: String,
}

/// A search with optional settings.
#[workflow(id = "wf_search", output = Reply)]
#[serde(rename_all = "camelCase")]
struct Search {
    query: String,
    max_results: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// This workflow tells `null` ("no filter") from absent ("the default filter").
    #[workflow(send_null)]
    filter: Option<String>,
}

async fn search(input: Search) -> HandlerResult<Reply> {
    Ok(Reply { text: format!("{} {:?} {:?}", input.query, input.max_results, input.filter) })
}

fn unset() -> Search {
    Search { query: "rust".into(), max_results: None, language: None, filter: None }
}

#[test]
fn none_is_left_out_and_send_null_sends_null() -> serde_json::Result<()> {
    assert_eq!(serde_json::to_value(unset())?, json!({ "query": "rust", "filter": null }));
    let set = Search { max_results: Some(3), language: Some("en".into()), filter: Some("news".into()), ..unset() };
    assert_eq!(
        serde_json::to_value(set)?,
        json!({ "query": "rust", "maxResults": 3, "language": "en", "filter": "news" })
    );
    Ok(())
}

#[test]
fn the_schema_says_what_is_sent() {
    let schema = WorkflowEntry::of::<Search>().input_schema().to_value();
    let required: Vec<&str> =
        schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    assert_eq!(required, ["query", "filter"], "{schema}");
    let properties = &schema["properties"];
    assert_eq!(properties["maxResults"]["type"], json!("integer"), "no `null`: {schema}");
    assert_eq!(properties["filter"]["type"], json!(["string", "null"]), "{schema}");
    // Declaration order, not sorted.
    let names: Vec<&String> = properties.as_object().map(|p| p.keys().collect()).unwrap_or_default();
    assert_eq!(names, ["query", "maxResults", "language", "filter"]);
}

#[tokio::test]
async fn the_embedded_server_accepts_absence_and_refuses_null() {
    let server = MockServer::start().await.expect("the embedded server starts");
    let workflow = server.register(search);
    let run = unset().invoke(&server.client()).await.expect("an input without the unset fields is accepted");
    assert_eq!(run.output.text, "rust None None");

    let invoke = |input: Value| {
        let url = server.url();
        let key = workflow.key().to_owned();
        async move { post_raw(&url, "/v1/workflow/invoke", &key, &json!({ "input": input })).await }
    };
    let (status, body) = invoke(json!({ "query": "rust", "maxResults": null, "filter": null })).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("input.maxResults")), "{body}");
    let (status, body) = invoke(json!({ "query": "rust", "filter": null })).await;
    assert_eq!(status, 200, "{body}");
}
