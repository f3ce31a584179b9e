//! The typed model of a GPTBots workflow export (a `.flow` file): the Start node's parameters
//! (name, type, required, default, description) and the End node (mode and variables, with
//! nested object fields where the export has them), read from bytes with located errors.
//!
//! ```
//! let flow = gptbots_flow::read(br#"{
//!   "exportType": "WORKFLOW",
//!   "workflow": { "workflowNodes": [
//!     { "type": "START", "outputs": [{ "name": "topic", "type": "STRING", "required": true }] },
//!     { "type": "END", "inputs": [{ "name": "news", "type": "ARRAY_OBJECT" }],
//!       "endParam": { "outputType": "VARIABLE" } }
//!   ] }
//! }"#, "today-news.flow")?;
//! assert_eq!(flow.start[0].name, "topic");
//! assert!(flow.start[0].must_be_sent());
//! assert_eq!(flow.end.variables[0].name, "news");
//! # Ok::<(), gptbots_flow::FlowError>(())
//! ```
//!
//! `gptbots-macros` checks `#[workflow(flow = "...")]` structs against this model at compile
//! time; the same model serves tools that inspect an export or generate code from it.
//!
//! # What is read, and what is not
//!
//! Read, from the top-level graph (`workflow.workflowNodes`) only:
//!
//! - `exportType`: a `BOT` export (an agent's `.bot` file) is [named as
//!   such](FlowErrorKind::AgentExport); `name` and `exportTime` (a number, a string or absent);
//! - exactly one `START` and one `END` node, their `type` matched in any case (GPTBots' own
//!   spelling is upper case; an error that involves a node spelt otherwise says so);
//! - the Start node's `outputs[]` (none at all is a workflow without parameters): `name`,
//!   `type` (see [`ParamType::from_spelling`]), `required` or `isRequired`, a default under
//!   `default`, `defaultValue` or `value`, and `desc` or `description`;
//! - the End node's `endParam.outputType` (none at all is [`EndMode::Unspecified`]) and, in
//!   VARIABLE mode, its variables from `inputs[]` or, where that list is empty, from
//!   `endParam.outputVariables[]`, `endParam.variables[]` or the node's `outputs[]`; each one's
//!   name (`name`, `variableName` or `key`), type, description and fields (`children`,
//!   `properties` or `fields`); in TEXT mode, `endParam.outputText`.
//!
//! Not read: the other nodes and their settings (prompts, code, models), the edges, nodes inside
//! a LOOP's or BATCH's `subWorkflow` (whose Start node is not the workflow's contract), node
//! positions, and which published version the export is (it does not say).
//!
//! # Why its own JSON reader
//!
//! A proc macro runs unoptimised in a debug build, and everything it depends on is compiled by
//! every user before their first build. This reader parses only the members it keeps (the
//! Start and End nodes of the top-level graph) and checks the rest for well-formedness with a
//! byte loop, without building it. Measured against serde_json with `IgnoredAny` for what it
//! skips, on the same 10 MB export (`cargo bench -p gptbots-benches --bench flow_reader
//! --profile dev`, figures in BENCHMARKS.md):
//!
//! - unoptimised, as a proc macro runs in `cargo build` and `cargo check`, serde_json takes
//!   1.5 to 1.6 times as long as this reader (optimised it is faster, 0.6 times, but a proc macro's
//!   dependencies are not optimised in a debug build);
//! - serde_json would make `gptbots-macros` depend on serde and serde_json, compiled for the
//!   host with the proc-macro profile: with cargo's default profiles (the build-script and
//!   proc-macro profile has no debug info, the dev profile has) that is a second build of both,
//!   on every user's first build, for reading one file.
//!
//! So the reader stays, at about 400 lines, with line and column in its errors as serde_json
//! has. It is fuzzed (`fuzz/fuzz_targets/read_flow.rs`, see RELIABILITY.md).

mod error;
mod json;
mod model;
mod read;

pub use error::{FlowError, FlowErrorKind, Location};
pub use model::{EndMode, EndNode, EndVariable, Flow, Json, ParamType, StartParam};

/// Reads the bytes of a `.flow` export. `file` names it in errors, as the user wrote it.
///
/// A UTF-8 byte-order mark is skipped; locations count lines and columns of the file as an
/// editor shows them.
pub fn read(bytes: &[u8], file: &str) -> Result<Flow, FlowError> {
    read::flow(bytes, file)
}
