//! Coffer's domain engine: secrets with immutable versions and staging labels, KMS-like
//! named keys, and the tamper-evident audit log, over the encrypted store.
//!
//! The engine knows nothing of windows, HTTP or JSON wire formats: the desktop shell, the
//! HTTP API and the CLI all call the same async methods on [`Engine`] with a
//! [`RequestContext`] and plain Rust inputs, and get plain Rust outputs or an [`Error`] that
//! carries AWS's error code and message.
//!
//! Invariants the engine keeps:
//! - every operation — allowed, denied or failed — writes exactly one audit event (plus one
//!   per background purge it performs), in the same transaction as its change;
//! - a staging label is on at most one version; a secret with versions has exactly one
//!   `AWSCURRENT`; at most 20 labels per secret;
//! - values are only ever stored sealed by `coffer-crypto`, bound to their secret ARN and
//!   version id; no plaintext reaches the store, the audit log or an error message.

mod audit;
pub(crate) mod authz;
mod clock;
mod context;
mod error;
pub mod filter;
mod generations;
mod group_commit;
mod iam;
mod identity_cache;
mod integrity;
mod keyring;
mod kms;
mod read_cache;
mod rekey;
pub mod rotation;
mod secrets;

pub use audit::{AuditEvent, AuditFilter, AuditPage, ChainReport};
pub use authz::{ContextEntry, MatchedStatementInfo, SimulationInput, SimulationResult};
pub use clock::{Clock, ManualClock, SystemClock};
pub use coffer_crypto::{KdfParams, Password, SecretBytes, password};
pub use context::{AsOf, Principal, RequestContext, Source};
pub use error::{Error, ErrorCode, Result};
pub use group_commit::GroupCommitStats;
pub use iam::{
    AccessKeyInfo, Credential, ManagedPolicyInfo, NewAccessKey, PrincipalInfo, PrincipalKind,
};
pub use kms::KeyMetadata;
pub use rekey::RekeyReport;
pub use secrets::*;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use coffer_store::{MetaRow, Store, WriteTx};

use crate::group_commit::{Deferred, GroupCommit};

use crate::audit::EventDraft;
use crate::keyring::Keyring;

/// The engine. Cloning is cheap: clones share the store, the clock and the unsealed keys.
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    store_id: Vec<u8>,
    account_id: String,
    default_region: String,
    /// `None` while sealed. Sealing drops the only strong reference the engine holds.
    keyring: RwLock<Option<Arc<Keyring>>>,
    /// Clock time (ms) before which `begin` skips the purge check.
    next_purge_check: AtomicI64,
    /// The audit chain head this process last committed: saves a read per operation.
    audit_head: std::sync::Mutex<Option<(i64, Vec<u8>)>>,
    anchor_writer: audit::AnchorWriter,
    /// Reads' audit events waiting for a shared commit.
    group_commit: GroupCommit,
    /// Callers and verified access keys, valid for one identity generation.
    identity_cache: identity_cache::IdentityCache,
    /// Concurrent requests' reads of the generation counters, shared.
    generations: generations::GenerationReads,
    /// The rows GetSecretValue reads, valid for one secrets generation.
    read_cache: read_cache::ReadCache,
    /// When each access key was last recorded as used (ms), so that a busy key costs no
    /// query between its once-a-minute "last used" writes.
    key_last_used: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// Rotators, the API endpoint for them, and the scheduler's wake-up.
    rotation: rotation::RotationRuntime,
}

/// How often operations look for secrets whose recovery window has ended.
const PURGE_CHECK_INTERVAL_MS: i64 = 60_000;

/// What `init` needs besides the master password.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The 12-digit account id that appears in every ARN.
    pub account_id: String,
    /// The default region namespace.
    pub region: String,
    /// Argon2id cost for the master key.
    pub kdf: KdfParams,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            kdf: KdfParams::DEFAULT,
        }
    }
}

/// True for a 12-digit account id.
pub fn is_valid_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// True for an AWS-style region name (`us-east-1`, `eu-central-2`, `local-1`).
pub fn is_valid_region(s: &str) -> bool {
    // ^([a-z]+-)+\d+$
    let mut parts = s.split('-').peekable();
    let mut letters = 0;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            return letters > 0 && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        }
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_lowercase()) {
            return false;
        }
        letters += 1;
    }
    false
}

