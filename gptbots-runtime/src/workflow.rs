use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Run};

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

/// What the `invoke` method of a `#[workflow]` struct returns: the future of
/// [`Client::invoke`](crate::Client::invoke) for that workflow, boxed.
///
/// Boxed so that the generated method is a plain function returning one named type: an
/// `async fn` per workflow would make the compiler check one more state machine for each
/// declared workflow, in every build, for one allocation per call saved.
pub type InvokeFuture<'a, O> = Pin<Box<dyn Future<Output = Result<Run<O>, Error>> + Send + 'a>>;
