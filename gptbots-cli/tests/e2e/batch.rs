//! `gptbots batch`: results in input order, a journal that answers a second run, a budget, a
//! broken inputs file refused before any submit, and a batch killed mid-way and run again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use gptbots_runtime::mock::{MockWorkflow, Rejection};
use serde_json::{Value, json};

use crate::support::{NEWS, Served, run, text};

const PICKY: &str = "wf_picky";

/// A workflow that fails on the topic "fail", beside the served ones.
fn picky(served: &Served) -> MockWorkflow {
    let picky = served.server.register_raw(PICKY, |input: Value| async move {
        match input["topic"].as_str() {
            Some("fail") => Err(Rejection::failed("the topic is not news")),
            topic => Ok(json!({ "headline": topic.unwrap_or_default().to_uppercase() })),
        }
    });
    picky.cost(0.25).tokens(7);
    picky
}

fn write_inputs(dir: &Path, lines: &[&str]) -> PathBuf {
    let path = dir.join("inputs.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn results_of(text: &str) -> Vec<Value> {
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

#[test]
fn results_come_one_line_per_input_in_order_and_a_second_run_answers_from_the_journal() {
    let served = Served::start();
    let picky = picky(&served);
    let dir = tempfile::tempdir().unwrap();
    let inputs =
        write_inputs(dir.path(), &[r#"{"topic": "a"}"#, "", r#"{"topic": "fail"}"#, "  ", r#"{"topic": "c"}"#]);
    let journal = dir.path().join("runs.db");
    let mut keys = served.keys();
    keys.push(picky.key().to_owned());
    let batch = || {
        let mut command = served.gptbots();
        command
            .env("GPTBOTS_API_KEY_WF_PICKY", picky.key())
            .args(["batch", PICKY])
            .arg(&inputs)
            .arg("--journal")
            .arg(&journal);
        command
    };

    let first = run(batch().args(["--concurrency", "3"]), 1, &keys);
    let results = results_of(&text(&first.stdout));
    let runs: HashMap<String, String> =
        picky.runs().into_iter().map(|run| (run.input["topic"].as_str().unwrap().to_owned(), run.run_id)).collect();
    assert_eq!(
        results,
        [
            json!({ "line": 1, "runId": runs["a"], "status": "SUCCEED", "output": { "headline": "A" }, "cost": 0.25, "tokens": 7 }),
            json!({ "line": 3, "runId": runs["fail"], "error": results[1]["error"], "cost": 0.25 }),
            json!({ "line": 5, "runId": runs["c"], "status": "SUCCEED", "output": { "headline": "C" }, "cost": 0.25, "tokens": 7 }),
        ]
    );
    assert!(results[1]["error"].as_str().unwrap().contains("the topic is not news"), "{}", results[1]);
    let stderr = text(&first.stderr);
    assert!(stderr.contains("1 of 3 inputs failed") && stderr.contains("line 3"), "{stderr}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\r'), "no progress bar off a terminal: {stderr:?}");

    let out = dir.path().join("results.jsonl");
    let requests = served.server.requests().len();
    let again = run(batch().arg("--out").arg(&out), 1, &keys);
    assert!(again.stdout.is_empty(), "the results went to --out");
    assert_eq!(results_of(&std::fs::read_to_string(&out).unwrap()), results);
    assert_eq!(served.server.requests().len(), requests, "the second run sent nothing");
    assert!(text(&again.stderr).contains("3 answered from the journal"), "{}", text(&again.stderr));
}

#[test]
fn a_broken_line_is_refused_before_anything_is_submitted() {
    let served = Served::start();
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_inputs(dir.path(), &[r#"{"topic": "a"}"#, r#"["not", "an", "object"]"#, "{"]);
    let journal = dir.path().join("runs.db");

    let output =
        run(served.configured().args(["batch", NEWS]).arg(&inputs).arg("--journal").arg(&journal), 2, &served.keys());

    let stderr = text(&output.stderr);
    assert!(stderr.contains("inputs.jsonl line 2: not a JSON object"), "{stderr}");
    assert!(served.server.requests().is_empty(), "nothing was sent");
    assert!(output.stdout.is_empty());
}

#[test]
fn the_budget_stops_submits_and_a_journal_of_another_workflow_is_refused() {
    let served = Served::start();
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=5).map(|i| json!({ "topic": format!("t{i}") }).to_string()).collect();
    let inputs = write_inputs(dir.path(), &lines.iter().map(String::as_str).collect::<Vec<_>>());
    let journal = dir.path().join("runs.db");
    let batch = |workflow: &str| {
        let mut command = served.configured();
        command.args(["batch", workflow]).arg(&inputs).arg("--journal").arg(&journal);
        command
    };

    // Each run costs 0.5: a budget of 1.2 pays for two.
    let output = run(batch(NEWS).args(["--budget", "1.2", "--concurrency", "1"]), 1, &served.keys());
    let results = results_of(&text(&output.stdout));
    assert_eq!(results.len(), 5);
    assert_eq!(results.iter().filter(|r| r["status"] == "SUCCEED").count(), 2, "{results:?}");
    let refused: Vec<&Value> = results.iter().filter(|r| r.get("error").is_some()).collect();
    assert!(refused.iter().all(|r| r["runId"].is_null() && r["error"].as_str().unwrap().contains("budget")));
    assert_eq!(served.news.invocations(), 2);

    let other = run(&mut batch("wf_broken"), 2, &served.keys());
    assert!(text(&other.stderr).contains("records a batch of workflow `wf_today_news`"), "{}", text(&other.stderr));

    let usage = run(batch(NEWS).args(["--budget", "-1"]), 2, &served.keys());
    assert!(text(&usage.stderr).contains("not a number of credits"), "{}", text(&usage.stderr));
}

#[test]
fn a_batch_killed_mid_way_and_run_again_submits_each_input_once_and_completes_the_results() {
    const LINES: usize = 24;
    let served = Served::start();
    served.news.latency(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=LINES).map(|i| json!({ "topic": format!("topic {i}") }).to_string()).collect();
    let inputs = write_inputs(dir.path(), &lines.iter().map(String::as_str).collect::<Vec<_>>());
    let (journal, out) = (dir.path().join("runs.db"), dir.path().join("results.jsonl"));
    let command = || {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("gptbots"));
        command
            .args(["batch", NEWS])
            .arg(&inputs)
            .arg("--journal")
            .arg(&journal)
            .arg("--out")
            .arg(&out)
            .args(["--concurrency", "3", "--in-doubt-grace", "1"])
            .env("GPTBOTS_BASE_URL", served.server.url())
            .env("GPTBOTS_API_KEY_WF_TODAY_NEWS", served.news.key())
            .env_remove("GPTBOTS_API_KEY")
            .stdin(Stdio::null());
        command
    };

    let mut first = command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while served.news.invocations() < 8 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let before = served.news.invocations();
    assert!(before < LINES, "the kill came after every submit ({before})");

    let again = command().output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));

    let results = results_of(&std::fs::read_to_string(&out).unwrap());
    let lines: Vec<u64> = results.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, (1..=LINES as u64).collect::<Vec<_>>(), "one line per input, in order");
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result["output"]["news"][0]["title"], format!("topic {} #1", i + 1), "{result}");
    }
    let mut submits: HashMap<String, usize> = HashMap::new();
    for run in served.news.runs() {
        *submits.entry(run.input["topic"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    assert_eq!(submits.len(), LINES);
    assert!(submits.values().all(|&count| count == 1), "an input was submitted twice: {submits:?}");
    assert_eq!(served.news.invocations(), LINES);
}
