//! How long and how often [`RunHandle::wait`](super::RunHandle::wait) polls a run.

use std::time::Duration;

use backon::BackoffBuilder;

use crate::retry::equal_jitter;

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

    /// The delays between queries, each jittered to between half and all of its value (the
    /// same backoff as the client's retries).
    pub(crate) fn delays(&self) -> impl Iterator<Item = Duration> {
        equal_jitter(self.initial_delay, self.max_delay).without_max_times().build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_jittered_between_half_and_all() {
        let policy = PollPolicy::default().backoff(Duration::from_millis(100), Duration::from_millis(1000));
        for (attempt, delay) in policy.delays().take(30).enumerate() {
            let base = (Duration::from_millis(100) * 2u32.pow(attempt.min(10) as u32)).min(Duration::from_millis(1000));
            assert!(
                delay >= base / 2 && delay <= base,
                "attempt {attempt}: {delay:?} outside [{:?}, {base:?}]",
                base / 2
            );
        }
    }

    #[test]
    fn cap_below_initial_delay_is_raised_to_it() {
        let policy = PollPolicy::default().backoff(Duration::from_secs(2), Duration::from_secs(1));
        let late = policy.delays().nth(5).unwrap_or_default();
        assert!(late >= Duration::from_secs(1) && late <= Duration::from_secs(2), "{late:?}");
    }
}
