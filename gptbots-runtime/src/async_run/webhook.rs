//! Webhooks GPTBots calls when an async run finishes, validated before they are sent.

use std::borrow::Cow;
use std::fmt;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use serde::ser::{Serialize, Serializer};

use crate::loopback::is_loopback;
use crate::wire::{MAX_WEBHOOKS, WebhookSpec};

/// The HTTP method GPTBots uses to call a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookMethod {
    /// `POST`, with the run as the JSON body.
    Post,
    /// `GET`.
    Get,
}

impl WebhookMethod {
    /// The wire spelling, `"POST"` or `"GET"`.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookMethod::Post => "POST",
            WebhookMethod::Get => "GET",
        }
    }
}

/// A URL GPTBots calls when an async run finishes.
///
/// Built only through constructors that validate it: the URL is `https://`, or `http://` to a
/// loopback host (`localhost`, `127.0.0.0/8`, `[::1]`) for local development, and every header
/// is a valid HTTP header. Header values are never printed by `Debug`: they often carry the
/// secret that authenticates GPTBots to the receiver.
///
/// ```
/// use gptbots_runtime::async_run::Webhook;
///
/// let hook = Webhook::post("https://example.com/gptbots/done")?.header("x-hook-token", "s3cret")?;
/// assert_eq!(hook.url().as_str(), "https://example.com/gptbots/done");
/// assert!(Webhook::post("http://example.com/done").is_err());
/// # Ok::<(), gptbots_runtime::async_run::WebhookError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    method: WebhookMethod,
    url: Url,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Webhook {
    /// A webhook GPTBots calls with `POST`.
    pub fn post(url: &str) -> Result<Self, WebhookError> {
        Webhook::new(WebhookMethod::Post, url)
    }

    /// A webhook GPTBots calls with `GET`.
    pub fn get(url: &str) -> Result<Self, WebhookError> {
        Webhook::new(WebhookMethod::Get, url)
    }

    /// A webhook called with `method`.
    pub fn new(method: WebhookMethod, url: &str) -> Result<Self, WebhookError> {
        Ok(Webhook { method, url: validate_url(url)?, headers: Vec::new() })
    }

    /// Adds a header GPTBots sends with the call, e.g. a token the receiver checks.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, WebhookError> {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| WebhookError::InvalidHeaderName { name: name.to_owned() })?;
        let header_value = HeaderValue::from_str(value)
            .ok()
            .filter(|v| v.to_str().is_ok())
            .ok_or_else(|| WebhookError::InvalidHeaderValue { name: name.to_owned() })?;
        self.headers.push((header_name, header_value));
        Ok(self)
    }

    /// The method GPTBots calls the URL with.
    pub fn method(&self) -> WebhookMethod {
        self.method
    }

    /// The URL GPTBots calls.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The names of the headers sent with the call.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().map(|(name, _)| name.as_str())
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &self.header_names().collect::<Vec<_>>())
            .finish()
    }
}

impl Webhook {
    /// The wire shape: `{"method": "POST", "url": "...", "headers": {"name": "value"}}`.
    pub(crate) fn spec(&self) -> WebhookSpec<'_> {
        WebhookSpec {
            method: Cow::Borrowed(self.method.as_str()),
            url: Cow::Borrowed(self.url.as_str()),
            // Values were checked to be visible ASCII when the header was added.
            headers: self
                .headers
                .iter()
                .map(|(name, value)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(value.to_str().unwrap_or_default())))
                .collect(),
        }
    }
}

/// Serializes as the invoke body carries it: `{"method": "POST", "url": "...", "headers": {"name": "value"}}`.
impl Serialize for Webhook {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spec().serialize(serializer)
    }
}

/// Checks the webhooks of one submit: at most [`MAX_WEBHOOKS`].
pub(crate) fn validate_count(webhooks: &[Webhook]) -> Result<(), WebhookError> {
    if webhooks.len() > MAX_WEBHOOKS {
        return Err(WebhookError::TooMany { count: webhooks.len() });
    }
    Ok(())
}

