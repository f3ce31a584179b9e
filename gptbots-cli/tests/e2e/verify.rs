//! `gptbots verify`.

use serde_json::json;

use crate::support::{Served, json_of, run, text};

#[test]
fn each_key_is_named_with_its_workflow_and_checked_against_its_variable() {
    let served = Served::start();

    let output = run(served.configured().arg("verify"), 0, &served.keys());

    let reports = json_of(&output);
    let news = &reports.as_array().unwrap().iter().find(|r| r["key"] == "GPTBOTS_API_KEY_WF_TODAY_NEWS").unwrap();
    assert_eq!(
        (&news["type"], &news["id"], &news["matches"]),
        (&json!("workflow"), &json!("wf_today_news"), &json!(true))
    );
    assert_eq!(news["answer"]["workflowId"], "wf_today_news", "--json shows the raw answer");
    assert_eq!(served.news.invocations(), 0, "verifying runs nothing");
}

#[test]
fn a_key_of_another_workflow_fails_the_check_with_1() {
    let served = Served::start();
    let mut command = served.gptbots();
    command.env("GPTBOTS_API_KEY_WF_BROKEN", served.news.key()).arg("verify");

    let output = run(&mut command, 1, &served.keys());

    let reports = json_of(&output);
    assert_eq!(reports[0]["matches"], false);
    assert_eq!(reports[0]["id"], "wf_today_news");
    assert!(text(&output.stderr).contains("GPTBOTS_API_KEY_WF_BROKEN"), "{}", text(&output.stderr));
}

#[test]
fn a_key_the_server_refuses_fails_the_check_and_is_not_printed() {
    let served = Served::start();
    let made_up = "app-made-up-key-not-on-this-server".to_owned();
    let mut command = served.gptbots();
    command.env("GPTBOTS_API_KEY", &made_up).arg("verify");

    let output = run(&mut command, 1, &[made_up]);

    let reports = json_of(&output);
    assert_eq!(reports[0]["key"], "GPTBOTS_API_KEY");
    assert!(reports[0]["error"].as_str().unwrap().contains("40127"), "{reports}");
}

#[test]
fn the_key_file_is_the_default_key() {
    let served = Served::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    std::fs::write(&path, format!("{}\n", served.news.key())).unwrap();

    let output = run(served.gptbots().arg("verify").arg("--key-file").arg(&path), 0, &served.keys());

    let reports = json_of(&output);
    assert_eq!(reports[0]["key"], format!("--key-file {}", path.display()));
    assert_eq!(reports[0]["id"], "wf_today_news");
    assert_eq!(reports[0]["matches"], serde_json::Value::Null, "the default key serves any workflow");
}

#[test]
fn no_key_at_all_is_a_configuration_error() {
    let served = Served::start();
    let output = run(served.gptbots().arg("verify"), 2, &[]);
    assert!(text(&output.stderr).contains("GPTBOTS_API_KEY"), "{}", text(&output.stderr));
}
