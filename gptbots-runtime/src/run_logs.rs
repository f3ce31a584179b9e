//! `GET /v1/workflow/run/logs`: the runs GPTBots recorded for a workflow, and how to find the
//! one an unanswered request may have started.
//!
//! A submit or a synchronous invoke whose answer was lost (a reset, a timeout, a 5xx without a
//! run id) may have started a paid run. Its id is not lost: GPTBots lists the workflow's runs
//! with their input, so the run is found by the input it was sent with, in the time window of
//! the request, for the user id it carried.
//!
//! The endpoint comes from GPTBots' own API guide, not the Workflow API pages, and only the row
//! fields `log_id`, `workflow_run_id`, `input` and `output` are documented (the last two as JSON
//! strings). So the reader is lenient: rows as a top-level array or under `data`, `data.list`,
//! `data.records` or `data.rows`; `input` and `output` as JSON strings or as JSON; ids as
//! strings or numbers. It reads a `serde_json::Value` tree rather than a typed shape because the
//! wrapper is unknown; a page holds at most [`MAX_PAGE_SIZE`] rows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use crate::call::CallOptions;
use crate::retry::Idempotency;
use crate::transport::{Call, Route};
use crate::unix_time::millis_since_epoch;
use crate::wire::{MAX_PAGE_SIZE, RunLogsQuery};
use crate::{Client, Error, Workflow};

/// How far before `since` and after now the run list is searched: GPTBots' clock and this
/// machine's may disagree by that much.
pub const CLOCK_SKEW: Duration = Duration::from_secs(120);

/// The most pages (of [`MAX_PAGE_SIZE`] rows) one lookup reads, so a lookup over a busy
/// workflow's day stays bounded.
pub const MAX_PAGES: u32 = 50;

impl Client {
    /// Looks up the run an unanswered invoke or submit of `workflow` may have started: a run
    /// started through the API since `since` (give the time just before the call was sent), for
    /// the client's default user id, whose logged input holds every parameter of `workflow`.
    ///
    /// Use it when a call failed with [`Error::may_have_started_run`] true: a found run is
    /// resumed by its id instead of paying for a second one.
    ///
    /// ```no_run
    /// # use gptbots_runtime::{Client, Error, Workflow};
    /// # async fn demo<W: Workflow>(client: &Client, input: &W) -> Result<(), Error> {
    /// let sent_at = std::time::SystemTime::now();
    /// match client.invoke(input).await {
    ///     Err(error) if error.may_have_started_run() => match client.find_run(input, sent_at).await? {
    ///         Some(found) => {
    ///             let run = client.resume::<W>(found.run_id).wait().await?;
    ///         }
    ///         None => { /* not listed (yet): the logs may lag; look again before resubmitting */ }
    ///     },
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// GPTBots lists a run some time after it started, so `None` right after the failure is not
    /// proof that no run started: look again after a while (a minute, say) before sending the
    /// input again. Several matching runs (the same input sent twice) give the oldest.
    pub async fn find_run<W: Workflow>(&self, workflow: &W, since: SystemTime) -> Result<Option<LoggedRun>, Error> {
        let runs = self.find_runs(W::ID, &CallOptions::default(), workflow, since).await?;
        Ok(runs.into_iter().next())
    }

