//! Engine benchmark (`make bench`): what Coffer's durability and audit guarantees cost,
//! measured in one process against the same SQLite, on the same file system.
//!
//! 1. Durable `PutSecretValue` rate on one secret (~1 KiB string value; each put is one
//!    fsynced `BEGIN IMMEDIATE` transaction with its audit row) versus a raw baseline: a
//!    1 KiB blob `INSERT`, one transaction each, through sqlx with the store's pragmas
//!    (WAL, `synchronous=FULL`). The two sides are interleaved operation by operation, so
//!    load and disk noise hit both alike; the median round gives the engine/raw ratio
//!    (goal >= 0.5).
//! 2. `GetSecretValue` latency in-process (mean, p50, p99). Every read is audited, so each
//!    call is also a durable write transaction.
//! 3. `ListSecrets` first page (100, no filters, default sort) over 100,000 secrets (goal
//!    < 10 ms), and the same call with a `name` prefix filter and with an `all` filter.
//!    The 100,000 rows are seeded with one SQL statement straight into the store file
//!    while the engine is closed: creating them one fsynced call at a time would take
//!    minutes and measure nothing new.
//!
//! Each result is printed readably and once more as a `BENCH key=value` line for scripts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use coffer_engine::{
    CreateSecretInput, Engine, GetSecretValueInput, InitOptions, KdfParams, ListSecretsInput,
    Password, PutSecretValueInput, RequestContext, SecretValue, Source, SystemClock,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};

/// Master password of the benchmark stores (floor KDF cost: unsealing is not measured).
const PASSWORD: &str = "bench horse battery staple";
/// Size of the value each put stores, and of the raw baseline's blob.
const VALUE_BYTES: usize = 1024;
/// Puts (and raw inserts) per round.
const PUTS_PER_ROUND: usize = 200;
/// Rounds; the median round's engine/raw ratio is the result.
const PUT_ROUNDS: usize = 9;
/// Untimed operations per side before the first round.
const PUT_WARMUP: usize = 20;
/// Timed `GetSecretValue` calls.
const GETS: usize = 2000;
/// Secrets in the listing store.
const LIST_SECRETS: i64 = 100_000;
/// Timed first-page `ListSecrets` calls per variant (the filtered variants scan every
/// secret, so they get fewer).
const LIST_CALLS: usize = 20;
const LIST_CALLS_FILTERED: usize = 5;

#[tokio::main]
async fn main() -> Result<()> {
    let dir = BenchDir::new()?;
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let profile = if cfg!(debug_assertions) {
        "debug (debug_assertions on: numbers are NOT representative)"
    } else {
        "optimised (cargo bench profile, debug_assertions off)"
    };

    println!("== Coffer engine benchmark ==");
    println!("machine: nproc={nproc}, build: {profile}");
    println!("files:   {}", dir.0.display());
    println!("BENCH nproc={nproc}");
    println!("BENCH debug_assertions={}", cfg!(debug_assertions));

    let (engine, secret) = new_engine(&dir.0.join("put.db")).await?;
    let raw = raw_pool(&dir.0.join("raw.db")).await?;
    let sqlite_version: (String,) = sqlx::query_as("SELECT sqlite_version()")
        .fetch_one(&raw)
        .await?;
    println!(
        "sqlite:  {}, journal_mode=WAL, synchronous=FULL",
        sqlite_version.0
    );

    bench_puts(&engine, &secret, &raw).await?;
    raw.close().await;
    bench_gets(&engine, &secret).await?;
    engine.close().await;
    bench_list(&dir.0.join("list.db")).await?;
    Ok(())
}

