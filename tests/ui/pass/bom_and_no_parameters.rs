// A byte-order mark; a workflow without parameters, `endParam` or `exportTime`.
use gptbots_runtime::{workflow, workflow_output};

#[workflow_output]
struct NewsDigest {
    news: Vec<serde_json::Value>,
}

#[workflow(id = "wf_today_news", output = NewsDigest, flow = "flows/bom.flow")]
struct TodayNews {
    topic: String,
}

// The End node does not say what it returns: any output type fits.
#[workflow(id = "wf_daily_report", output = String, flow = "flows/no-parameters.flow")]
struct DailyReport {}

fn main() {
    let _ = (TodayNews { topic: "rust".into() }, DailyReport {});
}
