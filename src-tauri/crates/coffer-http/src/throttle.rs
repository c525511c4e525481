//! Throttling of failed authentication, per source address and per claimed access key id.
//!
//! Every failed authentication is audited, and an audit event is a durable write. Without a
//! limit, anyone who can reach the port can make the server write (and fsync) as fast as
//! they can send bad signatures, and guess at keys without bound. So failures are charged
//! to two buckets — the client's address and the access key id it claimed — and once a
//! bucket is spent the request is answered `ThrottlingException` before its body is read,
//! its signature computed or the store touched. Successes cost nothing and are never
//! counted; a throttled request is not charged either (it did no work).
//!
//! The rule keeps one client's failures from locking out another:
//! - a spent *key* throttles only sources that have failed recently themselves: a caller
//!   flooding someone's key id from one address does not lock out the key's owner
//!   elsewhere, yet a guesser spreading over many addresses gets one try from each;
//! - a spent *source* still lets through key ids that have authenticated successfully
//!   before: every local program shares `127.0.0.1`, and one of them failing in a loop
//!   must not stop the others. A flood of random key ids from that address is throttled.
//!
//! What cannot be told apart without the signature is told apart by no one: a caller that
//! shares your address *and* claims your key id with bad signatures throttles you too.
//!
//! Buckets follow the generic cell rate algorithm: each holds the time at which it will be
//! full again (`refill`), so a bucket is one integer and one whose time has passed carries
//! no information and may be dropped. Both maps are capped; when one is full, stale entries
//! are swept (at most once per refill interval), and newcomers that still find no room
//! share one overflow bucket — random key ids or addresses cannot grow memory, and they
//! cannot escape the limit by being new. IPv6 sources are counted per /64 (one host
//! usually holds the whole prefix). Time is the engine's clock, in milliseconds.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// Entries each map may hold (sources, key ids, and key ids that have authenticated).
const MAX_ENTRIES: usize = 4096;

/// Failed authentications per source and per key id.
#[derive(Debug)]
pub(crate) struct AuthThrottle {
    /// Milliseconds one failure takes to be forgiven.
    interval: i64,
    /// How far ahead of now a bucket's refill time may be and still accept a failure.
    tolerance: i64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    sources: Buckets<IpAddr>,
    keys: Buckets<String>,
    /// Key ids that have authenticated successfully (see the module docs).
    proven: HashSet<String>,
}

/// Why a request is refused before any work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Throttled {
    /// The source has failed too often.
    Source,
    /// The key id has failed too often, and so has this source.
    Key,
}