impl Engine {
    /// Creates a new store at `path`, sealed under `password`, and returns it unsealed.
    pub async fn init(
        path: &Path,
        password: &Password,
        options: InitOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Engine> {
        if !is_valid_account_id(&options.account_id) {
            return Err(Error::validation(
                "accountId",
                "Member must be exactly 12 digits",
            ));
        }
        if !is_valid_region(&options.region) {
            return Err(Error::validation(
                "region",
                "Member must satisfy regular expression pattern: ^([a-z]+-)+\\d+$",
            ));
        }
        options
            .kdf
            .check()
            .map_err(|e| Error::new(ErrorCode::InvalidParameter, e.to_string()))?;
        let store_id = uuid::Uuid::new_v4().as_bytes().to_vec();
        let (root, kdf_header, wrapped_root) =
            coffer_crypto::create_root(password, options.kdf, &store_id)
                .map_err(Error::internal)?;
        let store = Store::create(path).await?;
        match Self::init_store(
            store,
            store_id,
            root,
            kdf_header,
            wrapped_root,
            options,
            clock,
        )
        .await
        {
            Ok(engine) => Ok(engine),
            Err(e) => {
                // Leave no half-made store behind: a later `init` must be able to retry.
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
                Err(e)
            }
        }
    }

    async fn init_store(
        store: Store,
        store_id: Vec<u8>,
        root: coffer_crypto::RootKey,
        kdf_header: Vec<u8>,
        wrapped_root: Vec<u8>,
        options: InitOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Engine> {
        let now = clock.now().timestamp_millis();
        let meta = MetaRow {
            store_id: store_id.clone(),
            account_id: options.account_id.clone(),
            default_region: options.region.clone(),
            kdf_header,
            wrapped_root_key: wrapped_root,
            created_at: now,
            password_changed_at: now,
            root_generation: 1,
        };
        let mut tx = store.begin_write().await?;
        coffer_store::insert_meta(tx.conn(), &meta).await?;
        tx.commit().await?;
        let engine = Engine::with(
            store,
            clock,
            store_id,
            options.account_id,
            options.region,
            Some(Arc::new(Keyring::new(root, 1))),
        );
        let ctx = RequestContext::root(Source::Cli);
        let mut op = engine.begin(&ctx, "InitStore").await?;
        // A new store starts its register of row seals (there is nothing to seal yet).
        let r = match engine.seal_all(&mut op).await {
            Ok(()) => engine.authorize(&mut op, None).await,
            Err(e) => Err(e),
        };
        engine.finish(op, r).await?;
        // The anchor exists from the first event on: a missing one is then a finding.
        engine.write_anchor(true).await?;
        Ok(engine)
    }

    /// Opens an existing store, sealed.
    pub async fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Engine> {
        let unreadable = |e: coffer_store::StoreError| match e {
            coffer_store::StoreError::NotFound(_) => Error::from(e),
            other => Error::new(
                ErrorCode::StoreCorrupt,
                format!("Cannot open the store {}: {other}", path.display()),
            ),
        };
        let store = Store::open(path).await.map_err(unreadable)?;
        let mut conn = store.read_conn().await?;
        let meta = coffer_store::load_meta(&mut conn)
            .await
            .map_err(unreadable)?
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::StoreUnavailable,
                    format!(
                        "{} is not an initialised Coffer store (run `coffer init`)",
                        path.display()
                    ),
                )
            })?;
        drop(conn);
        Ok(Engine::with(
            store,
            clock,
            meta.store_id,
            meta.account_id,
            meta.default_region,
            None,
        ))
    }

    fn with(
        store: Store,
        clock: Arc<dyn Clock>,
        store_id: Vec<u8>,
        account_id: String,
        default_region: String,
        keyring: Option<Arc<Keyring>>,
    ) -> Engine {
        store.set_sealer(
            keyring
                .as_ref()
                .map(|k| k.row_seals.clone() as Arc<dyn coffer_store::RowSealer>),
        );
        Engine {
            inner: Arc::new(Inner {
                store,
                clock,
                store_id,
                account_id,
                default_region,
                keyring: RwLock::new(keyring),
                next_purge_check: AtomicI64::new(i64::MIN),
                audit_head: std::sync::Mutex::new(None),
                anchor_writer: Default::default(),
                group_commit: GroupCommit::default(),
                identity_cache: Default::default(),
                generations: Default::default(),
                read_cache: Default::default(),
                key_last_used: Default::default(),
                rotation: rotation::RotationRuntime::default(),
            }),
        }
    }

    /// Unseals with the master password: derives the key-encryption key and unwraps the
    /// root key. Then purges secrets whose recovery window has ended.
    pub async fn unseal(&self, password: &Password) -> Result<()> {
        let meta = self.load_meta().await?;
        let root_generation = meta.root_generation;
        let store_id = self.inner.store_id.clone();
        let pw = password.clone();
        let root = tokio::task::spawn_blocking(move || {
            coffer_crypto::open_root(&pw, &meta.kdf_header, &meta.wrapped_root_key, &store_id)
        })
        .await
        .map_err(Error::internal)?
        .map_err(keyring::unseal_error)?;
        self.set_keyring(Some(Arc::new(Keyring::new(root, root_generation))));
        // A store written before seals existed is sealed now, before anything relies on it.
        self.seal_rows_if_pending().await?;
        self.check_seal_register().await?;
        self.purge_expired(&RequestContext::root(Source::Scheduler))
            .await?;
        // Due rotations waited while sealed.
        self.wake_scheduler();
        Ok(())
    }

    /// Drops every key from memory. Operations then fail with `StoreSealedException`.
    pub fn seal(&self) {
        self.set_keyring(None);
        self.inner.identity_cache.clear();
        self.inner.read_cache.clear();
    }

    /// True while no keys are in memory.
    pub fn is_sealed(&self) -> bool {
        self.inner.keyring.read().expect("keyring lock").is_none()
    }

    /// Changes the master password. Only the root-key wrap changes; every other row of
    /// the store stays byte-identical. `kdf` = new Argon2id cost (default: keep the cost).
    ///
    /// Argon2 runs (twice: the current password's check, the new wrap) before the writer
    /// lock is taken, so the API's writes do not wait for it; the transaction then checks
    /// that the wrap it started from is still the store's. Afterwards the WAL is
    /// checkpointed and truncated, so the old wrap (which the old password opens) does not
    /// stay behind in it.
    pub async fn change_password(
        &self,
        ctx: &RequestContext,
        current: &Password,
        new: &Password,
        kdf: Option<KdfParams>,
    ) -> Result<()> {
        let before = self.load_meta().await?;
        let rewrapped = {
            let store_id = self.inner.store_id.clone();
            let (cur, newpw) = (current.clone(), new.clone());
            let header = before.kdf_header.clone();
            let wrapped = before.wrapped_root_key.clone();
            tokio::task::spawn_blocking(move || {
                let root = coffer_crypto::open_root(&cur, &header, &wrapped, &store_id)
                    .map_err(keyring::unseal_error)?;
                let params = match kdf {
                    Some(p) => p,
                    None => {
                        coffer_crypto::KdfHeader::decode(&header)
                            .map_err(keyring::unseal_error)?
                            .params
                    }
                };
                params
                    .check()
                    .map_err(|e| Error::new(ErrorCode::InvalidParameter, e.to_string()))?;
                coffer_crypto::rewrap_root(&root, &newpw, params, &store_id)
                    .map_err(Error::internal)
            })
            .await
            .map_err(Error::internal)?
        };
        let mut op = self.begin(ctx, "ChangeMasterPassword").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let (kdf_header, wrapped) = rewrapped?;
            meta_unchanged(&mut op, &before).await?;
            coffer_store::update_root_wrap(op.tx.conn(), &kdf_header, &wrapped, op.now).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await?;
        // A reader in the middle of a long snapshot holds the WAL: try again a few times.
        for _ in 0..3 {
            if self.inner.store.truncate_wal().await? {
                break;
            }
        }
        Ok(())
    }

    /// The Argon2id cost the master key is derived with now.
    pub async fn kdf_params(&self) -> Result<KdfParams> {
        let meta = self.load_meta().await?;
        coffer_crypto::KdfHeader::decode(&meta.kdf_header)
            .map(|h| h.params)
            .map_err(keyring::unseal_error)
    }

    /// The account id in every ARN.
    pub fn account_id(&self) -> &str {
        &self.inner.account_id
    }

    /// The region used when a request names none.
    pub fn default_region(&self) -> &str {
        &self.inner.default_region
    }

    /// The store file.
    pub fn store_path(&self) -> PathBuf {
        self.inner.store.path().to_path_buf()
    }

    /// Now, by the engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Runs SQLite's integrity check; `Ok(())` when the file is healthy.
    pub async fn integrity_check(&self) -> Result<()> {
        let report = self.inner.store.integrity_check().await?;
        if report == ["ok"] {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::StoreCorrupt,
                format!("SQLite integrity check failed: {}", report.join("; ")),
            ))
        }
    }

    /// Writes the audit anchor and closes the store. Keys are dropped.
    pub async fn close(&self) {
        if !self.is_sealed() {
            // Best effort: a failure to write the anchor must not lose the store.
            let _ = self.write_audit_anchor().await;
        }
        self.seal();
        self.inner.store.close().await;
    }

    async fn load_meta(&self) -> Result<MetaRow> {
        let mut conn = self.inner.store.read_conn().await?;
        coffer_store::load_meta(&mut conn)
            .await?
            .ok_or_else(|| Error::new(ErrorCode::StoreCorrupt, "The store has no meta row."))
    }

    fn keyring(&self) -> Result<Arc<Keyring>> {
        self.inner
            .keyring
            .read()
            .expect("keyring lock")
            .clone()
            .ok_or_else(Error::sealed)
    }

    fn region<'a>(&'a self, ctx: &'a RequestContext) -> Result<&'a str> {
        match ctx.region.as_deref() {
            None => Ok(&self.inner.default_region),
            Some(r) if is_valid_region(r) => Ok(r),
            Some(_) => Err(Error::validation(
                "region",
                "Member must satisfy regular expression pattern: ^([a-z]+-)+\\d+$",
            )),
        }
    }

    /// Starts an operation: checks the store is unsealed and opens the write transaction
    /// that will carry the change and its audit event.
    async fn begin<'c>(&self, ctx: &'c RequestContext, action: &'static str) -> Result<Op<'c>> {
        // Sealed: refused before waiting for the writer lock.
        self.keyring()?;
        let tx = self.inner.store.begin_write().await?;
        // The keys as of the writer lock: a re-key installs its keys before letting go of
        // it, so these are the keys of the rows this transaction sees.
        let keys = self.keyring()?;
        let tx = OpConn::Write(tx);
        let region = self.region(ctx).map(str::to_owned);
        let now = self.inner.clock.now().timestamp_millis();
        let mut op = Op {
            tx,
            keys,
            ctx,
            region: String::new(),
            now,
            event: EventDraft::new(action),
            extra_events: Vec::new(),
            deferred: Vec::new(),
            generations: None,
            checked_units: Vec::new(),
        };
        match region {
            Ok(r) => {
                op.event.region = Some(r.clone());
                op.region = r;
                // Secrets whose recovery window ended are purged before anyone looks, so
                // operations see AWS's state without a background sweep. The check runs at
                // most once a minute (AWS, too, purges "some time after" the date).
                let due = if now >= self.inner.next_purge_check.load(Ordering::Relaxed) {
                    self.inner
                        .next_purge_check
                        .store(now + PURGE_CHECK_INTERVAL_MS, Ordering::Relaxed);
                    match coffer_store::secrets_due_for_purge(op.tx.conn(), now).await {
                        Ok(d) => d,
                        Err(e) => {
                            return self
                                .finish::<()>(op, Err(e.into()))
                                .await
                                .map(|_| unreachable!());
                        }
                    }
                } else {
                    Vec::new()
                };
                for s in &due {
                    // A secret whose deletion was written outside Coffer is not purged (that
                    // would destroy it on the editor's say-so); its next use reports it.
                    let unit = coffer_store::Unit::Secret(s.id);
                    if integrity::verify(op.tx.conn(), &op.keys, &unit)
                        .await
                        .is_err()
                    {
                        continue;
                    }
                    if let Err(e) = self.purge(&mut op, s).await {
                        return self.finish::<()>(op, Err(e)).await.map(|_| unreachable!());
                    }
                }
                Ok(op)
            }
            Err(e) => {
                // Still audit the refused request.
                self.finish::<()>(op, Err(e)).await.map(|_| unreachable!())
            }
        }
    }

    /// Starts a read-only operation: a consistent read snapshot without the writer lock.
    /// Its audit event is committed by [`Engine::finish`] through group commit.
    async fn begin_read<'c>(
        &self,
        ctx: &'c RequestContext,
        action: &'static str,
    ) -> Result<Op<'c>> {
        let mut attempts = 0;
        loop {
            let keys = self.keyring()?;
            let mut read = self.inner.store.begin_read().await?;
            // First statement of the snapshot: what it reads belongs to these generations.
            let generations = coffer_store::generations(&mut read).await?;
            if self
                .keys_match(&keys, generations.root, &mut attempts)
                .await?
            {
                return self
                    .start_read(ctx, action, OpConn::Read(read), keys, generations)
                    .await;
            }
        }
    }

    /// Whether `keys` read a snapshot of root generation `root`. A re-key commits, then
    /// installs its keys before it lets go of the writer lock, so a snapshot taken between
    /// the two (or keys taken just before) is a moment out of step: the caller waits for
    /// writers and tries again (`false`). Rows under a root key this engine never had mean
    /// another process re-keyed the store: these keys can read nothing, so the engine
    /// seals itself and says so.
    pub(crate) async fn keys_match(
        &self,
        keys: &Keyring,
        root: i64,
        attempts: &mut u32,
    ) -> Result<bool> {
        if keys.root_generation == root {
            return Ok(true);
        }
        *attempts += 1;
        self.inner.store.writers_done().await;
        let current = self.keyring()?;
        if root > current.root_generation || *attempts > 3 {
            self.seal();
            return Err(Error::new(
                ErrorCode::StoreSealed,
                "The store was re-keyed by another Coffer process, so the keys this one holds no longer open it. Unseal it again with the master password.",
            ));
        }
        Ok(false)
    }

    /// Starts a read-only operation that runs from the read cache, with the current
    /// generations: one statement, no snapshot. Only operations whose every lookup goes
    /// through [`Engine::cached`] may use it, and they run again on [`Engine::begin_read`]
    /// after a cache miss.
    async fn begin_cached_read<'c>(
        &self,
        ctx: &'c RequestContext,
        action: &'static str,
    ) -> Result<Op<'c>> {
        let mut generations = match ctx.as_of {
            // Authenticated a moment ago: the request runs against that state.
            Some(AsOf(g)) => g,
            None => self.current_generations().await?,
        };
        let mut attempts = 0;
        loop {
            let keys = self.keyring()?;
            if self
                .keys_match(&keys, generations.root, &mut attempts)
                .await?
            {
                return self
                    .start_read(ctx, action, OpConn::Cached, keys, generations)
                    .await;
            }
            generations = self.current_generations().await?;
        }
    }

    async fn start_read<'c>(
        &self,
        ctx: &'c RequestContext,
        action: &'static str,
        tx: OpConn,
        keys: Arc<Keyring>,
        generations: coffer_store::Generations,
    ) -> Result<Op<'c>> {
        let now = self.inner.clock.now().timestamp_millis();
        let mut op = Op {
            tx,
            keys,
            ctx,
            region: String::new(),
            now,
            event: EventDraft::new(action),
            extra_events: Vec::new(),
            deferred: Vec::new(),
            generations: Some(generations),
            checked_units: Vec::new(),
        };
        match self.region(ctx).map(str::to_owned) {
            Ok(r) => {
                op.event.region = Some(r.clone());
                op.region = r;
                Ok(op)
            }
            Err(e) => self.finish::<()>(op, Err(e)).await.map(|_| unreachable!()),
        }
    }

    /// Ends an operation: on success the audit event joins the change and both commit
    /// together (an audit write that fails fails the operation); on failure the change is
    /// rolled back and the failure is audited on its own.
    async fn finish<T>(&self, mut op: Op<'_>, result: Result<T>) -> Result<T> {
        // A change to rows whose committed state was edited outside Coffer is refused here,
        // so the refusal is audited like any other failure.
        let result = match (result, &mut op.tx) {
            (Ok(value), OpConn::Write(tx)) => match tx.seal_changes(&op.checked_units).await {
                Ok(()) => Ok(value),
                Err(e) => Err(e.into()),
            },
            (result, _) => result,
        };
        if op.tx.is_read() {
            // A read: end the snapshot, then make its event durable with others'.
            op.tx.rollback().await?;
            let (draft, failure) = match &result {
                Ok(_) => (op.event.ok(), None),
                Err(e) => (op.event.failed(e), Some(())),
            };
            let mut drafts = std::mem::take(&mut op.extra_events);
            drafts.push(draft);
            let deferred = if failure.is_none() {
                op.deferred
            } else {
                Vec::new()
            };
            self.commit_read_events(op.ctx, op.now, op.keys, drafts, deferred)
                .await?;
            return result;
        }
        match result {
            Ok(value) => {
                let mut head = self.cached_audit_head();
                let extra = std::mem::take(&mut op.extra_events);
                for e in extra {
                    head =
                        Some(audit::append(op.tx.conn(), &op.keys, op.ctx, op.now, e, head).await?);
                }
                let draft = op.event.ok();
                let head =
                    audit::append(op.tx.conn(), &op.keys, op.ctx, op.now, draft, head).await?;
                op.tx.commit().await?;
                self.set_cached_audit_head(Some(head));
                Ok(value)
            }
            Err(err) => {
                let Op {
                    tx,
                    keys,
                    ctx,
                    now,
                    event,
                    ..
                } = op;
                tx.rollback().await?;
                let mut tx = self.inner.store.begin_write().await?;
                // The chain's key as of the writer lock (a re-key may have committed since
                // the operation began).
                let keys = self.keyring().unwrap_or(keys);
                let head = self.cached_audit_head();
                let head =
                    audit::append(tx.conn(), &keys, ctx, now, event.failed(&err), head).await?;
                tx.commit().await?;
                self.set_cached_audit_head(Some(head));
                Err(err)
            }
        }
    }

    /// The audit chain head this process last committed (see [`audit::append`]).
    pub(crate) fn cached_audit_head(&self) -> Option<(i64, Vec<u8>)> {
        self.inner
            .audit_head
            .lock()
            .expect("audit head lock")
            .clone()
    }

    pub(crate) fn set_cached_audit_head(&self, head: Option<(i64, Vec<u8>)>) {
        let committed = head.is_some();
        *self.inner.audit_head.lock().expect("audit head lock") = head;
        if committed {
            self.anchor_soon();
        }
    }

    /// Authorizes the operation's own action on `resource` (`None` = `*`): the single
    /// enforcement point in `authz.rs`, run before the resource is looked up.
    async fn authorize(&self, op: &mut Op<'_>, resource: Option<&str>) -> Result<()> {
        self.authorize_on(op, resource.unwrap_or("*"), None, &Vec::new())
            .await
    }
}

