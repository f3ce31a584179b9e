//! What the benchmarks share: the workflow, the envelope server (run in a child process so its
//! CPU time is not the client's), process CPU and memory readings, medians and tables.
// Each bench target uses a subset.
#![allow(dead_code)]

pub mod heap;

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use gptbots_runtime::{workflow, workflow_output};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// The API key every client sends; the server does not check it.
pub const KEY: &str = "app-benchmark-key-0123456789";

/// The input every client sends, pre-serialized for the raw hyper client.
pub const REQUEST_BODY: &[u8] = br#"{"input":{"topic":"rust","maxItems":3}}"#;

/// The output of the benchmark workflow: like `todayNews`, with a score per item.
#[workflow_output]
#[derive(Debug)]
pub struct Digest {
    pub news: Vec<Item>,
}

/// One item of [`Digest`].
#[workflow_output]
#[derive(Debug)]
pub struct Item {
    pub title: String,
    pub media: String,
    pub summary: String,
    pub score: f64,
}

/// The benchmark workflow.
#[workflow(id = "wf_bench_news", output = Digest)]
#[serde(rename_all = "camelCase")]
pub struct BenchNews {
    pub topic: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
}

/// A successful run envelope whose `output` is a [`Digest`] of about `output_bytes` bytes of
/// JSON (at least one item).
pub fn envelope(output_bytes: usize) -> Vec<u8> {
    let item = |i: usize| {
        format!(
            r#"{{"title":"Story {i} of the day about rust","media":"The Daily Compiler","summary":"What happened today in rust, as The Daily Compiler reports it; item {i} of the digest, with enough words to look like a real summary.","score":0.{i:04}}}"#
        )
    };
    let mut output = String::from(r#"{"news":["#);
    let mut i = 0;
    while i == 0 || output.len() + 2 < output_bytes {
        if i > 0 {
            output.push(',');
        }
        output.push_str(&item(i % 10_000));
        i += 1;
    }
    output.push_str("]}");
    format!(
        r#"{{"workflowId":"wf_bench_news","workflowName":"benchNews","workflowVersion":"3","workflowRunId":"run_0123456789abcdef","input":{{"topic":"rust","maxItems":3}},"output":{output},"workflowExecutionTime":1234,"status":"SUCCEED","totalCost":0.25,"totalTokens":812,"startTime":1767225600000,"endTime":1767225601234}}"#
    )
    .into_bytes()
}

/// Runs the envelope server when this executable was started as one (`--serve <bytes>`), and
/// never returns then. Paths under `/small/` get a 1 KB envelope (for warming up), all others
/// the `<bytes>` one.
pub fn serve_if_asked() {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == "--serve") else { return };
    let bytes: usize = args.get(at + 1).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(serve(Bytes::from(envelope(bytes)), Bytes::from(envelope(1024))));
    std::process::exit(0);
}

async fn serve(large: Bytes, small: Bytes) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    println!("{}", listener.local_addr().expect("address").port());
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let (large, small) = (large.clone(), small.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let body = if request.uri().path().starts_with("/small/") { small.clone() } else { large.clone() };
                // The request body is left unread: hyper drains it before the next request.
                async move {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(body))
                            .expect("response"),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// The envelope server in a child process; killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts this executable as a server answering with an output of `output_bytes`.
    pub fn start(output_bytes: usize) -> Server {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .args(["--serve", &output_bytes.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the envelope server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("server port");
        let port = line.trim().parse().expect("server port");
        Server { child, port }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time of this process so far (all threads).
pub fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Starts the peak resident set size ([`peak_rss`]) again from the resident set now: Linux's
/// `clear_refs` with `5`. Where that is refused, the peak stays the peak since the start.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size of this process so far (`VmHWM`), in bytes.
pub fn peak_rss() -> u64 {
    status_kib("VmHWM:") * 1024
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// The median of `values` (the lower middle for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len().saturating_sub(1) / 2).copied().unwrap_or(0.0)
}

/// `BENCH_REPS` from the environment, else `default`.
pub fn repetitions(default: usize) -> usize {
    std::env::var("BENCH_REPS").ok().and_then(|r| r.parse().ok()).filter(|&r| r > 0).unwrap_or(default)
}

/// Prints a Markdown table.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    println!("| {} |", header.join(" | "));
    println!("|{}", header.iter().map(|_| "---|").collect::<String>());
    for row in rows {
        println!("| {} |", row.join(" | "));
    }
}

/// A generated export of about `bytes` bytes: a Start and an End node, then CODE nodes with
/// long descriptions and code, the bulk a reader of the contract skips.
pub fn big_flow(bytes: usize) -> String {
    let param = |id: &str, name: &str, ty: &str, required: bool| {
        format!(r#"{{ "id": "{id}", "name": "{name}", "type": "{ty}", "required": {required}, "desc": "" }}"#)
    };
    let start = format!(
        r#"{{ "id": "start-1", "name": "Start", "type": "START", "x": 0, "y": 0, "desc": "", "inputs": [], "outputs": [{}, {}, {}, {}, {}] }}"#,
        param("p1", "topic", "STRING", true),
        param("p2", "maxItems", "INTEGER", false),
        param("p3", "languages", "ARRAY_STRING", false),
        param("p4", "ratio", "NUMBER", true),
        param("p5", "enabled", "BOOLEAN", true),
    );
    let end = r#"{ "id": "end-1", "name": "End", "type": "END", "x": 900, "y": 0, "desc": "", "inputs": [ { "name": "news", "type": "ARRAY_STRING", "source": "NODE", "value": "code-0#news#n" }, { "name": "total", "type": "INTEGER", "source": "NODE", "value": "code-0#total#t" } ], "outputs": [], "endParam": { "outputType": "VARIABLE" } }"#;
    let code_line = "result = [item.strip() for item in items if item and not item.startswith('#')]\\n";
    let mut nodes = vec![start, end.to_owned()];
    let mut edges = Vec::new();
    let mut size = nodes.iter().map(String::len).sum::<usize>();
    let mut i = 0;
    while size < bytes {
        let node = format!(
            r#"{{ "id": "code-{i}", "name": "Code {i}", "type": "CODE", "x": {x}, "y": {y}, "desc": "{desc}", "inputs": [ {{ "name": "items", "type": "ARRAY_STRING", "source": "NODE", "value": "start-1#topic#p1" }} ], "outputs": [ {{ "id": "n", "name": "news", "type": "ARRAY_STRING" }}, {{ "id": "t", "name": "total", "type": "INTEGER" }} ], "codeParam": {{ "language": "python3", "code": "{code}" }} }}"#,
            x = 300 + i % 7 * 10,
            y = i * 40,
            desc = "Cleans the items of the previous step. ".repeat(10),
            code = code_line.repeat(40),
        );
        size += node.len();
        nodes.push(node);
        edges.push(format!(
            r#"{{ "id": "e{i}", "sourceNodeID": "start-1", "targetNodeID": "code-{i}", "sourceHandle": "source-start-1", "targetHandle": "target-code-{i}" }}"#
        ));
        i += 1;
    }
    format!(
        r#"{{ "formatVersion": "1.0", "exportType": "WORKFLOW", "exportTime": 1767225600000, "name": "big", "botType": "Workflow", "workflow": {{ "workflowNodes": [{}], "workflowEdges": [{}] }} }}"#,
        nodes.join(",\n"),
        edges.join(",\n")
    )
}