fn validate_url(raw: &str) -> Result<Url, WebhookError> {
    let url =
        Url::parse(raw.trim()).map_err(|e| WebhookError::InvalidUrl { url: raw.to_owned(), reason: e.to_string() })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(WebhookError::InsecureUrl { url: raw.to_owned() }),
        other => Err(WebhookError::UnsupportedScheme { url: raw.to_owned(), scheme: other.to_owned() }),
    }
}

/// Why a webhook was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The URL does not parse.
    #[error("webhook URL `{url}` is not a URL ({reason}); give an absolute https:// URL")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What the parser reported.
        reason: String,
    },
    /// The URL is plain `http://` to a host that is not loopback.
    #[error(
        "webhook URL `{url}` sends the run over plain http to a non-loopback host; use https:// (http:// is allowed only to localhost, 127.0.0.0/8 and [::1])"
    )]
    InsecureUrl {
        /// The URL as given.
        url: String,
    },
    /// The URL is neither `https://` nor `http://`.
    #[error("webhook URL `{url}` has scheme `{scheme}`; use https://")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// A header name is not a valid HTTP header name.
    #[error("webhook header name `{name}` is not a valid HTTP header name; use letters, digits and `-`")]
    InvalidHeaderName {
        /// The name as given.
        name: String,
    },
    /// A header value is not a valid HTTP header value (the value itself is not repeated, since
    /// it is often a secret).
    #[error(
        "the value of webhook header `{name}` is not a valid HTTP header value; use visible ASCII without line breaks"
    )]
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
    /// More than [`MAX_WEBHOOKS`] webhooks on one run.
    #[error("{count} webhooks given but GPTBots accepts at most {MAX_WEBHOOKS} per run; drop {}", count - MAX_WEBHOOKS)]
    TooMany {
        /// How many were given.
        count: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for url in [
            "https://hooks.example.com/done",
            "http://localhost:8080/done",
            "http://LOCALHOST/done",
            "http://127.0.0.1:3000/done",
            "http://127.8.9.10/done",
            "http://[::1]:3000/done",
        ] {
            assert!(Webhook::post(url).is_ok(), "{url} should be accepted");
        }
    }

    #[test]
    fn plain_http_elsewhere_and_other_schemes_are_refused() {
        assert!(matches!(Webhook::post("http://example.com/done"), Err(WebhookError::InsecureUrl { .. })));
        assert!(matches!(Webhook::post("http://10.0.0.1/done"), Err(WebhookError::InsecureUrl { .. })));
        assert!(matches!(Webhook::post("http://localhost.example.com/"), Err(WebhookError::InsecureUrl { .. })));
        assert!(matches!(Webhook::get("ftp://example.com/done"), Err(WebhookError::UnsupportedScheme { .. })));
        assert!(matches!(Webhook::get("/relative/path"), Err(WebhookError::InvalidUrl { .. })));
    }

    #[test]
    fn headers_are_checked_and_their_values_never_printed() {
        let err = Webhook::post("https://h.example/").and_then(|w| w.header("bad name", "v")).unwrap_err();
        assert_eq!(err, WebhookError::InvalidHeaderName { name: "bad name".into() });
        let err = Webhook::post("https://h.example/").and_then(|w| w.header("x-token", "s3cret\nvalue")).unwrap_err();
        assert_eq!(err, WebhookError::InvalidHeaderValue { name: "x-token".into() });
        assert!(!err.to_string().contains("s3cret"));

        let hook = Webhook::post("https://h.example/").and_then(|w| w.header("x-token", "s3cret")).unwrap();
        assert!(!format!("{hook:?}").contains("s3cret"));
        assert!(format!("{hook:?}").contains("x-token"));
    }

    #[test]
    fn serializes_to_the_wire_shape() {
        let hook = Webhook::get("https://h.example/done?x=1").and_then(|w| w.header("X-Token", "abc")).unwrap();
        assert_eq!(
            serde_json::to_value(&hook).unwrap(),
            serde_json::json!({"method": "GET", "url": "https://h.example/done?x=1", "headers": {"x-token": "abc"}})
        );
    }

    #[test]
    fn at_most_five_per_run() {
        let hook = Webhook::post("https://h.example/").unwrap();
        assert!(validate_count(&vec![hook.clone(); 5]).is_ok());
        assert_eq!(validate_count(&vec![hook; 6]), Err(WebhookError::TooMany { count: 6 }));
    }
}
