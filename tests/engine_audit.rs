//! The audit log as the engine writes it: every operation — succeeded, failed or denied —
//! writes exactly one event; a failed operation changes nothing else in the store; the
//! query filters (time range, principal, action, secret, outcome, decision, free text,
//! paging) select the right events; the MAC chain verifies; no secret value is ever logged.

use chrono::{DateTime, Duration, Utc};
use coffer_crypto::password::PasswordRules;
use coffer_engine::{
    AuditEvent, AuditFilter, BatchGetSecretValueInput, CreateSecretInput, DeleteSecretInput,
    GetSecretValueInput, KdfParams, ListSecretVersionIdsInput, ListSecretsInput, Password,
    Principal, PutSecretValueInput, RequestContext, Tag, UpdateSecretInput,
    UpdateSecretVersionStageInput,
};

use crate::engine_support::{audit_mark, audit_since, create, put, raw_pool};
use crate::support::{PASSWORD, TestStore, root, text, token};

/// Runs `$call`, then asserts it wrote exactly one event, for `$action`, with `$outcome`
/// (`"ok"` / `"error"`); evaluates to `(result.ok(), event)`.
macro_rules! audited {
    ($t:expr, $action:expr, $outcome:expr, $call:expr) => {{
        let mark = audit_mark($t).await;
        let result = $call.await;
        let mut events = audit_since($t, mark).await;
        assert_eq!(
            events.len(),
            1,
            "{} wrote {} events: {:#?}",
            $action,
            events.len(),
            events
        );
        let event = events.remove(0);
        assert_eq!(event.action, $action);
        assert_eq!(event.outcome, $outcome, "{}: {:?}", $action, event);
        assert_eq!(
            result.is_ok(),
            $outcome == "ok",
            "{}: result disagrees with the event",
            $action
        );
        (result.ok(), event)
    }};
}

fn user(name: &str) -> RequestContext {
    RequestContext {
        principal: Principal::Arn(format!("arn:aws:iam::123456789012:user/{name}")),
        ..root()
    }
}

fn get_input(id: &str) -> GetSecretValueInput {
    GetSecretValueInput {
        secret_id: id.into(),
        ..Default::default()
    }
}

fn put_input(id: &str, tag: &str, stages: Option<Vec<String>>) -> PutSecretValueInput {
    PutSecretValueInput {
        secret_id: id.into(),
        client_request_token: Some(token(tag)),
        value: Some(text(&format!("value-{tag}"))),
        version_stages: stages,
        ..Default::default()
    }
}

