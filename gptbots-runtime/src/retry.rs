//! When a request is sent again, and how long the client waits before it does.
//!
//! The rule: a request that starts a run (an invoke) is repeated only when it surely did not
//! reach GPTBots, because a run costs credits and a second one would be paid twice. A request
//! that only reads (querying a run's result) may also be repeated after server faults and broken
//! connections. See RELIABILITY.md for the outcome of every fault.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;

/// How the client repeats requests that failed on the way to GPTBots.
///
/// An invoke is repeated only when it surely did not reach the server: the connection could not
/// be made, the server answered HTTP 429, or it answered 503 with a `Retry-After` header. Reads
/// (querying a run) are also repeated after other 5xx answers, broken connections and timeouts.
///
/// The wait between attempts grows exponentially from [`RetryPolicy::backoff`]'s minimum to its
/// maximum, each jittered to between half and all of its value. When the server sends `Retry-After`, the client waits that long
/// instead, unless it asks for more than [`RetryPolicy::max_retry_after`]: then the client stops
/// and returns the error, so a caller is never blocked longer than it agreed to.
///
/// ```
/// use std::time::Duration;
/// use gptbots_runtime::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("app-key")
///     .retry(RetryPolicy::default().max_attempts(5).backoff(Duration::from_millis(200), Duration::from_secs(5)))
///     .build()?;
/// # Ok::<(), gptbots_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    min_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts in all, waits from 500 ms up to 8 s, `Retry-After` honoured up to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends every request exactly once.
    pub fn never() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// The most attempts for one call, the first included (at least 1). Default 3.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first wait between attempts and the longest one. Default 500 ms and 8 s.
    pub fn backoff(mut self, min_delay: Duration, max_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self.max_delay = max_delay.max(min_delay);
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the retries and the
    /// call returns the server's answer as an error. Default 30 s.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// The most attempts for one call, the first included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn backoff_builder(&self) -> ExponentialBuilder {
        equal_jitter(self.min_delay, self.max_delay).with_max_times(self.max_attempts.saturating_sub(1) as usize)
    }

    /// The wait before the next attempt, or `None` to stop: `backoff` is backon's proposal
    /// (`None` once the attempts are spent), `retry_after` what the server asked for.
    pub(crate) fn next_delay(&self, backoff: Option<Duration>, retry_after: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        match retry_after {
            Some(asked) if asked > self.max_retry_after => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }
}

/// The one backoff of the crate, for retries and for polling: delays doubling from `min` up to
/// `max`, each jittered to between half and all of its value ("equal jitter"), so that many
/// clients do not hit the server in step. backon adds its jitter on top of a delay (up to as
/// much again), so the schedule is built from halves.
pub(crate) fn equal_jitter(min: Duration, max: Duration) -> ExponentialBuilder {
    ExponentialBuilder::default().with_min_delay(min / 2).with_max_delay((max / 2).max(min / 2)).with_jitter()
}

/// Whether a request may be sent again after it may have reached the server.
///
/// The transport (`Transport::call`) takes one per call. Code that adds an endpoint picks:
/// [`Idempotency::StartsRun`] for anything that may start or change a run (sending it twice may
/// be paid twice), [`Idempotency::ReadOnly`] for reads such as `query/result` polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Repeated only when it surely did not reach the server.
    StartsRun,
    /// Also repeated after 5xx answers, broken connections and timeouts.
    ReadOnly,
}

/// What a failed attempt tells about the request reaching the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// It surely did not reach the server, or the server said it did not process it.
    NotProcessed,
    /// It may have reached the server (and may have started a run).
    Unknown,
}

impl Delivery {
    /// Whether an attempt that failed this way may be repeated for a request of this kind.
    pub(crate) fn allows_retry(self, idempotency: Idempotency) -> bool {
        match (self, idempotency) {
            (Delivery::NotProcessed, _) => true,
            (Delivery::Unknown, Idempotency::ReadOnly) => true,
            (Delivery::Unknown, Idempotency::StartsRun) => false,
        }
    }
}

/// What an HTTP error status says about delivery, or `None` for statuses that are final
/// answers (4xx other than 429, 501, ...) and go to the caller as they are.
pub(crate) fn delivery_of_status(status: u16, has_retry_after: bool) -> Option<Delivery> {
    match status {
        429 => Some(Delivery::NotProcessed),
        // 503 with Retry-After is the server saying it refused the request for now.
        503 if has_retry_after => Some(Delivery::NotProcessed),
        500 | 502 | 503 | 504 => Some(Delivery::Unknown),
        _ => None,
    }
}

/// Parses a `Retry-After` header: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use backon::BackoffBuilder;

    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(20));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(20)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(20));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_beyond_the_cap_stops_retrying() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        let step = Some(Duration::from_millis(100));
        assert_eq!(policy.next_delay(step, Some(Duration::from_secs(6))), None);
        assert_eq!(policy.next_delay(step, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
        assert_eq!(policy.next_delay(step, None), step);
        assert_eq!(policy.next_delay(None, Some(Duration::from_secs(1))), None);
    }

    #[test]
    fn only_undelivered_requests_that_start_runs_are_repeated() {
        assert!(Delivery::NotProcessed.allows_retry(Idempotency::StartsRun));
        assert!(!Delivery::Unknown.allows_retry(Idempotency::StartsRun));
        assert!(Delivery::Unknown.allows_retry(Idempotency::ReadOnly));
        assert_eq!(delivery_of_status(429, false), Some(Delivery::NotProcessed));
        assert_eq!(delivery_of_status(503, true), Some(Delivery::NotProcessed));
        assert_eq!(delivery_of_status(503, false), Some(Delivery::Unknown));
        assert_eq!(delivery_of_status(502, true), Some(Delivery::Unknown));
        assert_eq!(delivery_of_status(404, false), None);
    }

    #[test]
    fn delays_double_up_to_the_cap_jittered_between_half_and_all() {
        let (min, max) = (Duration::from_millis(100), Duration::from_millis(1000));
        let delays: Vec<_> = equal_jitter(min, max).without_max_times().build().take(20).collect();
        for (attempt, delay) in delays.into_iter().enumerate() {
            let base = (min * 2u32.pow(attempt.min(10) as u32)).min(max);
            assert!(
                delay >= base / 2 && delay <= base,
                "attempt {attempt}: {delay:?} outside [{:?}, {base:?}]",
                base / 2
            );
        }
    }

    #[test]
    fn attempts_count_the_first_one() {
        assert_eq!(RetryPolicy::never().backoff_builder().build().count(), 0);
        assert_eq!(RetryPolicy::default().max_attempts(4).backoff_builder().build().count(), 3);
    }
}
