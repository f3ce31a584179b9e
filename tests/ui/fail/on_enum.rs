use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
enum TodayNews {
    Topic(String),
}

fn main() {}
