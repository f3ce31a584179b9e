use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
#[serde(rename_all = "camelCase")]
struct TodayNews {
    max_items: u32,
    #[allow(non_snake_case)]
    maxItems: u32,
}

fn main() {}
