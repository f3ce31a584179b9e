use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// A finished workflow run with its typed output.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Run<O> {
    /// The run id (`workflowRunId`): quote it to GPTBots support and use it to query the run.
    pub run_id: String,
    /// The workflow id the server reported, or the called id when the server sent none.
    pub workflow_id: String,
    /// The workflow's name, when reported.
    pub workflow_name: Option<String>,
    /// The workflow's version label (opaque: `"9"`, `"1.0.1"`), when reported.
    pub workflow_version: Option<String>,
    /// The run's status; always [`Status::Succeed`](crate::Status::Succeed) for a returned run.
    pub status: crate::Status,
    /// The End node's output.
    pub output: O,
    /// How long the workflow ran, as reported by the server (`workflowExecutionTime`).
    pub execution_time: Option<Duration>,
    /// Credits spent by the run (`totalCost`; 0 when the server sent none it could read).
    pub cost: f64,
    /// Tokens spent by the run (`totalTokens`).
    pub tokens: u64,
    /// When the run started (`startTime`).
    pub start_time: Option<SystemTime>,
    /// When the run ended (`endTime`).
    pub end_time: Option<SystemTime>,
    /// The input as the server echoed it, as raw JSON (`null` when it echoed none): kept
    /// undecoded, since most callers never read it. Decode it with [`Run::input_as`].
    pub input: Box<RawValue>,
}

impl<O> Run<O> {
    /// The echoed input decoded as `T` (a `serde_json::Value`, or the input type itself).
    pub fn input_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.input.get())
    }
}

/// Runs are equal when every field is, the echoed input compared as JSON text.
impl<O: PartialEq> PartialEq for Run<O> {
    fn eq(&self, other: &Self) -> bool {
        self.run_id == other.run_id
            && self.workflow_id == other.workflow_id
            && self.workflow_name == other.workflow_name
            && self.workflow_version == other.workflow_version
            && self.status == other.status
            && self.output == other.output
            && self.execution_time == other.execution_time
            && self.cost == other.cost
            && self.tokens == other.tokens
            && self.start_time == other.start_time
            && self.end_time == other.end_time
            && self.input.get() == other.input.get()
    }
}
