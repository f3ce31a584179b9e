//! Webhook delivery when an async run ends, and the log of what was delivered and what was not.
//!
//! The server accepts any `http(s)` webhook GPTBots accepts but sends requests only to loopback
//! hosts: running standalone, it must not become a way to make requests to other machines on
//! a caller's behalf. Other webhooks are logged as deliveries it did not make. It follows no
//! redirect (a redirect could lead off the machine) and resolves `localhost` to loopback
//! itself rather than asking the system resolver.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::registry::lock;
use crate::loopback::is_loopback;
use crate::wire::WebhookSpec;

/// The most deliveries kept in the log; older ones are forgotten.
const MAX_DELIVERIES_LOGGED: usize = 10_000;

/// One webhook of an async run, as the embedded server handled it when the run ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The run whose end was announced.
    pub run_id: String,
    /// `GET` or `POST`.
    pub method: String,
    /// Where it was (or would have been) sent.
    pub url: String,
    /// False when the server did not send it: it delivers to loopback hosts only
    /// (`127.0.0.0/8`, `[::1]`, `localhost`); [`WebhookDelivery::error`] says so.
    pub delivered: bool,
    /// The HTTP status the receiver answered, or `None` when the request failed or was not
    /// made. A redirect is not followed: its 3xx status is the answer.
    pub status: Option<u16>,
    /// Why the request failed or was not made.
    pub error: Option<String>,
}

/// The HTTP client that delivers webhooks and the log of deliveries.
#[derive(Default)]
pub(super) struct Webhooks {
    http: OnceLock<Result<reqwest::Client, String>>,
    log: Mutex<VecDeque<WebhookDelivery>>,
}

impl Webhooks {
    /// Sends `body` (the run's query-result body) to each loopback webhook in turn, once, and
    /// logs how each went, the others as not delivered.
    pub async fn deliver(&self, run_id: &str, specs: &[WebhookSpec<'_>], body: &Value) {
        for spec in specs {
            let url = Url::parse(&spec.url).ok();
            let (delivered, status, error) = match url.clone().filter(is_loopback) {
                None => {
                    // A standalone server's operator sees what it did not send; the URL's
                    // userinfo and query, where webhook secrets usually travel, stay out.
                    let shown = url.as_ref().map_or_else(|| "an invalid URL".to_owned(), without_secrets);
                    tracing::info!(run_id, method = %spec.method, url = %shown, "webhook not delivered: not a loopback host");
                    (
                        false,
                        None,
                        Some("not delivered: the embedded server delivers webhooks to loopback hosts only".to_owned()),
                    )
                }
                Some(url) => match self.send(spec, url, body).await {
                    Ok(status) => (true, Some(status), None),
                    Err(error) => (true, None, Some(error)),
                },
            };
            let mut log = lock(&self.log);
            if log.len() == MAX_DELIVERIES_LOGGED {
                log.pop_front();
            }
            log.push_back(WebhookDelivery {
                run_id: run_id.to_owned(),
                method: spec.method.to_string(),
                url: spec.url.to_string(),
                delivered,
                status,
                error,
            });
        }
    }

    async fn send(&self, spec: &WebhookSpec<'_>, url: Url, body: &Value) -> Result<u16, String> {
        let http = self.http.get_or_init(client).as_ref().map_err(Clone::clone)?;
        let method = if spec.method == "GET" { reqwest::Method::GET } else { reqwest::Method::POST };
        let mut request = http.request(method, url).json(body);
        for (name, value) in &spec.headers {
            let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) else {
                continue;
            };
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| e.without_url().to_string())?;
        Ok(response.status().as_u16())
    }

    pub fn all(&self) -> Vec<WebhookDelivery> {
        lock(&self.log).iter().cloned().collect()
    }
}

/// `url` without userinfo, query or fragment.
fn without_secrets(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

fn client() -> Result<reqwest::Client, String> {
    // Port 0: the URL's port is used.
    let loopback = [SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), SocketAddr::from((Ipv6Addr::LOCALHOST, 0))];
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs("localhost", &loopback)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("the webhook HTTP client could not be built: {e}"))
}
