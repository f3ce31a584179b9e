//! Compile cost: generates crates of 100 workflow structs under `target/bench-compile/` and
//! times `cargo check` and `cargo build` of each with only the generated crate cleaned
//! (dependencies prebuilt, in a target directory of their own):
//!
//! - `plain`: 100 inputs and 100 outputs with `#[derive(Serialize, Deserialize, JsonSchema)]`;
//! - `workflow`: the same structs with `#[workflow]` and `#[workflow_output]`;
//! - `flow-none` / `flow-10mb`: 100 workflows of one shape, without and with
//!   `flow = "big.flow"`, a generated 10 MB export they all share;
//!
//! and the clean build of gptbots-macros alone (its dependencies prebuilt).
//!
//! `cargo bench -p gptbots-benches --bench compile_cost` (`BENCH_REPS` repetitions, default 3).

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const STRUCTS: usize = 100;
const FLOW_BYTES: usize = 10_000_000;

/// A generated crate.
struct Variant {
    name: &'static str,
    label: &'static str,
    source: String,
}

fn main() {
    common::serve_if_asked();
    let reps = common::repetitions(3);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned();
    let dir = root.join("target").join("bench-compile");
    let target = dir.join("target");
    let variants = [
        Variant { name: "plain", label: "plain derives", source: varied_crate(false) },
        Variant { name: "workflow", label: "#[workflow]", source: varied_crate(true) },
        Variant { name: "flow-none", label: "#[workflow], one shape, no flow", source: uniform_crate(false) },
        Variant { name: "flow-10mb", label: "#[workflow], one shape, 10 MB .flow", source: uniform_crate(true) },
    ];
    for variant in &variants {
        write_crate(&root, &dir.join(variant.name), variant);
    }
    std::fs::write(dir.join("flow-10mb").join("big.flow"), big_flow()).expect("write big.flow");
    std::fs::write(dir.join("flow-none").join("big.flow"), "").expect("write big.flow");

    eprintln!("building the dependencies (not timed)...");
    for variant in &variants {
        cargo(&dir.join(variant.name), &target, &["build"]);
        cargo(&dir.join(variant.name), &target, &["check"]);
    }

    // times[variant][command] over the repetitions, interleaved.
    let mut times = vec![[Vec::new(), Vec::new()]; variants.len()];
    for rep in 0..reps {
        eprintln!("repetition {} of {reps}", rep + 1);
        for (i, variant) in variants.iter().enumerate() {
            let manifest_dir = dir.join(variant.name);
            for (c, command) in ["check", "build"].into_iter().enumerate() {
                cargo(&manifest_dir, &target, &["clean", "-p", &package(variant.name)]);
                let started = Instant::now();
                cargo(&manifest_dir, &target, &[command]);
                times[i][c].push(started.elapsed().as_secs_f64());
            }
        }
    }
    let mut macros = Vec::new();
    for _ in 0..reps {
        let manifest_dir = dir.join("workflow");
        cargo(&manifest_dir, &target, &["clean", "-p", "gptbots-macros"]);
        let started = Instant::now();
        cargo(&manifest_dir, &target, &["build", "-p", "gptbots-macros"]);
        macros.push(started.elapsed().as_secs_f64());
    }

    let median = |values: &[f64]| common::median(values);
    let ratio = |i: usize, base: usize, c: usize| {
        let per_rep: Vec<f64> = times[i][c].iter().zip(&times[base][c]).map(|(t, b)| t / b).collect();
        median(&per_rep)
    };
    let rows: Vec<Vec<String>> = variants
        .iter()
        .enumerate()
        .map(|(i, variant)| {
            let base = match variant.name {
                "workflow" => Some(0),
                "flow-10mb" => Some(2),
                _ => None,
            };
            let ratio_cell = |c| base.map_or(String::new(), |b| format!("{:.2}", ratio(i, b, c)));
            vec![
                variant.label.to_owned(),
                format!("{:.2}", median(&times[i][0])),
                ratio_cell(0),
                format!("{:.2}", median(&times[i][1])),
                ratio_cell(1),
            ]
        })
        .collect();
    println!("\nCompile cost of {STRUCTS} workflows (medians of {reps}, seconds; ratios per repetition)\n");
    common::print_table(&["crate", "cargo check", "check ratio", "cargo build", "build ratio"], &rows);
    println!("\nClean build of gptbots-macros alone: {:.2} s (median of {reps})", median(&macros));
    println!("Generated sources: {}", dir.display());
}

fn package(variant: &str) -> String {
    format!("gen-{variant}")
}

