use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", ouput = serde_json::Value)]
struct TodayNews {
    topic: String,
}

fn main() {}
