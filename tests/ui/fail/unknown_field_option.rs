use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
struct TodayNews {
    topic: String,
    #[workflow(sendnull)]
    max_items: Option<u32>,
}

fn main() {}
