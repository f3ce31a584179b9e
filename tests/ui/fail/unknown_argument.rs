use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value, timeout = 30)]
struct TodayNews {
    topic: String,
}

fn main() {}
