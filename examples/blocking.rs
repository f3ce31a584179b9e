//! `cargo run --example blocking -- [TOPIC]`: the quickstart for a program without an async
//! runtime, through `gptbots_runtime::blocking` (no `async`, no `#[tokio::main]`).
//!
//! Without `GPTBOTS_API_KEY` it runs the `todayNews` workflow in the embedded GPTBots-compatible
//! server (on a runtime of its own, see `demo_blocking_client`); with it (and optionally
//! `GPTBOTS_BASE_URL`) it calls the real endpoint with the same code. In your own program,
//! `gptbots_runtime::blocking::Client::from_env()` is the whole setup.

use std::process::ExitCode;
use std::time::Duration;

use gptbots_examples::{TodayNews, demo_blocking_client};

fn main() -> ExitCode {
    let topic = std::env::args().nth(1).unwrap_or_else(|| "Rust".to_owned());
    match run(topic) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(topic: String) -> Result<(), Box<dyn std::error::Error>> {
    // The server, if any, lives until the end of `run`.
    let (client, _server) = demo_blocking_client(Duration::from_millis(120))?;

    let run = client.invoke(&TodayNews { topic, max_items: Some(3), languages: None })?;

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
