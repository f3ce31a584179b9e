//! The one path every request to GPTBots takes: send a request to an endpoint with a key (a JSON
//! body POSTed to the run endpoints, a GET to the key check and the run list), check the status, read a bounded
//! body, decode it into a typed [`Answer`] (a run's [`Outcome`], or a raw JSON document), and
//! repeat only what the retry rule allows for the request's [`Idempotency`].
//!
//! Reading one invoke: `Client::invoke` (client.rs) builds the body, [`Transport::call`] sends
//! it and retries, [`Transport::attempt`] opens a span per attempt, [`Transport::exchange`] maps
//! the answer, and
//! [`Decoder::run`](crate::response::Decoder::run) turns the body into `Outcome<O>`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use backon::Retryable;
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Error;
use crate::body_limit::{BodyError, ERROR_BODY_BYTES, read_limited, read_prefix};
use crate::error::{ApiEndpoint, ConfigError};
use crate::excerpt::Quoter;
use crate::response::{Decoder, Outcome};
use crate::response_body::Body;
use crate::retry::{Delivery, Idempotency, RetryPolicy, delivery_of_status, parse_retry_after};
use crate::wire::{INVOKE_PATH, QUERY_PATH, RUN_LOGS_PATH, VERIFY_PATH};

/// The endpoints this crate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /v1/workflow/invoke`, sync or async.
    Invoke,
    /// `POST /v1/workflow/query/result`.
    Query,
    /// `GET /v1/api-key/verify`: which entity a key belongs to.
    Verify,
    /// `GET /v1/workflow/run/logs`, with a query string.
    RunLogs,
}

impl Route {
    fn method(self) -> reqwest::Method {
        match self {
            Route::Invoke | Route::Query => reqwest::Method::POST,
            Route::Verify | Route::RunLogs => reqwest::Method::GET,
        }
    }
}

/// What a 2xx answer of a route decodes into.
pub(crate) trait Answer: Sized {
    /// Whether a large body is decoded chunk by chunk (so it is read as chunks, never copied
    /// into one buffer); otherwise every body is read into one piece.
    const CHUNKED_WHEN_LARGE: bool;

    fn decode(decoder: &Decoder<'_>, http_status: u16, body: Body) -> Result<Self, Error>;
}

/// The run endpoints' answers: what the body says about the run.
impl<O: DeserializeOwned> Answer for Outcome<O> {
    const CHUNKED_WHEN_LARGE: bool = true;

    fn decode(decoder: &Decoder<'_>, http_status: u16, body: Body) -> Result<Self, Error> {
        decoder.run_body(http_status, body)
    }
}

/// An answer whose fields are not documented (the key check): the JSON document as sent.
impl Answer for serde_json::Value {
    const CHUNKED_WHEN_LARGE: bool = false;

    fn decode(decoder: &Decoder<'_>, http_status: u16, body: Body) -> Result<Self, Error> {
        decoder.document(http_status, &body.contiguous())
    }
}

/// One endpoint's URL, parsed once (parsing a URL costs more than the rest of the request
/// building together), and its name for errors.
pub(crate) struct EndpointUrl {
    url: reqwest::Url,
    name: ApiEndpoint,
}

impl EndpointUrl {
    fn new(base_url: &str, path: &'static str) -> Result<Self, ConfigError> {
        let invalid =
            |reason: String| ConfigError::InvalidBaseUrl { base_url: crate::client::shown_base_url(base_url), reason };
        let url = reqwest::Url::parse(&format!("{base_url}{path}")).map_err(|e| invalid(e.to_string()))?;
        let base = reqwest::Url::parse(base_url).map_err(|e| invalid(e.to_string()))?;
        Ok(EndpointUrl { url, name: ApiEndpoint::new(&base, path) })
    }
}

/// The HTTP side of a [`Client`](crate::Client): connection pool, endpoints, limits, retry policy.
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub base_url: String,
    invoke: EndpointUrl,
    query: EndpointUrl,
    verify: EndpointUrl,
    run_logs: EndpointUrl,
    pub max_response_bytes: usize,
    /// Bodies of at least this many bytes are decoded chunk by chunk.
    pub streamed_body_bytes: usize,
    /// Known only when this crate built the `reqwest::Client`.
    pub connect_timeout: Option<Duration>,
    pub request_timeout: Duration,
    pub overall_timeout: Option<Duration>,
    pub retry: RetryPolicy,
}

