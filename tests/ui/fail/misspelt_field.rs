use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value, flow = "flows/today-news.flow")]
struct TodayNews {
    topci: String,
}

fn main() {}
