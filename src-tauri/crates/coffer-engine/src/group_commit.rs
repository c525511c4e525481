//! Group commit for the audit events of reads.
//!
//! A read changes nothing but the audit log, yet every audit event must be durable before
//! the caller gets the value (fail-closed). Committing each one alone costs an fsync per
//! read and serializes all readers behind the writer. Instead, a finished read queues its
//! event and waits; whichever waiter gets the writer lock first becomes the leader, takes
//! every queued event, appends them (and any deferred LastAccessedDate writes) in ONE
//! transaction, commits, and wakes everyone it covered. Throughput then grows with the
//! number of concurrent readers, and each read still returns only after its event is on
//! disk. A batch that fails to commit fails every read in it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::audit::{self, EventDraft};
use crate::error::{Error, ErrorCode, Result};
use crate::keyring::Keyring;
use crate::{Engine, RequestContext};

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

struct Pending {
    ticket: u64,
    ctx: RequestContext,
    now: i64,
    keys: Arc<Keyring>,
    drafts: Vec<EventDraft>,
    deferred: Vec<Deferred>,
}

#[derive(Default)]
struct Queue {
    next_ticket: u64,
    pending: Vec<Pending>,
    failed: HashMap<u64, (ErrorCode, String)>,
}

/// The queue of read events waiting for a durable commit.
pub(crate) struct GroupCommit {
    queue: Mutex<Queue>,
    committed: watch::Sender<u64>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    pub(crate) fn new() -> GroupCommit {
        GroupCommit {
            queue: Mutex::new(Queue {
                next_ticket: 1,
                ..Queue::default()
            }),
            committed: watch::channel(0).0,
        }
    }
}

impl Engine {
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

    /// Queues a read's audit events (and deferred writes) and returns once they are
    /// committed — by this task as the batch leader, or by another.
    pub(crate) async fn commit_read_events(
        &self,
        ctx: &RequestContext,
        now: i64,
        keys: Arc<Keyring>,
        drafts: Vec<EventDraft>,
        deferred: Vec<Deferred>,
    ) -> Result<()> {
        let gc = &self.inner.group_commit;
        let mut rx = gc.committed.subscribe();
        let ticket = {
            let mut q = gc.queue.lock().expect("group commit queue");
            let ticket = q.next_ticket;
            q.next_ticket += 1;
            q.pending.push(Pending {
                ticket,
                ctx: ctx.clone(),
                now,
                keys,
                drafts,
                deferred,
            });
            ticket
        };
        loop {
            if *rx.borrow_and_update() >= ticket {
                return self.outcome(ticket);
            }
            tokio::select! {
                biased;
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Err(Error::internal(std::io::Error::other("group commit closed")));
                    }
                }
                guard = self.inner.store.writer_lock() => {
                    if *rx.borrow() >= ticket {
                        continue;
                    }
                    let batch = std::mem::take(&mut gc.queue.lock().expect("group commit queue").pending);
                    if batch.is_empty() {
                        continue;
                    }
                    // The batch is written by its own task: if this request goes away (its
                    // client hung up), the others' events are still written and reported.
                    let engine = self.clone();
                    let _ = tokio::spawn(async move { engine.commit_batch(guard, batch).await }).await;
                }
            }
        }
    }

    /// Writes `batch`, records a failure for each of its tickets, and wakes the waiters.
    async fn commit_batch(&self, guard: coffer_store::OwnedMutexGuard<()>, batch: Vec<Pending>) {
        let gc = &self.inner.group_commit;
        let last = batch.last().map_or(0, |p| p.ticket);
        if let Err(e) = self.write_batch(guard, &batch).await {
            let mut q = gc.queue.lock().expect("group commit queue");
            for p in &batch {
                q.failed
                    .insert(p.ticket, (e.code(), e.message().to_owned()));
            }
        }
        gc.committed.send_modify(|c| *c = (*c).max(last));
    }

    fn outcome(&self, ticket: u64) -> Result<()> {
        let failed = self
            .inner
            .group_commit
            .queue
            .lock()
            .expect("group commit queue")
            .failed
            .remove(&ticket);
        match failed {
            None => Ok(()),
            Some((code, message)) => Err(Error::new(code, message)),
        }
    }

    async fn write_batch(
        &self,
        guard: coffer_store::OwnedMutexGuard<()>,
        batch: &[Pending],
    ) -> Result<()> {
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
        let events: Vec<audit::Queued<'_>> = batch
            .iter()
            .flat_map(|p| {
                p.drafts.iter().map(|draft| audit::Queued {
                    keys: &p.keys,
                    ctx: &p.ctx,
                    now: p.now,
                    draft,
                })
            })
            .collect();
        let head = audit::append_batch(tx.conn(), &events, self.cached_audit_head()).await?;
        tx.commit().await?;
        if head.is_some() {
            self.set_cached_audit_head(head);
        }
        Ok(())
    }
}
