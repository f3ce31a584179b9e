//! What the three endpoints answer; the router calls them, and a fault may reshape the answer.

use std::sync::Arc;
use std::time::SystemTime;

use std::borrow::Cow;

use serde_json::{Value, json};

use super::handler::{self, Rejection, RejectionKind};
use super::input_check::check_input;
use super::registry::Registered;
use super::runs::MockRun;
use super::state::Shared;
use super::webhook;
use crate::Status;
use crate::unix_time::millis_since_epoch;
use crate::wire::{
    ApiError, InvokeRequest, QueryRequest, RunLogRow, RunLogsData, RunLogsPage, RunLogsQuery, WebhookSpec,
};

/// An answer: an HTTP status and a JSON body.
#[derive(Debug, Clone)]
pub(super) struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Reply { status: 200, body }
    }

    /// A GPTBots `{code, message}` error.
    pub fn error(status: u16, code: i64, message: impl Into<String>) -> Self {
        let body = ApiError { code, message: Cow::Owned(message.into()) };
        Reply { status, body: serde_json::to_value(body).unwrap_or(Value::Null) }
    }

    fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::error(400, 40000, message)
    }
}

impl From<Rejection> for Reply {
    fn from(rejection: Rejection) -> Self {
        match rejection.kind {
            RejectionKind::Api { http_status, code, message } => Reply::error(http_status, code, message),
            // A failure before a run exists (e.g. the input check) is an invalid parameter.
            RejectionKind::Failed { message } => Reply::invalid_parameter(message),
        }
    }
}

/// The workflow the `Authorization` header's key belongs to, or the 40127 answer.
pub(super) fn authenticate(state: &Shared, authorization: Option<&str>) -> Result<Registered, Reply> {
    let Some(key) = authorization.map(bearer_key).filter(|key| !key.is_empty()) else {
        return Err(Reply::error(
            401,
            40127,
            "authentication failed: send the API key as `Authorization: Bearer <key>`",
        ));
    };
    state
        .registry
        .workflow_for_key(key)
        .and_then(|id| state.registry.get(&id))
        .ok_or_else(|| Reply::error(401, 40127, "authentication failed: the API key is not valid"))
}

/// The key of an `Authorization` header, with or without the `Bearer` scheme.
pub(super) fn bearer_key(value: &str) -> &str {
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") => key.trim(),
        _ => value,
    }
}

/// `POST /v1/workflow/invoke`: runs the workflow, synchronously or as an async run.
pub(super) async fn invoke(state: &Arc<Shared>, authorization: Option<&str>, body: &[u8]) -> Reply {
    let workflow = match authenticate(state, authorization) {
        Ok(workflow) => workflow,
        Err(reply) => return reply,
    };
    let request: InvokeRequest<'_, Option<Value>> = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => {
            return Reply::invalid_parameter(format!(
                "invalid parameter: the body is not a valid invoke request ({e})"
            ));
        }
    };
    let Some(input) = request.input else {
        return Reply::invalid_parameter("invalid parameter `input`: it is required (the Start node's parameters)");
    };
    let webhooks: Vec<WebhookSpec<'static>> =
        request.webhook.unwrap_or_default().into_iter().map(WebhookSpec::into_owned).collect();
    if let Err(message) = webhook::validate(&webhooks) {
        return Reply::invalid_parameter(message);
    }
    if let Err(rejection) = check_input(&workflow.id, &input) {
        return rejection.into();
    }
    let run = MockRun {
        run_id: state.runs.new_id(),
        user_id: request.user_id.map(Cow::into_owned),
        workflow_id: workflow.id.clone(),
        status: Status::Pending,
        input,
        output: None,
        error: None,
        is_async: request.is_async,
        workflow_name: workflow.script.name.clone(),
        workflow_version: workflow.script.version.clone(),
        cost: workflow.script.cost,
        tokens: workflow.script.tokens,
        start_ms: millis_since_epoch(SystemTime::now()),
        end_ms: None,
    };
    if run.is_async {
        let slot = match state.async_slot(body.len()) {
            Ok(slot) => slot,
            Err(message) => return Reply::error(429, 42900, message),
        };
        let ack = run.ack_json();
        state.runs.insert(run.clone());
        let task_state = Arc::clone(state);
        state.spawn(async move {
            run_async(task_state, workflow, run, webhooks).await;
            drop(slot);
        });
        return Reply::ok(ack);
    }
    tokio::time::sleep(workflow.script.latency).await;
    let result = handler::call(&workflow.handler, run.input.clone()).await;
    match finish(run, result) {
        Ok(run) => {
            let body = run.to_json();
            state.runs.insert(run);
            Reply::ok(body)
        }
        Err(reply) => reply,
    }
}

