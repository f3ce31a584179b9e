//! The `.flow` reader on arbitrary bytes: it must return a model or an error, never panic, and
//! what it reads must hold together (names unique and not empty, locations inside the file).
#![no_main]

use gptbots_flow::{EndMode, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match read(data, "fuzz.flow") {
        Ok(flow) => {
            let mut names: Vec<&str> = flow.start.iter().map(|p| p.name.as_str()).collect();
            assert!(names.iter().all(|n| !n.is_empty()));
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), flow.start.len(), "parameter names are unique");
            if flow.end.mode != EndMode::Variable {
                assert!(flow.end.variables.is_empty());
            }
            for param in &flow.start {
                let _ = param.ty.to_string();
                let _ = param.default.as_ref().map(ToString::to_string);
            }
        }
        Err(err) => {
            if let Some(location) = err.location {
                let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
                assert!(location.line >= 1 && location.line <= lines, "{err}");
                assert!(location.column >= 1);
            }
            let message = err.to_string();
            assert!(message.contains("`fuzz.flow`"), "{message}");
        }
    }
});
