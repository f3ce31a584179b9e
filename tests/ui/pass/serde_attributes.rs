//! Serde attributes behave as in serde, and the `.flow` check uses the names they produce.

use gptbots_runtime::{workflow, workflow_output};
use serde_json::json;

#[workflow_output]
#[serde(rename_all = "camelCase")]
struct NewsDigest {
    #[serde(rename = "news")]
    items: Vec<News>,
    #[serde(skip)]
    fetched_locally: bool,
}

#[workflow_output]
struct News {
    title: String,
    #[serde(default)]
    media: Option<String>,
    #[serde(alias = "abstract")]
    summary: String,
}

#[workflow(id = "wf_today_news", output = NewsDigest, flow = "flows/today-news.flow")]
#[serde(rename_all(serialize = "camelCase", deserialize = "snake_case"))]
struct TodayNews {
    #[serde(rename(serialize = "topic"))]
    subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_items: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    languages: Vec<String>,
    #[serde(skip)]
    cache_key: u64,
}

#[workflow(id = "wf_raw", output = serde_json::Value)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
struct RawNames {
    r#type: String,
    #[serde(serialize_with = "upper")]
    tone: String,
    #[serde(flatten)]
    extra: std::collections::HashMap<String, String>,
}

fn upper<S: serde::Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_uppercase())
}

fn main() {
    let input = TodayNews { subject: "rust".into(), max_items: None, languages: vec![], cache_key: 7 };
    assert_eq!(serde_json::to_value(&input).unwrap(), json!({"topic": "rust"}));

    let raw = RawNames {
        r#type: "digest".into(),
        tone: "calm".into(),
        extra: [("k".to_owned(), "v".to_owned())].into(),
    };
    assert_eq!(serde_json::to_value(&raw).unwrap(), json!({"TYPE": "digest", "TONE": "CALM", "k": "v"}));

    let digest: NewsDigest =
        serde_json::from_value(json!({"news": [{"title": "t", "abstract": "s"}]})).unwrap();
    assert_eq!(digest.items[0].summary, "s");
    assert_eq!(digest.items[0].media, None);
    assert!(!digest.fetched_locally);
}
