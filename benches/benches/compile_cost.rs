//! Compile cost: generates crates of 100 workflow structs under `target/bench-compile/` and
//! times `cargo check` and `cargo build` of each with only the generated crate cleaned
//! (dependencies prebuilt, in a target directory of their own):
//!
//! - `plain`: 100 inputs and 100 outputs with `#[derive(Serialize, Deserialize, JsonSchema)]`;
//! - `workflow`: the same structs with `#[workflow]` and `#[workflow_output]`;
//! - `flow-none` / `flow-10mb`: 100 workflows of one shape, without and with
//!   `flow = "big.flow"`, a generated 10 MB export they all share;
//! - `expanded` and `expanded-no-*`: the `workflow` crate with the attributes' expansion
//!   written out by hand, whole and without one part each (the catalogue entry, `invoke`, the
//!   contract checks, the input's `Deserialize` derive), to measure how the cost splits;
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
        Variant { name: "expanded", label: "expansion by hand, whole", source: expanded_crate(Parts::ALL) },
        Variant {
            name: "expanded-no-catalogue",
            label: "expansion without the catalogue entry",
            source: expanded_crate(Parts { catalogue: false, ..Parts::ALL }),
        },
        Variant {
            name: "expanded-no-invoke",
            label: "expansion without invoke",
            source: expanded_crate(Parts { invoke: false, ..Parts::ALL }),
        },
        Variant {
            name: "expanded-no-contract",
            label: "expansion without the contract checks",
            source: expanded_crate(Parts { contract: false, ..Parts::ALL }),
        },
        Variant {
            name: "expanded-no-deserialize",
            label: "expansion without the input's Deserialize",
            source: expanded_crate(Parts { deserialize: false, ..Parts::ALL }),
        },
    ];
    for variant in &variants {
        write_crate(&root, &dir.join(variant.name), variant);
    }
    std::fs::write(dir.join("flow-10mb").join("big.flow"), common::big_flow(FLOW_BYTES)).expect("write big.flow");
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
                "flow-10mb" => Some(2),
                "flow-none" => None,
                "plain" => None,
                _ => Some(0),
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

/// Which parts of the expansion `expanded_crate` writes out.
#[derive(Clone, Copy)]
struct Parts {
    catalogue: bool,
    invoke: bool,
    contract: bool,
    deserialize: bool,
}

impl Parts {
    const ALL: Parts = Parts { catalogue: true, invoke: true, contract: true, deserialize: true };
}

/// The structs of `varied_crate(true)` with what `#[workflow]` and `#[workflow_output]` expand
/// to written out (as in the expansion snapshots of gptbots-macros), less the parts left out.
fn expanded_crate(parts: Parts) -> String {
    let p = "::gptbots_runtime::__private";
    let mut out = String::from(
        "//! Generated by benches/benches/compile_cost.rs.\n#![allow(dead_code)]\n\nuse std::collections::HashMap;\n\n",
    );
    let crates = format!("#[serde(crate = \"{p}::serde\")]\n#[schemars(crate = \"{p}::schemars\")]\n");
    let output_derive = format!("#[derive({p}::serde::Serialize, {p}::serde::Deserialize, {p}::JsonSchema)]\n{crates}");
    let input_derive = if parts.deserialize {
        output_derive.clone()
    } else {
        format!("#[derive({p}::serde::Serialize, {p}::JsonSchema)]\n{crates}")
    };
    // (field, its type) as `varied_crate` declares them, with the attributes the macro adds.
    let extra_input = [
        ("pub metadata: HashMap<String, String>,", "HashMap<String, String>"),
        ("#[serde(default)]\n    pub offset: i64,", "i64"),
        (
            "#[serde(skip_serializing_if = \"Option::is_none\")]\n    #[schemars(with = \"Vec < String >\")]\n    pub languages: Option<Vec<String>>,",
            "Option<Vec<String>>",
        ),
        ("pub temperature: f32,", "f32"),
        ("pub settings: serde_json::Value,", "serde_json::Value"),
    ];
    let extra_output = [
        ("pub ids: Vec<u64>,", "ids"),
        ("#[serde(rename = \"summaryText\")]\n    pub summary: String,", "summaryText"),
        ("#[serde(default)]\n    pub warnings: Vec<String>,", "warnings"),
        ("pub details: HashMap<String, f64>,", "details"),
    ];
    for i in 0..STRUCTS {
        let (output_field, output_name) = extra_output[i % extra_output.len()];
        let _ = write!(
            out,
            "/// Output {i}.\n{output_derive}#[derive(Debug)]\npub struct Output{i} {{\n    pub title: String,\n    pub score: Option<f64>,\n    {output_field}\n    pub count: u32,\n}}\n\n\
             impl {p}::contract::OutputFields for Output{i} {{\n    const FIELDS: &'static [&'static [&'static str]] = &[&[\"title\"], &[\"score\"], &[\"{output_name}\"], &[\"count\"]];\n    \
             const NOT_IN_END_NODE: &'static [&'static str] = &[\"field `title` of `Output{i}` is not a variable of the workflow's End node\", \"field `score`\", \"field `{output_name}`\", \"field `count`\"];\n}}\n\
             impl {p}::contract::ObjectParam for Output{i} {{}}\n\n"
        );
        let (input_field, input_type) = extra_input[i % extra_input.len()];
        let _ = write!(
            out,
            "/// Workflow {i}.\n{input_derive}#[serde(rename_all = \"camelCase\")]\n#[derive(Debug, Clone)]\npub struct Workflow{i} {{\n    pub topic: String,\n    \
             #[serde(skip_serializing_if = \"Option::is_none\")]\n    #[schemars(with = \"u32\")]\n    pub max_items: Option<u32>,\n    #[serde(rename = \"lang\")]\n    pub language: String,\n    \
             pub enabled: bool,\n    pub weights: Vec<f64>,\n    {input_field}\n}}\n\n\
             impl {p}::Workflow for Workflow{i} {{\n    const ID: &'static str = \"wf_{i}\";\n    const NAME: &'static str = \"Workflow{i}\";\n    type Output = Output{i};\n}}\n\n"
        );
        if parts.catalogue {
            let _ = write!(out, "{p}::inventory::submit! {{\n    {p}::WorkflowEntry::of::<Workflow{i}>()\n}}\n\n");
        }
        if parts.invoke {
            let _ = write!(
                out,
                "impl Workflow{i} {{\n    #[inline]\n    pub fn invoke<'__gptbots>(&'__gptbots self, client: &'__gptbots {p}::Client) -> {p}::InvokeFuture<'__gptbots, Output{i}> {{\n        \
                 {p}::invoke(client, self)\n    }}\n}}\n\n"
            );
        }
        if parts.contract {
            let asserts: String = ["String", "Option<u32>", "String", "bool", "Vec<f64>", input_type]
                .iter()
                .map(|ty| format!("        {p}::contract::assert::start_parameter::<{ty}>();\n"))
                .collect();
            let _ = write!(
                out,
                "const _: () = {{\n    #[allow(dead_code, clippy::needless_borrow)]\n    fn __gptbots_contract() {{\n{asserts}    }}\n}};\n\n"
            );
        }
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
