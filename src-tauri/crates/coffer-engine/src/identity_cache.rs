//! A cache of what the engine derives from the identity tables, so a request signed by a
//! known key costs no identity queries and no policy parsing.
//!
//! Entries are valid for one *identity generation*: a counter the store's triggers bump on
//! every change to principals, tags, memberships, policies, attachments and access keys
//! (also changes made by another process on the same file). Each lookup passes the
//! generation it read in its own snapshot, and an entry is returned only to a lookup of the
//! generation it was built under (a newer generation empties the cache first). So a
//! cached decision is always the one a fresh load in the same snapshot would produce — a
//! deactivated key or a removed statement takes effect on the very next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::SecretBytes;
use crate::authz::Caller;

/// Entries past this count empty the cache (an unbounded number of distinct callers must
/// not grow memory without limit; rebuilding is cheap).
const MAX_ENTRIES: usize = 10_000;

/// An access key that authenticates, as the engine verified it.
#[derive(Clone)]
pub(crate) struct VerifiedKey {
    /// The owner's ARN.
    pub principal_arn: String,
    /// The unsealed secret access key.
    pub secret: SecretBytes,
    /// When the key stops authenticating (ms), for minted rotation credentials: checked
    /// on every use, since time passing does not change the identity generation.
    pub expires_at: Option<i64>,
}

#[derive(Default)]
struct Entries {
    /// Bumped by every [`IdentityCache::clear`] (sealing): a verification that began
    /// before the seal carries the old value and is not kept.
    epoch: u64,
    generation: Option<i64>,
    callers: HashMap<String, Arc<Caller>>,
    /// `None` = the key id does not authenticate (unknown or inactive).
    keys: HashMap<String, Option<VerifiedKey>>,
}

impl Entries {
    /// The entries if they belong to `generation`.
    fn of(&mut self, generation: i64) -> Option<&mut Entries> {
        (self.generation == Some(generation)).then_some(self)
    }

    /// The entries to add to under `generation`: a newer generation empties them first,
    /// and an older one (a slow request) gets `None`, so it never evicts newer entries.
    fn for_put(&mut self, generation: i64) -> Option<&mut Entries> {
        match self.generation {
            Some(g) if g > generation => return None,
            Some(g) if g == generation => {}
            _ => {
                self.callers.clear();
                self.keys.clear();
                self.generation = Some(generation);
            }
        }
        if self.callers.len() + self.keys.len() >= MAX_ENTRIES {
            self.callers.clear();
            self.keys.clear();
        }
        Some(self)
    }
}

/// Callers and verified access keys, valid for one identity generation.
#[derive(Default)]
pub(crate) struct IdentityCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for IdentityCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityCache").finish_non_exhaustive()
    }
}

impl IdentityCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached caller `arn` as of `generation`.
    pub fn caller(&self, generation: i64, arn: &str) -> Option<Arc<Caller>> {
        self.lock().of(generation)?.callers.get(arn).cloned()
    }

    /// Remembers a caller loaded under `generation`.
    pub fn put_caller(&self, generation: i64, arn: &str, caller: Arc<Caller>) {
        if let Some(e) = self.lock().for_put(generation) {
            e.callers.insert(arn.to_owned(), caller);
        }
    }

    /// The cached verification of `access_key_id` as of `generation`: `Some(None)` means
    /// known not to authenticate.
    pub fn key(&self, generation: i64, access_key_id: &str) -> Option<Option<VerifiedKey>> {
        self.lock().of(generation)?.keys.get(access_key_id).cloned()
    }

    /// The current epoch: read it before the keys a verification uses, and pass it to
    /// [`IdentityCache::put_key`].
    pub fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Remembers the verification of `access_key_id` under `generation`, unless the cache
    /// was cleared (the store sealed) since `epoch`: a request that raced the seal must not
    /// leave an unsealed key secret behind in memory.
    pub fn put_key(
        &self,
        epoch: u64,
        generation: i64,
        access_key_id: &str,
        key: Option<VerifiedKey>,
    ) {
        let mut entries = self.lock();
        if entries.epoch != epoch {
            return;
        }
        if let Some(e) = entries.for_put(generation) {
            e.keys.insert(access_key_id.to_owned(), key);
        }
    }

    /// Forgets everything (sealing: no unsealed key secret may stay in memory), and turns
    /// away what verifications under way would add.
    pub fn clear(&self) {
        let mut e = self.lock();
        e.callers.clear();
        e.keys.clear();
        e.generation = None;
        e.epoch += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> VerifiedKey {
        VerifiedKey {
            principal_arn: "arn:aws:iam::123456789012:user/app".into(),
            secret: SecretBytes::new(b"the secret access key".to_vec()),
            expires_at: None,
        }
    }

    #[test]
    fn a_verification_that_raced_a_seal_is_not_kept() {
        let cache = IdentityCache::default();
        // A request read the epoch and the keys, then the store sealed before it cached
        // the key it verified.
        let epoch = cache.epoch();
        cache.clear();
        cache.put_key(epoch, 7, "AKIAEXAMPLE", Some(key()));
        assert!(cache.key(7, "AKIAEXAMPLE").is_none());
        // After the seal, a new verification is kept as usual.
        cache.put_key(cache.epoch(), 7, "AKIAEXAMPLE", Some(key()));
        assert!(cache.key(7, "AKIAEXAMPLE").is_some_and(|k| k.is_some()));
    }
}