fn stage_input(
    id: &str,
    label: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> UpdateSecretVersionStageInput {
    UpdateSecretVersionStageInput {
        secret_id: id.into(),
        version_stage: label.into(),
        remove_from_version_id: from.map(token),
        move_to_version_id: to.map(token),
    }
}

fn delete_input(id: &str, force: bool) -> DeleteSecretInput {
    DeleteSecretInput {
        secret_id: id.into(),
        force_delete_without_recovery: Some(force),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_new_store_starts_its_log_with_init_store() {
    let t = TestStore::new().await;
    let log = crate::engine_support::audit_log(&t).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].seq, 1);
    assert_eq!(log[0].action, "InitStore");
    assert_eq!(log[0].outcome, "ok");
}

#[tokio::test]
async fn every_secret_operation_writes_exactly_one_event() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let ctx = root();

    let (r, ev) = audited!(
        &t,
        "CreateSecret",
        "ok",
        e.create_secret(
            &ctx,
            CreateSecretInput {
                name: "a".into(),
                client_request_token: Some(token("v1")),
                value: Some(text("value-v1")),
                ..Default::default()
            }
        )
    );
    let arn = r.unwrap().arn;
    assert_eq!(ev.resource_arn.as_deref(), Some(arn.as_str()));
    assert_eq!(ev.version_id, Some(token("v1")));
    assert_eq!(
        (
            ev.decision.as_str(),
            ev.principal.as_str(),
            ev.source.as_str()
        ),
        ("allowed", "root", "cli")
    );
    assert_eq!(ev.region.as_deref(), Some("us-east-1"));
    assert_eq!(ev.error_code, None);

    let (_, ev) = audited!(
        &t,
        "CreateSecret",
        "error",
        e.create_secret(
            &ctx,
            CreateSecretInput {
                name: "a".into(),
                value: Some(text("x")),
                ..Default::default()
            }
        )
    );
    assert_eq!(ev.error_code.as_deref(), Some("ResourceExistsException"));
    assert_eq!(ev.resource_arn.as_deref(), Some(arn.as_str()));
    let (_, ev) = audited!(
        &t,
        "CreateSecret",
        "error",
        e.create_secret(
            &ctx,
            CreateSecretInput {
                name: "bad name".into(),
                ..Default::default()
            }
        )
    );
    assert_eq!(ev.error_code.as_deref(), Some("ValidationException"));

    let (_, ev) = audited!(
        &t,
        "PutSecretValue",
        "ok",
        e.put_secret_value(&ctx, put_input("a", "v2", None))
    );
    assert_eq!(ev.version_id, Some(token("v2")));
    audited!(
        &t,
        "PutSecretValue",
        "error",
        e.put_secret_value(&ctx, put_input("nope", "v2", None))
    );
    audited!(
        &t,
        "UpdateSecret",
        "ok",
        e.update_secret(
            &ctx,
            UpdateSecretInput {
                secret_id: "a".into(),
                description: Some("d".into()),
                ..Default::default()
            }
        )
    );
    audited!(
        &t,
        "UpdateSecret",
        "error",
        e.update_secret(
            &ctx,
            UpdateSecretInput {
                secret_id: "a".into(),
                client_request_token: Some(token("v1")),
                value: Some(text("conflict")),
                ..Default::default()
            }
        )
    );
    audited!(
        &t,
        "UpdateSecretVersionStage",
        "ok",
        e.update_secret_version_stage(&ctx, stage_input("a", "blue", None, Some("v1")))
    );
    let (_, ev) = audited!(
        &t,
        "UpdateSecretVersionStage",
        "error",
        e.update_secret_version_stage(&ctx, stage_input("a", "AWSCURRENT", None, Some("v1")))
    );
    assert_eq!(ev.error_code.as_deref(), Some("InvalidParameterException"));
    assert!(
        ev.details.contains("RemoveFromVersionId"),
        "the message is kept: {}",
        ev.details
    );

    let (_, ev) = audited!(
        &t,
        "GetSecretValue",
        "ok",
        e.get_secret_value(&ctx, get_input("a"))
    );
    assert_eq!(ev.version_id, Some(token("v2")));
    let (_, ev) = audited!(
        &t,
        "GetSecretValue",
        "error",
        e.get_secret_value(&ctx, get_input("nope"))
    );
    assert_eq!(ev.error_code.as_deref(), Some("ResourceNotFoundException"));
    // A batch with a per-secret failure is still one successful call.
    audited!(
        &t,
        "BatchGetSecretValue",
        "ok",
        e.batch_get_secret_value(
            &ctx,
            BatchGetSecretValueInput {
                secret_id_list: Some(vec!["a".into(), "nope".into()]),
                ..Default::default()
            }
        )
    );
    audited!(
        &t,
        "BatchGetSecretValue",
        "error",
        e.batch_get_secret_value(&ctx, BatchGetSecretValueInput::default())
    );
    audited!(&t, "DescribeSecret", "ok", e.describe_secret(&ctx, "a"));
    audited!(
        &t,
        "DescribeSecret",
        "error",
        e.describe_secret(&ctx, "nope")
    );
    audited!(
        &t,
        "ListSecrets",
        "ok",
        e.list_secrets(&ctx, ListSecretsInput::default())
    );
    audited!(
        &t,
        "ListSecrets",
        "error",
        e.list_secrets(
            &ctx,
            ListSecretsInput {
                max_results: Some(0),
                ..Default::default()
            }
        )
    );
    audited!(
        &t,
        "ListSecretVersionIds",
        "ok",
        e.list_secret_version_ids(
            &ctx,
            ListSecretVersionIdsInput {
                secret_id: "a".into(),
                ..Default::default()
            }
        )
    );
    audited!(
        &t,
        "ListSecretVersionIds",
        "error",
        e.list_secret_version_ids(
            &ctx,
            ListSecretVersionIdsInput {
                secret_id: "nope".into(),
                ..Default::default()
            }
        )
    );
    audited!(
        &t,
        "TagResource",
        "ok",
        e.tag_resource(&ctx, "a", vec![Tag::new("k", "v")])
    );
    audited!(
        &t,
        "TagResource",
        "error",
        e.tag_resource(&ctx, "a", vec![Tag::new("aws:x", "v")])
    );
    audited!(
        &t,
        "UntagResource",
        "ok",
        e.untag_resource(&ctx, "a", vec!["k".into()])
    );
    audited!(
        &t,
        "UntagResource",
        "error",
        e.untag_resource(&ctx, "nope", vec!["k".into()])
    );
    audited!(
        &t,
        "DeleteSecret",
        "ok",
        e.delete_secret(&ctx, delete_input("a", false))
    );
    audited!(
        &t,
        "DeleteSecret",
        "error",
        e.delete_secret(&ctx, delete_input("a", false))
    );
    audited!(&t, "RestoreSecret", "ok", e.restore_secret(&ctx, "a"));
    audited!(&t, "RestoreSecret", "error", e.restore_secret(&ctx, "nope"));
    audited!(
        &t,
        "DeleteSecret",
        "ok",
        e.delete_secret(&ctx, delete_input("nope", true))
    );
    audited!(
        &t,
        "GetRandomPassword",
        "ok",
        e.get_random_password(&ctx, PasswordRules::default())
    );
    audited!(
        &t,
        "GetRandomPassword",
        "error",
        e.get_random_password(
            &ctx,
            PasswordRules {
                length: 0,
                ..Default::default()
            }
        )
    );
}

