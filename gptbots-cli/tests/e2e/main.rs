//! End-to-end tests of the `gptbots` binary against the embedded server: every command, its
//! exit codes and its output, and no key ever printed.

mod support;

mod batch;
mod completions;
mod config;
mod flow;
mod invoke;
mod mock;
mod verify;
