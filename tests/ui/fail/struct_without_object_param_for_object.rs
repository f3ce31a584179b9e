use gptbots_runtime::workflow;

#[derive(serde::Serialize, serde::Deserialize)]
struct Settings {
    verbose: bool,
}

#[workflow(id = "wf_all_types", output = serde_json::Value, flow = "flows/all-types.flow")]
struct AllTypes {
    text: String,
    count: i64,
    ratio: f64,
    enabled: bool,
    settings: Settings,
    attachment: gptbots_runtime::File,
    tags: Vec<String>,
    ids: Vec<i64>,
    weights: Vec<f64>,
    flags: Vec<bool>,
    records: Vec<serde_json::Value>,
    files: Vec<gptbots_runtime::File>,
    when: String,
    #[workflow(unchecked)]
    vector: Vec<f32>,
}

fn main() {}