/// Part 1: engine puts versus raw inserts, interleaved one operation at a time (the side that
/// goes first in each pair alternates by round), so load and disk noise on a shared machine
/// lands on both sides alike.
async fn bench_puts(engine: &Engine, secret: &str, raw: &SqlitePool) -> Result<()> {
    println!();
    println!(
        "-- 1. durable PutSecretValue vs raw SQLite INSERT ({VALUE_BYTES} B, one fsynced transaction each) --"
    );
    println!(
        "   {PUT_ROUNDS} rounds x {PUTS_PER_ROUND} ops per side, interleaved op by op; one secret (its versions accumulate)"
    );
    let value = value_text();
    let blob = value.as_bytes().to_vec();
    let ctx = RequestContext::root(Source::Cli);
    for _ in 0..PUT_WARMUP {
        engine_put(engine, &ctx, secret, &value).await?;
        raw_insert(raw, &blob).await?;
    }

    let (mut eng_rates, mut raw_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut eng_lat, mut raw_lat) = (Vec::new(), Vec::new());
    for round in 0..PUT_ROUNDS {
        let engine_first = round % 2 == 0;
        let (mut e, mut r) = (
            Vec::with_capacity(PUTS_PER_ROUND),
            Vec::with_capacity(PUTS_PER_ROUND),
        );
        for _ in 0..PUTS_PER_ROUND {
            if engine_first {
                e.push(engine_put(engine, &ctx, secret, &value).await?);
                r.push(raw_insert(raw, &blob).await?);
            } else {
                r.push(raw_insert(raw, &blob).await?);
                e.push(engine_put(engine, &ctx, secret, &value).await?);
            }
        }
        let (er, rr) = (rate(&e), rate(&r));
        println!(
            "round {}: engine {er:7.1} ops/s   raw {rr:7.1} ops/s   ratio {:.3}",
            round + 1,
            er / rr
        );
        eng_rates.push(er);
        raw_rates.push(rr);
        ratios.push(er / rr);
        eng_lat.extend(e);
        raw_lat.extend(r);
    }
    let (em, rm, ratio) = (
        median(&mut eng_rates),
        median(&mut raw_rates),
        median(&mut ratios),
    );
    let (el, rl) = (Stats::of(&mut eng_lat), Stats::of(&mut raw_lat));
    println!(
        "median:  engine {em:7.1} ops/s   raw {rm:7.1} ops/s   ratio engine/raw = {ratio:.3} (median of rounds; goal >= 0.5: {})",
        verdict(ratio >= 0.5)
    );
    println!("latency engine put: {el}");
    println!("latency raw insert: {rl}");
    println!("BENCH put_engine_ops_per_s={em:.1}");
    println!("BENCH put_raw_ops_per_s={rm:.1}");
    println!("BENCH put_ratio={ratio:.3}");
    println!("BENCH put_engine_p50_us={:.0}", el.p50);
    println!("BENCH put_raw_p50_us={:.0}", rl.p50);
    Ok(())
}

/// One PutSecretValue of `value` (a new AWSCURRENT version); its duration.
async fn engine_put(
    engine: &Engine,
    ctx: &RequestContext,
    secret: &str,
    value: &str,
) -> Result<Duration> {
    let input = PutSecretValueInput {
        secret_id: secret.to_owned(),
        value: Some(SecretValue::string(value)),
        ..PutSecretValueInput::default()
    };
    let t = Instant::now();
    engine.put_secret_value(ctx, input).await?;
    Ok(t.elapsed())
}

/// One one-row transaction, taken as the store takes its own; its duration.
async fn raw_insert(pool: &SqlitePool, blob: &[u8]) -> Result<Duration> {
    let t = Instant::now();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("INSERT INTO raw (v) VALUES (?)")
        .bind(blob)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(t.elapsed())
}

/// Part 2: GetSecretValue latency on the secret the puts filled.
async fn bench_gets(engine: &Engine, secret: &str) -> Result<()> {
    println!();
    println!(
        "-- 2. GetSecretValue in-process (AWSCURRENT of the secret above, {VALUE_BYTES} B) --"
    );
    println!(
        "   note: every read is audited, so each call is also a durable (fsynced) write transaction"
    );
    let ctx = RequestContext::root(Source::Cli);
    let expected = value_text();
    let input = GetSecretValueInput {
        secret_id: secret.to_owned(),
        ..GetSecretValueInput::default()
    };
    for _ in 0..50 {
        engine.get_secret_value(&ctx, input.clone()).await?;
    }
    let mut lat = Vec::with_capacity(GETS);
    let start = Instant::now();
    for _ in 0..GETS {
        let t = Instant::now();
        let out = engine.get_secret_value(&ctx, input.clone()).await?;
        lat.push(t.elapsed());
        ensure!(
            out.value.as_str() == Some(expected.as_str()),
            "read back a different value"
        );
    }
    let total = start.elapsed();
    let s = Stats::of(&mut lat);
    println!(
        "{GETS} calls in {:.2} s ({:.0} ops/s): {s}",
        total.as_secs_f64(),
        GETS as f64 / total.as_secs_f64()
    );
    println!("BENCH get_mean_us={:.0}", s.mean);
    println!("BENCH get_p50_us={:.0}", s.p50);
    println!("BENCH get_p99_us={:.0}", s.p99);
    Ok(())
}

