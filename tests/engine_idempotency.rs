//! ClientRequestToken idempotency (reference §5): replaying a call with the same token and
//! value returns the first result and changes nothing; the same token with another value is
//! `ResourceExistsException`, with AWS's messages.

use chrono::Duration;
use coffer_engine::{
    CreateSecretInput, ErrorCode, PutSecretValueInput, SecretValue, UpdateSecretInput,
};

use crate::engine_support::{
    all_versions, audit_mark, audit_since, create, expect_err, put, stages,
};
use crate::support::{TestStore, root, text, token};

fn create_input(name: &str, tok: &str, value: &str) -> CreateSecretInput {
    CreateSecretInput {
        name: name.into(),
        client_request_token: Some(tok.into()),
        value: Some(text(value)),
        ..Default::default()
    }
}

fn put_input(id: &str, tok: &str, value: SecretValue) -> PutSecretValueInput {
    PutSecretValueInput {
        secret_id: id.into(),
        client_request_token: Some(tok.into()),
        value: Some(value),
        ..Default::default()
    }
}

fn update_input(id: &str, tok: &str, value: &str) -> UpdateSecretInput {
    UpdateSecretInput {
        secret_id: id.into(),
        client_request_token: Some(tok.into()),
        value: Some(text(value)),
        ..Default::default()
    }
}

fn token_in_use(tok: &str, arn: &str) -> String {
    format!(
        "You can't use ClientRequestToken {tok} because that value is already in use for a version of secret {arn}."
    )
}

#[tokio::test]
async fn create_secret_replayed_with_same_token_and_value_returns_the_first_result() {
    let t = TestStore::new().await;
    let first = t
        .engine
        .create_secret(&root(), create_input("db", &token("a"), "pw"))
        .await
        .unwrap();
    t.clock.advance(Duration::hours(1));
    let again = t
        .engine
        .create_secret(&root(), create_input("db", &token("a"), "pw"))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(again.version_id.as_deref(), Some(token("a").as_str()));
    assert_eq!(all_versions(&t, "db").await, vec![token("a")]);
    let d = t.engine.describe_secret(&root(), "db").await.unwrap();
    assert_eq!(
        d.created_date,
        d.last_changed_date.unwrap(),
        "a replay must not count as a change"
    );
}

#[tokio::test]
async fn create_secret_with_same_token_and_another_value_is_resource_exists() {
    let t = TestStore::new().await;
    let first = t
        .engine
        .create_secret(&root(), create_input("db", &token("a"), "pw"))
        .await
        .unwrap();
    let r = t
        .engine
        .create_secret(&root(), create_input("db", &token("a"), "other"))
        .await;
    expect_err(
        r,
        ErrorCode::ResourceExists,
        Some(&token_in_use(&token("a"), &first.arn)),
    );
    assert_eq!(crate::engine_support::current_text(&t, "db").await, "pw");
}

#[tokio::test]
async fn create_secret_with_an_existing_name_and_a_new_token_is_resource_exists() {
    let t = TestStore::new().await;
    create(&t, "db", "a").await;
    let msg = "The operation failed because the secret db already exists.";
    let r = t
        .engine
        .create_secret(&root(), create_input("db", &token("b"), "pw"))
        .await;
    expect_err(r, ErrorCode::ResourceExists, Some(msg));
    // No token at all (the SDKs would send a random one): the same error.
    let r = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "db".into(),
                value: Some(text("value-a")),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::ResourceExists, Some(msg));
    // The same name without a value.
    let r = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "db".into(),
                ..Default::default()
            },
        )
        .await;
    expect_err(r, ErrorCode::ResourceExists, Some(msg));
}

#[tokio::test]
async fn put_secret_value_replay_returns_that_version_and_creates_nothing() {
    let t = TestStore::new().await;
    create(&t, "api", "v1").await;
    let first = t
        .engine
        .put_secret_value(&root(), put_input("api", &token("v2"), text("two")))
        .await
        .unwrap();
    let again = t
        .engine
        .put_secret_value(&root(), put_input("api", &token("v2"), text("two")))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(again.version_stages, vec!["AWSCURRENT"]);
    assert_eq!(all_versions(&t, "api").await.len(), 2);
}

