//! `gptbots mock`: the embedded server as a process of its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

use gptbots_runtime::Client;
use gptbots_runtime::async_run::{PollPolicy, Webhook};
use serde_json::{Value, json};

use crate::support::{bare, run, text};

/// A `gptbots mock` process, stopped with SIGTERM on drop if still running.
struct MockProcess {
    child: Child,
    started: Value,
}

impl MockProcess {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("gptbots"))
            .arg("mock")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gptbots mock starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the start line");
        let started =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("the start line is not JSON ({e}): {line}"));
        MockProcess { child, started }
    }

    fn url(&self) -> &str {
        self.started["url"].as_str().unwrap()
    }

    fn key(&self, id: &str) -> String {
        let workflows = self.started["workflows"].as_array().unwrap();
        workflows.iter().find(|w| w["id"] == id).unwrap()["key"].as_str().unwrap().to_owned()
    }

    /// SIGTERM, then its exit code and stderr.
    fn stop(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let mut stderr: ChildStderr = self.child.stderr.take().unwrap();
        let mut shown = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut shown).unwrap();
        let code = self.child.wait().unwrap().code();
        (code, shown)
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture(dir: &tempfile::TempDir, name: &str, output: &Value) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, output.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn each_fixture_answers_its_output_with_the_keys_printed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let digest = json!({ "news": [{ "title": "fixed" }] });
    let news = fixture(&dir, "news.json", &digest);
    let other = fixture(&dir, "other.json", &json!({ "answer": 42 }));
    let mock = MockProcess::start(&[
        "--fixture",
        &format!("wf_news={news}"),
        "--fixture",
        &format!("wf_other={other}"),
        "--key",
        "wf_news=app-fixed-test-key",
    ]);
    assert!(mock.url().starts_with("http://127.0.0.1:"), "loopback unless --bind: {}", mock.url());
    assert_eq!(mock.key("wf_news"), "app-fixed-test-key");
    assert!(mock.key("wf_other").len() >= 16, "a random key: {}", mock.key("wf_other"));

    let client = Client::builder()
        .base_url(mock.url())
        .workflow_key("wf_news", mock.key("wf_news"))
        .workflow_key("wf_other", mock.key("wf_other"))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (news_run, other_run, webhook_run) = runtime.block_on(async {
        let news_run = client.workflow("wf_news").invoke::<Value>(&json!({ "topic": "any" })).await.unwrap();
        let other_run = client.workflow("wf_other").invoke::<Value>(&json!({})).await.unwrap();
        // The request GPTBots' own guide shows: an async run with https webhooks.
        let hooks = [
            Webhook::post("https://hooks.example.com/gptbots?token=hook-secret").unwrap(),
            Webhook::get("https://backup.example.com/done").unwrap(),
        ];
        let policy = PollPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20));
        let handle = client
            .workflow("wf_news")
            .submit::<Value, _>(&json!({}))
            .webhook(hooks[0].clone())
            .webhook(hooks[1].clone())
            .poll_policy(policy)
            .await
            .expect("any webhook GPTBots accepts is accepted");
        (news_run, other_run, handle.wait().await.unwrap())
    });
    assert_eq!(news_run.output, digest);
    assert_eq!(other_run.output, json!({ "answer": 42 }));
    assert_eq!(webhook_run.output, digest);

    // The deliveries are logged once the run has ended; give the log a moment.
    std::thread::sleep(Duration::from_millis(200));
    let (code, stderr) = mock.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("webhook not delivered") && stderr.contains("https://hooks.example.com/gptbots"),
        "{stderr}"
    );
    assert!(stderr.contains("https://backup.example.com/done"), "{stderr}");
    assert!(!stderr.contains("hook-secret"), "the webhook's query stays out of the log: {stderr}");
    assert!(stderr.contains("stopped after 3 runs; 2 webhooks not delivered"), "{stderr}");
}

#[test]
fn fixture_mistakes_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let news = fixture(&dir, "news.json", &json!({ "news": [] }));
    let list = fixture(&dir, "list.json", &json!([1, 2]));

    let unknown_key =
        run(bare().args(["mock", "--fixture", &format!("wf_news={news}"), "--key", "wf_other=app-k"]), 2, &[]);
    assert!(text(&unknown_key.stderr).contains("--key wf_other"), "{}", text(&unknown_key.stderr));
    let not_object = run(bare().args(["mock", "--fixture", &format!("wf_list={list}")]), 2, &[]);
    assert!(text(&not_object.stderr).contains("must be a JSON object"), "{}", text(&not_object.stderr));
    run(bare().args(["mock", "--fixture", "wf_news"]), 2, &[]);
    run(bare().args(["mock", "--fixture", &format!("wf_a={news}"), "--fixture", &format!("wf_a={news}")]), 2, &[]);
    run(bare().args(["mock"]), 2, &[]);
}

#[test]
fn a_flow_checks_each_input_against_its_start_node() {
    let dir = tempfile::tempdir().unwrap();
    let output = fixture(&dir, "news.json", &json!({ "news": [] }));
    let flow = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/flows/today-news.flow");
    let mock = MockProcess::start(&[
        "--fixture",
        &format!("wf_today_news={output}"),
        "--flow",
        &format!("wf_today_news={}", flow.display()),
    ]);
    let client = Client::builder().base_url(mock.url()).api_key(mock.key("wf_today_news")).build().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let workflow = client.workflow("wf_today_news");

    let fits = runtime.block_on(workflow.invoke::<Value>(&json!({ "topic": "rust", "maxItems": 2 })));
    let misfit = runtime.block_on(workflow.invoke::<Value>(&json!({ "topic": 7 })));
    let missing = runtime.block_on(workflow.invoke::<Value>(&json!({ "maxItems": 2 })));

    assert_eq!(fits.unwrap().output, json!({ "news": [] }));
    let misfit = misfit.unwrap_err();
    assert_eq!((misfit.http_status(), misfit.api_code()), (Some(400), Some(40000)), "{misfit}");
    assert!(misfit.to_string().contains("input.topic"), "{misfit}");
    assert!(missing.unwrap_err().to_string().contains("missing required `topic`"));
    let (code, _) = mock.stop();
    assert_eq!(code, Some(0));

    let broken = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/flows/agent.bot");
    let args = ["mock", "--fixture", &format!("wf_a={output}"), "--flow", &format!("wf_a={}", broken.display())];
    run(bare().args(args), 1, &[]);
    let unserved = ["mock", "--fixture", &format!("wf_a={output}"), "--flow", &format!("wf_b={}", flow.display())];
    run(bare().args(unserved), 2, &[]);
}