/// Part 3: ListSecrets over a store seeded with 100,000 secrets.
async fn bench_list(path: &Path) -> Result<()> {
    println!();
    println!("-- 3. ListSecrets first page (MaxResults 100) with {LIST_SECRETS} secrets --");
    let (engine, _) = new_engine(path).await?;
    let (region, account) = (
        engine.default_region().to_owned(),
        engine.account_id().to_owned(),
    );
    engine.close().await;

    let t = Instant::now();
    seed_secrets(path, &region, &account).await?;
    println!(
        "seeded {} rows by SQL in {:.2} s (not part of any measurement)",
        LIST_SECRETS - 1,
        t.elapsed().as_secs_f64()
    );

    let engine = Engine::open(path, Arc::new(SystemClock)).await?;
    engine.unseal(&Password::from(PASSWORD)).await?;
    let ctx = RequestContext::root(Source::Cli);

    let plain = ListSecretsInput {
        max_results: Some(100),
        ..ListSecretsInput::default()
    };
    let filtered = |key: &str, value: &str| ListSecretsInput {
        max_results: Some(100),
        filters: vec![(Some(key.to_owned()), Some(vec![value.to_owned()]))],
        ..ListSecretsInput::default()
    };
    let variants = [
        (
            "no filter, default sort",
            "list_ms",
            plain,
            LIST_CALLS,
            Some(10.0),
        ),
        (
            "name prefix 'team3/'",
            "list_name_ms",
            filtered("name", "team3/"),
            LIST_CALLS_FILTERED,
            None,
        ),
        (
            "all 'team3'",
            "list_all_ms",
            filtered("all", "team3"),
            LIST_CALLS_FILTERED,
            None,
        ),
    ];
    for (label, key, input, calls, goal) in variants {
        let warm = engine.list_secrets(&ctx, input.clone()).await?;
        ensure!(
            warm.secret_list.len() == 100,
            "{label}: got {} secrets, not 100",
            warm.secret_list.len()
        );
        ensure!(warm.next_token.is_some(), "{label}: no next page");
        let mut lat = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            let out = engine.list_secrets(&ctx, input.clone()).await?;
            lat.push(t.elapsed());
            ensure!(out.secret_list.len() == 100, "{label}: short page");
        }
        let s = Stats::of(&mut lat);
        let med = s.p50 / 1000.0;
        let goal_text = goal.map_or(String::new(), |g| {
            format!("  (goal < {g} ms: {})", verdict(med < g))
        });
        println!(
            "{label:<26} median {med:8.2} ms  min {:8.2} ms  max {:8.2} ms  over {calls} calls{goal_text}",
            s.min / 1000.0,
            s.max / 1000.0
        );
        println!("BENCH {key}={med:.2}");
    }
    engine.close().await;
    Ok(())
}

