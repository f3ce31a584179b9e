//! What lives as long as the compiler keeps the proc-macro library loaded: the `.flow` files
//! read so far, and the files already registered with the compiler in each crate.
//!
//! Production code uses one process-wide [`Session`] (see `lib.rs`); tests make their own, so
//! no test needs to reset global state.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use gptbots_flow::Flow;

/// Read `.flow` files and registrations, shared by every expansion of one process.
#[derive(Default)]
pub struct Session {
    cache: Mutex<Vec<CacheEntry>>,
    registered: Mutex<Vec<(String, PathBuf)>>,
}

struct CacheEntry {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    flow: Arc<Result<Flow, String>>,
}

/// Where an expansion happens: which crate (a session may serve several, as rust-analyzer's
/// proc-macro server does) and the directory `flow` paths are relative to.
pub struct Context<'a> {
    pub session: &'a Session,
    pub crate_name: String,
    pub manifest_dir: PathBuf,
}

impl Context<'_> {
    /// The context the compiler gives: cargo sets both variables for every crate it compiles.
    pub fn from_env(session: &Session) -> Context<'_> {
        Context {
            session,
            crate_name: std::env::var("CARGO_CRATE_NAME").unwrap_or_default(),
            manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default(),
        }
    }

    /// `flow` paths are relative to the crate's manifest directory (where its `Cargo.toml` is),
    /// so they do not depend on which file the struct is in; an absolute path is used as is.
    pub fn resolve(&self, path: &str) -> PathBuf {
        self.manifest_dir.join(path)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Session {
    pub const fn new() -> Session {
        Session { cache: Mutex::new(Vec::new()), registered: Mutex::new(Vec::new()) }
    }

    /// Reads the `.flow` at `path` (shown to the user as `shown`), from the cache when the
    /// file did not change. Errors are full sentences naming the path.
    pub fn load(&self, path: &Path, shown: &str) -> Arc<Result<Flow, String>> {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_file() => metadata,
            Ok(_) => return Arc::new(Err(format!("`{shown}` is not a file: point `flow` at a `.flow` export"))),
            Err(err) => return Arc::new(Err(unreadable(path, shown, &err))),
        };
        let (len, modified) = (metadata.len(), metadata.modified().ok());
        let mut cache = lock(&self.cache);
        if let Some(entry) = cache.iter().find(|e| e.path == path && e.len == len && e.modified == modified) {
            return Arc::clone(&entry.flow);
        }
        let flow = Arc::new(match std::fs::read(path) {
            Ok(bytes) => gptbots_flow::read(&bytes, shown).map_err(|err| err.to_string()),
            Err(err) => Err(unreadable(path, shown, &err)),
        });
        cache.retain(|e| e.path != path);
        cache.push(CacheEntry { path: path.to_owned(), len, modified, flow: Arc::clone(&flow) });
        flow
    }

    /// Whether `path` still needs registering with the compiler in `crate_name`; records
    /// that it is registered from now on. The answer does not depend on other crates.
    pub fn first_registration(&self, crate_name: &str, path: &Path) -> bool {
        let mut registered = lock(&self.registered);
        if registered.iter().any(|(name, known)| name == crate_name && known == path) {
            return false;
        }
        registered.push((crate_name.to_owned(), path.to_owned()));
        true
    }
}

fn unreadable(path: &Path, shown: &str, err: &std::io::Error) -> String {
    format!(
        "cannot read `{shown}` ({err}; looked at `{}`): check the path, which is relative to the directory of the crate's Cargo.toml",
        path.display()
    )
}
