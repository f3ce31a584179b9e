//! The JSON shapes of the GPTBots Workflow API, declared once: the client serializes the
//! requests and deserializes the answers with these types, the webhook parser reads callbacks
//! with them, and the embedded server (feature `mock`) does the reverse with the same types.
//!
//! Answers are read leniently where GPTBots is known to vary (ids as numbers, figures as
//! numeric strings, misspelt statuses, unknown fields); see [`RunBody`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::Status;

/// Path of the synchronous and asynchronous invoke endpoint.
pub const INVOKE_PATH: &str = "/v1/workflow/invoke";
/// Path of the run query endpoint.
pub const QUERY_PATH: &str = "/v1/workflow/query/result";
/// Path of the key verification endpoint.
pub const VERIFY_PATH: &str = "/v1/api-key/verify";

/// The most webhooks GPTBots accepts on one run.
pub const MAX_WEBHOOKS: usize = 5;

/// Body of `POST /v1/workflow/invoke`, sync (`isAsync` absent) or async.
///
/// `I` is the input: any `Serialize` type on the client, a `serde_json::Value` on the server.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeRequest<'a, I> {
    /// The end user the run is tagged with.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Cow<'a, str>>,
    /// The Start node's parameters.
    #[serde(default)]
    pub input: I,
    /// `true` for an async run, answered at once with the run id.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_async: bool,
    /// What GPTBots calls when an async run ends.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Vec<WebhookSpec<'a>>>,
}

/// Body of `POST /v1/workflow/query/result`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest<'a> {
    /// The run asked about.
    #[serde(borrow)]
    pub workflow_run_id: Cow<'a, str>,
}

/// One entry of an invoke's `webhook` array:
/// `{"method": "POST", "url": "...", "headers": {"name": "value"}}`.
///
/// `Debug` shows header names only and the URL without userinfo or query: where webhook
/// secrets travel.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSpec<'a> {
    /// `GET` or `POST`.
    #[serde(borrow)]
    pub method: Cow<'a, str>,
    /// Where GPTBots sends the call.
    #[serde(borrow)]
    pub url: Cow<'a, str>,
    /// Headers sent with the call.
    #[serde(default, borrow)]
    pub headers: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
}

impl std::fmt::Debug for WebhookSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSpec")
            .field("method", &self.method)
            .field("url", &crate::async_run::redact_url(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl WebhookSpec<'_> {
    /// The same spec owning its strings, to keep beyond the request body.
    #[cfg(feature = "mock")]
    pub fn into_owned(self) -> WebhookSpec<'static> {
        let own = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        WebhookSpec {
            method: own(self.method),
            url: own(self.url),
            headers: self.headers.into_iter().map(|(name, value)| (own(name), own(value))).collect(),
        }
    }
}

/// A GPTBots `{code, message}` (or `{code, msg}`) error body.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiError<'a> {
    /// GPTBots' error code; 0 means success on the endpoints that wrap their answers.
    pub code: i64,
    /// What went wrong.
    #[serde(default, borrow, alias = "msg")]
    pub message: Cow<'a, str>,
}