#[tokio::test]
async fn every_key_and_store_operation_writes_exactly_one_event() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let ctx = root();
    let (k, ev) = audited!(
        &t,
        "CreateKey",
        "ok",
        e.create_key(&ctx, None, Some("alias/k".into()))
    );
    let k = k.unwrap();
    assert_eq!(ev.resource_arn.as_deref(), Some(k.arn.as_str()));
    audited!(
        &t,
        "CreateKey",
        "error",
        e.create_key(&ctx, None, Some("alias/k".into()))
    );
    audited!(&t, "ListKeys", "ok", e.list_keys(&ctx));
    audited!(&t, "DescribeKey", "ok", e.describe_key(&ctx, "alias/k"));
    audited!(
        &t,
        "DescribeKey",
        "error",
        e.describe_key(&ctx, "alias/none")
    );
    audited!(
        &t,
        "DisableKey",
        "ok",
        e.set_key_enabled(&ctx, "alias/k", false)
    );
    audited!(
        &t,
        "RotateKeyOnDemand",
        "error",
        e.rotate_key(&ctx, "alias/k")
    );
    audited!(
        &t,
        "EnableKey",
        "ok",
        e.set_key_enabled(&ctx, "alias/k", true)
    );
    let (_, ev) = audited!(&t, "RotateKeyOnDemand", "ok", e.rotate_key(&ctx, "alias/k"));
    assert!(ev.details.contains("materialVersion"), "{}", ev.details);
    audited!(
        &t,
        "DisableKey",
        "error",
        e.set_key_enabled(&ctx, "alias/aws/secretsmanager", false)
    );
    audited!(
        &t,
        "ChangeMasterPassword",
        "error",
        e.change_password(
            &ctx,
            &Password::from("not the password"),
            &Password::from("new"),
            None
        )
    );
    audited!(
        &t,
        "ChangeMasterPassword",
        "ok",
        e.change_password(
            &ctx,
            &Password::from(PASSWORD),
            &Password::from("new one"),
            Some(KdfParams::for_tests())
        )
    );
    audited!(
        &t,
        "ListAuditEvents",
        "ok",
        e.query_audit(&ctx, &AuditFilter::default())
    );
    audited!(
        &t,
        "ListAuditEvents",
        "error",
        e.query_audit(
            &ctx,
            &AuditFilter {
                next_token: Some("bogus".into()),
                ..Default::default()
            }
        )
    );
    let (r, ev) = audited!(&t, "VerifyAuditLog", "ok", e.verify_audit(&ctx));
    assert!(r.unwrap().is_intact());
    assert!(ev.details.contains("\"intact\":true"), "{}", ev.details);
}

