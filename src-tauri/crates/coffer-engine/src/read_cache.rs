//! A cache of the rows GetSecretValue reads — the secret an id names, its tags and staging
//! labels, its sealed versions and their KMS key rows — so that a read of unchanged data
//! runs no query but the one that reads the generation counters.
//!
//! Entries are valid for one *secrets generation*, a counter the store's triggers bump on
//! every change to those tables, by this process or another one on the same file (see
//! migration 12). Every entry was loaded in a read snapshot together with the generation of
//! that snapshot, and is returned only to a reader that saw the same generation, so a
//! cached read returns exactly what a fresh read in one snapshot would: a label move, a
//! deletion or a disabled key takes effect on the very next request. Writes never fill the
//! cache (their snapshot holds uncommitted changes).
//!
//! A GetSecretValue first runs from memory ([`OpConn::Cached`]); the first entry it lacks
//! ends that attempt with a cache miss, before anything is audited, and it runs again on a
//! read snapshot that fills the cache as it goes. The cache holds what the file holds:
//! sealed values and wrapped data keys, never plaintext.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use coffer_store::{KeyRow, LabelRow, SecretRow, SqliteConnection, VersionRow};

use crate::error::{Error, Result};
use crate::{Engine, Op, OpConn};

/// Past this many entries, or this many bytes of sealed values, the cache empties (many
/// distinct ids must not grow memory without limit; reloading is one snapshot).
const MAX_ENTRIES: usize = 10_000;
const MAX_BYTES: usize = 64 << 20;

/// The cached rows of one secrets generation.
#[derive(Default)]
pub(crate) struct Entries {
    generation: Option<i64>,
    /// (region, secret id as given) → the secret it names, if any.
    secrets: HashMap<(String, String), Option<SecretRow>>,
    tags: HashMap<i64, Vec<(String, String)>>,
    labels: HashMap<i64, Vec<LabelRow>>,
    /// (secret row id, version id) → the sealed version, if any.
    versions: HashMap<(i64, String), Option<VersionRow>>,
    keys: HashMap<String, Option<KeyRow>>,
    entries: usize,
    bytes: usize,
}

impl Entries {
    fn empty(&mut self) {
        self.secrets.clear();
        self.tags.clear();
        self.labels.clear();
        self.versions.clear();
        self.keys.clear();
        self.entries = 0;
        self.bytes = 0;
    }
}

/// Which map of [`Entries`] a lookup uses.
pub(crate) type Map<K, V> = fn(&mut Entries) -> &mut HashMap<K, V>;

pub(crate) fn secrets(e: &mut Entries) -> &mut HashMap<(String, String), Option<SecretRow>> {
    &mut e.secrets
}
pub(crate) fn tags(e: &mut Entries) -> &mut HashMap<i64, Vec<(String, String)>> {
    &mut e.tags
}
pub(crate) fn labels(e: &mut Entries) -> &mut HashMap<i64, Vec<LabelRow>> {
    &mut e.labels
}
pub(crate) fn versions(e: &mut Entries) -> &mut HashMap<(i64, String), Option<VersionRow>> {
    &mut e.versions
}
pub(crate) fn keys(e: &mut Entries) -> &mut HashMap<String, Option<KeyRow>> {
    &mut e.keys
}

/// The bytes a cached version holds (the rest of an entry is small and counted as one).
pub(crate) fn version_bytes(v: &Option<VersionRow>) -> usize {
    v.as_ref().map_or(0, |v| {
        v.ciphertext.as_ref().map_or(0, Vec::len) + v.wrapped_dek.as_ref().map_or(0, Vec::len)
    })
}

/// Rows valid for one secrets generation.
#[derive(Default)]
pub(crate) struct ReadCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").finish_non_exhaustive()
    }
}

impl ReadCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry for `key` if it was loaded under `generation`.
    pub(crate) fn get<K: Hash + Eq, V: Clone>(
        &self,
        generation: i64,
        map: Map<K, V>,
        key: &K,
    ) -> Option<V> {
        let mut e = self.lock();
        if e.generation != Some(generation) {
            return None;
        }
        map(&mut e).get(key).cloned()
    }

    /// Remembers an entry loaded in a snapshot of `generation`. A newer generation empties
    /// the cache first; an entry of an older one (a slow reader) is not kept.
    pub(crate) fn put<K: Hash + Eq, V>(
        &self,
        generation: i64,
        map: Map<K, V>,
        key: K,
        value: V,
        bytes: usize,
    ) {
        let mut e = self.lock();
        match e.generation {
            Some(g) if g > generation => return,
            Some(g) if g == generation => {}
            _ => {
                e.empty();
                e.generation = Some(generation);
            }
        }
        if e.entries >= MAX_ENTRIES || e.bytes + bytes > MAX_BYTES {
            e.empty();
        }
        e.entries += 1;
        e.bytes += bytes;
        map(&mut e).insert(key, value);
    }

    /// Forgets everything (sealing).
    pub(crate) fn clear(&self) {
        let mut e = self.lock();
        e.empty();
        e.generation = None;
    }
}

/// Why a read from memory stopped: an entry it needs is not cached. Never leaves the
/// engine: the operation is retried on a read snapshot.
#[derive(Debug)]
struct CacheMiss;

impl std::fmt::Display for CacheMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("read cache miss")
    }
}

impl std::error::Error for CacheMiss {}

pub(crate) fn cache_miss() -> Error {
    Error::internal(CacheMiss)
}

/// True for the error that ends a read from memory (see the module documentation).
pub(crate) fn is_cache_miss(e: &Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.is::<CacheMiss>())
}

impl Engine {
    /// Looks `key` up through the cache. From memory: the entry, or a cache miss. On a read
    /// snapshot that knows its generations: the entry, or `load` in the snapshot, then kept.
    /// In a write: always `load`.
    pub(crate) async fn cached<K, V>(
        &self,
        op: &mut Op<'_>,
        map: Map<K, V>,
        key: K,
        bytes: fn(&V) -> usize,
        load: impl AsyncFnOnce(&mut SqliteConnection) -> Result<V>,
    ) -> Result<V>
    where
        K: Hash + Eq,
        V: Clone,
    {
        let cache = &self.inner.read_cache;
        match (&mut op.tx, op.generations) {
            (OpConn::Cached, g) => g
                .and_then(|g| cache.get(g.secrets, map, &key))
                .ok_or_else(cache_miss),
            (OpConn::Read(tx), Some(g)) => {
                if let Some(v) = cache.get(g.secrets, map, &key) {
                    return Ok(v);
                }
                let v = load(tx).await?;
                cache.put(g.secrets, map, key, v.clone(), bytes(&v));
                Ok(v)
            }
            (tx, _) => load(tx.conn()).await,
        }
    }
}

/// Entries other than versions count one byte.
pub(crate) fn small<V>(_: &V) -> usize {
    1
}
