//! Every action's errors (reference §3, §6): input validation, unknown and deleted
//! secrets, lookups by name / full ARN / partial ARN, GetSecretValue's version selection,
//! BatchGetSecretValue's call-level and per-secret errors, authorization, regions and a
//! sealed store — each checked by code and, where AWS's wording is known, by message.

use coffer_crypto::password::PasswordRules;
use coffer_engine::{
    BatchGetSecretValueInput, CreateSecretInput, DeleteSecretInput, ErrorCode, GetSecretValueInput,
    ListSecretVersionIdsInput, ListSecretsInput, Principal, PutSecretValueInput, RawFilter,
    RequestContext, SecretValue, Tag, UpdateSecretInput, UpdateSecretVersionStageInput,
};

use crate::engine_support::{create, create_empty, current_text, data, expect_err, get, put};
use crate::support::{PASSWORD, TestStore, root, text, token};

const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";
const MARKED: &str =
    "You can't perform this operation on the secret because it was marked for deletion.";

fn named(name: &str, value: Option<SecretValue>) -> CreateSecretInput {
    CreateSecretInput {
        name: name.into(),
        value,
        ..Default::default()
    }
}

fn get_input(id: &str) -> GetSecretValueInput {
    GetSecretValueInput {
        secret_id: id.into(),
        ..Default::default()
    }
}

fn put_input(id: &str, value: SecretValue) -> PutSecretValueInput {
    PutSecretValueInput {
        secret_id: id.into(),
        value: Some(value),
        ..Default::default()
    }
}

fn update_value(id: &str, value: SecretValue) -> UpdateSecretInput {
    UpdateSecretInput {
        secret_id: id.into(),
        value: Some(value),
        ..Default::default()
    }
}

fn stage_input(id: &str) -> UpdateSecretVersionStageInput {
    UpdateSecretVersionStageInput {
        secret_id: id.into(),
        version_stage: "blue".into(),
        move_to_version_id: Some(token("v1")),
        ..Default::default()
    }
}

fn delete_input(id: &str, days: Option<i64>, force: Option<bool>) -> DeleteSecretInput {
    DeleteSecretInput {
        secret_id: id.into(),
        recovery_window_in_days: days,
        force_delete_without_recovery: force,
    }
}

// ---------------------------------------------------------------------------------------
// Names and values

#[tokio::test]
async fn secret_name_rules_follow_the_table() {
    let d = data("secret_names.json");
    let message = d["message"].as_str().unwrap();
    let t = TestStore::new().await;
    let valid = d["valid"].as_array().unwrap();
    let invalid = d["invalid"].as_array().unwrap();
    assert!(
        valid.len() >= 5 && invalid.len() >= 10,
        "the name table went missing"
    );
    for n in valid {
        let n = n.as_str().unwrap();
        let out = t
            .engine
            .create_secret(&root(), named(n, Some(text("v"))))
            .await
            .unwrap_or_else(|e| panic!("{n:?} should be valid: {e}"));
        assert_eq!(out.name, n);
        assert!(out.arn.contains(&format!(":secret:{n}-")), "{}", out.arn);
        assert_eq!(current_text(&t, n).await, "v");
    }
    for n in invalid {
        let n = n.as_str().unwrap();
        let r = t
            .engine
            .create_secret(&root(), named(n, Some(text("v"))))
            .await;
        let e = expect_err(r, ErrorCode::Validation, None);
        assert_eq!(e.message(), message, "for {n:?}");
    }
}

#[tokio::test]
async fn secret_names_may_have_512_characters_not_513() {
    let t = TestStore::new().await;
    let ok = "n".repeat(512);
    t.engine
        .create_secret(&root(), named(&ok, None))
        .await
        .unwrap();
    t.engine.describe_secret(&root(), &ok).await.unwrap();
    let r = t
        .engine
        .create_secret(&root(), named(&"n".repeat(513), None))
        .await;
    expect_err(
        r,
        ErrorCode::Validation,
        Some(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        ),
    );
}

