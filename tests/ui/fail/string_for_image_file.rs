use gptbots_runtime::{File, workflow};

#[workflow(id = "wf_review", output = serde_json::Value, flow = "flows/builder-export.flow")]
#[serde(rename_all = "camelCase")]
struct Review {
    title: String,
    photo: String,
    gallery: Option<Vec<File>>,
}

fn main() {}
