//! The fixtures of `tests/flows/`: every way real exports differ from the documented format.

use gptbots_flow::{EndMode, Flow, FlowError, FlowErrorKind, Json, Location, ParamType, read};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/flows/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn flow(name: &str) -> Result<Flow, FlowError> {
    read(&fixture(name), name)
}

fn error(name: &str) -> FlowError {
    match flow(name) {
        Ok(flow) => panic!("{name} was read: {flow:?}"),
        Err(err) => err,
    }
}

fn array(item: ParamType) -> ParamType {
    ParamType::Array(Box::new(item))
}

#[test]
fn the_documented_example() -> Result<(), FlowError> {
    let flow = flow("today-news.flow")?;
    assert_eq!(flow.name.as_deref(), Some("todayNews"));
    assert_eq!(flow.export_time.as_deref(), Some("1767225600000"));
    let params: Vec<_> = flow.start.iter().map(|p| (p.name.as_str(), p.ty.clone(), p.required)).collect();
    assert_eq!(
        params,
        [
            ("topic", ParamType::String, true),
            ("maxItems", ParamType::Integer, false),
            ("languages", array(ParamType::String), false),
        ]
    );
    assert_eq!(flow.start[0].description.as_deref(), Some("What the digest is about"));
    assert_eq!(flow.end.mode, EndMode::Variable);
    assert_eq!(flow.end.variables.len(), 1);
    assert_eq!((flow.end.variables[0].name.as_str(), &flow.end.variables[0].ty), ("news", &array(ParamType::Object)));
    Ok(())
}

#[test]
fn a_byte_order_mark_is_skipped() -> Result<(), FlowError> {
    assert_eq!(flow("bom.flow")?, flow("today-news.flow")?);
    Ok(())
}

#[test]
fn a_builder_export_with_is_required_value_defaults_file_kinds_and_a_loop() -> Result<(), FlowError> {
    let flow = flow("builder-export.flow")?;
    assert_eq!(flow.export_time.as_deref(), Some("2026-03-01T09:30:00Z"));
    let params: Vec<_> =
        flow.start.iter().map(|p| (p.name.as_str(), p.ty.clone(), p.required, p.must_be_sent())).collect();
    assert_eq!(
        params,
        [
            // `value: ""` is the builder's "no default".
            ("title", ParamType::String, true, true),
            ("price", ParamType::Number, true, false),
            ("photo", ParamType::File, true, true),
            ("manual", ParamType::File, false, false),
            ("gallery", array(ParamType::File), false, false),
            ("clips", array(ParamType::File), false, false),
            ("publish", ParamType::Boolean, true, false),
            ("attributes", ParamType::Object, false, false),
            ("scores", array(ParamType::Number), false, false),
            ("listedOn", ParamType::String, false, false),
        ]
    );
    assert_eq!(flow.start[1].default, Some(Json::Number("9.5".into())));
    assert_eq!(flow.start[7].default.as_ref().map(Json::to_string).as_deref(), Some(r#"{"colour":"red"}"#));
    assert_eq!(flow.start[0].description.as_deref(), Some("Listing title"));
    assert_eq!(flow.start[3].description, None, "an empty `desc` is no description");
    // The LOOP's own Start and End nodes are not the workflow's.
    let names: Vec<_> = flow.end.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["verdict", "report", "captions"]);
    let report = &flow.end.variables[1];
    assert_eq!(report.ty, ParamType::Object);
    let fields: Vec<_> = report.fields.iter().map(|f| (f.name.as_str(), f.ty.clone())).collect();
    assert_eq!(fields, [("issues", array(ParamType::String)), ("score", ParamType::Integer)]);
    assert_eq!(flow.end.variables[0].description.as_deref(), Some("accept or reject"));
    Ok(())
}

#[test]
fn a_workflow_without_parameters_end_param_or_export_time() -> Result<(), FlowError> {
    let flow = flow("no-parameters.flow")?;
    assert!(flow.start.is_empty());
    assert_eq!(flow.export_time, None);
    assert_eq!(flow.end.mode, EndMode::Unspecified);
    assert!(flow.end.variables.is_empty());
    Ok(())
}

#[test]
fn end_variables_named_under_end_param_and_node_types_in_another_case() -> Result<(), FlowError> {
    let flow = flow("end-variables-in-end-param.flow")?;
    assert_eq!(flow.start[0].ty, ParamType::String);
    let names: Vec<_> = flow.end.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["forecast", "warning"]);
    Ok(())
}

#[test]
fn a_text_end_node_keeps_its_template() -> Result<(), FlowError> {
    let flow = flow("unknown-type.flow")?;
    assert_eq!(flow.end.mode, EndMode::Text);
    assert_eq!(flow.end.text.as_deref(), Some("{{llm-1.text}}"));
    assert_eq!(flow.start[1].ty, ParamType::Unknown("EMBEDDING".into()));
    Ok(())
}

