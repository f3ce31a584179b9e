use gptbots_runtime::workflow_output;

#[workflow_output(id = "wf_today_news")]
struct NewsDigest {
    news: Vec<String>,
}

fn main() {}
