use gptbots_runtime::workflow;

type MaybeTopic = Option<String>;

#[workflow(id = "wf_today_news", output = serde_json::Value, flow = "flows/today-news.flow")]
struct TodayNews {
    topic: MaybeTopic,
}

fn main() {}
