use gptbots_runtime::{workflow, workflow_output};

#[workflow_output]
struct NewsDigest {
    news: Vec<serde_json::Value>,
    total: u32,
}

#[workflow(id = "wf_today_news", output = NewsDigest, flow = "flows/today-news.flow")]
struct TodayNews {
    topic: String,
}

fn main() {}
