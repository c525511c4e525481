//! Starting and stopping: configuration refusals, TLS with a generated certificate, and a
//! graceful shutdown that lets an in-flight request finish.

use std::sync::Arc;

use coffer_http::{ServeError, Server, ServerConfig, TlsConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Fixture, exchange, store};

#[tokio::test]
async fn plain_http_off_loopback_is_refused() {
    let (engine, _clock, _dir, ..) = store().await;
    let err = Server::bind(
        engine,
        ServerConfig {
            listen: "0.0.0.0:0".parse().unwrap(),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServeError::PlaintextOffLoopback(_)), "{err}");
    assert!(err.to_string().contains("requires TLS"), "{err}");
}

#[tokio::test]
async fn skew_window_above_fifteen_minutes_is_refused() {
    let (engine, _clock, _dir, ..) = store().await;
    let err = Server::bind(
        engine,
        ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            max_skew: std::time::Duration::from_secs(16 * 60),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServeError::Config(_)), "{err}");
}

#[tokio::test]
async fn tls_with_a_generated_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let tls = TlsConfig {
        cert_path: certs.path().join("cert.pem"),
        key_path: certs.path().join("key.pem"),
    };
    let f = Fixture::start_with(|c| c.tls = Some(tls.clone())).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tls.key_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let fingerprint = coffer_http::tls::fingerprint(&tls.cert_path).unwrap();
    assert_eq!(fingerprint.split(':').count(), 32);

    // A client that trusts exactly this certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&tls.cert_path).unwrap())
        .unwrap();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(f.addr).await.unwrap();
    let stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let reply = exchange(stream, f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["SecretString"], "hunter2");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut tcp = tokio::net::TcpStream::connect(f.addr).await.unwrap();
    tcp.write_all(b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tcp.read_to_end(&mut buf).await;
    assert!(!buf.starts_with(b"HTTP/1.1 200"));
    f.stop().await;
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let mut f = Fixture::start().await;
    let req = f.api("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    let mut head = String::from("POST / HTTP/1.1\r\n");
    for (name, value) in req.headers() {
        head.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap()));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", req.body().len()));
    let body = req.body().clone();

    let mut tcp = tokio::net::TcpStream::connect(f.addr).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body[..5]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    // Shut down while the request is half sent.
    f.begin_stop();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    tcp.write_all(&body[5..]).await.unwrap();
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("hunter2"));

    let addr = f.addr;
    f.stop().await;
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
