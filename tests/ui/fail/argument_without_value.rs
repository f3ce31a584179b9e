use gptbots_runtime::workflow;

#[workflow(id, output = serde_json::Value)]
struct TodayNews {
    topic: String,
}

fn main() {}
