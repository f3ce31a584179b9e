//! Checking API keys when they are configured, so a bad key fails at start-up with a message
//! that names the key (never shows it) rather than on the first call.

use secrecy::{ExposeSecret, SecretString};

use crate::Error;
use crate::error::ConfigError;

/// Where a key came from, used to name it in errors.
pub(crate) enum KeySource<'a> {
    /// `ClientBuilder::api_key` or `GPTBOTS_API_KEY`.
    Default,
    /// `ClientBuilder::workflow_key` for this workflow id.
    Workflow(&'a str),
    /// `GPTBOTS_API_KEY_<ID>`: the variable's name.
    EnvVar(&'a str),
    /// `CallOptions::api_key`.
    Call,
}

impl std::fmt::Display for KeySource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Default => f.write_str("the default API key"),
            KeySource::Workflow(id) => write!(f, "the API key of workflow `{id}`"),
            KeySource::EnvVar(name) => write!(f, "the API key in {name}"),
            KeySource::Call => f.write_str("the API key given to this call"),
        }
    }
}

/// Accepts a key that can travel in an `Authorization: Bearer` header: not empty, printable
/// ASCII only. Control characters are refused by name because a trailing newline pasted with a
/// key is the usual cause, and it would otherwise allow header injection.
pub(crate) fn validate(key: &SecretString, source: KeySource<'_>) -> Result<(), Error> {
    let key = key.expose_secret();
    let problem = if key.is_empty() {
        "is empty"
    } else if key.chars().any(char::is_control) {
        "contains a control character (often a trailing newline)"
    } else if key.chars().any(|c| !c.is_ascii_graphic()) {
        "contains a space or a non-ASCII character"
    } else {
        return Ok(());
    };
    Err(ConfigError::InvalidKey { key: source.to_string(), problem }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(key: &str) -> Result<(), String> {
        validate(&SecretString::from(key), KeySource::Workflow("wf_news")).map_err(|e| e.to_string())
    }

    #[test]
    fn refuses_unusable_keys_without_showing_them() {
        assert!(check("app-Abc123_xyz.=").is_ok());
        for bad in ["app-secret\n", "app\rsecret", "app\0secret", "app secret", "app-sécret", ""] {
            let message = check(bad).unwrap_err();
            assert!(message.contains("workflow `wf_news`"), "{message}");
            assert!(!message.contains("secret"), "{message}");
        }
        assert!(check("app-secret\n").unwrap_err().contains("control character"));
    }
}
