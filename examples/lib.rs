//! The demo workflows the examples run.

use gptbots_runtime::workflow;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod demo_workflows;
pub use demo_workflows::{DocumentSummary, FileRef, SummariseDocument, SummaryLength};

/// The End node of `todayNews`: a digest of news items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewsDigest {
    /// The news items, most relevant first.
    pub news: Vec<News>,
}

/// One news item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct News {
    /// The headline.
    pub title: String,
    /// The outlet that published it.
    pub media: String,
    /// A short summary.
    pub summary: String,
}

/// `todayNews`: today's news about a topic.
#[workflow(id = "wf_today_news", output = NewsDigest)]
#[serde(rename_all = "camelCase")]
#[derive(Debug, Clone)]
pub struct TodayNews {
    /// The topic to search news for.
    pub topic: String,
    /// At most this many items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// Languages of the sources, e.g. `["en", "de"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
}
