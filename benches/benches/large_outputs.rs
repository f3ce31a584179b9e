//! Large outputs: 1 KB, 1 MB and 10 MB outputs through the typed path (`#[workflow]` invoke to
//! `Run<Digest>`), each size in a fresh process so its peak memory is its own: with the default
//! client, which decodes a large body chunk by chunk, and with one that decodes every body as one
//! slice (`streamed_body_bytes(usize::MAX)`). For comparison, the same through reqwest into a
//! `serde_json::Value`.
//!
//! `cargo bench -p gptbots-benches --bench large_outputs`

mod common;

#[global_allocator]
static HEAP: common::heap::Counting = common::heap::Counting;

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use common::{BenchNews, Digest, KEY, Server};
use serde_json::{Value, json};

const SIZES: [(usize, &str); 3] = [(1_000, "1 KB"), (1_000_000, "1 MB"), (10_000_000, "10 MB")];

/// What one fresh process measured.
struct Measured {
    envelope_bytes: u64,
    peak_growth: u64,
    heap_growth: u64,
    output_heap: u64,
    invoke_ms: f64,
    decode_ms: f64,
}

fn main() {
    common::serve_if_asked();
    if let Some(measured) = measure_if_asked() {
        println!(
            "{} {} {} {} {} {}",
            measured.envelope_bytes,
            measured.peak_growth,
            measured.heap_growth,
            measured.output_heap,
            measured.invoke_ms,
            measured.decode_ms
        );
        return;
    }
    let mut rows = Vec::new();
    for (bytes, label) in SIZES {
        let server = Server::start(bytes);
        for path in ["typed", "typed-whole", "value"] {
            let output = Command::new(std::env::current_exe().expect("own path"))
                .args(["--measure", path, &server.port.to_string(), &bytes.to_string()])
                .output()
                .expect("measuring process");
            let text = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<f64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
            let [envelope, growth, heap, output_heap, invoke_ms, decode_ms] = fields[..] else {
                panic!("the measuring process said {text:?} {}", String::from_utf8_lossy(&output.stderr));
            };
            rows.push(vec![
                label.to_owned(),
                match path {
                    "typed" => "#[workflow] invoke -> Run<Digest>",
                    "typed-whole" => "the same, streamed_body_bytes(usize::MAX)",
                    _ => "reqwest -> serde_json::Value",
                }
                .to_owned(),
                format!("{:.0}", envelope),
                format!("{invoke_ms:.3}"),
                format!("{decode_ms:.3}"),
                format!("{:.1}", growth / 1e6),
                format!("{:.2}", growth / envelope),
                format!("{:.2}", heap / envelope),
                format!("{:.2}", output_heap / envelope),
            ]);
        }
    }
    println!("\nLarge outputs: medians of repeated calls; peak RSS growth of the first call, in a fresh process\n");
    common::print_table(
        &[
            "output",
            "path",
            "response bytes",
            "invoke to output, ms",
            "decode only, ms",
            "peak RSS growth, MB",
            "peak growth / response",
            "peak heap growth / response",
            "decoded result alone / response",
        ],
        &rows,
    );
}

