//! Writes the documentation of every workflow this program links:
//! `cargo run --example workflow_docs -- DIR` creates `DIR/workflows.md` and
//! `DIR/workflows.schema.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use gptbots_runtime::schema_docs;
// The workflows are catalogued at link time: link the crate that defines them.
use gptbots_examples as _;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: cargo run --example workflow_docs -- DIR");
        return ExitCode::from(2);
    };
    match schema_docs::write_files(&dir) {
        Ok(()) => {
            println!(
                "wrote {} and {}",
                dir.join(schema_docs::MARKDOWN_FILE).display(),
                dir.join(schema_docs::BUNDLE_FILE).display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot write the workflow docs to {}: {err}", dir.display());
            ExitCode::FAILURE
        }
    }
}
