use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = serde_json::Value)]
fn today_news() {}

fn main() {
    today_news();
}
