//! `gptbots completions`: a completion script for a shell, on stdout.

use clap::CommandFactory;

use crate::args::{Cli, Completions, Shell};

/// Prints the completion script.
pub fn run(args: &Completions) {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "gptbots", &mut std::io::stdout());
}
