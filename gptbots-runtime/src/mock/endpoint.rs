//! The API endpoints the embedded server serves.

use crate::wire::{INVOKE_PATH, QUERY_PATH, RUN_LOGS_PATH, VERIFY_PATH};

/// One endpoint of the GPTBots Workflow API, used to aim a [`Fault`](super::Fault) or to filter
/// [recorded requests](super::RecordedRequest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /v1/workflow/invoke`.
    Invoke,
    /// `POST /v1/workflow/query/result`.
    QueryResult,
    /// `GET /v1/api-key/verify`.
    VerifyKey,
    /// `GET /v1/workflow/run/logs`.
    RunLogs,
}

impl Endpoint {
    /// The endpoint serving `path` (the query string ignored).
    pub fn from_path(path: &str) -> Option<Self> {
        match path.split('?').next().unwrap_or_default() {
            INVOKE_PATH => Some(Endpoint::Invoke),
            QUERY_PATH => Some(Endpoint::QueryResult),
            VERIFY_PATH => Some(Endpoint::VerifyKey),
            RUN_LOGS_PATH => Some(Endpoint::RunLogs),
            _ => None,
        }
    }

    /// The endpoint's path, e.g. `/v1/workflow/invoke`.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Invoke => INVOKE_PATH,
            Endpoint::QueryResult => QUERY_PATH,
            Endpoint::VerifyKey => VERIFY_PATH,
            Endpoint::RunLogs => RUN_LOGS_PATH,
        }
    }
}
