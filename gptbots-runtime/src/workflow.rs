use serde::Serialize;
use serde::de::DeserializeOwned;

/// A GPTBots workflow whose Start-node input is `Self` and whose End-node output is
/// [`Workflow::Output`].
///
/// Implemented by [`#[workflow]`](crate::workflow); implementing it by hand is possible but
/// skips the compile-time checks the attribute performs.
pub trait Workflow: Serialize + Send + Sync {
    /// The workflow id (the one its API key belongs to).
    const ID: &'static str;
    /// The Rust name of the input type, used in docs and diagnostics.
    const NAME: &'static str;
    /// The End node's output, decoded from the response's `output` object.
    type Output: DeserializeOwned + Send + 'static;
}
