//! What a running batch has done so far, for a progress bar.

/// Counts of a batch in progress, published after every change: see
/// [`Batch::progress`](super::Batch::progress).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Inputs taken from the input iterator or stream so far.
    pub inputs: u64,
    /// Runs submitted by this batch (resumed and adopted runs are not submitted again).
    pub submitted: u64,
    /// Runs being waited on now.
    pub running: u64,
    /// Inputs that succeeded, recorded ones included.
    pub succeeded: u64,
    /// Inputs that failed, recorded ones and budget refusals included.
    pub failed: u64,
    /// Inputs whose outcome came from the journal, without any request.
    pub recorded: u64,
    /// Credits spent: every cost reported by a run of this batch (failed runs included), and the
    /// journal's earlier runs. A lower bound when the server reports no cost.
    pub credits: f64,
}

impl Progress {
    /// Inputs finished, one way or the other.
    pub fn done(&self) -> u64 {
        self.succeeded + self.failed
    }
}
