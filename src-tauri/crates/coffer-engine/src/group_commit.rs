//! Group commit for the audit events of reads.
//!
//! A read changes nothing but the audit log, yet every audit event must be durable before
//! the caller gets the value (fail-closed). Committing each one alone costs an fsync per
//! read and serializes all readers behind the writer. Instead, a finished read hands its
//! event to the engine's *committer*, a task that takes everything queued, appends it (and
//! any deferred LastAccessedDate writes) in one statement or transaction, commits, and
//! answers each read through its own channel. While one batch commits, the next gathers, so
//! throughput grows with the number of concurrent readers, each read is woken once, and
//! each still returns only after its event is on disk. A batch that fails to commit fails
//! every read in it. A read whose caller goes away is still written: it did happen.
//!
//! The committer holds the engine weakly and ends when the engine is dropped; if it is not
//! running (first use, or its runtime ended), the next read starts it on the current one.
//!
//! Requests refused before any operation ran (failed authentication, a malformed request
//! of a known caller) take the same path: an unauthenticated flood then costs one commit
//! per batch, not one fsync'd transaction per request under the writer lock.
//!
//! The committer publishes [`GroupCommitStats`] so tests and benchmarks can await what it
//! has queued and committed instead of sleeping.

use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{mpsc, oneshot, watch};

use crate::audit::{self, EventDraft};
use crate::error::{Error, ErrorCode, Result};
use crate::keyring::Keyring;
use crate::{Engine, Inner, RequestContext};

/// A write a read defers into its audit batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Deferred {
    /// LastAccessedDate of a secret (day, ms).
    TouchSecret { secret_id: i64, day: i64 },
    /// LastAccessedDate of a version (day, ms).
    TouchVersion {
        secret_id: i64,
        version_id: String,
        day: i64,
    },
}

/// What one read asks the committer to make durable, and where to send the outcome.
struct Pending {
    ctx: RequestContext,
    now: i64,
    keys: Arc<Keyring>,
    drafts: Vec<EventDraft>,
    deferred: Vec<Deferred>,
    done: oneshot::Sender<std::result::Result<(), (ErrorCode, String)>>,
}

/// What the committer has done since the engine opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Requests handed to the committer (each with its events).
    pub queued: u64,
    /// Batches written (each one commit, one fsync), successful or not.
    pub batches: u64,
    /// Audit events in those batches.
    pub events: u64,
}

/// The way to the committer task.
pub(crate) struct GroupCommit {
    queue: Mutex<Option<mpsc::UnboundedSender<Pending>>>,
    stats: watch::Sender<GroupCommitStats>,
}

impl Default for GroupCommit {
    fn default() -> Self {
        GroupCommit {
            queue: Mutex::new(None),
            stats: watch::Sender::new(GroupCommitStats::default()),
        }
    }
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

/// The committer: batches whatever is queued and writes it, until the engine is gone.
async fn committer(engine: Weak<Inner>, mut queue: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        gather(&mut queue, &mut batch).await;
        let Some(inner) = engine.upgrade() else {
            return;
        };
        let engine = Engine { inner };
        let guard = engine.inner.store.writer_lock().await;
        let outcome = engine
            .write_batch(guard, &batch)
            .await
            .map_err(|e| (e.code(), e.message().to_owned()));
        let events = batch.iter().map(|p| p.drafts.len() as u64).sum::<u64>();
        engine.inner.group_commit.stats.send_modify(|s| {
            s.batches += 1;
            s.events += events;
        });
        for p in batch {
            let _ = p.done.send(outcome.clone());
        }
    }
}

/// Adds what other reads queue while the tasks that are ready to run get one turn: each
/// commit costs an fsync and rewrites the b-tree pages it touches however few events it
/// holds, so under load a commit that waits one scheduling round for the reads already
/// running carries many events instead of a few. When nothing else is ready, yielding
/// returns at once, and an idle read pays nothing.
async fn gather(queue: &mut mpsc::UnboundedReceiver<Pending>, batch: &mut Vec<Pending>) {
    while let Ok(p) = queue.try_recv() {
        batch.push(p);
    }
    tokio::task::yield_now().await;
    while let Ok(p) = queue.try_recv() {
        batch.push(p);
    }
}

impl Engine {
    /// The committer's counters, as a channel that changes whenever they do: tests and
    /// benchmarks await a count (`wait_for`) rather than sleep and look.
    pub fn group_commit_stats(&self) -> watch::Receiver<GroupCommitStats> {
        self.inner.group_commit.stats.subscribe()
    }

