//! The one place where an invoke's `input` is checked before any handler runs.

use serde_json::Value;

use super::handler::Rejection;

/// Checks `input` against what workflow `workflow_id` accepts and answers code 40000 naming
/// the failing field when it does not fit, as GPTBots does.
///
/// Every invoke passes here, typed and raw handlers alike, before its run is created. Today it
/// only requires an object (typed handlers then report a field that does not fit their input
/// struct, also as code 40000); checking against the workflow's input schema from the
/// [catalogue](crate::catalogue) belongs here.
pub(super) fn check_input(workflow_id: &str, input: &Value) -> Result<(), Rejection> {
    if input.is_object() {
        Ok(())
    } else {
        Err(Rejection::invalid_parameter(format!(
            "invalid parameter `input` of workflow `{workflow_id}`: expected a JSON object of the Start node's parameters"
        )))
    }
}
