//! The registered workflows and the API keys that select them.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use super::handler::ErasedHandler;
use super::script::Script;

/// Every workflow the server plays, by id, and the key of each.
#[derive(Default)]
pub(super) struct Registry {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    workflows: HashMap<String, Entry>,
    workflow_by_key: HashMap<String, String>,
}

struct Entry {
    key: String,
    handler: ErasedHandler,
    script: Script,
}

/// What a request needs of a workflow, copied out so no lock is held while it runs.
#[derive(Clone)]
pub(super) struct Registered {
    pub id: String,
    pub handler: ErasedHandler,
    pub script: Script,
}

impl Registry {
    /// Registers (or replaces the handler of) workflow `id` and returns its key. Registering
    /// an id again keeps its key and its script.
    pub fn insert(&self, id: &str, name: &str, handler: ErasedHandler) -> String {
        let mut inner = lock(&self.inner);
        if let Some(entry) = inner.workflows.get_mut(id) {
            entry.handler = handler;
            return entry.key.clone();
        }
        let key = new_key();
        inner.workflow_by_key.insert(key.clone(), id.to_owned());
        inner.workflows.insert(id.to_owned(), Entry { key: key.clone(), handler, script: Script::new(name) });
        key
    }

    /// The workflow a key belongs to.
    pub fn workflow_for_key(&self, key: &str) -> Option<String> {
        lock(&self.inner).workflow_by_key.get(key).cloned()
    }

    pub fn get(&self, id: &str) -> Option<Registered> {
        lock(&self.inner).workflows.get(id).map(|entry| Registered {
            id: id.to_owned(),
            handler: entry.handler.clone(),
            script: entry.script.clone(),
        })
    }

    pub fn update_script(&self, id: &str, update: impl FnOnce(&mut Script)) {
        if let Some(entry) = lock(&self.inner).workflows.get_mut(id) {
            update(&mut entry.script);
        }
    }

    /// `(workflow id, key)` of every workflow, sorted by id.
    pub fn keys(&self) -> Vec<(String, String)> {
        let mut keys: Vec<(String, String)> =
            lock(&self.inner).workflows.iter().map(|(id, entry)| (id.clone(), entry.key.clone())).collect();
        keys.sort();
        keys
    }
}

/// A fresh key in the shape of GPTBots keys (`app-` and random characters).
fn new_key() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    let first = hasher.finish();
    hasher.write_u64(first);
    format!("app-{first:016x}{:016x}", hasher.finish())
}

/// Locks a mutex, going on after a panic elsewhere: the data is plain bookkeeping that stays
/// consistent between statements.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
