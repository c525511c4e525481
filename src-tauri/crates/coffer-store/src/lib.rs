//! Coffer's storage layer.
//!
//! A [`Store`] is one SQLite file opened in WAL mode with `synchronous=FULL`, so a commit
//! that returned is on disk. The schema lives in `migrations/` and is embedded in the
//! binary; migrations are append-only.
//!
//! The store knows rows, not meaning: ciphertext columns are opaque bytes produced by
//! `coffer-crypto`, and the rules of secrets, versions and labels live in `coffer-engine`.
//! Every change goes through a [`WriteTx`]: one `BEGIN IMMEDIATE` transaction taken under an
//! in-process writer lock, so a multi-row change (a label move plus its audit event) is
//! atomic and writers never dead-lock on a lock upgrade. The writer lock guards one
//! dedicated writer connection: SQLite drops a connection's page cache whenever another
//! connection has committed since its last transaction, so if writes went to whichever
//! pooled connection was free, every commit would first re-read the b-tree pages it
//! appends to; the one writer keeps them cached. The WAL is copied into the database file
//! by a background task, not by the commits (see `checkpoint`).

mod checkpoint;
mod iam_repo;
mod rekey_repo;
mod repo;
mod rotation_repo;
mod seals;

pub use checkpoint::{CheckpointPass, WAL_RESTART_PAGES};
pub use iam_repo::*;
pub use rekey_repo::*;
pub use repo::*;
pub use rotation_repo::*;
pub use seals::{
    Register, RowSealer, Unit, all_units, check_register, current_register, seal_all,
    seals_pending, tampered_units, verify_unit,
};
pub use sqlx::SqliteConnection;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::Mutex;
pub use tokio::sync::OwnedMutexGuard;

/// The embedded, append-only schema migrations.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// What can go wrong below the domain: I/O and database failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `open` was asked for a store file that does not exist.
    #[error("no Coffer store at {0} (run `coffer init` first)")]
    NotFound(PathBuf),
    /// `create` was asked for a path that already holds a file.
    #[error("a file already exists at {0}; refusing to overwrite it")]
    AlreadyExists(PathBuf),
    /// The file could not be created or its permissions set.
    #[error("cannot create the store file {path}: {source}")]
    Io {
        /// The store path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A database error (constraint, I/O, corruption, busy).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("cannot migrate the store schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Rows that decide access do not match their integrity seal: the file was edited
    /// outside Coffer (see `seals`). `unit` names what, for a person.
    #[error("{unit} was changed outside Coffer: it does not match its integrity seal")]
    Tampered {
        /// What was edited, in words.
        unit: String,
    },
    /// A change to sealed rows was attempted while no sealing key is in memory.
    #[error("the store is sealed: rows that decide access cannot change until it is unsealed")]
    SealerMissing,
}

