use std::time::{Duration, SystemTime};

/// A finished workflow run with its typed output.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Run<O> {
    /// The run id (`workflowRunId`): quote it to GPTBots support and use it to query the run.
    pub run_id: String,
    /// The workflow id the server reported, or the declared id when the server sent none.
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
    /// Credits spent by the run (`totalCost`).
    pub cost: f64,
    /// Tokens spent by the run (`totalTokens`).
    pub tokens: u64,
    /// When the run started (`startTime`).
    pub start_time: Option<SystemTime>,
    /// When the run ended (`endTime`).
    pub end_time: Option<SystemTime>,
    /// The input as the server echoed it.
    pub input: serde_json::Value,
}