#[tokio::test]
async fn values_may_have_65536_bytes_not_65537() {
    let t = TestStore::new().await;
    let max = "s".repeat(65_536);
    let over = "s".repeat(65_537);
    // CreateSecret.
    t.engine
        .create_secret(&root(), named("big", Some(text(&max))))
        .await
        .unwrap();
    assert_eq!(current_text(&t, "big").await.len(), 65_536);
    let r = t
        .engine
        .create_secret(&root(), named("bigger", Some(text(&over))))
        .await;
    expect_err(
        r,
        ErrorCode::Validation,
        Some(
            "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
        ),
    );
    let r = t
        .engine
        .create_secret(
            &root(),
            named("bigger", Some(SecretValue::binary(vec![7; 65_537]))),
        )
        .await;
    let e = expect_err(r, ErrorCode::Validation, None);
    assert!(e.message().contains("'secretBinary'"), "{}", e.message());
    // PutSecretValue.
    t.engine
        .put_secret_value(
            &root(),
            put_input("big", SecretValue::binary(vec![1; 65_536])),
        )
        .await
        .unwrap();
    let r = t
        .engine
        .put_secret_value(&root(), put_input("big", text(&over)))
        .await;
    expect_err(r, ErrorCode::Validation, None);
    // UpdateSecret.
    t.engine
        .update_secret(&root(), update_value("big", text(&max)))
        .await
        .unwrap();
    let r = t
        .engine
        .update_secret(
            &root(),
            update_value("big", SecretValue::binary(vec![1; 65_537])),
        )
        .await;
    expect_err(r, ErrorCode::Validation, None);
    // Multi-byte characters count as bytes.
    let r = t
        .engine
        .put_secret_value(&root(), put_input("big", text(&"é".repeat(32_769))))
        .await;
    expect_err(r, ErrorCode::Validation, None);
    // Nothing over the limit was stored.
    assert!(t.engine.describe_secret(&root(), "bigger").await.is_err());
}

#[tokio::test]
async fn empty_values_are_refused() {
    let t = TestStore::new().await;
    let r = t
        .engine
        .create_secret(&root(), named("empty", Some(text(""))))
        .await;
    expect_err(
        r,
        ErrorCode::Validation,
        Some(
            "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
    );
    create(&t, "e", "v1").await;
    let r = t
        .engine
        .put_secret_value(&root(), put_input("e", SecretValue::binary(Vec::new())))
        .await;
    expect_err(r, ErrorCode::Validation, None);
}

#[tokio::test]
async fn put_secret_value_needs_a_value() {
    let t = TestStore::new().await;
    create(&t, "nv", "v1").await;
    let r = t
        .engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: "nv".into(),
                ..Default::default()
            },
        )
        .await;
    expect_err(
        r,
        ErrorCode::InvalidRequest,
        Some("You must provide either SecretString or SecretBinary."),
    );
}

#[tokio::test]
async fn description_tags_and_type_are_length_checked() {
    let t = TestStore::new().await;
    let long = CreateSecretInput {
        description: Some("d".repeat(2049)),
        ..named("desc", None)
    };
    expect_err(
        t.engine.create_secret(&root(), long).await,
        ErrorCode::Validation,
        None,
    );
    let ok = CreateSecretInput {
        description: Some("d".repeat(2048)),
        ..named("desc", None)
    };
    t.engine.create_secret(&root(), ok).await.unwrap();
    let r = t
        .engine
        .update_secret(
            &root(),
            UpdateSecretInput {
                secret_id: "desc".into(),
                description: Some("d".repeat(2049)),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::Validation, None);
    let reserved = CreateSecretInput {
        tags: vec![Tag::new("aws:owner", "x")],
        ..named("tagged", None)
    };
    expect_err(
        t.engine.create_secret(&root(), reserved).await,
        ErrorCode::InvalidParameter,
        None,
    );
    let too_many = CreateSecretInput {
        tags: (0..51).map(|i| Tag::new(format!("k{i}"), "v")).collect(),
        ..named("tagged", None)
    };
    expect_err(
        t.engine.create_secret(&root(), too_many).await,
        ErrorCode::Validation,
        None,
    );
    let long_key = CreateSecretInput {
        tags: vec![Tag::new("k".repeat(129), "v")],
        ..named("tagged", None)
    };
    expect_err(
        t.engine.create_secret(&root(), long_key).await,
        ErrorCode::Validation,
        None,
    );
    assert!(t.engine.describe_secret(&root(), "tagged").await.is_err());
}

#[tokio::test]
async fn create_secret_with_an_unknown_kms_key_is_resource_not_found() {
    let t = TestStore::new().await;
    let r = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                kms_key_id: Some("alias/nope".into()),
                ..named("k", Some(text("v")))
            },
        )
        .await;
    expect_err(
        r,
        ErrorCode::ResourceNotFound,
        Some("Key 'alias/nope' does not exist."),
    );
    assert!(
        t.engine.describe_secret(&root(), "k").await.is_err(),
        "nothing was created"
    );
}

