//! Rotation scheduler benchmark (`make bench-scheduler`): 100,000 secrets with rotation
//! schedules, measured in one process against baselines from the same run.
//!
//! 1. Time to find the next due rotation (`Engine::next_rotation_wake`: one seek on the
//!    `rotation_config_due` index plus one on `rotation_jobs`) versus a full scan of every
//!    schedule row, the way a scheduler without the index would look (the baseline).
//! 2. Idle CPU of a running scheduler while nothing is due, over a few seconds of wall
//!    time (the CPU time of every thread of the process, from /proc/self/task/*/schedstat), versus the same process over
//!    the same time with no scheduler running (the baseline); and how many times the
//!    scheduler woke up meanwhile (goal: none, i.e. effectively zero CPU).
//!
//! The 100,000 secrets and their schedules are seeded with SQL straight into the store
//! while the engine is closed: creating them one fsynced call at a time would take minutes
//! and measure nothing new. Results print readably and as `BENCH key=value` lines.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use coffer_engine::rotation::Scheduler;
use coffer_engine::{
    CreateSecretInput, Engine, InitOptions, KdfParams, Password, RequestContext, SecretValue,
    Source, SystemClock,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

const PASSWORD: &str = "bench horse battery staple";
/// Scheduled secrets.
const SECRETS: i64 = 100_000;
/// Timed lookups per side.
const LOOKUPS: usize = 200;
/// Wall time of each idle-CPU measurement.
const IDLE: Duration = Duration::from_secs(3);

#[tokio::main]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("scheduler.db");
    let profile = if cfg!(debug_assertions) {
        "debug (numbers are NOT representative)"
    } else {
        "optimised"
    };
    println!("== Coffer rotation scheduler benchmark ==");
    println!("build: {profile}; {SECRETS} scheduled secrets");

    let engine = Engine::init(
        &path,
        &Password::from(PASSWORD),
        InitOptions {
            kdf: KdfParams::for_tests(),
            ..InitOptions::default()
        },
        Arc::new(SystemClock),
    )
    .await?;
    let ctx = RequestContext::root(Source::Cli);
    engine
        .create_secret(
            &ctx,
            CreateSecretInput {
                name: "seed".into(),
                value: Some(SecretValue::string("v")),
                ..Default::default()
            },
        )
        .await?;
    engine.close().await;
    let t = Instant::now();
    seed(&path).await?;
    println!("seeded in {:.1} s", t.elapsed().as_secs_f64());

    let engine = Engine::open(&path, Arc::new(SystemClock)).await?;
    engine.unseal(&Password::from(PASSWORD)).await?;

    // 1. Next due job: index seek vs full scan.
    let mut conn = SqliteConnection::connect_with(&options(&path)).await?;
    for _ in 0..10 {
        engine.next_rotation_wake().await?;
    }
    let t = Instant::now();
    let mut next = None;
    for _ in 0..LOOKUPS {
        next = engine.next_rotation_wake().await?;
    }
    let indexed = t.elapsed() / LOOKUPS as u32;
    let t = Instant::now();
    let mut scanned = None;
    for _ in 0..LOOKUPS / 10 {
        let rows: Vec<(i64, Option<i64>)> =
            sqlx::query_as("SELECT secret_id, next_rotation_at FROM rotation_config")
                .fetch_all(&mut conn)
                .await?;
        scanned = rows.iter().filter_map(|r| r.1).min();
    }
    let scan = t.elapsed() / (LOOKUPS / 10) as u32;
    ensure!(
        next == scanned,
        "the index and the scan disagree: {next:?} vs {scanned:?}"
    );
    println!("-- 1. next due rotation among {SECRETS} --");
    println!(
        "engine (index seek): {:>9.1} µs/lookup\nbaseline (full scan): {:>9.1} µs/lookup\nspeed-up: {:.0}x",
        indexed.as_secs_f64() * 1e6,
        scan.as_secs_f64() * 1e6,
        scan.as_secs_f64() / indexed.as_secs_f64()
    );
    println!("BENCH next_due_us={:.1}", indexed.as_secs_f64() * 1e6);
    println!("BENCH next_due_scan_us={:.1}", scan.as_secs_f64() * 1e6);

    // 2. Idle CPU: the process with no scheduler (baseline), then with one.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let baseline = cpu_over(IDLE).await?;
    let scheduler = Scheduler::start(engine.clone());
    tokio::time::sleep(Duration::from_millis(500)).await; // its first planning pass
    let settled = engine.scheduler_wakeups();
    let running = cpu_over(IDLE).await?;
    let wakeups = engine.scheduler_wakeups() - settled;
    scheduler.shutdown().await;
    println!("-- 2. idle CPU over {} s, nothing due --", IDLE.as_secs());
    println!(
        "baseline (no scheduler): {:>7.2} ms CPU\nscheduler running:       {:>7.2} ms CPU ({wakeups} wake-ups)",
        baseline.as_secs_f64() * 1e3,
        running.as_secs_f64() * 1e3
    );
    println!("BENCH idle_cpu_ms={:.2}", running.as_secs_f64() * 1e3);
    println!(
        "BENCH idle_cpu_baseline_ms={:.2}",
        baseline.as_secs_f64() * 1e3
    );
    println!("BENCH idle_wakeups={wakeups}");
    engine.close().await;
    Ok(())
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
}

