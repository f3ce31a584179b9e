use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value, flow = "flows/today-news.flow")]
#[serde(rename_all = "camelCase")]
struct TodayNews {
    topic: String,
    max_items: f64,
}

fn main() {}