impl AuthThrottle {
    /// `burst` failures at once, then one per `interval`. A zero burst disables throttling.
    pub(crate) fn new(burst: u32, interval: Duration) -> AuthThrottle {
        let interval = i64::try_from(interval.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        AuthThrottle {
            interval,
            tolerance: interval.saturating_mul(i64::from(burst)) - interval,
            state: Mutex::new(State {
                sources: Buckets::default(),
                keys: Buckets::default(),
                proven: HashSet::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a request from `source` claiming `key_id` may be tried at `now` (ms).
    pub(crate) fn check(
        &self,
        source: IpAddr,
        key_id: Option<&str>,
        now: i64,
    ) -> Result<(), Throttled> {
        if self.tolerance < 0 {
            return Ok(());
        }
        let state = self.state();
        let source_refill = state.sources.refill(&source_bucket(source));
        let spent = |refill: i64| refill.saturating_sub(now) > self.tolerance;
        if let Some(key_id) = key_id {
            let proven = state.proven.contains(key_id);
            // A proven key is judged by its own bucket only, never by the overflow one
            // that a flood of random key ids may have spent.
            let key_refill = match state.keys.refills.get(key_id) {
                Some(t) => *t,
                None if proven => i64::MIN,
                None => state.keys.refill(key_id),
            };
            if spent(key_refill) && source_refill > now {
                return Err(Throttled::Key);
            }
            if spent(source_refill) && !proven {
                return Err(Throttled::Source);
            }
            return Ok(());
        }
        if spent(source_refill) {
            return Err(Throttled::Source);
        }
        Ok(())
    }

    /// Charges a failed authentication to its source and claimed key id.
    pub(crate) fn failed(&self, source: IpAddr, key_id: Option<&str>, now: i64) {
        if self.tolerance < 0 {
            return;
        }
        let interval = self.interval;
        let mut state = self.state();
        state.sources.charge(source_bucket(source), now, interval);
        if let Some(key_id) = key_id {
            state.keys.charge(key_id.to_owned(), now, interval);
        }
    }

    /// Records that `key_id` authenticated: it may then be used from a spent source.
    pub(crate) fn succeeded(&self, key_id: &str) {
        let mut state = self.state();
        if state.proven.len() < MAX_ENTRIES && !state.proven.contains(key_id) {
            state.proven.insert(key_id.to_owned());
        }
    }
}

/// The address a source is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by /64.
fn source_bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
        v4 => v4,
    }
}

/// Refill times by key, capped at [`MAX_ENTRIES`] plus one shared overflow bucket.
#[derive(Debug)]
struct Buckets<K> {
    refills: HashMap<K, i64>,
    overflow: i64,
    /// When the map was last swept of full buckets (ms).
    swept: i64,
}

impl<K> Default for Buckets<K> {
    fn default() -> Self {
        Buckets {
            refills: HashMap::new(),
            overflow: i64::MIN,
            swept: i64::MIN,
        }
    }
}

impl<K: Hash + Eq> Buckets<K> {
    /// When `key`'s bucket is full again; the overflow bucket's when the map is full and
    /// does not hold `key`; the distant past for a key never charged.
    fn refill<Q>(&self, key: &Q) -> i64
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.refills.get(key) {
            Some(t) => *t,
            None if self.refills.len() >= MAX_ENTRIES => self.overflow,
            None => i64::MIN,
        }
    }

    /// Adds one failure to `key`'s bucket.
    fn charge(&mut self, key: K, now: i64, interval: i64) {
        let add = |t: &mut i64| *t = (*t).max(now).saturating_add(interval);
        if let Some(t) = self.refills.get_mut(&key) {
            add(t);
            return;
        }
        if self.refills.len() >= MAX_ENTRIES && now.saturating_sub(self.swept) >= interval {
            self.swept = now;
            self.refills.retain(|_, t| *t > now);
        }
        if self.refills.len() < MAX_ENTRIES {
            add(self.refills.entry(key).or_insert(i64::MIN));
        } else {
            add(&mut self.overflow);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "127.0.0.1";
    const B: &str = "127.0.0.2";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn throttle() -> AuthThrottle {
        AuthThrottle::new(3, Duration::from_secs(1))
    }

    #[test]
    fn a_burst_of_failures_then_one_per_interval() {
        let t = throttle();
        for _ in 0..3 {
            assert_eq!(t.check(ip(A), None, 0), Ok(()));
            t.failed(ip(A), None, 0);
        }
        assert_eq!(t.check(ip(A), None, 0), Err(Throttled::Source));
        assert_eq!(t.check(ip(A), None, 999), Err(Throttled::Source));
        assert_eq!(t.check(ip(A), None, 1000), Ok(()));
        t.failed(ip(A), None, 1000);
        assert_eq!(t.check(ip(A), None, 1000), Err(Throttled::Source));
        // Another source is not affected.
        assert_eq!(t.check(ip(B), None, 1000), Ok(()));
    }

    #[test]
    fn a_spent_key_throttles_only_sources_that_failed() {
        let t = throttle();
        for _ in 0..3 {
            t.failed(ip(A), Some("AKIDVICTIM"), 0);
        }
        assert_eq!(t.check(ip(A), Some("AKIDVICTIM"), 0), Err(Throttled::Key));
        assert_eq!(t.check(ip(B), Some("AKIDVICTIM"), 0), Ok(()));
        // One failure from B makes B a failing source: a spread-out guesser gets one try.
        t.failed(ip(B), Some("AKIDVICTIM"), 0);
        assert_eq!(t.check(ip(B), Some("AKIDVICTIM"), 0), Err(Throttled::Key));
    }

    #[test]
    fn a_spent_source_still_passes_proven_keys() {
        let t = throttle();
        t.succeeded("AKIDGOOD");
        for n in 0..3 {
            t.failed(ip(A), Some(&format!("AKIDRANDOM{n}")), 0);
        }
        assert_eq!(
            t.check(ip(A), Some("AKIDRANDOM9"), 0),
            Err(Throttled::Source)
        );
        assert_eq!(t.check(ip(A), Some("AKIDGOOD"), 0), Ok(()));
    }

    #[test]
    fn ipv6_sources_are_counted_per_prefix() {
        let t = throttle();
        for n in 0..3 {
            t.failed(ip(&format!("2001:db8::{n}")), None, 0);
        }
        assert_eq!(
            t.check(ip("2001:db8::ffff"), None, 0),
            Err(Throttled::Source)
        );
        assert_eq!(t.check(ip("2001:db8:0:1::1"), None, 0), Ok(()));
        assert_eq!(source_bucket(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn random_key_ids_are_bounded_and_share_an_overflow_bucket() {
        let t = AuthThrottle::new(1, Duration::from_secs(1));
        for n in 0..MAX_ENTRIES + 10 {
            t.failed(ip(B), Some(&format!("AKID{n}")), 0);
        }
        let state = t.state();
        assert_eq!(state.keys.refills.len(), MAX_ENTRIES);
        assert!(state.keys.overflow > 0);
        drop(state);
        // A newcomer lands in the spent overflow bucket: no escape by being new.
        assert_eq!(t.check(ip(B), Some("AKIDNEW"), 0), Err(Throttled::Key));
        // A key that has authenticated is judged by its own bucket.
        t.succeeded("AKIDGOOD");
        assert_eq!(t.check(ip(B), Some("AKIDGOOD"), 0), Ok(()));
        // Once the buckets have refilled, a sweep makes room again.
        t.failed(ip(A), Some("AKIDLATER"), 5000);
        assert_eq!(t.state().keys.refills.len(), 1);
    }

    #[test]
    fn a_zero_burst_disables_throttling() {
        let t = AuthThrottle::new(0, Duration::from_secs(1));
        for _ in 0..10 {
            t.failed(ip(A), Some("AKID"), 0);
        }
        assert_eq!(t.check(ip(A), Some("AKID"), 0), Ok(()));
    }
}
