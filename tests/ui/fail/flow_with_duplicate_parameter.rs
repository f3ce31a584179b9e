use gptbots_runtime::workflow;

#[workflow(id = "wf_example", output = serde_json::Value, flow = "flows/duplicate-parameter.flow")]
struct Example {
    topic: String,
}

fn main() {}
