//! Documentation of the catalogued workflows: a Markdown page and a JSON Schema bundle.
//!
//! Generate both for every workflow of a program with [`write_files`], e.g. from an example
//! or a small binary:
//!
//! ```no_run
//! // Link the crate that defines the workflows (here the crate itself, `my_app`):
//! // use my_app as _;
//! fn main() -> std::io::Result<()> {
//!     let dir = std::env::args().nth(1).unwrap_or_else(|| "docs".to_owned());
//!     gptbots_runtime::schema_docs::write_files(dir)
//! }
//! ```
//!
//! Or render chosen workflows with [`markdown`] and [`json_bundle`]. The schemas themselves are
//! described in [`catalogue`].

mod bundle;
mod markdown;

use std::io;
use std::path::Path;

pub use bundle::json_bundle;
pub use markdown::markdown;

use crate::catalogue;

/// The file [`write_files`] writes the Markdown page to.
pub const MARKDOWN_FILE: &str = "workflows.md";
/// The file [`write_files`] writes the JSON Schema bundle to.
pub const BUNDLE_FILE: &str = "workflows.schema.json";

/// Writes `dir/workflows.md` and `dir/workflows.schema.json` for every workflow of
/// [`catalogue::workflows`], creating `dir` if needed.
///
/// # Errors
///
/// Any I/O error creating `dir` or writing the files.
pub fn write_files(dir: impl AsRef<Path>) -> io::Result<()> {
    let dir = dir.as_ref();
    let entries = catalogue::workflows();
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(MARKDOWN_FILE), markdown(entries.iter().copied()))?;
    let mut bundle = serde_json::to_string_pretty(&json_bundle(entries.iter().copied())).map_err(io::Error::other)?;
    bundle.push('\n');
    std::fs::write(dir.join(BUNDLE_FILE), bundle)
}
