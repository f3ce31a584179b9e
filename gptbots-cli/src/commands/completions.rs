//! `gptbots completions`: a completion script for a shell, on stdout.

use clap::CommandFactory;

use crate::args::{Cli, Completions};

/// Prints the completion script.
pub fn run(args: &Completions) {
    clap_complete::generate(args.shell, &mut Cli::command(), "gptbots", &mut std::io::stdout());
}
