use gptbots_runtime::workflow_output;

#[workflow_output]
struct NewsDigest {
    news: Vec<String>,
    #[serde(rename = "news")]
    items: Vec<String>,
}

fn main() {}
