// Only the misspelt key is reported: `invoke` and `Workflow` still exist for the call site.
use gptbots_runtime::{Client, Workflow, workflow};

#[workflow(id = "wf_today_news", ouput = serde_json::Value)]
struct TodayNews {
    topic: String,
}

async fn call(client: &Client) -> Result<(), gptbots_runtime::Error> {
    let run = TodayNews { topic: "rust".into() }.invoke(client).await?;
    println!("{} {:?}", TodayNews::ID, run.output);
    Ok(())
}

fn main() {
    let _ = call;
}
