use gptbots_runtime::workflow;

struct NewsDigest {
    news: Vec<String>,
}

#[workflow(id = "wf_today_news", output = NewsDigest)]
struct TodayNews {
    topic: String,
}

fn main() {}
