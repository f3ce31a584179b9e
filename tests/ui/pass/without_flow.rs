//! Without `flow`, fields are only checked to serialize, and any decodable output works.

use std::collections::HashMap;

use gptbots_runtime as gb;
use gptbots_runtime::workflow;

#[workflow(id = "wf_ping", output = HashMap<String, serde_json::Value>, crate = "gb")]
pub struct Ping {
    pub message: String,
    pub anything: serde_json::Value,
}

#[workflow(id = "wf_empty", output = serde_json::Value)]
struct NoInput {}

fn main() {
    use gb::Workflow;
    assert_eq!(<Ping as Workflow>::ID, "wf_ping");
    assert_eq!(serde_json::to_value(NoInput {}).unwrap(), serde_json::json!({}));
    let ids: Vec<&str> = gb::catalogue::workflows().iter().map(|entry| entry.id).collect();
    assert_eq!(ids, ["wf_empty", "wf_ping"]);
}
