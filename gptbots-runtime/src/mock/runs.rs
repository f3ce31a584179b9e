//! The runs the server started, sync and async, as `query/result` reports them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use std::borrow::Cow;

use serde_json::Value;

use super::registry::lock;
use crate::Status;
use crate::unix_time::millis_since_epoch;
use crate::wire::RunBody;

/// A run of the embedded server, as it stands now.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockRun {
    /// The run id (`workflowRunId`).
    pub run_id: String,
    /// The workflow that ran.
    pub workflow_id: String,
    /// `PENDING`, `RUNNING`, `SUCCEED` or `FAILED`.
    pub status: Status,
    /// The `userId` the invoke carried.
    pub user_id: Option<String>,
    /// The input as received.
    pub input: Value,
    /// The output, once the run succeeded.
    pub output: Option<Value>,
    /// The handler's message, when the run failed.
    pub error: Option<String>,
    /// Whether it was submitted with `isAsync: true`.
    pub is_async: bool,
    /// `workflowName` as scripted when the run started.
    pub workflow_name: String,
    /// `workflowVersion` as scripted when the run started.
    pub workflow_version: String,
    /// `totalCost`, reported once the run has ended.
    pub cost: f64,
    /// `totalTokens`, reported once the run has ended.
    pub tokens: u64,
    /// `startTime`, in milliseconds since the Unix epoch.
    pub start_ms: u64,
    /// `endTime`, in milliseconds since the Unix epoch, once the run has ended.
    pub end_ms: Option<u64>,
}

impl MockRun {
    /// The body `query/result` answers for this run (and a synchronous invoke, once finished).
    pub(super) fn to_json(&self) -> Value {
        let ended = self.status.is_terminal();
        self.body(RunBody {
            input: Some(&self.input),
            output: self.output.as_ref(),
            error_message: self.error.as_deref().map(Cow::Borrowed),
            start_time: Some(self.start_ms as f64),
            end_time: self.end_ms.map(|end| end as f64),
            workflow_execution_time: self.end_ms.map(|end| end.saturating_sub(self.start_ms) as f64),
            total_cost: ended.then_some(self.cost),
            total_tokens: ended.then_some(self.tokens as f64),
            ..RunBody::default()
        })
    }

    /// The answer to an async invoke: who the run is and its status.
    pub(super) fn ack_json(&self) -> Value {
        self.body(RunBody::default())
    }

    /// `fields` with who the run is and its status filled in, as JSON.
    fn body(&self, fields: RunBody<'_, &Value>) -> Value {
        let body = RunBody {
            workflow_id: Some(Cow::Borrowed(&self.workflow_id)),
            workflow_name: Some(Cow::Borrowed(&self.workflow_name)),
            workflow_version: Some(Cow::Borrowed(&self.workflow_version)),
            workflow_run_id: Some(Cow::Borrowed(&self.run_id)),
            status: Some(self.status.clone()),
            ..fields
        };
        serde_json::to_value(body).unwrap_or(Value::Null)
    }
}

/// The most runs kept; the oldest are forgotten (and answer 40348) so a long-lived server stays
/// bounded.
pub(super) const MAX_RUNS: usize = 100_000;

/// The runs (the latest [`MAX_RUNS`], as far as their inputs and outputs fit the byte budget),
/// by id.
pub(super) struct RunStore {
    inner: Mutex<Stored>,
    max_bytes: usize,
    next: AtomicU64,
    prefix: u32,
}

#[derive(Default)]
struct Stored {
    /// Each run with the JSON size of its input and output.
    runs: HashMap<String, (MockRun, usize)>,
    order: VecDeque<String>,
    bytes: usize,
}

impl Stored {
    fn forget_oldest(&mut self) -> bool {
        let Some(oldest) = self.order.pop_front() else { return false };
        if let Some((_, size)) = self.runs.remove(&oldest) {
            self.bytes -= size;
        }
        true
    }
}

impl RunStore {
    pub fn new(max_bytes: usize) -> Self {
        // Distinct servers hand out distinct run ids, so a run id from one never finds a run
        // of another.
        let prefix = millis_since_epoch(SystemTime::now()) as u32 ^ std::process::id().rotate_left(16);
        RunStore { inner: Mutex::default(), max_bytes, next: AtomicU64::new(1), prefix }
    }

    pub fn new_id(&self) -> String {
        format!("run_{:08x}{:06}", self.prefix, self.next.fetch_add(1, Ordering::Relaxed))
    }

    pub fn insert(&self, run: MockRun) {
        let size = json_size(&run);
        let mut stored = lock(&self.inner);
        while stored.order.len() >= MAX_RUNS || stored.bytes + size > self.max_bytes {
            if !stored.forget_oldest() {
                break;
            }
        }
        stored.bytes += size;
        stored.order.push_back(run.run_id.clone());
        stored.runs.insert(run.run_id.clone(), (run, size));
    }

    pub fn update(&self, run_id: &str, update: impl FnOnce(&mut MockRun)) {
        let mut stored = lock(&self.inner);
        let Some((run, size)) = stored.runs.get_mut(run_id) else { return };
        update(run);
        let (old, new) = (*size, json_size(run));
        *size = new;
        stored.bytes = stored.bytes - old + new;
    }

    pub fn get(&self, run_id: &str) -> Option<MockRun> {
        lock(&self.inner).runs.get(run_id).map(|(run, _)| run.clone())
    }

    /// The runs `keep` accepts, in the order they were started: those from `offset` on, at most
    /// `limit`, and how many it accepts in all.
    pub fn page(&self, keep: impl Fn(&MockRun) -> bool, offset: usize, limit: usize) -> (Vec<MockRun>, usize) {
        let stored = lock(&self.inner);
        let kept = stored.order.iter().filter_map(|id| stored.runs.get(id).map(|(run, _)| run)).filter(|run| keep(run));
        let mut page = Vec::new();
        let mut total = 0;
        for run in kept {
            if (offset..offset.saturating_add(limit)).contains(&total) {
                page.push(run.clone());
            }
            total += 1;
        }
        (page, total)
    }

    /// Every run in the order they were started.
    pub fn all(&self) -> Vec<MockRun> {
        let stored = lock(&self.inner);
        stored.order.iter().filter_map(|id| stored.runs.get(id).map(|(run, _)| run.clone())).collect()
    }
}

/// The bytes of a run's input and output as JSON, counted without writing them anywhere.
fn json_size(run: &MockRun) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, &run.input);
    let _ = serde_json::to_writer(&mut counter, &run.output);
    counter.0
}
