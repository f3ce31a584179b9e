//! Invoke overhead: the same workflow against the same envelope server (a child process), called
//! (a) through `#[workflow]` invoke, (b) with reqwest and `serde_json::Value` as a user without
//! this crate would write it, (c) with a raw hyper connection posting a pre-serialized body.
//!
//! `cargo bench -p gptbots-benches --bench invoke` (`BENCH_REPS`, `BENCH_SECONDS` to change
//! the repetitions and the seconds per measurement).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{BenchNews, KEY, REQUEST_BODY, Server};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::task::JoinSet;

#[derive(Clone, Copy, PartialEq)]
enum Caller {
    Typed,
    ReqwestValue,
    ReqwestBytes,
    RawHyper,
}

impl Caller {
    const ALL: [Caller; 4] = [Caller::Typed, Caller::ReqwestValue, Caller::RawHyper, Caller::ReqwestBytes];

    fn label(self) -> &'static str {
        match self {
            Caller::Typed => "(a) #[workflow] invoke",
            Caller::ReqwestValue => "(b) reqwest + serde_json::Value",
            Caller::ReqwestBytes => "(d) reqwest, pre-serialized, bytes only",
            Caller::RawHyper => "(c) raw hyper, pre-serialized",
        }
    }
}

/// What a caller needs, made once and reused by every measurement.
struct Callers {
    port: u16,
    typed: gptbots_runtime::Client,
    reqwest: reqwest::Client,
    url: String,
    /// One connection per concurrent task; taken by the tasks and put back afterwards.
    hyper: Vec<SendRequest<Full<Bytes>>>,
}

/// One measurement: requests per second and client CPU per request.
struct Sample {
    per_second: f64,
    cpu_micros: f64,
}

fn main() {
    common::serve_if_asked();
    let reps = common::repetitions(5);
    let seconds: f64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let window = Duration::from_secs_f64(seconds);
    let server = Server::start(0);
    if let Some(caller) = profile_arg() {
        return profile(caller, &server);
    }
    // The client runs on one thread and the server on the other core.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let mut callers = Callers::new(&server);
        let mut rows = Vec::new();
        for concurrency in [1, 64] {
            callers.connect_hyper(concurrency).await;
            for caller in Caller::ALL {
                callers.measure(caller, concurrency, Duration::from_millis(300)).await;
            }
            let mut samples: Vec<[Sample; 4]> = Vec::new();
            for _ in 0..reps {
                let mut round = Vec::new();
                for caller in Caller::ALL {
                    round.push(callers.measure(caller, concurrency, window).await);
                }
                samples.push(round.try_into().unwrap_or_else(|_| unreachable!()));
            }
            rows.extend(report(concurrency, &samples));
        }
        println!("\nInvoke overhead: medians of {reps} interleaved rounds of {seconds} s per caller\n");
        common::print_table(
            &["concurrency", "caller", "requests/s", "client CPU µs/request", "a/x requests/s", "a/x CPU/request"],
            &rows,
        );
    });
}

/// `--profile <a|b|c|d>`: runs 20 000 sequential calls of one caller and nothing else, for
/// `valgrind --tool=callgrind` (see BENCHMARKS.md).
fn profile_arg() -> Option<Caller> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--profile")?;
    Caller::ALL
        .into_iter()
        .zip(["a", "b", "c", "d"])
        .find(|(_, name)| args.get(at + 1).is_some_and(|a| a == name))
        .map(|(c, _)| c)
}

fn profile(caller: Caller, server: &Server) {
    let calls: u64 = std::env::var("BENCH_CALLS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let mut callers = Callers::new(server);
        callers.connect_hyper(1).await;
        let mut sender = callers.hyper.pop().expect("connection");
        for _ in 0..calls {
            match caller {
                Caller::Typed => typed_call(&callers.typed).await,
                Caller::ReqwestValue => reqwest_value_call(&callers.reqwest, &callers.url).await,
                Caller::ReqwestBytes => reqwest_bytes_call(&callers.reqwest, &callers.url).await,
                Caller::RawHyper => raw_hyper_call(&mut sender, callers.port).await,
            }
        }
    });
}

/// Table rows for one concurrency; ratios are taken within each round, then their median.
fn report(concurrency: usize, samples: &[[Sample; 4]]) -> Vec<Vec<String>> {
    Caller::ALL
        .iter()
        .enumerate()
        .map(|(i, caller)| {
            let column = |f: &dyn Fn(&[Sample; 4]) -> f64| common::median(&samples.iter().map(f).collect::<Vec<_>>());
            let per_second = column(&|s| s[i].per_second);
            let cpu = column(&|s| s[i].cpu_micros);
            let (rate_ratio, cpu_ratio) = if i == 0 {
                ("".to_owned(), "".to_owned())
            } else {
                (
                    format!("{:.3}", column(&|s| s[0].per_second / s[i].per_second)),
                    format!("{:.3}", column(&|s| s[0].cpu_micros / s[i].cpu_micros)),
                )
            };
            vec![
                concurrency.to_string(),
                caller.label().to_owned(),
                format!("{per_second:.0}"),
                format!("{cpu:.1}"),
                rate_ratio,
                cpu_ratio,
            ]
        })
        .collect()
}

