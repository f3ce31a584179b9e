use gptbots_runtime::workflow;

#[workflow(id = "wf_all_types", output = serde_json::Value, flow = "flows/all-types.flow")]
struct AllTypes {
    text: String,
    count: i64,
    ratio: f64,
    enabled: bool,
    settings: serde_json::Value,
    attachment: gptbots_runtime::File,
    tags: Vec<String>,
    ids: Vec<String>,
    weights: Vec<f64>,
    flags: Vec<bool>,
    records: Vec<serde_json::Value>,
    files: Vec<gptbots_runtime::File>,
    when: String,
    #[workflow(unchecked)]
    vector: Vec<f32>,
}

fn main() {}