/// A run as the invoke and query endpoints (and webhook calls) carry it.
///
/// `J` holds `input` and `output`: `&RawValue` when reading, so the typed output is decoded
/// straight from the response bytes; a `&serde_json::Value` when the embedded server writes one.
///
/// Every field is optional because GPTBots documents no guarantees for failed runs and may add
/// or drop fields; the decoder decides which absences are errors. Reading is lenient: ids may be
/// numbers, figures numeric strings (an unreadable figure is `None`, never an error), and a
/// failed run's reason may be under `errorMessage`, `message`, `error` or `msg`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "J: Deserialize<'de>"))]
pub struct RunBody<'a, J> {
    /// The workflow that ran.
    #[serde(default, borrow, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<Cow<'a, str>>,
    /// The workflow's name.
    #[serde(default, borrow, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<Cow<'a, str>>,
    /// The workflow's version label (`9` or `"1.0.1"`).
    #[serde(default, borrow, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub workflow_version: Option<Cow<'a, str>>,
    /// The run id.
    #[serde(default, borrow, deserialize_with = "lenient_id", skip_serializing_if = "Option::is_none")]
    pub workflow_run_id: Option<Cow<'a, str>>,
    /// `SUCCEED`, `FAILED`, `PENDING`, `RUNNING` or a status this crate does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The input as the server echoes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<J>,
    /// The End node's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<J>,
    /// Milliseconds the run took.
    #[serde(default, deserialize_with = "lenient_figure", serialize_with = "figure")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_execution_time: Option<f64>,
    /// Credits spent.
    #[serde(default, deserialize_with = "lenient_figure", serialize_with = "figure")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_cost: Option<f64>,
    /// Tokens spent.
    #[serde(default, deserialize_with = "lenient_figure", serialize_with = "figure")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<f64>,
    /// Start, in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient_figure", serialize_with = "figure")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<f64>,
    /// End, in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient_figure", serialize_with = "figure")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<f64>,
    /// Why the run failed, as the embedded server and GPTBots' run pages spell it.
    #[serde(default, borrow, deserialize_with = "lenient_text", skip_serializing_if = "Option::is_none")]
    pub error_message: Option<Cow<'a, str>>,
    /// Present when the body is a `{code, message}` answer (or wraps a run in `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The message of a `{code, message}` answer, or a failed run's reason.
    #[serde(default, borrow, deserialize_with = "lenient_text", skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
    /// A failed run's reason, as some gateways spell it.
    #[serde(default, borrow, deserialize_with = "lenient_text", skip_serializing_if = "Option::is_none")]
    pub error: Option<Cow<'a, str>>,
    /// The `{code, msg}` spelling of `message`.
    #[serde(default, borrow, deserialize_with = "lenient_text", skip_serializing_if = "Option::is_none")]
    pub msg: Option<Cow<'a, str>>,
    /// The run, when the answer is GPTBots' `{"code": 0, "message": "OK", "data": {...}}` wrapper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<J>,
}

/// An empty body: every field absent.
impl<J> Default for RunBody<'_, J> {
    fn default() -> Self {
        RunBody {
            workflow_id: None,
            workflow_name: None,
            workflow_version: None,
            workflow_run_id: None,
            status: None,
            input: None,
            output: None,
            workflow_execution_time: None,
            total_cost: None,
            total_tokens: None,
            start_time: None,
            end_time: None,
            error_message: None,
            code: None,
            message: None,
            error: None,
            msg: None,
            data: None,
        }
    }
}

impl<J> RunBody<'_, J> {
    /// Why a failed run failed: the first of `errorMessage`, `message`, `error`, `msg` that is
    /// present and not blank.
    pub fn failure_reason(&self) -> Option<&str> {
        [&self.error_message, &self.message, &self.error, &self.msg]
            .into_iter()
            .filter_map(|field| field.as_deref())
            .find(|text| !text.trim().is_empty())
    }
}

/// An id or label: a string, or a number written as its decimal text; `null` is `None`.
fn lenient_id<'de: 'a, 'a, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    deserializer.deserialize_any(TextVisitor { strict: true })
}

/// A server message: like [`lenient_id`], and any other JSON value (an object, a list) is
/// skipped as `None` rather than failing the body.
fn lenient_text<'de: 'a, 'a, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    deserializer.deserialize_any(TextVisitor { strict: false })
}

