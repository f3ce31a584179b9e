//! `gptbots mock`: the embedded GPTBots-compatible server as a standalone process, for tests
//! in any language.
//!
//! It is `gptbots_runtime::mock::MockServer` with its limits (head and body timeouts,
//! connection and memory caps), each fixture workflow answering its output file. The URL and
//! every workflow's key are printed at start (one JSON line when stdout is not a terminal, for
//! the test harness that started it); Ctrl-C or SIGTERM stops it. A workflow given a `.flow`
//! with `--flow` checks each input against its Start node. Webhooks it did not deliver
//! (it delivers to loopback hosts only) are logged on stderr as they happen, without the URL's
//! userinfo and query.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use gptbots_flow::Flow;
use gptbots_runtime::mock::{MockServer, MockWorkflow, Rejection};
use serde::Serialize;
use serde_json::Value;

use crate::args::{Global, Mock};
use crate::exit::{Failure, Outcome};
use crate::output::{Output, print_json};
use crate::{flow_check, flow_file};

/// What the server announces at start.
#[derive(Serialize)]
struct Started {
    url: String,
    workflows: Vec<Served>,
}

#[derive(Serialize)]
struct Served {
    id: String,
    key: String,
}

/// Runs the command until Ctrl-C.
pub async fn run(global: &Global, args: &Mock) -> Outcome {
    let fixtures = pairs("--fixture", &args.fixtures)?;
    let keys = pairs("--key", &args.keys)?;
    if let Some((id, _)) = keys.iter().find(|(id, _)| !fixtures.contains_key(*id)) {
        return Err(Failure::usage(anyhow::anyhow!(
            "--key {id}=...: no --fixture {id}=OUTPUT.json serves that workflow"
        )));
    }
    let flows = pairs("--flow", &args.flows)?;
    if let Some((id, _)) = flows.iter().find(|(id, _)| !fixtures.contains_key(*id)) {
        return Err(Failure::usage(anyhow::anyhow!(
            "--flow {id}=...: no --fixture {id}=OUTPUT.json serves that workflow"
        )));
    }
    let mut contracts = BTreeMap::new();
    for (id, path) in &flows {
        contracts.insert(*id, (flow_file::read(Path::new(path))?, (*path).to_owned()));
    }
    let outputs = fixtures
        .iter()
        .map(|(id, path)| Ok((*id, read_output(Path::new(path))?, contracts.remove(id))))
        .collect::<Result<Vec<_>, Failure>>()?;

    log_server_events();
    let mut builder = MockServer::builder().bind(SocketAddr::new(args.bind, args.port));
    for (id, key) in &keys {
        builder = builder.key(*id, *key);
    }
    let server = builder
        .start()
        .await
        .with_context(|| format!("cannot listen on {}", SocketAddr::new(args.bind, args.port)))
        .map_err(Failure::usage)?;
    let workflows: Vec<MockWorkflow> =
        outputs.into_iter().map(|(id, output, contract)| serve(&server, id, output, contract)).collect();

    let started = Started {
        url: server.url(),
        workflows: workflows.iter().map(|w| Served { id: w.id().to_owned(), key: w.key().to_owned() }).collect(),
    };
    match Output::choose(global.json) {
        Output::Json => print_json(&started).map_err(Failure::server)?,
        Output::Human => {
            println!("GPTBots mock listening on {}", started.url);
            for served in &started.workflows {
                println!("  {}  key {}", served.id, served.key);
            }
            println!("Ctrl-C stops it.");
        }
    }
    shutdown_signal().await.map_err(Failure::server)?;
    let runs = server.runs().len();
    let undelivered = server.undelivered_webhooks().len();
    eprintln!("stopped after {runs} runs; {undelivered} webhooks not delivered (not loopback hosts)");
    Ok(())
}

/// The workflow `id` answering `output` to every input that fits its `.flow`, if it has one.
///
/// The check runs in the workflow's handler: a synchronous invoke whose input does not fit is
/// answered HTTP 400 with code 40000 naming the field, as GPTBots does; an async run is accepted
/// first and then ends `FAILED` with that message.
fn serve(server: &MockServer, id: &str, output: Value, contract: Option<(Flow, String)>) -> MockWorkflow {
    let contract = Arc::new(contract);
    server.register_raw(id, move |input| {
        let (output, contract) = (output.clone(), Arc::clone(&contract));
        async move {
            if let Some((flow, file)) = &*contract {
                flow_check::check(flow, file, &input).map_err(Rejection::invalid_parameter)?;
            }
            Ok(output)
        }
    })
}

/// `ID=VALUE` arguments by id; an id given twice is a mistake.
fn pairs<'a>(flag: &str, values: &'a [String]) -> Result<BTreeMap<&'a str, &'a str>, Failure> {
    let mut pairs = BTreeMap::new();
    for value in values {
        let Some((id, rest)) = value.split_once('=').filter(|(id, rest)| !id.is_empty() && !rest.is_empty()) else {
            // A `--key` value is a key: never echo it.
            let shown = if flag == "--key" { "a value without `ID=`".to_owned() } else { format!("`{value}`") };
            return Err(Failure::usage(anyhow::anyhow!("{flag} takes ID=VALUE, got {shown}")));
        };
        if pairs.insert(id, rest).is_some() {
            return Err(Failure::usage(anyhow::anyhow!("{flag} names workflow `{id}` twice")));
        }
    }
    Ok(pairs)
}

/// A fixture's output: a JSON object, as the End node's variables are.
fn read_output(path: &Path) -> Result<Value, Failure> {
    let shown = PathBuf::from(path).display().to_string();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the fixture {shown}"))
        .map_err(Failure::usage)?;
    let output: Value = serde_json::from_str(&text)
        .with_context(|| format!("the fixture {shown} is not JSON"))
        .map_err(Failure::usage)?;
    if !output.is_object() {
        return Err(Failure::usage(anyhow::anyhow!(
            "the fixture {shown} must be a JSON object (the End node's variables by name)"
        )));
    }
    Ok(output)
}

/// The embedded server's own events on stderr: webhooks it did not deliver, a warning for an
/// address other than loopback.
fn log_server_events() {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .finish();
    // Only fails if a subscriber is already set, which this process never does elsewhere.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Ctrl-C, or SIGTERM where there is one (a process manager, `kill`).
async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
