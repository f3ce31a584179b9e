//! Webhooks GPTBots calls when an async run finishes, validated before they are sent.

use std::borrow::Cow;
use std::fmt;

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
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
/// is a valid HTTP header, named once, and not one that frames the request (`Host`,
/// `Content-Length`, `Transfer-Encoding`, `Connection`, ...).
///
/// Anyone who learns a webhook URL can post to it, so give the receiver a way to tell GPTBots
/// from a forger: [`Webhook::secret`] adds a shared secret as the
/// [`WEBHOOK_SECRET_HEADER`] header, which the axum extractor checks (feature `webhook-axum`,
/// see `WebhookReceiver`).
///
/// `Debug` prints neither header values nor the URL's userinfo and query (where `GET` webhooks
/// usually carry their secret); neither do the errors.
///
/// ```
/// use gptbots_runtime::async_run::Webhook;
///
/// let hook = Webhook::post("https://example.com/gptbots/done")?.secret("s3cret-from-config")?;
/// assert_eq!(hook.url().as_str(), "https://example.com/gptbots/done");
/// assert!(!format!("{hook:?}").contains("s3cret"));
/// assert!(Webhook::post("http://example.com/done").is_err());
/// # Ok::<(), gptbots_runtime::async_run::WebhookError>(())
/// ```
#[derive(Clone)]
pub struct Webhook {
    method: WebhookMethod,
    url: Url,
    headers: Vec<(HeaderName, HeaderValue)>,
    secret: Option<SecretString>,
}

/// The header [`Webhook::secret`] sets and the receiver checks: `x-gptbots-webhook-secret`.
pub const WEBHOOK_SECRET_HEADER: &str = "x-gptbots-webhook-secret";

/// Headers that frame the HTTP request rather than describe it: a webhook that set them could
/// desynchronise the receiver's parser or misroute the call, so [`Webhook::header`] refuses them.
const FRAMING_HEADERS: [&str; 8] =
    ["host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade"];

impl PartialEq for Webhook {
    fn eq(&self, other: &Self) -> bool {
        let secret = |hook: &Webhook| hook.secret.as_ref().map(|s| s.expose_secret().to_owned());
        self.method == other.method
            && self.url == other.url
            && self.headers == other.headers
            && secret(self) == secret(other)
    }
}

impl Eq for Webhook {}

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
        Ok(Webhook { method, url: validate_url(url)?, headers: Vec::new(), secret: None })
    }

    /// Adds a header GPTBots sends with the call.
    ///
    /// Refused: a name given twice (names are case-insensitive), a framing header (`Host`,
    /// `Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`, `TE`, `Trailer`,
    /// `Upgrade`), and a value that is not visible ASCII. For the secret the receiver checks,
    /// use [`Webhook::secret`].
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, WebhookError> {
        let header_name = self.new_header_name(name)?;
        let header_value = header_value(name, value)?;
        self.headers.push((header_name, header_value));
        Ok(self)
    }

    /// Sends `secret` as the [`WEBHOOK_SECRET_HEADER`] header, for the receiver to check that
    /// the call comes from GPTBots (the axum extractor does, in constant time, before reading
    /// the body). Use a long random value (32 bytes, hex- or base64-encoded) kept in your
    /// configuration, not in code; it is never printed.
    ///
    /// Refused: an empty secret, one that is not visible ASCII, and a second secret.
    pub fn secret(mut self, secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        let secret = secret.into();
        self.new_header_name(WEBHOOK_SECRET_HEADER)?;
        if secret.expose_secret().is_empty() {
            return Err(WebhookError::InvalidHeaderValue { name: WEBHOOK_SECRET_HEADER.to_owned() });
        }
        header_value(WEBHOOK_SECRET_HEADER, secret.expose_secret())?;
        self.secret = Some(secret);
        Ok(self)
    }

    /// Whether [`Webhook::secret`] was set.
    pub fn has_secret(&self) -> bool {
        self.secret.is_some()
    }

    fn new_header_name(&self, name: &str) -> Result<HeaderName, WebhookError> {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| WebhookError::InvalidHeaderName { name: name.to_owned() })?;
        if FRAMING_HEADERS.contains(&header_name.as_str()) {
            return Err(WebhookError::FramingHeader { name: name.to_owned() });
        }
        if self.header_names().any(|taken| taken == header_name.as_str()) {
            return Err(WebhookError::DuplicateHeader { name: name.to_owned() });
        }
        Ok(header_name)
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
    /// The names of the headers sent with the call, [`WEBHOOK_SECRET_HEADER`] last if set.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        let secret = self.secret.as_ref().map(|_| WEBHOOK_SECRET_HEADER);
        self.headers.iter().map(|(name, _)| name.as_str()).chain(secret)
    }
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, WebhookError> {
    HeaderValue::from_str(value)
        .ok()
        .filter(|v| v.to_str().is_ok())
        .ok_or_else(|| WebhookError::InvalidHeaderValue { name: name.to_owned() })
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("method", &self.method)
            .field("url", &redact_url(self.url.as_str()))
            .field("headers", &self.header_names().collect::<Vec<_>>())
            .finish()
    }
}

