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
    not_found_grace: Duration,
}

/// How long, by default, a run the server says does not exist is taken as not visible yet.
pub const DEFAULT_NOT_FOUND_GRACE: Duration = Duration::from_secs(60);

/// Polling for a server that answers at once, such as the embedded one
/// ([`MockServer::client`](crate::mock::MockServer::client) uses it): delays from 5 ms doubling
/// up to 50 ms, a 5-minute deadline, 10 s per query, 5 s of grace for "does not exist".
pub const FAST_POLLING: PollPolicy = PollPolicy {
    deadline: Duration::from_secs(5 * 60),
    poll_timeout: Duration::from_secs(10),
    initial_delay: Duration::from_millis(5),
    max_delay: Duration::from_millis(50),
    not_found_grace: Duration::from_secs(5),
};

impl Default for PollPolicy {
    /// A 15-minute deadline, 30 s per query, delays from 1 s doubling up to 30 s, and
    /// "does not exist" taken as "not visible yet" for the first [`DEFAULT_NOT_FOUND_GRACE`].
    fn default() -> Self {
        PollPolicy {
            deadline: Duration::from_secs(15 * 60),
            poll_timeout: Duration::from_secs(30),
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            not_found_grace: DEFAULT_NOT_FOUND_GRACE,
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

    /// How long after a wait starts an answer "does not exist" (code 40348) is taken as "not
    /// visible yet" and polled again, for a run this process has just submitted.
    ///
    /// A run whose submit returned its id exists, but GPTBots' query endpoint may not know it
    /// for the first few polls. After the grace period the same answer ends the wait with that
    /// error, naming the run id. A handle rebuilt from a stored id
    /// ([`Client::resume`](crate::Client::resume)) gets no grace: its run was submitted long
    /// before, so "does not exist" is an answer.
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    /// The grace period of [`PollPolicy::not_found_grace`].
    pub fn not_found_grace_duration(&self) -> Duration {
        self.not_found_grace
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
