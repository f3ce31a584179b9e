use gptbots_runtime::workflow;

#[workflow(output = serde_json::Value)]
struct TodayNews {
    topic: String,
}

fn main() {}
