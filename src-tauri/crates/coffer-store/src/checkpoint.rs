//! Checkpoints of the write-ahead log, in the background.
//!
//! By default SQLite copies the WAL's pages into the database file (a *checkpoint*) inside
//! the commit that takes the WAL past 1000 pages: that commit, and every write queued
//! behind it, waits for the copy and a sync of the database file. Under the API's audited
//! reads that is many stalls a second, each several times a normal commit, and they made
//! the slowest requests.
//!
//! So the writer connection never checkpoints (`wal_autocheckpoint=0`). A task of the store
//! does, a moment after writes begin, on a connection of its own and without the writer
//! lock: the copy goes on while commits go on. Such a checkpoint copies what was committed
//! before it started; if nothing was committed meanwhile it is complete, SQLite syncs the
//! database file, and the next write starts the WAL over from its beginning.
//!
//! The task is asked for a checkpoint when a write *commits* (never when it begins: a
//! checkpoint that runs before the commit it was asked for has nothing to copy). A
//! checkpoint that cannot copy everything — a reader's snapshot still needs older pages, or
//! a commit landed meanwhile — is tried again, a little later each time, until one is
//! complete, so pages never stay behind in the WAL because the writes stopped.
//!
//! Each pass is published ([`CheckpointPass`]) so that tests await "a complete pass after
//! my commit" instead of sleeping.
//!
//! The task checkpoints often and syncs the database file after each checkpoint, complete or
//! not: many small syncs, each a few pages. One large sync — megabytes copied since the
//! last — holds up the WAL syncs that commits wait for, and measured worse than SQLite's own
//! checkpoints.
//!
//! Under steady writes no checkpoint is complete, and a WAL that is never restarted grows
//! for as long as the writes go on. So once the WAL holds [`WAL_RESTART_PAGES`] pages, the
//! task takes the writer lock for one more checkpoint, which has only the pages committed
//! since the last to copy and sync: a short pause, once per tens of megabytes written.
//!
//! Durability never depends on checkpoints: a commit is durable once it is in the WAL, and
//! SQLite replays a WAL left behind by a crash when the store next opens. The order that
//! matters — the database file is synced before the WAL it was copied from is reused — is
//! SQLite's own, kept by the complete checkpoint.
//!
//! The task ends when the last clone of the store is dropped or the store is closed. If it
//! is not running (its runtime ended), the next write starts it again on the current one.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::{mpsc, watch};

/// How long after a commit the checkpoint runs: commits in that time share it. Short, so
/// that each checkpoint and sync is small (measured under `make bench-api`'s load: 20 ms
/// beat 10, 50, 100, 250 and 500).
const DELAY: Duration = Duration::from_millis(20);

/// The longest wait between tries of a checkpoint that could not copy everything (a long
/// read snapshot holds it back); the wait doubles from [`DELAY`] up to this.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(1);

/// The WAL size (pages; 4 KiB each by default) at which the checkpointer makes sure the WAL
/// starts over: 64 MiB, a few seconds of the API's heaviest audited load.
pub const WAL_RESTART_PAGES: i64 = 16_384;

/// What the checkpointer's last pass did, published after each pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointPass {
    /// Passes finished since the store opened (0: none yet).
    pub passes: u64,
    /// Whether the last pass copied every page the WAL held into the database file and
    /// synced it.
    pub complete: bool,
}

/// The way to the checkpoint task, shared by the clones of a store.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    /// A dedicated connection: nobody else takes it, so holding it under the writer lock
    /// cannot dead-lock.
    pool: SqlitePool,
    writer: Weak<tokio::sync::Mutex<()>>,
    path: PathBuf,
    /// Capacity one: a pending wake-up is a flag that stays set until the task takes it.
    wake: Mutex<Option<mpsc::Sender<()>>>,
    passes: Arc<watch::Sender<CheckpointPass>>,
}