    /// Every logged run of `workflow_id` since `since` whose input matches `input`, oldest
    /// first. The user id is the options' or else the client's default.
    pub(crate) async fn find_runs<I: Serialize + ?Sized>(
        &self,
        workflow_id: &str,
        options: &CallOptions,
        input: &I,
        since: SystemTime,
    ) -> Result<Vec<LoggedRun>, Error> {
        let sent = serde_json::to_value(input)
            .map_err(|source| Error::Input { workflow_id: workflow_id.to_owned(), source })?;
        let key = self.key_for_call(workflow_id, options)?;
        let user_id = options.user_id.as_deref().or(self.default_user_id());
        let start = millis_since_epoch(since.checked_sub(CLOCK_SKEW).unwrap_or(UNIX_EPOCH));
        let end = millis_since_epoch(SystemTime::now() + CLOCK_SKEW);
        let mut found = Vec::new();
        for page in 1..=MAX_PAGES {
            let query = RunLogsQuery {
                conversation_type: "API".into(),
                start_time: start,
                end_time: end,
                page,
                page_size: MAX_PAGE_SIZE,
                user_id: user_id.map(str::to_owned),
            };
            let call = Call {
                route: Route::RunLogs,
                workflow_id,
                key,
                body: query.to_query_string().into(),
                idempotency: Idempotency::ReadOnly,
                run_id: None,
                timeout: options.timeout,
            };
            let span = crate::telemetry::call_span!("gptbots.run_logs", "list_runs", workflow_id, None::<&str>);
            let body: Value = self.transport().call(call).instrument(span.clone()).await.inspect_err(|error| {
                crate::telemetry::record_error(&span, error);
            })?;
            let rows = read_page(&body).map_err(|problem| Error::InvalidResponse {
                endpoint: self.transport().endpoint_name(Route::RunLogs),
                status: 200,
                run_id: None,
                reason: match problem {
                    RunLogsError::NoRows => "the body lists no runs (no array at the top, or under `data`, `data.list`, `data.records` or `data.rows`)".into(),
                    // Not quoted: this text has not been through the request's key scrubber.
                    RunLogsError::Api { code, .. } => format!("the run list answered code {code}"),
                },
                excerpt: "(not quoted)".into(),
            })?;
            let full_page = rows.len() >= MAX_PAGE_SIZE as usize;
            found.extend(
                rows.into_iter().filter(|row| row.input.as_ref().is_some_and(|logged| input_matches(&sent, logged))),
            );
            if !full_page {
                break;
            }
        }
        found.sort_by_key(|run| run.started_at);
        Ok(found)
    }
}

/// One run as the run list shows it: what [`Client::find_run`] finds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LoggedRun {
    /// The log row's id, when present.
    pub log_id: Option<String>,
    /// The run id (`workflow_run_id`).
    pub run_id: String,
    /// The input the run was started with, parsed; `None` when absent or not JSON.
    pub input: Option<Value>,
    /// The run's output, parsed; `None` when absent or not JSON.
    pub output: Option<Value>,
    /// When the run started, if the row says (`create_time`, `start_time` or `startTime`, epoch
    /// milliseconds; not documented by GPTBots).
    pub started_at: Option<SystemTime>,
}

/// Why a page of the run list could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunLogsError {
    /// A `{code, message}` error instead of rows.
    Api {
        /// The API code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// No rows where any known wrapper puts them.
    NoRows,
}

/// Reads one page of the run list: its rows, in the server's order. Rows without a run id are
/// skipped: they name no run to adopt.
pub(crate) fn read_page(body: &Value) -> Result<Vec<LoggedRun>, RunLogsError> {
    let rows = rows_of(body).ok_or_else(|| match api_error(body) {
        Some(error) => error,
        None => RunLogsError::NoRows,
    })?;
    Ok(rows.iter().filter_map(entry_of).collect())
}

fn rows_of(body: &Value) -> Option<&Vec<Value>> {
    if let Some(rows) = body.as_array() {
        return Some(rows);
    }
    let data = body.get("data")?;
    data.as_array().or_else(|| ["list", "records", "rows"].iter().find_map(|key| data.get(key)?.as_array()))
}

fn api_error(body: &Value) -> Option<RunLogsError> {
    let code = body.get("code")?.as_i64()?;
    let message = ["message", "msg"].iter().find_map(|key| body.get(key)?.as_str()).unwrap_or_default();
    (code != 0).then(|| RunLogsError::Api { code, message: message.to_owned() })
}

