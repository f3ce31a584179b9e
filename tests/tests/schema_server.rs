//! The embedded server checks each `input` against the workflow's input schema and answers
//! `{code: 40000, message}` naming the failing field; and, end to end, what the client sends
//! fits the input schema and what the server returns fits the output schema.

use std::sync::LazyLock;

use gptbots_examples::{DocumentSummary, SummariseDocument, SummaryLength, TodayNews, demo_today_news};
use gptbots_runtime::catalogue::WorkflowEntry;
use gptbots_runtime::mock::{HandlerResult, MockServer, MockWorkflow};
use gptbots_runtime::{Client, File};
use gptbots_tests::post_raw;
use jsonschema::Validator;
use proptest::option;
use proptest::prelude::*;
use serde_json::{Value, json};

const INVOKE: &str = "/v1/workflow/invoke";

async fn summarise(input: SummariseDocument) -> HandlerResult<DocumentSummary> {
    let points = usize::from(input.max_key_points.min(4));
    Ok(DocumentSummary {
        summary: format!("A {:?} summary of {}", input.length, input.document.format),
        key_points: (1..=points).map(|point| format!("point {point}")).collect(),
        page_count: input.document.name.as_ref().map(|name| name.len() as u32),
    })
}

/// A server playing both demo workflows, on a runtime that lives as long as the tests.
struct Harness {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    client: Client,
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
    let server = runtime.block_on(MockServer::start()).expect("the embedded server starts");
    server.register(demo_today_news);
    server.register(summarise);
    let client = server.client();
    Harness { runtime, server, client }
});

fn schema_validator(schema: schemars::Schema) -> Validator {
    jsonschema::draft202012::new(&schema.to_value()).expect("the schema compiles")
}

fn violations(validator: &Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|err| format!("{err} at {}", err.instance_path())).collect()
}

async fn refused(server: &MockServer, workflow: &MockWorkflow, input: Value) -> String {
    let (status, body) = post_raw(&server.url(), INVOKE, workflow.key(), &json!({ "input": input })).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");
    body["message"].as_str().expect("a message").to_owned()
}

#[test]
fn inputs_that_do_not_fit_the_schema_are_refused_naming_the_field() {
    HARNESS.runtime.block_on(async {
        let server = MockServer::start().await.expect("the embedded server starts");
        let news = server.register(demo_today_news);
        let summarise = server.register(summarise);
        assert_eq!(
            refused(&server, &news, json!({ "maxItems": 3 })).await,
            "invalid parameter `input.topic` of workflow `wf_today_news`: required parameter is missing"
        );
        assert_eq!(
            refused(&server, &news, json!({ "topic": "rust", "maxItems": -1 })).await,
            "invalid parameter `input.maxItems` of workflow `wf_today_news`: -1 is less than the minimum of 0"
        );
        assert_eq!(
            refused(&server, &news, json!({ "topic": "rust", "languages": ["en", 7] })).await,
            r#"invalid parameter `input.languages[1]` of workflow `wf_today_news`: 7 is not of type "string""#
        );
        let document = json!({ "document": { "format": "pdf" }, "length": "medium", "maxKeyPoints": 3 });
        assert_eq!(
            refused(&server, &summarise, document).await,
            "invalid parameter `input.document` of workflow `wf_summarise_document`: \
             one of these fields is required: `url`, `base64_content`"
        );
        let document = json!({ "document": { "url": "u", "format": "pdf" }, "length": "huge", "maxKeyPoints": 3 });
        let message = refused(&server, &summarise, document).await;
        assert!(
            message.starts_with("invalid parameter `input.length` of workflow `wf_summarise_document`: "),
            "{message}"
        );
        assert!(server.runs().is_empty(), "a refused input creates no run");
    });
}

