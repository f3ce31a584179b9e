//! The durable batch example killed with SIGKILL mid-way and run again: on the embedded server,
//! every input is submitted exactly once and every output is recovered.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gptbots_runtime::mock::{Endpoint, MockServer};
use serde_json::{Value, json};

const LINES: usize = 40;

/// The example binary, which `cargo test` builds beside this test's own binary (built here
/// when only this test was asked for).
fn example() -> PathBuf {
    let mut path = std::env::current_exe().expect("test binary path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    let example = path.join("examples").join(format!("durable_batch{}", std::env::consts::EXE_SUFFIX));
    if !example.exists() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let built = Command::new(cargo)
            .args(["build", "-p", "gptbots-examples", "--example", "durable_batch"])
            .status()
            .expect("run cargo");
        assert!(built.success(), "the example did not build");
    }
    example
}

fn batch(server: &MockServer, key: &str, journal: &PathBuf, inputs: &PathBuf) -> Command {
    let mut command = Command::new(example());
    command
        .arg(journal)
        .arg(inputs)
        .env("GPTBOTS_API_KEY", key)
        .env("GPTBOTS_BASE_URL", server.url())
        .env("GPTBOTS_IN_DOUBT_GRACE_SECS", "1")
        .stdin(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_mid_way_and_run_again_pays_each_input_once_and_recovers_every_output() {
    let server = MockServer::start().await.expect("embedded server");
    let workflow = server.register_raw("wf_today_news", |input: Value| async move {
        let topic = input["topic"].as_str().unwrap_or_default().to_owned();
        Ok(json!({ "news": [{ "title": format!("{topic}: the story"), "media": "Test Wire", "summary": "." }] }))
    });
    workflow.cost(0.5).latency(Duration::from_millis(300));
    let dir = tempfile::tempdir().expect("temp dir");
    let (journal, inputs) = (dir.path().join("runs.db"), dir.path().join("inputs.jsonl"));
    let lines: Vec<String> = (1..=LINES).map(|i| json!({ "topic": format!("topic {i}") }).to_string()).collect();
    std::fs::write(&inputs, lines.join("\n") + "\n").expect("write inputs");

    // Kill the first run once some inputs were submitted and before all could finish.
    let mut first = batch(&server, workflow.key(), &journal, &inputs).stdout(Stdio::null()).spawn().expect("start");
    let started = Instant::now();
    while workflow.invocations() < 12 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    let before = workflow.invocations();
    assert!(before < LINES, "the kill came after every submit ({before})");

    let second = tokio::task::spawn_blocking({
        let mut command = batch(&server, workflow.key(), &journal, &inputs);
        move || command.output()
    })
    .await
    .expect("join")
    .expect("run again");
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));

    // Every input line printed once, with its own output.
    let stdout = String::from_utf8_lossy(&second.stdout);
    let mut printed: Vec<(usize, String)> = stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields[0].parse().expect("line number"), fields[2].to_owned())
        })
        .collect();
    printed.sort();
    let expected: Vec<(usize, String)> = (1..=LINES).map(|i| (i, format!("topic {i}: the story"))).collect();
    assert_eq!(printed, expected);

    // Each input was submitted exactly once across both runs.
    let mut submits: HashMap<String, usize> = HashMap::new();
    for request in server.requests_to(Endpoint::Invoke) {
        let topic = request.json().and_then(|body| body["input"]["topic"].as_str().map(str::to_owned));
        *submits.entry(topic.expect("an invoke carries its input")).or_default() += 1;
    }
    assert_eq!(submits.len(), LINES);
    assert!(submits.values().all(|&count| count == 1), "{submits:?}");
    assert_eq!(workflow.invocations(), LINES, "runs submitted equal the input lines");
}