fn entry_of(row: &Value) -> Option<LoggedRun> {
    let text = |key: &str| match row.get(key)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    let json = |key: &str| match row.get(key)? {
        Value::String(text) => serde_json::from_str(text).ok(),
        Value::Null => None,
        value => Some(value.clone()),
    };
    let started_at = ["create_time", "start_time", "startTime"]
        .iter()
        .find_map(|key| row.get(*key)?.as_u64())
        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
    Some(LoggedRun {
        log_id: text("log_id"),
        run_id: text("workflow_run_id")?,
        input: json("input"),
        output: json("output"),
        started_at,
    })
}

/// Whether a logged input is the one that was sent: every parameter sent is logged with the
/// same value. A logged input may hold more (the defaults GPTBots applied), never less.
pub(crate) fn input_matches(sent: &Value, logged: &Value) -> bool {
    match (sent, logged) {
        (Value::Object(sent), Value::Object(logged)) => {
            sent.iter().all(|(name, value)| logged.get(name).is_some_and(|logged| same_value(value, logged)))
        }
        _ => same_value(sent, logged),
    }
}

/// Equal JSON, with numbers compared by value (`1` and `1.0` are one number).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64().zip(b.as_f64()).is_some_and(|(a, b)| a == b),
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b)),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(name, value)| b.get(name).is_some_and(|other| same_value(value, other)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::wire::{RunLogRow, RunLogsData, RunLogsPage};

    #[test]
    fn rows_are_found_under_every_documented_wrapper_and_json_strings_are_parsed() {
        let row =
            json!({"log_id": 7, "workflow_run_id": "run_1", "input": "{\"topic\":\"rust\"}", "output": "not json"});
        for body in [
            json!([row]),
            json!({"data": [row]}),
            json!({"code": 0, "data": {"list": [row], "total": 1}}),
            json!({"data": {"records": [row]}}),
            json!({"data": {"rows": [row]}}),
        ] {
            let entries = read_page(&body).unwrap_or_default();
            assert_eq!(entries.len(), 1, "{body}");
            assert_eq!(entries[0].log_id.as_deref(), Some("7"));
            assert_eq!(entries[0].run_id, "run_1");
            assert_eq!(entries[0].input, Some(json!({"topic": "rust"})));
            assert_eq!(entries[0].output, None);
        }
    }

    #[test]
    fn an_error_body_is_an_api_error_and_a_body_without_rows_says_so() {
        assert_eq!(
            read_page(&json!({"code": 40127, "msg": "authentication failed"})),
            Err(RunLogsError::Api { code: 40127, message: "authentication failed".into() })
        );
        assert_eq!(read_page(&json!({"code": 0, "data": {"total": 0}})), Err(RunLogsError::NoRows));
        assert_eq!(read_page(&json!({"data": {"list": [{"input": "{}"}]}})), Ok(vec![]));
    }

    #[test]
    fn a_logged_input_matches_when_it_holds_every_sent_parameter_with_the_same_value() {
        let sent = json!({"topic": "rust", "max": 3});
        assert!(input_matches(&sent, &json!({"topic": "rust", "max": 3.0, "lang": "en"})));
        assert!(!input_matches(&sent, &json!({"topic": "rust"})));
        assert!(!input_matches(&sent, &json!({"topic": "go", "max": 3})));
        assert!(!input_matches(&json!({"tags": ["a"]}), &json!({"tags": ["a", "b"]})));
    }

    #[test]
    fn the_server_page_reads_back_through_the_lenient_reader() {
        let page = RunLogsPage {
            code: 0,
            message: "OK",
            data: RunLogsData {
                list: vec![RunLogRow {
                    log_id: "l1".into(),
                    workflow_run_id: "run_9".into(),
                    input: r#"{"topic":"x"}"#.into(),
                    output: r#"{"news":[]}"#.into(),
                    create_time: 1,
                }],
                total: 1,
            },
        };
        let body = serde_json::to_value(&page).unwrap_or_default();
        let entries = read_page(&body).unwrap_or_default();
        assert_eq!(entries[0].run_id, "run_9");
        assert_eq!(entries[0].output, Some(json!({"news": []})));
    }
}