/// Adds `LIST_SECRETS - 1` metadata-only secrets to a closed store in one transaction,
/// with distinct names, ARNs and creation times, all under the key the first secret got.
/// Names are `team<i % 10>/service-<i>`, so the `team3` filters match a tenth of them.
async fn seed_secrets(path: &Path, region: &str, account: &str) -> Result<()> {
    let mut conn = SqliteConnection::connect_with(&store_options(path)).await?;
    let (key_id,): (String,) = sqlx::query_as("SELECT key_id FROM secrets LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .context("the store has no secret to copy a key id from")?;
    let base = chrono::Utc::now().timestamp_millis() - LIST_SECRETS * 1000;
    let mut tx = conn.begin().await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
         INSERT INTO secrets (region, name, arn, description, key_id, created_at, last_changed_at) \
         SELECT ?2, printf('team%d/service-%06d', i % 10, i), \
                printf('arn:aws:secretsmanager:%s:%s:secret:team%d/service-%06d-%06d', ?2, ?3, i % 10, i, i), \
                printf('Credentials for service %d', i), ?4, ?5 + i * 1000, ?5 + i * 1000 \
         FROM n",
    )
    .bind(LIST_SECRETS - 1)
    .bind(region)
    .bind(account)
    .bind(&key_id)
    .bind(base)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM secrets")
        .fetch_one(&mut conn)
        .await?;
    ensure!(
        count == LIST_SECRETS,
        "seeded {count} secrets, wanted {LIST_SECRETS}"
    );
    conn.close().await?;
    Ok(())
}

/// A new store at `path` with one secret; returns the engine and the secret's name.
async fn new_engine(path: &Path) -> Result<(Engine, String)> {
    let engine = Engine::init(
        path,
        &Password::from(PASSWORD),
        InitOptions {
            kdf: KdfParams::for_tests(),
            ..InitOptions::default()
        },
        Arc::new(SystemClock),
    )
    .await?;
    let name = "bench/app-credentials".to_owned();
    engine
        .create_secret(
            &RequestContext::root(Source::Cli),
            CreateSecretInput {
                name: name.clone(),
                value: Some(SecretValue::string(value_text())),
                ..CreateSecretInput::default()
            },
        )
        .await?;
    Ok((engine, name))
}

/// The store's connection settings, for files the benchmark writes itself.
fn store_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
}

/// The raw baseline: a pool shaped like the store's, over a one-table file.
async fn raw_pool(path: &Path) -> Result<SqlitePool> {
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        .connect_with(store_options(path))
        .await?;
    sqlx::query("CREATE TABLE raw (id INTEGER PRIMARY KEY, v BLOB NOT NULL)")
        .execute(&pool)
        .await?;
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await?;
    let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(&pool)
        .await?;
    ensure!(
        mode.eq_ignore_ascii_case("wal") && sync == 2,
        "raw pool is {mode}/synchronous={sync}"
    );
    Ok(pool)
}

/// A ~1 KiB JSON-ish secret string of exactly `VALUE_BYTES` bytes.
fn value_text() -> String {
    let mut s = String::from(r#"{"username":"app","password":""#);
    let tail = r#""}"#;
    let mut i = 0u32;
    while s.len() + tail.len() < VALUE_BYTES {
        s.push(char::from(
            b"abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 % 36) as usize],
        ));
        i += 1;
    }
    s.push_str(tail);
    s
}

/// Operations per second over the summed call durations.
fn rate(lat: &[Duration]) -> f64 {
    lat.len() as f64 / lat.iter().sum::<Duration>().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn verdict(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}

/// Latency summary in microseconds.
struct Stats {
    mean: f64,
    p50: f64,
    p99: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn of(lat: &mut [Duration]) -> Stats {
        lat.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        // Nearest-rank percentile.
        let pct =
            |q: f64| us(lat[((q * lat.len() as f64).ceil() as usize).clamp(1, lat.len()) - 1]);
        Stats {
            mean: us(lat.iter().sum::<Duration>()) / lat.len() as f64,
            p50: pct(0.50),
            p99: pct(0.99),
            min: us(lat[0]),
            max: us(lat[lat.len() - 1]),
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mean {:.0} us  p50 {:.0} us  p99 {:.0} us  (min {:.0}, max {:.0})",
            self.mean, self.p50, self.p99, self.min, self.max
        )
    }
}

/// A private scratch directory in the system temp dir, removed on drop. All benchmark
/// files live here, so engine and baseline share one file system.
struct BenchDir(PathBuf);

impl BenchDir {
    fn new() -> Result<BenchDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("coffer-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(BenchDir(dir))
    }
}

impl Drop for BenchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
