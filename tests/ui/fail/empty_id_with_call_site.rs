// Only the empty id is reported: the call site compiles against what was read.
use gptbots_runtime::{Client, workflow};

#[workflow(id = "", output = String)]
struct Summarise {
    text: String,
}

async fn call(client: &Client) -> Result<String, gptbots_runtime::Error> {
    let run = Summarise { text: "a long text".into() }.invoke(client).await?;
    Ok(run.output)
}

fn main() {
    let _ = call;
}
