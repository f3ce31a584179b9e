use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
union TodayNews {
    max_items: u32,
}

fn main() {}