impl StoreError {
    /// True when the error is a UNIQUE or PRIMARY KEY constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// A store error as sqlx's, for sqlx's connection hooks.
fn into_sqlx(e: StoreError) -> sqlx::Error {
    match e {
        StoreError::Database(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// A read transaction (a consistent snapshot) on a pooled connection.
pub type ReadTransaction = Transaction<'static, Sqlite>;

/// Result alias for the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store. Cloning is cheap and shares the pool and the writer lock.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// One connection, used only under `writer`.
    write_pool: SqlitePool,
    /// One connection for the generation counters alone (see [`Store::generations`]).
    counter_pool: SqlitePool,
    writer: Arc<Mutex<()>>,
    checkpointer: Arc<checkpoint::Checkpointer>,
    path: PathBuf,
    /// The engine's sealer while unsealed (see `seals`).
    sealer: Arc<SealerSlot>,
}

/// The current [`RowSealer`], if the engine has unsealed.
#[derive(Default)]
struct SealerSlot(std::sync::RwLock<Option<Arc<dyn RowSealer>>>);

impl SealerSlot {
    fn get(&self) -> Option<Arc<dyn RowSealer>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl std::fmt::Debug for SealerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() {
            "SealerSlot(set)"
        } else {
            "SealerSlot(none)"
        })
    }
}

/// One write transaction (`BEGIN IMMEDIATE`) held under the writer lock.
///
/// Dropping it without [`WriteTx::commit`] rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    checkpointer: Arc<checkpoint::Checkpointer>,
    sealer: Option<Arc<dyn RowSealer>>,
    /// The read pool, whose connections still see the state before this transaction.
    pool: SqlitePool,
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }

    /// Checks the units the transaction changed as they were before it, and seals them as
    /// they are now (see `seals`). [`WriteTx::commit`] does it too; calling it first lets
    /// the engine audit a refusal before the transaction ends.
    /// `checked`: units the transaction compared with their seals before changing them.
    pub async fn seal_changes(&mut self, checked: &[Unit]) -> Result<()> {
        seals::reseal_dirty(&mut self.tx, &self.pool, self.sealer.as_deref(), checked).await
    }

    /// Seals what changed ([`WriteTx::seal_changes`]), then commits; with
    /// `synchronous=FULL` the change is durable when this returns.
    pub async fn commit(self) -> Result<()> {
        self.commit_keeping_lock().await.map(drop)
    }

    /// Rolls back explicitly.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Commits like [`WriteTx::commit`] but hands back the writer lock, so the caller can
    /// finish what must happen before anyone else writes (a re-key installs its new keys).
    pub async fn commit_keeping_lock(mut self) -> Result<OwnedMutexGuard<()>> {
        self.seal_changes(&[]).await?;
        let WriteTx {
            tx,
            checkpointer,
            _guard,
            ..
        } = self;
        tx.commit().await?;
        checkpointer.soon();
        Ok(_guard)
    }
}

/// The writer connection outside a transaction, held under the writer lock: each
/// statement on it commits by itself (one round trip for a one-statement change).
pub struct WriteConn {
    conn: PoolConnection<Sqlite>,
    checkpointer: Arc<checkpoint::Checkpointer>,
    _guard: OwnedMutexGuard<()>,
}

impl WriteConn {
    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.conn
    }
}

impl Drop for WriteConn {
    /// Its statements committed by themselves; a checkpoint copies them soon.
    fn drop(&mut self) {
        self.checkpointer.soon();
    }
}

impl Store {
    /// Creates a new store file (mode 0600) and applies the schema.
    pub async fn create(path: &Path) -> Result<Store> {
        create_private_file(path)?;
        Self::connect(path).await
    }

    /// Opens an existing store file and applies any newer migrations.
    pub async fn open(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        Self::connect(path).await
    }

