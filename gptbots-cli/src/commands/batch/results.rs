//! The results of `gptbots batch`: one JSON line per input, in input order, whatever order the
//! runs finish in.

use std::collections::BTreeMap;
use std::io::Write;

use gptbots_runtime::{Error, Run};
use serde::Serialize;
use serde_json::Value;

use super::inputs::InputsFile;
use crate::exit::FailureKind;

/// One results line: a finished run, or why the input has no output.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLine<'a> {
    /// The input's line number in the inputs file.
    line: u64,
    /// `null` when no run was started (or none is known).
    run_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<&'a Value>,
    /// Also on a failed run that reported what it cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Writes results in input order, holding back those that finish before an earlier input.
pub struct ResultsWriter<'a> {
    out: Box<dyn Write + 'a>,
    inputs: &'a InputsFile,
    /// The position of the next line to write.
    next: usize,
    /// Finished inputs waiting for an earlier one, already encoded.
    held: BTreeMap<usize, Vec<u8>>,
    /// The worst failure so far, and its message, for the exit code.
    pub worst: Option<(FailureKind, String)>,
    /// How many inputs failed.
    pub failed: usize,
}

impl<'a> ResultsWriter<'a> {
    /// Writes to `out` the results of the inputs of `inputs`.
    pub fn new(out: Box<dyn Write + 'a>, inputs: &'a InputsFile) -> Self {
        ResultsWriter { out, inputs, next: 0, held: BTreeMap::new(), worst: None, failed: 0 }
    }

    /// How many lines are written.
    pub fn written(&self) -> usize {
        self.next
    }

    /// Takes the result of the input at `position`, and writes every line now in order.
    pub fn record(&mut self, position: usize, result: Result<Run<Value>, Error>) -> std::io::Result<()> {
        let line = self.inputs.line_number(position);
        let encoded = match result {
            Ok(run) => encode(&ResultLine {
                line,
                run_id: Some(&run.run_id),
                status: Some(run.status.as_str()),
                output: Some(&run.output),
                cost: Some(run.cost),
                tokens: Some(run.tokens),
                error: None,
            }),
            Err(error) => {
                self.failed += 1;
                let kind = FailureKind::of(&error);
                let (run_id, cost) = (error.run_id().map(str::to_owned), error.cost());
                // One line with its causes, as the command prints its own errors.
                let message = format!("{:#}", anyhow::Error::new(error));
                if self.worst.as_ref().is_none_or(|(worst, _)| kind > *worst) {
                    self.worst = Some((kind, format!("line {line}: {message}")));
                }
                encode(&ResultLine {
                    line,
                    run_id: run_id.as_deref(),
                    status: None,
                    output: None,
                    cost,
                    tokens: None,
                    error: Some(message),
                })
            }
        };
        self.held.insert(position, encoded);
        let mut wrote = false;
        while let Some(encoded) = self.held.remove(&self.next) {
            self.out.write_all(&encoded)?;
            self.next += 1;
            wrote = true;
        }
        // A reader following the file sees each line as soon as it is in order.
        if wrote { self.out.flush() } else { Ok(()) }
    }
}

fn encode(line: &ResultLine<'_>) -> Vec<u8> {
    let mut encoded = serde_json::to_vec(line).unwrap_or_else(|error| {
        // Only a non-string map key could fail, and JSON output has none; say so rather than panic.
        format!(r#"{{"line":{},"error":"the result could not be encoded: {error}"}}"#, line.line).into_bytes()
    });
    encoded.push(b'\n');
    encoded
}