#[tokio::test]
async fn denied_and_rejected_requests_are_audited_with_their_decision() {
    let t = TestStore::new().await;
    create(&t, "guarded", "v1").await;
    let bob = user("bob");
    let (_, ev) = audited!(
        &t,
        "GetSecretValue",
        "error",
        t.engine.get_secret_value(&bob, get_input("guarded"))
    );
    assert_eq!(ev.decision, "denied");
    assert_eq!(ev.principal, "arn:aws:iam::123456789012:user/bob");
    assert_eq!(ev.error_code.as_deref(), Some("AccessDeniedException"));
    assert_eq!(
        ev.resource_arn, None,
        "authorization runs before the lookup"
    );
    let (_, ev) = audited!(
        &t,
        "PutSecretValue",
        "error",
        t.engine
            .put_secret_value(&bob, put_input("guarded", "v2", None))
    );
    assert_eq!(ev.decision, "denied");
    // A request refused before authorization (a bad region) is recorded as not allowed.
    let (_, ev) = audited!(
        &t,
        "GetSecretValue",
        "error",
        t.engine
            .get_secret_value(&root().in_region("Nowhere"), get_input("guarded"))
    );
    assert_eq!(ev.decision, "denied");
    assert_eq!(ev.error_code.as_deref(), Some("ValidationException"));
}

// ---------------------------------------------------------------------------------------
// Failed operations leave the store unchanged

