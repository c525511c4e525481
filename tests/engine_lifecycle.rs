//! A secret's life over time, on the manual clock: deletion windows, restore, purge once
//! the window has passed, pruning of deprecated versions past 100 (never younger than
//! 24 h), LastAccessedDate at day resolution, regions as separate namespaces, and the
//! KMS-like keys (disable, rotate, re-encrypt on a KmsKeyId change).

use chrono::{Duration, TimeZone, Utc};
use coffer_engine::{
    CreateSecretInput, DeleteSecretInput, ErrorCode, GetSecretValueInput,
    ListSecretVersionIdsInput, ListSecretsInput, PutSecretValueInput, UpdateSecretInput,
    UpdateSecretVersionStageInput,
};

use crate::engine_support::{
    all_versions, audit_mark, audit_since, create, current_text, expect_err, get, put, sealing_of,
    stages,
};
use crate::support::{TestStore, root, text, token};

fn schedule(id: &str, days: Option<i64>) -> DeleteSecretInput {
    DeleteSecretInput {
        secret_id: id.into(),
        recovery_window_in_days: days,
        force_delete_without_recovery: None,
    }
}

fn force(id: &str) -> DeleteSecretInput {
    DeleteSecretInput {
        secret_id: id.into(),
        recovery_window_in_days: None,
        force_delete_without_recovery: Some(true),
    }
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------------------
// Deletion, restore, purge

#[tokio::test]
async fn delete_schedules_after_the_window_and_restore_cancels_it() {
    let t = TestStore::new().await;
    let c = create(&t, "del", "v1").await;
    t.clock.advance(Duration::hours(3));
    let now = t.engine.now();
    let out = t
        .engine
        .delete_secret(&root(), schedule("del", None))
        .await
        .unwrap();
    assert_eq!(out.arn.as_deref(), Some(c.arn.as_str()));
    assert_eq!(out.name, "del");
    assert_eq!(
        out.deletion_date,
        now + Duration::days(30),
        "the default window is 30 days"
    );
    let d = t.engine.describe_secret(&root(), "del").await.unwrap();
    assert_eq!(d.deleted_date, Some(now));
    assert_eq!(d.deletion_date, Some(now + Duration::days(30)));
    t.clock.advance(Duration::days(29));
    let r = t.engine.restore_secret(&root(), "del").await.unwrap();
    assert_eq!((r.arn.as_str(), r.name.as_str()), (c.arn.as_str(), "del"));
    let d = t.engine.describe_secret(&root(), "del").await.unwrap();
    assert_eq!((d.deleted_date, d.deletion_date), (None, None));
    assert_eq!(current_text(&t, "del").await, "value-v1");
    // Restoring a secret that is not deleted is a no-op.
    t.engine.restore_secret(&root(), "del").await.unwrap();
    assert_eq!(current_text(&t, "del").await, "value-v1");
}

#[tokio::test]
async fn a_second_schedule_is_refused_and_keeps_the_first_dates() {
    let t = TestStore::new().await;
    create(&t, "twice", "v1").await;
    let first = t
        .engine
        .delete_secret(&root(), schedule("twice", Some(7)))
        .await
        .unwrap();
    t.clock.advance(Duration::days(1));
    let r = t
        .engine
        .delete_secret(&root(), schedule("twice", Some(30)))
        .await;
    expect_err(r, ErrorCode::InvalidRequest, None);
    let d = t.engine.describe_secret(&root(), "twice").await.unwrap();
    assert_eq!(d.deletion_date, Some(first.deletion_date));
}

#[tokio::test]
async fn the_name_is_free_once_the_window_has_passed() {
    let t = TestStore::new().await;
    let old = create(&t, "reuse", "v1").await;
    t.engine
        .delete_secret(&root(), schedule("reuse", Some(7)))
        .await
        .unwrap();
    let again = || CreateSecretInput {
        name: "reuse".into(),
        client_request_token: Some(token("v2")),
        value: Some(text("value-v2")),
        ..Default::default()
    };
    // One millisecond before the deletion date the name is still taken.
    t.clock
        .advance(Duration::days(7) - Duration::milliseconds(1));
    expect_err(
        t.engine.create_secret(&root(), again()).await,
        ErrorCode::InvalidRequest,
        None,
    );
    let mark = audit_mark(&t).await;
    t.clock.advance(Duration::milliseconds(1));
    let new = t.engine.create_secret(&root(), again()).await.unwrap();
    // The purge is audited on its own, by Coffer, before the create.
    let events = audit_since(&t, mark).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["PurgeSecret", "CreateSecret"]);
    assert_eq!(events[0].resource_arn.as_deref(), Some(old.arn.as_str()));
    assert_eq!(
        (events[0].principal.as_str(), events[1].principal.as_str()),
        ("coffer", "root")
    );
    assert_eq!(events[1].resource_arn.as_deref(), Some(new.arn.as_str()));
    assert_ne!(new.arn, old.arn, "a reused name gets a new ARN suffix");
    assert_eq!(current_text(&t, "reuse").await, "value-v2");
    assert_eq!(
        all_versions(&t, "reuse").await,
        vec![token("v2")],
        "the old versions went with the purge"
    );
    expect_err(get(&t, &old.arn).await, ErrorCode::ResourceNotFound, None);
}

