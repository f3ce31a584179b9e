//! `cargo run --example async_run -- [TOPIC]`: today's news about a topic, submitted as an async
//! run and waited on; prints each title on its own line.
//!
//! `cargo run --example async_run -- --resume RUN_ID` waits on a run submitted earlier instead:
//! the "never lose a paid run" pattern, where the run id printed at submit is all it takes.
//!
//! Without `GPTBOTS_API_KEY` it runs `todayNews` in the embedded GPTBots-compatible server; with
//! it (and optionally `GPTBOTS_BASE_URL`) it calls the real endpoint with the same code.

use std::process::ExitCode;
use std::time::Duration;

use gptbots_examples::{TodayNews, demo_client};
use gptbots_runtime::async_run::PollPolicy;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    // The server, if any, lives until the end of `run`.
    let (client, _server) = demo_client(Duration::from_millis(600)).await?;
    let policy = PollPolicy::default()
        .deadline(Duration::from_secs(10 * 60))
        .backoff(Duration::from_millis(200), Duration::from_secs(10));

    let handle = match args {
        [flag, run_id] if flag == "--resume" => client.resume::<TodayNews>(run_id.as_str()).with_poll_policy(policy),
        _ => {
            let topic = args.first().cloned().unwrap_or_else(|| "Rust".to_owned());
            let input = TodayNews { topic, max_items: Some(3), languages: None };
            let handle = client.submit(&input).poll_policy(policy).await?;
            // Store the id before waiting: with it, the paid run survives a crash.
            eprintln!("submitted run {}; if this stops, resume with: --resume {}", handle.run_id(), handle.run_id());
            handle
        }
    };

    let run = handle.wait().await?;

    for news in &run.output.news {
        println!("{}", news.title);
    }
    eprintln!("run {}: {} credits, {} tokens", run.run_id, run.cost, run.tokens);
    Ok(())
}
