//! A batch's budget: credits spent and credits reserved by the runs in flight.
//!
//! Before a run is submitted, every run already in flight is reserved at the highest cost a
//! finished run of the batch has reported so far, and the new run only goes out if the spent
//! and reserved credits plus its own estimate stay within the budget. The first run goes out
//! alone (nothing is known of the cost until it ends), so a batch whose runs all cost about the
//! same never overspends. The worst case: a run costlier than every run before it overshoots by
//! the difference, times the runs in flight when it ends.

use std::sync::Mutex;

use tokio::sync::Notify;

/// The budget of one batch, shared by its runs.
pub(super) struct Budget {
    limit: f64,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Default)]
struct State {
    spent: f64,
    highest: f64,
    in_flight: u32,
    finished: u64,
}

/// Why a run was not submitted: the budget is spent.
pub(super) struct Exhausted {
    pub limit: f64,
    pub spent: f64,
}

impl Budget {
    /// A budget of `limit` credits, of which `finished` earlier runs (from a journal) spent
    /// `spent`, the costliest `highest`.
    pub fn new(limit: f64, spent: f64, finished: u64, highest: f64) -> Self {
        let state = State { spent, finished, highest, ..State::default() };
        Budget { limit, state: Mutex::new(state), changed: Notify::new() }
    }

    /// Waits until one more run fits within the budget and reserves it, or says it never will.
    pub async fn reserve(&self) -> Result<(), Exhausted> {
        loop {
            let changed = self.changed.notified();
            {
                let mut state = self.lock();
                let committed = state.spent + f64::from(state.in_flight + 1) * state.highest;
                if state.spent >= self.limit || (state.in_flight == 0 && committed > self.limit) {
                    return Err(Exhausted { limit: self.limit, spent: state.spent });
                }
                let cost_unknown = state.finished == 0 && state.in_flight > 0;
                if !cost_unknown && committed <= self.limit {
                    state.in_flight += 1;
                    return Ok(());
                }
            }
            // A run in flight ends (or is released) before anything else can change.
            changed.await;
        }
    }

    /// A run ended, reporting `cost` (`None`: no cost reported); `reserved` when it was
    /// reserved here, not when it was a run submitted before the batch started.
    pub fn finished(&self, cost: Option<f64>, reserved: bool) {
        let mut state = self.lock();
        if reserved {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        state.finished += 1;
        if let Some(cost) = cost.filter(|cost| cost.is_finite() && *cost >= 0.0) {
            state.spent += cost;
            state.highest = state.highest.max(cost);
        }
        drop(state);
        self.changed.notify_waiters();
    }

    /// A reserved run was not started after all (its submit surely did not reach GPTBots).
    pub fn released(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.changed.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn runs_of_equal_cost_never_overspend_and_the_first_goes_alone() {
        let budget = Arc::new(Budget::new(3.0, 0.0, 0, 0.0));
        assert!(budget.reserve().await.is_ok());
        let second = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve().await.is_ok() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!second.is_finished(), "a second run went out before the first cost was known");
        budget.finished(Some(0.5), true);
        assert!(second.await.unwrap_or(false));
        // Spent 0.5, one in flight at 0.5: four more fit (0.5 + 5 × 0.5 = 3.0).
        for _ in 0..4 {
            assert!(budget.reserve().await.is_ok());
        }
        let sixth = tokio::time::timeout(Duration::from_millis(20), budget.reserve()).await;
        assert!(sixth.is_err(), "a sixth run would pass the budget while five are in flight");
        for _ in 0..5 {
            budget.finished(Some(0.5), true);
        }
        let refused = budget.reserve().await.err().map(|e| (e.limit, e.spent));
        assert_eq!(refused, Some((3.0, 3.0)));
    }

    #[tokio::test]
    async fn earlier_spending_counts_and_bad_costs_do_not() {
        let budget = Budget::new(1.0, 1.0, 2, 0.5);
        assert!(budget.reserve().await.is_err());
        let budget = Budget::new(1.0, 0.0, 0, 0.0);
        assert!(budget.reserve().await.is_ok());
        budget.finished(Some(-5.0), true);
        assert!(budget.reserve().await.is_ok());
        budget.finished(Some(f64::NAN), true);
        assert!(budget.reserve().await.is_ok());
        budget.finished(Some(0.75), true);
        assert!(budget.reserve().await.is_err(), "0.75 spent, one more at 0.75 would pass 1.0");
    }
}