#[tokio::test]
async fn purge_expired_removes_only_secrets_past_their_deletion_date() {
    let t = TestStore::new().await;
    create(&t, "short", "v1").await;
    create(&t, "long", "v2").await;
    create(&t, "alive", "v3").await;
    t.engine
        .delete_secret(&root(), schedule("short", Some(7)))
        .await
        .unwrap();
    t.engine
        .delete_secret(&root(), schedule("long", Some(30)))
        .await
        .unwrap();
    assert_eq!(t.engine.purge_expired(&root()).await.unwrap(), 0);
    let mark = audit_mark(&t).await;
    t.clock.advance(Duration::days(8));
    assert_eq!(t.engine.purge_expired(&root()).await.unwrap(), 1);
    let events = audit_since(&t, mark).await;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["PurgeSecret", "PurgeExpiredSecrets"]);
    assert!(
        events
            .iter()
            .all(|e| e.principal == "coffer" && e.source == "scheduler")
    );
    expect_err(
        t.engine.describe_secret(&root(), "short").await,
        ErrorCode::ResourceNotFound,
        None,
    );
    let planned = ListSecretsInput {
        include_planned_deletion: true,
        ..Default::default()
    };
    let left: Vec<String> = t
        .engine
        .list_secrets(&root(), planned)
        .await
        .unwrap()
        .secret_list
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(left, ["long", "alive"]);
    t.clock.advance(Duration::days(30));
    assert_eq!(t.engine.purge_expired(&root()).await.unwrap(), 1);
    assert_eq!(current_text(&t, "alive").await, "value-v3");
}

#[tokio::test]
async fn unsealing_purges_expired_secrets() {
    let t = TestStore::new().await;
    create(&t, "expiring", "v1").await;
    t.engine
        .delete_secret(&root(), schedule("expiring", Some(7)))
        .await
        .unwrap();
    t.clock.advance(Duration::days(7));
    t.engine.seal();
    t.engine
        .unseal(&coffer_engine::Password::from(crate::support::PASSWORD))
        .await
        .unwrap();
    // Unseal ran the sweep itself (any later operation would purge too, as its own request).
    let newest: Vec<String> = audit_since(&t, 0)
        .await
        .into_iter()
        .rev()
        .take(2)
        .map(|e| e.action)
        .collect();
    assert_eq!(newest, ["PurgeExpiredSecrets", "PurgeSecret"]);
    expect_err(
        t.engine.describe_secret(&root(), "expiring").await,
        ErrorCode::ResourceNotFound,
        None,
    );
}

#[tokio::test]
async fn force_delete_of_a_scheduled_secret_purges_it_now() {
    let t = TestStore::new().await;
    create(&t, "now", "v1").await;
    t.engine
        .delete_secret(&root(), schedule("now", None))
        .await
        .unwrap();
    let out = t.engine.delete_secret(&root(), force("now")).await.unwrap();
    assert_eq!(out.deletion_date, t.engine.now());
    expect_err(
        t.engine.describe_secret(&root(), "now").await,
        ErrorCode::ResourceNotFound,
        None,
    );
    // The name is free at once.
    create(&t, "now", "v2").await;
    assert_eq!(current_text(&t, "now").await, "value-v2");
}

// ---------------------------------------------------------------------------------------
// Version pruning

async fn put_at(t: &TestStore, id: &str, tag: &str, stages: Option<Vec<String>>) {
    t.engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: id.into(),
                client_request_token: Some(token(tag)),
                value: Some(text(tag)),
                version_stages: stages,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("put {tag}: {e}"));
}

