//! The journal in one SQLite file.
//!
//! SQLite through rusqlite (with SQLite compiled in, `bundled`): a single file that needs no
//! server, that `sqlite3` opens, and whose commits are durable when they return.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

use crate::unix_time::millis_since_epoch;

use super::{Entry, InputDigest, Journal, JournalError, Outcome, SendAttempt, Spent};

const LAYOUT: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batch (
  workflow_id TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  layout      INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  position     INTEGER PRIMARY KEY,
  input_sha256 TEXT NOT NULL,
  state        TEXT NOT NULL,
  sent_at      INTEGER,
  user_id      TEXT,
  run_id       TEXT,
  status       TEXT,
  output       TEXT,
  cost         REAL,
  tokens       INTEGER,
  error        TEXT,
  finished_at  INTEGER,
  note         TEXT
);";

/// A [`Journal`] in one SQLite file.
///
/// # Table layout
///
/// ```sql
/// CREATE TABLE batch (
///   workflow_id TEXT NOT NULL,     -- the workflow whose runs this file records
///   created_at  INTEGER NOT NULL,  -- epoch milliseconds
///   layout      INTEGER NOT NULL   -- 1
/// );
/// CREATE TABLE runs (
///   position     INTEGER PRIMARY KEY, -- the input's place in the batch, from 0
///   input_sha256 TEXT NOT NULL,       -- SHA-256 of the input's JSON
///   state        TEXT NOT NULL,       -- sending | submitted | succeeded | failed | not_started
///   sent_at      INTEGER,             -- epoch ms: when the submit was about to be sent
///   user_id      TEXT,                -- the user id the submit carried
///   run_id       TEXT,                -- as soon as the submit answer named it
///   status       TEXT,                -- SUCCEED, FAILED, ... as GPTBots spelt it
///   output       TEXT,                -- the End node's output, raw JSON
///   cost         REAL,                -- credits
///   tokens       INTEGER,
///   error        TEXT,                -- why the input did not succeed
///   finished_at  INTEGER,             -- epoch ms
///   note         TEXT                 -- why an unanswered submit was sent again
/// );
/// ```
///
/// `sending` is the one state a crash can leave in doubt: the submit was sent but its answer
/// never recorded. Questions people ask of it:
///
/// ```sh
/// sqlite3 runs.db "SELECT sum(cost), count(*) FROM runs"                  # what did it cost?
/// sqlite3 runs.db "SELECT position, run_id, cost FROM runs WHERE cost > 0"  # which runs cost what
/// sqlite3 runs.db "SELECT position, run_id, error FROM runs WHERE state = 'failed'"
/// sqlite3 runs.db "SELECT position, sent_at FROM runs WHERE state = 'sending'"  # in doubt
/// ```
///
/// The file is in WAL mode with `synchronous = FULL`: a commit has reached the disk when it
/// returns, so neither a killed process nor a power cut loses a recorded run id.
pub struct SqliteJournal {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteJournal {
    /// Opens the journal at `path`, creating the file and its tables if they do not exist.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let store = |source: rusqlite::Error| JournalError::Store {
            journal: path.display().to_string(),
            action: "opened",
            source: Box::new(source),
        };
        let connection = Connection::open(&path).map_err(store)?;
        connection.busy_timeout(Duration::from_secs(10)).map_err(store)?;
        connection.pragma_update(None, "journal_mode", "WAL").map_err(store)?;
        connection.pragma_update(None, "synchronous", "FULL").map_err(store)?;
        connection.execute_batch(SCHEMA).map_err(store)?;
        Ok(SqliteJournal { path, connection: Mutex::new(connection) })
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written: each statement
        // is its own transaction.
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn store_error(&self, action: &'static str) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
        move |source| JournalError::Store { journal: self.name(), action, source: Box::new(source) }
    }

    /// Runs one write that must change exactly the record at `position`; `unchanged` says what
    /// it means when it changes none.
    fn write(
        &self,
        sql: &str,
        values: impl rusqlite::Params,
        position: u64,
        unchanged: &str,
    ) -> Result<(), JournalError> {
        let changed = self.lock().execute(sql, values).map_err(self.store_error("written"))?;
        if changed == 0 {
            return Err(JournalError::Refused { journal: self.name(), position, what: unchanged.to_owned() });
        }
        Ok(())
    }
}

