//! SIGKILL crash consistency (security reference §4.4, §6 C.21, H.56).
//!
//! One store lives through many runs of `coffer-crash-writer`, each killed with SIGKILL at a
//! seeded random moment (sometimes while it is still opening or unsealing, mostly 5–80 ms
//! into its writes). The writer prints an intent line before each operation and an ack
//! after it returns; the test keeps a model of the store built from the acks alone. After
//! every kill it reopens the store and checks:
//!
//! - SQLite's integrity check passes and no foreign key dangles;
//! - exactly one of the two master passwords unseals: the last acknowledged one, or — when
//!   a password change was in flight — either it or the new one, never both nor neither;
//! - the audit chain verifies end to end (no anchor is written under SIGKILL);
//! - every secret, label, deletion mark and tag equals the model, where the one operation
//!   in flight may have happened or not (and it is adopted if it did);
//! - every secret with versions has exactly one AWSCURRENT; every value acknowledged in the
//!   run, and every AWSCURRENT value, reads back byte-equal;
//! - each acknowledged operation has exactly its one `ok` audit event, and the in-flight
//!   one has an event exactly when its change is in the store (data and audit commit
//!   together).
//!
//! The seed is fixed (override with `COFFER_CRASH_SEED`; `COFFER_CRASH_ITERATIONS` runs
//! longer, e.g. nightly). Kill moments are seeded, but where the kill lands also depends on
//! machine speed, so a failure message names the iteration and the writer's output.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffer_engine::{
    BatchGetSecretValueInput, Engine, ErrorCode, GetSecretValueInput, InitOptions, KdfParams,
    ListSecretVersionIdsInput, ListSecretsInput, Password, SecretValue, SystemClock,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::support::root;

const SEED: u64 = 0xC0FF_EE5E_ED21;
const ITERATIONS: usize = 200;
const PASSWORDS: [&str; 2] = ["crash-password-one", "crash-password-two"];

/// A value as the writer prints it: kind (`S`/`B`) and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Value(char, Vec<u8>);

impl Value {
    fn parse(s: &str) -> Value {
        let (kind, hex) = s.split_once(':').expect("kind:hex");
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        Value(kind.chars().next().unwrap(), bytes)
    }

    fn matches(&self, v: &SecretValue) -> bool {
        match v {
            SecretValue::String(b) => self.0 == 'S' && b.expose() == self.1.as_slice(),
            SecretValue::Binary(b) => self.0 == 'B' && b.expose() == self.1.as_slice(),
        }
    }
}

/// One operation of the writer, parsed from its intent line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Create {
        name: String,
        version: String,
        value: Value,
    },
    Put {
        name: String,
        version: String,
        value: Value,
        stage: String,
    },
    Update {
        name: String,
        version: String,
        value: Value,
    },
    Stage {
        name: String,
        from: String,
        to: String,
    },
    Delete {
        name: String,
    },
    Restore {
        name: String,
    },
    Tag {
        name: String,
        key: String,
        value: String,
    },
    ChangePassword {
        to: String,
    },
}

impl Op {
    fn parse(words: &[&str]) -> Op {
        let s = |i: usize| words[i].to_owned();
        match words[0] {
            "create" => Op::Create {
                name: s(1),
                version: s(2),
                value: Value::parse(words[3]),
            },
            "put" => Op::Put {
                name: s(1),
                version: s(2),
                value: Value::parse(words[3]),
                stage: s(4),
            },
            "update" => Op::Update {
                name: s(1),
                version: s(2),
                value: Value::parse(words[3]),
            },
            "stage" => Op::Stage {
                name: s(1),
                from: s(2),
                to: s(3),
            },
            "delete" => Op::Delete { name: s(1) },
            "restore" => Op::Restore { name: s(1) },
            "tag" => Op::Tag {
                name: s(1),
                key: s(2),
                value: s(3),
            },
            "chpw" => Op::ChangePassword { to: s(1) },
            other => panic!("unknown operation {other:?}"),
        }
    }

    /// The version this operation writes, if any.
    fn written(&self) -> Option<(&str, &str, &Value)> {
        match self {
            Op::Create {
                name,
                version,
                value,
            }
            | Op::Put {
                name,
                version,
                value,
                ..
            }
            | Op::Update {
                name,
                version,
                value,
            } => Some((name, version, value)),
            _ => None,
        }
    }
}

/// What the store must hold for one secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Secret {
    versions: BTreeMap<String, Value>,
    labels: BTreeMap<String, String>,
    deleted: bool,
    tags: BTreeMap<String, String>,
}

