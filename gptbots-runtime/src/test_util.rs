//! Runs made in your own unit tests (feature `test-util`).
//!
//! [`Run`] is `#[non_exhaustive]`, so code outside this crate cannot write one as a struct
//! literal; [`run`] builds one, and its fields are public to change afterwards. Enable the
//! feature for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! gptbots-runtime = { version = "0.1", features = ["test-util"] }
//! ```
//!
//! ```
//! use gptbots_runtime::{Run, test_util, workflow, workflow_output};
//!
//! #[workflow_output]
//! pub struct Summary { pub text: String }
//!
//! #[workflow(id = "wf_summarize", output = Summary)]
//! pub struct Summarize { pub document: String }
//!
//! /// The code under test: it consumes a run.
//! fn bill(run: &Run<Summary>) -> String {
//!     format!("{}: {} credits for {} characters", run.run_id, run.cost, run.output.text.len())
//! }
//!
//! let input = Summarize { document: "rust is fast".into() };
//! let mut run = test_util::run(&input, Summary { text: "rust".into() });
//! run.cost = 0.25;
//! assert_eq!(run.workflow_id, "wf_summarize");
//! assert_eq!(run.input.get(), r#"{"document":"rust is fast"}"#);
//! assert_eq!(bill(&run), "test-run-wf_summarize: 0.25 credits for 4 characters");
//! ```
//!
//! To test the code that makes the call as well, run it against the embedded server of the
//! `mock` feature instead.

use crate::{Run, Status, Workflow};

/// A succeeded run of `W` with `output`, as [`Client::invoke`](crate::Client::invoke) would
/// return it.
///
/// The workflow id is `W::ID`, the echoed input is `input` serialized as the client would send
/// it, the run id is `test-run-<workflow id>`, the status [`Status::Succeed`]; cost and tokens
/// are zero and the optional fields are `None`. Change any field afterwards.
///
/// # Panics
///
/// When `input` fails to serialize (a `Serialize` impl that returns an error), which would fail
/// every real invoke as well.
pub fn run<W: Workflow>(input: &W, output: W::Output) -> Run<W::Output> {
    let input = serde_json::value::to_raw_value(input)
        .unwrap_or_else(|e| panic!("the input of {} does not serialize to JSON: {e}", W::NAME));
    Run {
        run_id: format!("test-run-{}", W::ID),
        workflow_id: W::ID.to_owned(),
        workflow_name: None,
        workflow_version: None,
        status: Status::Succeed,
        output,
        execution_time: None,
        cost: 0.0,
        tokens: 0,
        start_time: None,
        end_time: None,
        input,
    }
}
