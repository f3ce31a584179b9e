//! `gptbots wait`: polls a submitted run to its end and prints its output.

use std::time::{Duration, Instant};

use gptbots_runtime::async_run::PollPolicy;
use serde_json::Value;

use crate::args::Wait;
use crate::config;
use crate::exit::Outcome;

/// Runs the command.
pub async fn run(args: &Wait) -> Outcome {
    let client = config::client(&args.connection)?;
    let mut policy = PollPolicy::default();
    if let Some(seconds) = args.timeout {
        policy = policy.deadline(Duration::from_secs(seconds));
    }
    let started = Instant::now();
    let run = client
        .workflow(args.workflow_id.clone())
        .resume::<Value>(args.run_id.as_str())
        .with_poll_policy(policy)
        .wait()
        .await?;
    super::invoke::finish(&run, started.elapsed())
}
