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

// ---- the token file (issue 13 §3) ----

/// A token file as another account could have left it: `mode`, holding a token it knows.
fn planted_token_file(mode: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = coffer_http::agent::token_path(&dir.path().join("coffer.db"));
    std::fs::write(&path, format!("{PLANTED}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    (dir, path)
}

const PLANTED: &str = "planted-token-the-attacker-knows-0123456789";

/// The file now holds a fresh token the server uses: ours alone, mode 0600.
fn assert_replaced(path: &std::path::Path, token: &SecretBytes) {
    use std::os::unix::fs::MetadataExt;
    assert_ne!(
        token.expose(),
        PLANTED.as_bytes(),
        "the planted token was used"
    );
    let meta = std::fs::symlink_metadata(path).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600, "mode {:o}", meta.mode());
    // The uid this process creates files as.
    let mine = tempfile::tempfile().unwrap().metadata().unwrap().uid();
    assert_eq!(meta.uid(), mine, "the file is not the server's own");
    assert_eq!(
        std::fs::read_to_string(path).unwrap().trim().as_bytes(),
        token.expose()
    );
}

/// A token file others can read gives every local account the agent's access: it is
/// replaced (new token), not used.
#[test]
fn a_token_file_others_can_read_is_replaced() {
    for mode in [0o644, 0o640, 0o604, 0o666] {
        let (_dir, path) = planted_token_file(mode);
        let token = coffer_http::agent::load_or_create_token(&path).unwrap();
        assert_replaced(&path, &token);
    }
    // Ours, mode 0600: kept.
    let (_dir, path) = planted_token_file(0o600);
    let token = coffer_http::agent::load_or_create_token(&path).unwrap();
    assert_eq!(token.expose(), PLANTED.as_bytes());
}

/// A token file owned by another account (here `nobody`, made by chown as root; it can
/// rewrite the file whenever it likes) is replaced, not used.
#[test]
fn a_token_file_owned_by_someone_else_is_replaced() {
    let (_dir, path) = planted_token_file(0o600);
    std::os::unix::fs::chown(&path, Some(65534), Some(65534))
        .expect("chown to nobody (the test runs as root, as CI does)");
    let token = coffer_http::agent::load_or_create_token(&path).unwrap();
    assert_replaced(&path, &token);
}

/// A token path that is a symbolic link (to a file another account controls) is replaced
/// by a file of the server's own; the link's target is left alone.
#[test]
fn a_token_path_that_is_a_symlink_is_replaced() {
    let (dir, target) = planted_token_file(0o600);
    let path = coffer_http::agent::token_path(&dir.path().join("other.db"));
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let token = coffer_http::agent::load_or_create_token(&path).unwrap();
    assert_replaced(&path, &token);
    assert_eq!(std::fs::read_to_string(&target).unwrap().trim(), PLANTED);
}
