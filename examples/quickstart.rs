//! `cargo run --example quickstart -- [TOPIC]`: today's news about a topic, typed end to end.
//!
//! Without `GPTBOTS_API_KEY` it runs the `todayNews` workflow in the embedded GPTBots-compatible
//! server; with it (and optionally `GPTBOTS_BASE_URL`) it calls the real endpoint with the same
//! code.

use std::process::ExitCode;
use std::time::Duration;

use gptbots_examples::{TodayNews, demo_client};

#[tokio::main]
async fn main() -> ExitCode {
    let topic = std::env::args().nth(1).unwrap_or_else(|| "Rust".to_owned());
    match run(topic).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(topic: String) -> Result<(), Box<dyn std::error::Error>> {
    // The server, if any, lives until the end of `run`.
    let (client, _server) = demo_client(Duration::from_millis(120)).await?;

    let run = TodayNews { topic, max_items: Some(3), languages: None }.invoke(&client).await?;

    for news in &run.output.news {
        println!("{}", news.title);
    }
    println!("run id: {}", run.run_id);
    println!("cost:   {} credits", run.cost);
    println!("tokens: {}", run.tokens);
    match run.execution_time {
        Some(time) => println!("time:   {time:?}"),
        None => println!("time:   not reported"),
    }
    Ok(())
}
