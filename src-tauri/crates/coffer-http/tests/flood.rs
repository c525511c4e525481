//! Unauthenticated floods: failed authentication is throttled per source and per key id and
//! its audit events share group commits; slow bodies are cut off; connections beyond the
//! cap are refused. Nothing here sleeps: tests await replies and the engine's group-commit
//! counters; the only timer is the server's own (a body timeout configured small).

use std::time::Duration;

use coffer_engine::{AuditFilter, PrincipalKind, SecretBytes};
use coffer_http::ServerConfig;
use http_body_util::Full;
use hyper::body::Bytes;
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{AGENT_TOKEN, Fixture, Reply, root};

const GET: &str = r#"{"SecretId":"db/prod"}"#;

/// How long a test waits for something that, without its defence, never happens: a bound
/// on a failing run, not a wait a passing run depends on.
const NEVER: Duration = Duration::from_secs(30);

/// Throttling after `burst` failures, with no refill during the test (the clock is manual).
fn throttled_after(burst: u32) -> impl FnOnce(&mut ServerConfig) {
    move |c| {
        c.limits.auth_failure_burst = burst;
        c.limits.auth_failure_interval = Duration::from_secs(3600);
        c.limits.throttled_answer_delay = Duration::ZERO;
    }
}

impl Fixture {
    /// GetSecretValue signed with the user's key id and a wrong secret.
    fn bad_signature(&self) -> http::Request<Vec<u8>> {
        self.api_signed(
            "GetSecretValue",
            GET,
            &self.key_id,
            "wrong",
            self.clock_now(),
        )
    }

    /// Failed authentications in the audit log.
    async fn audited_failures(&self) -> usize {
        let filter = AuditFilter {
            action: Some("Authenticate".into()),
            limit: Some(1000),
            ..AuditFilter::default()
        };
        let page = self.engine.query_audit(&root(), &filter).await.unwrap();
        page.events.len()
    }
}

fn assert_throttled(reply: &Reply) {
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.error_code(), "ThrottlingException");
    assert_eq!(reply.message(), "Rate exceeded");
}

#[tokio::test]
async fn a_flood_of_bad_signatures_is_throttled_and_another_source_still_authenticates() {
    let f = Fixture::start_with(throttled_after(5)).await;
    for _ in 0..5 {
        let reply = f.send_from("127.0.0.1", f.bad_signature()).await;
        assert_eq!(reply.error_code(), "InvalidSignatureException");
    }
    for _ in 0..50 {
        assert_throttled(&f.send_from("127.0.0.1", f.bad_signature()).await);
    }
    // Only the burst was verified and audited; the throttled requests cost no store work.
    assert_eq!(f.audited_failures().await, 5);

    // The owner of the flooded key id, at another address, is served.
    let reply = f.send_from("127.0.0.2", f.api("GetSecretValue", GET)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["SecretString"], "hunter2");
    f.stop().await;
}

