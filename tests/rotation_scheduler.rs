//! The rotation scheduler on a manual clock: a missed window after a long sleep runs
//! once; failed steps retry after 10 s doubling to 5 minutes (with up to 10% jitter); it
//! sleeps until something is due instead of polling (its wake-ups are counted); while the
//! store is sealed due rotations wait and show as waiting; shutdown is clean.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use coffer_engine::rotation::{
    RotateSecretInput, RotationEvent, RotationFailure, RotationRules, RotationState, RotationStep,
    Rotator, Scheduler,
};
use coffer_engine::{AuditFilter, CreateSecretInput, Password};
use coffer_rotators::GeneratedValueRotator;

use crate::engine_support::audit_log;
use crate::support::{PASSWORD, TestStore, root, text};

const GENERATED: &str = "arn:aws:lambda:us-east-1:123456789012:function:coffer-generated-value";

/// Fails setSecret while `failing` is set.
struct Flaky {
    inner: GeneratedValueRotator,
    failing: std::sync::atomic::AtomicBool,
    calls: AtomicU32,
}

#[async_trait]
impl Rotator for Flaky {
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        if event.step == RotationStep::SetSecret {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.failing.load(Ordering::SeqCst) {
                return Err(RotationFailure::new(
                    "TargetUnreachable",
                    "connection refused",
                ));
            }
        }
        self.inner.run_step(event).await
    }
}

