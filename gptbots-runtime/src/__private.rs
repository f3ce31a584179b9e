//! Paths used by code that `#[workflow]` generates. Not a public API: anything here may change
//! in any release.

pub use crate::catalogue::WorkflowEntry;
pub use crate::contract;
pub use crate::response::{decode_run_body, decode_run_chunks};
pub use crate::{Client, Error, InvokeFuture, Run, Workflow};
pub use inventory;
pub use schemars::{self, JsonSchema};
pub use serde;
pub use serde::{Deserialize, Serialize};

/// The output type `#[workflow]` assumes when its `output = ...` could not be read, so that
/// call sites of `invoke` compile and only the argument's error is shown.
pub type FallbackOutput = serde_json::Value;

/// The body of the generated `invoke` method.
pub fn invoke<'a, W: Workflow>(client: &'a Client, workflow: &'a W) -> InvokeFuture<'a, W::Output> {
    Box::pin(client.invoke(workflow))
}