#[test]
fn every_type_of_the_all_types_fixture() -> Result<(), FlowError> {
    let flow = flow("all-types.flow")?;
    let unknown: Vec<_> =
        flow.start.iter().filter(|p| matches!(p.ty, ParamType::Unknown(_))).map(|p| &p.name).collect();
    assert_eq!(unknown, ["vector"]);
    assert_eq!(flow.param("files").map(|p| &p.ty), Some(&array(ParamType::File)));
    assert_eq!(flow.param("when").map(|p| &p.ty), Some(&ParamType::String));
    assert_eq!(flow.param("limit").and_then(|p| p.default.clone()), Some(Json::Number("10".into())));
    Ok(())
}

#[test]
fn an_agent_export_is_named_as_such() {
    let err = error("agent.bot");
    assert_eq!(err.kind, FlowErrorKind::AgentExport { bot_type: Some("Flow".into()) });
    assert_eq!(
        err.to_string(),
        "`agent.bot` is an agent export (`exportType: \"BOT\"` of type `Flow`), not a workflow: agents are not called through workflow ids; export the workflow itself (a `.flow` file) from GPTBots"
    );
}

#[test]
fn zero_or_several_start_or_end_nodes_are_errors_naming_the_file() {
    assert_eq!(error("no-start.flow").kind, FlowErrorKind::NoNode { node_type: "START" });
    assert_eq!(error("no-end.flow").kind, FlowErrorKind::NoNode { node_type: "END" });
    assert!(error("no-end.flow").to_string().starts_with("`no-end.flow` has no END node"));
    let two_ends = error("two-ends.flow");
    assert_eq!(
        two_ends.to_string(),
        "`two-ends.flow` has 2 top-level END nodes (at lines 6, 7), but a workflow has exactly one; one is spelt `end` rather than GPTBots' `END`, which GPTBots' importer rejects: remove the extra ones in GPTBots and export the workflow again"
    );
    assert!(matches!(error("two-starts.flow").kind, FlowErrorKind::SeveralNodes { node_type: "START", .. }));
}

#[test]
fn broken_files_are_located() {
    let invalid = error("invalid-json.flow");
    assert_eq!(invalid.location, Some(Location { line: 4, column: 57 }));
    assert!(invalid.to_string().contains("expected `,` or `}` in an object at line 4, column 57"), "{invalid}");
    let unnamed = error("unnamed-parameter.flow");
    assert_eq!(unnamed.kind, FlowErrorKind::Unnamed { what: "parameter", index: 2 });
    assert_eq!(unnamed.location, Some(Location { line: 8, column: 11 }));
    let duplicate = error("duplicate-parameter.flow");
    assert_eq!(
        duplicate.to_string(),
        "the Start node in `duplicate-parameter.flow` has two parameters named `topic` at line 8, column 11: rename one in GPTBots and export the workflow again"
    );
    let not_utf8 = error("not-utf8.flow");
    assert_eq!((not_utf8.kind, not_utf8.location), (FlowErrorKind::NotUtf8, Some(Location { line: 1, column: 40 })));
}

#[test]
fn other_exports_and_shapes() {
    let other = read(br#"{"exportType": "KNOWLEDGE"}"#, "kb.json").unwrap_err();
    assert_eq!(other.kind, FlowErrorKind::NotAWorkflowExport { export_type: "KNOWLEDGE".into() });
    assert_eq!(read(b"{}", "empty.flow").unwrap_err().kind, FlowErrorKind::NoNodes);
    assert!(matches!(read(b"", "zero.flow").unwrap_err().kind, FlowErrorKind::NotJson { .. }));
    // `exportTime` of any other kind is ignored, not an error.
    let odd_time = br#"{"exportTime": null, "workflow": {"workflowNodes": [{"type": "START"}, {"type": "END"}]}}"#;
    assert_eq!(read(odd_time, "t.flow").map(|f| f.export_time), Ok(None));
}

#[test]
fn a_variable_without_a_name_is_an_error() {
    let text = br#"{"workflow": {"workflowNodes": [{"type": "START"},
        {"type": "END", "endParam": {"outputType": "VARIABLE"}, "inputs": [{"name": "a"}, {"value": "x"}]}]}}"#;
    let err = read(text, "v.flow").unwrap_err();
    assert_eq!(err.kind, FlowErrorKind::Unnamed { what: "variable", index: 2 });
    assert!(err.to_string().starts_with("variable #2 of the End node in `v.flow` at line 2"), "{err}");
}

#[test]
fn end_variables_without_a_name_or_twice_are_errors_and_an_export_without_nodes_is_named() {
    assert_eq!(error("unnamed-end-variable.flow").kind, FlowErrorKind::Unnamed { what: "variable", index: 2 });
    assert_eq!(
        error("duplicate-end-variable.flow").to_string(),
        "the End node in `duplicate-end-variable.flow` has two variables named `answer` at line 9, column 11: rename one in GPTBots and export the workflow again"
    );
    assert_eq!(error("no-nodes.flow").kind, FlowErrorKind::NoNodes);
}
