//! Rotation schedules against AWS's documented examples (reference §7.7, security
//! checklist G.55): every `rate()`/`cron()` example computes the window starts the
//! calendar says, and every invalid form is refused with AWS's error code. The table is
//! `tests/data/rotation_schedules.json`; the same rules are then checked through
//! RotateSecret, the CLI-facing `next runs`, and DescribeSecret's NextRotationDate.

use chrono::{DateTime, Utc};
use coffer_engine::rotation::{RotationRules, Schedule};
use coffer_engine::{CreateSecretInput, Engine, ErrorCode};
use serde_json::Value;

use crate::engine_support::data;
use crate::support::{TestStore, root, text};

fn rules(v: &Value) -> RotationRules {
    RotationRules {
        automatically_after_days: v.get("AutomaticallyAfterDays").and_then(Value::as_i64),
        duration: v.get("Duration").and_then(Value::as_str).map(str::to_owned),
        schedule_expression: v
            .get("ScheduleExpression")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad time {s}: {e}"))
        .with_timezone(&Utc)
}

#[test]
fn every_aws_example_computes_the_documented_window_starts() {
    let table = data("rotation_schedules.json");
    let after = time(table["after"].as_str().unwrap());
    let cases = table["valid"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let r = rules(&case["rules"]);
        let s = Schedule::from_rules(&r)
            .unwrap_or_else(|e| panic!("{r:?} refused: {e}"))
            .expect("a schedule");
        let want: Vec<DateTime<Utc>> = case["next"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| time(t.as_str().unwrap()))
            .collect();
        assert_eq!(s.next_runs(after, want.len()), want, "{r:?}");
        assert_eq!(
            s.window().num_hours(),
            case["window_hours"].as_i64().unwrap(),
            "window of {r:?}"
        );
    }
}

#[test]
fn every_invalid_form_is_refused_with_awss_error() {
    let table = data("rotation_schedules.json");
    let cases = table["invalid"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let r = rules(&case["rules"]);
        let err = match Schedule::from_rules(&r) {
            Ok(s) => panic!("{r:?} accepted: {s:?}"),
            Err(e) => e,
        };
        assert_eq!(
            err.code().as_str(),
            case["code"].as_str().unwrap(),
            "{r:?}: {err}"
        );
        let contains = case["contains"].as_str().unwrap();
        assert!(
            err.message().contains(contains),
            "{r:?}: message {:?} lacks {contains:?}",
            err.message()
        );
    }
}

#[test]
fn next_runs_for_the_cli_are_the_engines() {
    let after = time("2026-01-01T00:00:00Z");
    let runs = Engine::next_rotation_runs("cron(0 12 ? * 6L *)", None, after, 5).unwrap();
    assert_eq!(runs.len(), 5);
    assert_eq!(runs[4], time("2026-05-29T12:00:00Z"));
    let json = coffer_api::rotation::next_runs("rate(4 hours)", None, after, 2).unwrap();
    assert_eq!(
        json["NextRuns"],
        serde_json::json!(["2026-01-01T04:00:00+00:00", "2026-01-01T08:00:00+00:00"])
    );
    let err = coffer_api::rotation::next_runs("cron(0 10 15 * MON *)", None, after, 5).unwrap_err();
    assert_eq!(err.code, "InvalidParameterException");
}

#[tokio::test]
async fn rotate_secret_refuses_invalid_rules_before_changing_anything() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "app/db".into(),
                value: Some(text("v")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let arn = t.engine.rotator_arn("us-east-1", "coffer-generated-value");
    let table = data("rotation_schedules.json");
    for case in table["invalid"].as_array().unwrap() {
        let r = t
            .engine
            .rotate_secret(
                &root(),
                coffer_engine::rotation::RotateSecretInput {
                    secret_id: "app/db".into(),
                    rotation_lambda_arn: Some(arn.clone()),
                    rotation_rules: Some(rules(&case["rules"])),
                    ..Default::default()
                },
            )
            .await;
        let err = r.expect_err("invalid rules accepted");
        assert_eq!(err.code().as_str(), case["code"].as_str().unwrap());
    }
    let d = t.engine.describe_secret(&root(), "app/db").await.unwrap();
    assert!(
        d.rotation.is_none(),
        "a refused RotateSecret configured rotation"
    );
    assert_eq!(
        ErrorCode::InvalidParameter.as_str(),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn next_rotation_date_follows_the_schedule() {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "k".into(),
                value: Some(text("v")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.engine
        .rotate_secret(
            &root(),
            coffer_engine::rotation::RotateSecretInput {
                secret_id: "k".into(),
                rotation_lambda_arn: Some(
                    t.engine.rotator_arn("us-east-1", "coffer-generated-value"),
                ),
                rotation_rules: Some(RotationRules {
                    schedule_expression: Some("cron(0 17 L * ? *)".into()),
                    ..Default::default()
                }),
                rotate_immediately: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let status = t.engine.rotation_status(&root(), "k").await.unwrap();
    assert_eq!(
        status.next_runs,
        [
            "2026-01-31T17:00:00Z",
            "2026-02-28T17:00:00Z",
            "2026-03-31T17:00:00Z",
            "2026-04-30T17:00:00Z",
            "2026-05-31T17:00:00Z"
        ]
        .map(time)
    );
    let body = coffer_api::secretsmanager::call(
        &t.engine,
        &root(),
        "DescribeSecret",
        br#"{"SecretId":"k"}"#,
    )
    .await
    .unwrap();
    assert_eq!(body["RotationEnabled"], true);
    assert_eq!(body["NextRotationDate"], 1_769_878_800);
    assert_eq!(
        body["RotationRules"]["ScheduleExpression"],
        "cron(0 17 L * ? *)"
    );
    assert!(body.get("LastRotatedDate").is_none());
}
