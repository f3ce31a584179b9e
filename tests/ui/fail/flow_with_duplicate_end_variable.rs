use gptbots_runtime::workflow;

#[workflow(id = "wf_example", output = serde_json::Value, flow = "flows/duplicate-end-variable.flow")]
struct Example {}

fn main() {}