#[tokio::test]
async fn a_flooding_address_still_passes_keys_that_have_authenticated() {
    let f = Fixture::start_with(throttled_after(5)).await;
    // A second program on the same address, whose key has worked before the flood.
    let other = f
        .engine
        .create_access_key(&root(), PrincipalKind::User, "app")
        .await
        .unwrap();
    let other_secret = other.secret_access_key.expose_str().unwrap().to_owned();
    let other_get = || {
        let id = &other.info.access_key_id;
        f.api_signed("GetSecretValue", GET, id, &other_secret, f.clock_now())
    };
    assert_eq!(f.send_from("127.0.0.1", other_get()).await.status, 200);

    // A flood of made-up key ids from that address is throttled after the burst...
    for n in 0..20 {
        let req = f.api_signed(
            "GetSecretValue",
            GET,
            &format!("AKIA{n:016}"),
            "x",
            f.clock_now(),
        );
        let reply = f.send_from("127.0.0.1", req).await;
        if n < 5 {
            assert_eq!(reply.error_code(), "UnrecognizedClientException");
        } else {
            assert_throttled(&reply);
        }
    }
    // ...while the proven key from the same address is still served.
    let reply = f.send_from("127.0.0.1", other_get()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    f.stop().await;
}

#[tokio::test]
async fn failed_authentications_share_group_commits() {
    const N: u64 = 20;
    let f = Fixture::start_with(throttled_after(100)).await;
    let mut stats = f.engine.group_commit_stats();
    let before = *stats.borrow();

    // Another connection holds the store's write lock, so the first batch cannot commit
    // until every failure has been queued behind it.
    let url = format!("sqlite://{}", f.engine.store_path().display());
    let mut blocker = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let mut floods = Vec::new();
    for _ in 0..N {
        let (tcp, req) = (f.connect().await, f.bad_signature());
        floods.push(tokio::spawn(crate::support::exchange(tcp, req)));
    }
    tokio::time::timeout(NEVER, stats.wait_for(|s| s.queued >= before.queued + N))
        .await
        .expect("the failures were queued for group commit, not written one by one")
        .unwrap();
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();

    for flood in floods {
        assert_eq!(
            flood.await.unwrap().error_code(),
            "InvalidSignatureException"
        );
    }
    let after = *stats.borrow();
    assert_eq!(after.events - before.events, N);
    // The one blocked batch, then everything that queued behind it.
    assert!(
        after.batches - before.batches <= 2,
        "{N} failures took {} commits",
        after.batches - before.batches
    );
    // And they are in the tamper-evident chain like any other event.
    let report = f.engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    f.stop().await;
}

#[tokio::test]
async fn a_slow_body_is_cut_off() {
    let f = Fixture::start_with(|c| c.limits.body_read_timeout = Duration::from_millis(200)).await;
    let mut tcp = f.connect().await;
    // The headers promise 100 bytes; one arrives and then nothing.
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\ncontent-type: application/x-amz-json-1.1\r\nx-amz-target: secretsmanager.GetSecretValue\r\ncontent-length: 100\r\n\r\n{{",
        f.addr
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(NEVER, tcp.read_to_end(&mut answer))
        .await
        .expect("the server cut the slow body off and closed the connection")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains(r#""__type":"RequestTimeout""#), "{answer}");
    f.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_are_refused() {
    let f = Fixture::start_with(|c| c.limits.max_connections = 1).await;
    // The first connection is served and stays open (keep-alive).
    let (mut first, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(f.connect().await))
            .await
            .unwrap();
    let first_conn = tokio::spawn(conn);
    let reply = first
        .send_request(
            f.api("GetSecretValue", GET)
                .map(|b| Full::new(Bytes::from(b))),
        )
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    // While it is open, a second one is not served: it reads a 503 or finds the
    // connection closed, whichever its timing gives it.
    let (mut second, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(f.connect().await))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = f
        .api("GetSecretValue", GET)
        .map(|b| Full::new(Bytes::from(b)));
    if let Ok(reply) = second.send_request(req).await {
        assert_eq!(reply.status(), 503);
        assert_eq!(reply.headers()["x-amzn-errortype"], "ServiceUnavailable");
    }
    drop(first);
    let _ = first_conn.await;
    f.stop().await;
}

#[tokio::test]
async fn zero_limits_are_refused_at_bind() {
    let (engine, _clock, _dir, ..) = crate::support::store().await;
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        agent_token: Some(SecretBytes::from(crate::support::AGENT_TOKEN.to_owned())),
        ..ServerConfig::default()
    };
    for tweak in [
        |c: &mut ServerConfig| c.limits.max_connections = 0,
        |c: &mut ServerConfig| c.limits.body_read_timeout = Duration::ZERO,
        |c: &mut ServerConfig| c.limits.header_read_timeout = Duration::ZERO,
    ] {
        let mut c = config.clone();
        tweak(&mut c);
        let err = coffer_http::Server::bind(engine.clone(), c)
            .await
            .unwrap_err();
        assert!(matches!(err, coffer_http::ServeError::Config(_)), "{err}");
    }
}

/// A wrong agent-protocol token is a failed authentication like a bad signature: audited,
/// and its source is throttled once the burst is spent (429), while the right token from
/// another address is still served.
#[tokio::test]
async fn a_flood_of_bad_agent_tokens_is_throttled_and_audited() {
    let f = Fixture::start_with(throttled_after(3)).await;
    let agent = |token: &str| {
        http::Request::get("/secretsmanager/get?secretId=db/prod")
            .header("host", f.addr.to_string())
            .header("X-Aws-Parameters-Secrets-Token", token)
            .body(Vec::new())
            .unwrap()
    };
    for _ in 0..3 {
        let reply = f.send_from("127.0.0.1", agent("wrong")).await;
        assert_eq!(reply.status, 403, "{}", reply.text());
        assert_eq!(reply.text(), "Bad Token");
    }
    for _ in 0..20 {
        let reply = f.send_from("127.0.0.1", agent("wrong")).await;
        assert_eq!(reply.status, 429, "{}", reply.text());
        assert_eq!(reply.text(), "Rate exceeded");
    }
    assert_eq!(
        f.audited_failures().await,
        3,
        "each refused token is audited once"
    );
    let reply = f.send_from("127.0.0.2", agent(AGENT_TOKEN)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    f.stop().await;
}
