//! More demo workflows, documented by `cargo run --example workflow_docs -- DIR`.

use gptbots_runtime::{File, workflow, workflow_output};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How long a summary should be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SummaryLength {
    /// A sentence or two.
    Short,
    /// A paragraph.
    #[default]
    Medium,
    /// A page.
    Long,
}

/// `summariseDocument`: a summary and the key points of a document.
///
/// Scanned pages are run through OCR first.
#[workflow(id = "wf_summarise_document", output = DocumentSummary)]
#[serde(rename_all = "camelCase")]
#[derive(Debug, Clone)]
pub struct SummariseDocument {
    /// The document to summarise.
    pub document: File,
    /// How long the summary should be.
    #[serde(default)]
    pub length: SummaryLength,
    /// At most this many key points.
    #[serde(default = "default_max_key_points")]
    pub max_key_points: u8,
    /// The language of the summary; the document's own when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

fn default_max_key_points() -> u8 {
    5
}

/// The End node of `summariseDocument`.
#[workflow_output]
#[serde(rename_all = "camelCase")]
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentSummary {
    /// The summary, in the requested language.
    pub summary: String,
    /// The key points, most important first.
    #[serde(default)]
    pub key_points: Vec<String>,
    /// The number of pages read, when the document has pages.
    pub page_count: Option<u32>,
}