// ---------------------------------------------------------------------------------------
// Unknown and deleted secrets

#[tokio::test]
async fn every_action_on_an_unknown_secret_is_resource_not_found() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let ctx = root();
    let nf = ErrorCode::ResourceNotFound;
    expect_err(get(&t, "ghost").await, nf, Some(NOT_FOUND));
    expect_err(
        e.put_secret_value(&ctx, put_input("ghost", text("v")))
            .await,
        nf,
        Some(NOT_FOUND),
    );
    expect_err(
        e.update_secret(&ctx, update_value("ghost", text("v")))
            .await,
        nf,
        Some(NOT_FOUND),
    );
    expect_err(e.describe_secret(&ctx, "ghost").await, nf, Some(NOT_FOUND));
    expect_err(
        e.update_secret_version_stage(&ctx, stage_input("ghost"))
            .await,
        nf,
        Some(NOT_FOUND),
    );
    expect_err(
        e.list_secret_version_ids(
            &ctx,
            ListSecretVersionIdsInput {
                secret_id: "ghost".into(),
                ..Default::default()
            },
        )
        .await,
        nf,
        Some(NOT_FOUND),
    );
    expect_err(
        e.delete_secret(&ctx, delete_input("ghost", None, None))
            .await,
        nf,
        Some(NOT_FOUND),
    );
    expect_err(e.restore_secret(&ctx, "ghost").await, nf, Some(NOT_FOUND));
    expect_err(
        e.tag_resource(&ctx, "ghost", vec![Tag::new("a", "b")])
            .await,
        nf,
        Some(NOT_FOUND),
    );
    expect_err(
        e.untag_resource(&ctx, "ghost", vec!["a".into()]).await,
        nf,
        Some(NOT_FOUND),
    );
}

#[tokio::test]
async fn force_delete_of_an_unknown_secret_succeeds() {
    let t = TestStore::new().await;
    let out = t
        .engine
        .delete_secret(&root(), delete_input("ghost", None, Some(true)))
        .await
        .unwrap();
    assert_eq!(out.arn, None);
    assert_eq!(out.name, "ghost");
    assert_eq!(out.deletion_date, t.engine.now());
    // And of one already force-deleted.
    create(&t, "once", "v1").await;
    t.engine
        .delete_secret(&root(), delete_input("once", None, Some(true)))
        .await
        .unwrap();
    t.engine
        .delete_secret(&root(), delete_input("once", None, Some(true)))
        .await
        .unwrap();
    expect_err(
        get(&t, "once").await,
        ErrorCode::ResourceNotFound,
        Some(NOT_FOUND),
    );
}

#[tokio::test]
async fn recovery_window_must_be_7_to_30_days_and_not_combined_with_force() {
    let t = TestStore::new().await;
    create(&t, "w", "v1").await;
    let window = Some("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    for days in [0, 6, 31, -1] {
        let r = t
            .engine
            .delete_secret(&root(), delete_input("w", Some(days), None))
            .await;
        expect_err(r, ErrorCode::InvalidParameter, window);
    }
    let r = t
        .engine
        .delete_secret(&root(), delete_input("w", Some(7), Some(true)))
        .await;
    expect_err(
        r,
        ErrorCode::InvalidParameter,
        Some("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."),
    );
    // The checks come before the lookup: an unknown secret gets the same errors.
    let r = t
        .engine
        .delete_secret(&root(), delete_input("ghost", Some(31), None))
        .await;
    expect_err(r, ErrorCode::InvalidParameter, window);
    // Nothing was deleted by the refused calls.
    assert_eq!(current_text(&t, "w").await, "value-v1");
    // The bounds themselves are fine; ForceDeleteWithoutRecovery=false with a window too.
    let out = t
        .engine
        .delete_secret(&root(), delete_input("w", Some(7), Some(false)))
        .await
        .unwrap();
    assert_eq!(
        out.deletion_date,
        t.engine.now() + chrono::Duration::days(7)
    );
    t.engine.restore_secret(&root(), "w").await.unwrap();
    let out = t
        .engine
        .delete_secret(&root(), delete_input("w", Some(30), None))
        .await
        .unwrap();
    assert_eq!(
        out.deletion_date,
        t.engine.now() + chrono::Duration::days(30)
    );
}

