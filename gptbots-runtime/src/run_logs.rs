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

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Path of the run list endpoint.
pub const RUN_LOGS_PATH: &str = "/v1/workflow/run/logs";
/// The fewest rows a page may ask for.
pub const MIN_PAGE_SIZE: u32 = 10;
/// The most rows a page may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The query string of one page of `GET /v1/workflow/run/logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// One run as the run list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLogEntry {
    /// The log row's id, when present.
    pub log_id: Option<String>,
    /// The run id (`workflow_run_id`).
    pub run_id: String,
    /// The input the run was started with, parsed; `None` when absent or not JSON.
    pub input: Option<Value>,
    /// The run's output, parsed; `None` when absent or not JSON.
    pub output: Option<Value>,
}

/// A page of the run list as the embedded server sends it (the shape GPTBots' other list
/// endpoints use: `{code: 0, message, data: {list, total}}`, with `input` and `output` as JSON
/// strings).
#[derive(Debug, Serialize)]
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
pub struct RunLogsData {
    /// The rows of this page.
    pub list: Vec<RunLogRow>,
    /// How many rows the whole window holds.
    pub total: u64,
}

/// One row as the embedded server sends it.
#[derive(Debug, Serialize)]
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

/// Why a page of the run list could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum RunLogsError {
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
pub fn read_page(body: &Value) -> Result<Vec<RunLogEntry>, RunLogsError> {
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

fn entry_of(row: &Value) -> Option<RunLogEntry> {
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
    Some(RunLogEntry {
        log_id: text("log_id"),
        run_id: text("workflow_run_id")?,
        input: json("input"),
        output: json("output"),
    })
}

/// Whether a logged input is the one that was sent: every parameter sent is logged with the
/// same value. A logged input may hold more (the defaults GPTBots applied), never less.
pub fn input_matches(sent: &Value, logged: &Value) -> bool {
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
