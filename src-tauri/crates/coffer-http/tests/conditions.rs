//! Condition keys the server fills from the connection, checked through a real listener.

use std::sync::Arc;

use coffer_engine::{AuditFilter, PrincipalKind};
use coffer_http::TlsConfig;
use http::HeaderValue;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::support::{Fixture, exchange, root, sign};

/// On a dual-stack listener (`[::]`) the OS reports an IPv4 client as `::ffff:127.0.0.1`.
/// That address is not in `127.0.0.0/8`, so an `aws:SourceIp` Deny on IPv4 ranges never
/// matched anyone connecting over IPv4. The server gives the policy (and the audit log)
/// the IPv4 address.
#[tokio::test]
async fn source_ip_deny_matches_ipv4_clients_of_a_dual_stack_listener() {
    let certs = tempfile::tempdir().unwrap();
    let tls = TlsConfig {
        cert_path: certs.path().join("cert.pem"),
        key_path: certs.path().join("key.pem"),
    };
    // Off loopback the server requires TLS, `[::]` included.
    let f = Fixture::start_with(|c| {
        c.listen = "[::]:0".parse().unwrap();
        c.tls = Some(tls.clone());
    })
    .await;
    f.engine
        .put_principal_policy(
            &root(),
            PrincipalKind::User,
            "app",
            "no-loopback",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"secretsmanager:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}"#,
        )
        .await
        .unwrap();

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
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", f.addr.port()))
        .await
        .unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let mut req = f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    let host = format!("localhost:{}", f.addr.port());
    req.headers_mut()
        .insert("host", HeaderValue::from_str(&host).unwrap());
    let req = sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now());
    let reply = exchange(stream, req).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.error_code(), "AccessDeniedException");

    let page = f
        .engine
        .query_audit(
            &root(),
            &AuditFilter {
                action: Some("GetSecretValue".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
    let event = page.events.first().expect("the read is audited");
    assert_eq!(event.decision, "denied");
    assert_eq!(event.client_addr.as_deref(), Some("127.0.0.1"));
    f.stop().await;
}
