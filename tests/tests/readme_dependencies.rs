//! Every dependency snippet of README.md, compiled as written: each `toml` block that declares
//! `[dependencies]` or `[dev-dependencies]` becomes a crate of its own, with the Rust example
//! that follows it as its program (`[dependencies]`) or as an example (`[dev-dependencies]`),
//! and `cargo check` must accept it. The README's Rust examples also run as doctests of
//! `gptbots-tests`, but there with this workspace's dependencies, which would hide a snippet
//! that forgets one.
//!
//! gptbots-runtime comes from this checkout through `[patch.crates-io]`, so the version the
//! snippet asks for must match the one in the workspace. The crates are checked in the
//! workspace's target directory with its lock file and dev profile, so the dependencies they
//! share with the workspace's own build (aws-lc-sys above all) are not compiled again.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fenced block of the README: its info string (`rust no_run`), body and first line.
struct Block {
    info: String,
    body: String,
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block { info: info.trim().to_owned(), body: String::new(), line: index + 1 })
            }
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some(block), None) => {
                block.body.push_str(line);
                block.body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// A dependency snippet and the Rust example it belongs to.
struct Snippet<'a> {
    manifest: &'a Block,
    program: &'a Block,
}

impl Snippet<'_> {
    fn is_dev(&self) -> bool {
        self.manifest.body.contains("[dev-dependencies]")
    }
}

fn snippets(blocks: &[Block]) -> Vec<Snippet<'_>> {
    let declares_dependencies =
        |b: &Block| b.info == "toml" && (b.body.contains("[dependencies]") || b.body.contains("[dev-dependencies]"));
    let compiled_rust = |b: &Block| b.info.split_whitespace().next() == Some("rust") && !b.info.contains("ignore");
    blocks
        .iter()
        .enumerate()
        .filter(|(_, block)| declares_dependencies(block))
        .map(|(i, manifest)| {
            let program = blocks[i + 1..].iter().find(|b| compiled_rust(b)).unwrap_or_else(|| {
                panic!("the dependency snippet at README.md:{} has no Rust example after it", manifest.line)
            });
            Snippet { manifest, program }
        })
        .collect()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_owned()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

/// The workspace manifest's `[profile.*]` sections (its last ones): the same settings let the
/// snippets reuse the workspace's compiled dependencies.
fn profiles(root: &Path) -> String {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    manifest.find("\n[profile.").map(|start| manifest[start..].to_owned()).unwrap_or_default()
}

/// Writes the crate of `snippet` under `dir` and returns its directory.
fn write_crate(root: &Path, dir: &Path, snippet: &Snippet<'_>) -> PathBuf {
    let name = format!("readme-line-{}", snippet.manifest.line);
    let package = dir.join(&name);
    let _ = std::fs::remove_dir_all(&package);
    std::fs::create_dir_all(package.join("src")).unwrap();
    let runtime = root.join("gptbots-runtime");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n{}\n\
         [patch.crates-io]\ngptbots-runtime = {{ path = {:?} }}\n\n[workspace]\n{}",
        snippet.manifest.body,
        runtime.display().to_string(),
        profiles(root),
    );
    std::fs::write(package.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file, so the snippet builds with the versions CI tests.
    std::fs::copy(root.join("Cargo.lock"), package.join("Cargo.lock")).unwrap();
    if snippet.is_dev() {
        std::fs::write(package.join("src/lib.rs"), "").unwrap();
        std::fs::create_dir_all(package.join("examples")).unwrap();
        std::fs::write(package.join("examples/snippet.rs"), &snippet.program.body).unwrap();
    } else {
        std::fs::write(package.join("src/main.rs"), &snippet.program.body).unwrap();
    }
    package
}

#[test]
fn every_dependency_snippet_compiles_its_example_as_written() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = blocks(&readme);
    let snippets = snippets(&blocks);
    assert!(snippets.len() >= 3, "README.md has {} dependency snippets; the parser lost some", snippets.len());

    let target = target_dir(&root);
    let mut failures = Vec::new();
    for snippet in &snippets {
        let package = write_crate(&root, &target.join("readme-snippets"), snippet);
        let output = Command::new(env!("CARGO"))
            .args(["check", "--all-targets", "--message-format", "short"])
            .current_dir(&package)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("cargo runs");
        if !output.status.success() {
            failures.push(format!(
                "README.md:{} (with the example at line {}):\n{}",
                snippet.manifest.line,
                snippet.program.line,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "dependency snippets that do not build as written:\n\n{}", failures.join("\n\n"));
}