#[tokio::test]
async fn a_secret_scheduled_for_deletion_refuses_reads_and_writes() {
    let t = TestStore::new().await;
    create(&t, "gone", "v1").await;
    put(&t, "gone", "v2").await;
    t.engine
        .delete_secret(&root(), delete_input("gone", None, None))
        .await
        .unwrap();
    let e = &t.engine;
    let ctx = root();
    let ir = ErrorCode::InvalidRequest;
    expect_err(get(&t, "gone").await, ir, Some(MARKED));
    expect_err(
        e.put_secret_value(&ctx, put_input("gone", text("v"))).await,
        ir,
        Some(MARKED),
    );
    expect_err(
        e.update_secret(&ctx, update_value("gone", text("v"))).await,
        ir,
        Some(MARKED),
    );
    let metadata_only = UpdateSecretInput {
        secret_id: "gone".into(),
        description: Some("d".into()),
        ..Default::default()
    };
    expect_err(e.update_secret(&ctx, metadata_only).await, ir, Some(MARKED));
    let mv = UpdateSecretVersionStageInput {
        secret_id: "gone".into(),
        version_stage: "AWSCURRENT".into(),
        remove_from_version_id: Some(token("v2")),
        move_to_version_id: Some(token("v1")),
    };
    expect_err(
        e.update_secret_version_stage(&ctx, mv).await,
        ir,
        Some(MARKED),
    );
    // DescribeSecret still works and shows the dates.
    let d = e.describe_secret(&ctx, "gone").await.unwrap();
    assert_eq!(d.deleted_date, Some(t.engine.now()));
    assert_eq!(
        d.deletion_date,
        Some(t.engine.now() + chrono::Duration::days(30))
    );
    assert_eq!(d.version_ids_to_stages.len(), 2);
    // After a restore everything works again.
    e.restore_secret(&ctx, "gone").await.unwrap();
    assert_eq!(current_text(&t, "gone").await, "value-v2");
    assert_eq!(
        e.describe_secret(&ctx, "gone").await.unwrap().deleted_date,
        None
    );
}

#[tokio::test]
async fn creating_a_name_that_is_scheduled_for_deletion_is_invalid_request() {
    let t = TestStore::new().await;
    create(&t, "again", "v1").await;
    t.engine
        .delete_secret(&root(), delete_input("again", Some(7), None))
        .await
        .unwrap();
    let r = t
        .engine
        .create_secret(&root(), named("again", Some(text("v"))))
        .await;
    expect_err(
        r,
        ErrorCode::InvalidRequest,
        Some(
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
        ),
    );
    // Even replaying the original create.
    let r = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                client_request_token: Some(token("v1")),
                ..named("again", Some(text("value-v1")))
            },
        )
        .await;
    expect_err(r, ErrorCode::InvalidRequest, None);
}

// ---------------------------------------------------------------------------------------
// Lookup by name and ARN

