//! Property tests: what the client sends for any input validates against the input schema, any
//! output the types can hold validates against the output schema, and an input missing or
//! mistyping a parameter is rejected naming that parameter.

mod schema_fixtures;

use std::sync::LazyLock;

use gptbots_examples::{DocumentSummary, News, NewsDigest, SummariseDocument, SummaryLength, TodayNews};
use gptbots_runtime::File;
use gptbots_runtime::Workflow;
use gptbots_runtime::catalogue::WorkflowEntry;
use gptbots_runtime::input_validation::InputValidator;
use jsonschema::Validator;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use schema_fixtures::{Language, Reference, Translate, Translation, Verdict};
use serde::Serialize;
use serde_json::{Value, json};

fn input_validator<W: Workflow + schemars::JsonSchema>() -> InputValidator
where
    W::Output: schemars::JsonSchema,
{
    InputValidator::new(&WorkflowEntry::of::<W>()).expect("the input schema compiles")
}

fn output_validator<W: Workflow + schemars::JsonSchema>() -> Validator
where
    W::Output: schemars::JsonSchema,
{
    jsonschema::draft202012::new(&WorkflowEntry::of::<W>().output_schema().to_value())
        .expect("the output schema compiles")
}

static TODAY_NEWS_INPUT: LazyLock<InputValidator> = LazyLock::new(input_validator::<TodayNews>);
static SUMMARISE_INPUT: LazyLock<InputValidator> = LazyLock::new(input_validator::<SummariseDocument>);
static TRANSLATE_INPUT: LazyLock<InputValidator> = LazyLock::new(input_validator::<Translate>);
static TODAY_NEWS_OUTPUT: LazyLock<Validator> = LazyLock::new(output_validator::<TodayNews>);
static SUMMARISE_OUTPUT: LazyLock<Validator> = LazyLock::new(output_validator::<SummariseDocument>);
static TRANSLATE_OUTPUT: LazyLock<Validator> = LazyLock::new(output_validator::<Translate>);

fn sent<T: Serialize>(input: &T) -> Value {
    serde_json::to_value(input).expect("inputs serialize")
}

fn today_news() -> impl Strategy<Value = TodayNews> {
    (any::<String>(), option::of(any::<u32>()), option::of(vec(any::<String>(), 0..4)))
        .prop_map(|(topic, max_items, languages)| TodayNews { topic, max_items, languages })
}

fn file() -> impl Strategy<Value = File> {
    let content = prop_oneof![
        any::<String>().prop_map(|url| File::url(url, "pdf")),
        "[A-Za-z0-9+/]{0,40}".prop_map(|content| File::base64(content, "png")),
    ];
    (content, "[a-z]{2,4}", option::of(any::<String>())).prop_map(|(file, format, name)| {
        let file = File { format, ..file };
        match name {
            Some(name) => file.named(name),
            None => file,
        }
    })
}

fn summarise_document() -> impl Strategy<Value = SummariseDocument> {
    let length = prop_oneof![Just(SummaryLength::Short), Just(SummaryLength::Medium), Just(SummaryLength::Long)];
    (file(), length, any::<u8>(), option::of("[a-z]{2}")).prop_map(|(document, length, max_key_points, language)| {
        SummariseDocument { document, length, max_key_points, language }
    })
}

fn language() -> impl Strategy<Value = Language> {
    prop_oneof![Just(Language::En), Just(Language::De), Just(Language::Chinese)]
}

/// Finite numbers only: JSON has no NaN or infinity.
fn number() -> impl Strategy<Value = f64> {
    -1e300..1e300f64
}

fn translate() -> impl Strategy<Value = Translate> {
    let reference = (any::<String>(), any::<String>()).prop_map(|(url, format)| Reference { url, format });
    (
        any::<String>(),
        language(),
        btree_map(any::<String>(), any::<String>(), 0..4),
        option::of(number()),
        any::<bool>(),
        vec(reference, 0..3),
    )
        .prop_map(|(text, target_language, glossary, formality, keep_markup, references)| Translate {
            text,
            target_language,
            glossary,
            formality,
            keep_markup,
            references,
        })
}

