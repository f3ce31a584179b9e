// A doc comment left behind after deleting a field: rustc's own error shows.
use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
struct TodayNews {
    topic: String,
    /// At most this many items.
}

fn main() {}
