//! What an output type must be, and the check of its fields against a `.flow`'s End node.

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A type that can be a workflow's output: it deserializes from the End node's output and has
/// a JSON Schema for the catalogue. `#[workflow_output]` derives both.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the output of a workflow",
    label = "the End node's output is decoded into this type",
    note = "add `#[gptbots_runtime::workflow_output]` to `{Self}`: an output needs `Deserialize` and `JsonSchema`, which it derives"
)]
pub trait WorkflowOutput {
    /// `Self`, with the bounds an output needs: code generic over outputs names the type as
    /// `<T as WorkflowOutput>::Itself` to rely on them.
    type Itself: DeserializeOwned + JsonSchema + Send + 'static;
}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + JsonSchema + Send + 'static> WorkflowOutput for T {
    type Itself = T;
}

/// The wire names of an output type's fields, for the check against an End node that returns
/// variables. `#[workflow_output]` implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not list its fields, so they cannot be checked against the End node",
    label = "the workflow's End node returns variables",
    note = "make the output a struct with `#[gptbots_runtime::workflow_output]`, so the compiler checks its fields against the End node's variables, or a map or `serde_json::Value` to accept any variables"
)]
pub trait OutputFields {
    /// For each field that must be an End-node variable, the names it is read from: its wire
    /// name, then its serde `alias`es. A field fits when one of them is a variable.
    const FIELDS: &'static [&'static [&'static str]];
    /// For each field of [`OutputFields::FIELDS`], the error shown when it is not an End-node
    /// variable.
    const NOT_IN_END_NODE: &'static [&'static str];
}

/// Any variables fit a map.
impl<V> OutputFields for HashMap<String, V> {
    const FIELDS: &'static [&'static [&'static str]] = &[];
    const NOT_IN_END_NODE: &'static [&'static str] = &[];
}

/// Any variables fit a map.
impl<V> OutputFields for BTreeMap<String, V> {
    const FIELDS: &'static [&'static [&'static str]] = &[];
    const NOT_IN_END_NODE: &'static [&'static str] = &[];
}

/// Any variables fit a JSON value.
impl OutputFields for serde_json::Value {
    const FIELDS: &'static [&'static [&'static str]] = &[];
    const NOT_IN_END_NODE: &'static [&'static str] = &[];
}

/// Fails to compile (a const-evaluation error) when a field of `O` is not among the
/// `end_variables` of the End node.
pub const fn assert_output_fields<O: OutputFields + ?Sized>(end_variables: &[&str]) {
    let mut i = 0;
    while i < O::FIELDS.len() {
        if !any_contained(end_variables, O::FIELDS[i]) {
            panic!("{}", O::NOT_IN_END_NODE[i]);
        }
        i += 1;
    }
}

const fn any_contained(haystack: &[&str], needles: &[&str]) -> bool {
    let mut i = 0;
    while i < needles.len() {
        if contains(haystack, needles[i]) {
            return true;
        }
        i += 1;
    }
    false
}

const fn contains(haystack: &[&str], needle: &str) -> bool {
    let mut i = 0;
    while i < haystack.len() {
        if str_eq(haystack[i], needle) {
            return true;
        }
        i += 1;
    }
    false
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Digest;
    impl OutputFields for Digest {
        const FIELDS: &'static [&'static [&'static str]] = &[&["news"], &["count", "total"]];
        const NOT_IN_END_NODE: &'static [&'static str] = &["news missing", "count missing"];
    }

    #[test]
    fn fields_that_are_all_end_variables_pass() {
        assert_output_fields::<Digest>(&["count", "extra", "news"]);
    }

    #[test]
    fn a_field_fits_under_an_alias() {
        assert_output_fields::<Digest>(&["news", "total"]);
    }

    #[test]
    #[should_panic(expected = "count missing")]
    fn a_field_missing_from_the_end_node_names_that_field() {
        assert_output_fields::<Digest>(&["news", "counts"]);
    }
}