struct TextVisitor {
    /// Whether values that are not text or numbers are refused.
    strict: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if self.strict { Err(E::invalid_type(de::Unexpected::Bool(v), &self)) } else { Ok(None) }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if self.strict {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.strict {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// A figure (cost, tokens, a time): a number or a numeric string. Anything else is `None` with a
/// `debug` event: a figure is never worth the output of a paid run.
fn lenient_figure<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    deserializer.deserialize_any(FigureVisitor)
}

struct FigureVisitor;

impl FigureVisitor {
    /// Leaves a figure out. The event names what kind of value it was, never the value: this
    /// reader has no key to scrub from a server's text, and a log must never show the key.
    fn unreadable(kind: &'static str) -> Option<f64> {
        tracing::debug!(kind, "GPTBots sent a figure that is not a number; it is left out");
        None
    }
}

impl<'de> Visitor<'de> for FigureVisitor {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().parse::<f64>() {
            Ok(figure) if figure.is_finite() => Ok(Some(figure)),
            _ => Ok(Self::unreadable("a string that is not a finite number")),
        }
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Self::unreadable("a boolean"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::unreadable("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::unreadable("a list"))
    }
}

/// Writes whole figures as JSON integers (`1745`, not `1745.0`), as GPTBots does.
fn figure<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    const EXACT: f64 = (1u64 << 53) as f64;
    match *value {
        Some(v) if v.fract() == 0.0 && v.abs() < EXACT => serializer.serialize_i64(v as i64),
        Some(v) => serializer.serialize_f64(v),
        None => serializer.serialize_none(),
    }
}

/// The body of a run answer, with `input` and `output` borrowed from the response bytes.
pub(crate) type RawRunBody<'a> = RunBody<'a, &'a RawValue>;

/// Path of the run list endpoint.
pub const RUN_LOGS_PATH: &str = "/v1/workflow/run/logs";
/// The fewest rows a page may ask for.
#[cfg_attr(not(feature = "mock"), allow(dead_code))]
pub const MIN_PAGE_SIZE: u32 = 10;
/// The most rows a page may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The query string of one page of `GET /v1/workflow/run/logs`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "mock"), allow(dead_code))]
pub struct RunLogsQuery {
    /// Where the runs came from: `API` for runs started through the API.
    pub conversation_type: String,
    /// The window's start, epoch milliseconds.
    pub start_time: u64,
    /// The window's end, epoch milliseconds.
    pub end_time: u64,
    /// The page, from 1.
    pub page: u32,
    /// Rows per page, [`MIN_PAGE_SIZE`] to [`MAX_PAGE_SIZE`].
    pub page_size: u32,
    /// Only the runs of this user id.
    pub user_id: Option<String>,
}

impl RunLogsQuery {
    /// The query string, as the client sends it.
    pub fn to_query_string(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("conversation_type", &self.conversation_type)
            .append_pair("start_time", &self.start_time.to_string())
            .append_pair("end_time", &self.end_time.to_string())
            .append_pair("page", &self.page.to_string())
            .append_pair("page_size", &self.page_size.to_string());
        if let Some(user_id) = &self.user_id {
            query.append_pair("user_id", user_id);
        }
        query.finish()
    }

    /// Reads a query string, as the embedded server receives it; the error names the
    /// parameter that is missing or invalid.
    #[cfg(feature = "mock")]
    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let text = |name: &str| pairs.get(name).ok_or_else(|| format!("missing parameter `{name}`"));
        let number = |name: &str| {
            text(name)?.parse::<u64>().map_err(|_| format!("invalid parameter `{name}`: expected a whole number"))
        };
        let page_size = number("page_size")?;
        if !(u64::from(MIN_PAGE_SIZE)..=u64::from(MAX_PAGE_SIZE)).contains(&page_size) {
            return Err(format!("invalid parameter `page_size`: expected {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}"));
        }
        Ok(RunLogsQuery {
            conversation_type: text("conversation_type")?.clone(),
            start_time: number("start_time")?,
            end_time: number("end_time")?,
            page: u32::try_from(number("page")?).map_err(|_| "invalid parameter `page`".to_owned())?.max(1),
            page_size: page_size as u32,
            user_id: pairs.get("user_id").cloned(),
        })
    }
}

/// A page of the run list as the embedded server sends it (the shape GPTBots' other list
/// endpoints use: `{code: 0, message, data: {list, total}}`, with `input` and `output` as JSON
/// strings).
#[derive(Debug, Serialize)]
#[cfg_attr(not(feature = "mock"), allow(dead_code))]
pub struct RunLogsPage<'a> {
    /// 0: success.
    pub code: i64,
    /// `OK`.
    pub message: &'a str,
    /// The rows and how many there are in all.
    pub data: RunLogsData,
}

/// The `data` of a [`RunLogsPage`].
#[derive(Debug, Serialize)]
#[cfg_attr(not(feature = "mock"), allow(dead_code))]
pub struct RunLogsData {
    /// The rows of this page.
    pub list: Vec<RunLogRow>,
    /// How many rows the whole window holds.
    pub total: u64,
}

