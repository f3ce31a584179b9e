//! The documented exit codes, and which failures map to which.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | a run failed, or a check failed (a key of another workflow, a broken `.flow`) |
//! | 2 | the command line or the configuration is wrong (clap's usage errors included) |
//! | 3 | the network or the server failed |
//!
//! A batch exits with the highest code among its inputs' failures.

use std::process::ExitCode;

use gptbots_runtime::Error;

/// Why a command did not succeed, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// What the exit code says.
    pub kind: FailureKind,
    /// The report printed on stderr.
    pub error: anyhow::Error,
    /// What to do about it, printed after the report.
    pub hint: Option<String>,
}

/// The classes of failure, one exit code each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureKind {
    /// 1: a run failed, or a check failed (a key for another workflow, a broken `.flow`).
    Failed,
    /// 2: the command line or the configuration is wrong.
    Usage,
    /// 3: the network or the server failed.
    Server,
}

impl FailureKind {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            FailureKind::Failed => 1,
            FailureKind::Usage => 2,
            FailureKind::Server => 3,
        }
    }

    /// The process exit code, for `main`.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// The class of a runtime error.
    ///
    /// The server refusing a request as malformed or unauthorised (HTTP 4xx other than 408 and
    /// 429, or a `{code, message}` answer in GPTBots' 4xxxx range) is a usage or configuration
    /// mistake: the same command fails again until the key, the id or the input changes.
    /// Everything that may pass when tried again later (5xx, 408, 429, timeouts, broken
    /// connections, answers this client cannot read) is the network's or the server's.
    pub fn of(error: &Error) -> Self {
        match error {
            Error::MissingKey { .. } | Error::Config(_) | Error::Input { .. } => FailureKind::Usage,
            Error::RunFailed { .. }
            | Error::OutputMismatch { .. }
            | Error::BudgetExceeded { .. }
            | Error::InDoubt { .. } => FailureKind::Failed,
            // The journal's path, or a journal of another batch: fix the command line.
            Error::Journal(_) => FailureKind::Usage,
            // A key configured for one workflow that runs another: fix the configuration.
            Error::WorkflowMismatch { .. } => FailureKind::Usage,
            Error::Http { status, .. } if (400..500).contains(status) && !matches!(status, 408 | 429) => {
                FailureKind::Usage
            }
            Error::Api { code, .. } if (40000..50000).contains(code) && *code != 42900 => FailureKind::Usage,
            _ => FailureKind::Server,
        }
    }
}

impl Failure {
    /// A usage or configuration mistake.
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Failure { kind: FailureKind::Usage, error: error.into(), hint: None }
    }

    /// A network or server failure.
    pub fn server(error: impl Into<anyhow::Error>) -> Self {
        Failure { kind: FailureKind::Server, error: error.into(), hint: None }
    }
}

impl From<Error> for Failure {
    /// Classifies a runtime error; one that may have started a paid run without naming it says
    /// so, so nobody runs the same invoke again blindly.
    fn from(error: Error) -> Self {
        let kind = FailureKind::of(&error);
        // The library's message names a Rust call; on the command line the fix is a variable
        // or a flag.
        if let Error::MissingKey { workflow_id, env_var, .. } = &error {
            let error = anyhow::anyhow!(
                "no GPTBots API key for workflow `{workflow_id}`: set {env_var} to its key, or set GPTBOTS_API_KEY or pass --key-file to give a key for every workflow"
            );
            return Failure { kind, error, hint: None };
        }
        let hint = (error.may_have_started_run() && error.run_id().is_none()).then(|| {
            "the invoke may have started a paid run on GPTBots: check the workflow's run logs before running it again"
                .to_owned()
        });
        Failure { kind, error: error.into(), hint }
    }
}

/// The result of a command.
pub type Outcome = Result<(), Failure>;