/// `url` with its userinfo, query and fragment replaced by `***`: where secrets of a webhook
/// URL usually are. Works on text, so that a URL that does not parse is redacted too.
pub(crate) fn redact_url(url: &str) -> String {
    let (before_query, rest) = match url.find(['?', '#']) {
        Some(at) => (&url[..at], Some(&url[at..at + 1])),
        None => (url, None),
    };
    let authority_start = before_query.find("://").map_or(0, |at| at + 3);
    let authority_end = before_query[authority_start..].find('/').map_or(before_query.len(), |at| authority_start + at);
    let mut shown = String::with_capacity(url.len());
    match before_query[authority_start..authority_end].rfind('@') {
        Some(at) => {
            shown.push_str(&before_query[..authority_start]);
            shown.push_str("***");
            shown.push_str(&before_query[authority_start + at..]);
        }
        None => shown.push_str(before_query),
    }
    if let Some(mark) = rest {
        shown.push_str(mark);
        shown.push_str("***");
    }
    shown
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
                .chain(
                    self.secret
                        .as_ref()
                        .map(|secret| (Cow::Borrowed(WEBHOOK_SECRET_HEADER), Cow::Borrowed(secret.expose_secret()))),
                )
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
        Url::parse(raw.trim()).map_err(|e| WebhookError::InvalidUrl { url: redact_url(raw), reason: e.to_string() })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(WebhookError::InsecureUrl { url: redact_url(raw) }),
        other => Err(WebhookError::UnsupportedScheme { url: redact_url(raw), scheme: other.to_owned() }),
    }
}

/// Why a webhook was refused before anything was sent.
///
/// URLs in these errors have their userinfo, query and fragment replaced by `***`, and header
/// values are never repeated: both often carry secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The URL does not parse.
    #[error("webhook URL `{url}` is not a URL ({reason}); give an absolute https:// URL")]
    InvalidUrl {
        /// The URL as given, redacted.
        url: String,
        /// What the parser reported.
        reason: String,
    },
    /// The URL is plain `http://` to a host that is not loopback.
    #[error(
        "webhook URL `{url}` sends the run over plain http to a non-loopback host; use https:// (http:// is allowed only to localhost, 127.0.0.0/8 and [::1])"
    )]
    InsecureUrl {
        /// The URL as given, redacted.
        url: String,
    },
    /// The URL is neither `https://` nor `http://`.
    #[error("webhook URL `{url}` has scheme `{scheme}`; use https://")]
    UnsupportedScheme {
        /// The URL as given, redacted.
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
    /// A header name given twice (names are case-insensitive).
    #[error("webhook header `{name}` is given twice; give each header once")]
    DuplicateHeader {
        /// The name as given the second time.
        name: String,
    },
    /// A header that frames the request (`Host`, `Content-Length`, `Transfer-Encoding`, ...).
    #[error("webhook header `{name}` frames the HTTP request and is set by GPTBots' HTTP client; drop it")]
    FramingHeader {
        /// The name as given.
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
    fn duplicate_and_framing_headers_are_refused_whatever_their_case() {
        let hook = Webhook::post("https://h.example/").and_then(|w| w.header("X-Token", "a")).unwrap();
        let err = hook.clone().header("x-TOKEN", "b").unwrap_err();
        assert_eq!(err, WebhookError::DuplicateHeader { name: "x-TOKEN".into() });
        for name in ["Host", "content-length", "Transfer-Encoding", "CONNECTION", "upgrade"] {
            let err = hook.clone().header(name, "x").unwrap_err();
            assert_eq!(err, WebhookError::FramingHeader { name: name.into() }, "{name}");
        }
        let secret_twice = hook.clone().header(WEBHOOK_SECRET_HEADER, "a").and_then(|w| w.secret("b"));
        assert!(matches!(secret_twice, Err(WebhookError::DuplicateHeader { .. })));
        assert!(matches!(
            hook.clone().secret("a").and_then(|w| w.secret("b")),
            Err(WebhookError::DuplicateHeader { .. })
        ));
        assert!(matches!(hook.clone().secret(""), Err(WebhookError::InvalidHeaderValue { .. })));
        assert!(matches!(hook.secret("line\nbreak"), Err(WebhookError::InvalidHeaderValue { .. })));
    }

    #[test]
    fn the_secret_goes_on_the_wire_but_never_into_debug() {
        let hook = Webhook::post("https://h.example/done").and_then(|w| w.secret("hunter2-long-secret")).unwrap();
        assert!(hook.has_secret());
        assert_eq!(
            serde_json::to_value(&hook).unwrap()["headers"],
            serde_json::json!({"x-gptbots-webhook-secret": "hunter2-long-secret"})
        );
        let shown = format!("{hook:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains(WEBHOOK_SECRET_HEADER), "{shown}");
    }

    #[test]
    fn debug_and_errors_never_show_userinfo_or_query() {
        let hook = Webhook::get("https://bob:pa55@h.example/done?token=t0p&x=1#frag").unwrap();
        let shown = format!("{hook:?}");
        for secret in ["bob", "pa55", "t0p", "frag"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("https://***@h.example/done?***"), "{shown}");

        for error in [
            Webhook::get("http://bob:pa55@example.com/done?token=t0p").unwrap_err(),
            Webhook::get("ftp://bob:pa55@example.com/done?token=t0p").unwrap_err(),
            Webhook::get("https://bob:pa55@exa mple.com/done?token=t0p").unwrap_err(),
        ] {
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains("pa55") && !text.contains("t0p") && !text.contains("bob"), "{text}");
            }
        }
    }

    #[test]
    fn redaction_keeps_what_identifies_the_receiver() {
        assert_eq!(redact_url("https://h.example:8443/a/b"), "https://h.example:8443/a/b");
        assert_eq!(redact_url("https://u@h.example/a@b?c"), "https://***@h.example/a@b?***");
        assert_eq!(redact_url("u:p@h.example/x#y"), "***@h.example/x#***");
    }

    #[test]
    fn at_most_five_per_run() {
        let hook = Webhook::post("https://h.example/").unwrap();
        assert!(validate_count(&vec![hook.clone(); 5]).is_ok());
        assert_eq!(validate_count(&vec![hook; 6]), Err(WebhookError::TooMany { count: 6 }));
    }
}
