//! Authorization edges from the security review (issue 13 §3), each tried the way an
//! attacker holding a narrow policy would: tag keys that differ only in case, a
//! BatchGetSecretValue that lists by filter or names secrets it may not read, and a
//! CreateSecret retry that compares a value the caller may not see.

use coffer_engine::{
    BatchGetSecretValueInput, CreateSecretInput, ErrorCode, GetSecretValueInput, Result, Tag,
};
use serde_json::json;

use crate::engine_iam::{SM, add_user, user};
use crate::support::{TestStore, root, text, token};

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

/// BatchGetSecretValue with Filters lists secrets, so AWS requires
/// `secretsmanager:ListSecrets` for it; without, a caller allowed BatchGetSecretValue and
/// GetSecretValue on a few secrets learnt the ARN of every secret the filter matched from
/// the error entries. With SecretIdList the entries name the id as given, in the message
/// too: an existing secret's ARN (with its random suffix) tells that it exists.
#[tokio::test]
async fn batch_get_secret_value_reveals_no_secret_it_may_not_read() {
    let t = TestStore::new().await;
    for name in ["app/a", "app/b", "other/c"] {
        crate::engine_support::create(&t, name, name).await;
    }
    let reader = |list: bool| {
        let mut statements = vec![
            json!({"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"}),
            json!({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": format!("{SM}app/*")}),
        ];
        if list {
            statements.push(
                json!({"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}),
            );
        }
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    };
    add_user(&t, "reader", Some(reader(false))).await;
    add_user(&t, "lister", Some(reader(true))).await;
    let by_filter = || BatchGetSecretValueInput {
        filters: Some(vec![(
            Some("name".into()),
            Some(vec!["app".into(), "other".into()]),
        )]),
        ..Default::default()
    };

    let r = t
        .engine
        .batch_get_secret_value(&user("reader"), by_filter())
        .await;
    match &r {
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::AccessDenied, "{}", e.message());
            assert!(
                e.message().contains("secretsmanager:ListSecrets"),
                "{}",
                e.message()
            );
        }
        Ok(out) => panic!(
            "Filters without ListSecrets: {:?}",
            out.errors.iter().map(|e| &e.secret_id).collect::<Vec<_>>()
        ),
    }
    let listed = t
        .engine
        .batch_get_secret_value(&user("lister"), by_filter())
        .await
        .unwrap();
    assert_eq!(listed.secret_values.len(), 2);
    assert_eq!(listed.errors.len(), 1, "{:?}", listed.errors);

    let other_arn = t
        .engine
        .describe_secret(&root(), "other/c")
        .await
        .unwrap()
        .arn;
    let out = t
        .engine
        .batch_get_secret_value(
            &user("reader"),
            BatchGetSecretValueInput {
                secret_id_list: Some(vec!["app/a".into(), "other/c".into(), "other/d".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.secret_values.len(), 1);
    let [existing, missing] = &out.errors[..] else {
        panic!("two error entries: {:?}", out.errors);
    };
    assert_eq!(
        (existing.secret_id.as_str(), missing.secret_id.as_str()),
        ("other/c", "other/d")
    );
    for e in [existing, missing] {
        assert_eq!(e.error_code, "AccessDeniedException");
        assert!(!e.message.contains(&other_arn), "{}", e.message);
    }
    assert_eq!(
        existing.message.replace("other/c", "ID"),
        missing.message.replace("other/d", "ID"),
        "an existing and a missing secret are told apart"
    );
}

/// A CreateSecret retry with the ClientRequestToken of an existing version answers 200
/// when the value matches and ResourceExists when it does not: a value oracle. It was
/// authorized only against the ARN a new secret would get, so a caller denied on the
/// existing secret could still ask. The existing secret's policies decide first.
#[tokio::test]
async fn create_secret_retry_compares_no_value_the_caller_may_not_touch() {
    let t = TestStore::new().await;
    let first = t
        .engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "team/db".into(),
                client_request_token: Some(token("t1")),
                value: Some(text("s3cret")),
                tags: vec![Tag::new("team", "finance")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let allow_create =
        json!({"Effect": "Allow", "Action": "secretsmanager:CreateSecret", "Resource": "*"});
    let denials = [
        (
            "the secret's ARN",
            json!({"Effect": "Deny", "Action": "secretsmanager:*", "Resource": first.arn}),
        ),
        (
            "the secret's tag",
            json!({"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:ResourceTag/team": "finance"}}}),
        ),
    ];
    for (i, (what, deny)) in denials.into_iter().enumerate() {
        let name = format!("guesser{i}");
        let doc = json!({"Version": "2012-10-17", "Statement": [allow_create, deny]});
        add_user(&t, &name, Some(doc.to_string())).await;
        let guess = |value: &str| CreateSecretInput {
            name: "team/db".into(),
            client_request_token: Some(token("t1")),
            value: Some(text(value)),
            ..Default::default()
        };
        for value in ["s3cret", "wrong"] {
            match t.engine.create_secret(&user(&name), guess(value)).await {
                Err(e) if e.code() == ErrorCode::AccessDenied => {
                    assert!(!e.message().contains(&first.arn), "{}", e.message());
                }
                other => panic!("denied on {what}, guessing {value:?}: {other:?}"),
            }
        }
    }
    // The retry itself still works for a caller the secret does not deny.
    add_user(
        &t,
        "creator",
        Some(json!({"Version": "2012-10-17", "Statement": [allow_create]}).to_string()),
    )
    .await;
    let again = t
        .engine
        .create_secret(
            &user("creator"),
            CreateSecretInput {
                name: "team/db".into(),
                client_request_token: Some(token("t1")),
                value: Some(text("s3cret")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(again.arn, first.arn);
}