/// Adds `SECRETS - 1` secrets and a schedule for every secret, due over the next 30 days
/// (nothing due now), in one transaction.
async fn seed(path: &Path) -> Result<()> {
    let mut conn = SqliteConnection::connect_with(&options(path)).await?;
    let (key_id, region, arn): (String, String, String) =
        sqlx::query_as("SELECT key_id, region, arn FROM secrets LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .context("the seed secret")?;
    let prefix = arn.split(":secret:").next().unwrap_or_default().to_owned();
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = conn.begin().await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO secrets (region, name, arn, key_id, created_at, last_changed_at) \
         SELECT ?2, printf('svc/%06d', i), printf('%s:secret:svc/%06d-%06d', ?3, i, i), ?4, ?5, ?5 FROM n",
    )
    .bind(SECRETS - 1)
    .bind(&region)
    .bind(&prefix)
    .bind(&key_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // Windows spread over 30 days, starting a day from now.
    sqlx::query(
        "INSERT INTO rotation_config (secret_id, enabled, lambda_arn, schedule_expression, \
         next_rotation_at, updated_at) \
         SELECT id, 1, 'arn:aws:lambda:us-east-1:123456789012:function:coffer-generated-value', \
         'rate(30 days)', ?1 + 86400000 + (id * 25920) % (30 * 86400000), ?1 FROM secrets",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM rotation_config")
        .fetch_one(&mut conn)
        .await?;
    ensure!(n == SECRETS, "seeded {n} schedules, wanted {SECRETS}");
    conn.close().await?;
    Ok(())
}

/// The process's CPU time spent while sleeping `wall`.
async fn cpu_over(wall: Duration) -> Result<Duration> {
    let before = cpu()?;
    tokio::time::sleep(wall).await;
    Ok(cpu()?.saturating_sub(before))
}

/// This process's CPU time so far: the sum over its threads of the nanoseconds on CPU in
/// `/proc/self/task/*/schedstat` (what getrusage reports, at nanosecond resolution; the
/// workspace forbids the `unsafe` a libc call would need).
fn cpu() -> Result<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").context("/proc/self/task")? {
        let path = task?.path().join("schedstat");
        // A thread may exit between the listing and the read.
        if let Ok(text) = std::fs::read_to_string(&path) {
            let ns: u64 = text
                .split_whitespace()
                .next()
                .and_then(|f| f.parse().ok())
                .context("schedstat format")?;
            total += ns;
        }
    }
    Ok(Duration::from_nanos(total))
}
