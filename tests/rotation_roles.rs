//! Execution roles: a rotator acts as its role, never as Coffer. Starting a rotation needs
//! `lambda:InvokeFunction`; a built-in named directly acts under a role made for its secret
//! alone; a registered function acts under the role it was given (`iam:PassRole`), and a
//! role without the rights on the secret makes the rotation fail, not succeed as Coffer.

use coffer_engine::rotation::{CreateFunctionInput, RotateSecretInput, RotationRules, RotationRun};
use coffer_engine::{
    CreateSecretInput, ErrorCode, PrincipalKind, RequestContext, SecretDescription,
    SimulationInput, Source,
};
use serde_json::Value;

use crate::engine_support::audit_log;
use crate::support::{TestStore, root, text, token};

const GENERATED: &str = "arn:aws:lambda:us-east-1:123456789012:function:coffer-generated-value";

async fn store() -> TestStore {
    let t = TestStore::new().await;
    t.engine.set_rotators(coffer_rotators::registry());
    for name in ["app/a", "app/b"] {
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
    t
}

fn rotate(secret: &str, lambda: &str, tag: &str) -> RotateSecretInput {
    RotateSecretInput {
        secret_id: secret.into(),
        client_request_token: Some(token(tag)),
        rotation_lambda_arn: Some(lambda.into()),
        rotation_rules: Some(RotationRules {
            automatically_after_days: Some(30),
            ..Default::default()
        }),
        rotate_immediately: None,
    }
}

/// A principal of `kind` with one inline policy; returns its ARN.
async fn principal(t: &TestStore, kind: PrincipalKind, name: &str, policy: &str) -> String {
    let p = t
        .engine
        .create_principal(&root(), kind, name, None, Vec::new())
        .await
        .unwrap();
    t.engine
        .put_principal_policy(&root(), kind, name, "p", policy)
        .await
        .unwrap();
    p.arn
}

async fn describe(t: &TestStore, id: &str) -> SecretDescription {
    t.engine.describe_secret(&root(), id).await.unwrap()
}

fn detail(details: &str, key: &str) -> Option<String> {
    let v: Value = serde_json::from_str(details).unwrap();
    v[key].as_str().map(str::to_owned)
}

#[tokio::test]
async fn starting_a_rotation_needs_lambda_invoke_function_and_a_refusal_changes_nothing() {
    let t = store().await;
    let bob = principal(
        &t,
        PrincipalKind::User,
        "bob",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*:*:secret:app/*"}]}"#,
    )
    .await;
    let ctx = RequestContext::principal(Source::Api, bob.clone());
    let before = describe(&t, "app/a").await;
    let err = t
        .engine
        .rotate_secret(&ctx, rotate("app/a", GENERATED, "r1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
    assert!(err.message().contains("lambda:InvokeFunction"), "{err}");
    let after = describe(&t, "app/a").await;
    assert!(after.rotation.is_none() && before.rotation.is_none());
    assert_eq!(after.version_ids_to_stages, before.version_ids_to_stages);
    let roles = t
        .engine
        .list_principals(&root(), PrincipalKind::Role)
        .await
        .unwrap();
    assert!(
        roles.is_empty(),
        "a refused RotateSecret made a role: {roles:?}"
    );

    t.engine
        .put_principal_policy(
            &root(),
            PrincipalKind::User,
            "bob",
            "invoke",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"{GENERATED}"}}]}}"#
            ),
        )
        .await
        .unwrap();
    t.engine
        .rotate_secret(&ctx, rotate("app/a", GENERATED, "r1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_builtin_named_directly_acts_under_a_role_for_its_secret_alone() {
    let t = store().await;
    t.engine
        .rotate_secret(&root(), rotate("app/a", GENERATED, "r1"))
        .await
        .unwrap();
    let run = t.engine.run_rotation(&root(), "app/a").await.unwrap();
    assert_eq!(
        run,
        RotationRun::Succeeded {
            version_id: token("r1")
        }
    );
    let a = describe(&t, "app/a").await.arn;
    let events = audit_log(&t).await;
    let started = events
        .iter()
        .find(|e| e.action == "RotateSecret")
        .expect("RotateSecret");
    let role = detail(&started.details, "executionRoleArn").expect("executionRoleArn");
    assert!(
        role.starts_with("arn:aws:iam::123456789012:role/coffer-rotation/"),
        "{role}"
    );
    // Every call the rotator made acted as the role: none as Coffer or root.
    let calls: Vec<_> = events
        .iter()
        .filter(|e| {
            [
                "PutSecretValue",
                "UpdateSecretVersionStage",
                "GetRandomPassword",
            ]
            .contains(&e.action.as_str())
        })
        .collect();
    assert!(calls.len() >= 3, "{calls:?}");
    for e in &calls {
        assert_eq!(e.principal, role, "{e:?}");
        assert_eq!(e.decision, "allowed", "{e:?}");
    }
    // Every step's event names the role.
    let steps: Vec<_> = events
        .iter()
        .filter(|e| e.action == "RotationStepCompleted" || e.action == "RotationSucceeded")
        .collect();
    assert_eq!(steps.len(), 4, "{steps:?}");
    for e in &steps {
        assert_eq!(
            detail(&e.details, "executionRoleArn").as_deref(),
            Some(role.as_str())
        );
    }
    // The role may rotate app/a and nothing else.
    let b = describe(&t, "app/b").await.arn;
    let decisions: Vec<String> = t
        .engine
        .simulate_principal_policy(
            &root(),
            SimulationInput {
                policy_source_arn: role.clone(),
                action_names: vec!["secretsmanager:GetSecretValue".into()],
                resource_arns: vec![a.clone(), b],
                context_entries: Vec::new(),
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.decision)
        .collect();
    assert_eq!(decisions, ["allowed", "implicitDeny"]);
    // A second rotation reuses the secret's role.
    t.engine
        .rotate_secret(&root(), rotate("app/a", GENERATED, "r2"))
        .await
        .unwrap();
    let roles = t
        .engine
        .list_principals(&root(), PrincipalKind::Role)
        .await
        .unwrap();
    assert_eq!(roles.len(), 1, "{roles:?}");
}

#[tokio::test]
async fn a_registered_function_acts_as_the_role_the_caller_may_pass() {
    let t = store().await;
    let weak = principal(
        &t,
        PrincipalKind::Role,
        "weak",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetRandomPassword","Resource":"*"}]}"#,
    )
    .await;
    let function = |name: &str, role: Option<&str>, template: Option<&str>| CreateFunctionInput {
        function_name: name.into(),
        template: template.map(str::to_owned),
        role: role.map(str::to_owned),
        ..Default::default()
    };
    let generated = Some("coffer-generated-value");
    let err = t
        .engine
        .create_function(&root(), function("f", None, generated))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidParameter, "{err}");
    assert!(err.message().contains("execution role"), "{err}");
    let err = t
        .engine
        .create_function(
            &root(),
            function("f", Some("arn:aws:iam::123456789012:role/none"), generated),
        )
        .await
        .unwrap_err();
    assert!(err.message().contains("cannot be assumed"), "{err}");
    let err = t
        .engine
        .create_function(&root(), function("f", Some(&weak), Some("no-such-rotator")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidParameter, "{err}");
    // Registering needs iam:PassRole on the role.
    let carol = principal(
        &t,
        PrincipalKind::User,
        "carol",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"*"}]}"#,
    )
    .await;
    let err = t
        .engine
        .create_function(
            &RequestContext::principal(Source::Api, carol),
            function("f", Some(&weak), generated),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
    assert!(err.message().contains("iam:PassRole"), "{err}");

    // A role without the rights on the secret: the rotation fails, it never runs as Coffer.
    t.engine
        .create_function(&root(), function("weak-rotator", Some(&weak), generated))
        .await
        .unwrap();
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:weak-rotator";
    t.engine
        .rotate_secret(&root(), rotate("app/b", arn, "w1"))
        .await
        .unwrap();
    match t.engine.run_rotation(&root(), "app/b").await.unwrap() {
        RotationRun::Failed { error, .. } => assert!(error.contains("AccessDenied"), "{error}"),
        other => panic!("the weak role rotated the secret: {other:?}"),
    }
    let events = audit_log(&t).await;
    let denied = events
        .iter()
        .find(|e| e.principal == weak && e.decision == "denied")
        .expect("the role's refused call is audited under the role");
    assert_eq!(denied.action, "GetSecretValue", "{denied:?}");
}
