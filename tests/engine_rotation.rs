//! The rotation protocol through the engine (reference §6 RotateSecret/CancelRotateSecret,
//! §7), with the built-in `coffer-generated-value` rotator and, where a failure must be
//! injected, `Faulty`: a rotator that wraps it and fails at a chosen step. Checked: the
//! AWSPENDING placeholder, the four steps, label moves, idempotency, AWS's errors, the
//! audit events, failure at each step (AWSCURRENT never moves to an untested value), a
//! "kill" between testSecret and finishSecret, abandoning, a rejected password, and two
//! concurrent rotations of one secret.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use coffer_engine::rotation::{
    RotateSecretInput, RotationEvent, RotationFailure, RotationRules, RotationRun, RotationState,
    RotationStep, Rotator, RotatorRegistry,
};
use coffer_engine::{
    CreateSecretInput, Engine, ErrorCode, GetSecretValueInput, Password,
    UpdateSecretVersionStageInput,
};
use coffer_rotators::GeneratedValueRotator;

use crate::engine_support::{audit_log, current_text, expect_err, stages};
use crate::support::{PASSWORD, TestStore, root, text, token};

const GENERATED: &str = "arn:aws:lambda:us-east-1:123456789012:function:coffer-generated-value";
const FAULTY: &str = "arn:aws:lambda:us-east-1:123456789012:function:faulty";
const JSON_SECRET: &str = r#"{"engine":"postgres","host":"db.local","port":5432,"username":"app","password":"old-password"}"#;

/// Fails `step` the next `failures` times (with `password_rejected` when asked), otherwise
/// behaves as the generated-value rotator; `hang` makes that step never return (a process
/// killed mid-step).
struct Faulty {
    inner: GeneratedValueRotator,
    step: RotationStep,
    failures: AtomicU32,
    rejected: bool,
    hang: bool,
    calls: AtomicU32,
}

impl Faulty {
    fn new(step: RotationStep, failures: u32) -> Faulty {
        Faulty {
            inner: GeneratedValueRotator::new(),
            step,
            failures: AtomicU32::new(failures),
            rejected: false,
            hang: false,
            calls: AtomicU32::new(0),
        }
    }
}

#[async_trait]
impl Rotator for Faulty {
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if event.step == self.step && self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            if self.hang {
                std::future::pending::<()>().await;
            }
            let mut f = RotationFailure::new("TargetUnreachable", "the database is down");
            f.password_rejected = self.rejected;
            return Err(f);
        }
        self.inner.run_step(event).await
    }
}

fn registry_with(faulty: Arc<Faulty>) -> RotatorRegistry {
    coffer_rotators::registry().with_builtin("faulty", faulty)
}

