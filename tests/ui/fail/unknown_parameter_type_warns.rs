// The warning for a parameter whose type cannot be checked, made an error here to show it.
#![deny(deprecated)]

use gptbots_runtime::workflow;

#[workflow(id = "wf_search", output = String, flow = "flows/unknown-type.flow")]
struct Search {
    query: String,
    vector: Option<Vec<f32>>,
}

fn main() {}
