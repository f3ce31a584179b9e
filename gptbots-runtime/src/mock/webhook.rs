//! Webhooks of async runs, as an invoke names them: checked when the run is submitted.
//! [`delivery`](super::delivery) sends them when the run ends.

use std::collections::BTreeMap;

use reqwest::Url;
use reqwest::header::HeaderName;
use serde::Deserialize;

/// The most webhooks one run may carry, as on GPTBots.
pub(super) const MAX_WEBHOOKS: usize = 5;

/// One entry of an invoke's `webhook` array.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct WebhookSpec {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Checks an invoke's webhooks; the error names the failing field.
pub(super) fn validate(specs: &[WebhookSpec]) -> Result<(), String> {
    if specs.len() > MAX_WEBHOOKS {
        return Err(format!("invalid parameter `webhook`: at most {MAX_WEBHOOKS} webhooks, got {}", specs.len()));
    }
    for (i, spec) in specs.iter().enumerate() {
        if !matches!(spec.method.as_str(), "GET" | "POST") {
            return Err(format!(
                "invalid parameter `webhook[{i}].method`: expected GET or POST, got `{}`",
                spec.method
            ));
        }
        let url = Url::parse(&spec.url)
            .map_err(|e| format!("invalid parameter `webhook[{i}].url`: `{}` is not a URL ({e})", spec.url))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(format!(
                "invalid parameter `webhook[{i}].url`: expected an http:// or https:// URL with a host, got `{}`",
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

/// True for the hosts the embedded server delivers to: loopback addresses and `localhost`
/// (which it resolves to loopback itself, whatever the system resolver says).
pub(super) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
