use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news")]
struct TodayNews {
    topic: String,
}

fn main() {}