async fn store_with_secret() -> TestStore {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "prod/db".into(),
                client_request_token: Some(token("v1")),
                value: Some(text(JSON_SECRET)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t
}

fn rotate(lambda: &str, tag: &str) -> RotateSecretInput {
    RotateSecretInput {
        secret_id: "prod/db".into(),
        client_request_token: Some(token(tag)),
        rotation_lambda_arn: Some(lambda.into()),
        rotation_rules: Some(RotationRules {
            automatically_after_days: Some(30),
            ..Default::default()
        }),
        rotate_immediately: None,
    }
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

async fn actions(t: &TestStore) -> Vec<String> {
    audit_log(t).await.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn generated_value_rotation_changes_only_the_password() {
    let t = store_with_secret().await;
    let out = t
        .engine
        .rotate_secret(&root(), rotate(GENERATED, "r1"))
        .await
        .unwrap();
    assert_eq!(out.version_id, token("r1"));
    // The placeholder: AWSPENDING on a value-less version.
    assert_eq!(stages(&t, "prod/db").await[&token("r1")], ["AWSPENDING"]);
    let pending = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                version_stage: Some("AWSPENDING".into()),
                ..Default::default()
            },
        )
        .await;
    expect_err(
        pending,
        ErrorCode::ResourceNotFound,
        Some("Secrets Manager can't find the specified secret value for staging label: AWSPENDING"),
    );
    let status = t.engine.rotation_status(&root(), "prod/db").await.unwrap();
    assert_eq!(status.state, RotationState::Running);
    assert_eq!(status.step, Some(RotationStep::CreateSecret));

    let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    assert_eq!(
        run,
        RotationRun::Succeeded {
            version_id: token("r1")
        }
    );
    let new = json(&current_text(&t, "prod/db").await);
    let old = json(JSON_SECRET);
    assert_ne!(new["password"], old["password"]);
    assert_eq!(new["password"].as_str().unwrap().len(), 32);
    for k in ["engine", "host", "port", "username"] {
        assert_eq!(new[k], old[k], "{k} changed");
    }
    let labels = stages(&t, "prod/db").await;
    assert_eq!(
        labels[&token("r1")],
        ["AWSCURRENT"],
        "AWSPENDING is removed after success"
    );
    assert_eq!(labels[&token("v1")], ["AWSPREVIOUS"]);

    let d = t.engine.describe_secret(&root(), "prod/db").await.unwrap();
    let r = d.rotation.unwrap();
    assert!(r.enabled);
    assert_eq!(r.lambda_arn.as_deref(), Some(GENERATED));
    assert_eq!(r.last_rotated_date, Some(t.engine.now()));
    assert_eq!(
        r.next_rotation_date.unwrap().to_rfc3339(),
        "2026-01-31T00:00:00+00:00"
    );
    let log = actions(&t).await;
    for a in [
        "RotateSecret",
        "RotationStarted",
        "PutSecretValue",
        "UpdateSecretVersionStage",
        "RotationSucceeded",
    ] {
        assert!(log.iter().any(|x| x == a), "{a} missing from {log:?}");
    }
    let history = t.engine.rotation_history(&root(), "prod/db").await.unwrap();
    let names: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        names,
        ["RotationSucceeded", "RotateSecret", "RotationStarted"]
    );
    // No value leaks into the audit log.
    let new_password = new["password"].as_str().unwrap().to_owned();
    for e in audit_log(&t).await {
        assert!(!e.details.contains(&new_password) && !e.details.contains("old-password"));
    }
}

#[tokio::test]
async fn a_plain_text_secret_becomes_the_new_password() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "prod/db".into(),
                value: Some(text("hunter2")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.engine
        .rotate_secret(&root(), rotate(GENERATED, "p1"))
        .await
        .unwrap();
    t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    let v = current_text(&t, "prod/db").await;
    assert_eq!(v.len(), 32);
    assert_ne!(v, "hunter2");
}

