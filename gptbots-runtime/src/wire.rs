//! The JSON shapes of the GPTBots Workflow API, shared by the client and the embedded server.
// Each build uses a subset: the client the requests it sends, the embedded server the rest.
#![allow(dead_code)]

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::Status;

/// Path of the synchronous and asynchronous invoke endpoint.
pub const INVOKE_PATH: &str = "/v1/workflow/invoke";
/// Path of the run query endpoint.
pub const QUERY_PATH: &str = "/v1/workflow/query/result";
/// Path of the key verification endpoint.
pub const VERIFY_PATH: &str = "/v1/api-key/verify";

/// Body of `POST /v1/workflow/invoke`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeRequest<'a, I: ?Sized> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    pub input: &'a I,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_async: bool,
}

/// Body of `POST /v1/workflow/query/result`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest<'a> {
    #[serde(borrow)]
    pub workflow_run_id: &'a str,
}

/// A run as the invoke and query endpoints return it, with `input` and `output` kept as raw
/// JSON so the typed output is decoded straight from the response bytes.
///
/// Every field is optional because GPTBots documents no guarantees for failed runs and may add
/// or drop fields; the caller decides which absences are errors.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEnvelope<'a> {
    #[serde(default, deserialize_with = "lenient_string")]
    pub workflow_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub workflow_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub workflow_version: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub workflow_run_id: Option<String>,
    #[serde(default, borrow)]
    pub input: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub output: Option<&'a RawValue>,
    #[serde(default)]
    pub workflow_execution_time: Option<f64>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub total_cost: Option<f64>,
    #[serde(default)]
    pub total_tokens: Option<f64>,
    #[serde(default)]
    pub start_time: Option<f64>,
    #[serde(default)]
    pub end_time: Option<f64>,
    /// Present when the body is a `{code, message}` error.
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default, alias = "msg")]
    pub message: Option<String>,
}

/// A GPTBots `{code, message}` (or `{code, msg}`) error body.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: i64,
    #[serde(default, alias = "msg")]
    pub message: String,
}

/// Accepts a string or a number (versions like `9` arrive either way) and `null`.
fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrNumber {
        String(String),
        Number(serde_json::Number),
    }
    Ok(Option::<StringOrNumber>::deserialize(deserializer)?.map(|value| match value {
        StringOrNumber::String(s) => s,
        StringOrNumber::Number(n) => n.to_string(),
    }))
}
