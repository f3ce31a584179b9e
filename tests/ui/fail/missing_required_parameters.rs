use gptbots_runtime::workflow;

#[workflow(id = "wf_all_types", output = serde_json::Value, flow = "flows/all-types.flow")]
struct AllTypes {
    text: String,
    count: i64,
    ratio: f64,
    enabled: bool,
    settings: serde_json::Value,
}

fn main() {}