async fn secret(t: &TestStore, name: &str) {
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                value: Some(text("initial")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

async fn schedule(t: &TestStore, name: &str, lambda: &str, expr: &str, now: bool) {
    t.engine
        .rotate_secret(
            &root(),
            RotateSecretInput {
                secret_id: name.into(),
                rotation_lambda_arn: Some(lambda.into()),
                rotation_rules: Some(RotationRules {
                    schedule_expression: Some(expr.into()),
                    ..Default::default()
                }),
                rotate_immediately: Some(now),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// How many `action` events the log holds. Filtered by the engine, so a probe costs the
/// same however long the test has been polling (the probes' own QueryAudit events add up).
async fn count(t: &TestStore, action: &str) -> usize {
    t.engine
        .query_audit(
            &root(),
            &AuditFilter {
                action: Some(action.into()),
                limit: Some(1_000),
                ..Default::default()
            },
        )
        .await
        .expect("query audit")
        .events
        .len()
}

/// The rotation events so far, oldest first, for a timeout's message.
async fn rotation_events(t: &TestStore) -> String {
    let mut lines: Vec<String> = audit_log(t)
        .await
        .iter()
        .filter(|e| e.action.starts_with("Rotation") || e.action == "TestRotationFailed")
        .map(|e| {
            format!(
                "{} {} {} {} {}",
                e.time.to_rfc3339(),
                e.action,
                e.resource_arn.as_deref().unwrap_or("-"),
                e.error_code.as_deref().unwrap_or(""),
                e.details
            )
        })
        .collect();
    lines.reverse();
    lines.join("\n")
}

/// Wakes the scheduler and waits for a whole pass that began after the wake-up: whatever
/// was due now has run (no guessing how long a pass takes).
async fn settle(t: &TestStore) -> coffer_engine::rotation::SchedulerPasses {
    t.engine
        .scheduler_pass_after_wake()
        .await
        .expect("the scheduler is running")
}

/// Waits (real time, up to 60 s: every rotation is several fsynced transactions, and a
/// loaded machine is slow) until `cond` holds; on timeout the panic lists the rotation
/// events, so a stuck job shows why.
async fn until<F, Fut>(t: &TestStore, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1200 {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for {what}; rotation events:\n{}",
        rotation_events(t).await
    );
}

#[tokio::test]
async fn a_long_sleep_runs_the_missed_rotation_once() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    secret(&t, "daily").await;
    schedule(&t, "daily", GENERATED, "rate(1 day)", false).await;
    let scheduler = Scheduler::start(t.engine.clone());
    // The laptop sleeps for ten days: ten windows were missed.
    t.clock.advance(chrono::Duration::days(10));
    t.engine.wake_scheduler();
    until(&t, "the catch-up rotation", || async {
        count(&t, "RotationSucceeded").await == 1
    })
    .await;
    // Another whole pass after the catch-up: the missed windows do not run again.
    settle(&t).await;
    assert_eq!(
        count(&t, "RotationSucceeded").await,
        1,
        "missed windows ran more than once"
    );
    assert_eq!(count(&t, "RotationStarted").await, 1);
    let status = t.engine.rotation_status(&root(), "daily").await.unwrap();
    assert_eq!(status.state, RotationState::Idle);
    assert_eq!(status.last_rotated_date, Some(t.engine.now()));
    assert_eq!(
        status.next_rotation_date.unwrap().to_rfc3339(),
        "2026-01-12T00:00:00+00:00",
        "the next window counts from the catch-up, not from the missed ones"
    );
    scheduler.shutdown().await;
}

#[tokio::test]
async fn failures_back_off_from_10_seconds_doubling_to_5_minutes() {
    let t = TestStore::new().await;
    let flaky = Arc::new(Flaky {
        inner: GeneratedValueRotator::new(),
        failing: true.into(),
        calls: AtomicU32::new(0),
    });
    t.engine
        .set_rotators(coffer_rotators::registry().with_builtin("flaky", flaky.clone()));
    secret(&t, "db").await;
    let scheduler = Scheduler::start(t.engine.clone());
    schedule(
        &t,
        "db",
        "arn:aws:lambda:us-east-1:123456789012:function:flaky",
        "rate(1 day)",
        true,
    )
    .await;
    let expected_secs = [10, 20, 40, 80, 160, 300, 300];
    for (i, secs) in expected_secs.iter().enumerate() {
        let attempt = i as u32 + 1;
        until(&t, &format!("attempt {attempt}"), || async {
            t.engine
                .rotation_status(&root(), "db")
                .await
                .unwrap()
                .attempts
                == attempt
        })
        .await;
        let s = t.engine.rotation_status(&root(), "db").await.unwrap();
        assert_eq!(s.state, RotationState::Failed);
        let wait = (s.next_attempt_date.unwrap() - t.engine.now()).num_milliseconds();
        let base = secs * 1000;
        assert!(
            (base..=base + base / 10).contains(&wait),
            "attempt {attempt}: retry after {wait} ms, expected {base} ms + up to 10%"
        );
        // Not a moment early: just before the retry is due nothing runs.
        t.clock.advance(chrono::Duration::milliseconds(wait - 1));
        settle(&t).await;
        assert_eq!(flaky.calls.load(Ordering::SeqCst), attempt, "retried early");
        t.clock.advance(chrono::Duration::milliseconds(1));
        t.engine.wake_scheduler();
    }
    // The target recovers: the next retry completes the rotation.
    flaky.failing.store(false, Ordering::SeqCst);
    until(&t, "the retry after 7 failures", || async {
        t.engine
            .rotation_status(&root(), "db")
            .await
            .unwrap()
            .attempts
            == 8
            || count(&t, "RotationSucceeded").await == 1
    })
    .await;
    until(&t, "success", || async {
        count(&t, "RotationSucceeded").await == 1
    })
    .await;
    assert_eq!(count(&t, "RotationFailed").await, 7);
    assert_eq!(
        t.engine.rotation_status(&root(), "db").await.unwrap().state,
        RotationState::Idle
    );
    scheduler.shutdown().await;
}

#[tokio::test]
async fn the_scheduler_sleeps_until_something_is_due() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    for i in 0..10 {
        let name = format!("s{i}");
        secret(&t, &name).await;
        schedule(&t, &name, GENERATED, "rate(30 days)", false).await;
    }
    let scheduler = Scheduler::start(t.engine.clone());
    // RotateImmediately=false tested each configuration: the first pass runs the ten tests.
    until(&t, "10 configuration tests", || async {
        count(&t, "TestRotationSucceeded").await == 10
    })
    .await;
    // With nothing due for 30 days, the pass after the tests plans its longest nap (five
    // minutes): it sleeps, it does not poll.
    let mut passes = t.engine.scheduler_passes();
    let planned = *passes
        .wait_for(|p| p.completed >= 1 && p.completed == p.started)
        .await
        .unwrap();
    assert_eq!(planned.nap, Duration::from_secs(300), "{planned:?}");
    let settled = t.engine.scheduler_wakeups();
    assert!(
        (1..=3).contains(&settled),
        "woke {settled} times while planning and testing"
    );
    assert_eq!(count(&t, "RotationStarted").await, 0);
    // A wake-up with nothing due is one pass, not a loop, and plans the same nap. (The
    // first wake-up also absorbs one the configuring may have left pending.)
    settle(&t).await;
    let before = t.engine.scheduler_wakeups();
    let pass = settle(&t).await;
    assert_eq!(pass.nap, Duration::from_secs(300));
    assert_eq!(t.engine.scheduler_wakeups(), before + 1);
    // When the windows come, every secret rotates once.
    t.clock.advance(chrono::Duration::days(30));
    t.engine.wake_scheduler();
    until(&t, "10 rotations", || async {
        count(&t, "RotationSucceeded").await == 10
    })
    .await;
    scheduler.shutdown().await;
}

#[tokio::test]
async fn while_sealed_due_rotations_wait_and_show_as_waiting() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    secret(&t, "db").await;
    schedule(&t, "db", GENERATED, "rate(1 day)", false).await;
    let scheduler = Scheduler::start(t.engine.clone());
    t.engine.seal();
    t.clock.advance(chrono::Duration::days(2));
    settle(&t).await;
    let status = t.engine.rotation_status(&root(), "db").await.unwrap();
    assert_eq!(status.state, RotationState::Waiting);
    t.engine.unseal(&Password::from(PASSWORD)).await.unwrap();
    until(&t, "the rotation after unseal", || async {
        count(&t, "RotationSucceeded").await == 1
    })
    .await;
    assert_eq!(
        t.engine.rotation_status(&root(), "db").await.unwrap().state,
        RotationState::Idle
    );
    scheduler.shutdown().await;
}

#[tokio::test]
async fn dropping_the_handle_stops_the_scheduler() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    secret(&t, "db").await;
    schedule(&t, "db", GENERATED, "rate(1 day)", false).await;
    let scheduler = Scheduler::start(t.engine.clone());
    let mut passes = t.engine.scheduler_passes();
    passes.wait_for(|p| p.completed >= 1).await.unwrap();
    drop(scheduler);
    // The task is gone once its future is dropped: nothing can wake it any more.
    passes.wait_for(|p| !p.running).await.unwrap();
    let before = t.engine.scheduler_wakeups();
    t.clock.advance(chrono::Duration::days(2));
    assert!(t.engine.scheduler_pass_after_wake().await.is_none());
    assert_eq!(t.engine.scheduler_wakeups(), before);
    assert_eq!(count(&t, "RotationStarted").await, 0);
}