#[test]
fn the_schema_is_checked_for_raw_handlers_too() {
    HARNESS.runtime.block_on(async {
        let server = MockServer::start().await.expect("the embedded server starts");
        // A raw handler takes any JSON: only the schema stands between it and a wrong input.
        let news = server.register_raw("wf_today_news", |_input| async { Ok(json!({ "news": [] })) });
        let (status, body) =
            post_raw(&server.url(), INVOKE, news.key(), &json!({ "input": { "topic": ["rust"] } })).await;
        assert_eq!((status, body["code"].as_i64()), (400, Some(40000)), "{body}");
        assert!(body["message"].as_str().is_some_and(|message| message.contains("`input.topic`")), "{body}");
        let (status, body) =
            post_raw(&server.url(), INVOKE, news.key(), &json!({ "input": { "topic": "rust" } })).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("SUCCEED")), "{body}");
        // A workflow absent from the catalogue is only checked for an object.
        let other = server.register_raw("wf_not_catalogued", |input| async move { Ok(input) });
        let (status, body) = post_raw(&server.url(), INVOKE, other.key(), &json!({ "input": { "any": [1] } })).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("SUCCEED")), "{body}");
    });
}

static NEWS_INPUT: LazyLock<Validator> =
    LazyLock::new(|| schema_validator(WorkflowEntry::of::<TodayNews>().input_schema()));
static NEWS_OUTPUT: LazyLock<Validator> =
    LazyLock::new(|| schema_validator(WorkflowEntry::of::<TodayNews>().output_schema()));
static SUMMARISE_INPUT: LazyLock<Validator> =
    LazyLock::new(|| schema_validator(WorkflowEntry::of::<SummariseDocument>().input_schema()));
static SUMMARISE_OUTPUT: LazyLock<Validator> =
    LazyLock::new(|| schema_validator(WorkflowEntry::of::<SummariseDocument>().output_schema()));

/// Invokes through the client, and returns the `input` the server received and the `output`
/// it answered.
fn round_trip(invoke: impl Future<Output = Result<String, gptbots_runtime::Error>>) -> (Value, Value) {
    let harness = &*HARNESS;
    let run_id = harness.runtime.block_on(invoke).expect("the run succeeds");
    let run = harness.server.run(&run_id).expect("the run is kept");
    (run.input, run.output.expect("a successful run has an output"))
}

fn summarise_document() -> impl Strategy<Value = SummariseDocument> {
    let document = (any::<String>(), "[a-z]{2,4}", option::of(any::<String>())).prop_map(|(url, format, name)| {
        let file = File::url(url, format);
        match name {
            Some(name) => file.named(name),
            None => file,
        }
    });
    let length = prop_oneof![Just(SummaryLength::Short), Just(SummaryLength::Medium), Just(SummaryLength::Long)];
    (document, length, any::<u8>(), option::of("[a-z]{2}")).prop_map(|(document, length, max_key_points, language)| {
        SummariseDocument { document, length, max_key_points, language }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn what_crosses_the_wire_fits_both_schemas(
        topic in any::<String>(),
        max_items in option::of(any::<u32>()),
        languages in option::of(proptest::collection::vec("[a-z]{2}", 0..3)),
        document in summarise_document(),
    ) {
        let client = &HARNESS.client;
        let news = TodayNews { topic, max_items, languages };
        let (sent, answered) = round_trip(async { news.invoke(client).await.map(|run| run.run_id) });
        prop_assert!(violations(&NEWS_INPUT, &sent).is_empty(), "{:?} for {}", violations(&NEWS_INPUT, &sent), sent);
        prop_assert!(violations(&NEWS_OUTPUT, &answered).is_empty(), "{:?} for {}", violations(&NEWS_OUTPUT, &answered), answered);

        let (sent, answered) = round_trip(async { document.invoke(client).await.map(|run| run.run_id) });
        prop_assert!(violations(&SUMMARISE_INPUT, &sent).is_empty(), "{:?} for {}", violations(&SUMMARISE_INPUT, &sent), sent);
        prop_assert!(
            violations(&SUMMARISE_OUTPUT, &answered).is_empty(),
            "{:?} for {}", violations(&SUMMARISE_OUTPUT, &answered), answered
        );
    }
}