/// One request: where, with which key, what, and how it may be repeated.
pub(crate) struct Call<'a> {
    pub route: Route,
    /// The workflow the key belongs to; a run of another one is an error.
    pub workflow_id: &'a str,
    pub key: &'a SecretString,
    /// The JSON body of a POST; for a GET, the query string (already encoded), if any.
    pub body: Bytes,
    pub idempotency: Idempotency,
    /// The run the request is about, when known (a query): every error then names it.
    pub run_id: Option<&'a str>,
    /// The limit for the whole call, attempts and waits included; the client's
    /// `overall_timeout` when `None`.
    pub timeout: Option<Duration>,
}

/// A failed attempt, with what it tells about delivery.
struct Failure {
    error: Error,
    /// `None`: a final answer, never repeated.
    delivery: Option<Delivery>,
    retry_after: Option<Duration>,
}

impl Failure {
    fn final_answer(error: Error) -> Self {
        Failure { error, delivery: None, retry_after: None }
    }
}

impl Transport {
    /// A transport to `base_url` (already checked to be an http(s) URL).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: String,
        max_response_bytes: usize,
        connect_timeout: Option<Duration>,
        request_timeout: Duration,
        overall_timeout: Option<Duration>,
        retry: RetryPolicy,
    ) -> Result<Self, ConfigError> {
        Ok(Transport {
            streamed_body_bytes: crate::DEFAULT_STREAMED_BODY_BYTES,
            invoke: EndpointUrl::new(&base_url, INVOKE_PATH)?,
            query: EndpointUrl::new(&base_url, QUERY_PATH)?,
            verify: EndpointUrl::new(&base_url, VERIFY_PATH)?,
            run_logs: EndpointUrl::new(&base_url, RUN_LOGS_PATH)?,
            http,
            base_url,
            max_response_bytes,
            connect_timeout,
            request_timeout,
            overall_timeout,
            retry,
        })
    }

    fn endpoint(&self, route: Route) -> &EndpointUrl {
        match route {
            Route::Invoke => &self.invoke,
            Route::Query => &self.query,
            Route::Verify => &self.verify,
            Route::RunLogs => &self.run_logs,
        }
    }

    /// The name errors give `route`'s endpoint.
    pub(crate) fn endpoint_name(&self, route: Route) -> ApiEndpoint {
        self.endpoint(route).name.clone()
    }

    /// Sends `call` under the retry rule for its idempotency and decodes the answer.
    ///
    /// Every attempt's answer is checked and decoded in [`Transport::attempt`]; failures the
    /// rule allows are repeated with backoff, others come back at once. Every text an error
    /// quotes from the network has the key scrubbed from it as the error is built, before the
    /// retry log (or anything else) can show it.
    pub(crate) async fn call<A: Answer>(&self, call: Call<'_>) -> Result<A, Error> {
        let endpoint = self.endpoint(call.route);
        let decoder = Decoder {
            endpoint: &endpoint.name,
            workflow_id: call.workflow_id,
            quoter: Quoter::new(call.key.expose_secret()),
        };
        let authorization = authorization(call.key)?;
        let policy = &self.retry;
        let idempotency = call.idempotency;
        let method = call.route.method();
        // Counted for the attempt spans and the retry notice; atomic only so the future stays `Send`.
        let number = AtomicU32::new(0);
        let attempts = (|| {
            let number = number.fetch_add(1, Ordering::Relaxed) + 1;
            self.attempt::<A>(number, &method, &endpoint.url, &decoder, &authorization, call.body.clone())
        })
        .retry(policy.backoff_builder())
        .when(|failure: &Failure| failure.delivery.is_some_and(|d| d.allows_retry(idempotency)))
        .adjust(|failure: &Failure, backoff| policy.next_delay(backoff, failure.retry_after))
        .notify(|failure: &Failure, delay| {
            // INFO, not WARN: the policy handles the fault and the caller sees nothing unless the
            // last attempt fails too, when the error itself comes back. A degraded server still
            // shows under the usual INFO filter, without an alarm per absorbed 429.
            tracing::info!(
                url.path = endpoint.name.path(),
                gptbots.attempt = number.load(Ordering::Relaxed),
                delay_ms = delay.as_millis() as u64,
                error.type = failure.error.variant(),
                error = %failure.error,
                "GPTBots request failed; retrying"
            );
        });
        let outcome = match call.timeout.or(self.overall_timeout) {
            Some(limit) => match tokio::time::timeout(limit, attempts).await {
                Ok(outcome) => outcome.map_err(|failure| failure.error),
                Err(_) => Err(Error::Timeout {
                    endpoint: endpoint.name.clone(),
                    after: limit,
                    run_id: None,
                    while_connecting: false,
                }),
            },
            None => attempts.await.map_err(|failure| failure.error),
        };
        match call.run_id {
            Some(run_id) => outcome.map_err(|error| error.with_run_id(run_id)),
            None => outcome,
        }
    }

    /// Attempt `number` (from 1) of a call, in a span of its own inside the call's span.
    async fn attempt<A: Answer>(
        &self,
        number: u32,
        method: &reqwest::Method,
        url: &reqwest::Url,
        decoder: &Decoder<'_>,
        authorization: &HeaderValue,
        body: Bytes,
    ) -> Result<A, Failure> {
        let span = tracing::info_span!(
            "gptbots.attempt",
            gptbots.attempt = number,
            http.request.method = method.as_str(),
            http.request.resend_count = (number > 1).then(|| number - 1),
            server.address = url.host_str(),
            server.port = url.port_or_known_default(),
            url.path = url.path(),
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
        );
        let result =
            self.exchange::<A>(method, url, decoder, authorization, body, &span).instrument(span.clone()).await;
        if let Err(failure) = &result
            && !span.is_disabled()
        {
            span.record("error.type", failure.error.variant());
            span.record("otel.status_code", crate::telemetry::FAILED);
        }
        result
    }

    /// One exchange: send, check the status, read the body within the limit, decode.
    async fn exchange<A: Answer>(
        &self,
        method: &reqwest::Method,
        url: &reqwest::Url,
        decoder: &Decoder<'_>,
        authorization: &HeaderValue,
        body: Bytes,
        span: &tracing::Span,
    ) -> Result<A, Failure> {
        let endpoint = decoder.endpoint;
        let url = match *method {
            reqwest::Method::GET if !body.is_empty() => {
                let mut url = url.clone();
                url.set_query(Some(&String::from_utf8_lossy(&body)));
                url
            }
            _ => url.clone(),
        };
        let request = self
            .http
            .request(method.clone(), url)
            .header(reqwest::header::AUTHORIZATION, authorization.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .timeout(self.request_timeout);
        let request = match *method {
            reqwest::Method::GET => request,
            _ => request.header(CONTENT_TYPE, HeaderValue::from_static("application/json")).body(body),
        };
        let mut response = request.send().await.map_err(|source| self.send_failure(endpoint, source))?;
        let status = response.status().as_u16();
        span.record("http.response.status_code", status);
        tracing::debug!("GPTBots answered");

        match status {
            200..=299 => {}
            300..=399 => {
                let location = response.headers().get(LOCATION).map(HeaderValue::as_bytes);
                return Err(Failure::final_answer(decoder.redirect(status, location)));
            }
            _ => {
                let retry_after = retry_after(response.headers());
                let delivery = delivery_of_status(status, retry_after.is_some());
                let body = read_prefix(&mut response, ERROR_BODY_BYTES).await;
                let refused = delivery == Some(Delivery::NotProcessed);
                return Err(Failure { error: decoder.error_status(status, refused, &body), delivery, retry_after });
            }
        }

        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let chunks_from = if A::CHUNKED_WHEN_LARGE { self.streamed_body_bytes } else { usize::MAX };
        let body = match read_limited(&mut response, self.max_response_bytes, chunks_from).await {
            Ok(body) => body,
            Err(BodyError::TooLarge { announced, read }) => {
                return Err(Failure::final_answer(Error::ResponseTooLarge {
                    endpoint: endpoint.clone(),
                    status,
                    limit: self.max_response_bytes as u64,
                    announced,
                    run_id: decoder.sniff_run_id_in(&read),
                }));
            }
            Err(BodyError::Transport { source, read }) => {
                let error = self.read_error(endpoint, source, decoder.sniff_run_id_in(&read));
                return Err(Failure { error, delivery: Some(Delivery::Unknown), retry_after: None });
            }
        };
        if let Some(content_type) = content_type
            .filter(|ct| !says_json(ct.as_bytes()) && !starts_like_json_object(&body.prefix(JSON_START_BYTES)))
        {
            let content_type = decoder.quoter.text(&String::from_utf8_lossy(content_type.as_bytes()));
            let reason = format!("expected JSON but the content type is `{content_type}`");
            return Err(Failure::final_answer(decoder.invalid_body(status, reason, &body)));
        }
        A::decode(decoder, status, body).map_err(Failure::final_answer)
    }

    /// Maps a failure to send the request (or to receive the response head).
    fn send_failure(&self, endpoint: &ApiEndpoint, source: reqwest::Error) -> Failure {
        if source.is_connect() {
            // No connection, so nothing was sent: safe to repeat even an invoke.
            let error = match self.connect_timeout {
                Some(after) if source.is_timeout() => {
                    Error::Timeout { endpoint: endpoint.clone(), after, run_id: None, while_connecting: true }
                }
                _ => transport_error(endpoint, None, source),
            };
            return Failure { error, delivery: Some(Delivery::NotProcessed), retry_after: None };
        }
        if source.is_builder() {
            return Failure::final_answer(transport_error(endpoint, None, source));
        }
        Failure { error: self.read_error(endpoint, source, None), delivery: Some(Delivery::Unknown), retry_after: None }
    }

    /// Maps a failure after the request may have been sent.
    fn read_error(&self, endpoint: &ApiEndpoint, source: reqwest::Error, run_id: Option<String>) -> Error {
        if source.is_timeout() {
            Error::Timeout { endpoint: endpoint.clone(), after: self.request_timeout, run_id, while_connecting: false }
        } else {
            transport_error(endpoint, run_id, source)
        }
    }
}