    /// Runs a deferred write now (inside a write operation) or keeps it for the read's
    /// audit commit.
    pub(crate) async fn defer_or_write(
        &self,
        op: &mut crate::Op<'_>,
        write: Deferred,
    ) -> Result<()> {
        if op.tx.is_read() {
            op.deferred.push(write);
            return Ok(());
        }
        match write {
            Deferred::TouchSecret { secret_id, day } => {
                coffer_store::touch_secret_access(op.tx.conn(), secret_id, day).await?;
            }
            Deferred::TouchVersion {
                secret_id,
                version_id,
                day,
            } => {
                coffer_store::touch_version_access(op.tx.conn(), secret_id, &version_id, day)
                    .await?;
            }
        }
        Ok(())
    }

    /// Hands a read's audit events (and deferred writes) to the committer and returns once
    /// they are committed.
    pub(crate) async fn commit_read_events(
        &self,
        ctx: &RequestContext,
        now: i64,
        keys: Arc<Keyring>,
        drafts: Vec<EventDraft>,
        deferred: Vec<Deferred>,
    ) -> Result<()> {
        let (done, outcome) = oneshot::channel();
        let pending = Pending {
            ctx: ctx.clone(),
            now,
            keys,
            drafts,
            deferred,
            done,
        };
        {
            let group_commit = &self.inner.group_commit;
            group_commit.stats.send_modify(|s| s.queued += 1);
            let mut queue = group_commit.queue.lock().unwrap_or_else(|p| p.into_inner());
            let sent = match queue.as_ref() {
                Some(sender) => match sender.send(pending) {
                    Ok(()) => None,
                    // The committer ended with its runtime: start another below.
                    Err(mpsc::error::SendError(p)) => Some(p),
                },
                None => Some(pending),
            };
            if let Some(pending) = sent {
                let (sender, receiver) = mpsc::unbounded_channel();
                tokio::spawn(committer(Arc::downgrade(&self.inner), receiver));
                // A fresh channel's receiver is alive: this send cannot fail.
                let _ = sender.send(pending);
                *queue = Some(sender);
            }
        }
        self.committed(outcome).await
    }

    async fn committed(
        &self,
        outcome: oneshot::Receiver<std::result::Result<(), (ErrorCode, String)>>,
    ) -> Result<()> {
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err((code, message))) => Err(Error::new(code, message)),
            Err(_) => Err(Error::internal(std::io::Error::other(
                "the audit committer stopped",
            ))),
        }
    }

    async fn write_batch(
        &self,
        guard: coffer_store::OwnedMutexGuard<()>,
        batch: &[Pending],
    ) -> Result<()> {
        // The chain's key as of the writer lock: a re-key may have committed since these
        // reads began, and the chain goes on under its key.
        let current = self.keyring().ok();
        let events: Vec<audit::Queued<'_>> = batch
            .iter()
            .flat_map(|p| {
                let keys = current.as_ref().unwrap_or(&p.keys);
                p.drafts.iter().map(move |draft| audit::Queued {
                    keys,
                    ctx: &p.ctx,
                    now: p.now,
                    draft,
                })
            })
            .collect();
        if batch.iter().all(|p| p.deferred.is_empty())
            && events.len() <= coffer_store::AUDIT_ROWS_PER_STATEMENT
        {
            // The usual batch is one INSERT, which SQLite runs as its own transaction:
            // begin, append and a durable commit in one round trip to the connection.
            let mut writer = self.inner.store.write_conn_locked(guard).await?;
            let head =
                audit::append_batch(writer.conn(), &events, self.cached_audit_head()).await?;
            self.set_cached_audit_head(head);
            return Ok(());
        }
        let mut tx = self.inner.store.begin_write_locked(guard).await?;
        // Concurrent reads of one secret defer the same touch: write each once.
        let mut seen = std::collections::HashSet::new();
        for p in batch {
            for d in p.deferred.iter().filter(|d| seen.insert(*d)) {
                match d {
                    Deferred::TouchSecret { secret_id, day } => {
                        coffer_store::touch_secret_access(tx.conn(), *secret_id, *day).await?;
                    }
                    Deferred::TouchVersion {
                        secret_id,
                        version_id,
                        day,
                    } => {
                        coffer_store::touch_version_access(tx.conn(), *secret_id, version_id, *day)
                            .await?;
                    }
                }
            }
        }
        let head = audit::append_batch(tx.conn(), &events, self.cached_audit_head()).await?;
        tx.commit().await?;
        if head.is_some() {
            self.set_cached_audit_head(head);
        }
        Ok(())
    }
}
