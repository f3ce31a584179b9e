//! The one path every request to GPTBots takes: POST a JSON body, read a bounded response,
//! map every failure to a typed [`Error`], and repeat only what the retry rule allows.

use std::time::{Duration, SystemTime};

use backon::Retryable;
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;
use crate::body_limit::{BodyError, ERROR_BODY_BYTES, read_limited, read_prefix};
use crate::response::{excerpt, http_error, sniff_run_id};
use crate::retry::{Delivery, Idempotency, RetryPolicy, delivery_of_status, parse_retry_after};
use crate::wire::{INVOKE_PATH, QUERY_PATH, VERIFY_PATH};

/// A response whose status the retry rule did not act on, with its body read in full (2xx) or
/// its first [`ERROR_BODY_BYTES`] (error statuses).
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: Bytes,
}

/// The HTTP side of a [`Client`](crate::Client): connection pool, endpoint, limits, retry policy.
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub base_url: String,
    /// The known endpoints' URLs, parsed once: parsing a URL costs more than the rest of the
    /// request building together.
    pub endpoint_urls: EndpointUrls,
    pub max_response_bytes: usize,
    /// Known only when this crate built the `reqwest::Client`.
    pub connect_timeout: Option<Duration>,
    pub request_timeout: Duration,
    pub overall_timeout: Option<Duration>,
    pub retry: RetryPolicy,
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

