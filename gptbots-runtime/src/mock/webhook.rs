//! Webhooks of async runs: checked when the run is submitted, delivered when it ends.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::registry::lock;
use crate::loopback::is_loopback;
use crate::wire::{MAX_WEBHOOKS, WebhookSpec};

/// The most deliveries kept in the log; older ones are forgotten.
const MAX_DELIVERIES_LOGGED: usize = 10_000;

/// One delivery attempt of a webhook, as the embedded server made it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// The run whose end was announced.
    pub run_id: String,
    /// `GET` or `POST`.
    pub method: String,
    /// Where it was sent.
    pub url: String,
    /// The HTTP status the receiver answered, or `None` when the request failed.
    pub status: Option<u16>,
    /// Why the request failed, when it did.
    pub error: Option<String>,
}

/// Checks an invoke's webhooks; the error names the failing field.
pub(super) fn validate(specs: &[WebhookSpec<'_>]) -> Result<(), String> {
    if specs.len() > MAX_WEBHOOKS {
        return Err(format!("invalid parameter `webhook`: at most {MAX_WEBHOOKS} webhooks, got {}", specs.len()));
    }
    for (i, spec) in specs.iter().enumerate() {
        if !matches!(&*spec.method, "GET" | "POST") {
            return Err(format!(
                "invalid parameter `webhook[{i}].method`: expected GET or POST, got `{}`",
                spec.method
            ));
        }
        let url = Url::parse(&spec.url)
            .map_err(|e| format!("invalid parameter `webhook[{i}].url`: `{}` is not a URL ({e})", spec.url))?;
        if !matches!(url.scheme(), "http" | "https") || !is_loopback(&url) {
            return Err(format!(
                "invalid parameter `webhook[{i}].url`: the embedded server delivers webhooks to http(s) loopback URLs only (127.0.0.1, [::1], localhost), got `{}`",
                spec.url
            ));
        }
        for name in spec.headers.keys() {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(format!("invalid parameter `webhook[{i}].headers`: `{name}` is not a header name"));
            }
        }
    }
    Ok(())
}

/// The HTTP client that delivers webhooks and the log of deliveries.
#[derive(Default)]
pub(super) struct Webhooks {
    http: OnceLock<Result<reqwest::Client, String>>,
    log: Mutex<Vec<WebhookDelivery>>,
}

impl Webhooks {
    /// Sends `body` (the run's query-result body) to each webhook in turn, once, and logs how
    /// each went.
    pub async fn deliver(&self, run_id: &str, specs: &[WebhookSpec<'_>], body: &Value) {
        for spec in specs {
            let (status, error) = match self.send(spec, body).await {
                Ok(status) => (Some(status), None),
                Err(error) => (None, Some(error)),
            };
            let mut log = lock(&self.log);
            if log.len() == MAX_DELIVERIES_LOGGED {
                log.remove(0);
            }
            log.push(WebhookDelivery {
                run_id: run_id.to_owned(),
                method: spec.method.to_string(),
                url: spec.url.to_string(),
                status,
                error,
            });
        }
    }

    async fn send(&self, spec: &WebhookSpec<'_>, body: &Value) -> Result<u16, String> {
        let http = self
            .http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .map_err(|e| format!("the webhook HTTP client could not be built: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let method = if spec.method == "GET" { reqwest::Method::GET } else { reqwest::Method::POST };
        let mut request = http.request(method, &*spec.url).json(body);
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
        lock(&self.log).clone()
    }
}
