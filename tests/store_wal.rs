//! The store's background checkpoints: the WAL's pages reach the database file while the
//! store stays open, and under writes that never pause the WAL still starts over instead of
//! growing without bound (the writer connection itself never checkpoints).

use std::path::Path;
use std::time::{Duration, Instant};

use coffer_store::{Store, WAL_RESTART_PAGES};

/// Bytes one WAL frame takes: a page of the default 4 KiB and its 24-byte header.
const FRAME_BYTES: u64 = 4096 + 24;

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn wal_path(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// A store with a scratch table of `rows` rows of 3 KiB: updating them all rewrites about
/// one page per row.
async fn scratch_store(dir: &Path, rows: i64) -> Store {
    let store = Store::create(&dir.join("wal.db")).await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    sqlx::query("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        .execute(tx.conn())
        .await
        .unwrap();
    for id in 0..rows {
        sqlx::query("INSERT INTO scratch (id, body) VALUES (?, zeroblob(3072))")
            .bind(id)
            .execute(tx.conn())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    store
}

/// One commit that rewrites every scratch row.
async fn rewrite_all(store: &Store, round: i64) {
    let mut tx = store.begin_write().await.unwrap();
    sqlx::query("UPDATE scratch SET body = randomblob(3072) WHERE id >= ?")
        .bind(round % 2)
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn committed_pages_reach_the_database_file_while_the_store_is_open() {
    let dir = tempfile::tempdir().unwrap();
    // 512 rows of 3 KiB: about 2 MiB that exist only in the WAL right after the commit.
    let store = scratch_store(dir.path(), 512).await;
    let db = store.path().to_path_buf();
    let before = file_len(&db);
    assert!(
        before < 1 << 20,
        "the rows went to the database file at commit ({before} bytes): the writer checkpointed"
    );
    // A pass that began after the commit and copied the whole WAL: awaited, not slept for.
    // The bound only turns a checkpointer that never finishes into a failure, not a hang.
    let mut passes = store.checkpoint_passes();
    // `is_ok` drops the borrow `wait_for` returns before the message below borrows again.
    let complete = tokio::time::timeout(
        Duration::from_secs(120),
        passes.wait_for(|pass| pass.passes > 0 && pass.complete),
    )
    .await
    .is_ok_and(|seen| seen.is_ok());
    assert!(
        complete,
        "no complete checkpoint after the commit within 120 s (last pass: {:?})",
        *passes.borrow()
    );
    let after = file_len(&db);
    assert!(
        after >= (3 << 20) / 2,
        "a complete checkpoint left the database file at {after} bytes: the WAL's pages \
         did not reach it"
    );
    store.close().await;
}

#[tokio::test]
async fn the_wal_starts_over_under_writes_that_never_pause() {
    let dir = tempfile::tempdir().unwrap();
    let store = scratch_store(dir.path(), 64).await;
    let wal = wal_path(store.path());
    // The checkpointer looks a moment after writes begin, so the WAL may pass the restart
    // size by what is written in that moment; the writes here are paced (a commit of 64
    // pages a millisecond at most) so that this stays well under a second restart size.
    let bound = 2 * WAL_RESTART_PAGES as u64 * FRAME_BYTES;
    let written_goal = 4 * WAL_RESTART_PAGES as u64 * FRAME_BYTES;
    let mut written = 0;
    let mut largest = 0;
    let mut round = 0;
    let deadline = Instant::now() + Duration::from_secs(240);
    while written < written_goal {
        assert!(Instant::now() < deadline, "the writes took more than 240 s");
        rewrite_all(&store, round).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        round += 1;
        written += 64 * FRAME_BYTES;
        largest = largest.max(file_len(&wal));
    }
    assert!(
        largest <= bound,
        "the WAL grew to {largest} bytes under {written} bytes of writes (bound {bound}): \
         it never started over"
    );
    // And everything written is still there.
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM scratch")
        .fetch_one(&mut *store.read_conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(count.0, 64);
    store.close().await;
}
