//! Durable records of a batch: which input started which paid run, and how it ended.
//!
//! A batch given a [`Journal`] writes, for each input position, the input's digest, the moment
//! its submit is about to be sent, the run id as soon as the submit answer names it, and the
//! run's outcome when it ends. Each write is durable before the batch takes the step that
//! depends on it, so after a crash the same batch run again with the same journal:
//!
//! - returns the recorded outcome of every finished input without any request;
//! - resumes every input that has a run id but no outcome, by its run id (never resubmitting it);
//! - submits only the inputs that were never sent;
//! - looks up, rather than resubmits, every input whose submit was sent but never answered
//!   ([`Entry::InDoubt`]): that submit may have started a run.
//!
//! [`SqliteJournal`] is the store this crate ships: one SQLite file per
//! batch, readable with `sqlite3` (its table layout is documented there).
//!
//! # Another store
//!
//! The trait is synchronous and object-safe, and the batch calls it from
//! [`tokio::task::spawn_blocking`], so a store that talks to a database with a blocking client
//! (the `postgres` crate, say) fits without changing the batch. A store shared by a fleet of
//! workers needs, beyond the same table keyed by (batch, position): a claim on each position
//! before its submit is sent (`UPDATE ... SET state = 'sending', owner = $me WHERE state = 'new'`,
//! so that two workers never send the same input), and a lease that expires so that another
//! worker can take over the positions of one that died.

mod sqlite;

use std::fmt;
use std::time::SystemTime;

pub use sqlite::SqliteJournal;

/// A durable record of one batch, position by position. See the [module docs](self).
///
/// Every method must have made its write durable when it returns `Ok`: the batch sends a paid
/// request right after [`Journal::sending`] returns, and forgets a run id right after
/// [`Journal::submitted`] returns.
pub trait Journal: Send + Sync {
    /// Binds the journal to the batch's workflow and tells what earlier runs of it spent.
    ///
    /// Refuses a journal that records another workflow's runs.
    fn open_batch(&self, workflow_id: &str) -> Result<Spent, JournalError>;

    /// What the journal knows of the input at `position`.
    ///
    /// Refuses an input whose digest differs from the one recorded at that position, so one
    /// journal never mixes two batches.
    fn entry(&self, position: u64, digest: &InputDigest) -> Result<Entry, JournalError>;

    /// Records that the submit of the input at `position` is about to be sent.
    fn sending(&self, position: u64, digest: &InputDigest, attempt: &SendAttempt) -> Result<(), JournalError>;

    /// Records the run id the submit answer named.
    fn submitted(&self, position: u64, run_id: &str) -> Result<(), JournalError>;

    /// Records how the run of the input at `position` ended.
    fn finished(&self, position: u64, outcome: &Outcome) -> Result<(), JournalError>;

    /// Records that an in-doubt submit was found not to have started a run, and why, so the
    /// input can be submitted again.
    fn not_started(&self, position: u64, reason: &str) -> Result<(), JournalError>;
}

/// What earlier runs recorded in a journal cost, so a budget counts them too.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct Spent {
    /// The credits of every recorded outcome that reported a cost.
    pub credits: f64,
    /// How many outcomes are recorded.
    pub finished: u64,
    /// The highest cost one recorded run reported.
    pub highest: f64,
}

/// The SHA-256 of an input's JSON, as the batch serializes it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InputDigest([u8; 32]);

impl InputDigest {
    /// The digest of an input's serialized JSON.
    pub fn of_json(json: &[u8]) -> Self {
        use sha2::Digest;
        InputDigest(sha2::Sha256::digest(json).into())
    }

    /// The digest as 64 lower-case hex digits, as journals store it.
    pub fn to_hex(&self) -> String {
        use std::fmt::Write;
        self.0.iter().fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
    }
}

impl fmt::Debug for InputDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InputDigest({})", self.to_hex())
    }
}

/// What a journal knows of one input.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Entry {
    /// Never sent (or found not to have started): submit it.
    New,
    /// Its submit was sent but no answer was recorded: it may have started a paid run. Look it
    /// up before sending it again.
    InDoubt(SendAttempt),
    /// Submitted with this run id and not finished: resume it by id.
    Submitted {
        /// The run id the submit answer named.
        run_id: String,
    },
    /// Finished: this is its outcome.
    Finished(Outcome),
}

/// When a submit was sent and with which user id: what a run-log lookup needs to find the run
/// it may have started.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SendAttempt {
    /// When the submit was about to be sent.
    pub sent_at: SystemTime,
    /// The user id the submit carried, if any.
    pub user_id: Option<String>,
}

impl SendAttempt {
    /// A submit sent now with `user_id`.
    pub fn now(user_id: Option<String>) -> Self {
        SendAttempt { sent_at: SystemTime::now(), user_id }
    }
}

/// How a run ended, as a journal records it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outcome {
    /// The run id, when the run got one.
    pub run_id: Option<String>,
    /// The run's status as GPTBots spelt it (`SUCCEED`, `FAILED`, ...), when it reported one.
    pub status: Option<String>,
    /// The End node's output, as raw JSON, when the run returned one.
    pub output: Option<String>,
    /// Credits the run reported.
    pub cost: Option<f64>,
    /// Tokens the run reported.
    pub tokens: Option<u64>,
    /// Why the input did not succeed, when it did not.
    pub error: Option<String>,
    /// When the outcome was recorded.
    pub finished_at: SystemTime,
}

impl Outcome {
    /// Whether the input succeeded (an outcome without an error).
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// A journal could not be read or written, or does not belong to this batch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The input at a position is not the one the journal recorded there.
    #[error(
        "the input at position {position} differs from the one journal `{journal}` recorded there (sha256 {recorded}, now {given}): use a new journal for a new batch, or restore the original input"
    )]
    InputChanged {
        /// Where the journal lives.
        journal: String,
        /// The position (0-based) of the input.
        position: u64,
        /// The recorded digest, in hex.
        recorded: String,
        /// The digest of the input given now, in hex.
        given: String,
    },
    /// The journal records the runs of another workflow.
    #[error("journal `{journal}` records a batch of workflow `{recorded}`, not `{given}`: use one journal per batch")]
    OtherWorkflow {
        /// Where the journal lives.
        journal: String,
        /// The workflow the journal records.
        recorded: String,
        /// The workflow of the batch that opened it.
        given: String,
    },
    /// A row of the journal cannot be read back.
    #[error("journal `{journal}` has an unreadable record at position {position}: {what}")]
    Corrupt {
        /// Where the journal lives.
        journal: String,
        /// The position of the record.
        position: u64,
        /// What is wrong with it.
        what: String,
    },
    /// A change of an input's state that its recorded state does not allow (sending an input
    /// recorded as sent, say): the record is intact, the step was refused.
    #[error("journal `{journal}` refused to record position {position}: {what}")]
    Refused {
        /// Where the journal lives.
        journal: String,
        /// The position (0-based) of the input.
        position: u64,
        /// Why the change does not apply.
        what: String,
    },
    /// The store itself failed.
    #[error("journal `{journal}` could not be {action}")]
    Store {
        /// Where the journal lives.
        journal: String,
        /// What was being done (`opened`, `written`, `read`).
        action: &'static str,
        /// The store's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
