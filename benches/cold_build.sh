#!/usr/bin/env bash
# Cold build of a fresh binary that calls one workflow through gptbots-runtime, against one that
# makes the same call with reqwest + serde + schemars + tokio alone (BENCHMARKS.md, section 4).
#
#   bash benches/cold_build.sh [SCRATCH_DIR]      # default /tmp/gptbots-cold-build
#   CRATES=runtime bash benches/cold_build.sh     # only one of the two
#
# Each crate gets an empty target directory of its own, the workspace's Cargo.lock (same
# dependency versions) and its sources fetched beforehand, so only compilation is timed. The
# two builds run one after the other; on a shared machine compare them within one run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${1:-/tmp/gptbots-cold-build}"
rm -rf "$scratch"
mkdir -p "$scratch/baseline/src" "$scratch/runtime/src"

cat > "$scratch/baseline/Cargo.toml" <<TOML
[package]
name = "cold-baseline"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "rustls", "http2"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
schemars = { version = "1", default-features = false, features = ["derive", "std"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[workspace]
TOML
cat > "$scratch/baseline/src/main.rs" <<'RUST'
//! A typed workflow call written by hand: what gptbots-runtime is measured against.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
struct TodayNews { topic: String }

#[derive(Deserialize, JsonSchema)]
struct NewsDigest { news: Vec<News> }

#[derive(Deserialize, JsonSchema)]
struct News { title: String }

#[derive(Deserialize)]
struct Response { output: NewsDigest }

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _schema = schemars::schema_for!(TodayNews);
    let body = serde_json::json!({ "input": TodayNews { topic: "rust".into() } });
    let response: Response = reqwest::Client::new()
        .post("https://api.gptbots.ai/v1/workflow/invoke")
        .bearer_auth(std::env::var("GPTBOTS_API_KEY")?)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    for news in response.output.news { println!("{}", news.title); }
    Ok(())
}
RUST

cat > "$scratch/runtime/Cargo.toml" <<TOML
[package]
name = "cold-runtime"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
gptbots-runtime = { path = "$root/gptbots-runtime" }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[workspace]
TOML
cat > "$scratch/runtime/src/main.rs" <<'RUST'
//! The same call through gptbots-runtime.
use gptbots_runtime::{Client, workflow, workflow_output};

#[workflow_output]
struct NewsDigest { news: Vec<News> }

#[workflow_output]
struct News { title: String }

#[workflow(id = "wf_today_news", output = NewsDigest)]
struct TodayNews { topic: String }

#[tokio::main]
async fn main() -> Result<(), gptbots_runtime::Error> {
    let run = TodayNews { topic: "rust".into() }.invoke(&Client::from_env()?).await?;
    for news in run.output.news { println!("{}", news.title); }
    Ok(())
}
RUST

for crate in runtime baseline; do
    cp "$root/Cargo.lock" "$scratch/$crate/"
    (cd "$scratch/$crate" && cargo fetch --quiet)
done
for crate in ${CRATES:-runtime baseline}; do
    crates=$(cd "$scratch/$crate" && cargo tree -e normal,build --prefix none --no-dedupe | sed 's/ (\*)//; s/ (proc-macro)//' | awk '{print $1" "$2}' | sort -u | wc -l)
    load=$(cut -d' ' -f1 /proc/loadavg)
    # Wall time, and CPU time (user + system of cargo and every compiler it ran), which the
    # other work on a shared machine disturbs less.
    TIMEFORMAT="%R %U %S"
    times=$( { time (cd "$scratch/$crate" && CARGO_TARGET_DIR="$scratch/target-$crate" cargo build --quiet) ; } 2>&1 | tail -1)
    read -r wall user sys <<<"$times"
    printf '%-8s %3d crates  wall %6.1f s  cpu %6.1f s  (load average before: %s)\n' \
        "$crate" "$crates" "$wall" "$(echo "$user + $sys" | bc)" "$load"
done
