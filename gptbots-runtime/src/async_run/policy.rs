//! How long and how often [`RunHandle::wait`](super::RunHandle::wait) polls a run.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// The polling schedule of [`RunHandle::wait`](super::RunHandle::wait): capped exponential
/// backoff with jitter, a limit per query and an overall deadline.
///
/// ```
/// use std::time::Duration;
/// use gptbots_runtime::async_run::PollPolicy;
///
/// let policy = PollPolicy::default()
///     .deadline(Duration::from_secs(120))
///     .backoff(Duration::from_millis(500), Duration::from_secs(10));
/// assert_eq!(policy.deadline_duration(), Duration::from_secs(120));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    deadline: Duration,
    poll_timeout: Duration,
    initial_delay: Duration,
    max_delay: Duration,
}

impl Default for PollPolicy {
    /// A 15-minute deadline, 30 s per query, delays from 1 s doubling up to 30 s.
    fn default() -> Self {
        PollPolicy {
            deadline: Duration::from_secs(15 * 60),
            poll_timeout: Duration::from_secs(30),
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl PollPolicy {
    /// The longest one `wait()` call may take, counted from the moment it starts. When it
    /// passes, `wait()` returns [`Error::Deadline`](crate::Error::Deadline) with the run id;
    /// the run itself goes on and can still be waited on.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The longest one query may take before it is abandoned and tried again.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The delay before the second query (`initial`), doubling after each query up to `max`.
    /// Each delay is jittered to between half and all of its value so that many waiters do not
    /// poll in step.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial.max(Duration::from_millis(1));
        self.max_delay = max.max(self.initial_delay);
        self
    }

    /// The overall deadline.
    pub fn deadline_duration(&self) -> Duration {
        self.deadline
    }

    /// The limit of one query.
    pub fn poll_timeout_duration(&self) -> Duration {
        self.poll_timeout
    }

    /// The delay after the `attempt`-th query (0-based), before jitter.
    pub(crate) fn base_delay(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.initial_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay after the `attempt`-th query, jittered to `[base / 2, base]`.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        jitter(self.base_delay(attempt))
    }
}

/// A random duration in `[base / 2, base]` ("equal jitter").
fn jitter(base: Duration) -> Duration {
    let half = base / 2;
    let span = (base - half).as_nanos() as u64;
    if span == 0 {
        return base;
    }
    // A fresh `RandomState` is randomly keyed: enough randomness to spread pollers apart
    // without a dependency.
    let random = RandomState::new().build_hasher().finish();
    half + Duration::from_nanos(random % (span + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let policy = PollPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(1000));
        let delays: Vec<_> = (0..6).map(|n| policy.base_delay(n)).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000].map(Duration::from_millis),
            "each delay doubles the one before until the cap"
        );
        assert_eq!(policy.base_delay(u32::MAX), Duration::from_millis(1000));
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        let policy = PollPolicy::default().backoff(Duration::from_millis(100), Duration::from_secs(1));
        for attempt in 0..20 {
            let base = policy.base_delay(attempt);
            let delay = policy.delay(attempt);
            assert!(delay >= base / 2 && delay <= base, "{delay:?} outside [{:?}, {base:?}]", base / 2);
        }
    }

    #[test]
    fn cap_below_initial_delay_is_raised_to_it() {
        let policy = PollPolicy::default().backoff(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(policy.base_delay(3), Duration::from_secs(2));
    }
}