impl Secret {
    fn move_current(&mut self, to: &str) {
        if let Some(old) = self.labels.insert("AWSCURRENT".into(), to.into()) {
            if old != to {
                self.labels.insert("AWSPREVIOUS".into(), old);
            }
        }
    }
}

/// The model: the store as the acknowledged operations left it.
type Model = BTreeMap<String, Secret>;

/// What the store shows of each secret besides values: labels, deletion mark, tags.
type Shape = BTreeMap<String, (BTreeMap<String, String>, bool, BTreeMap<String, String>)>;

fn shape(m: &Model) -> Shape {
    m.iter()
        .map(|(k, s)| (k.clone(), (s.labels.clone(), s.deleted, s.tags.clone())))
        .collect()
}

/// Applies `op` to the model with Secrets Manager's label rules (reference §4): storing a
/// value as AWSCURRENT moves AWSPREVIOUS to the old current version; another label just moves.
fn apply(model: &mut Model, op: &Op) {
    match op {
        Op::Create {
            name,
            version,
            value,
        } => {
            assert!(
                !model.contains_key(name),
                "create of an existing secret {name}"
            );
            let mut s = Secret::default();
            s.versions.insert(version.clone(), value.clone());
            s.move_current(version);
            model.insert(name.clone(), s);
        }
        Op::Put {
            name,
            version,
            value,
            stage,
        } => {
            let s = model.get_mut(name).expect("known secret");
            s.versions.insert(version.clone(), value.clone());
            if stage == "AWSCURRENT" {
                s.move_current(version);
            } else {
                s.labels.insert(stage.clone(), version.clone());
            }
        }
        Op::Update {
            name,
            version,
            value,
        } => {
            let s = model.get_mut(name).expect("known secret");
            s.versions.insert(version.clone(), value.clone());
            s.move_current(version);
        }
        Op::Stage { name, to, .. } => model.get_mut(name).expect("known secret").move_current(to),
        Op::Delete { name } => model.get_mut(name).expect("known secret").deleted = true,
        Op::Restore { name } => model.get_mut(name).expect("known secret").deleted = false,
        Op::Tag { name, key, value } => {
            model
                .get_mut(name)
                .expect("known secret")
                .tags
                .insert(key.clone(), value.clone());
        }
        Op::ChangePassword { .. } => {}
    }
}

/// How the in-flight operations ended, over the whole test.
#[derive(Debug, Default)]
struct Stats {
    /// Password changes in flight at the kill.
    chpw_in_flight: usize,
    /// ... of which had committed.
    chpw_applied: usize,
    /// In-flight operations whose change was in the store.
    applied_in_flight: usize,
    /// In-flight operations whose change was not.
    lost_in_flight: usize,
}

/// What one killed run of the writer printed.
struct Run {
    /// Acknowledged operations, in order, with their numbers.
    acked: Vec<(u64, Op)>,
    /// The operation announced but not acknowledged when the kill came.
    in_flight: Option<(u64, Op)>,
    /// Whether the writer got as far as `ready`.
    ready: bool,
    output: String,
}

fn parse_run(lines: &[String]) -> Run {
    let mut run = Run {
        acked: Vec::new(),
        in_flight: None,
        ready: false,
        output: lines.join("\n"),
    };
    for line in lines {
        let words: Vec<&str> = line.split(' ').collect();
        match words[0] {
            "ready" => run.ready = true,
            "intent" => {
                assert!(
                    run.in_flight.is_none(),
                    "two intents without an ack:\n{}",
                    run.output
                );
                let n: u64 = words[1].parse().unwrap();
                run.in_flight = Some((n, Op::parse(&words[2..])));
            }
            "ack" => {
                let n: u64 = words[1].parse().unwrap();
                let (m, op) = run.in_flight.take().expect("ack without intent");
                assert_eq!(n, m, "ack for another operation");
                assert_eq!(Op::parse(&words[2..]), op, "ack differs from its intent");
                run.acked.push((n, op));
            }
            "fail" => panic!("the writer's operation failed: {line}\n{}", run.output),
            _ => panic!("unexpected line from the writer: {line:?}"),
        }
    }
    run
}

