//! Workflows whose types use the serde and schema features the docs must cope with: renames,
//! defaults, skipped and nullable fields, maps, enums (plain, renamed and tagged), nested
//! structs, multi-paragraph doc comments and Markdown-hostile text.

#![allow(dead_code)]

use std::collections::BTreeMap;

use gptbots_runtime::catalogue::WorkflowEntry;
use gptbots_runtime::workflow;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A target language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    De,
    #[serde(rename = "zh-CN")]
    Chinese,
}

/// A reference document, passed like a GPTBots `FILE` parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reference {
    /// Where the file is downloaded from.
    pub url: String,
    /// The file's format, e.g. `pdf`.
    pub format: String,
}

/// `translate`: translates a text.
///
/// Long texts are split into chunks | translated one by one.
#[workflow(id = "wf_translate", output = Translation)]
#[serde(rename_all = "camelCase")]
#[derive(Debug, Clone)]
pub struct Translate {
    /// The text to translate.
    pub text: String,
    /// The language to translate to.
    #[serde(rename = "to")]
    pub target_language: Language,
    /// Terms to keep as they are, by source term.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub glossary: BTreeMap<String, String>,
    /// How formal the translation is, from 0 to 1; sent as `null` when unset.
    #[workflow(send_null)]
    pub formality: Option<f64>,
    /// Whether to keep the markup of the text.
    #[serde(default = "keep_markup_by_default")]
    pub keep_markup: bool,
    /// Documents whose wording the translation follows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

fn keep_markup_by_default() -> bool {
    true
}

/// What the moderation step decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing to report.
    Clean,
    /// The text was flagged.
    Flagged {
        /// Why it was flagged.
        reason: String,
    },
}

/// The End node of `translate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Translation {
    /// The translated text.
    pub translated_text: String,
    /// The language the text was written in, if it could be told.
    pub detected_language: Option<Language>,
    /// Other possible translations, best first.
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// Credits spent per step.
    #[serde(default)]
    pub cost_by_step: BTreeMap<String, f64>,
    /// The moderation verdict.
    pub verdict: Verdict,
}

/// `ping`: answers with a text.
#[workflow(id = "wf_ping", output = String)]
#[derive(Debug, Clone)]
pub struct Ping {}

/// The catalogue entries of the fixtures, in a fixed order.
pub fn entries() -> [WorkflowEntry; 2] {
    [WorkflowEntry::of::<Translate>(), WorkflowEntry::of::<Ping>()]
}
