//! Why a `.flow` could not be read. Every message is one lower-case sentence naming the file
//! (as the caller showed it), the place in it where there is one, and what to do.
//!
//! `Display` is written by hand rather than with thiserror: a derive would make thiserror's
//! proc macro (and syn 2) a dependency of `gptbots-macros`, compiled by every user.

use std::fmt;

/// A `.flow` that cannot be read as a workflow export.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowError {
    /// The file as the caller named it (e.g. the `flow = "..."` path).
    pub file: String,
    /// Where in the file, when the error is about one place.
    pub location: Option<Location>,
    /// What is wrong.
    pub kind: FlowErrorKind,
}

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

/// What is wrong with a `.flow`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FlowErrorKind {
    /// Not UTF-8 text.
    NotUtf8,
    /// Not JSON; `message` says what the reader expected.
    NotJson {
        /// What the reader expected there, e.g. "expected `,` or `}` in an object".
        message: String,
    },
    /// A `.bot` export: an agent, not a workflow.
    AgentExport {
        /// `botType` where the export has one (`Flow`, `QuestionAnswer`).
        bot_type: Option<String>,
    },
    /// Another `exportType` than `WORKFLOW` (and not `BOT`).
    NotAWorkflowExport {
        /// The `exportType` as written.
        export_type: String,
    },
    /// No `workflow.workflowNodes` array.
    NoNodes,
    /// No top-level node of type `node_type` (`START` or `END`).
    NoNode {
        /// `START` or `END`.
        node_type: &'static str,
    },
    /// Several top-level nodes of type `node_type`.
    SeveralNodes {
        /// `START` or `END`.
        node_type: &'static str,
        /// Where each one starts.
        at: Vec<Location>,
        /// Their `type`s as written where a node spells it differently from GPTBots
        /// (`start` for `START`), which GPTBots' importer rejects.
        odd_spellings: Vec<String>,
    },
    /// A Start parameter or End variable without a `name`.
    Unnamed {
        /// `"parameter"` or `"variable"`.
        what: &'static str,
        /// Its 1-based position in its list.
        index: usize,
    },
    /// Two Start parameters (or End variables) with one name.
    Duplicate {
        /// `"parameter"` or `"variable"`.
        what: &'static str,
        /// The name they share.
        name: String,
    },
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = &self.file;
        let at = match self.location {
            Some(Location { line, column }) => format!(" at line {line}, column {column}"),
            None => String::new(),
        };
        match &self.kind {
            FlowErrorKind::NotUtf8 => {
                write!(f, "`{file}` is not UTF-8 text{at}: export the workflow from GPTBots again")
            }
            FlowErrorKind::NotJson { message } => {
                write!(f, "`{file}` is not valid JSON ({message}{at}): export the workflow from GPTBots again")
            }
            FlowErrorKind::AgentExport { bot_type } => {
                let kind = bot_type.as_deref().map(|t| format!(" of type `{t}`")).unwrap_or_default();
                write!(
                    f,
                    "`{file}` is an agent export (`exportType: \"BOT\"`{kind}), not a workflow: agents are not called through workflow ids; export the workflow itself (a `.flow` file) from GPTBots"
                )
            }
            FlowErrorKind::NotAWorkflowExport { export_type } => write!(
                f,
                "`{file}` is an export of type `{export_type}`, not a workflow (`WORKFLOW`): export the workflow itself (a `.flow` file) from GPTBots"
            ),
            FlowErrorKind::NoNodes => write!(
                f,
                "`{file}` has no `workflow.workflowNodes`: use the `.flow` file GPTBots exports for the workflow"
            ),
            FlowErrorKind::NoNode { node_type } => write!(
                f,
                "`{file}` has no {node_type} node in `workflow.workflowNodes`: a workflow has exactly one; export the workflow from GPTBots again"
            ),
            FlowErrorKind::SeveralNodes { node_type, at, odd_spellings } => {
                let lines: Vec<String> = at.iter().map(|l| l.line.to_string()).collect();
                write!(
                    f,
                    "`{file}` has {} top-level {node_type} nodes (at lines {}), but a workflow has exactly one",
                    at.len(),
                    lines.join(", ")
                )?;
                if !odd_spellings.is_empty() {
                    let spelt: Vec<String> = odd_spellings.iter().map(|s| format!("`{s}`")).collect();
                    write!(
                        f,
                        "; {} spelt {} rather than GPTBots' `{node_type}`, which GPTBots' importer rejects",
                        if odd_spellings.len() == 1 { "one is" } else { "some are" },
                        spelt.join(", ")
                    )?;
                }
                write!(f, ": remove the extra ones in GPTBots and export the workflow again")
            }
            FlowErrorKind::Unnamed { what, index } => {
                let node = if *what == "parameter" { "Start" } else { "End" };
                write!(
                    f,
                    "{what} #{index} of the {node} node in `{file}`{at} has no `name`: give it a name in GPTBots and export the workflow again"
                )
            }
            FlowErrorKind::Duplicate { what, name } => {
                let node = if *what == "parameter" { "Start" } else { "End" };
                write!(
                    f,
                    "the {node} node in `{file}` has two {what}s named `{name}`{at}: rename one in GPTBots and export the workflow again"
                )
            }
        }
    }
}

impl std::error::Error for FlowError {}
