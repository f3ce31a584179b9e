//! Configuration as `Client::from_env` reads it, `--base-url`, and the network exit code.

use gptbots_runtime::mock::{Endpoint, Fault, MockServer};

use crate::support::{NEWS, Served, gptbots_with_url, json_of, run, text};

#[test]
fn base_url_overrides_the_environment() {
    let served = Served::start();
    let refused = MockServer::refused_url().unwrap();
    let mut command = gptbots_with_url(&refused);
    command.env("GPTBOTS_API_KEY", served.news.key()).args([
        "invoke",
        NEWS,
        "--input",
        "{}",
        "--base-url",
        &served.server.url(),
    ]);

    let output = run(&mut command, 0, &served.keys());

    assert_eq!(json_of(&output)["news"][0]["title"], "nothing #1");
}

#[test]
fn an_unreachable_server_exits_3() {
    let refused = MockServer::refused_url().unwrap();
    let key = "app-key-for-a-server-that-is-not-there".to_owned();
    let mut command = gptbots_with_url(&refused);
    command.env("GPTBOTS_API_KEY", &key).args(["invoke", NEWS, "--input", "{}"]);

    let output = run(&mut command, 3, &[key]);

    let stderr = text(&output.stderr);
    assert!(stderr.contains("refused") && stderr.contains("nothing was sent"), "{stderr}");
}

#[test]
fn a_server_fault_after_sending_exits_3_and_warns_of_a_possible_paid_run() {
    let served = Served::start();
    served.server.inject_on(Endpoint::Invoke, Fault::Status(502));

    let output = run(served.configured().args(["invoke", NEWS, "--input", "{}"]), 3, &served.keys());

    let stderr = text(&output.stderr);
    assert!(stderr.contains("HTTP 502") && stderr.contains("may have started a paid run"), "{stderr}");
}

#[test]
fn a_plain_http_url_to_another_host_is_a_configuration_error() {
    let key = "app-key-that-must-not-cross-the-network".to_owned();
    let mut command = gptbots_with_url("http://gptbots.example.com");
    command.env("GPTBOTS_API_KEY", &key).args(["invoke", NEWS, "--input", "{}"]);

    let output = run(&mut command, 2, &[key]);

    assert!(text(&output.stderr).contains("http://gptbots.example.com"), "{}", text(&output.stderr));
}
