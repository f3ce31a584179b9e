use gptbots_runtime::workflow;

#[workflow(id = "wf_example", output = serde_json::Value, flow = "flows/not-a-workflow.flow")]
struct Example {
    
}

fn main() {}