/// The meta row as `op` sees it, refused when its root-key wrap is no longer `before`'s:
/// the password was checked against `before`, and another request has since changed the
/// password or re-keyed the store.
async fn meta_unchanged(op: &mut Op<'_>, before: &MetaRow) -> Result<MetaRow> {
    let meta = coffer_store::load_meta(op.tx.conn())
        .await?
        .ok_or_else(|| Error::new(ErrorCode::StoreCorrupt, "The store has no meta row."))?;
    if meta.wrapped_root_key != before.wrapped_root_key {
        return Err(Error::invalid_request(
            "The master password was changed, or the store re-keyed, by another request meanwhile: enter the current password and try again.",
        ));
    }
    Ok(meta)
}

/// The connection an operation runs on: a write transaction (under the writer lock), or a
/// read snapshot whose audit event goes through group commit.
enum OpConn {
    Write(WriteTx),
    Read(coffer_store::ReadTransaction),
    /// A read from the read cache alone, no connection (see `read_cache`).
    Cached,
}

impl OpConn {
    /// The connection. Code that may run from the read cache reaches the store through
    /// [`Engine::cached`] instead, which never calls this for a cached read.
    fn conn(&mut self) -> &mut coffer_store::SqliteConnection {
        match self {
            OpConn::Write(tx) => tx.conn(),
            OpConn::Read(tx) => tx,
            OpConn::Cached => unreachable!("a read from the cache asked for a connection"),
        }
    }