/// Parsed URLs of the endpoints this crate calls, for one base URL.
pub(crate) struct EndpointUrls(Vec<(&'static str, reqwest::Url)>);

impl EndpointUrls {
    pub(crate) fn new(base_url: &str) -> Self {
        let parse =
            |endpoint: &'static str| Some((endpoint, reqwest::Url::parse(&format!("{base_url}{endpoint}")).ok()?));
        EndpointUrls([INVOKE_PATH, QUERY_PATH, VERIFY_PATH].into_iter().filter_map(parse).collect())
    }

    /// The URL of `endpoint`, parsed now if it is not a known one; `None` if it does not parse.
    fn get(&self, base_url: &str, endpoint: &'static str) -> Option<reqwest::Url> {
        match self.0.iter().find(|(known, _)| *known == endpoint) {
            Some((_, url)) => Some(url.clone()),
            None => reqwest::Url::parse(&format!("{base_url}{endpoint}")).ok(),
        }
    }
}

impl Transport {
    /// POSTs `body` to `endpoint` with `key`, under the retry rule for `idempotency`.
    ///
    /// Returns the response of the last attempt when its status is one the caller must
    /// interpret (2xx, and error statuses the rule does not repeat); an error otherwise. Every
    /// error quoting the body has the key scrubbed from it.
    pub(crate) async fn post_json(
        &self,
        endpoint: &'static str,
        key: &SecretString,
        body: Bytes,
        idempotency: Idempotency,
    ) -> Result<RawResponse, Error> {
        let url = self.endpoint_urls.get(&self.base_url, endpoint).ok_or_else(|| Error::Config {
            message: format!("`{}{endpoint}` is not a URL; check the base URL", self.base_url),
        })?;
        let policy = &self.retry;
        let attempts = (|| self.attempt(&url, endpoint, key, body.clone()))
            .retry(policy.backoff_builder())
            .when(|failure: &Failure| failure.delivery.is_some_and(|d| d.allows_retry(idempotency)))
            .adjust(|failure: &Failure, backoff| policy.next_delay(backoff, failure.retry_after))
            .notify(|failure: &Failure, delay| {
                tracing::warn!(
                    endpoint,
                    delay_ms = delay.as_millis() as u64,
                    error = %failure.error,
                    "GPTBots request not processed; retrying"
                );
            });
        match self.overall_timeout {
            Some(limit) => match tokio::time::timeout(limit, attempts).await {
                Ok(outcome) => outcome.map_err(|failure| failure.error),
                Err(_) => Err(Error::Timeout { endpoint, after: limit, run_id: None }),
            },
            None => attempts.await.map_err(|failure| failure.error),
        }
    }

    /// One attempt, with the key scrubbed from the error before anything (the retry log
    /// included) can show it.
    async fn attempt(
        &self,
        url: &reqwest::Url,
        endpoint: &'static str,
        key: &SecretString,
        body: Bytes,
    ) -> Result<RawResponse, Failure> {
        self.attempt_unredacted(url, endpoint, key, body).await.map_err(|mut failure| {
            failure.error = failure.error.redact(key.expose_secret());
            failure
        })
    }

    async fn attempt_unredacted(
        &self,
        url: &reqwest::Url,
        endpoint: &'static str,
        key: &SecretString,
        body: Bytes,
    ) -> Result<RawResponse, Failure> {
        let mut response = self
            .http
            .post(url.clone())
            .bearer_auth(key.expose_secret())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .timeout(self.request_timeout)
            .body(body)
            .send()
            .await
            .map_err(|source| self.send_failure(endpoint, source))?;
        let status = response.status().as_u16();
        tracing::debug!(endpoint, status, "GPTBots answered");

        if !(200..300).contains(&status) {
            let retry_after = retry_after(response.headers());
            let body = read_prefix(&mut response, ERROR_BODY_BYTES).await;
            return match delivery_of_status(status, retry_after.is_some()) {
                Some(delivery) => {
                    Err(Failure { error: http_error(endpoint, status, &body), delivery: Some(delivery), retry_after })
                }
                None => Ok(RawResponse { status, body }),
            };
        }

        let content_type =
            response.headers().get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = match read_limited(&mut response, self.max_response_bytes).await {
            Ok(body) => body,
            Err(BodyError::TooLarge { announced, read }) => {
                return Err(Failure::final_answer(Error::ResponseTooLarge {
                    endpoint,
                    status,
                    limit: self.max_response_bytes as u64,
                    announced,
                    run_id: sniff_run_id(&read),
                }));
            }
            Err(BodyError::Transport { source, read }) => {
                let error = self.read_error(endpoint, source, sniff_run_id(&read));
                return Err(Failure { error, delivery: Some(Delivery::Unknown), retry_after: None });
            }
        };
        if let Some(content_type) = content_type.filter(|ct| !looks_like_json(ct, &body)) {
            return Err(Failure::final_answer(Error::InvalidResponse {
                endpoint,
                status,
                run_id: sniff_run_id(&body),
                reason: format!("expected JSON but the content type is `{}`", excerpt(content_type.as_bytes())),
                excerpt: excerpt(&body),
            }));
        }
        Ok(RawResponse { status, body })
    }

    /// Maps a failure to send the request (or to receive the response head).
    fn send_failure(&self, endpoint: &'static str, source: reqwest::Error) -> Failure {
        if source.is_connect() {
            // No connection, so nothing was sent: safe to repeat even an invoke.
            let error = match self.connect_timeout {
                Some(after) if source.is_timeout() => Error::Timeout { endpoint, after, run_id: None },
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
    fn read_error(&self, endpoint: &'static str, source: reqwest::Error, run_id: Option<String>) -> Error {
        if source.is_timeout() {
            Error::Timeout { endpoint, after: self.request_timeout, run_id }
        } else {
            transport_error(endpoint, run_id, source)
        }
    }
}

pub(crate) fn transport_error(endpoint: &'static str, run_id: Option<String>, source: reqwest::Error) -> Error {
    Error::Transport { endpoint, run_id, source: source.without_url() }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// GPTBots may label JSON loosely (`text/plain`, no charset...), so the content type only
/// condemns a body that does not look like a JSON object either: an HTML page, say.
fn looks_like_json(content_type: &str, body: &[u8]) -> bool {
    content_type.to_ascii_lowercase().contains("json")
        || body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'{')
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    fn transport(base_url: String) -> Transport {
        Transport {
            http: reqwest::Client::new(),
            endpoint_urls: EndpointUrls::new(&base_url),
            base_url,
            max_response_bytes: 1024,
            connect_timeout: None,
            request_timeout: Duration::from_secs(10),
            overall_timeout: None,
            retry: RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)),
        }
    }

    async fn post(server: &MockServer, idempotency: Idempotency) -> Result<RawResponse, Error> {
        let key = SecretString::from("app-key-for-tests");
        transport(server.uri())
            .post_json("/v1/workflow/query/result", &key, Bytes::from_static(b"{}"), idempotency)
            .await
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
                .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
                .mount(&server)
                .await;

            let read = post(&server, Idempotency::ReadOnly).await;
            assert_eq!(read.map(|r| r.status).ok(), Some(200), "HTTP {fault}");
            assert_eq!(server.received_requests().await.unwrap().len(), 2);

            server.reset().await;
            Mock::given(method("POST")).respond_with(ResponseTemplate::new(fault)).expect(1).mount(&server).await;
            let invoke = post(&server, Idempotency::StartsRun).await;
            assert_eq!(invoke.err().and_then(|e| e.http_status()), Some(fault));
            server.verify().await;
        }
    }

    #[tokio::test]
    async fn final_answers_come_back_as_they_are() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(404).set_body_string("no such run"))
            .expect(1)
            .mount(&server)
            .await;

        let response = post(&server, Idempotency::ReadOnly).await.ok().unwrap();

        assert_eq!((response.status, &response.body[..]), (404, &b"no such run"[..]));
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

        let error = post(&server, Idempotency::ReadOnly).await.err().unwrap();

        assert!(matches!(error, Error::ResponseTooLarge { limit: 1024, .. }), "{error:?}");
        server.verify().await;
    }

    #[test]
    fn parsed_endpoint_urls_keep_the_base_path() {
        let base = "https://gateway.example.com/gptbots";
        let urls = EndpointUrls::new(base);
        let url = |endpoint| urls.get(base, endpoint).map(|u| u.to_string());
        assert_eq!(url(INVOKE_PATH).as_deref(), Some("https://gateway.example.com/gptbots/v1/workflow/invoke"));
        assert_eq!(url("/v1/other").as_deref(), Some("https://gateway.example.com/gptbots/v1/other"));
        assert_eq!(EndpointUrls::new("not a url").get("not a url", INVOKE_PATH), None);
    }

    #[test]
    fn html_is_refused_whatever_the_label_and_json_is_accepted_whatever_the_label() {
        assert!(looks_like_json("application/json; charset=utf-8", b"<html>"));
        assert!(looks_like_json("text/plain", b"  {\"status\":\"SUCCEED\"}"));
        assert!(!looks_like_json("text/html", b"<!doctype html><h1>502</h1>"));
        assert!(!looks_like_json("text/html", b""));
    }
}
