//! The value of a `FILE` Start parameter.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A file passed to a `FILE` Start parameter: a URL or base64 content, its format and an
/// optional name. GPTBots turns it into a URL inside the workflow.
///
/// ```
/// use gptbots_runtime::File;
///
/// let report = File::url("https://example.com/q3.pdf", "pdf").named("q3.pdf");
/// assert_eq!(
///     serde_json::to_value(&report).unwrap(),
///     serde_json::json!({"url": "https://example.com/q3.pdf", "format": "pdf", "name": "q3.pdf"}),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct File {
    /// Where the content comes from.
    #[serde(flatten)]
    pub content: FileContent,
    /// The file format, e.g. `pdf`, `png`, `docx`.
    pub format: String,
    /// The file name, e.g. `report.pdf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Where a [`File`]'s content comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileContent {
    /// A URL GPTBots can fetch (`"url"`).
    Url(String),
    /// The content, base64-encoded (`"base64_content"`).
    Base64Content(String),
}

impl File {
    /// A file GPTBots fetches from `url`, in `format` (e.g. `pdf`).
    pub fn url(url: impl Into<String>, format: impl Into<String>) -> Self {
        File { content: FileContent::Url(url.into()), format: format.into(), name: None }
    }

    /// A file sent inline as base64 `content`, in `format` (e.g. `png`).
    pub fn base64(content: impl Into<String>, format: impl Into<String>) -> Self {
        File { content: FileContent::Base64Content(content.into()), format: format.into(), name: None }
    }

    /// The same file, named `name` (e.g. `report.pdf`).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}