/// `--measure <typed|typed-whole|value> <port> <bytes>`: the child process's work.
fn measure_if_asked() -> Option<Measured> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--measure")?;
    let typed = args.get(at + 1).is_some_and(|p| p.starts_with("typed"));
    let whole = args.get(at + 1).is_some_and(|p| p == "typed-whole");
    let port: u16 = args.get(at + 2)?.parse().ok()?;
    let bytes: usize = args.get(at + 3)?.parse().ok()?;
    let base_url = format!("http://127.0.0.1:{port}");
    let calls = (20_000_000 / bytes).clamp(5, 200);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    Some(runtime.block_on(async {
        // Paths under /small/ answer 1 KB: this warms the connection and the allocator up so
        // the peak that follows is the large output's.
        let warm = |prefix: &str| (format!("{base_url}{prefix}"), format!("{base_url}{prefix}/v1/workflow/invoke"));
        let (small_base, small_url) = warm("/small");
        let typed_client = |base: &str| {
            let builder =
                gptbots_runtime::Client::builder().base_url(base).api_key(KEY).max_response_bytes(64 * 1024 * 1024);
            let builder = if whole { builder.streamed_body_bytes(usize::MAX) } else { builder };
            builder.build().expect("client")
        };
        let small = typed_client(&small_base);
        let large = typed_client(&base_url);
        let http = reqwest::Client::new();
        let url = format!("{base_url}/v1/workflow/invoke");
        for _ in 0..3 {
            if typed {
                black_box(typed_call(&small).await);
            } else {
                black_box(value_call(&http, &small_url).await);
            }
        }
        // The high-water mark starts again from the resident set now, so that what earlier work
        // touched and freed (building a large envelope, say) does not hide this call's peak.
        common::reset_peak_rss();
        let baseline = common::peak_rss();
        let heap_before = common::heap::live();
        common::heap::reset_peak();
        // The peak is reached while the body and the decoded output are both held.
        black_box(if typed { typed_call(&large).await } else { value_call(&http, &url).await });
        let peak_growth = common::peak_rss().saturating_sub(baseline);
        let heap_growth = common::heap::peak().saturating_sub(heap_before) as u64;

        // Built only now: its own peak would otherwise raise the high-water mark above.
        let envelope = common::envelope(bytes);
        // What the decoded result alone holds, the floor under any path that keeps the body
        // while decoding.
        let before = common::heap::live();
        let output_heap = if typed {
            let run = gptbots_runtime::__private::decode_run_body::<Digest>("wf_bench_news", 200, &envelope);
            let held = common::heap::live().saturating_sub(before);
            black_box(run.expect("decoded"));
            held
        } else {
            let run: Value = serde_json::from_slice(&envelope).expect("decoded");
            let held = common::heap::live().saturating_sub(before);
            black_box(run);
            held
        } as u64;
        let mut invoke_ms = Vec::new();
        for _ in 0..calls {
            let started = Instant::now();
            black_box(if typed { typed_call(&large).await } else { value_call(&http, &url).await });
            invoke_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        let mut decode_ms = Vec::new();
        for _ in 0..calls {
            let started = Instant::now();
            if typed {
                black_box(typed_decode(&envelope, whole).output.news.len());
            } else {
                let run: Value = serde_json::from_slice(&envelope).expect("decoded");
                black_box(run["output"]["news"].as_array().map_or(0, Vec::len));
            }
            decode_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        Measured {
            envelope_bytes: envelope.len() as u64,
            peak_growth,
            heap_growth,
            output_heap,
            invoke_ms: common::median(&invoke_ms),
            decode_ms: common::median(&decode_ms),
        }
    }))
}

/// What the client does with a body once read: one slice for a small body (or for every body,
/// `whole`); a large one is decoded chunk by chunk (here chunks of 64 KiB).
fn typed_decode(envelope: &[u8], whole: bool) -> gptbots_runtime::Run<Digest> {
    let run = if whole || envelope.len() < gptbots_runtime::DEFAULT_STREAMED_BODY_BYTES {
        gptbots_runtime::__private::decode_run_body::<Digest>("wf_bench_news", 200, envelope)
    } else {
        let chunks: Vec<&[u8]> = envelope.chunks(64 * 1024).collect();
        gptbots_runtime::__private::decode_run_chunks::<Digest>("wf_bench_news", &chunks)
    };
    run.expect("decoded")
}

async fn typed_call(client: &gptbots_runtime::Client) -> usize {
    let run = BenchNews { topic: "rust".into(), max_items: None }.invoke(client).await.expect("typed invoke");
    run.output.news.len()
}

async fn value_call(client: &reqwest::Client, url: &str) -> usize {
    let response = client
        .post(url)
        .bearer_auth(KEY)
        .json(&json!({ "input": { "topic": "rust" } }))
        .send()
        .await
        .expect("reqwest invoke");
    let run: Value = response.json().await.expect("JSON body");
    run["output"]["news"].as_array().map_or(0, Vec::len)
}
