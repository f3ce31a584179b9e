use gptbots_runtime::{File, workflow};

#[workflow(id = "wf_review", output = serde_json::Value, flow = "flows/builder-export.flow")]
struct Review {
    title: Option<String>,
    photo: File,
}

fn main() {}