    async fn connect(path: &Path) -> Result<Store> {
        let url = format!("sqlite://{}", path.display());
        let opts = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // A local file cannot go stale the way a network connection can, so a pooled
        // connection is not pinged before each use (a round trip to its worker thread).
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .test_before_acquire(false)
            .after_connect(|conn, _| {
                Box::pin(async move { seals::install_dirty_table(conn).await.map_err(into_sqlx) })
            })
            .connect_with(opts.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        // The writer and the counter connections live as long as the store, so their page
        // caches do too.
        let single = || {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .test_before_acquire(false)
                .idle_timeout(None)
                .max_lifetime(None)
        };
        // The writer's commits never copy the WAL into the database file: the
        // checkpointer does, in the background.
        // Its temporary triggers note which sealed units a transaction changes.
        let write_pool = single()
            .after_connect(|conn, _| {
                Box::pin(
                    async move { seals::install_dirty_tracking(conn).await.map_err(into_sqlx) },
                )
            })
            .connect_with(opts.clone().pragma("wal_autocheckpoint", "0"))
            .await?;
        let counter_pool = single().connect_with(opts.clone()).await?;
        let checkpoint_pool = single().connect_with(opts).await?;
        let writer = Arc::new(Mutex::new(()));
        let checkpointer =
            checkpoint::Checkpointer::new(checkpoint_pool, &writer, path.to_path_buf());
        Ok(Store {
            pool,
            write_pool,
            counter_pool,
            writer,
            checkpointer: Arc::new(checkpointer),
            path: path.to_path_buf(),
            sealer: Arc::default(),
        })
    }

    /// Sets (on unseal) or clears (on seal) the key that seals protected rows; without
    /// one, a transaction that changes them is refused at commit.
    pub fn set_sealer(&self, sealer: Option<Arc<dyn RowSealer>>) {
        *self.sealer.0.write().unwrap_or_else(|p| p.into_inner()) = sealer;
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read pool: statements outside a transaction see the last committed state.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A pooled connection for reads outside a transaction (each statement sees the last
    /// committed state).
    pub async fn read_conn(&self) -> Result<PoolConnection<Sqlite>> {
        Ok(self.pool.acquire().await?)
    }

    /// Reads the generation counters ([`generations`]) on their own connection. Every
    /// commit makes SQLite drop the page cache of each connection that reads next; API
    /// requests read the counters far more often than anything else, and on one connection
    /// only the first read after a commit re-reads their pages, not one read per pooled
    /// connection.
    pub async fn generations(&self) -> Result<Generations> {
        let mut conn = self.counter_pool.acquire().await?;
        generations(&mut conn).await
    }

    /// Returns once no write transaction of this process is open: what a writer does
    /// before it lets go of the lock (a re-key installing its keys) is then done.
    pub async fn writers_done(&self) {
        drop(self.writer.lock().await);
    }

    /// Starts a write transaction. Writers in this process queue on a lock; writers in
    /// other processes wait on SQLite's busy timeout.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let guard = self.writer.clone().lock_owned().await;
        self.begin_write_locked(guard).await
    }

    /// Waits for the in-process writer lock without starting a transaction (group commit:
    /// the holder decides whether there is still anything to write).
    pub async fn writer_lock(&self) -> OwnedMutexGuard<()> {
        self.writer.clone().lock_owned().await
    }

    /// Starts a write transaction under a writer lock already held.
    pub async fn begin_write_locked(&self, guard: OwnedMutexGuard<()>) -> Result<WriteTx> {
        let tx = self.write_pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx {
            tx,
            checkpointer: self.checkpointer.clone(),
            sealer: self.sealer.get(),
            pool: self.pool.clone(),
            _guard: guard,
        })
    }

    /// The writer connection under a writer lock already held, outside a transaction.
    pub async fn write_conn_locked(&self, guard: OwnedMutexGuard<()>) -> Result<WriteConn> {
        let conn = self.write_pool.acquire().await?;
        Ok(WriteConn {
            conn,
            checkpointer: self.checkpointer.clone(),
            _guard: guard,
        })
    }

    /// Starts a read transaction: one consistent snapshot for several statements, without
    /// the writer lock (WAL readers never block the writer).
    pub async fn begin_read(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin().await?)
    }

    /// Copies the whole WAL into the database file and truncates it to zero bytes, under
    /// the writer lock (readers are waited for, up to the busy timeout): after a change
    /// whose old rows must not stay on disk, such as the master password's wrap of the
    /// root key. False when a reader kept the WAL in use for the whole busy timeout.
    pub async fn truncate_wal(&self) -> Result<bool> {
        let _writer = self.writer.lock().await;
        let mut conn = self.write_pool.acquire().await?;
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await?;
        Ok(busy == 0)
    }

    /// Follows the background checkpointer's passes: a test awaits a complete pass that
    /// began after its commit instead of sleeping.
    pub fn checkpoint_passes(&self) -> tokio::sync::watch::Receiver<CheckpointPass> {
        self.checkpointer.passes()
    }

    /// Runs SQLite's own consistency check; `Ok(vec!["ok"])` when healthy.
    pub async fn integrity_check(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Closes the connections; the last one to close checkpoints the WAL.
    pub async fn close(&self) {
        self.write_pool.close().await;
        self.checkpointer.close().await;
        self.counter_pool.close().await;
        self.pool.close().await;
    }
}

/// Creates `path` empty with mode 0600 so that the database (and the WAL and SHM files,
/// which SQLite creates with the database's permissions) is private to the user.
fn create_private_file(path: &Path) -> Result<()> {
    use std::fs::OpenOptions;
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        return Err(StoreError::AlreadyExists(path.to_path_buf()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io)?;
    Ok(())
}
