//! The demo workflows the examples run.

use gptbots_runtime::{workflow, workflow_output};

/// The End node of `todayNews`: a digest of news items.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
pub struct NewsDigest {
    /// The news items, most relevant first.
    pub news: Vec<News>,
}

/// One news item.
#[workflow_output]
#[derive(Debug, Clone, PartialEq)]
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