    async fn commit(self) -> Result<()> {
        match self {
            OpConn::Write(tx) => Ok(tx.commit().await?),
            OpConn::Read(tx) => tx.rollback().await.map_err(Error::internal),
            OpConn::Cached => Ok(()),
        }
    }

    async fn rollback(self) -> Result<()> {
        match self {
            OpConn::Write(tx) => Ok(tx.rollback().await?),
            OpConn::Read(tx) => tx.rollback().await.map_err(Error::internal),
            OpConn::Cached => Ok(()),
        }
    }

    fn is_read(&self) -> bool {
        matches!(self, OpConn::Read(_) | OpConn::Cached)
    }
}

/// One operation in flight: its transaction, keys and the audit event being filled in.
struct Op<'c> {
    tx: OpConn,
    keys: Arc<Keyring>,
    ctx: &'c RequestContext,
    region: String,
    now: i64,
    event: EventDraft,
    extra_events: Vec<EventDraft>,
    /// Writes a read defers into its audit commit (LastAccessedDate).
    deferred: Vec<Deferred>,
    /// The generation counters of a read's snapshot (see `read_cache`); `None` in writes.
    generations: Option<coffer_store::Generations>,
    /// Sealed units this write compared with their seals before changing them.
    checked_units: Vec<coffer_store::Unit>,
}
