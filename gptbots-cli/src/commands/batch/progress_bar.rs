//! The batch's progress bar on stderr, drawn only when stderr is a terminal: a log file or a
//! pipe gets the summary line alone.

use std::io::IsTerminal;
use std::time::Duration;

use gptbots_runtime::async_run::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Draws `progress` against `total` inputs until the batch ends; `None` off a terminal.
pub fn show(mut progress: watch::Receiver<Progress>, total: u64) -> Option<JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{elapsed_precise} {wide_bar} {pos}/{len} {msg} ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(250));
    Some(tokio::spawn(async move {
        loop {
            let now = *progress.borrow_and_update();
            bar.set_position(now.done());
            bar.set_message(counts(&now));
            // The batch drops its side when it ends.
            if progress.changed().await.is_err() {
                break;
            }
        }
        bar.finish_and_clear();
    }))
}

/// The counts the bar shows beside it, and the summary line repeats.
pub fn counts(progress: &Progress) -> String {
    format!(
        "submitted {}, running {}, succeeded {}, failed {}, {} credits",
        progress.submitted,
        progress.running,
        progress.succeeded,
        progress.failed,
        round(progress.credits)
    )
}

/// Credits as people read them: no float noise like 0.30000000000000004.
fn round(credits: f64) -> f64 {
    (credits * 10_000.0).round() / 10_000.0
}