#[tokio::test]
async fn deprecated_versions_past_100_are_pruned_oldest_first_but_never_younger_than_24h() {
    let t = TestStore::new().await;
    create(&t, "many", "v000").await;
    // v000 keeps a custom label, so it is never a pruning candidate.
    t.engine
        .update_secret_version_stage(
            &root(),
            UpdateSecretVersionStageInput {
                secret_id: "many".into(),
                version_stage: "keep".into(),
                move_to_version_id: Some(token("v000")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for i in 1..=100 {
        put_at(&t, "many", &format!("v{i:03}"), None).await;
    }
    // 101 versions, 98 of them deprecated, but all younger than 24 hours: none pruned.
    let versions = all_versions(&t, "many").await;
    assert_eq!(versions.len(), 101);
    // Still none a minute short of 24 hours.
    t.clock.advance(Duration::hours(24) - Duration::minutes(1));
    put_at(&t, "many", "w001", None).await;
    assert_eq!(all_versions(&t, "many").await.len(), 102);
    // A day later the next version brings the count back to 100 by deleting the oldest
    // deprecated ones (v001, v002, v003), not the labelled v000.
    t.clock.advance(Duration::minutes(2));
    put_at(&t, "many", "w002", None).await;
    let versions = all_versions(&t, "many").await;
    assert_eq!(versions.len(), 100);
    for gone in ["v001", "v002", "v003"] {
        assert!(!versions.contains(&token(gone)), "{gone} should be pruned");
    }
    for kept in ["v000", "v004", "v100", "w001", "w002"] {
        assert!(versions.contains(&token(kept)), "{kept} should be kept");
    }
    let s = stages(&t, "many").await;
    assert_eq!(s[&token("v000")], ["keep"]);
    assert_eq!(s[&token("w002")], ["AWSCURRENT"]);
    assert_eq!(s[&token("w001")], ["AWSPREVIOUS"]);
    // A pruned version is gone for good.
    let r = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "many".into(),
                version_id: Some(token("v001")),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::ResourceNotFound, None);
    // The pruning is recorded on the event of the write that caused it.
    let events = crate::engine_support::audit_log(&t).await;
    let put_event = events
        .iter()
        .find(|e| e.action == "PutSecretValue")
        .unwrap();
    assert!(
        put_event.details.contains("prunedVersions"),
        "{}",
        put_event.details
    );
    assert!(
        put_event.details.contains(&token("v003")),
        "{}",
        put_event.details
    );
}

// ---------------------------------------------------------------------------------------
// LastAccessedDate

#[tokio::test]
async fn last_accessed_date_is_the_utc_day_of_the_last_read() {
    let t = TestStore::new().await;
    create(&t, "acc", "v1").await;
    put(&t, "acc", "v2").await;
    let d = t.engine.describe_secret(&root(), "acc").await.unwrap();
    assert_eq!(d.last_accessed_date, None, "never read");
    t.clock.advance(Duration::hours(17) + Duration::minutes(42));
    get(&t, "acc").await.unwrap();
    let d = t.engine.describe_secret(&root(), "acc").await.unwrap();
    assert_eq!(d.last_accessed_date, Some(start()));
    // DescribeSecret and ListSecrets are not reads of the value.
    t.clock.advance(Duration::days(2));
    t.engine.describe_secret(&root(), "acc").await.unwrap();
    t.engine
        .list_secrets(&root(), ListSecretsInput::default())
        .await
        .unwrap();
    let d = t.engine.describe_secret(&root(), "acc").await.unwrap();
    assert_eq!(d.last_accessed_date, Some(start()));
    // A read two days later moves it to that day's midnight.
    get(&t, "acc").await.unwrap();
    let d = t.engine.describe_secret(&root(), "acc").await.unwrap();
    assert_eq!(d.last_accessed_date, Some(start() + Duration::days(2)));
    // Per version too: only the version read gets the date.
    let versions = t
        .engine
        .list_secret_version_ids(
            &root(),
            ListSecretVersionIdsInput {
                secret_id: "acc".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .versions;
    let v2 = versions
        .iter()
        .find(|v| v.version_id == token("v2"))
        .unwrap();
    let v1 = versions
        .iter()
        .find(|v| v.version_id == token("v1"))
        .unwrap();
    assert_eq!(v2.last_accessed_date, Some(start() + Duration::days(2)));
    assert_eq!(v1.last_accessed_date, None);
    // A failed read does not count.
    t.clock.advance(Duration::days(1));
    let r = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "acc".into(),
                version_stage: Some("NOPE".into()),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::ResourceNotFound, None);
    let d = t.engine.describe_secret(&root(), "acc").await.unwrap();
    assert_eq!(d.last_accessed_date, Some(start() + Duration::days(2)));
}

// ---------------------------------------------------------------------------------------
// Regions

#[tokio::test]
async fn regions_are_separate_namespaces() {
    let t = TestStore::new().await;
    let us = root();
    let eu = root().in_region("eu-west-1");
    let input = |v: &str| CreateSecretInput {
        name: "shared".into(),
        value: Some(text(v)),
        ..Default::default()
    };
    let a = t
        .engine
        .create_secret(&us, input("us value"))
        .await
        .unwrap();
    let b = t
        .engine
        .create_secret(&eu, input("eu value"))
        .await
        .unwrap();
    assert!(
        a.arn
            .starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-"),
        "{}",
        a.arn
    );
    assert!(
        b.arn
            .starts_with("arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared-"),
        "{}",
        b.arn
    );
    let read = |ctx| {
        let e = t.engine.clone();
        async move {
            e.get_secret_value(
                &ctx,
                GetSecretValueInput {
                    secret_id: "shared".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .value
            .as_str()
            .unwrap()
            .to_owned()
        }
    };
    assert_eq!(read(us.clone()).await, "us value");
    assert_eq!(read(eu.clone()).await, "eu value");
    assert_eq!(
        read(root().in_region("us-east-1")).await,
        "us value",
        "the default region is us-east-1"
    );
    // Each region lists only its own.
    let only = |ctx: coffer_engine::RequestContext| {
        let e = t.engine.clone();
        async move {
            e.list_secrets(&ctx, ListSecretsInput::default())
                .await
                .unwrap()
                .secret_list
                .into_iter()
                .map(|s| s.arn)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(only(us.clone()).await, vec![a.arn.clone()]);
    assert_eq!(only(eu.clone()).await, vec![b.arn.clone()]);
    assert!(only(root().in_region("ap-south-2")).await.is_empty());
    // Deleting in one region leaves the other alone.
    t.engine.delete_secret(&eu, force("shared")).await.unwrap();
    assert_eq!(read(us.clone()).await, "us value");
    expect_err(
        t.engine.describe_secret(&eu, "shared").await,
        ErrorCode::ResourceNotFound,
        None,
    );
    // Keys are regional too: the us default key is not the eu one.
    let us_keys = t.engine.list_keys(&us).await.unwrap();
    let eu_keys = t.engine.list_keys(&eu).await.unwrap();
    assert_eq!(us_keys.len(), 1);
    assert_eq!(eu_keys.len(), 1);
    assert_ne!(us_keys[0].arn, eu_keys[0].arn);
    assert!(eu_keys[0].arn.starts_with("arn:aws:kms:eu-west-1:"));
}

// ---------------------------------------------------------------------------------------
// KMS keys

async fn create_with_key(t: &TestStore, name: &str, tag: &str, key: &str) {
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                client_request_token: Some(token(tag)),
                value: Some(text(&format!("value-{tag}"))),
                kms_key_id: Some(key.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_disabled_customer_key_refuses_encrypt_and_decrypt_until_enabled() {
    let t = TestStore::new().await;
    let key = t
        .engine
        .create_key(&root(), Some("app key".into()), Some("alias/app".into()))
        .await
        .unwrap();
    assert_eq!(key.key_manager, "CUSTOMER");
    assert!(key.enabled);
    assert_eq!(key.current_material_version, 1);
    create_with_key(&t, "k", "v1", "alias/app").await;
    let d = t.engine.describe_secret(&root(), "k").await.unwrap();
    assert_eq!(d.kms_key_id.as_deref(), Some("alias/app"));
    assert_eq!(
        sealing_of(&t, &token("v1")).await,
        (Some(key.key_id.clone()), Some(1))
    );
    let listed = t
        .engine
        .list_secret_version_ids(
            &root(),
            ListSecretVersionIdsInput {
                secret_id: "k".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.versions[0].kms_key_ids, vec![key.arn.clone()]);

    let off = t
        .engine
        .set_key_enabled(&root(), &key.arn, false)
        .await
        .unwrap();
    assert!(!off.enabled);
    let e = expect_err(get(&t, "k").await, ErrorCode::DecryptionFailure, None);
    assert!(e.message().contains("disabled"), "{}", e.message());
    let r = t
        .engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: "k".into(),
                value: Some(text("new")),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::EncryptionFailure, None);
    let r = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "k2".into(),
                value: Some(text("v")),
                kms_key_id: Some(key.key_id.clone()),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::EncryptionFailure, None);
    assert!(
        t.engine.describe_secret(&root(), "k2").await.is_err(),
        "the failed create left nothing"
    );
    // Rotating a disabled key is refused.
    expect_err(
        t.engine.rotate_key(&root(), "alias/app").await,
        ErrorCode::InvalidRequest,
        None,
    );

    t.engine
        .set_key_enabled(&root(), "alias/app", true)
        .await
        .unwrap();
    assert_eq!(current_text(&t, "k").await, "value-v1");
    assert_eq!(
        all_versions(&t, "k").await.len(),
        1,
        "the refused put stored nothing"
    );
}

#[tokio::test]
async fn the_default_key_cannot_be_disabled() {
    let t = TestStore::new().await;
    create(&t, "d", "v1").await;
    let r = t
        .engine
        .set_key_enabled(&root(), "alias/aws/secretsmanager", false)
        .await;
    expect_err(r, ErrorCode::InvalidRequest, None);
    assert_eq!(current_text(&t, "d").await, "value-v1");
    let keys = t.engine.list_keys(&root()).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key_manager, "AWS");
    assert_eq!(keys[0].alias.as_deref(), Some("aws/secretsmanager"));
}

#[tokio::test]
async fn key_rotation_keeps_old_versions_readable_and_seals_new_ones_with_new_material() {
    let t = TestStore::new().await;
    let key = t
        .engine
        .create_key(&root(), None, Some("rot".into()))
        .await
        .unwrap();
    create_with_key(&t, "r", "v1", "alias/rot").await;
    t.clock.advance(Duration::days(1));
    let rotated = t.engine.rotate_key(&root(), &key.key_id).await.unwrap();
    assert_eq!(rotated.current_material_version, 2);
    assert_eq!(rotated.last_rotation_date, Some(t.engine.now()));
    put(&t, "r", "v2").await;
    assert_eq!(
        sealing_of(&t, &token("v1")).await,
        (Some(key.key_id.clone()), Some(1))
    );
    assert_eq!(
        sealing_of(&t, &token("v2")).await,
        (Some(key.key_id.clone()), Some(2))
    );
    assert_eq!(current_text(&t, "r").await, "value-v2");
    let old = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "r".into(),
                version_id: Some(token("v1")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(old.value.as_str(), Some("value-v1"));
    let again = t.engine.rotate_key(&root(), "alias/rot").await.unwrap();
    assert_eq!(again.current_material_version, 3);
    assert_eq!(
        t.engine
            .describe_key(&root(), &key.arn)
            .await
            .unwrap()
            .current_material_version,
        3
    );
}

#[tokio::test]
async fn changing_kms_key_id_reencrypts_the_labelled_versions() {
    let t = TestStore::new().await;
    create(&t, "move", "v1").await;
    put(&t, "move", "v2").await;
    put(&t, "move", "v3").await;
    t.engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: "move".into(),
                client_request_token: Some(token("v4")),
                value: Some(text("value-v4")),
                version_stages: Some(vec!["AWSPENDING".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (default_key, _) = sealing_of(&t, &token("v1")).await;
    let key = t
        .engine
        .create_key(&root(), None, Some("target".into()))
        .await
        .unwrap();
    let out = t
        .engine
        .update_secret(
            &root(),
            UpdateSecretInput {
                secret_id: "move".into(),
                kms_key_id: Some("alias/target".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.version_id, None, "a key change creates no version");
    // AWSCURRENT (v3), AWSPREVIOUS (v2) and AWSPENDING (v4) move to the new key; the
    // deprecated v1 stays where it was.
    for v in ["v2", "v3", "v4"] {
        assert_eq!(
            sealing_of(&t, &token(v)).await.0.as_deref(),
            Some(key.key_id.as_str()),
            "{v}"
        );
    }
    assert_eq!(sealing_of(&t, &token("v1")).await.0, default_key);
    assert_ne!(default_key.as_deref(), Some(key.key_id.as_str()));
    assert_eq!(
        t.engine
            .describe_secret(&root(), "move")
            .await
            .unwrap()
            .kms_key_id
            .as_deref(),
        Some("alias/target")
    );
    // Every version still reads, and new versions use the new key.
    for v in ["v1", "v2", "v3", "v4"] {
        let out = t
            .engine
            .get_secret_value(
                &root(),
                GetSecretValueInput {
                    secret_id: "move".into(),
                    version_id: Some(token(v)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(out.value.as_str(), Some(format!("value-{v}").as_str()));
    }
    put(&t, "move", "v5").await;
    assert_eq!(
        sealing_of(&t, &token("v5")).await.0.as_deref(),
        Some(key.key_id.as_str())
    );
    // Disabling the new key blocks the current value: it really is under that key.
    t.engine
        .set_key_enabled(&root(), "alias/target", false)
        .await
        .unwrap();
    expect_err(get(&t, "move").await, ErrorCode::DecryptionFailure, None);
    t.engine
        .set_key_enabled(&root(), "alias/target", true)
        .await
        .unwrap();
    // An empty KmsKeyId goes back to the default key.
    t.engine
        .update_secret(
            &root(),
            UpdateSecretInput {
                secret_id: "move".into(),
                kms_key_id: Some(String::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.engine
            .describe_secret(&root(), "move")
            .await
            .unwrap()
            .kms_key_id,
        None
    );
    assert_eq!(sealing_of(&t, &token("v5")).await.0, default_key);
    assert_eq!(current_text(&t, "move").await, "value-v5");
}

#[tokio::test]
async fn kms_key_ids_resolve_by_id_arn_alias_and_alias_arn_in_the_region_only() {
    let t = TestStore::new().await;
    let key = t
        .engine
        .create_key(&root(), Some("k".into()), Some("alias/by-name".into()))
        .await
        .unwrap();
    let alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/by-name".to_owned();
    for spec in [
        key.key_id.clone(),
        key.arn.clone(),
        "alias/by-name".into(),
        alias_arn,
    ] {
        let found = t.engine.describe_key(&root(), &spec).await.unwrap();
        assert_eq!(found.key_id, key.key_id, "{spec}");
    }
    let eu = root().in_region("eu-west-1");
    expect_err(
        t.engine.describe_key(&eu, &key.key_id).await,
        ErrorCode::ResourceNotFound,
        None,
    );
    expect_err(
        t.engine.describe_key(&root(), "alias/none").await,
        ErrorCode::ResourceNotFound,
        None,
    );
    let r = t
        .engine
        .create_key(&root(), None, Some("alias/by-name".into()))
        .await;
    expect_err(
        r,
        ErrorCode::ResourceExists,
        Some("An alias with the name alias/by-name already exists"),
    );
    let r = t
        .engine
        .create_key(&root(), None, Some("alias/aws/mine".into()))
        .await;
    expect_err(r, ErrorCode::InvalidParameter, None);
}

#[tokio::test]
async fn regression_describe_echoed_kms_key_id_for_the_named_default_key() {
    // AWS omits KmsKeyId whenever the secret is under the managed `aws/secretsmanager`
    // key; Coffer echoed it back when a caller named that key explicitly.
    let t = TestStore::new().await;
    create_with_key(&t, "named-default", "v1", "alias/aws/secretsmanager").await;
    let d = t
        .engine
        .describe_secret(&root(), "named-default")
        .await
        .unwrap();
    assert_eq!(d.kms_key_id, None);
    let default_arn = t
        .engine
        .describe_key(&root(), "alias/aws/secretsmanager")
        .await
        .unwrap()
        .arn;
    create_with_key(&t, "by-arn", "v2", &default_arn).await;
    assert_eq!(
        t.engine
            .describe_secret(&root(), "by-arn")
            .await
            .unwrap()
            .kms_key_id,
        None
    );
    // UpdateSecret: away to a customer key (echoed), then back to the default by name.
    t.engine
        .create_key(&root(), None, Some("cust".into()))
        .await
        .unwrap();
    let to = |spec: &str| UpdateSecretInput {
        secret_id: "named-default".into(),
        kms_key_id: Some(spec.into()),
        ..Default::default()
    };
    t.engine
        .update_secret(&root(), to("alias/cust"))
        .await
        .unwrap();
    let d = t
        .engine
        .describe_secret(&root(), "named-default")
        .await
        .unwrap();
    assert_eq!(d.kms_key_id.as_deref(), Some("alias/cust"));
    t.engine
        .update_secret(&root(), to("alias/aws/secretsmanager"))
        .await
        .unwrap();
    let d = t
        .engine
        .describe_secret(&root(), "named-default")
        .await
        .unwrap();
    assert_eq!(d.kms_key_id, None);
    assert_eq!(current_text(&t, "named-default").await, "value-v1");
    let listed = t
        .engine
        .list_secrets(&root(), ListSecretsInput::default())
        .await
        .unwrap();
    assert!(listed.secret_list.iter().all(|s| s.kms_key_id.is_none()));
}
