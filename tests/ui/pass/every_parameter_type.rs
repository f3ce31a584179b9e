//! Every Start-parameter type of `all-types.flow`, each with the types that fit it.

use std::borrow::Cow;
use std::collections::HashMap;

use gptbots_runtime::contract::StringParam;
use gptbots_runtime::{File, workflow, workflow_output};

#[workflow_output]
struct Answer {
    answer: String,
    score: f64,
}

/// A nested input type: `#[workflow_output]` derives what an input field needs.
#[workflow_output]
#[derive(Default)]
struct Settings {
    verbose: bool,
}

/// A type of one's own fits a parameter once it implements the marker trait.
#[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
struct Timestamp(String);

impl StringParam for Timestamp {}

/// Type aliases are judged by what they name.
type Count = u16;

#[workflow(id = "wf_all_types", output = Answer, flow = "flows/all-types.flow")]
struct Owned {
    text: String,
    count: Count,
    ratio: f64,
    enabled: bool,
    settings: Settings,
    attachment: File,
    tags: Vec<String>,
    ids: Vec<u64>,
    weights: Vec<f32>,
    flags: Vec<bool>,
    records: Vec<std::collections::BTreeMap<String, serde_json::Value>>,
    files: Vec<File>,
    when: Timestamp,
    // optional, left out when `None`
    note: Option<String>,
    // required with a default value: may be left out or be an `Option`
    limit: Option<i32>,
    // unknown type `EMBEDDING`: only the name is checked, acknowledged here
    #[workflow(unchecked)]
    vector: Vec<f32>,
}

#[workflow(id = "wf_all_types", output = Answer, flow = "flows/all-types.flow")]
struct Borrowed<'a> {
    text: &'a str,
    count: i8,
    ratio: u32,
    enabled: bool,
    settings: HashMap<String, i32>,
    attachment: File,
    tags: Vec<&'a str>,
    ids: [i128; 2],
    weights: Box<[f64]>,
    flags: std::collections::VecDeque<bool>,
    records: Vec<serde_json::Value>,
    files: Vec<File>,
    when: Cow<'a, str>,
    // optional parameter given as a plain type: always sent
    note: char,
    tone: Box<str>,
    #[workflow(unchecked)]
    vector: serde_json::Value,
}

fn main() {
    let owned = Owned {
        text: "hello".into(),
        count: 3,
        ratio: 0.5,
        enabled: true,
        settings: Settings::default(),
        attachment: File::url("https://example.com/a.pdf", "pdf"),
        tags: vec!["a".into()],
        ids: vec![1],
        weights: vec![0.25],
        flags: vec![false],
        records: vec![Default::default()],
        files: vec![File::base64("aGk=", "txt").named("hi.txt")],
        when: Timestamp("2026-01-01T00:00:00Z".into()),
        note: None,
        limit: None,
        vector: vec![1.0],
    };
    let json = serde_json::to_value(&owned).unwrap();
    assert_eq!(json["attachment"], serde_json::json!({"url": "https://example.com/a.pdf", "format": "pdf"}));
    assert_eq!(json["files"][0]["base64_content"], "aGk=");
    assert_eq!(json["settings"], serde_json::json!({"verbose": false}));

    let borrowed = Borrowed {
        text: "hi",
        count: 1,
        ratio: 2,
        enabled: true,
        settings: HashMap::new(),
        attachment: File::url("u", "pdf"),
        tags: vec!["x"],
        ids: [1, 2],
        weights: vec![1.5].into_boxed_slice(),
        flags: Default::default(),
        records: vec![],
        files: vec![],
        when: Cow::Borrowed("now"),
        note: 'n',
        tone: "calm".into(),
        vector: serde_json::json!([0.5]),
    };
    let json = serde_json::to_value(&borrowed).unwrap();
    assert_eq!(json["tags"], serde_json::json!(["x"]));
    assert_eq!(json["tone"], "calm");
}
