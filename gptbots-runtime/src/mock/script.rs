//! What a registered workflow reports besides its output: name, version, cost, tokens, latency.

use std::time::Duration;

/// The scripted figures of one workflow's runs.
#[derive(Debug, Clone)]
pub(super) struct Script {
    /// `workflowName` in responses.
    pub name: String,
    /// `workflowVersion` in responses.
    pub version: String,
    /// `totalCost` of each run, in credits.
    pub cost: f64,
    /// `totalTokens` of each run.
    pub tokens: u64,
    /// How long each run takes before its result is available. An async run spends the first
    /// half `PENDING` and the second half `RUNNING`.
    pub latency: Duration,
}

impl Script {
    pub fn new(name: &str) -> Self {
        Script { name: name.to_owned(), version: "1".to_owned(), cost: 0.0, tokens: 0, latency: Duration::ZERO }
    }
}