/// Every non-audit table of the store, row by row, as text.
async fn snapshot(t: &TestStore) -> Vec<String> {
    let pool = raw_pool(t).await;
    let mut out = Vec::new();
    for table in [
        "secrets",
        "versions",
        "staging_labels",
        "tags",
        "kms_keys",
        "kms_key_materials",
        "store_meta",
    ] {
        let cols: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(!cols.is_empty(), "table {table} has no columns");
        let expr = cols
            .iter()
            .map(|(c,)| format!("quote({c})"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {expr} FROM {table} ORDER BY 1"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        out.extend(rows.into_iter().map(|(r,)| format!("{table}: {r}")));
    }
    pool.close().await;
    out
}

/// Asserts that `$call` fails and that the store's data is byte-identical afterwards.
macro_rules! changes_nothing {
    ($t:expr, $what:expr, $call:expr) => {{
        let before = snapshot($t).await;
        let r = $call.await;
        assert!(r.is_err(), "{} should fail", $what);
        let after = snapshot($t).await;
        assert_eq!(before, after, "{} changed the store", $what);
    }};
}

#[tokio::test]
async fn failed_operations_leave_the_store_unchanged() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let ctx = root();
    create(&t, "s", "v1").await;
    put(&t, "s", "v2").await;
    // AWSCURRENT + AWSPREVIOUS + 18 custom labels: the quota of 20 is full.
    let eighteen: Vec<String> = (1..=18).map(|i| format!("l{i:02}")).collect();
    e.put_secret_value(&ctx, put_input("s", "v3", Some(eighteen)))
        .await
        .unwrap();
    e.create_key(&ctx, None, Some("off".into())).await.unwrap();
    e.set_key_enabled(&ctx, "alias/off", false).await.unwrap();
    create(&t, "doomed", "d1").await;
    e.delete_secret(&ctx, delete_input("doomed", false))
        .await
        .unwrap();
    t.clock.advance(Duration::days(3));
    assert!(snapshot(&t).await.len() > 10);

    // A new version that would break the label quota: the version row is rolled back.
    changes_nothing!(
        &t,
        "put over the label quota",
        e.put_secret_value(&ctx, put_input("s", "v4", Some(vec!["extra".into()])))
    );
    changes_nothing!(
        &t,
        "label move over the quota",
        e.update_secret_version_stage(&ctx, stage_input("s", "extra", None, Some("v1")))
    );
    // The secret row is inserted before the key is found to be disabled.
    changes_nothing!(
        &t,
        "create under a disabled key",
        e.create_secret(
            &ctx,
            CreateSecretInput {
                name: "new".into(),
                value: Some(text("v")),
                kms_key_id: Some("alias/off".into()),
                tags: vec![Tag::new("t", "v")],
                ..Default::default()
            }
        )
    );
    changes_nothing!(
        &t,
        "create under an unknown key",
        e.create_secret(
            &ctx,
            CreateSecretInput {
                name: "new".into(),
                value: Some(text("v")),
                kms_key_id: Some("alias/none".into()),
                ..Default::default()
            }
        )
    );
    // The description would change before the token conflict is found.
    changes_nothing!(
        &t,
        "update with a conflicting token",
        e.update_secret(
            &ctx,
            UpdateSecretInput {
                secret_id: "s".into(),
                description: Some("changed".into()),
                client_request_token: Some(token("v1")),
                value: Some(text("other")),
                ..Default::default()
            }
        )
    );
    // The key would be switched, and AWSPREVIOUS re-encrypted, before sealing fails.
    changes_nothing!(
        &t,
        "update to a disabled key",
        e.update_secret(
            &ctx,
            UpdateSecretInput {
                secret_id: "s".into(),
                kms_key_id: Some("alias/off".into()),
                ..Default::default()
            }
        )
    );
    changes_nothing!(
        &t,
        "bad label move",
        e.update_secret_version_stage(&ctx, stage_input("s", "AWSCURRENT", None, Some("v1")))
    );
    changes_nothing!(
        &t,
        "mismatched read",
        e.get_secret_value(
            &ctx,
            GetSecretValueInput {
                secret_id: "s".into(),
                version_id: Some(token("v1")),
                version_stage: Some("AWSCURRENT".into()),
            }
        )
    );
    changes_nothing!(
        &t,
        "read of a deleted secret",
        e.get_secret_value(&ctx, get_input("doomed"))
    );
    changes_nothing!(
        &t,
        "second schedule",
        e.delete_secret(&ctx, delete_input("doomed", false))
    );
    changes_nothing!(
        &t,
        "denied force delete",
        e.delete_secret(&user("mallory"), delete_input("s", true))
    );
    changes_nothing!(
        &t,
        "too many tags",
        e.tag_resource(
            &ctx,
            "s",
            (0..51).map(|i| Tag::new(format!("k{i}"), "v")).collect()
        )
    );
    changes_nothing!(
        &t,
        "tag a deleted secret",
        e.tag_resource(&ctx, "doomed", vec![Tag::new("k", "v")])
    );
    changes_nothing!(
        &t,
        "duplicate alias",
        e.create_key(&ctx, None, Some("off".into()))
    );
    changes_nothing!(&t, "rotate a disabled key", e.rotate_key(&ctx, "alias/off"));
    changes_nothing!(
        &t,
        "wrong master password",
        e.change_password(&ctx, &Password::from("wrong"), &Password::from("new"), None)
    );

    // And the log of all that is intact.
    assert!(e.verify_audit(&ctx).await.unwrap().is_intact());
}

// ---------------------------------------------------------------------------------------
// Queries

fn at(h: i64) -> DateTime<Utc> {
    chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 0, 0, 0).unwrap() + Duration::hours(h)
}