impl Checkpointer {
    pub(crate) fn new(
        pool: SqlitePool,
        writer: &Arc<tokio::sync::Mutex<()>>,
        path: PathBuf,
    ) -> Self {
        Checkpointer {
            pool,
            writer: Arc::downgrade(writer),
            path,
            wake: Mutex::new(None),
            passes: Arc::new(watch::Sender::new(CheckpointPass::default())),
        }
    }

    /// Asks for a checkpoint soon; called when a write has committed. Never waits.
    pub(crate) fn soon(&self) {
        let mut wake = self.wake.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = wake.as_ref() {
            match sender.try_send(()) {
                // Sent, or one is pending already.
                Ok(()) | Err(mpsc::error::TrySendError::Full(())) => return,
                Err(mpsc::error::TrySendError::Closed(())) => {}
            }
        }
        // Not running: its runtime ended (a store outlives the runtime that opened it in
        // some callers), so it starts on the current one.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (sender, receiver) = mpsc::channel(1);
        // A fresh channel has room: this cannot fail.
        let _ = sender.try_send(());
        let task = Task {
            pool: self.pool.clone(),
            writer: self.writer.clone(),
            path: self.path.clone(),
            passes: self.passes.clone(),
        };
        runtime.spawn(task.run(receiver));
        *wake = Some(sender);
    }

    /// Follows the checkpointer's passes.
    pub(crate) fn passes(&self) -> watch::Receiver<CheckpointPass> {
        self.passes.subscribe()
    }

    /// Waits for a checkpoint under way and closes the connection.
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

struct Task {
    pool: SqlitePool,
    writer: Weak<tokio::sync::Mutex<()>>,
    path: PathBuf,
    passes: Arc<watch::Sender<CheckpointPass>>,
}

impl Task {
    async fn run(self, mut wake: mpsc::Receiver<()>) {
        let mut retry: Option<Duration> = None;
        loop {
            match retry {
                // Nothing left behind: wait for the next commit.
                None => {
                    if wake.recv().await.is_none() {
                        return;
                    }
                    tokio::time::sleep(DELAY).await;
                }
                // Pages left behind: try again after `delay`, or sooner after a commit.
                Some(delay) => {
                    tokio::select! {
                        woken = wake.recv() => {
                            if woken.is_none() {
                                return;
                            }
                            tokio::time::sleep(DELAY).await;
                        }
                        () = tokio::time::sleep(delay) => {}
                    }
                }
            }
            if self.pool.is_closed() {
                return;
            }
            // A failed checkpoint loses nothing (the WAL keeps every commit); it is tried
            // again like an incomplete one.
            let complete = self.checkpoint().await.unwrap_or(false);
            retry = if complete {
                None
            } else {
                Some(retry.map_or(DELAY, |d| (d * 2).min(MAX_RETRY_DELAY)))
            };
            self.passes.send_modify(|pass| {
                pass.passes += 1;
                pass.complete = complete;
            });
        }
    }

    /// One pass; whether it left the WAL wholly copied into the synced database file.
    async fn checkpoint(&self) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
        let mut conn = self.pool.acquire().await?;
        let frames = passive_checkpoint(&mut conn).await?;
        // The pages just copied are synced now, whatever else follows (see above). Any
        // descriptor of the file syncs all of its written pages.
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(path)?.sync_data()).await??;
        if frames.wal < WAL_RESTART_PAGES {
            return Ok(frames.copied >= frames.wal);
        }
        let Some(writer) = self.writer.upgrade() else {
            return Ok(false);
        };
        // Under the lock nothing commits: this copies the few pages committed since the
        // pass above, and SQLite syncs them before the next write starts the WAL over.
        let _writer = writer.lock().await;
        let frames = passive_checkpoint(&mut conn).await?;
        Ok(frames.copied >= frames.wal)
    }
}

/// The WAL's size and how much of it is in the database file, in pages.
struct Frames {
    wal: i64,
    copied: i64,
}

/// Copies what the WAL holds into the database file as far as readers allow, without
/// waiting for anyone.
async fn passive_checkpoint(conn: &mut sqlx::SqliteConnection) -> Result<Frames, sqlx::Error> {
    let (_busy, wal, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await?;
    Ok(Frames { wal, copied })
}
