//! The registered workflows and the API keys that select them.

use std::collections::HashMap;
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
    /// Keys chosen before the workflows are registered, by workflow id.
    chosen_keys: HashMap<String, String>,
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
    /// A registry whose workflows, once registered, get the keys chosen here (by workflow id)
    /// instead of random ones.
    pub fn with_keys(chosen_keys: HashMap<String, String>) -> Self {
        Registry { inner: Mutex::new(Inner { chosen_keys, ..Inner::default() }) }
    }

    /// Registers (or replaces the handler of) workflow `id` and returns its key. Registering
    /// an id again keeps its key and its script.
    pub fn insert(&self, id: &str, name: &str, handler: ErasedHandler) -> String {
        let mut inner = lock(&self.inner);
        if let Some(entry) = inner.workflows.get_mut(id) {
            entry.handler = handler;
            return entry.key.clone();
        }
        let key = inner.chosen_keys.get(id).cloned().unwrap_or_else(new_key);
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

/// A fresh key in the shape of GPTBots keys (`app-` and random characters): 128 bits from the
/// operating system's random source, so no key can be guessed from another or from the time.
///
/// # Panics
/// When the operating system has no random source to give (`getrandom` fails), which leaves no
/// safe key to hand out.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the embedded GPTBots server found no OS random source for its API keys: {e}");
    }
    let mut key = String::with_capacity(4 + 2 * bytes.len());
    key.push_str("app-");
    for byte in bytes {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

/// Locks a mutex, going on after a panic elsewhere: the data is plain bookkeeping that stays
/// consistent between statements.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::new_key;

    #[test]
    fn keys_are_128_random_bits_in_hex_and_never_repeat() {
        let keys: HashSet<String> = (0..10_000).map(|_| new_key()).collect();
        assert_eq!(keys.len(), 10_000);
        for key in &keys {
            let hex = key.strip_prefix("app-").expect("the GPTBots key prefix");
            assert_eq!(hex.len(), 32, "{key}");
            assert!(hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{key}");
        }
        // Every bit position takes both values: no part of the key is a constant or a clock.
        let bits: Vec<u128> = keys.iter().map(|k| u128::from_str_radix(&k[4..], 16).unwrap_or_default()).collect();
        let ones = bits.iter().fold(0u128, |acc, b| acc | b);
        let zeros = bits.iter().fold(0u128, |acc, b| acc | !b);
        assert_eq!((ones, zeros), (u128::MAX, u128::MAX));
    }
}