impl Journal for SqliteJournal {
    fn open_batch(&self, workflow_id: &str) -> Result<Spent, JournalError> {
        let connection = self.lock();
        let recorded: Option<String> = connection
            .query_row("SELECT workflow_id FROM batch LIMIT 1", [], |row| row.get(0))
            .optional()
            .map_err(self.store_error("read"))?;
        match recorded {
            Some(recorded) if recorded != workflow_id => {
                return Err(JournalError::OtherWorkflow {
                    journal: self.name(),
                    recorded,
                    given: workflow_id.to_owned(),
                });
            }
            Some(_) => {}
            None => {
                connection
                    .execute(
                        "INSERT INTO batch (workflow_id, created_at, layout) VALUES (?1, ?2, ?3)",
                        params![workflow_id, millis(SystemTime::now()), LAYOUT],
                    )
                    .map_err(self.store_error("written"))?;
            }
        }
        connection
            .query_row(
                "SELECT coalesce(sum(CASE WHEN cost > 0 THEN cost END), 0.0), count(finished_at),
                        coalesce(max(CASE WHEN cost > 0 THEN cost END), 0.0)
                 FROM runs",
                [],
                |row| {
                    Ok(Spent {
                        credits: row.get(0)?,
                        finished: row.get::<_, i64>(1)?.max(0) as u64,
                        highest: row.get(2)?,
                    })
                },
            )
            .map_err(self.store_error("read"))
    }

    fn entry(&self, position: u64, digest: &InputDigest) -> Result<Entry, JournalError> {
        let row = self
            .lock()
            .query_row(
                "SELECT input_sha256, state, sent_at, user_id, run_id, status, output, cost, tokens, error, finished_at
                 FROM runs WHERE position = ?1",
                params![position as i64],
                |row| {
                    Ok(Row {
                        digest: row.get(0)?,
                        state: row.get(1)?,
                        sent_at: row.get(2)?,
                        user_id: row.get(3)?,
                        run_id: row.get(4)?,
                        status: row.get(5)?,
                        output: row.get(6)?,
                        cost: row.get(7)?,
                        tokens: row.get(8)?,
                        error: row.get(9)?,
                        finished_at: row.get(10)?,
                    })
                },
            )
            .optional()
            .map_err(self.store_error("read"))?;
        let Some(row) = row else { return Ok(Entry::New) };
        let given = digest.to_hex();
        if row.digest != given {
            return Err(JournalError::InputChanged { journal: self.name(), position, recorded: row.digest, given });
        }
        let corrupt = |what: &str| JournalError::Corrupt { journal: self.name(), position, what: what.to_owned() };
        match row.state.as_str() {
            "not_started" => Ok(Entry::New),
            "sending" => Ok(Entry::InDoubt(SendAttempt {
                sent_at: row.sent_at.map(from_millis).ok_or_else(|| corrupt("state `sending` without `sent_at`"))?,
                user_id: row.user_id,
            })),
            "submitted" => Ok(Entry::Submitted {
                run_id: row.run_id.ok_or_else(|| corrupt("state `submitted` without `run_id`"))?,
            }),
            "succeeded" | "failed" => Ok(Entry::Finished(Outcome {
                run_id: row.run_id,
                status: row.status,
                output: row.output,
                cost: row.cost,
                tokens: row.tokens.map(|tokens| tokens.max(0) as u64),
                error: row.error,
                finished_at: row.finished_at.map(from_millis).unwrap_or(UNIX_EPOCH),
            })),
            other => Err(corrupt(&format!("unknown state `{other}`"))),
        }
    }

    fn sending(&self, position: u64, digest: &InputDigest, attempt: &SendAttempt) -> Result<(), JournalError> {
        self.write(
            "INSERT INTO runs (position, input_sha256, state, sent_at, user_id) VALUES (?1, ?2, 'sending', ?3, ?4)
             ON CONFLICT (position) DO UPDATE SET state = 'sending', sent_at = ?3, user_id = ?4
             WHERE input_sha256 = ?2 AND state = 'not_started'",
            params![position as i64, digest.to_hex(), millis(attempt.sent_at), attempt.user_id],
            position,
            "the input was already recorded as sent, so it must not be sent again",
        )
    }

    fn submitted(&self, position: u64, run_id: &str) -> Result<(), JournalError> {
        self.write(
            "UPDATE runs SET state = 'submitted', run_id = ?2 WHERE position = ?1",
            params![position as i64, run_id],
            position,
            "no record of the submit being sent",
        )
    }

    fn finished(&self, position: u64, outcome: &Outcome) -> Result<(), JournalError> {
        let state = if outcome.succeeded() { "succeeded" } else { "failed" };
        self.write(
            "UPDATE runs SET state = ?2, run_id = coalesce(?3, run_id), status = ?4, output = ?5, cost = ?6,
                 tokens = ?7, error = ?8, finished_at = ?9
             WHERE position = ?1",
            params![
                position as i64,
                state,
                outcome.run_id,
                outcome.status,
                outcome.output,
                outcome.cost,
                outcome.tokens.map(|tokens| tokens.min(i64::MAX as u64) as i64),
                outcome.error,
                millis(outcome.finished_at),
            ],
            position,
            "no record of the submit being sent",
        )
    }

    fn not_started(&self, position: u64, reason: &str) -> Result<(), JournalError> {
        self.write(
            "UPDATE runs SET state = 'not_started', note = ?2 WHERE position = ?1 AND state = 'sending'",
            params![position as i64, reason],
            position,
            "the input is not in doubt (no unanswered submit is recorded)",
        )
    }
}

