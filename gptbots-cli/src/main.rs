//! `gptbots`: the command line for GPTBots workflows, on the `gptbots-runtime` library.
//!
//! Kept out of the library so that its users never compile clap. Every command calls the same
//! code an application uses (`Client::workflow`, the embedded server, `gptbots-flow`), so what
//! the command line does, a program does the same way.

mod args;
mod codegen;
mod commands;
mod config;
mod exit;
mod flow_check;
mod flow_file;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, Flow};
use crate::exit::{Failure, Outcome};

fn main() -> ExitCode {
    // clap prints usage errors itself and exits 2 (0 for --help and --version).
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            if let Some(hint) = failure.hint {
                eprintln!("note: {hint}");
            }
            failure.kind.exit_code()
        }
    }
}

fn run(cli: Cli) -> Outcome {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::server(anyhow::Error::new(e).context("cannot start the async runtime")))?;
    runtime.block_on(dispatch(&cli.global, cli.command))
}

async fn dispatch(global: &args::Global, command: Command) -> Outcome {
    match command {
        Command::Verify(args) => commands::verify::run(global, &args).await,
        Command::Invoke(args) => commands::invoke::run(global, &args).await,
        Command::Wait(args) => commands::wait::run(&args).await,
        Command::Batch(args) => commands::batch::run(&args).await,
        Command::Flow(Flow::Inspect(args)) => commands::flow::inspect::run(global, &args),
        Command::Flow(Flow::Generate(args)) => commands::flow::generate::run(&args),
        Command::Mock(args) => commands::mock::run(global, &args).await,
        Command::Completions(args) => {
            commands::completions::run(&args);
            Ok(())
        }
    }
}
