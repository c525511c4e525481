//! Authorization edges from the security review (issue 13 §3), each tried the way an
//! attacker holding a narrow policy would: tag keys that differ only in case, a
//! BatchGetSecretValue that lists by filter or names secrets it may not read, and a
//! CreateSecret retry that compares a value the caller may not see.

use coffer_engine::{CreateSecretInput, ErrorCode, GetSecretValueInput, Result, Tag};
use serde_json::json;

use crate::engine_iam::{add_user, user};
use crate::support::{TestStore, root, text};

/// GetSecretValue of `id` as user `who`, reduced to allowed / the error code.
async fn read_as(t: &TestStore, who: &str, id: &str) -> Result<()> {
    t.engine
        .get_secret_value(
            &user(who),
            GetSecretValueInput {
                secret_id: id.into(),
                ..Default::default()
            },
        )
        .await
        .map(drop)
}

/// Condition key names are case-insensitive (IAM), tag keys are not (Secrets Manager), so
/// `env` and `Env` are two tags but one condition key, which then has both values. A
/// caller who may add tags but not touch `env` added `Env=dev`; the engine set the key
/// once per tag, the later tag replaced `prod`, and the Deny on `prod` no longer matched.
/// Both values are now in the request, so a Deny on either matches and an Allow on "not
/// prod" does not.
#[tokio::test]
async fn a_tag_differing_only_in_case_does_not_hide_another() {
    let t = TestStore::new().await;
    let mk = |name: &str, tags: Vec<Tag>| CreateSecretInput {
        name: name.into(),
        value: Some(text("payroll")),
        tags,
        ..Default::default()
    };
    t.engine
        .create_secret(&root(), mk("app/db", vec![Tag::new("env", "prod")]))
        .await
        .unwrap();
    let deny_prod = |action: &str, key: &str| {
        json!({"Effect": "Deny", "Action": action, "Resource": "*",
               "Condition": {"StringEquals": {key: "prod"}}})
    };
    let mallory = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
        deny_prod("secretsmanager:GetSecretValue", "aws:ResourceTag/env"),
        deny_prod("secretsmanager:DescribeSecret", "secretsmanager:ResourceTag/env"),
        deny_prod("secretsmanager:CreateSecret", "aws:RequestTag/env"),
        // The env tag itself is protected.
        {"Effect": "Deny", "Action": ["secretsmanager:TagResource", "secretsmanager:UntagResource"],
         "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}}
    ]});
    add_user(&t, "mallory", Some(mallory.to_string())).await;
    let not_prod = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:ResourceTag/env": "prod"}}}
    ]});
    add_user(&t, "auditor", Some(not_prod.to_string())).await;

    let denied = |r: Result<()>, what: &str| match r {
        Err(e) if e.code() == ErrorCode::AccessDenied => {}
        other => panic!("{what}: expected AccessDenied, got {other:?}"),
    };
    denied(read_as(&t, "mallory", "app/db").await, "read before");
    let retag = |key: &str| vec![Tag::new(key, "dev")];
    denied(
        t.engine
            .tag_resource(&user("mallory"), "app/db", retag("env"))
            .await,
        "changing env",
    );
    // A different tag for Secrets Manager: allowed.
    t.engine
        .tag_resource(&user("mallory"), "app/db", retag("Env"))
        .await
        .unwrap();
    denied(
        read_as(&t, "mallory", "app/db").await,
        "read with Env=dev beside env=prod",
    );
    denied(
        t.engine
            .describe_secret(&user("mallory"), "app/db")
            .await
            .map(drop),
        "describe with Env=dev beside env=prod (secretsmanager:ResourceTag)",
    );
    denied(
        read_as(&t, "auditor", "app/db").await,
        "an Allow on env != prod",
    );
    // The request's tags likewise: `Env=prod, env=dev` is `prod` too.
    let both = vec![Tag::new("Env", "prod"), Tag::new("env", "dev")];
    denied(
        t.engine
            .create_secret(&user("mallory"), mk("app/new", both))
            .await
            .map(drop),
        "CreateSecret tagged Env=prod and env=dev",
    );
    // A secret without prod in any case stays readable.
    t.engine
        .create_secret(&root(), mk("app/dev", vec![Tag::new("Env", "dev")]))
        .await
        .unwrap();
    read_as(&t, "mallory", "app/dev").await.unwrap();
    read_as(&t, "auditor", "app/dev").await.unwrap();
}