/// Spawns the writer, kills it with SIGKILL at a seeded moment, and returns what it printed.
fn run_writer(
    path: &Path,
    passwords: [&str; 2],
    seed: u64,
    tag: &str,
    rng: &mut StdRng,
) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_coffer-crash-writer"))
        .arg(path)
        .arg(passwords[0])
        .arg(seed.to_string())
        .arg(passwords[1])
        .arg(tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the crash writer");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    if rng.random_range(0..100) < 15 {
        // Kill while it may still be opening, migrating or unsealing.
        std::thread::sleep(Duration::from_millis(rng.random_range(0..40)));
    } else {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let ready = line == "ready";
                    lines.push(line);
                    if ready {
                        break;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let mut err = String::new();
                    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                    panic!("the writer never became ready: {lines:?}\n{err}");
                }
            }
        }
        // Mostly 5–80 ms into the writes; now and then later, so that slow operations
        // (a password change runs Argon2 twice) also get acknowledged.
        let delay = if rng.random_range(0..100) < 10 {
            rng.random_range(100..=300)
        } else {
            rng.random_range(5..=80)
        };
        std::thread::sleep(Duration::from_millis(delay));
    }
    child.kill().expect("SIGKILL the writer");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "the writer ended before the kill ({status}): {lines:?}\n{err}"
        );
    }
    lines
}

async fn raw(path: &Path) -> SqlitePool {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap()
}

