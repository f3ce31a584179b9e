//! The client's configuration, read as `Client::from_env` reads it (`GPTBOTS_API_KEY`,
//! `GPTBOTS_API_KEY_<ID>`, `GPTBOTS_BASE_URL`), plus `--base-url` and `--key-file`.
//!
//! A key is never a command-line value: arguments end up in shell history and in `ps` for
//! every user of the machine to read.

use std::path::Path;

use anyhow::Context;
use gptbots_runtime::{Client, ClientBuilder};
use secrecy::{ExposeSecret, SecretString};

use crate::args::Connection;
use crate::exit::Failure;

/// The variable holding the default key.
pub const DEFAULT_KEY_VAR: &str = "GPTBOTS_API_KEY";

/// The prefix of a workflow's own key variable.
const WORKFLOW_KEY_PREFIX: &str = "GPTBOTS_API_KEY_";

/// One configured key and where it came from.
pub struct ConfiguredKey {
    /// Where it came from: `GPTBOTS_API_KEY`, `GPTBOTS_API_KEY_<ID>` or `--key-file <PATH>`.
    pub source: String,
    /// The workflow key variable it is, when it is one: the key must belong to the workflow
    /// whose id maps to this name.
    pub workflow_var: Option<String>,
    /// The key.
    pub key: SecretString,
}

/// The client every command that calls GPTBots uses.
pub fn client(connection: &Connection) -> Result<Client, Failure> {
    let mut builder = ClientBuilder::from_env();
    if let Some(path) = &connection.key_file {
        builder = builder.api_key(read_key_file(path)?.expose_secret());
    }
    if let Some(url) = &connection.base_url {
        builder = builder.base_url(url.as_str());
    }
    builder.build().map_err(Failure::from)
}

/// Every key the configuration holds, the default one first, then the workflows' keys by name.
pub fn keys(connection: &Connection) -> Result<Vec<ConfiguredKey>, Failure> {
    let mut keys = Vec::new();
    match &connection.key_file {
        Some(path) => keys.push(ConfiguredKey {
            source: format!("--key-file {}", path.display()),
            workflow_var: None,
            key: read_key_file(path)?,
        }),
        None => {
            if let Some(key) = env_value(DEFAULT_KEY_VAR) {
                keys.push(ConfiguredKey { source: DEFAULT_KEY_VAR.to_owned(), workflow_var: None, key });
            }
        }
    }
    let mut workflow_keys: Vec<ConfiguredKey> = std::env::vars_os()
        .filter_map(|(name, value)| {
            let (name, value) = (name.into_string().ok()?, value.into_string().ok()?);
            let is_workflow_key = name.strip_prefix(WORKFLOW_KEY_PREFIX).is_some_and(|id| !id.is_empty());
            (is_workflow_key && !value.is_empty()).then(|| ConfiguredKey {
                source: name.clone(),
                workflow_var: Some(name),
                key: SecretString::from(value),
            })
        })
        .collect();
    workflow_keys.sort_by(|a, b| a.source.cmp(&b.source));
    keys.extend(workflow_keys);
    Ok(keys)
}

/// The whole content of `path`, trimmed: one key.
fn read_key_file(path: &Path) -> Result<SecretString, Failure> {
    let content = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))
        .map_err(Failure::usage)?;
    let key = content.trim();
    if key.is_empty() {
        return Err(Failure::usage(anyhow::anyhow!("the key file {} is empty", path.display())));
    }
    Ok(SecretString::from(key.to_owned()))
}

/// A variable as `Client::from_env` reads it: empty counts as unset.
fn env_value(name: &str) -> Option<SecretString> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty()).map(SecretString::from)
}
