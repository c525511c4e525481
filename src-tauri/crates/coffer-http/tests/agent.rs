//! The Secrets Manager Agent protocol: token checks as the agent does them, GetSecretValue's
//! JSON, and the configured agent principal.

use coffer_engine::PrincipalKind;
use coffer_engine::SecretBytes;
use http::Request;

use crate::support::{AGENT_TOKEN, Fixture, Reply, root};

async fn agent_get(f: &Fixture, uri: &str, token: Option<&str>) -> Reply {
    let mut req = Request::get(uri).header("host", f.addr.to_string());
    if let Some(t) = token {
        req = req.header("X-Aws-Parameters-Secrets-Token", t);
    }
    f.send(req.body(Vec::new()).unwrap()).await
}

#[tokio::test]
async fn get_with_the_token_answers_get_secret_value_json() {
    let f = Fixture::start().await;
    let reply = agent_get(
        &f,
        "/secretsmanager/get?secretId=db%2Fprod",
        Some(AGENT_TOKEN),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let v = reply.json();
    assert_eq!(v["Name"], "db/prod");
    assert_eq!(v["SecretString"], "hunter2");
    assert!(
        v["ARN"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:secretsmanager:")
    );

    let by_stage = agent_get(
        &f,
        "/secretsmanager/get?secretId=db/prod&versionStage=AWSCURRENT",
        Some(AGENT_TOKEN),
    )
    .await;
    assert_eq!(by_stage.json()["VersionId"], v["VersionId"]);
    let version = v["VersionId"].as_str().unwrap();
    let by_id = agent_get(
        &f,
        &format!("/secretsmanager/get?secretId=db/prod&versionId={version}"),
        Some(AGENT_TOKEN),
    )
    .await;
    assert_eq!(by_id.json()["SecretString"], "hunter2");

    let path_style = agent_get(&f, "/v1/db%2Fprod", Some(AGENT_TOKEN)).await;
    assert_eq!(path_style.json()["SecretString"], "hunter2");

    let missing = agent_get(&f, "/secretsmanager/get?secretId=nope", Some(AGENT_TOKEN)).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.error_code(), "ResourceNotFoundException");
    f.stop().await;
}

#[tokio::test]
async fn missing_or_wrong_token_is_403() {
    let f = Fixture::start().await;
    for token in [None, Some("wrong"), Some("agent-token-0123456789abcdeX")] {
        let reply = agent_get(&f, "/secretsmanager/get?secretId=db/prod", token).await;
        assert_eq!(reply.status, 403, "{token:?}");
        assert_eq!(reply.text(), "Bad Token");
    }
    // X-Vault-Token is the agent's other accepted header.
    let reply = f
        .send(
            Request::get("/secretsmanager/get?secretId=db/prod")
                .header("host", "localhost")
                .header("x-vault-token", AGENT_TOKEN)
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 200);
    // Forwarded requests are refused before the token is looked at.
    let reply = f
        .send(
            Request::get("/secretsmanager/get?secretId=db/prod")
                .header("host", "localhost")
                .header("x-forwarded-for", "10.0.0.1")
                .header("x-aws-parameters-secrets-token", AGENT_TOKEN)
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 400);
    // The health check needs no token.
    let reply = agent_get(&f, "/ping", None).await;
    assert_eq!((reply.status, reply.text().as_str()), (200, "healthy"));
    // Bad parameters get the agent's texts.
    let reply = agent_get(&f, "/secretsmanager/get?versionStage=x", Some(AGENT_TOKEN)).await;
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (400, "missing parameter secretId")
    );
    f.stop().await;
}

#[tokio::test]
async fn disabled_without_a_token() {
    let f = Fixture::start_with(|c| c.agent_token = None).await;
    let reply = agent_get(
        &f,
        "/secretsmanager/get?secretId=db/prod",
        Some(AGENT_TOKEN),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "UnknownOperationException");
    f.stop().await;
}

#[tokio::test]
async fn agent_requests_run_as_the_configured_principal() {
    // A principal with no policy at all: the engine denies it.
    let f = Fixture::start_with(|c| {
        c.agent_principal = Some("arn:aws:iam::123456789012:user/agent".into());
        c.agent_token = Some(SecretBytes::from(AGENT_TOKEN.to_owned()));
    })
    .await;
    f.engine
        .create_principal(&root(), PrincipalKind::User, "agent", None, vec![])
        .await
        .unwrap();
    let reply = agent_get(
        &f,
        "/secretsmanager/get?secretId=db/prod",
        Some(AGENT_TOKEN),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.error_code(), "AccessDeniedException");
    // Granting it read access makes the same request work.
    f.engine
        .put_principal_policy(
            &root(),
            PrincipalKind::User,
            "agent",
            "read",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
        )
        .await
        .unwrap();
    let reply = agent_get(
        &f,
        "/secretsmanager/get?secretId=db/prod",
        Some(AGENT_TOKEN),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    f.stop().await;
}