#[tokio::test]
async fn secrets_are_found_by_name_full_arn_and_partial_arn() {
    let t = TestStore::new().await;
    let c = create(&t, "app/db", "v1").await;
    let partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db";
    assert_eq!(&c.arn[..partial.len()], partial);
    assert_eq!(
        c.arn.len(),
        partial.len() + 7,
        "the ARN ends in -xxxxxx: {}",
        c.arn
    );
    assert!(
        c.arn[partial.len() + 1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
    );
    for id in ["app/db", c.arn.as_str(), partial] {
        let out = get(&t, id).await.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(out.arn, c.arn);
        assert_eq!(out.name, "app/db");
        t.engine.describe_secret(&root(), id).await.unwrap();
    }
    // Not found: a wrong suffix, another account, another region, a bare prefix, a prefix
    // of the name.
    let wrong_suffix = format!("{partial}-zzzzzz");
    let other_account = c.arn.replace("123456789012", "210987654321");
    let other_region = c.arn.replace("us-east-1", "eu-west-1");
    let bare = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    let short = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app";
    for id in [
        wrong_suffix.as_str(),
        &other_account,
        &other_region,
        bare,
        short,
        "app",
        "arn:nope",
    ] {
        expect_err(
            get(&t, id).await,
            ErrorCode::ResourceNotFound,
            Some(NOT_FOUND),
        );
    }
}

#[tokio::test]
async fn a_recreated_secret_has_a_new_arn_and_the_old_arn_finds_nothing() {
    let t = TestStore::new().await;
    let old = create(&t, "rec", "v1").await;
    t.engine
        .delete_secret(&root(), delete_input("rec", None, Some(true)))
        .await
        .unwrap();
    let new = create(&t, "rec", "v2").await;
    assert_ne!(old.arn, new.arn);
    expect_err(
        get(&t, &old.arn).await,
        ErrorCode::ResourceNotFound,
        Some(NOT_FOUND),
    );
    assert_eq!(get(&t, &new.arn).await.unwrap().version_id, token("v2"));
}

#[tokio::test]
async fn a_full_arn_only_works_in_its_own_region() {
    let t = TestStore::new().await;
    let c = create(&t, "regional", "v1").await;
    let eu = root().in_region("eu-west-1");
    let r = t.engine.get_secret_value(&eu, get_input(&c.arn)).await;
    expect_err(r, ErrorCode::ResourceNotFound, Some(NOT_FOUND));
}

#[tokio::test]
async fn secret_id_length_is_checked() {
    let t = TestStore::new().await;
    expect_err(get(&t, "").await, ErrorCode::Validation, None);
    expect_err(
        get(&t, &"x".repeat(2049)).await,
        ErrorCode::Validation,
        None,
    );
    expect_err(
        get(&t, &"x".repeat(2048)).await,
        ErrorCode::ResourceNotFound,
        None,
    );
}

// ---------------------------------------------------------------------------------------
// GetSecretValue version selection

#[tokio::test]
async fn get_secret_value_version_id_and_stage_must_agree() {
    let t = TestStore::new().await;
    create(&t, "sel", "v1").await;
    put(&t, "sel", "v2").await;
    let both = |v: &str, s: &str| GetSecretValueInput {
        secret_id: "sel".into(),
        version_id: Some(token(v)),
        version_stage: Some(s.into()),
    };
    let ok = t
        .engine
        .get_secret_value(&root(), both("v1", "AWSPREVIOUS"))
        .await
        .unwrap();
    assert_eq!(ok.value.as_str(), Some("value-v1"));
    let r = t
        .engine
        .get_secret_value(&root(), both("v1", "AWSCURRENT"))
        .await;
    expect_err(
        r,
        ErrorCode::InvalidRequest,
        Some("You provided a VersionStage that is not associated to the provided VersionId."),
    );
    let r = t.engine.get_secret_value(&root(), both("v1", "NOPE")).await;
    expect_err(r, ErrorCode::InvalidRequest, None);
    // A version that does not exist is not found, stage or not: AWS's rotation template
    // asks for (token, AWSPENDING) and creates the version on ResourceNotFoundException.
    let r = t
        .engine
        .get_secret_value(&root(), both("v7", "AWSPENDING"))
        .await;
    expect_err(
        r,
        ErrorCode::ResourceNotFound,
        Some(&format!(
            "Secrets Manager can't find the specified secret value for VersionId: {}",
            token("v7")
        )),
    );
}

#[tokio::test]
async fn get_secret_value_of_a_missing_label_or_version_names_it() {
    let t = TestStore::new().await;
    create(&t, "sel", "v1").await;
    let r = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                version_stage: Some("NOPE".into()),
                ..get_input("sel")
            },
        )
        .await;
    expect_err(
        r,
        ErrorCode::ResourceNotFound,
        Some("Secrets Manager can't find the specified secret value for staging label: NOPE"),
    );
    let r = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                version_id: Some(token("v9")),
                ..get_input("sel")
            },
        )
        .await;
    expect_err(
        r,
        ErrorCode::ResourceNotFound,
        Some(&format!(
            "Secrets Manager can't find the specified secret value for VersionId: {}",
            token("v9")
        )),
    );
    let r = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                version_id: Some("short".into()),
                ..get_input("sel")
            },
        )
        .await;
    expect_err(r, ErrorCode::Validation, None);
}

#[tokio::test]
async fn get_secret_value_of_a_secret_without_a_value_is_resource_not_found() {
    let t = TestStore::new().await;
    create_empty(&t, "novalue").await;
    expect_err(
        get(&t, "novalue").await,
        ErrorCode::ResourceNotFound,
        Some("Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"),
    );
}

// ---------------------------------------------------------------------------------------
// BatchGetSecretValue