/// The run ended by a handler's result, or the API error the handler chose instead of a run.
fn finish(mut run: MockRun, result: Result<Value, Rejection>) -> Result<MockRun, Reply> {
    match result {
        Ok(output) => {
            run.status = Status::Succeed;
            run.output = Some(output);
        }
        Err(Rejection { kind: RejectionKind::Failed { message } }) => {
            run.status = Status::Failed;
            run.error = Some(message);
        }
        Err(rejection) => return Err(rejection.into()),
    }
    run.end_ms = Some(millis_since_epoch(SystemTime::now()).max(run.start_ms));
    Ok(run)
}

/// Plays an async run: `PENDING` for half the latency, `RUNNING` for the other half, then the
/// handler's result; then the webhooks.
async fn run_async(state: Arc<Shared>, workflow: Registered, run: MockRun, webhooks: Vec<WebhookSpec<'static>>) {
    let half = workflow.script.latency / 2;
    tokio::time::sleep(half).await;
    state.runs.update(&run.run_id, |run| run.status = Status::Running);
    let result = handler::call(&workflow.handler, run.input.clone()).await;
    tokio::time::sleep(workflow.script.latency.saturating_sub(half)).await;
    let run_id = run.run_id.clone();
    let finished = match finish(run.clone(), result) {
        Ok(finished) => finished,
        // An async run exists already, so an API error from the handler fails it.
        Err(reply) => {
            let mut failed = run;
            failed.status = Status::Failed;
            failed.error = Some(reply.body.get("message").and_then(Value::as_str).unwrap_or_default().to_owned());
            failed.end_ms = Some(millis_since_epoch(SystemTime::now()).max(failed.start_ms));
            failed
        }
    };
    let body = finished.to_json();
    state.runs.update(&run_id, |run| *run = finished);
    state.webhooks.deliver(&run_id, &webhooks, &body).await;
}

/// `POST /v1/workflow/query/result`: the run as it stands.
pub(super) fn query(state: &Shared, authorization: Option<&str>, body: &[u8]) -> Reply {
    let workflow = match authenticate(state, authorization) {
        Ok(workflow) => workflow,
        Err(reply) => return reply,
    };
    let request: QueryRequest<'_> = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => {
            return Reply::invalid_parameter(format!(
                "invalid parameter `workflowRunId`: expected a body like {{\"workflowRunId\": \"...\"}} ({e})"
            ));
        }
    };
    match state.runs.get(&request.workflow_run_id) {
        Some(run) if run.workflow_id == workflow.id => Reply::ok(run.to_json()),
        _ => Reply::error(
            404,
            40348,
            format!("target does not exist: no run `{}` of this workflow", request.workflow_run_id),
        ),
    }
}

/// `GET /v1/workflow/run/logs`: the workflow's runs started in a time window, as GPTBots' run
/// list shows them (every run of the embedded server is an API run).
pub(super) fn run_logs(state: &Shared, authorization: Option<&str>, query: &str) -> Reply {
    let workflow = match authenticate(state, authorization) {
        Ok(workflow) => workflow,
        Err(reply) => return reply,
    };
    let query = match RunLogsQuery::from_query_string(query) {
        Ok(query) => query,
        Err(message) => return Reply::invalid_parameter(message),
    };
    let listed = matches!(query.conversation_type.as_str(), "ALL" | "API");
    let keep = |run: &MockRun| {
        listed
            && run.workflow_id == workflow.id
            && (query.start_time..=query.end_time).contains(&run.start_ms)
            && query.user_id.as_ref().is_none_or(|user| run.user_id.as_ref() == Some(user))
    };
    let offset = (query.page as usize - 1).saturating_mul(query.page_size as usize);
    let (runs, total) = state.runs.page(keep, offset, query.page_size as usize);
    let list = runs
        .into_iter()
        .map(|run| RunLogRow {
            log_id: format!("log_{}", run.run_id),
            input: run.input.to_string(),
            output: run.output.as_ref().map_or_else(String::new, Value::to_string),
            workflow_run_id: run.run_id,
            create_time: run.start_ms,
        })
        .collect();
    let page = RunLogsPage { code: 0, message: "OK", data: RunLogsData { list, total: total as u64 } };
    Reply::ok(serde_json::to_value(page).unwrap_or(Value::Null))
}

/// `GET /v1/api-key/verify`: which workflow the key belongs to.
pub(super) fn verify(state: &Shared, authorization: Option<&str>) -> Reply {
    match authenticate(state, authorization) {
        Ok(workflow) => Reply::ok(json!({
            "type": "workflow",
            "workflowId": workflow.id,
            "workflowName": workflow.script.name,
        })),
        Err(reply) => reply,
    }
}

/// The answer to a path the API does not have.
pub(super) fn not_found(method: &str, path: &str) -> Reply {
    Reply::error(404, 40348, format!("target does not exist: no endpoint {method} {path}"))
}

#[cfg(test)]
mod tests {
    use super::bearer_key;

    #[test]
    fn the_key_is_read_with_or_without_the_bearer_scheme() {
        assert_eq!(bearer_key("Bearer app-1"), "app-1");
        assert_eq!(bearer_key("bearer   app-1 "), "app-1");
        assert_eq!(bearer_key("app-1"), "app-1");
    }
}
