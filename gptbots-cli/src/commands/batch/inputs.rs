//! The inputs of `gptbots batch`: a JSONL file, one input object per line.
//!
//! The file is read twice. First every line is checked before anything is submitted: a broken
//! line 9,000 found after 8,999 paid runs would leave a batch half done. Then the batch reads it
//! again as it takes inputs, one line at a time, so a file of any size is never held in memory.
//! That second read is a plain buffered read of a local file on the batch's task: one line
//! takes microseconds, less than handing it to a blocking thread would.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, anyhow};
use serde_json::{Map, Value};

use crate::exit::Failure;

/// A checked inputs file: where each input (each non-blank line) is.
pub struct InputsFile {
    path: PathBuf,
    /// The 1-based line number of each input, in order.
    line_numbers: Vec<u64>,
}

/// What went wrong in the second read: the file changed after it was checked.
pub type Changed = Arc<Mutex<Option<String>>>;

impl InputsFile {
    /// Reads and checks every line: each non-blank one must be a JSON object.
    pub fn check(path: &Path) -> Result<Self, Failure> {
        let mut line_numbers = Vec::new();
        for (number, line) in open(path)?.enumerate() {
            let number = number as u64 + 1;
            let line = line
                .with_context(|| format!("cannot read {} at line {number}", path.display()))
                .map_err(Failure::usage)?;
            match parse(&line, number) {
                Ok(Some(_)) => line_numbers.push(number),
                Ok(None) => {}
                Err(problem) => return Err(Failure::usage(anyhow!("{} line {number}: {problem}", path.display()))),
            }
        }
        if line_numbers.is_empty() {
            return Err(Failure::usage(anyhow!(
                "{} holds no input: write one JSON object per line, e.g. {{\"topic\": \"rust\"}}",
                path.display()
            )));
        }
        Ok(InputsFile { path: path.to_owned(), line_numbers })
    }

    /// How many inputs the file holds.
    pub fn len(&self) -> usize {
        self.line_numbers.len()
    }

    /// The line number of the input at `position` (0-based).
    pub fn line_number(&self, position: usize) -> u64 {
        self.line_numbers[position]
    }

    /// The inputs, read lazily; when the file no longer reads as it did when checked, they end
    /// early and `Changed` says why.
    pub fn read(&self) -> Result<(InputLines, Changed), Failure> {
        let changed = Changed::default();
        let lines =
            InputLines { path: self.path.clone(), lines: open(&self.path)?, number: 0, changed: changed.clone() };
        Ok((lines, changed))
    }
}

/// The input objects of a checked file, in order.
pub struct InputLines {
    path: PathBuf,
    lines: Lines<BufReader<File>>,
    number: u64,
    changed: Changed,
}

impl Iterator for InputLines {
    type Item = Map<String, Value>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.number += 1;
            let problem = match self.lines.next()? {
                Ok(line) => match parse(&line, self.number) {
                    Ok(Some(input)) => return Some(input),
                    Ok(None) => continue,
                    Err(problem) => problem,
                },
                Err(error) => error.to_string(),
            };
            let why = format!("{} changed while the batch ran: line {}: {problem}", self.path.display(), self.number);
            *self.changed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why);
            return None;
        }
    }
}

fn open(path: &Path) -> Result<Lines<BufReader<File>>, Failure> {
    let file = File::open(path)
        .with_context(|| format!("cannot open the inputs file {}", path.display()))
        .map_err(Failure::usage)?;
    Ok(BufReader::new(file).lines())
}

/// One line's input: `None` for a blank line.
fn parse(line: &str, number: u64) -> Result<Option<Map<String, Value>>, String> {
    // An editor may start the file with a byte-order mark.
    let line = if number == 1 { line.strip_prefix('\u{feff}').unwrap_or(line) } else { line };
    if line.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(input)) => Ok(Some(input)),
        Ok(_) => Err("not a JSON object: each line holds one input object, e.g. {\"topic\": \"rust\"}".to_owned()),
        Err(error) => Err(format!("not JSON: {error}")),
    }
}
