use gptbots_runtime::{workflow, workflow_output};

#[workflow_output]
struct NewsDigest {
    news: Vec<News>,
}

#[workflow_output]
struct News {
    title: String,
    media: String,
    summary: String,
}

#[workflow(id = "wf_today_news", output = NewsDigest, flow = "flows/today-news.flow")]
#[serde(rename_all = "camelCase")]
struct TodayNews {
    topic: String,
    max_items: Option<u32>,
    languages: Option<Vec<String>>,
}

fn main() {
    let _ = TodayNews { topic: "rust".into(), max_items: None, languages: None };
}
