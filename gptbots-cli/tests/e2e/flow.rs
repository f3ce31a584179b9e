//! `gptbots flow inspect` and `gptbots flow generate`, for every fixture in tests/flows, and
//! `gptbots mock --flow`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::support::{bare, json_of, run, text};

/// The workspace's `.flow` fixtures (and the `.bot` one), sorted.
fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/flows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 5, "fixtures in {}", dir.display());
    files
}

#[test]
fn inspect_shows_what_the_library_reads_and_fails_with_its_error() {
    for file in fixtures() {
        let read = gptbots_flow::read(&std::fs::read(&file).unwrap(), &file.display().to_string());
        match read {
            Ok(flow) => {
                let output = run(bare().args(["flow", "inspect"]).arg(&file), 0, &[]);
                let shown = json_of(&output);
                let names: Vec<&str> = flow.start.iter().map(|p| p.name.as_str()).collect();
                let shown_names: Vec<&str> =
                    shown["start"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
                assert_eq!(shown_names, names, "{}", file.display());
                assert_eq!(shown["end"]["variables"].as_array().unwrap().len(), flow.end.variables.len());
            }
            Err(error) => {
                let output = run(bare().args(["flow", "inspect"]).arg(&file), 1, &[]);
                assert!(
                    text(&output.stderr).contains(&error.to_string()),
                    "{}: {}",
                    file.display(),
                    text(&output.stderr)
                );
            }
        }
    }
}

#[test]
fn inspect_reads_parameters_defaults_and_end_variables() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/flows/today-news.flow");
    let output = run(bare().args(["flow", "inspect", "--json"]).arg(&file), 0, &[]);
    let shown = json_of(&output);
    assert_eq!(shown["name"], "todayNews");
    assert_eq!(
        shown["start"][0],
        json!({"name": "topic", "type": "STRING", "required": true, "default": null,
               "description": "What the digest is about", "mustBeSent": true})
    );
    assert_eq!(shown["end"]["mode"], "VARIABLE");
    assert_eq!(shown["end"]["variables"][0]["name"], "news");
    run(bare().args(["flow", "inspect", "no/such/file.flow"]), 2, &[]);
}

/// Generates the code of every readable fixture into one scratch crate (the `.flow` copied
/// beside it and named relatively, as a user would), and `cargo check`s it with warnings
/// denied: each generated file compiles and passes the `#[workflow]` check against its `.flow`.
#[test]
fn generated_code_compiles_and_passes_the_check_for_every_fixture() {
    let scratch = tempfile::tempdir().unwrap();
    let crate_dir = scratch.path();
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::create_dir_all(crate_dir.join("flows")).unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().canonicalize().unwrap();
    let mut modules = String::from("#![deny(warnings)]\n");
    let mut generated = 0;
    for file in fixtures() {
        let bytes = std::fs::read(&file).unwrap();
        if gptbots_flow::read(&bytes, "fixture").is_err() {
            run(bare().args(["flow", "generate", "--id", "wf_x"]).arg(&file), 1, &[]);
            continue;
        }
        let name = file.file_name().unwrap().to_str().unwrap();
        let module = name.trim_end_matches(".flow").replace(['-', '.'], "_");
        std::fs::write(crate_dir.join("flows").join(name), &bytes).unwrap();
        let mut command = bare();
        command.current_dir(crate_dir).args([
            "flow",
            "generate",
            &format!("flows/{name}"),
            "--id",
            &format!("wf_{module}"),
        ]);
        command.args(["-o", &format!("src/{module}.rs")]);
        run(&mut command, 0, &[]);
        let source = std::fs::read_to_string(crate_dir.join(format!("src/{module}.rs"))).unwrap();
        assert!(source.contains(&format!("flow = \"flows/{name}\"")), "{source}");
        modules.push_str(&format!("pub mod {module};\n"));
        generated += 1;
    }
    assert!(generated >= 4, "{generated} fixtures generated");
    std::fs::write(crate_dir.join("src/lib.rs"), modules).unwrap();
    let manifest = format!(
        "[package]\nname = \"generated-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ngptbots-runtime = {{ path = {:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
        workspace.join("gptbots-runtime")
    );
    std::fs::write(crate_dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock, so the scratch crate builds the same versions without the network.
    std::fs::copy(workspace.join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();

    let check = cargo_check(crate_dir, &workspace);
    assert!(check.status.success(), "cargo check of the generated code failed:\n{}", text(&check.stderr));

    // The control: the same check refuses generated code edited to misfit its `.flow`.
    let news = std::fs::read_to_string(crate_dir.join("src/today_news.rs")).unwrap();
    let misfit = news.replace("pub max_items: Option<i64>", "pub max_items: Option<String>");
    assert_ne!(misfit, news);
    std::fs::write(crate_dir.join("src/today_news.rs"), misfit).unwrap();
    let check = cargo_check(crate_dir, &workspace);
    assert!(!check.status.success() && text(&check.stderr).contains("INTEGER"), "{}", text(&check.stderr));
}

/// `cargo check` of the scratch crate, in a target directory of its own kept between runs.
fn cargo_check(crate_dir: &Path, workspace: &Path) -> std::process::Output {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .current_dir(crate_dir)
        .args(["check", "--offline", "--quiet", "--target-dir"])
        .arg(target.join("generated-code-check"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap()
}

#[test]
fn generate_names_the_type_as_asked_and_refuses_a_name_rust_cannot_use() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/flows/today-news.flow");
    let output = run(bare().args(["flow", "generate", "--id", "wf_today_news", "--name", "Digest"]).arg(&file), 0, &[]);
    let source = text(&output.stdout);
    assert!(source.contains("pub struct Digest {") && source.contains("output = DigestOutput"), "{source}");
    assert!(source.contains("#[serde(rename = \"maxItems\")]\n    pub max_items: Option<i64>,"), "{source}");
    assert!(source.contains("/// What the digest is about"), "{source}");

    let refused =
        run(bare().args(["flow", "generate", "--id", "wf_today_news", "--name", "not a type"]).arg(&file), 2, &[]);
    assert!(text(&refused.stderr).contains("--name not a type"), "{}", text(&refused.stderr));
}
