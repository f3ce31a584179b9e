//! `gptbots invoke` and `gptbots wait`.

use serde_json::json;

use crate::support::{BROKEN, NEWS, Served, json_of, run, text};

#[test]
fn a_run_prints_its_output_on_stdout_and_its_facts_on_stderr() {
    let served = Served::start();

    let output = run(served.configured().args(["invoke", NEWS, "--input", r#"{"topic": "Rust"}"#]), 0, &served.keys());

    assert_eq!(json_of(&output), json!({ "news": [{ "title": "Rust #1" }] }));
    let run_id = served.news.runs()[0].run_id.clone();
    let stderr = text(&output.stderr);
    for fact in [run_id.as_str(), "SUCCEED", "0.5 credits", "120 tokens"] {
        assert!(stderr.contains(fact), "{fact} missing: {stderr}");
    }
    assert_eq!(served.news.invocations(), 1);
}

#[test]
fn the_input_comes_from_a_file_or_standard_input_and_the_user_id_is_sent() {
    let served = Served::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.json");
    std::fs::write(&file, r#"{"topic": "Files"}"#).unwrap();

    let from_file = run(served.configured().args(["invoke", NEWS, "--input-file"]).arg(&file), 0, &served.keys());
    let from_stdin = run(
        served
            .configured()
            .args(["invoke", NEWS, "--input-file", "-", "--user-id", "customer-7"])
            .write_stdin(r#"{"topic": "Pipes"}"#),
        0,
        &served.keys(),
    );

    assert_eq!(json_of(&from_file)["news"][0]["title"], "Files #1");
    assert_eq!(json_of(&from_stdin)["news"][0]["title"], "Pipes #1");
    assert_eq!(served.news.runs()[1].user_id.as_deref(), Some("customer-7"));
}

#[test]
fn a_failed_run_exits_1_naming_the_run() {
    let served = Served::start();

    let output = run(served.configured().args(["invoke", BROKEN, "--input", "{}"]), 1, &served.keys());

    let run_id = served.broken.runs()[0].run_id.clone();
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&run_id) && stderr.contains("the model is overloaded"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_async_run_prints_its_id_and_wait_prints_its_output() {
    let served = Served::start();

    let submitted = run(
        served.configured().args(["invoke", NEWS, "--async", "--input", r#"{"topic": "Later"}"#]),
        0,
        &served.keys(),
    );
    let run_id = text(&submitted.stdout).trim().to_owned();
    assert_eq!(served.news.runs()[0].run_id, run_id);

    let waited = run(served.configured().args(["wait", NEWS, &run_id]), 0, &served.keys());
    assert_eq!(json_of(&waited)["news"][0]["title"], "Later #1");
    assert!(text(&waited.stderr).contains(&run_id));

    let as_json =
        run(served.configured().args(["invoke", NEWS, "--async", "--json", "--input", "{}"]), 0, &served.keys());
    assert_eq!(json_of(&as_json)["workflowId"], NEWS);
    assert_eq!(served.news.invocations(), 2, "waiting only queries");
}

#[test]
fn waiting_on_a_failed_run_exits_1_and_on_an_unknown_run_2() {
    let served = Served::start();
    let submitted = run(served.configured().args(["invoke", BROKEN, "--async", "--input", "{}"]), 0, &served.keys());
    let run_id = text(&submitted.stdout).trim().to_owned();

    let failed = run(served.configured().args(["wait", BROKEN, &run_id]), 1, &served.keys());
    assert!(text(&failed.stderr).contains(&run_id), "{}", text(&failed.stderr));

    let unknown = run(served.configured().args(["wait", NEWS, "no-such-run"]), 2, &served.keys());
    assert!(text(&unknown.stderr).contains("40348"), "{}", text(&unknown.stderr));
}

#[test]
fn bad_inputs_and_bad_usage_exit_2_before_anything_is_sent() {
    let served = Served::start();

    let not_json = run(served.configured().args(["invoke", NEWS, "--input", "{topic"]), 2, &served.keys());
    assert!(text(&not_json.stderr).contains("--input is not JSON"), "{}", text(&not_json.stderr));
    let not_object = run(served.configured().args(["invoke", NEWS, "--input", "[1]"]), 2, &served.keys());
    assert!(text(&not_object.stderr).contains("an array"), "{}", text(&not_object.stderr));
    run(served.configured().args(["invoke", NEWS]), 2, &served.keys());
    run(served.configured().args(["invoke", NEWS, "--input", "{}", "--input-file", "x"]), 2, &served.keys());
    run(served.configured().args(["frobnicate"]), 2, &served.keys());
    let no_key = run(served.gptbots().args(["invoke", NEWS, "--input", "{}"]), 2, &[]);
    assert!(text(&no_key.stderr).contains("GPTBOTS_API_KEY_WF_TODAY_NEWS"), "{}", text(&no_key.stderr));

    assert_eq!(served.server.runs().len(), 0);
}
