//! Webhooks of async runs, as an invoke names them: checked when the run is submitted.
//! [`delivery`](super::delivery) sends them when the run ends.

use crate::async_run::redact_url;
use reqwest::Url;
use reqwest::header::HeaderName;

use crate::wire::{MAX_WEBHOOKS, WebhookSpec};

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
        let url = Url::parse(&spec.url).map_err(|e| {
            format!("invalid parameter `webhook[{i}].url`: `{}` is not a URL ({e})", redact_url(&spec.url))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(format!(
                "invalid parameter `webhook[{i}].url`: expected an http:// or https:// URL with a host, got `{}`",
                redact_url(&spec.url)
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
