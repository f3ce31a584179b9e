//! `gptbots completions`.

use crate::support::{bare, run, text};

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef gptbots"), ("fish", "complete -c gptbots")] {
        let output = run(bare().args(["completions", shell]), 0, &[]);
        let script = text(&output.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for command in ["verify", "invoke", "wait", "mock"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    run(bare().args(["completions", "powershell-7"]), 2, &[]);
}
