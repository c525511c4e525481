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
use tokio::sync::mpsc;

/// How long after a write begins the checkpoint runs: writes in that time share it. Short,
/// so that each checkpoint and sync is small (measured under `make bench-api`'s load: 20 ms
/// beat 10, 50, 100, 250 and 500).
const DELAY: Duration = Duration::from_millis(20);

/// The WAL size (pages; 4 KiB each by default) at which the checkpointer makes sure the WAL
/// starts over: 64 MiB, a few seconds of the API's heaviest audited load.
pub const WAL_RESTART_PAGES: i64 = 16_384;

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
        }
    }

    /// Asks for a checkpoint soon; called when a write begins. Never waits.
    pub(crate) fn soon(&self) {
        let mut wake = self.wake.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = wake.as_ref() {
            match sender.try_send(()) {
                // Sent, or one is pending already.
                Ok(()) | Err(mpsc::error::TrySendError::Full(())) => return,
                Err(mpsc::error::TrySendError::Closed(())) => {}
            }
        }
        let (sender, receiver) = mpsc::channel(1);
        // A fresh channel has room: this cannot fail.
        let _ = sender.try_send(());
        let task = Task {
            pool: self.pool.clone(),
            writer: self.writer.clone(),
            path: self.path.clone(),
        };
        tokio::spawn(task.run(receiver));
        *wake = Some(sender);
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
}

impl Task {
    async fn run(self, mut wake: mpsc::Receiver<()>) {
        while wake.recv().await.is_some() {
            tokio::time::sleep(DELAY).await;
            if self.pool.is_closed() {
                return;
            }
            // A failed checkpoint loses nothing (the WAL keeps every commit); the next
            // write asks again.
            let _ = self.checkpoint().await;
        }
    }

    async fn checkpoint(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut conn = self.pool.acquire().await?;
        let wal_frames = passive_checkpoint(&mut conn).await?;
        // The pages just copied are synced now, whatever else follows (see above). Any
        // descriptor of the file syncs all of its written pages.
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(path)?.sync_data()).await??;
        if wal_frames < WAL_RESTART_PAGES {
            return Ok(());
        }
        let Some(writer) = self.writer.upgrade() else {
            return Ok(());
        };
        let _writer = writer.lock().await;
        passive_checkpoint(&mut conn).await?;
        Ok(())
    }
}

/// Copies what the WAL holds into the database file as far as readers allow, without
/// waiting for anyone; returns the WAL's size in pages.
async fn passive_checkpoint(conn: &mut sqlx::SqliteConnection) -> Result<i64, sqlx::Error> {
    let (_busy, wal_frames, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(conn)
            .await?;
    Ok(wal_frames)
}
