//! Reading a `.flow` export with the library the `#[workflow]` check uses.

use std::path::Path;

use anyhow::Context;
use gptbots_flow::Flow;

use crate::exit::{Failure, FailureKind};

/// The export at `path`: a file that cannot be read is a usage error (2), one that is not a
/// workflow export (a `.bot`, broken JSON, no Start node) a failed check (1).
pub fn read(path: &Path) -> Result<Flow, Failure> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown}")).map_err(Failure::usage)?;
    gptbots_flow::read(&bytes, &shown).map_err(|error| Failure {
        kind: FailureKind::Failed,
        error: anyhow::Error::new(error),
        hint: None,
    })
}
