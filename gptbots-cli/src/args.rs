//! The command line's grammar: every command, flag and argument, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Work with GPTBots workflows: check keys, run workflows, inspect `.flow` exports and generate
/// Rust code from them, and serve a GPTBots-compatible mock.
///
/// Keys come from the environment (`GPTBOTS_API_KEY`, `GPTBOTS_API_KEY_<ID>`) or from
/// `--key-file`, never from an argument. Results go to stdout (JSON when stdout is not a
/// terminal or with `--json`), everything else to stderr.
///
/// Exit codes: 0 ok; 1 a run failed or a check failed; 2 usage or configuration; 3 network or
/// server.
#[derive(Debug, Parser)]
#[command(name = "gptbots", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// JSON on stdout even on a terminal.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Where the commands that call GPTBots send their requests, and with which default key.
#[derive(Debug, Args)]
pub struct Connection {
    /// The API endpoint (default: `GPTBOTS_BASE_URL`, else `https://api.gptbots.ai`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// A file holding the API key (its whole content, trimmed), used for every workflow without a
    /// `GPTBOTS_API_KEY_<ID>` of its own.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// For each configured key: which workflow or agent it belongs to, and whether that is the
    /// workflow it is configured for.
    Verify(Verify),
    /// Runs a workflow: the output JSON on stdout; run id, status, cost, tokens and time on
    /// stderr.
    Invoke(Invoke),
    /// Waits for a submitted run to finish and prints its output.
    Wait(Wait),
    /// Runs every line of a JSONL file as an async run, recorded in a journal so that a killed
    /// batch, run again, submits nothing twice; one result line per input, in input order.
    Batch(Batch),
    /// Reads `.flow` exports.
    #[command(subcommand)]
    Flow(Flow),
    /// Serves the embedded GPTBots-compatible server until Ctrl-C.
    Mock(Mock),
    /// Prints a shell completion script.
    Completions(Completions),
}

/// `gptbots verify`.
#[derive(Debug, Args)]
pub struct Verify {
    #[command(flatten)]
    pub connection: Connection,
}

/// `gptbots invoke`.
#[derive(Debug, Args)]
pub struct Invoke {
    #[command(flatten)]
    pub connection: Connection,
    /// The workflow's id (its key is `GPTBOTS_API_KEY_<ID>` or the default key).
    pub workflow_id: String,
    #[command(flatten)]
    pub input: InputSource,
    /// Submits the run and prints its id instead of waiting for the output.
    #[arg(long = "async")]
    pub is_async: bool,
    /// The user id the run is tagged with.
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
}

/// Where an input comes from.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct InputSource {
    /// The input object as JSON, e.g. '{"topic": "rust"}'.
    #[arg(long, value_name = "JSON")]
    pub input: Option<String>,
    /// A file holding the input object as JSON (`-`: standard input).
    #[arg(long, value_name = "PATH")]
    pub input_file: Option<PathBuf>,
}

/// `gptbots wait`.
#[derive(Debug, Args)]
pub struct Wait {
    #[command(flatten)]
    pub connection: Connection,
    /// The workflow's id.
    pub workflow_id: String,
    /// The run id `gptbots invoke --async` printed.
    pub run_id: String,
    /// Give up after this many seconds (the run goes on; wait again later). Default: 900.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// `gptbots batch`.
#[derive(Debug, Args)]
pub struct Batch {
    #[command(flatten)]
    pub connection: Connection,
    /// The workflow's id.
    pub workflow_id: String,
    /// One input object per line (blank lines are skipped), e.g. {"topic": "rust"}.
    #[arg(value_name = "INPUTS.jsonl")]
    pub inputs: PathBuf,
    /// The SQLite journal of this batch (created if missing): run the same command with the same
    /// journal to resume a batch that was stopped.
    #[arg(long, value_name = "PATH")]
    pub journal: PathBuf,
    /// Runs in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    /// Stops submitting before the batch (the journal's earlier runs included) would spend more
    /// than this many credits.
    #[arg(long, value_name = "CREDITS", value_parser = credits, allow_negative_numbers = true)]
    pub budget: Option<f64>,
    /// Where the results go, one JSON line per input in input order (default: stdout).
    #[arg(long, value_name = "RESULTS.jsonl")]
    pub out: Option<PathBuf>,
    /// The user id every run is tagged with.
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
    /// After a submit that went unanswered, how long GPTBots' run list is given to show the run
    /// before the input is submitted again. Shorter risks paying twice for one input.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub in_doubt_grace: u64,
}

/// A budget: a finite, non-negative number of credits.
fn credits(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(credits) if credits.is_finite() && credits >= 0.0 => Ok(credits),
        _ => Err(format!("`{text}` is not a number of credits: give a non-negative number, e.g. 25 or 2.5")),
    }
}

/// `gptbots flow`.
#[derive(Debug, Subcommand)]
pub enum Flow {
    /// What a `.flow` declares: the Start parameters and the End node.
    Inspect(FlowInspect),
    /// Rust source for the workflow's input struct and output type.
    Generate(FlowGenerate),
}

/// `gptbots flow inspect`.
#[derive(Debug, Args)]
pub struct FlowInspect {
    /// The `.flow` export.
    pub file: PathBuf,
}

/// `gptbots flow generate`.
#[derive(Debug, Args)]
pub struct FlowGenerate {
    /// The `.flow` export; the generated attribute names it as given.
    pub file: PathBuf,
    /// The workflow's id.
    #[arg(long, value_name = "WORKFLOW_ID")]
    pub id: String,
    /// The input struct's name (default: from the workflow's name).
    #[arg(long, value_name = "TYPE")]
    pub name: Option<String>,
    /// Where to write the source (default: stdout).
    #[arg(short, long, value_name = "OUT.rs")]
    pub output: Option<PathBuf>,
}

/// `gptbots mock`.
#[derive(Debug, Args)]
pub struct Mock {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The address to listen on; anything but loopback lets other machines call it.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: std::net::IpAddr,
    /// A workflow and the output it answers: `ID=OUTPUT.json`.
    #[arg(long = "fixture", value_name = "ID=OUTPUT.json", required = true)]
    pub fixtures: Vec<String>,
    /// A workflow's `.flow`, whose Start node checks the inputs: `ID=FILE.flow`. Its workflow
    /// needs a `--fixture` too.
    #[arg(long = "flow", value_name = "ID=FILE")]
    pub flows: Vec<String>,
    /// The key the mock accepts for a workflow, `ID=KEY` (a made-up test key: the mock holds no
    /// real key). Default: a random key per workflow, printed at start.
    #[arg(long = "key", value_name = "ID=KEY")]
    pub keys: Vec<String>,
}

/// `gptbots completions`.
#[derive(Debug, Args)]
pub struct Completions {
    /// The shell.
    pub shell: clap_complete::Shell,
}
