//! The span fields every call records, declared once: the call spans (`gptbots.invoke`,
//! `gptbots.submit`, `gptbots.query`, `gptbots.verify_key`, `gptbots.run_logs`) and what ends
//! them. The field names and their meaning are the crate docs' "Tracing" table.
//!
//! Figures known only at the end are declared `Empty` and recorded when the call ends, and only
//! when a subscriber listens: a disabled span costs a branch, never an allocation.

use tracing::Span;

use crate::{Error, Run};

/// `otel.status_code` of a failed call or attempt (read by `tracing-opentelemetry`).
pub(crate) const FAILED: &str = "ERROR";

/// A call span named `$name` for GenAI operation `$operation` on workflow `$workflow_id`;
/// `$run_id` is the run's id when known (`Option<&str>`), filled in later otherwise.
macro_rules! call_span {
    ($name:literal, $operation:literal, $workflow_id:expr, $run_id:expr) => {
        tracing::info_span!(
            $name,
            gen_ai.operation.name = $operation,
            gen_ai.provider.name = "gptbots",
            gptbots.workflow_id = $workflow_id,
            gptbots.run_id = $run_id,
            gptbots.cost = tracing::field::Empty,
            gen_ai.usage.total_tokens = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        )
    };
}
pub(crate) use call_span;

/// Records how a call ended on its span: the run's id and figures, or the error's kind (and the
/// run id and cost it names).
pub(crate) fn record_end<O>(span: &Span, result: &Result<Run<O>, Error>) {
    if span.is_disabled() {
        return;
    }
    match result {
        Ok(run) => {
            span.record("gptbots.run_id", run.run_id.as_str());
            span.record("gptbots.cost", run.cost);
            span.record("gen_ai.usage.total_tokens", run.tokens);
        }
        Err(error) => record_error(span, error),
    }
}

/// Records a failure on `span`: `error.type` (the [`Error`] variant), `otel.status_code`, and
/// the run id and cost the error names.
pub(crate) fn record_error(span: &Span, error: &Error) {
    if span.is_disabled() {
        return;
    }
    span.record("error.type", error.variant());
    span.record("otel.status_code", FAILED);
    if let Some(run_id) = error.run_id() {
        span.record("gptbots.run_id", run_id);
    }
    span.record("gptbots.cost", error.cost());
}