#[tokio::test]
async fn awss_errors() {
    let t = store_with_secret().await;
    let mut no_arn = rotate(GENERATED, "e1");
    no_arn.rotation_lambda_arn = None;
    expect_err(
        t.engine.rotate_secret(&root(), no_arn).await,
        ErrorCode::InvalidRequest,
        Some("No Lambda rotation function ARN is associated with this secret."),
    );
    expect_err(
        t.engine
            .rotate_secret(
                &root(),
                rotate("arn:aws:lambda:us-east-1:123456789012:function:nope", "e2"),
            )
            .await,
        ErrorCode::ResourceNotFound,
        None,
    );
    expect_err(
        t.engine.cancel_rotate_secret(&root(), "prod/db").await,
        ErrorCode::InvalidRequest,
        Some(
            "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
        ),
    );
    let mut short = rotate(GENERATED, "e3");
    short.client_request_token = Some("short".into());
    expect_err(
        t.engine.rotate_secret(&root(), short).await,
        ErrorCode::InvalidParameter,
        None,
    );
    let mut missing = rotate(GENERATED, "e4");
    missing.secret_id = "nope".into();
    expect_err(
        t.engine.rotate_secret(&root(), missing).await,
        ErrorCode::ResourceNotFound,
        Some("Secrets Manager can't find the specified secret."),
    );
    // The stored ARN is used when the call names none.
    t.engine
        .rotate_secret(&root(), rotate(GENERATED, "e5"))
        .await
        .unwrap();
    t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    let mut again = rotate(GENERATED, "e6");
    again.rotation_lambda_arn = None;
    t.engine.rotate_secret(&root(), again).await.unwrap();
    // A secret scheduled for deletion.
    t.engine
        .delete_secret(
            &root(),
            coffer_engine::DeleteSecretInput {
                secret_id: "prod/db".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    expect_err(
        t.engine
            .rotate_secret(&root(), rotate(GENERATED, "e7"))
            .await,
        ErrorCode::InvalidRequest,
        Some("You can't perform this operation on the secret because it was marked for deletion."),
    );
}

#[tokio::test]
async fn a_previous_rotation_that_is_not_complete_refuses_another() {
    let t = store_with_secret().await;
    t.engine
        .rotate_secret(&root(), rotate(GENERATED, "a1"))
        .await
        .unwrap();
    // The same token again is the same request (an SDK retry).
    let again = t
        .engine
        .rotate_secret(&root(), rotate(GENERATED, "a1"))
        .await
        .unwrap();
    assert_eq!(again.version_id, token("a1"));
    expect_err(
        t.engine
            .rotate_secret(&root(), rotate(GENERATED, "a2"))
            .await,
        ErrorCode::InvalidRequest,
        Some("A previous rotation isn't complete. That rotation will be reattempted."),
    );
}

#[tokio::test]
async fn two_concurrent_rotations_one_runs_the_other_gets_awss_error() {
    let t = store_with_secret().await;
    let ctx = root();
    let (a, b) = tokio::join!(
        t.engine.rotate_secret(&ctx, rotate(GENERATED, "c1")),
        t.engine.rotate_secret(&ctx, rotate(GENERATED, "c2")),
    );
    let (ok, err) = match (a, b) {
        (Ok(o), Err(e)) | (Err(e), Ok(o)) => (o, e),
        other => panic!("expected one success and one error, got {other:?}"),
    };
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(
        err.message(),
        "A previous rotation isn't complete. That rotation will be reattempted."
    );
    // Two drivers of the one rotation: the steps run once, and it succeeds.
    let (r1, r2) = tokio::join!(
        t.engine.run_rotation(&ctx, "prod/db"),
        t.engine.run_rotation(&ctx, "prod/db"),
    );
    let runs = [r1.unwrap(), r2.unwrap()];
    assert!(
        runs.contains(&RotationRun::Succeeded {
            version_id: ok.version_id.clone()
        }),
        "{runs:?}"
    );
    let succeeded = actions(&t)
        .await
        .iter()
        .filter(|a| *a == "RotationSucceeded")
        .count();
    assert_eq!(succeeded, 1);
    assert_eq!(stages(&t, "prod/db").await[&ok.version_id], ["AWSCURRENT"]);
}

#[tokio::test]
async fn a_failure_at_each_step_leaves_awscurrent_on_the_working_value() {
    for step in RotationStep::ALL {
        let t = store_with_secret().await;
        let faulty = Arc::new(Faulty::new(step, 1));
        t.engine.set_rotators(registry_with(faulty.clone()));
        t.engine
            .rotate_secret(&root(), rotate(FAULTY, "f1"))
            .await
            .unwrap();
        let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
        let RotationRun::Failed {
            step: failed,
            retry_at,
            ..
        } = run
        else {
            panic!("{step}: expected a failure, got {run:?}");
        };
        assert_eq!(failed, step);
        let waited = retry_at - t.engine.now();
        assert!(
            (10_000..=11_000).contains(&waited.num_milliseconds()),
            "{step}: first retry after {waited}"
        );
        // AWSCURRENT is still the old, working value.
        assert_eq!(current_text(&t, "prod/db").await, JSON_SECRET, "{step}");
        let labels = stages(&t, "prod/db").await;
        assert_eq!(labels[&token("v1")], ["AWSCURRENT"]);
        let status = t.engine.rotation_status(&root(), "prod/db").await.unwrap();
        assert_eq!(status.state, RotationState::Failed);
        assert_eq!(status.attempts, 1);
        assert!(
            status
                .last_error
                .as_deref()
                .unwrap()
                .contains("the database is down")
        );
        // A real rotation's failure is RotationFailed at every step (TestRotationFailed is
        // the configuration test's, RotateImmediately=false).
        let wanted = "RotationFailed";
        let failure = audit_log(&t)
            .await
            .into_iter()
            .find(|e| e.action == wanted)
            .unwrap_or_else(|| panic!("{step}: no {wanted} event"));
        assert_eq!(failure.outcome, "error");
        assert_eq!(failure.error_code.as_deref(), Some("TargetUnreachable"));
        // Before the retry is due the scheduler would not run it; an explicit run does.
        let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
        assert_eq!(
            run,
            RotationRun::Succeeded {
                version_id: token("f1")
            },
            "{step}"
        );
        assert_ne!(current_text(&t, "prod/db").await, JSON_SECRET);
        assert_eq!(
            t.engine
                .rotation_status(&root(), "prod/db")
                .await
                .unwrap()
                .state,
            RotationState::Idle
        );
    }
}

#[tokio::test]
async fn a_rejected_password_is_replaced_by_a_fresh_one_in_a_new_version() {
    let t = store_with_secret().await;
    let mut faulty = Faulty::new(RotationStep::SetSecret, 1);
    faulty.rejected = true;
    t.engine.set_rotators(registry_with(Arc::new(faulty)));
    t.engine
        .rotate_secret(&root(), rotate(FAULTY, "j1"))
        .await
        .unwrap();
    let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    assert!(matches!(
        run,
        RotationRun::Failed {
            step: RotationStep::SetSecret,
            ..
        }
    ));
    let rejected_value = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                version_id: Some(token("j1")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let status = t.engine.rotation_status(&root(), "prod/db").await.unwrap();
    let fresh = status.pending_version_id.unwrap();
    assert_ne!(
        fresh,
        token("j1"),
        "the retry prepares a new AWSPENDING version"
    );
    assert_eq!(status.step, Some(RotationStep::CreateSecret));
    let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    assert_eq!(run, RotationRun::Succeeded { version_id: fresh });
    assert_ne!(
        current_text(&t, "prod/db").await,
        rejected_value.value.as_str().unwrap(),
        "the rejected password was used again"
    );
}

#[tokio::test]
async fn a_kill_between_test_and_finish_resumes_at_finish() {
    let t = store_with_secret().await;
    let mut hanging = Faulty::new(RotationStep::FinishSecret, 1);
    hanging.hang = true;
    let hanging = Arc::new(hanging);
    t.engine.set_rotators(registry_with(hanging.clone()));
    t.engine
        .rotate_secret(&root(), rotate(FAULTY, "k1"))
        .await
        .unwrap();
    // The "process" dies while finishSecret runs: its future is dropped mid-step.
    let cut = tokio::time::timeout(
        Duration::from_millis(500),
        t.engine.run_rotation(&root(), "prod/db"),
    )
    .await;
    assert!(cut.is_err(), "the hanging step returned");
    assert_eq!(hanging.calls.load(Ordering::SeqCst), 4);
    assert_eq!(
        current_text(&t, "prod/db").await,
        JSON_SECRET,
        "AWSCURRENT moved early"
    );

    // A new process opens the store.
    let clock = t.clock.clone();
    let engine = Engine::open(&t.path(), Arc::new(clock.clone()))
        .await
        .unwrap();
    engine.unseal(&Password::from(PASSWORD)).await.unwrap();
    let resumed = Arc::new(Faulty::new(RotationStep::CreateSecret, 0));
    engine.set_rotators(registry_with(resumed.clone()));
    let status = engine.rotation_status(&root(), "prod/db").await.unwrap();
    assert_eq!(status.step, Some(RotationStep::FinishSecret));
    // The dead process's lease holds the job until it expires.
    let run = engine.run_rotation(&root(), "prod/db").await.unwrap();
    assert!(matches!(run, RotationRun::NotDue { .. }), "{run:?}");
    clock.advance(chrono::Duration::minutes(6));
    let run = engine.run_rotation(&root(), "prod/db").await.unwrap();
    assert_eq!(
        run,
        RotationRun::Succeeded {
            version_id: token("k1")
        }
    );
    assert_eq!(
        resumed.calls.load(Ordering::SeqCst),
        1,
        "only finishSecret ran again"
    );
    engine.close().await;
}

#[tokio::test]
async fn moving_awspending_away_abandons_the_rotation_cleanly() {
    let t = store_with_secret().await;
    t.engine
        .rotate_secret(&root(), rotate(GENERATED, "b1"))
        .await
        .unwrap();
    t.engine
        .update_secret_version_stage(
            &root(),
            UpdateSecretVersionStageInput {
                secret_id: "prod/db".into(),
                version_stage: "AWSPENDING".into(),
                remove_from_version_id: Some(token("b1")),
                move_to_version_id: None,
            },
        )
        .await
        .unwrap();
    let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    assert!(matches!(run, RotationRun::Abandoned { .. }), "{run:?}");
    assert!(actions(&t).await.iter().any(|a| a == "RotationAbandoned"));
    assert_eq!(current_text(&t, "prod/db").await, JSON_SECRET);
    assert_eq!(
        t.engine.run_rotation(&root(), "prod/db").await.unwrap(),
        RotationRun::NoJob
    );
    // And a new rotation may start.
    t.engine
        .rotate_secret(&root(), rotate(GENERATED, "b2"))
        .await
        .unwrap();
}

#[tokio::test]
async fn cancel_turns_rotation_off_and_keeps_the_rules() {
    let t = store_with_secret().await;
    t.engine
        .rotate_secret(&root(), rotate(GENERATED, "x1"))
        .await
        .unwrap();
    let out = t
        .engine
        .cancel_rotate_secret(&root(), "prod/db")
        .await
        .unwrap();
    assert_eq!(out.version_id.as_deref(), Some(token("x1").as_str()));
    let d = t.engine.describe_secret(&root(), "prod/db").await.unwrap();
    let r = d.rotation.unwrap();
    assert!(!r.enabled);
    assert_eq!(r.rules.automatically_after_days, Some(30));
    assert_eq!(r.lambda_arn.as_deref(), Some(GENERATED));
    assert!(r.next_rotation_date.is_none());
    assert!(actions(&t).await.iter().any(|a| a == "RotationAbandoned"));
    assert_eq!(
        t.engine.run_rotation(&root(), "prod/db").await.unwrap(),
        RotationRun::NoJob
    );
    // As on AWS, the AWSPENDING version is left for the caller to clean up.
    expect_err(
        t.engine
            .rotate_secret(&root(), rotate(GENERATED, "x2"))
            .await,
        ErrorCode::InvalidRequest,
        Some("A previous rotation isn't complete. That rotation will be reattempted."),
    );
}

/// RotateImmediately=false: AWS tests the configuration (testSecret alone, on an
/// AWSPENDING version it then removes) and leaves the rotation to the next window.
#[tokio::test]
async fn rotate_immediately_false_tests_the_configuration_and_waits_for_the_window() {
    let t = store_with_secret().await;
    let mut input = rotate(GENERATED, "n1");
    input.rotate_immediately = Some(false);
    t.engine.rotate_secret(&root(), input).await.unwrap();
    assert_eq!(stages(&t, "prod/db").await[&token("n1")], ["AWSPENDING"]);
    let pending = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                version_stage: Some("AWSPENDING".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pending.value.as_str(), Some(JSON_SECRET));
    assert_eq!(
        t.engine.run_rotation(&root(), "prod/db").await.unwrap(),
        RotationRun::Tested { error: None }
    );
    let labels = stages(&t, "prod/db").await;
    assert!(!labels.contains_key(&token("n1")), "{labels:?}");
    assert_eq!(labels[&token("v1")], ["AWSCURRENT"]);
    assert_eq!(current_text(&t, "prod/db").await, JSON_SECRET);
    let status = t.engine.rotation_status(&root(), "prod/db").await.unwrap();
    assert_eq!(status.state, RotationState::Idle);
    assert_eq!(status.next_runs.len(), 5);
    assert_eq!(
        status.next_runs[0].to_rfc3339(),
        "2026-01-31T00:00:00+00:00"
    );
    assert_eq!(
        t.engine.run_rotation(&root(), "prod/db").await.unwrap(),
        RotationRun::NoJob
    );
    let acts = actions(&t).await;
    for a in ["TestRotationStarted", "TestRotationSucceeded"] {
        assert!(acts.iter().any(|x| x == a), "no {a} in {acts:?}");
    }
    for a in ["RotationStarted", "RotationSucceeded"] {
        assert!(!acts.iter().any(|x| x == a), "{a} in {acts:?}");
    }
}

/// A configuration test that fails is recorded as TestRotationFailed and not retried: the
/// schedule stands and AWSCURRENT never moved.
#[tokio::test]
async fn a_failed_configuration_test_is_recorded_and_not_retried() {
    let t = store_with_secret().await;
    let faulty = Arc::new(Faulty::new(RotationStep::TestSecret, 1));
    t.engine.set_rotators(registry_with(faulty.clone()));
    let mut input = rotate(FAULTY, "n2");
    input.rotate_immediately = Some(false);
    t.engine.rotate_secret(&root(), input).await.unwrap();
    let run = t.engine.run_rotation(&root(), "prod/db").await.unwrap();
    let RotationRun::Tested { error: Some(error) } = run else {
        panic!("expected a failed test, got {run:?}");
    };
    assert!(error.contains("the database is down"), "{error}");
    assert_eq!(
        faulty.calls.load(Ordering::SeqCst),
        1,
        "only testSecret ran"
    );
    let failure = audit_log(&t)
        .await
        .into_iter()
        .find(|e| e.action == "TestRotationFailed")
        .expect("a TestRotationFailed event");
    assert_eq!(failure.outcome, "error");
    assert_eq!(failure.error_code.as_deref(), Some("TargetUnreachable"));
    let labels = stages(&t, "prod/db").await;
    assert!(!labels.contains_key(&token("n2")), "{labels:?}");
    assert_eq!(current_text(&t, "prod/db").await, JSON_SECRET);
    let status = t.engine.rotation_status(&root(), "prod/db").await.unwrap();
    assert_eq!(status.state, RotationState::Idle);
    assert_eq!(status.enabled, Some(true));
    assert_eq!(
        t.engine.run_rotation(&root(), "prod/db").await.unwrap(),
        RotationRun::NoJob
    );
}

#[tokio::test]
async fn the_api_speaks_awss_shapes() {
    let t = store_with_secret().await;
    let body = format!(
        r#"{{"SecretId":"prod/db","ClientRequestToken":"{}","RotationLambdaARN":"{GENERATED}","RotationRules":{{"ScheduleExpression":"rate(10 days)","Duration":"2h"}}}}"#,
        token("w1")
    );
    let out = coffer_api::secretsmanager::call(&t.engine, &root(), "RotateSecret", body.as_bytes())
        .await
        .unwrap();
    assert_eq!(out["VersionId"], token("w1"));
    assert!(out["ARN"].as_str().unwrap().contains(":secret:prod/db-"));
    coffer_api::rotation::run_now(&t.engine, &root(), "prod/db")
        .await
        .unwrap();
    let d = coffer_api::secretsmanager::call(
        &t.engine,
        &root(),
        "DescribeSecret",
        br#"{"SecretId":"prod/db"}"#,
    )
    .await
    .unwrap();
    assert_eq!(d["RotationEnabled"], true);
    assert_eq!(d["RotationLambdaARN"], GENERATED);
    assert_eq!(
        d["RotationRules"],
        serde_json::json!({"ScheduleExpression":"rate(10 days)","Duration":"2h"})
    );
    assert!(d["LastRotatedDate"].is_number());
    assert!(d["NextRotationDate"].is_number());
    let list = coffer_api::secretsmanager::call(&t.engine, &root(), "ListSecrets", b"{}")
        .await
        .unwrap();
    assert_eq!(list["SecretList"][0]["RotationEnabled"], true);
    let c = coffer_api::secretsmanager::call(
        &t.engine,
        &root(),
        "CancelRotateSecret",
        br#"{"SecretId":"prod/db"}"#,
    )
    .await
    .unwrap();
    assert!(
        c.get("VersionId").is_none(),
        "no rotation was in flight: {c}"
    );
    let err = coffer_api::secretsmanager::call(
        &t.engine,
        &root(),
        "RotateSecret",
        br#"{"SecretId":"prod/db","RotationRules":{"AutomaticallyAfterDays":5,"ScheduleExpression":"rate(5 days)"}}"#,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, "InvalidParameterException");
    assert_eq!(
        err.message,
        "You cannot specify both rotation frequency and schedule expression together."
    );
    let h = coffer_api::rotation::history(&t.engine, &root(), "prod/db")
        .await
        .unwrap();
    assert_eq!(h["Events"][0]["Action"], "CancelRotateSecret");
}

#[tokio::test]
async fn rotation_is_authorized_with_the_rotation_lambda_arn_condition() {
    let t = store_with_secret().await;
    use coffer_engine::{PrincipalKind, RequestContext, Source};
    t.engine
        .create_principal(&root(), PrincipalKind::User, "ops", None, Vec::new())
        .await
        .unwrap();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"secretsmanager:RotateSecret","Resource":"*","Condition":{{"StringEquals":{{"secretsmanager:RotationLambdaARN":"{GENERATED}"}}}}}},{{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}}]}}"#
    );
    t.engine
        .put_principal_policy(&root(), PrincipalKind::User, "ops", "rotate", &policy)
        .await
        .unwrap();
    let ops = RequestContext::principal(Source::Api, "arn:aws:iam::123456789012:user/ops");
    let other = "arn:aws:lambda:us-east-1:123456789012:function:other";
    expect_err(
        t.engine.rotate_secret(&ops, rotate(other, "z1")).await,
        ErrorCode::AccessDenied,
        None,
    );
    t.engine
        .rotate_secret(&ops, rotate(GENERATED, "z2"))
        .await
        .unwrap();
    expect_err(
        t.engine.cancel_rotate_secret(&ops, "prod/db").await,
        ErrorCode::AccessDenied,
        None,
    );
}