fn actions(events: &[AuditEvent]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

async fn query(t: &TestStore, f: AuditFilter) -> Vec<AuditEvent> {
    t.engine.query_audit(&root(), &f).await.unwrap().events
}

/// A store with a known history:
/// 1 InitStore (h0), 2 CreateSecret alpha (h0), 3 PutSecretValue alpha (h1),
/// 4 GetSecretValue ghost → ResourceNotFound (h1), 5 GetSecretValue alpha by bob → denied (h2),
/// 6 CreateSecret beta (h3), 7 DeleteSecret beta, forced (h3). Queries run at h10.
async fn history() -> (TestStore, String) {
    let t = TestStore::new().await;
    let alpha = create(&t, "alpha", "a1").await.arn;
    t.clock.set(at(1));
    put(&t, "alpha", "a2").await;
    assert!(
        t.engine
            .get_secret_value(&root(), get_input("ghost"))
            .await
            .is_err()
    );
    t.clock.set(at(2));
    let mut bob = user("bob");
    bob.request_id = "req-bob-0001".into();
    assert!(
        t.engine
            .get_secret_value(&bob, get_input("alpha"))
            .await
            .is_err()
    );
    t.clock.set(at(3));
    create(&t, "beta", "b1").await;
    t.engine
        .delete_secret(&root(), delete_input("beta", true))
        .await
        .unwrap();
    t.clock.set(at(10));
    (t, alpha)
}

#[tokio::test]
async fn query_by_time_range_is_from_inclusive_to_exclusive() {
    let (t, _) = history().await;
    let f = |from: i64, to: i64| AuditFilter {
        from: Some(at(from)),
        to: Some(at(to)),
        ..Default::default()
    };
    assert_eq!(
        actions(&query(&t, f(1, 2)).await),
        ["GetSecretValue", "PutSecretValue"]
    );
    assert_eq!(
        actions(&query(&t, f(1, 3)).await),
        ["GetSecretValue", "GetSecretValue", "PutSecretValue"]
    );
    assert_eq!(
        actions(&query(&t, f(0, 1)).await),
        ["CreateSecret", "InitStore"]
    );
    assert!(query(&t, f(4, 9)).await.is_empty());
    let from_only = AuditFilter {
        from: Some(at(3)),
        to: Some(at(10)),
        ..Default::default()
    };
    let ev = query(&t, from_only).await;
    assert_eq!(actions(&ev), ["DeleteSecret", "CreateSecret"]);
    assert!(ev.iter().all(|e| e.time == at(3)));
}

#[tokio::test]
async fn query_by_principal_action_outcome_and_decision() {
    let (t, _) = history().await;
    let before = |f: AuditFilter| AuditFilter {
        to: Some(at(10)),
        ..f
    };
    let ev = query(
        &t,
        before(AuditFilter {
            principal: Some("arn:aws:iam::123456789012:user/bob".into()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].seq, 5);
    let ev = query(
        &t,
        before(AuditFilter {
            action: Some("PutSecretValue".into()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ev.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
    let ev = query(
        &t,
        before(AuditFilter {
            outcome: Some("error".into()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ev.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 4]);
    let ev = query(
        &t,
        before(AuditFilter {
            decision: Some("denied".into()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ev.iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);
    let ev = query(
        &t,
        before(AuditFilter {
            action: Some("GetSecretValue".into()),
            outcome: Some("error".into()),
            principal: Some("root".into()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ev.iter().map(|e| e.seq).collect::<Vec<_>>(), [4]);
    let ev = query(
        &t,
        before(AuditFilter {
            principal: Some("root".into()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(ev.len(), 6);
}

#[tokio::test]
async fn query_by_secret_accepts_name_arn_and_finds_deleted_secrets() {
    let (t, alpha) = history().await;
    let by = |s: &str| AuditFilter {
        secret: Some(s.into()),
        to: Some(at(10)),
        ..Default::default()
    };
    let ev = query(&t, by("alpha")).await;
    assert_eq!(actions(&ev), ["PutSecretValue", "CreateSecret"]);
    assert!(
        ev.iter()
            .all(|e| e.resource_arn.as_deref() == Some(alpha.as_str()))
    );
    assert_eq!(
        actions(&query(&t, by(&alpha)).await),
        ["PutSecretValue", "CreateSecret"]
    );
    let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alpha";
    assert_eq!(query(&t, by(partial)).await.len(), 2);
    // beta was force-deleted: its events are still found by name.
    assert_eq!(
        actions(&query(&t, by("beta")).await),
        ["DeleteSecret", "CreateSecret"]
    );
    assert!(query(&t, by("gamma")).await.is_empty());
}

#[tokio::test]
async fn query_by_free_text_is_case_insensitive() {
    let (t, _) = history().await;
    let text_q = |s: &str| AuditFilter {
        text: Some(s.into()),
        to: Some(at(10)),
        ..Default::default()
    };
    let seqs = |ev: Vec<AuditEvent>| ev.iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(query(&t, text_q("resourcenotfound")).await), [4]);
    assert_eq!(seqs(query(&t, text_q("BETA")).await), [7, 6]);
    assert_eq!(seqs(query(&t, text_q("user/bob")).await), [5]);
    assert_eq!(seqs(query(&t, text_q("req-bob-0001")).await), [5]);
    assert_eq!(seqs(query(&t, text_q("initstore")).await), [1]);
    assert!(query(&t, text_q("no such text anywhere")).await.is_empty());
    // An empty text is no filter.
    assert_eq!(query(&t, text_q("")).await.len(), 7);
}

#[tokio::test]
async fn query_pages_newest_first_without_gaps_or_repeats() {
    let (t, _) = history().await;
    let mut seen = Vec::new();
    let mut next = None;
    let mut pages = 0;
    loop {
        let page = t
            .engine
            .query_audit(
                &root(),
                &AuditFilter {
                    to: Some(at(10)),
                    limit: Some(2),
                    next_token: next.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        pages += 1;
        assert!(page.events.len() <= 2);
        seen.extend(page.events.iter().map(|e| e.seq));
        match page.next_token {
            Some(tok) => next = Some(tok),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(pages, 4);
    // The default page is newest first and includes the queries themselves.
    let all = query(&t, AuditFilter::default()).await;
    assert!(all.windows(2).all(|w| w[0].seq == w[1].seq + 1));
    assert_eq!(all[0].action, "ListAuditEvents");
}

#[tokio::test]
async fn the_chain_verifies_after_a_busy_history() {
    let (t, _) = history().await;
    for i in 0..20 {
        put(&t, "alpha", &format!("x{i}")).await;
    }
    let head = crate::engine_support::audit_log(&t).await[0].seq;
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.first_bad_seq, None);
    // Every event up to the probe's own ListAuditEvents event was checked.
    assert_eq!(report.events, head + 1);
    let last = crate::engine_support::audit_log(&t).await;
    assert_eq!(last[0].action, "VerifyAuditLog");
    assert!(
        last.iter().all(|e| e.mac.len() == 64),
        "MACs are 32 bytes in hex"
    );
}

#[tokio::test]
async fn secret_values_never_reach_the_log() {
    let t = TestStore::new().await;
    let canary = "hunter2-canary-plaintext";
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "c".into(),
                value: Some(text(canary)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: "c".into(),
                value: Some(coffer_engine::SecretValue::binary(
                    canary.as_bytes().to_vec(),
                )),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let _ = t
        .engine
        .update_secret(
            &root(),
            UpdateSecretInput {
                secret_id: "c".into(),
                value: Some(text(&format!("{canary}-2"))),
                client_request_token: Some(token("fail")),
                ..Default::default()
            },
        )
        .await;
    t.engine
        .get_secret_value(&root(), get_input("c"))
        .await
        .unwrap();
    let hits = query(
        &t,
        AuditFilter {
            text: Some("hunter2".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(hits.is_empty(), "{hits:?}");
    // Nor anywhere in the raw table.
    let pool = raw_pool(&t).await;
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE instr(details, 'hunter2') > 0 OR instr(reason, 'hunter2') > 0",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(n, 0);
    // Writes record a keyed hash of the value instead.
    let puts = query(
        &t,
        AuditFilter {
            action: Some("PutSecretValue".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(puts[0].details.contains("valueHash"), "{}", puts[0].details);
}

/// Regression: searching the log by the name of a deleted secret also returned the events
/// of every secret whose name merely started with it (`app` found `app-2`).
#[tokio::test]
async fn regression_search_by_name_matched_longer_names() {
    let t = TestStore::new().await;
    let app = create(&t, "app", "a").await;
    let app2 = create(&t, "app-2", "b").await;
    t.engine
        .delete_secret(
            &root(),
            DeleteSecretInput {
                secret_id: "app".into(),
                force_delete_without_recovery: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for id in ["app".to_owned(), app.arn.clone()] {
        let page = t
            .engine
            .query_audit(
                &root(),
                &AuditFilter {
                    secret: Some(id.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            !page.events.is_empty(),
            "{id}: the deleted secret's events are found"
        );
        assert!(
            page.events
                .iter()
                .all(|e| e.resource_arn.as_deref() == Some(app.arn.as_str())),
            "{id}: only app's events, never app-2's ({})",
            app2.arn
        );
    }
}

/// Regression: a denied VerifyAuditLog returned before its event was written.
#[tokio::test]
async fn regression_denied_verify_was_not_audited() {
    let t = TestStore::new().await;
    let mut ctx = root();
    ctx.principal = Principal::Arn("arn:aws:iam::123456789012:user/mallory".into());
    let mark = audit_mark(&t).await;
    let err = t.engine.verify_audit(&ctx).await.unwrap_err();
    assert_eq!(err.code(), coffer_engine::ErrorCode::AccessDenied);
    let events = audit_since(&t, mark).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].action, "VerifyAuditLog");
    assert_eq!(events[0].decision, "denied");
    assert_eq!(events[0].outcome, "error");
}

/// Two engines on one file (the desktop app and a `coffer` command at the same time) each
/// remember the chain head they last wrote; interleaved writes must re-chain, not fork.
#[tokio::test]
async fn two_engines_on_one_store_keep_one_chain() {
    let t = TestStore::new().await;
    let other = coffer_engine::Engine::open(&t.path(), std::sync::Arc::new(t.clock.clone()))
        .await
        .unwrap();
    other.unseal(&Password::from(PASSWORD)).await.unwrap();
    for i in 0..6 {
        let engine = if i % 2 == 0 { &t.engine } else { &other };
        engine
            .create_secret(
                &root(),
                CreateSecretInput {
                    name: format!("s{i}"),
                    value: Some(text("v")),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // Each engine writes twice in a row too, so both the cached and the stale path run.
        engine
            .get_secret_value(
                &root(),
                GetSecretValueInput {
                    secret_id: format!("s{i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.events >= 13, "{report:?}");
    other.close().await;
}

/// Reads commit their audit events in groups: many concurrent reads each return only once
/// their own event is in the log, one event each, and the chain stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_are_each_audited_once_with_group_commit() {
    let t = TestStore::new().await;
    create(&t, "hot", "v1").await;
    let mark = audit_mark(&t).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let engine = t.engine.clone();
        tasks.push(tokio::spawn(async move {
            let mut ctx = root();
            ctx.request_id = format!("read-{i}");
            let out = engine
                .get_secret_value(
                    &ctx,
                    GetSecretValueInput {
                        secret_id: "hot".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            // Once the read has returned, its event is already in the log.
            let page = engine
                .query_audit(
                    &root(),
                    &AuditFilter {
                        text: Some(format!("read-{i}")),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert!(
                page.events
                    .iter()
                    .any(|e| e.request_id == format!("read-{i}")),
                "read-{i} returned before its event was committed"
            );
            out
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().value.as_str(), Some("value-v1"));
    }
    let events = audit_since(&t, mark).await;
    let reads = events
        .iter()
        .filter(|e| e.action == "GetSecretValue" && e.request_id.starts_with("read-"))
        .count();
    assert_eq!(reads, 64);
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
}

/// A read whose caller goes away (an HTTP client that hangs up drops the request's future)
/// may be the one leading a group commit or a shared read of the generation counters. The
/// others in that group must still get their answer, with their event in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_whose_callers_go_away_strand_no_other_read() {
    let t = TestStore::new().await;
    create(&t, "hot", "v1").await;
    let mark = audit_mark(&t).await;
    let read = |i: usize| {
        let engine = t.engine.clone();
        async move {
            let mut ctx = root();
            ctx.request_id = format!("read-{i}");
            let input = GetSecretValueInput {
                secret_id: "hot".into(),
                ..Default::default()
            };
            engine.get_secret_value(&ctx, input).await
        }
    };
    for round in 0..20 {
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        for i in 0..16 {
            let task = tokio::spawn(read(round * 16 + i));
            if i % 2 == 0 {
                dropped.push(task)
            } else {
                kept.push(task)
            }
        }
        tokio::task::yield_now().await;
        for task in &dropped {
            task.abort();
        }
        for task in kept {
            let out = tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .expect("a kept read was stranded")
                .unwrap()
                .unwrap();
            assert_eq!(out.value.as_str(), Some("value-v1"));
        }
    }
    // Every kept read is in the log once; an aborted one at most once; the chain is whole.
    let events = audit_since(&t, mark).await;
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for e in events.iter().filter(|e| e.action == "GetSecretValue") {
        *seen.entry(e.request_id.clone()).or_default() += 1;
    }
    for i in (0..320).filter(|i| i % 2 == 1) {
        assert_eq!(seen.get(&format!("read-{i}")), Some(&1), "read-{i}");
    }
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
}
