//! `gptbots flow generate`: Rust source for a workflow's input struct and output type.

use anyhow::Context;

use crate::args::FlowGenerate;
use crate::codegen::{self, GenerateError, Request};
use crate::exit::{Failure, FailureKind, Outcome};
use crate::flow_file;

/// Runs the command.
pub fn run(args: &FlowGenerate) -> Outcome {
    if args.id.trim().is_empty() {
        return Err(Failure::usage(anyhow::anyhow!(
            "--id takes the workflow id, as its Integration > API page shows it"
        )));
    }
    let flow = flow_file::read(&args.file)?;
    let flow_path = args.file.to_str().ok_or_else(|| {
        Failure::usage(anyhow::anyhow!("the path {} is not UTF-8, so no attribute can name it", args.file.display()))
    })?;
    let request = Request { flow: &flow, flow_path, id: &args.id, name: args.name.as_deref() };
    let source = codegen::generate(&request).map_err(|error| match error {
        GenerateError::InvalidName(name) => Failure::usage(anyhow::anyhow!(
            "--name {name} is not a Rust type name: give one like `TodayNews` (letters, digits and `_`, starting with a letter)"
        )),
        GenerateError::Unparsable(error) => Failure {
            kind: FailureKind::Failed,
            error: anyhow::Error::new(error).context("the generated code does not parse; please report this"),
            hint: None,
        },
    })?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, source)
                .with_context(|| format!("cannot write {}", path.display()))
                .map_err(Failure::usage)?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{source}"),
    }
    Ok(())
}
