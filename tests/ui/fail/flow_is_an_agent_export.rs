use gptbots_runtime::workflow;

#[workflow(id = "wf_example", output = serde_json::Value, flow = "flows/agent.bot")]
struct Example {
    customer_id: String,
}

fn main() {}
