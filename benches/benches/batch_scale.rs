//! A batch of 10,000 inputs against the embedded server at concurrency 256, with and without a
//! journal: wall time, client CPU per run, polls per run and the client's peak RSS.
//!
//! The server runs in a process of its own, so the client's CPU and memory are its own; each
//! batch runs in a fresh process too. `BATCH_INPUTS` changes the count.
//!
//! `cargo bench -p gptbots-benches --bench batch_scale`

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gptbots_runtime::async_run::PollPolicy;
use gptbots_runtime::journal::SqliteJournal;
use gptbots_runtime::mock::{Endpoint, MockServer};
use gptbots_runtime::{Client, workflow, workflow_output};
use serde_json::json;

const CONCURRENCY: usize = 256;

#[workflow_output]
struct Digest {
    news: Vec<Item>,
}

#[workflow_output]
struct Item {
    title: String,
}

#[workflow(id = "wf_scale", output = Digest)]
struct Scale {
    topic: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| arg != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("--serve") => serve(),
        Some("--measure") => measure(&args[1], &args[2], &args[3], args[4].parse().expect("input count")),
        _ => compare(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// The server process: prints its URL and key, then answers each line on stdin with the
/// invoke and query counts so far; ends when stdin closes.
fn serve() {
    runtime().block_on(async {
        let server = MockServer::builder().max_async_runs(4 * CONCURRENCY).start().await.expect("embedded server");
        let workflow = server.register_raw("wf_scale", |input: serde_json::Value| async move {
            Ok(json!({ "news": [{ "title": format!("{}: the story", input["topic"].as_str().unwrap_or_default()) }] }))
        });
        workflow.cost(0.01).latency(Duration::from_millis(50));
        println!("{} {}", server.url(), workflow.key());
        let lines = tokio::task::spawn_blocking(move || {
            let stdin = std::io::stdin();
            for _ in stdin.lock().lines().map_while(Result::ok) {
                let invokes = server.request_count(Endpoint::Invoke);
                let queries = server.request_count(Endpoint::QueryResult);
                println!("{invokes} {queries}");
                let _ = std::io::stdout().flush();
            }
        });
        let _ = lines.await;
    });
}

/// One batch in this process: prints wall seconds, CPU seconds, peak RSS bytes, failures.
fn measure(mode: &str, url: &str, key: &str, inputs: usize) {
    let journal_path = std::env::temp_dir().join(format!("gptbots-batch-scale-{}.db", std::process::id()));
    let started = Instant::now();
    let failures = runtime().block_on(async {
        let client = Client::builder()
            .base_url(url)
            .workflow_key("wf_scale", key)
            .poll_policy(PollPolicy::default().backoff(Duration::from_millis(25), Duration::from_millis(200)))
            .build()
            .expect("client");
        let batch = client.batch((0..inputs).map(|i| Scale { topic: format!("topic {i}") })).concurrency(CONCURRENCY);
        let batch =
            if mode == "journal" { batch.journal(SqliteJournal::open(&journal_path).expect("journal")) } else { batch };
        let mut results = batch.stream();
        let mut failures = 0;
        while let Some((_, result)) = results.next().await {
            failures += usize::from(result.is_err());
        }
        failures
    });
    let wall = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&journal_path);
    let (cpu, peak_rss) = usage();
    println!("{wall} {cpu} {peak_rss} {failures}");
}

/// CPU seconds (user + system) and peak RSS in bytes of this process.
fn usage() -> (f64, u64) {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_maxrss as u64 * 1024)
}

fn compare() {
    let inputs: usize = std::env::var("BATCH_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let own = std::env::current_exe().expect("own path");
    let mut server =
        Command::new(&own).arg("--serve").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("server process");
    let mut to_server = server.stdin.take().expect("server stdin");
    let mut from_server = BufReader::new(server.stdout.take().expect("server stdout"));
    let mut line = String::new();
    from_server.read_line(&mut line).expect("server address");
    let (url, key) = line.trim().split_once(' ').expect("url and key");
    let (url, key) = (url.to_owned(), key.to_owned());
    let mut counts = || {
        writeln!(to_server, "count").expect("ask the server");
        let mut line = String::new();
        from_server.read_line(&mut line).expect("counts");
        let fields: Vec<f64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        (fields[0], fields[1])
    };

    let mut rows = Vec::new();
    let mut cpu_per_run = Vec::new();
    for mode in ["plain", "journal"] {
        let (invokes_before, queries_before) = counts();
        let output = Command::new(&own)
            .args(["--measure", mode, &url, &key, &inputs.to_string()])
            .output()
            .expect("measuring process");
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<f64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        let [wall, cpu, peak, failures] = fields[..] else {
            panic!("the measuring process said {text:?} {}", String::from_utf8_lossy(&output.stderr));
        };
        let (invokes, queries) = counts();
        let runs = invokes - invokes_before;
        cpu_per_run.push(cpu / runs);
        rows.push(format!(
            "| {} | {inputs} | {failures} | {wall:.2} | {:.0} | {:.3} | {:.2} | {:.1} |",
            if mode == "plain" { "no journal" } else { "SQLite journal" },
            inputs as f64 / wall,
            cpu / runs * 1e3,
            (queries - queries_before) / runs,
            peak / 1e6,
        ));
    }
    drop(to_server);
    let _ = server.wait();
    println!("\nBatch of {inputs} inputs, concurrency {CONCURRENCY}, server in its own process\n");
    println!("| batch | inputs | failed | wall s | runs/s | client CPU ms/run | polls/run | client peak RSS MB |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!("\njournal / no journal, client CPU per run: {:.2}x", cpu_per_run[1] / cpu_per_run[0]);
}