fn news_digest() -> impl Strategy<Value = NewsDigest> {
    let news = (any::<String>(), any::<String>(), any::<String>()).prop_map(|(title, media, summary)| News {
        title,
        media,
        summary,
    });
    vec(news, 0..5).prop_map(|news| NewsDigest { news })
}

fn document_summary() -> impl Strategy<Value = DocumentSummary> {
    (any::<String>(), vec(any::<String>(), 0..4), option::of(any::<u32>()))
        .prop_map(|(summary, key_points, page_count)| DocumentSummary { summary, key_points, page_count })
}

fn translation() -> impl Strategy<Value = Translation> {
    let verdict = prop_oneof![Just(Verdict::Clean), any::<String>().prop_map(|reason| Verdict::Flagged { reason })];
    (
        any::<String>(),
        option::of(language()),
        vec(any::<String>(), 0..3),
        btree_map(any::<String>(), number(), 0..3),
        verdict,
    )
        .prop_map(|(translated_text, detected_language, alternatives, cost_by_step, verdict)| Translation {
            translated_text,
            detected_language,
            alternatives,
            cost_by_step,
            verdict,
        })
}

/// The parameters `input` must hold, per the input schema.
fn required_parameters<W: Workflow + schemars::JsonSchema>() -> Vec<String>
where
    W::Output: schemars::JsonSchema,
{
    let schema = WorkflowEntry::of::<W>().input_schema().to_value();
    schema["required"].as_array().into_iter().flatten().filter_map(|name| name.as_str().map(str::to_owned)).collect()
}

proptest! {
    #[test]
    fn sent_inputs_match_the_input_schema(
        news in today_news(),
        document in summarise_document(),
        translation in translate(),
    ) {
        prop_assert_eq!(TODAY_NEWS_INPUT.validate(&sent(&news)), Ok(()));
        prop_assert_eq!(SUMMARISE_INPUT.validate(&sent(&document)), Ok(()));
        prop_assert_eq!(TRANSLATE_INPUT.validate(&sent(&translation)), Ok(()));
    }

    #[test]
    fn outputs_match_the_output_schema(
        digest in news_digest(),
        summary in document_summary(),
        translation in translation(),
    ) {
        for (validator, output) in [
            (&*TODAY_NEWS_OUTPUT, sent(&digest)),
            (&*SUMMARISE_OUTPUT, sent(&summary)),
            (&*TRANSLATE_OUTPUT, sent(&translation)),
        ] {
            let errors: Vec<String> = validator.iter_errors(&output).map(|err| err.to_string()).collect();
            prop_assert!(errors.is_empty(), "{:?} for {}", errors, output);
        }
    }

    #[test]
    fn a_missing_parameter_is_named(translation in translate(), pick in any::<prop::sample::Index>()) {
        let required = required_parameters::<Translate>();
        let missing = pick.get(&required);
        let mut input = sent(&translation);
        input.as_object_mut().expect("an object").remove(missing);
        let err = TRANSLATE_INPUT.validate(&input).expect_err("a required parameter is missing");
        prop_assert_eq!(err.field(), missing.as_str());
        prop_assert!(err.is_missing());
        prop_assert_eq!(
            err.to_string(),
            format!("invalid parameter `input.{missing}` of workflow `wf_translate`: required parameter is missing")
        );
    }

    #[test]
    fn a_mistyped_parameter_is_named(document in summarise_document(), pick in any::<prop::sample::Index>()) {
        let mut input = sent(&document);
        let names: Vec<String> = input.as_object().expect("an object").keys().cloned().collect();
        let mistyped = pick.get(&names);
        // No parameter of this workflow accepts an array of booleans.
        input[mistyped.as_str()] = json!([true]);
        let err = SUMMARISE_INPUT.validate(&input).expect_err("a parameter has the wrong type");
        prop_assert_eq!(err.field(), mistyped.as_str());
        let expected = format!("invalid parameter `input.{mistyped}` of workflow `wf_summarise_document`: ");
        prop_assert!(err.to_string().starts_with(&expected), "{}", err);
    }
}

#[test]
fn the_required_parameters_are_the_ones_always_sent() {
    assert_eq!(required_parameters::<TodayNews>(), ["topic"]);
    let mut summarise = required_parameters::<SummariseDocument>();
    summarise.sort();
    assert_eq!(summarise, ["document", "length", "maxKeyPoints"]);
}
