//! Reading a 10 MB `.flow` export: gptbots-flow's own reader against serde_json with
//! `IgnoredAny` for everything the model skips (the same members kept as `Value`s, the rest
//! checked and dropped). Run it in the profile a proc macro runs in, unoptimised:
//!
//! `cargo bench -p gptbots-benches --bench flow_reader --profile dev` (and without
//! `--profile dev` for optimised figures). `BENCH_REPS` repetitions (default 7), interleaved.

mod common;

use std::time::Instant;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

/// What the model keeps, as serde sees it; every other member is skipped by serde's derive
/// (unknown fields are deserialized into `IgnoredAny`).
#[derive(Deserialize)]
#[allow(dead_code)]
struct Export {
    #[serde(rename = "exportType")]
    export_type: Option<String>,
    #[serde(rename = "botType")]
    bot_type: Option<String>,
    #[serde(rename = "exportTime")]
    export_time: Option<Value>,
    name: Option<String>,
    workflow: Option<Workflow>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Workflow {
    #[serde(rename = "workflowNodes")]
    workflow_nodes: Vec<Node>,
    #[serde(rename = "workflowEdges")]
    workflow_edges: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Node {
    #[serde(rename = "type")]
    ty: Option<String>,
    name: Option<String>,
    inputs: Option<Value>,
    outputs: Option<Value>,
    #[serde(rename = "endParam")]
    end_param: Option<Value>,
}

fn main() {
    let reps = common::repetitions(7);
    let text = common::big_flow(10_000_000);
    let bytes = text.as_bytes();
    let (mut ours, mut serde) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let started = Instant::now();
        let flow = gptbots_flow::read(bytes, "big.flow").expect("the export reads");
        ours.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(flow.start.len(), 5);

        let started = Instant::now();
        let export: Export = serde_json::from_slice(bytes).expect("the export reads");
        serde.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(export.workflow.is_some_and(|w| w.workflow_nodes.len() > 2));
    }
    let (ours, serde) = (common::median(&ours), common::median(&serde));
    let profile = if cfg!(debug_assertions) { "dev (unoptimised, as a proc macro runs)" } else { "release" };
    println!("profile: {profile}; export: {} bytes; median of {reps}", bytes.len());
    common::print_table(
        &["reader", "ms per read", "ratio to gptbots-flow"],
        &[
            vec!["gptbots-flow's reader".into(), format!("{ours:.1}"), "1.00".into()],
            vec!["serde_json + IgnoredAny".into(), format!("{serde:.1}"), format!("{:.2}", serde / ours)],
        ],
    );
}
