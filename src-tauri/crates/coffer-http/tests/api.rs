//! AWS JSON 1.1 over the real server: signed requests work, every kind of bad signature or
//! key is refused with AWS's code, and bad targets and bodies get AWS-style errors.

use chrono::Duration;
use coffer_engine::AuditFilter;
use http::HeaderValue;

use crate::support::{Fixture, root, sign};

#[tokio::test]
async fn get_secret_value_works() {
    let f = Fixture::start().await;
    let reply = f
        .send(f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    let request_id = reply.header("x-amzn-requestid").unwrap().to_owned();
    assert_eq!(request_id.len(), 36);
    let v = reply.json();
    assert_eq!(v["Name"], "db/prod");
    assert_eq!(v["SecretString"], "hunter2");
    assert_eq!(v["VersionStages"], serde_json::json!(["AWSCURRENT"]));

    // The request ran as the key's owner, from the API, with its key, address, region and
    // request id — and the audit log says so.
    let page = f
        .engine
        .query_audit(
            &root(),
            &AuditFilter {
                action: Some("GetSecretValue".into()),
                principal: Some(f.user_arn.clone()),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
    let event = page.events.first().expect("one audited read");
    assert_eq!(event.source, "api");
    assert_eq!(event.request_id, request_id);
    assert_eq!(event.access_key_id.as_deref(), Some(f.key_id.as_str()));
    assert_eq!(event.client_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(event.region.as_deref(), Some("us-east-1"));
    f.stop().await;
}

#[tokio::test]
async fn writes_and_errors_pass_through_the_api_layer() {
    let f = Fixture::start().await;
    let put = f
        .send(f.api(
            "PutSecretValue",
            r#"{"SecretId":"db/prod","SecretString":"hunter3"}"#,
        ))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let get = f
        .send(f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#))
        .await;
    assert_eq!(get.json()["SecretString"], "hunter3");

    let missing = f
        .send(f.api("GetSecretValue", r#"{"SecretId":"nope"}"#))
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.error_code(), "ResourceNotFoundException");
    assert!(missing.header("x-amzn-requestid").is_some());

    let bad_json = f.send(f.api("GetSecretValue", "{not json")).await;
    assert_eq!(bad_json.status, 400);
    assert_eq!(bad_json.error_code(), "SerializationException");
    f.stop().await;
}

#[tokio::test]
async fn missing_authorization_is_missing_authentication_token() {
    let f = Fixture::start().await;
    let reply = f
        .send(f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#))
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.error_code(), "MissingAuthenticationTokenException");
    assert_eq!(reply.message(), "Missing Authentication Token");
    f.stop().await;
}

#[tokio::test]
async fn wrong_secret_key_is_invalid_signature() {
    let f = Fixture::start().await;
    let reply = f
        .send(f.api_signed(
            "GetSecretValue",
            r#"{"SecretId":"db/prod"}"#,
            &f.key_id,
            "not-the-secret-key-at-all-0000000000000",
            f.clock_now(),
        ))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    assert_eq!(
        reply.message(),
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );
    assert!(!reply.text().contains("hunter2"));
    f.stop().await;
}

#[tokio::test]
async fn unknown_key_is_unrecognized_client() {
    let f = Fixture::start().await;
    let reply = f
        .send(f.api_signed(
            "GetSecretValue",
            r#"{"SecretId":"db/prod"}"#,
            "AKIANOSUCHKEY0000000",
            &f.secret,
            f.clock_now(),
        ))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "UnrecognizedClientException");
    assert_eq!(
        reply.message(),
        "The security token included in the request is invalid."
    );
    f.stop().await;
}

#[tokio::test]
async fn deactivated_key_is_refused_on_the_next_request() {
    let f = Fixture::start().await;
    let body = r#"{"SecretId":"db/prod"}"#;
    assert_eq!(f.send(f.api("GetSecretValue", body)).await.status, 200);
    f.engine
        .update_access_key(&root(), &f.key_id, "Inactive")
        .await
        .unwrap();
    let reply = f.send(f.api("GetSecretValue", body)).await;
    assert_eq!(reply.error_code(), "UnrecognizedClientException");
    f.engine
        .update_access_key(&root(), &f.key_id, "Active")
        .await
        .unwrap();
    assert_eq!(f.send(f.api("GetSecretValue", body)).await.status, 200);
    f.engine
        .delete_access_key(&root(), &f.key_id)
        .await
        .unwrap();
    let reply = f.send(f.api("GetSecretValue", body)).await;
    assert_eq!(reply.error_code(), "UnrecognizedClientException");
    f.stop().await;
}

#[tokio::test]
async fn skew_is_checked_against_the_engine_clock() {
    let f = Fixture::start().await;
    let body = r#"{"SecretId":"db/prod"}"#;
    let now = f.clock_now();
    let at = |d: Duration| f.api_signed("GetSecretValue", body, &f.key_id, &f.secret, now + d);
    assert_eq!(f.send(at(Duration::seconds(-299))).await.status, 200);
    assert_eq!(f.send(at(Duration::seconds(299))).await.status, 200);
    let old = f.send(at(Duration::seconds(-301))).await;
    assert_eq!(old.error_code(), "InvalidSignatureException");
    assert!(
        old.message().starts_with("Signature expired: "),
        "{}",
        old.message()
    );
    assert!(old.message().ends_with(" - 5 min.)"));
    let future = f.send(at(Duration::seconds(301))).await;
    assert!(
        future.message().starts_with("Signature not yet current: "),
        "{}",
        future.message()
    );
    // A request signed now and delivered after the engine clock moved on is stale.
    let signed_now = f.api("GetSecretValue", body);
    f.clock.advance(Duration::minutes(6));
    let late = f.send(signed_now).await;
    assert!(
        late.message().starts_with("Signature expired: "),
        "{}",
        late.message()
    );
    f.stop().await;
}

#[tokio::test]
async fn configured_skew_window_is_honoured() {
    let f = Fixture::start_with(|c| c.max_skew = std::time::Duration::from_secs(15 * 60)).await;
    let body = r#"{"SecretId":"db/prod"}"#;
    let at = f.clock_now() - Duration::seconds(14 * 60);
    let reply = f
        .send(f.api_signed("GetSecretValue", body, &f.key_id, &f.secret, at))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    f.stop().await;
}

#[tokio::test]
async fn tampered_requests_are_refused() {
    let f = Fixture::start().await;
    // A captured GetSecretValue replayed as DeleteSecret.
    let mut req = f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    req.headers_mut().insert(
        "x-amz-target",
        HeaderValue::from_static("secretsmanager.DeleteSecret"),
    );
    let reply = f.send(req).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    // One body byte changed (same length).
    let mut req = f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    *req.body_mut() = br#"{"SecretId":"db/prae"}"#.to_vec();
    let reply = f.send(req).await;
    assert_eq!(reply.error_code(), "InvalidSignatureException");
    // The secret is still there.
    let reply = f
        .send(f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#))
        .await;
    assert_eq!(reply.status, 200);
    f.stop().await;
}

#[tokio::test]
async fn region_comes_from_the_credential_scope() {
    let f = Fixture::start().await;
    // db/prod lives in the default region (us-east-1); a key scoped to another region sees
    // another namespace.
    let req = f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    let reply = f
        .send(sign(req, &f.key_id, &f.secret, "eu-west-1", f.clock_now()))
        .await;
    assert_eq!(
        reply.error_code(),
        "ResourceNotFoundException",
        "{}",
        reply.text()
    );
    let req = f.unsigned("CreateSecret", r#"{"Name":"eu/only","SecretString":"x"}"#);
    let reply = f
        .send(sign(req, &f.key_id, &f.secret, "eu-west-1", f.clock_now()))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(
        reply.json()["ARN"]
            .as_str()
            .unwrap()
            .contains(":eu-west-1:")
    );
    f.stop().await;
}

#[tokio::test]
async fn unknown_or_missing_target() {
    let f = Fixture::start().await;
    let mut req = f.unsigned("GetSecretValue", "{}");
    req.headers_mut()
        .insert("x-amz-target", HeaderValue::from_static("kms.Decrypt"));
    let reply = f
        .send(sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now()))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "UnknownOperationException");

    let mut req = f.unsigned("GetSecretValue", "{}");
    req.headers_mut().remove("x-amz-target");
    let reply = f
        .send(sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now()))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "UnknownOperationException");

    let reply = f.send(f.api("NoSuchAction", "{}")).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "InvalidAction");
    f.stop().await;
}

#[tokio::test]
async fn oversized_body_is_413_json() {
    let f = Fixture::start_with(|c| c.max_body_bytes = 4096).await;
    let big = format!(r#"{{"SecretId":"db/prod","Pad":"{}"}}"#, "x".repeat(5000));
    let reply = f.send(f.api("GetSecretValue", &big)).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(reply.error_code(), "RequestEntityTooLargeException");
    f.stop().await;
}

#[tokio::test]
async fn default_body_cap_is_one_mebibyte() {
    let f = Fixture::start().await;
    let big = format!(
        r#"{{"SecretId":"db/prod","Pad":"{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    let reply = f.send(f.api("GetSecretValue", &big)).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), "RequestEntityTooLargeException");
    f.stop().await;
}
