use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value, flow = "flows/today-news.flow")]
struct TodayNews {
    topic: String,
    max_items: Option<u32>,
}

fn main() {}