/// One row as the embedded server sends it.
#[derive(Debug, Serialize)]
#[cfg_attr(not(feature = "mock"), allow(dead_code))]
pub struct RunLogRow {
    /// The row's id.
    pub log_id: String,
    /// The run id.
    pub workflow_run_id: String,
    /// The input, as a JSON string.
    pub input: String,
    /// The output, as a JSON string.
    pub output: String,
    /// When the run started, epoch milliseconds (not documented by GPTBots).
    pub create_time: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> RawRunBody<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn figures_are_numbers_or_numeric_strings_and_never_fail_the_body() {
        let body = read(r#"{"totalCost":"0.6928","totalTokens":1745,"startTime":" 12 ","endTime":"soon"}"#);
        assert_eq!(body.total_cost, Some(0.6928));
        assert_eq!(body.total_tokens, Some(1745.0));
        assert_eq!(body.start_time, Some(12.0));
        assert_eq!(body.end_time, None);
        let odd = read(r#"{"totalCost":{"credits":1},"totalTokens":[1],"startTime":true,"endTime":"NaN"}"#);
        assert_eq!((odd.total_cost, odd.total_tokens, odd.start_time, odd.end_time), (None, None, None, None));
    }

    #[test]
    fn ids_may_be_numbers_but_not_objects() {
        let body = read(r#"{"workflowRunId":51,"workflowVersion":9.5,"workflowId":null}"#);
        assert_eq!(body.workflow_run_id.as_deref(), Some("51"));
        assert_eq!(body.workflow_version.as_deref(), Some("9.5"));
        assert_eq!(body.workflow_id, None);
        assert!(serde_json::from_str::<RawRunBody<'_>>(r#"{"workflowRunId":{"id":1}}"#).is_err());
    }

    #[test]
    fn a_failure_reason_is_read_from_any_of_its_spellings() {
        assert_eq!(read(r#"{"errorMessage":"a","message":"b"}"#).failure_reason(), Some("a"));
        assert_eq!(read(r#"{"errorMessage":" ","error":{"x":1},"msg":"d"}"#).failure_reason(), Some("d"));
        assert_eq!(read(r#"{"error":"c","msg":"d"}"#).failure_reason(), Some("c"));
        assert_eq!(read(r#"{}"#).failure_reason(), None);
    }

    #[test]
    fn the_server_writes_what_the_client_reads() {
        let output = serde_json::json!({"news": []});
        let written = RunBody::<&serde_json::Value> {
            workflow_run_id: Some("run_1".into()),
            status: Some(Status::Succeed),
            output: Some(&output),
            total_tokens: Some(1745.0),
            total_cost: Some(0.5),
            ..RunBody::default()
        };
        let json = serde_json::to_string(&written).unwrap();
        assert_eq!(
            json,
            r#"{"workflowRunId":"run_1","status":"SUCCEED","output":{"news":[]},"totalCost":0.5,"totalTokens":1745}"#
        );
        let back = read(&json);
        assert_eq!(back.output.map(RawValue::get), Some(r#"{"news":[]}"#));
    }

    #[test]
    fn requests_round_trip() {
        let hook = WebhookSpec { method: "POST".into(), url: "https://h.example/".into(), headers: BTreeMap::new() };
        let request = InvokeRequest { user_id: Some("u".into()), input: 1, is_async: true, webhook: Some(vec![hook]) };
        let json = serde_json::to_string(&request).unwrap();
        let back: InvokeRequest<'_, Option<serde_json::Value>> = serde_json::from_str(&json).unwrap();
        assert_eq!((back.user_id.as_deref(), back.input, back.is_async), (Some("u"), Some(1.into()), true));
        let sync: InvokeRequest<'_, Option<serde_json::Value>> = serde_json::from_str("{}").unwrap();
        assert_eq!((sync.input, sync.is_async, sync.webhook), (None, false, None));
    }

    #[test]
    fn a_webhook_spec_s_debug_hides_its_secrets() {
        let headers = BTreeMap::from([("x-gptbots-webhook-secret".into(), "hunter2".into())]);
        let hook = WebhookSpec { method: "GET".into(), url: "https://u:pw@h.example/done?sig=t0p".into(), headers };
        let shown = format!("{hook:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("pw") && !shown.contains("t0p"), "{shown}");
        assert!(shown.contains("x-gptbots-webhook-secret") && shown.contains("h.example/done"), "{shown}");
    }
}