/// Runs `cargo <args>` in `manifest_dir` with `target` as the target directory; panics on
/// failure, with cargo's output.
fn cargo(manifest_dir: &Path, target: &Path, args: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .args(["--offline", "--quiet"])
        .current_dir(manifest_dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo {args:?} in {} failed:\n{}",
        manifest_dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write_crate(root: &Path, dir: &Path, variant: &Variant) {
    std::fs::create_dir_all(dir.join("src")).expect("create the crate directory");
    let runtime = root.join("gptbots-runtime");
    let manifest = format!(
        r#"[package]
name = "{package}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
gptbots-runtime = {{ path = "{runtime}" }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
schemars = {{ version = "1", default-features = false, features = ["derive", "std"] }}

# Not part of the gptbots-rs workspace.
[workspace]
"#,
        package = package(variant.name),
        runtime = runtime.display(),
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest);
    write_if_changed(&dir.join("src").join("lib.rs"), &variant.source);
    // The repository's lock file, so the dependencies are the versions the workspace builds.
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    }
}

/// Leaves an unchanged file alone, so its timestamp does not rebuild anything.
fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).expect("write a generated file");
    }
}

/// 100 inputs with 100 outputs of varied shapes: `#[workflow]` and `#[workflow_output]`, or
/// the plain derives.
fn varied_crate(workflow: bool) -> String {
    let mut out = String::from(
        "//! Generated by benches/benches/compile_cost.rs.\n#![allow(dead_code)]\n\nuse std::collections::HashMap;\n\n",
    );
    if workflow {
        out.push_str("use gptbots_runtime::{workflow, workflow_output};\n\n");
    } else {
        out.push_str("use schemars::JsonSchema;\nuse serde::{Deserialize, Serialize};\n\n");
    }
    let derive = "#[derive(Serialize, Deserialize, JsonSchema)]\n";
    let extra_input = [
        "pub metadata: HashMap<String, String>,",
        "#[serde(default)]\n    pub offset: i64,",
        "#[serde(skip_serializing_if = \"Option::is_none\")]\n    pub languages: Option<Vec<String>>,",
        "pub temperature: f32,",
        "pub settings: serde_json::Value,",
    ];
    let extra_output = [
        "pub ids: Vec<u64>,",
        "#[serde(rename = \"summaryText\")]\n    pub summary: String,",
        "#[serde(default)]\n    pub warnings: Vec<String>,",
        "pub details: HashMap<String, f64>,",
    ];
    for i in 0..STRUCTS {
        let (input_attr, output_attr) = if workflow {
            (format!("#[workflow(id = \"wf_{i}\", output = Output{i})]\n"), "#[workflow_output]\n".to_owned())
        } else {
            (derive.to_owned(), derive.to_owned())
        };
        let _ = write!(
            out,
            "/// Output {i}.\n{output_attr}#[derive(Debug)]\npub struct Output{i} {{\n    pub title: String,\n    pub score: Option<f64>,\n    {}\n    pub count: u32,\n}}\n\n",
            extra_output[i % extra_output.len()]
        );
        let _ = write!(
            out,
            "/// Workflow {i}.\n{input_attr}#[serde(rename_all = \"camelCase\")]\n#[derive(Debug, Clone)]\npub struct Workflow{i} {{\n    pub topic: String,\n    #[serde(skip_serializing_if = \"Option::is_none\")]\n    pub max_items: Option<u32>,\n    #[serde(rename = \"lang\")]\n    pub language: String,\n    pub enabled: bool,\n    pub weights: Vec<f64>,\n    {}\n}}\n\n",
            extra_input[i % extra_input.len()]
        );
    }
    out
}

/// 100 workflows of the shape of `big.flow`'s Start and End nodes, with or without the check
/// against it.
fn uniform_crate(flow: bool) -> String {
    let mut out = String::from(
        "//! Generated by benches/benches/compile_cost.rs.\n#![allow(dead_code)]\n\nuse gptbots_runtime::{workflow, workflow_output};\n\n",
    );
    let flow_arg = if flow { ", flow = \"big.flow\"" } else { "" };
    for i in 0..STRUCTS {
        let _ = write!(
            out,
            "/// Output {i}.\n#[workflow_output]\npub struct Output{i} {{\n    pub news: Vec<String>,\n    pub total: u32,\n}}\n\n\
             /// Workflow {i}.\n#[workflow(id = \"wf_{i}\", output = Output{i}{flow_arg})]\n#[serde(rename_all = \"camelCase\")]\n\
             pub struct Workflow{i} {{\n    pub topic: String,\n    #[serde(skip_serializing_if = \"Option::is_none\")]\n    pub max_items: Option<u32>,\n    \
             #[serde(skip_serializing_if = \"Option::is_none\")]\n    pub languages: Option<Vec<String>>,\n    pub ratio: f64,\n    pub enabled: bool,\n}}\n\n"
        );
    }
    out
}

/// A `.flow` export of about [`FLOW_BYTES`]: the Start and End nodes the uniform structs
/// match, and as many CODE nodes with long code and descriptions as it takes.
fn big_flow() -> String {
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
    while size < FLOW_BYTES {
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
