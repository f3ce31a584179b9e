//! Whether a URL stays on this machine: plain `http://` is allowed there (for the embedded
//! server and local receivers) because the traffic never crosses a network.

use std::net::IpAddr;

use reqwest::Url;

/// True for `localhost`, `127.0.0.0/8` and `[::1]`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_loopback() {
        let loopback = |url: &str| Url::parse(url).is_ok_and(|url| is_loopback(&url));
        for url in ["http://localhost:1", "http://LOCALHOST/", "http://127.8.9.10/", "http://[::1]:80/"] {
            assert!(loopback(url), "{url}");
        }
        for url in ["http://localhost.example.com/", "http://10.0.0.1/", "http://[::2]/", "file:///tmp"] {
            assert!(!loopback(url), "{url}");
        }
    }
}
