// A value of the wrong kind is reported once; the call site does not fail with E0599 on top.
use gptbots_runtime::{Client, workflow};

#[workflow(id = 42, output = "String")]
struct Summarise {
    text: String,
}

async fn call(client: &Client) -> Result<(), gptbots_runtime::Error> {
    Summarise { text: "a long text".into() }.invoke(client).await?;
    Ok(())
}

fn main() {
    let _ = call;
}
