//! `gptbots verify`: for each configured key, which entity it belongs to
//! (`GET /v1/api-key/verify`), and whether that is the workflow it is configured for.
//!
//! GPTBots does not document the answer's field names, so it is read leniently: at the top
//! level or under `data`; the id from `id`, `workflowId` or `botId`; the kind from `type`, else
//! from which id field is present. `--json` shows the raw answer next to what was read.

use gptbots_runtime::{Client, key_env_var};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;

use crate::args::{Global, Verify};
use crate::config::{self, ConfiguredKey};
use crate::exit::{Failure, FailureKind, Outcome};
use crate::output::{Output, print_json};

/// What the check found for one key.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyReport {
    /// Where the key came from (never the key).
    key: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    /// Whether the id is the workflow the key is configured for; `None` for the default key,
    /// which serves any workflow.
    matches: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip)]
    failure: Option<FailureKind>,
}

/// Runs the command.
pub async fn run(global: &Global, args: &Verify) -> Outcome {
    let keys = config::keys(&args.connection)?;
    if keys.is_empty() {
        return Err(Failure::usage(anyhow::anyhow!(
            "no API key is configured: set GPTBOTS_API_KEY, GPTBOTS_API_KEY_<WORKFLOW_ID> or pass --key-file"
        )));
    }
    let client = config::client(&args.connection)?;
    let mut reports = Vec::with_capacity(keys.len());
    for key in &keys {
        reports.push(check(&client, key).await);
    }
    let output = Output::choose(global.json);
    match output {
        Output::Json => print_json(&reports).map_err(Failure::server)?,
        Output::Human => reports.iter().for_each(print_human),
    }
    let failing: Vec<&KeyReport> = reports.iter().filter(|report| report.failure.is_some()).collect();
    match failing.iter().filter_map(|report| report.failure).max() {
        None => Ok(()),
        Some(kind) => {
            let names: Vec<&str> = failing.iter().map(|report| report.key.as_str()).collect();
            let error =
                anyhow::anyhow!("{} of {} keys failed the check: {}", failing.len(), reports.len(), names.join(", "));
            Err(Failure { kind, error, hint: None })
        }
    }
}

async fn check(client: &Client, configured: &ConfiguredKey) -> KeyReport {
    let answer = client.workflow(configured.source.clone()).api_key(configured.key.expose_secret()).verify_key().await;
    let mut report = KeyReport {
        key: configured.source.clone(),
        kind: None,
        id: None,
        matches: None,
        answer: None,
        error: None,
        failure: None,
    };
    match answer {
        Ok(answer) => {
            let (kind, id) = entity(&answer);
            report.matches =
                configured.workflow_var.as_ref().map(|var| id.as_deref().is_some_and(|id| key_env_var(id) == *var));
            if report.matches == Some(false) || id.is_none() {
                report.failure = Some(FailureKind::Failed);
            }
            (report.kind, report.id, report.answer) = (kind, id, Some(answer));
        }
        Err(error) => {
            // The server refusing the key is the check failing, not a usage mistake.
            report.failure = Some(match FailureKind::of(&error) {
                FailureKind::Server => FailureKind::Server,
                _ => FailureKind::Failed,
            });
            report.error = Some(format!("{:#}", anyhow::Error::from(error)));
        }
    }
    report
}

/// The entity kind and id an answer names, wherever it names them.
fn entity(answer: &Value) -> (Option<String>, Option<String>) {
    let levels = [Some(answer), answer.get("data")];
    let field = |names: &[&str]| {
        levels.iter().flatten().find_map(|level| names.iter().find_map(|name| scalar(level.get(*name)?)))
    };
    let id = field(&["id", "workflowId", "botId"]);
    let kind = field(&["type"]).or_else(|| {
        if field(&["workflowId"]).is_some() {
            Some("workflow".to_owned())
        } else {
            field(&["botId"]).map(|_| "agent".to_owned())
        }
    });
    (kind, id)
}

/// A string or number as text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn print_human(report: &KeyReport) {
    let entity = format!(
        "{} {}",
        report.kind.as_deref().unwrap_or("entity"),
        report.id.as_deref().unwrap_or("(no id in the answer)")
    );
    match (&report.error, report.matches) {
        (Some(error), _) => println!("{}: FAILED: {error}", report.key),
        (None, Some(true)) => println!("{}: {entity}: ok", report.key),
        (None, Some(false)) => match &report.id {
            Some(id) => println!(
                "{}: {entity}: MISMATCH: this is the key of `{id}` (whose variable is {}); set {} to the key of its own workflow",
                report.key,
                key_env_var(id),
                report.key
            ),
            None => println!("{}: MISMATCH: the answer names no id", report.key),
        },
        (None, None) if report.id.is_none() => println!("{}: FAILED: the answer names no id", report.key),
        (None, None) => println!("{}: {entity}", report.key),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::entity;

    #[test]
    fn the_entity_is_read_at_the_top_or_under_data_from_any_id_field() {
        let pair = |kind: &str, id: &str| (Some(kind.to_owned()), Some(id.to_owned()));
        assert_eq!(entity(&json!({"type": "workflow", "workflowId": "wf_a"})), pair("workflow", "wf_a"));
        assert_eq!(entity(&json!({"code": 0, "data": {"type": "bot", "id": 7}})), pair("bot", "7"));
        assert_eq!(entity(&json!({"data": {"botId": "b1"}})), pair("agent", "b1"));
        assert_eq!(entity(&json!({"data": {"workflowId": "wf_b"}})), pair("workflow", "wf_b"));
        assert_eq!(entity(&json!({"ok": true})), (None, None));
    }
}
