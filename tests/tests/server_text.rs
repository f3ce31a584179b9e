//! Text a server sends is quoted safely in errors: any `Bearer` token is scrubbed, whoever's
//! key it is, and no control character reaches a message (a server must not forge log lines).
//!
//! Apart from `secrets.rs`, whose tracing capture must be the only code registering the
//! client's spans while it runs.

use gptbots_runtime::{Client, workflow};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    #[allow(dead_code)]
    text: String,
}

#[workflow(id = "wf_quote", output = Answer)]
struct Ask {
    question: String,
}

fn ask() -> Ask {
    Ask { question: "q".into() }
}

fn builder(base_url: &str) -> gptbots_runtime::ClientBuilder {
    Client::builder().base_url(base_url).api_key("app-quoting-key-0001").retry(gptbots_runtime::RetryPolicy::never())
}

#[tokio::test]
async fn any_bearer_token_and_any_control_character_a_server_sends_stays_out_of_errors() {
    let forged = "oops\r\n2026-01-01T00:00:00Z INFO admin logged in\u{1b}[2K";
    let answers = [
        ResponseTemplate::new(502).set_body_string("upstream said: Authorization: Bearer sk-live-0123456789abcdef"),
        ResponseTemplate::new(200).set_body_json(json!({"code": 40000, "message": "Bearer sk-live-0123456789abcdef"})),
        ResponseTemplate::new(500).set_body_string(forged),
        ResponseTemplate::new(200).set_body_json(json!({"code": 40000, "message": forged})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"workflowRunId": "r", "status": "FAILED", "errorMessage": forged})),
    ];
    for answer in answers {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(answer).mount(&server).await;
        let error = ask().invoke(&builder(&server.uri()).build().unwrap()).await.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("sk-live"), "a bearer token leaked: {shown}");
        assert!(!shown.contains(['\r', '\n', '\u{1b}']), "a control character reached the message: {shown:?}");
    }
}
