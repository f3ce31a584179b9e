//! An embedded server in the test process and the `gptbots` binary pointed at it.

use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use gptbots_runtime::mock::{MockServer, MockWorkflow, Rejection};
use serde_json::{Value, json};

/// The demo workflow's id.
pub const NEWS: &str = "wf_today_news";
/// A workflow whose runs fail.
pub const BROKEN: &str = "wf_broken";

/// A running embedded server with two workflows, on a runtime of its own so that the tests can
/// run the binary synchronously.
pub struct Served {
    pub server: MockServer,
    pub news: MockWorkflow,
    pub broken: MockWorkflow,
    _runtime: tokio::runtime::Runtime,
}

impl Served {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let server = runtime.block_on(MockServer::start()).expect("the embedded server starts");
        let news = server.register_raw(NEWS, |input: Value| async move {
            let topic = input["topic"].as_str().unwrap_or("nothing").to_owned();
            Ok(json!({ "news": [{ "title": format!("{topic} #1") }] }))
        });
        news.cost(0.5).tokens(120).latency(Duration::from_millis(20));
        let broken = server.register_raw(BROKEN, |_| async { Err(Rejection::failed("the model is overloaded")) });
        Served { server, news, broken, _runtime: runtime }
    }

    /// The binary with no configuration but the base URL.
    pub fn gptbots(&self) -> Command {
        gptbots_with_url(&self.server.url())
    }

    /// The binary with the news workflow's key in its variable.
    pub fn configured(&self) -> Command {
        let mut command = self.gptbots();
        command
            .env("GPTBOTS_API_KEY_WF_TODAY_NEWS", self.news.key())
            .env("GPTBOTS_API_KEY_WF_BROKEN", self.broken.key());
        command
    }

    /// Every key this server holds.
    pub fn keys(&self) -> Vec<String> {
        vec![self.news.key().to_owned(), self.broken.key().to_owned()]
    }
}

/// The binary with `GPTBOTS_BASE_URL=url` and none of the caller's `GPTBOTS_*` variables.
pub fn gptbots_with_url(url: &str) -> Command {
    let mut command = bare();
    command.env("GPTBOTS_BASE_URL", url);
    command
}

/// The binary with none of the caller's `GPTBOTS_*` variables.
pub fn bare() -> Command {
    let mut command = Command::cargo_bin("gptbots").expect("the gptbots binary is built");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GPTBOTS_") {
            command.env_remove(name);
        }
    }
    command.timeout(Duration::from_secs(60));
    command
}

/// Runs it and checks the exit code and that no key appears anywhere in what it printed.
pub fn run(command: &mut Command, code: i32, keys: &[String]) -> Output {
    let output = command.output().expect("the binary runs");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(code), "stdout: {stdout}\nstderr: {stderr}");
    for key in keys {
        assert!(
            !stdout.contains(key.as_str()) && !stderr.contains(key.as_str()),
            "a key was printed:\n{stdout}\n{stderr}"
        );
    }
    output
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Stdout as one JSON document.
pub fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(&output.stdout)))
}
