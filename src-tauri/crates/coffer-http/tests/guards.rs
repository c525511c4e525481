//! The guards in front of every route: no browsers (Origin), only expected Host names, and
//! JSON errors for unknown routes and methods.

use http::{HeaderValue, Request};

use crate::support::{Fixture, sign};

#[tokio::test]
async fn origin_header_is_refused_even_when_signed() {
    let f = Fixture::start().await;
    let mut req = f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    req.headers_mut()
        .insert("origin", HeaderValue::from_static("http://evil.example"));
    let req = sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now());
    let reply = f.send(req).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "AccessDeniedException");
    assert!(!reply.text().contains("hunter2"));
    f.stop().await;
}

#[tokio::test]
async fn non_loopback_host_is_refused() {
    let f = Fixture::start().await;
    let mut req = f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    req.headers_mut()
        .insert("host", HeaderValue::from_static("rebind.evil.example:4599"));
    let req = sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now());
    let reply = f.send(req).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "AccessDeniedException");

    // The agent protocol is guarded the same way.
    let reply = f
        .send(
            Request::get("/secretsmanager/get?secretId=db/prod")
                .header("host", "rebind.evil.example")
                .header(
                    "x-aws-parameters-secrets-token",
                    crate::support::AGENT_TOKEN,
                )
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 403);
    f.stop().await;
}

#[tokio::test]
async fn localhost_and_configured_hosts_are_accepted() {
    let f = Fixture::start_with(|c| c.allowed_hosts = vec!["coffer.lan".into()]).await;
    for host in ["localhost:1234", "coffer.lan"] {
        let mut req = f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
        req.headers_mut()
            .insert("host", HeaderValue::from_str(host).unwrap());
        let req = sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now());
        let reply = f.send(req).await;
        assert_eq!(reply.status, 200, "{host}: {}", reply.text());
    }
    f.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let f = Fixture::start().await;
    let reply = f
        .send(
            Request::get("/index.html")
                .header("host", "localhost")
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "UnknownOperationException");
    let reply = f
        .send(
            Request::get("/")
                .header("host", "localhost")
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.error_code(), "UnknownOperationException");
    let reply = f
        .send(
            Request::delete("/ping")
                .header("host", "localhost")
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, 405);
    assert!(reply.json()["__type"].is_string());
    f.stop().await;
}
