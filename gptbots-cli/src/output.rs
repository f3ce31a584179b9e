//! Where results go and in which form: JSON for scripts, text for people; the run report on
//! stderr.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use gptbots_runtime::Run;
use serde::Serialize;

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// For people: stdout is a terminal and `--json` was not given.
    Human,
    /// One JSON document on stdout.
    Json,
}

impl Output {
    /// JSON when asked for, or when stdout is not a terminal (a pipe, a file, a script).
    pub fn choose(json: bool) -> Self {
        if json || !std::io::stdout().is_terminal() { Output::Json } else { Output::Human }
    }
}

/// Prints one JSON value on stdout, pretty on a terminal, one line otherwise.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if std::io::stdout().is_terminal() {
        serde_json::to_writer_pretty(&mut stdout, value)?;
    } else {
        serde_json::to_writer(&mut stdout, value)?;
    }
    writeln!(stdout)?;
    stdout.flush()?;
    Ok(())
}

/// The facts of a finished run, on stderr: run id, status, cost, tokens and time (GPTBots'
/// execution time, else the time the command waited).
pub fn report_run<O>(run: &Run<O>, waited: Duration) {
    let time = run.execution_time.unwrap_or(waited);
    eprintln!(
        "run {} {}: {} credits, {} tokens, {:.2} s",
        run.run_id,
        run.status,
        run.cost,
        run.tokens,
        time.as_secs_f64()
    );
}
