// `#[workflow(unchecked)]` acknowledges a parameter type gptbots-runtime does not know.
#![deny(warnings)]

use gptbots_runtime::workflow;

#[workflow(id = "wf_search", output = String, flow = "flows/unknown-type.flow")]
struct Search {
    query: String,
    #[workflow(unchecked)]
    vector: Option<Vec<f32>>,
}

fn main() {
    let _ = Search { query: "rust".into(), vector: None };
}
