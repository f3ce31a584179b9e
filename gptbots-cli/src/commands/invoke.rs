//! `gptbots invoke`: runs a workflow synchronously, or submits it with `--async`.

use std::time::{Duration, Instant};

use gptbots_runtime::Run;
use serde_json::{Value, json};

use crate::args::{Global, Invoke};
use crate::exit::{Failure, Outcome};
use crate::output::{print_json, report_run};
use crate::{config, input};

/// Runs the command.
pub async fn run(global: &Global, args: &Invoke) -> Outcome {
    let input = input::read(&args.input)?;
    let client = config::client(&args.connection)?;
    let mut workflow = client.workflow(args.workflow_id.clone());
    if let Some(user_id) = &args.user_id {
        workflow = workflow.user_id(user_id.as_str());
    }
    let started = Instant::now();
    if args.is_async {
        let handle = workflow.submit::<Value, _>(&input).await?;
        // The id alone, so that `RUN=$(gptbots invoke --async ...)` works; JSON when asked.
        if global.json {
            print_json(&json!({ "workflowId": args.workflow_id, "runId": handle.run_id() }))
                .map_err(Failure::server)?;
        } else {
            println!("{}", handle.run_id());
        }
        eprintln!(
            "submitted run {}; `gptbots wait {} {}` prints its output",
            handle.run_id(),
            args.workflow_id,
            handle.run_id()
        );
        return Ok(());
    }
    let run = workflow.invoke::<Value>(&input).await?;
    finish(&run, started.elapsed())
}

/// Prints a finished run: its output on stdout, the report on stderr.
pub fn finish(run: &Run<Value>, waited: Duration) -> Outcome {
    print_json(&run.output).map_err(Failure::server)?;
    report_run(run, waited);
    Ok(())
}
