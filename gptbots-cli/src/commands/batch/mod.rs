//! `gptbots batch`: every line of a JSONL file as an async run of one workflow, recorded in a
//! journal, with results in input order.
//!
//! It is [`DynamicWorkflow::batch`](gptbots_runtime::DynamicWorkflow::batch) with a
//! [`SqliteJournal`]: killed at any point and run again with the same journal, it answers
//! finished inputs from the journal, waits on submitted runs by id, looks unanswered submits up
//! in the run list, and writes the whole results file again. No input is submitted twice.

mod inputs;
mod progress_bar;
mod results;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Duration;

use anyhow::{Context, anyhow};
use gptbots_runtime::async_run::InDoubt;
use gptbots_runtime::journal::SqliteJournal;
use serde_json::Value;

use self::inputs::InputsFile;
use self::results::ResultsWriter;
use crate::args::Batch;
use crate::config;
use crate::exit::{Failure, Outcome};

/// Runs the command.
pub async fn run(args: &Batch) -> Outcome {
    let inputs = InputsFile::check(&args.inputs)?;
    let client = config::client(&args.connection)?;
    let journal = SqliteJournal::open(&args.journal)
        .with_context(|| format!("cannot open the journal {}", args.journal.display()))
        .map_err(Failure::usage)?;
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path)
                .with_context(|| format!("cannot write the results file {}", path.display()))
                .map_err(Failure::usage)?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };

    let mut workflow = client.workflow(args.workflow_id.clone());
    if let Some(user_id) = &args.user_id {
        workflow = workflow.user_id(user_id.as_str());
    }
    let (lines, changed) = inputs.read()?;
    let mut batch = workflow
        .batch::<Value, _>(lines)
        .journal(journal)
        .concurrency(args.concurrency as usize)
        .in_doubt(InDoubt::LookUp { grace: Duration::from_secs(args.in_doubt_grace) });
    if let Some(credits) = args.budget {
        batch = batch.budget(credits);
    }
    let progress = batch.progress();
    let bar = progress_bar::show(progress.clone(), inputs.len() as u64);

    let mut writer = ResultsWriter::new(out, &inputs);
    let mut results = batch.stream();
    while let Some((position, result)) = results.next().await {
        writer.record(position, result).context("cannot write the results").map_err(Failure::usage)?;
    }
    if let Some(bar) = bar {
        let _ = bar.await;
    }

    let summary = progress_bar::counts(&progress.borrow());
    let recorded = progress.borrow().recorded;
    let place = args.out.as_ref().map_or("stdout".to_owned(), |path| path.display().to_string());
    eprintln!(
        "{} of {} inputs written to {place} ({summary}; {recorded} answered from the journal)",
        writer.written(),
        inputs.len()
    );

    let why_changed = changed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    if let Some(why) = why_changed {
        return Err(Failure::usage(anyhow!("{why}; restore it and run the same command again")));
    }
    let stopped_early = writer.written() < inputs.len();
    match writer.worst.take() {
        Some((kind, first)) if stopped_early => Err(Failure {
            kind,
            error: anyhow!("the batch stopped after {} of {} inputs: {first}", writer.written(), inputs.len()),
            hint: None,
        }),
        Some((kind, worst)) => Err(Failure {
            kind,
            error: anyhow!("{} of {} inputs failed; {worst}", writer.failed, inputs.len()),
            hint: Some(resume_hint(args)),
        }),
        None if stopped_early => Err(Failure::server(anyhow!(
            "the batch stopped after {} of {} inputs without saying why",
            writer.written(),
            inputs.len()
        ))),
        None => Ok(()),
    }
}

/// How to take the batch up again: the same command, the same journal.
fn resume_hint(args: &Batch) -> String {
    format!(
        "the journal {} records every run: running the same command again submits only the inputs that never reached GPTBots",
        args.journal.display()
    )
}
