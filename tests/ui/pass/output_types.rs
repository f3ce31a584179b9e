//! Output types: `#[workflow_output]` structs (also generic and flattened), maps and JSON values
//! all fit an End node that returns variables.

use std::collections::BTreeMap;

use gptbots_runtime::{workflow, workflow_output};

#[workflow_output]
#[derive(Debug, PartialEq)]
struct Page<T> {
    news: Vec<T>,
}

#[workflow_output]
#[derive(Debug, PartialEq)]
struct Flattened {
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

#[workflow(id = "wf_a", output = Page<String>, flow = "flows/today-news.flow")]
struct A {
    topic: String,
}

#[workflow(id = "wf_b", output = Flattened, flow = "flows/today-news.flow")]
struct B {
    topic: String,
}

#[workflow(id = "wf_c", output = BTreeMap<String, serde_json::Value>, flow = "flows/today-news.flow")]
struct C {
    topic: String,
}

#[workflow(id = "wf_d", output = serde_json::Value, flow = "flows/today-news.flow")]
struct D {
    topic: String,
}

fn main() {
    let page: Page<String> = serde_json::from_str(r#"{"news": ["a"]}"#).unwrap();
    assert_eq!(page, Page { news: vec!["a".to_owned()] });
    let _ = (A { topic: String::new() }, B { topic: String::new() }, C { topic: String::new() }, D { topic: String::new() });
}
