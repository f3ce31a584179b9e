use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
struct TodayNews {
    topic: String,
    since: std::time::Instant,
}

fn main() {}