/// The `Authorization` header of `key`, marked sensitive so no HTTP layer logs it. Keys are
/// checked when the client is built, so this fails only for a key given to one call.
pub(crate) fn authorization(key: &SecretString) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", key.expose_secret())).map_err(|_| {
        ConfigError::InvalidKey { key: "the API key given to this call".into(), problem: "is not a valid header value" }
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn transport_error(endpoint: &ApiEndpoint, run_id: Option<String>, source: reqwest::Error) -> Error {
    Error::Transport { endpoint: endpoint.clone(), run_id, source: source.without_url() }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// How much of a body's start is looked at for the `{` of a JSON object.
const JSON_START_BYTES: usize = 4096;

/// GPTBots may label JSON loosely (`text/plain`, no charset...), so the content type only
/// condemns a body that does not look like a JSON object either ([`starts_like_json_object`]):
/// an HTML page, say.
fn says_json(content_type: &[u8]) -> bool {
    content_type.windows(4).any(|w| w.eq_ignore_ascii_case(b"json"))
}

/// Whether a body's start (after a byte-order mark and blanks) is the `{` of a JSON object.
fn starts_like_json_object(start: &[u8]) -> bool {
    let start = crate::response::strip_bom(start);
    start.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'{')
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const RUN: &str = r#"{"workflowRunId":"r","status":"SUCCEED","output":1}"#;

    fn transport(base_url: String) -> Transport {
        let retry = RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2));
        Transport::new(reqwest::Client::new(), base_url, 1024, None, Duration::from_secs(10), None, retry).unwrap()
    }

    async fn post(server: &MockServer, idempotency: Idempotency) -> Result<Outcome<u8>, Error> {
        let key = SecretString::from("app-key-for-tests");
        let call = Call {
            route: Route::Query,
            workflow_id: "wf",
            key: &key,
            body: Bytes::from_static(b"{}"),
            idempotency,
            run_id: Some("r"),
            timeout: None,
        };
        transport(server.uri()).call::<Outcome<u8>>(call).await
    }

    #[tokio::test]
    async fn reads_are_repeated_after_server_faults_and_invokes_are_not() {
        for fault in [500, 502, 503, 504] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(fault))
                .up_to_n_times(1)
                .mount(&server)
                .await;
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(200).set_body_string(RUN))
                .mount(&server)
                .await;

            let read = post(&server, Idempotency::ReadOnly).await;
            assert!(matches!(read, Ok(Outcome::Finished(_))), "HTTP {fault}: {read:?}");
            assert_eq!(server.received_requests().await.unwrap().len(), 2);

            server.reset().await;
            Mock::given(method("POST")).respond_with(ResponseTemplate::new(fault)).expect(1).mount(&server).await;
            let invoke = post(&server, Idempotency::StartsRun).await;
            assert_eq!(invoke.err().and_then(|e| e.http_status()), Some(fault));
            server.verify().await;
        }
    }

    #[tokio::test]
    async fn final_answers_are_typed_at_once_and_name_the_host_and_the_run() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(404).set_body_string("no such run"))
            .expect(1)
            .mount(&server)
            .await;

        let error = post(&server, Idempotency::ReadOnly).await.unwrap_err();

        assert!(matches!(&error, Error::Http { status: 404, excerpt, .. } if &**excerpt == "no such run"), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(&format!("{}/v1/workflow/query/result", server.uri())), "{message}");
        assert_eq!(error.run_id(), Some("r"));
        server.verify().await;
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_never_repeated() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2048)))
            .expect(1)
            .mount(&server)
            .await;

        let error = post(&server, Idempotency::ReadOnly).await.unwrap_err();

        assert!(matches!(error, Error::ResponseTooLarge { limit: 1024, .. }), "{error:?}");
        server.verify().await;
    }

    async fn verify(server: &MockServer) -> Result<serde_json::Value, Error> {
        let key = SecretString::from("app-key-for-tests");
        let call = Call {
            route: Route::Verify,
            workflow_id: "wf",
            key: &key,
            body: Bytes::new(),
            idempotency: Idempotency::ReadOnly,
            run_id: None,
            timeout: None,
        };
        transport(server.uri()).call::<serde_json::Value>(call).await
    }

    #[tokio::test]
    async fn a_key_check_is_a_get_without_a_body_and_its_answer_is_kept_whole() {
        let server = MockServer::start().await;
        let answer = r#"{"code":0,"data":{"type":"workflow","id":"wf_a","extra":[1]}}"#;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path(VERIFY_PATH))
            .and(wiremock::matchers::header("authorization", "Bearer app-key-for-tests"))
            .respond_with(ResponseTemplate::new(200).set_body_string(answer))
            .expect(1)
            .mount(&server)
            .await;

        let document = verify(&server).await.unwrap();

        assert_eq!(document, serde_json::from_str::<serde_json::Value>(answer).unwrap());
        let sent = &server.received_requests().await.unwrap()[0];
        assert!(sent.body.is_empty() && !sent.headers.contains_key(CONTENT_TYPE), "{sent:?}");
    }

    #[tokio::test]
    async fn a_key_check_refused_inside_http_200_is_an_api_error_and_a_non_json_body_is_invalid() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(r#"{"code":40127,"message":"bad key app-key-for-tests"}"#),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{oops"))
            .mount(&server)
            .await;

        let refused = verify(&server).await.unwrap_err();
        assert!(
            matches!(&refused, Error::Api { code: 40127, message, .. } if !message.contains("app-key-for-tests")),
            "{refused:?}"
        );
        let invalid = verify(&server).await.unwrap_err();
        assert!(matches!(invalid, Error::InvalidResponse { status: 200, .. }), "{invalid:?}");
    }

    #[test]
    fn parsed_endpoint_urls_keep_the_base_path_and_hide_credentials() {
        let base = "https://user:pw@gateway.example.com/gptbots";
        let invoke = EndpointUrl::new(base, INVOKE_PATH).unwrap();
        assert_eq!(invoke.url.as_str(), "https://user:pw@gateway.example.com/gptbots/v1/workflow/invoke");
        assert_eq!(invoke.name.to_string(), "https://gateway.example.com/gptbots/v1/workflow/invoke");
        assert!(EndpointUrl::new("not a url", INVOKE_PATH).is_err());
    }

    #[test]
    fn html_is_refused_whatever_the_label_and_json_is_accepted_whatever_the_label() {
        assert!(says_json(b"application/json; charset=utf-8") && says_json(b"Application/JSON"));
        assert!(!says_json(b"text/plain") && !says_json(b"text/html"));
        assert!(starts_like_json_object(b"  {\"status\":\"SUCCEED\"}"));
        assert!(starts_like_json_object(b"\xEF\xBB\xBF{\"status\":\"SUCCEED\"}"));
        assert!(!starts_like_json_object(b"<!doctype html><h1>502</h1>"));
        assert!(!starts_like_json_object(b""));
    }
}