fn filters(key: &str, value: &str) -> Option<Vec<RawFilter>> {
    Some(vec![(Some(key.into()), Some(vec![value.into()]))])
}

#[tokio::test]
async fn batch_get_needs_either_a_list_or_filters() {
    let t = TestStore::new().await;
    create(&t, "b1", "v1").await;
    let either = Some("Either 'SecretIdList' or 'Filters' must be provided, but not both.");
    let both = BatchGetSecretValueInput {
        secret_id_list: Some(vec!["b1".into()]),
        filters: filters("name", "b"),
        ..Default::default()
    };
    expect_err(
        t.engine.batch_get_secret_value(&root(), both).await,
        ErrorCode::InvalidParameter,
        either,
    );
    let neither = BatchGetSecretValueInput::default();
    expect_err(
        t.engine.batch_get_secret_value(&root(), neither).await,
        ErrorCode::InvalidParameter,
        either,
    );
    let max_without_filters = BatchGetSecretValueInput {
        secret_id_list: Some(vec!["b1".into()]),
        max_results: Some(5),
        ..Default::default()
    };
    expect_err(
        t.engine
            .batch_get_secret_value(&root(), max_without_filters)
            .await,
        ErrorCode::InvalidParameter,
        Some(
            "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.",
        ),
    );
    let too_many = BatchGetSecretValueInput {
        secret_id_list: Some((0..21).map(|i| format!("s{i}")).collect()),
        ..Default::default()
    };
    expect_err(
        t.engine.batch_get_secret_value(&root(), too_many).await,
        ErrorCode::Validation,
        None,
    );
    let empty = BatchGetSecretValueInput {
        secret_id_list: Some(Vec::new()),
        ..Default::default()
    };
    expect_err(
        t.engine.batch_get_secret_value(&root(), empty).await,
        ErrorCode::Validation,
        None,
    );
    let big_page = BatchGetSecretValueInput {
        filters: filters("name", "b"),
        max_results: Some(21),
        ..Default::default()
    };
    expect_err(
        t.engine.batch_get_secret_value(&root(), big_page).await,
        ErrorCode::Validation,
        None,
    );
    let bad_token = BatchGetSecretValueInput {
        filters: filters("name", "b"),
        next_token: Some("garbage".into()),
        ..Default::default()
    };
    expect_err(
        t.engine.batch_get_secret_value(&root(), bad_token).await,
        ErrorCode::InvalidNextToken,
        None,
    );
}

#[tokio::test]
async fn batch_get_reports_per_secret_failures_in_errors() {
    let t = TestStore::new().await;
    create(&t, "ok1", "v1").await;
    create(&t, "ok2", "v2").await;
    create(&t, "deleted", "v3").await;
    create_empty(&t, "empty").await;
    t.engine
        .delete_secret(&root(), delete_input("deleted", None, None))
        .await
        .unwrap();
    let out = t
        .engine
        .batch_get_secret_value(
            &root(),
            BatchGetSecretValueInput {
                secret_id_list: Some(vec![
                    "ok1".into(),
                    "ghost".into(),
                    "deleted".into(),
                    "ok2".into(),
                    "empty".into(),
                ]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<&str> = out.secret_values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, vec!["ok1", "ok2"]);
    assert_eq!(out.secret_values[0].value.as_str(), Some("value-v1"));
    assert_eq!(out.secret_values[1].version_stages, vec!["AWSCURRENT"]);
    let errors: Vec<(&str, &str)> = out
        .errors
        .iter()
        .map(|e| (e.secret_id.as_str(), e.error_code.as_str()))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("ghost", "ResourceNotFoundException"),
            ("deleted", "InvalidRequestException"),
            ("empty", "ResourceNotFoundException"),
        ]
    );
    assert_eq!(out.errors[0].message, NOT_FOUND);
    assert_eq!(out.errors[1].message, MARKED);
    assert_eq!(out.next_token, None);
}

