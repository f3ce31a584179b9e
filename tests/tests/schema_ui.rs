//! An output type without a JSON Schema is a readable compile error.

#[test]
fn output_without_schema() {
    trybuild::TestCases::new().compile_fail("tests/schema_ui/*.rs");
}