/// Checks the reopened store against the model; adopts the in-flight operation if it
/// happened. `current` is the index of the password the model says is current.
async fn check(
    path: &Path,
    model: &mut Model,
    current: &mut usize,
    run: &Run,
    tag: &str,
    ctx_msg: &str,
    stats: &mut Stats,
) {
    let e = Engine::open(path, Arc::new(SystemClock))
        .await
        .expect("reopen after the kill");
    e.integrity_check()
        .await
        .unwrap_or_else(|err| panic!("{ctx_msg}: {err}"));

    // Passwords: exactly one of the two works.
    let mut works = [false; 2];
    for i in [1 - *current, *current] {
        match e.unseal(&Password::from(PASSWORDS[i])).await {
            Ok(()) => works[i] = true,
            Err(err) => assert_eq!(err.code(), ErrorCode::WrongPassword, "{ctx_msg}: {err}"),
        }
    }
    let chpw_in_flight = matches!(&run.in_flight, Some((_, Op::ChangePassword { .. })));
    assert_eq!(
        works.iter().filter(|w| **w).count(),
        1,
        "{ctx_msg}: passwords that unseal: {works:?}"
    );
    let mut pw_changed = false;
    if !works[*current] {
        assert!(
            chpw_in_flight,
            "{ctx_msg}: the acknowledged password no longer works"
        );
        *current = 1 - *current;
        pw_changed = true;
    }
    if pw_changed {
        // The last unseal tried the old password and failed: unseal with the new one.
        e.unseal(&Password::from(PASSWORDS[*current]))
            .await
            .unwrap();
    }

    let report = e.verify_audit(&root()).await.unwrap();
    assert!(
        report.is_intact(),
        "{ctx_msg}: audit chain broken: {report:?}"
    );

    // Structure: secrets, labels, deletion marks, tags.
    let listed = e
        .list_secrets(
            &root(),
            ListSecretsInput {
                include_planned_deletion: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(listed.next_token.is_none());
    let mut seen = Shape::new();
    for s in &listed.secret_list {
        let mut labels = BTreeMap::new();
        for (version, ls) in &s.version_ids_to_stages {
            for l in ls {
                assert!(
                    labels.insert(l.clone(), version.clone()).is_none(),
                    "{ctx_msg}: label {l} twice"
                );
            }
        }
        assert!(
            labels.contains_key("AWSCURRENT"),
            "{ctx_msg}: {} has no AWSCURRENT",
            s.name
        );
        let tags = s
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        seen.insert(s.name.clone(), (labels, s.deleted_date.is_some(), tags));
    }
    // The in-flight data operation happened or not; with it, versions must match too.
    let mut data_applied: Option<bool> = None;
    if let Some((_, op)) = &run.in_flight {
        if !matches!(op, Op::ChangePassword { .. }) {
            let mut after = model.clone();
            apply(&mut after, op);
            let (before_shape, after_shape) = (shape(model), shape(&after));
            if seen == after_shape && before_shape != after_shape {
                *model = after;
                data_applied = Some(true);
            } else if seen == before_shape {
                // An in-flight write of a version leaves a trace even when labels would not
                // tell (never the case for these operations, but keep the check exact).
                data_applied = if before_shape == after_shape {
                    None
                } else {
                    Some(false)
                };
            } else {
                panic!(
                    "{ctx_msg}: the store matches neither the state before nor after the in-flight {op:?}\nstore: {seen:#?}\nmodel: {before_shape:#?}"
                );
            }
        }
    }
    assert_eq!(
        seen,
        shape(model),
        "{ctx_msg}: store differs from the acknowledged state"
    );

    // Every version of a touched secret is there (deleted secrets included).
    let mut touched: BTreeSet<String> =
        run.acked.iter().filter_map(|(_, op)| op_name(op)).collect();
    if let Some((_, op)) = &run.in_flight {
        touched.extend(op_name(op));
    }
    for name in &touched {
        let Some(s) = model.get(name) else { continue };
        let mut ids: BTreeSet<String> = BTreeSet::new();
        let mut next_token = None;
        loop {
            let page = e
                .list_secret_version_ids(
                    &root(),
                    ListSecretVersionIdsInput {
                        secret_id: name.clone(),
                        include_deprecated: true,
                        max_results: Some(100),
                        next_token: next_token.take(),
                    },
                )
                .await
                .unwrap();
            ids.extend(page.versions.into_iter().map(|v| v.version_id));
            match page.next_token {
                Some(t) => next_token = Some(t),
                None => break,
            }
        }
        let ids: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let expected: BTreeSet<&str> = s.versions.keys().map(String::as_str).collect();
        if ids != expected {
            let missing: Vec<&&str> = expected.difference(&ids).collect();
            let extra: Vec<&&str> = ids.difference(&expected).collect();
            let pool = raw(path).await;
            let mut trail = Vec::new();
            for v in missing.iter().chain(extra.iter()) {
                let rows: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
                    "SELECT seq, request_id, action, version_id, details FROM audit_events WHERE version_id = ? OR details LIKE '%' || ? || '%'",
                )
                .bind(**v)
                .bind(**v)
                .fetch_all(&pool)
                .await
                .unwrap();
                trail.push((v.to_string(), rows));
            }
            panic!(
                "{ctx_msg}: versions of {name}: missing {missing:?}, extra {extra:?}\ntrail: {trail:#?}"
            );
        }
    }

    // Values: every AWSCURRENT of a live secret in one batch, and every version written in
    // this run by version id.
    let live: Vec<String> = model
        .iter()
        .filter(|(_, s)| !s.deleted)
        .map(|(k, _)| k.clone())
        .collect();
    for chunk in live.chunks(20) {
        let out = e
            .batch_get_secret_value(
                &root(),
                BatchGetSecretValueInput {
                    secret_id_list: Some(chunk.to_vec()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(out.errors.is_empty(), "{ctx_msg}: {:?}", out.errors);
        assert_eq!(out.secret_values.len(), chunk.len());
        for v in &out.secret_values {
            let s = &model[&v.name];
            assert_eq!(
                Some(&v.version_id),
                s.labels.get("AWSCURRENT"),
                "{ctx_msg}: AWSCURRENT of {}",
                v.name
            );
            assert!(
                s.versions[&v.version_id].matches(&v.value),
                "{ctx_msg}: value of {} AWSCURRENT",
                v.name
            );
        }
    }
    let mut written: Vec<(&str, &str, &Value)> = run
        .acked
        .iter()
        .filter_map(|(_, op)| op.written())
        .collect();
    if data_applied == Some(true) {
        written.extend(run.in_flight.as_ref().and_then(|(_, op)| op.written()));
    }
    for (name, version, value) in written {
        if model[name].deleted {
            continue;
        }
        let out = e
            .get_secret_value(
                &root(),
                GetSecretValueInput {
                    secret_id: name.into(),
                    version_id: Some(version.into()),
                    version_stage: None,
                },
            )
            .await
            .unwrap_or_else(|err| {
                panic!("{ctx_msg}: acknowledged version {version} of {name}: {err}")
            });
        assert!(
            value.matches(&out.value),
            "{ctx_msg}: value of {name} {version}"
        );
    }

    // Audit and data commit together: one `ok` event per acknowledged operation, and one for
    // the in-flight operation exactly when its change is in the store.
    let pool = raw(path).await;
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT request_id, outcome FROM audit_events WHERE request_id LIKE ? || '-%'",
    )
    .bind(tag)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut by_request: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, outcome) in events {
        by_request.entry(id).or_default().push(outcome);
    }
    for (n, op) in &run.acked {
        let id = format!("{tag}-{n}");
        assert_eq!(
            by_request.remove(&id),
            Some(vec!["ok".to_owned()]),
            "{ctx_msg}: audit of acknowledged {op:?}"
        );
    }
    by_request.remove(&format!("{tag}-startup"));
    if let Some((n, op)) = &run.in_flight {
        let event = by_request.remove(&format!("{tag}-{n}"));
        let applied = if matches!(op, Op::ChangePassword { .. }) {
            Some(pw_changed)
        } else {
            data_applied
        };
        if matches!(op, Op::ChangePassword { .. }) {
            stats.chpw_in_flight += 1;
            stats.chpw_applied += usize::from(pw_changed);
        }
        match applied {
            Some(true) => stats.applied_in_flight += 1,
            Some(false) => stats.lost_in_flight += 1,
            None => {}
        }
        match applied {
            Some(true) => assert_eq!(
                event,
                Some(vec!["ok".to_owned()]),
                "{ctx_msg}: in-flight {op:?} applied without its event"
            ),
            Some(false) => assert_eq!(
                event, None,
                "{ctx_msg}: in-flight {op:?} audited but not applied"
            ),
            None => {}
        }
    }
    assert!(
        by_request.is_empty(),
        "{ctx_msg}: unexpected events {by_request:?}"
    );

    // Schema-level invariants the engine API cannot show.
    let dangling: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(dangling.is_empty(), "{ctx_msg}: dangling rows {dangling:?}");
    let bad: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM secrets s WHERE EXISTS (SELECT 1 FROM versions v WHERE v.secret_id = s.id) \
         AND (SELECT count(*) FROM staging_labels l JOIN versions v \
              ON v.secret_id = l.secret_id AND v.version_id = l.version_id \
              WHERE l.secret_id = s.id AND l.label = 'AWSCURRENT' AND v.ciphertext IS NOT NULL) != 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        bad, 0,
        "{ctx_msg}: secrets without exactly one readable AWSCURRENT"
    );
    pool.close().await;
    e.close().await;
}

fn op_name(op: &Op) -> Option<String> {
    match op {
        Op::Create { name, .. }
        | Op::Put { name, .. }
        | Op::Update { name, .. }
        | Op::Stage { name, .. }
        | Op::Delete { name }
        | Op::Restore { name }
        | Op::Tag { name, .. } => Some(name.clone()),
        Op::ChangePassword { .. } => None,
    }
}

/// C.21: ≥ 200 seeded SIGKILLs of a writer over one store; every invariant holds after each.
#[tokio::test]
async fn sigkill_at_random_points_keeps_every_acknowledged_write() {
    let seed = std::env::var("COFFER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let iterations = std::env::var("COFFER_CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ITERATIONS);
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    Engine::init(
        &path,
        &Password::from(PASSWORDS[0]),
        InitOptions {
            kdf: KdfParams::for_tests(),
            ..Default::default()
        },
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .close()
    .await;

    let started = Instant::now();
    let mut model = Model::new();
    let mut current = 0usize;
    let (mut acked, mut in_flight, mut pw_changes, mut early) = (0usize, 0usize, 0usize, 0usize);
    let mut stats = Stats::default();
    for iteration in 0..iterations {
        let tag = format!("it{iteration}");
        let child_seed: u64 = rng.random();
        let lines = run_writer(
            &path,
            [PASSWORDS[current], PASSWORDS[1 - current]],
            child_seed,
            &tag,
            &mut rng,
        );
        let run = parse_run(&lines);
        let ctx_msg = format!(
            "seed {seed:#x}, iteration {iteration}\nwriter output:\n{}",
            run.output
        );
        early += usize::from(!run.ready);
        for (_, op) in &run.acked {
            apply(&mut model, op);
            if let Op::ChangePassword { to } = op {
                current = PASSWORDS.iter().position(|p| p == to).unwrap();
                pw_changes += 1;
            }
        }
        acked += run.acked.len();
        in_flight += usize::from(run.in_flight.is_some());
        check(
            &path,
            &mut model,
            &mut current,
            &run,
            &tag,
            &ctx_msg,
            &mut stats,
        )
        .await;
    }
    let versions: usize = model.values().map(|s| s.versions.len()).sum();
    eprintln!(
        "crash: {iterations} kills in {:?}: {acked} acknowledged operations, {in_flight} in flight at the kill, \
         {pw_changes} acknowledged password changes, {early} kills before ready; {} secrets, {versions} versions; {stats:?}",
        started.elapsed(),
        model.len()
    );
    assert!(
        stats.chpw_in_flight > 0,
        "no kill landed in a password change: {stats:?}"
    );
    assert!(
        stats.applied_in_flight > 0 && stats.lost_in_flight > 0,
        "in-flight outcomes not both seen: {stats:?}"
    );
    assert!(
        acked > iterations,
        "too few acknowledged operations to mean anything: {acked}"
    );
    assert!(
        in_flight > iterations / 2,
        "too few kills landed mid-operation: {in_flight}"
    );
    assert!(pw_changes > 0, "no password change was acknowledged");
}