#[tokio::test]
async fn put_secret_value_replay_of_an_older_version_does_not_move_labels_back() {
    let t = TestStore::new().await;
    create(&t, "api", "v1").await;
    put(&t, "api", "v2").await;
    put(&t, "api", "v3").await;
    let before = stages(&t, "api").await;
    t.clock.advance(Duration::hours(1));
    let last_changed = t
        .engine
        .describe_secret(&root(), "api")
        .await
        .unwrap()
        .last_changed_date;
    // v2 is AWSPREVIOUS now; replaying its PutSecretValue returns it as it is.
    let again = t
        .engine
        .put_secret_value(&root(), put_input("api", &token("v2"), text("value-v2")))
        .await
        .unwrap();
    assert_eq!(again.version_id, token("v2"));
    assert_eq!(again.version_stages, vec!["AWSPREVIOUS"]);
    assert_eq!(stages(&t, "api").await, before);
    assert_eq!(
        t.engine
            .describe_secret(&root(), "api")
            .await
            .unwrap()
            .last_changed_date,
        last_changed
    );
    // The first version's token (from CreateSecret) replays too.
    let v1 = t
        .engine
        .put_secret_value(&root(), put_input("api", &token("v1"), text("value-v1")))
        .await
        .unwrap();
    assert!(
        v1.version_stages.is_empty(),
        "v1 is deprecated: {:?}",
        v1.version_stages
    );
    assert_eq!(all_versions(&t, "api").await.len(), 3);
}

#[tokio::test]
async fn put_secret_value_with_same_token_and_another_value_is_resource_exists() {
    let t = TestStore::new().await;
    let c = create(&t, "api", "v1").await;
    put(&t, "api", "v2").await;
    let r = t
        .engine
        .put_secret_value(&root(), put_input("api", &token("v2"), text("different")))
        .await;
    expect_err(
        r,
        ErrorCode::ResourceExists,
        Some(&token_in_use(&token("v2"), &c.arn)),
    );
    // The comparison covers the kind: the same bytes as binary are another value.
    let r = t
        .engine
        .put_secret_value(
            &root(),
            put_input(
                "api",
                &token("v2"),
                SecretValue::binary(b"value-v2".to_vec()),
            ),
        )
        .await;
    expect_err(
        r,
        ErrorCode::ResourceExists,
        Some(&token_in_use(&token("v2"), &c.arn)),
    );
    assert_eq!(
        crate::engine_support::current_text(&t, "api").await,
        "value-v2"
    );
    assert_eq!(all_versions(&t, "api").await.len(), 2);
}

#[tokio::test]
async fn binary_values_replay_when_the_bytes_match() {
    let t = TestStore::new().await;
    create(&t, "bin", "v1").await;
    let bytes = vec![0u8, 1, 2, 255];
    let first = t
        .engine
        .put_secret_value(
            &root(),
            put_input("bin", &token("b"), SecretValue::binary(bytes.clone())),
        )
        .await
        .unwrap();
    let again = t
        .engine
        .put_secret_value(
            &root(),
            put_input("bin", &token("b"), SecretValue::binary(bytes)),
        )
        .await
        .unwrap();
    assert_eq!(again, first);
    let r = t
        .engine
        .put_secret_value(
            &root(),
            put_input("bin", &token("b"), SecretValue::binary(vec![9])),
        )
        .await;
    expect_err(r, ErrorCode::ResourceExists, None);
}

