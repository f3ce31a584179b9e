//! The one place where an invoke's `input` is checked before any handler runs.

use serde_json::Value;

use super::handler::Rejection;

/// Checks `input` against what workflow `workflow_id` accepts and answers code 40000 naming
/// the failing field when it does not fit, as GPTBots does.
///
/// Every invoke passes here, typed and raw handlers alike, before its run is created: `input`
/// must be an object that fits the input schema of the workflow in the
/// [catalogue](crate::catalogue) (a workflow played by a raw handler and absent from the
/// catalogue is only checked for being an object).
pub(super) fn check_input(workflow_id: &str, input: &Value) -> Result<(), Rejection> {
    if !input.is_object() {
        return Err(Rejection::invalid_parameter(format!(
            "invalid parameter `input` of workflow `{workflow_id}`: expected a JSON object of the Start node's parameters"
        )));
    }
    crate::input_validation::validate_input(workflow_id, input)
        .map_err(|invalid| Rejection::invalid_parameter(invalid.to_string()))
}
