//! Compile-time checks of `#[workflow]` and `#[workflow_output]`: every file in `fail/` must
//! fail to compile with exactly the errors in its `.stderr`, every file in `pass/` must build.
//!
//! After changing a message, regenerate the expected errors with
//! `TRYBUILD=overwrite cargo test -p gptbots-ui-tests`, then read each changed `.stderr`.

use std::path::Path;

#[test]
fn ui() {
    copy_flows_next_to_the_cases();
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("fail/*.rs");
}

/// trybuild compiles the cases as a crate of its own under `target/tests/trybuild`, and `flow`
/// paths are relative to the compiled crate's manifest directory: the fixtures of `tests/flows`
/// go there too.
fn copy_flows_next_to_the_cases() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target directory");
    let project = target.join("tests").join("trybuild").join(env!("CARGO_PKG_NAME"));
    let flows = project.join("flows");
    std::fs::create_dir_all(&flows).expect("create the flows directory of the trybuild crate");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("flows");
    for entry in std::fs::read_dir(&fixtures).expect("read tests/flows") {
        let path = entry.expect("list tests/flows").path();
        let name = path.file_name().expect("a file name");
        std::fs::copy(&path, flows.join(name)).expect("copy a .flow fixture");
    }
}