#[tokio::test]
async fn update_secret_replayed_with_same_token_and_value_returns_the_token() {
    let t = TestStore::new().await;
    create(&t, "u", "v1").await;
    let first = t
        .engine
        .update_secret(&root(), update_input("u", &token("v2"), "two"))
        .await
        .unwrap();
    assert_eq!(first.version_id.as_deref(), Some(token("v2").as_str()));
    let again = t
        .engine
        .update_secret(&root(), update_input("u", &token("v2"), "two"))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(all_versions(&t, "u").await.len(), 2);
    let s = stages(&t, "u").await;
    assert_eq!(s[&token("v2")], vec!["AWSCURRENT"]);
    assert_eq!(s[&token("v1")], vec!["AWSPREVIOUS"]);
}

#[tokio::test]
async fn update_secret_with_same_token_and_another_value_is_resource_exists() {
    let t = TestStore::new().await;
    let c = create(&t, "u", "v1").await;
    let r = t
        .engine
        .update_secret(&root(), update_input("u", &token("v1"), "changed"))
        .await;
    expect_err(
        r,
        ErrorCode::ResourceExists,
        Some(&token_in_use(&token("v1"), &c.arn)),
    );
    assert_eq!(
        crate::engine_support::current_text(&t, "u").await,
        "value-v1"
    );
}

#[tokio::test]
async fn update_secret_conflict_rolls_back_the_metadata_change_too() {
    let t = TestStore::new().await;
    create(&t, "u", "v1").await;
    let r = t
        .engine
        .update_secret(
            &root(),
            UpdateSecretInput {
                description: Some("new description".into()),
                ..update_input("u", &token("v1"), "changed")
            },
        )
        .await;
    expect_err(r, ErrorCode::ResourceExists, None);
    let d = t.engine.describe_secret(&root(), "u").await.unwrap();
    assert_eq!(d.description, None);
}

#[tokio::test]
async fn client_request_token_must_be_32_to_64_characters() {
    let t = TestStore::new().await;
    create(&t, "tok", "v1").await;
    let msg = Some("ClientRequestToken must be 32-64 characters long.");
    for bad in ["x".repeat(31), "x".repeat(65), String::new()] {
        let r = t
            .engine
            .create_secret(&root(), create_input("tok-new", &bad, "v"))
            .await;
        expect_err(r, ErrorCode::InvalidParameter, msg);
        let r = t
            .engine
            .put_secret_value(&root(), put_input("tok", &bad, text("v")))
            .await;
        expect_err(r, ErrorCode::InvalidParameter, msg);
        let r = t
            .engine
            .update_secret(&root(), update_input("tok", &bad, "v"))
            .await;
        expect_err(r, ErrorCode::InvalidParameter, msg);
    }
    for good in ["y".repeat(32), "z".repeat(64)] {
        let out = t
            .engine
            .put_secret_value(&root(), put_input("tok", &good, text(&good)))
            .await
            .unwrap();
        assert_eq!(out.version_id, good);
    }
    assert!(t.engine.describe_secret(&root(), "tok-new").await.is_err());
}

#[tokio::test]
async fn without_a_token_each_call_makes_a_new_version() {
    let t = TestStore::new().await;
    create(&t, "auto", "v1").await;
    let put = |v: &str| PutSecretValueInput {
        secret_id: "auto".into(),
        value: Some(text(v)),
        ..Default::default()
    };
    let a = t
        .engine
        .put_secret_value(&root(), put("same"))
        .await
        .unwrap();
    let b = t
        .engine
        .put_secret_value(&root(), put("same"))
        .await
        .unwrap();
    assert_ne!(a.version_id, b.version_id);
    assert!((32..=64).contains(&a.version_id.len()));
    assert_eq!(all_versions(&t, "auto").await.len(), 3);
}

#[tokio::test]
async fn a_replay_is_audited_once_as_a_success() {
    let t = TestStore::new().await;
    create(&t, "aud", "v1").await;
    let mark = audit_mark(&t).await;
    t.engine
        .put_secret_value(&root(), put_input("aud", &token("v1"), text("value-v1")))
        .await
        .unwrap();
    let events = audit_since(&t, mark).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].action, "PutSecretValue");
    assert_eq!(events[0].outcome, "ok");
}