struct Row {
    digest: String,
    state: String,
    sent_at: Option<i64>,
    user_id: Option<String>,
    run_id: Option<String>,
    status: Option<String>,
    output: Option<String>,
    cost: Option<f64>,
    tokens: Option<i64>,
    error: Option<String>,
    finished_at: Option<i64>,
}

/// Milliseconds since the Unix epoch, as SQLite stores integers.
fn millis(time: SystemTime) -> i64 {
    i64::try_from(millis_since_epoch(time)).unwrap_or(i64::MAX)
}

fn from_millis(millis: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(input: &str) -> InputDigest {
        InputDigest::of_json(input.as_bytes())
    }

    fn succeeded(run_id: &str, cost: f64) -> Outcome {
        Outcome {
            run_id: Some(run_id.into()),
            status: Some("SUCCEED".into()),
            output: Some(r#"{"news":[]}"#.into()),
            cost: Some(cost),
            tokens: Some(12),
            error: None,
            finished_at: SystemTime::now(),
        }
    }

    #[test]
    fn an_input_goes_from_new_to_in_doubt_to_submitted_to_finished_and_survives_reopening() -> Result<(), JournalError>
    {
        let dir = tempfile::tempdir().map_err(|e| JournalError::Store {
            journal: "tempdir".into(),
            action: "opened",
            source: Box::new(e),
        })?;
        let path = dir.path().join("runs.db");
        let input = digest(r#"{"topic":"rust"}"#);
        {
            let journal = SqliteJournal::open(&path)?;
            assert_eq!(journal.open_batch("wf_news")?, Spent::default());
            assert_eq!(journal.entry(0, &input)?, Entry::New);
            journal.sending(0, &input, &SendAttempt::now(Some("user-1".into())))?;
        }
        let journal = SqliteJournal::open(&path)?;
        let Entry::InDoubt(attempt) = journal.entry(0, &input)? else { panic!("not in doubt") };
        assert_eq!(attempt.user_id.as_deref(), Some("user-1"));
        journal.submitted(0, "run_1")?;
        assert_eq!(journal.entry(0, &input)?, Entry::Submitted { run_id: "run_1".into() });
        journal.finished(0, &succeeded("run_1", 0.5))?;
        drop(journal);

        let journal = SqliteJournal::open(&path)?;
        let spent = journal.open_batch("wf_news")?;
        assert_eq!((spent.credits, spent.finished), (0.5, 1));
        let Entry::Finished(outcome) = journal.entry(0, &input)? else { panic!("not finished") };
        assert!(outcome.succeeded());
        assert_eq!(outcome.run_id.as_deref(), Some("run_1"));
        assert_eq!(outcome.output.as_deref(), Some(r#"{"news":[]}"#));
        assert_eq!(outcome.tokens, Some(12));
        Ok(())
    }

    #[test]
    fn a_changed_input_or_another_workflow_is_refused_naming_the_position() -> Result<(), JournalError> {
        let journal = SqliteJournal::open(":memory:")?;
        journal.open_batch("wf_news")?;
        journal.sending(3, &digest("{\"topic\":\"a\"}"), &SendAttempt::now(None))?;
        let changed = journal.entry(3, &digest("{\"topic\":\"b\"}")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(changed.contains("position 3"), "{changed}");
        let other = journal.open_batch("wf_other").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(other.contains("`wf_news`") && other.contains("`wf_other`"), "{other}");
        Ok(())
    }

    #[test]
    fn an_in_doubt_submit_found_not_started_can_be_sent_again_and_the_note_stays() -> Result<(), JournalError> {
        let journal = SqliteJournal::open(":memory:")?;
        let input = digest("{}");
        journal.sending(0, &input, &SendAttempt::now(None))?;
        assert!(journal.sending(0, &input, &SendAttempt::now(None)).is_err(), "sent twice");
        journal.not_started(0, "not in the run logs after 60 s")?;
        assert_eq!(journal.entry(0, &input)?, Entry::New);
        journal.sending(0, &input, &SendAttempt::now(None))?;
        let note: Option<String> = journal
            .lock()
            .query_row("SELECT note FROM runs WHERE position = 0", [], |row| row.get(0))
            .map_err(|e| JournalError::Store { journal: "memory".into(), action: "read", source: Box::new(e) })?;
        assert_eq!(note.as_deref(), Some("not in the run logs after 60 s"));
        Ok(())
    }

    #[test]
    fn failed_runs_count_their_cost_and_negative_costs_do_not() -> Result<(), JournalError> {
        let journal = SqliteJournal::open(":memory:")?;
        for (position, cost) in [(0, 0.25), (1, -5.0)] {
            let input = digest(&position.to_string());
            journal.sending(position, &input, &SendAttempt::now(None))?;
            let mut outcome = succeeded("run", cost);
            outcome.error = Some("the run failed".into());
            journal.finished(position, &outcome)?;
        }
        let spent = journal.open_batch("wf")?;
        assert_eq!((spent.credits, spent.finished), (0.25, 2));
        Ok(())
    }
}
