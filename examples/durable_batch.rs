//! `cargo run --example durable_batch -- JOURNAL INPUTS.jsonl`: a durable batch of `todayNews`.
//!
//! Each line of INPUTS.jsonl is one input, e.g. `{"topic": "Rust"}`. The lines run as a batch
//! (8 in flight) recorded in JOURNAL (a SQLite file), and each prints as it finishes:
//! `<line number>\t<run id>\t<first news title>`. Exit code 0 when every input succeeded, 1 when
//! one did not, 2 for a bad command line or input file.
//!
//! Run it again with the same journal and every line prints again, the finished ones from the
//! journal without any request. Kill it (even with SIGKILL) and run it again: nothing is paid
//! twice. A submit whose answer the kill cut off is looked up in GPTBots' run list; when the
//! list shows no run for it `GPTBOTS_IN_DOUBT_GRACE_SECS` (default 120) after it was sent, it is
//! sent again.
//!
//! Without `GPTBOTS_API_KEY` it runs in the embedded server; with it (and `GPTBOTS_BASE_URL`)
//! against the real endpoint, like the quickstart.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use gptbots_examples::{TodayNews, demo_client};
use gptbots_runtime::async_run::InDoubt;
use gptbots_runtime::journal::SqliteJournal;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(journal), Some(inputs), None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: durable_batch JOURNAL INPUTS.jsonl");
        return ExitCode::from(2);
    };
    let (journal, inputs) = (PathBuf::from(journal), PathBuf::from(inputs));
    if let Err(error) = check_inputs(&inputs) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    match run(&journal, &inputs).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the file once without keeping it, so a bad line stops the batch before anything runs.
fn check_inputs(path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str::<TodayNews>(&line)
            .map_err(|e| format!("{} line {}: not a todayNews input ({e})", path.display(), index + 1))?;
    }
    Ok(())
}

/// The inputs, read as the batch takes them (line n is position n - 1).
fn inputs(path: &Path) -> Result<impl Iterator<Item = TodayNews> + Send + 'static, std::io::Error> {
    let lines = BufReader::new(File::open(path)?).lines();
    // `check_inputs` has read every line already.
    Ok(lines.map_while(Result::ok).filter_map(|line| serde_json::from_str(&line).ok()))
}

async fn run(journal: &Path, inputs_path: &Path) -> Result<bool, Box<dyn std::error::Error>> {
    let (client, _server) = demo_client(Duration::from_millis(200)).await?;
    let grace = std::env::var("GPTBOTS_IN_DOUBT_GRACE_SECS").ok().and_then(|secs| secs.parse().ok()).unwrap_or(120);
    let mut results = client
        .batch(inputs(inputs_path)?)
        .concurrency(8)
        .journal(SqliteJournal::open(journal)?)
        .in_doubt(InDoubt::LookUp { grace: Duration::from_secs(grace) })
        .stream();
    let mut all_succeeded = true;
    while let Some((position, result)) = results.next().await {
        let line = position + 1;
        match result {
            Ok(run) => {
                let title = run.output.news.first().map_or("(no news)", |news| news.title.as_str());
                println!("{line}\t{}\t{title}", run.run_id);
            }
            Err(error) => {
                all_succeeded = false;
                eprintln!("line {line}: {error}");
            }
        }
    }
    Ok(all_succeeded)
}