impl Callers {
    fn new(server: &Server) -> Callers {
        Callers {
            port: server.port,
            typed: gptbots_runtime::Client::builder().base_url(server.base_url()).api_key(KEY).build().expect("client"),
            reqwest: reqwest::Client::new(),
            url: format!("{}/v1/workflow/invoke", server.base_url()),
            hyper: Vec::new(),
        }
    }

    async fn connect_hyper(&mut self, count: usize) {
        while self.hyper.len() < count {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
            tokio::spawn(connection);
            self.hyper.push(sender);
        }
    }

    /// Runs `concurrency` tasks calling in a loop for `window`.
    async fn measure(&mut self, caller: Caller, concurrency: usize, window: Duration) -> Sample {
        let cpu_before = common::process_cpu();
        let started = Instant::now();
        let deadline = started + window;
        let mut tasks = JoinSet::new();
        for _ in 0..concurrency {
            match caller {
                Caller::Typed => {
                    let client = self.typed.clone();
                    tasks.spawn(async move {
                        let mut done = 0u64;
                        while Instant::now() < deadline {
                            typed_call(&client).await;
                            done += 1;
                        }
                        (done, None)
                    });
                }
                Caller::ReqwestValue => {
                    let (client, url) = (self.reqwest.clone(), self.url.clone());
                    tasks.spawn(async move {
                        let mut done = 0u64;
                        while Instant::now() < deadline {
                            reqwest_value_call(&client, &url).await;
                            done += 1;
                        }
                        (done, None)
                    });
                }
                Caller::ReqwestBytes => {
                    let (client, url) = (self.reqwest.clone(), self.url.clone());
                    tasks.spawn(async move {
                        let mut done = 0u64;
                        while Instant::now() < deadline {
                            reqwest_bytes_call(&client, &url).await;
                            done += 1;
                        }
                        (done, None)
                    });
                }
                Caller::RawHyper => {
                    let mut sender = self.hyper.pop().expect("a connection per task");
                    let port = self.port;
                    tasks.spawn(async move {
                        let mut done = 0u64;
                        while Instant::now() < deadline {
                            raw_hyper_call(&mut sender, port).await;
                            done += 1;
                        }
                        (done, Some(sender))
                    });
                }
            }
        }
        let mut done = 0;
        while let Some(finished) = tasks.join_next().await {
            let (count, sender) = finished.expect("task");
            done += count;
            self.hyper.extend(sender);
        }
        let elapsed = started.elapsed();
        let cpu = common::process_cpu() - cpu_before;
        Sample {
            per_second: done as f64 / elapsed.as_secs_f64(),
            cpu_micros: cpu.as_secs_f64() * 1e6 / done.max(1) as f64,
        }
    }
}

/// (a) What a user of this crate writes.
async fn typed_call(client: &gptbots_runtime::Client) {
    let run = BenchNews { topic: "rust".into(), max_items: Some(3) }.invoke(client).await.expect("typed invoke");
    black_box((run.output.news.len(), run.cost));
}

/// (b) What a user without this crate writes: a `json!` body, a `Value` back, fields by name.
async fn reqwest_value_call(client: &reqwest::Client, url: &str) {
    let response = client
        .post(url)
        .bearer_auth(KEY)
        .json(&json!({ "input": { "topic": "rust", "maxItems": 3 } }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("reqwest invoke");
    let run: Value = response.json().await.expect("JSON body");
    assert_eq!(run["status"], "SUCCEED");
    let news = run["output"]["news"].as_array().map_or(0, Vec::len);
    black_box((news, run["totalCost"].as_f64()));
}

/// (d) The floor of reqwest itself: what (a) and (b) pay before any JSON work.
async fn reqwest_bytes_call(client: &reqwest::Client, url: &str) {
    let response = client
        .post(url)
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(REQUEST_BODY)
        .send()
        .await
        .expect("reqwest invoke");
    let body = response.bytes().await.expect("body");
    black_box(body.len());
}

/// (c) The floor: a pre-serialized body on an open connection, the body read and dropped.
async fn raw_hyper_call(sender: &mut SendRequest<Full<Bytes>>, port: u16) {
    sender.ready().await.expect("connection ready");
    let request = hyper::Request::post("/v1/workflow/invoke")
        .header("host", format!("127.0.0.1:{port}"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(REQUEST_BODY)))
        .expect("request");
    let response = sender.send_request(request).await.expect("raw invoke");
    let body = response.into_body().collect().await.expect("body").to_bytes();
    black_box(body.len());
}