#[tokio::test]
async fn batch_get_with_filters_pages_and_skips_deleted_secrets() {
    let t = TestStore::new().await;
    for (i, n) in ["team-a", "team-b", "team-c", "other"].iter().enumerate() {
        create(&t, n, &format!("v{i}")).await;
        t.clock.advance(chrono::Duration::seconds(1));
    }
    t.engine
        .delete_secret(&root(), delete_input("team-b", None, None))
        .await
        .unwrap();
    let page = |next_token: Option<String>| BatchGetSecretValueInput {
        filters: filters("name", "team"),
        max_results: Some(1),
        next_token,
        ..Default::default()
    };
    let first = t
        .engine
        .batch_get_secret_value(&root(), page(None))
        .await
        .unwrap();
    assert_eq!(first.secret_values.len(), 1);
    assert_eq!(first.secret_values[0].name, "team-a");
    let tok = first.next_token.clone().expect("a second page");
    let second = t
        .engine
        .batch_get_secret_value(&root(), page(Some(tok)))
        .await
        .unwrap();
    assert_eq!(second.secret_values[0].name, "team-c");
    assert_eq!(second.next_token, None);
    assert!(first.errors.is_empty() && second.errors.is_empty());
}

// ---------------------------------------------------------------------------------------
// Authorization, regions, sealing

#[tokio::test]
async fn a_principal_without_a_policy_is_denied_before_any_lookup() {
    let t = TestStore::new().await;
    create(&t, "guarded", "v1").await;
    let user = RequestContext {
        principal: Principal::Arn("arn:aws:iam::123456789012:user/alice".into()),
        ..root()
    };
    for id in ["guarded", "ghost"] {
        let r = t.engine.get_secret_value(&user, get_input(id)).await;
        let e = expect_err(r, ErrorCode::AccessDenied, None);
        assert!(e.message().contains("user/alice"), "{}", e.message());
        assert!(
            e.message().contains("secretsmanager:GetSecretValue"),
            "{}",
            e.message()
        );
    }
    let r = t
        .engine
        .put_secret_value(&user, put_input("guarded", text("stolen")))
        .await;
    expect_err(r, ErrorCode::AccessDenied, None);
    let r = t
        .engine
        .delete_secret(&user, delete_input("guarded", None, Some(true)))
        .await;
    expect_err(r, ErrorCode::AccessDenied, None);
    assert_eq!(current_text(&t, "guarded").await, "value-v1");
}

#[tokio::test]
async fn an_invalid_region_is_a_validation_error() {
    let t = TestStore::new().await;
    for region in ["EU-WEST-1", "uswest", "us-east-", "-1", "us_east_1"] {
        let ctx = root().in_region(region);
        let r = t
            .engine
            .create_secret(&ctx, named("r", Some(text("v"))))
            .await;
        expect_err(r, ErrorCode::Validation, None);
    }
    let r = t
        .engine
        .list_secrets(&root().in_region("bad"), ListSecretsInput::default())
        .await;
    expect_err(r, ErrorCode::Validation, None);
}

#[tokio::test]
async fn a_sealed_store_refuses_everything_until_unsealed() {
    let t = TestStore::new().await;
    create(&t, "s", "v1").await;
    t.engine.seal();
    expect_err(get(&t, "s").await, ErrorCode::StoreSealed, None);
    expect_err(
        t.engine
            .create_secret(&root(), named("t", Some(text("v"))))
            .await,
        ErrorCode::StoreSealed,
        None,
    );
    let r = t
        .engine
        .unseal(&coffer_engine::Password::from("wrong password"))
        .await;
    expect_err(r, ErrorCode::WrongPassword, None);
    assert!(t.engine.is_sealed());
    t.engine
        .unseal(&coffer_engine::Password::from(PASSWORD))
        .await
        .unwrap();
    assert_eq!(current_text(&t, "s").await, "value-v1");
}

#[tokio::test]
async fn replica_regions_are_refused() {
    let t = TestStore::new().await;
    let r = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                add_replica_regions: vec!["eu-west-1".into()],
                ..named("rep", Some(text("v")))
            },
        )
        .await;
    expect_err(r, ErrorCode::InvalidRequest, None);
}

#[tokio::test]
async fn get_random_password_checks_length_and_types() {
    let t = TestStore::new().await;
    let pw = t
        .engine
        .get_random_password(&root(), PasswordRules::default())
        .await
        .unwrap();
    assert_eq!(pw.len(), 32);
    let r = t
        .engine
        .get_random_password(
            &root(),
            PasswordRules {
                length: 4097,
                ..Default::default()
            },
        )
        .await;
    expect_err(
        r,
        ErrorCode::Validation,
        Some(
            "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096",
        ),
    );
    let r = t
        .engine
        .get_random_password(
            &root(),
            PasswordRules {
                exclude_numbers: true,
                exclude_punctuation: true,
                exclude_uppercase: true,
                exclude_lowercase: true,
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::InvalidParameter, None);
}
