//! TLS for the API: a self-signed certificate generated at first use, loaded into rustls.
//!
//! The certificate and key are PEM files at configured paths. When neither exists, one is
//! generated (rcgen, ECDSA P-256) for the loopback names plus any configured host names; the
//! key file is created with mode 0600 and never overwritten. Clients pin the certificate by
//! its SHA-256 fingerprint ([`fingerprint`]), which `coffer serve` prints at start-up.
//!
//! rustls runs on the `ring` provider, chosen explicitly rather than through the process
//! default, so a build that also links `aws-lc-rs` (the AWS SDK does) cannot make
//! `ServerConfig::builder()` ambiguous.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::ServeError;

/// Where the certificate and its private key live (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The certificate chain (PEM).
    pub cert_path: PathBuf,
    /// The private key (PEM, mode 0600 when generated here).
    pub key_path: PathBuf,
}

fn tls_err(what: &str, path: &Path, e: impl std::fmt::Display) -> ServeError {
    ServeError::Tls(format!("{what} {}: {e}", path.display()))
}

/// Makes sure the certificate and key exist: generates a self-signed pair for `localhost`,
/// `127.0.0.1`, `::1` and `extra_names` when neither file exists. Returns the certificate's
/// SHA-256 fingerprint.
///
/// # Errors
/// When only one of the two files exists, or a file cannot be written or read.
pub fn ensure_certificate(
    config: &TlsConfig,
    extra_names: &[String],
) -> Result<String, ServeError> {
    match (config.cert_path.exists(), config.key_path.exists()) {
        (true, true) => {}
        (false, false) => generate(config, extra_names)?,
        (true, false) => {
            return Err(tls_err(
                "certificate exists but not its key",
                &config.key_path,
                "missing",
            ));
        }
        (false, true) => {
            return Err(tls_err(
                "key exists but not its certificate",
                &config.cert_path,
                "missing",
            ));
        }
    }
    fingerprint(&config.cert_path)
}

fn generate(config: &TlsConfig, extra_names: &[String]) -> Result<(), ServeError> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for n in extra_names {
        if n != "*" && !names.contains(n) {
            names.push(n.clone());
        }
    }
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| ServeError::Tls(format!("generating a certificate: {e}")))?;
    for p in [&config.cert_path, &config.key_path] {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| tls_err("creating", dir, e))?;
        }
    }
    write_new(
        &config.key_path,
        certified.signing_key.serialize_pem().as_bytes(),
        0o600,
    )?;
    write_new(&config.cert_path, certified.cert.pem().as_bytes(), 0o644)?;
    Ok(())
}

/// Creates `path` (never overwriting) with `mode` on Unix, and syncs it.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ServeError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = options
        .open(path)
        .map_err(|e| tls_err("creating", path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| tls_err("writing", path, e))
}

/// The SHA-256 fingerprint of the first certificate in a PEM file, as uppercase hex pairs
/// joined by colons (the form `openssl x509 -fingerprint -sha256` prints).
///
/// # Errors
/// When the file cannot be read or holds no certificate.
pub fn fingerprint(cert_path: &Path) -> Result<String, ServeError> {
    let cert = load_certs(cert_path)?
        .into_iter()
        .next()
        .ok_or_else(|| tls_err("no certificate in", cert_path, "empty"))?;
    Ok(fingerprint_der(&cert))
}

fn fingerprint_der(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ServeError> {
    CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_err("reading", path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err("parsing", path, e))
}

/// Builds the rustls acceptor from the PEM files (HTTP/1.1 over ALPN).
pub(crate) fn acceptor(config: &TlsConfig) -> Result<tokio_rustls::TlsAcceptor, ServeError> {
    let certs = load_certs(&config.cert_path)?;
    if certs.is_empty() {
        return Err(tls_err("no certificate in", &config.cert_path, "empty"));
    }
    let key = PrivateKeyDer::from_pem_file(&config.key_path)
        .map_err(|e| tls_err("reading the key", &config.key_path, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(format!("certificate and key: {e}")))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(server)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_with_a_private_key_file_and_a_stable_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let config = TlsConfig {
            cert_path: dir.path().join("tls/cert.pem"),
            key_path: dir.path().join("tls/key.pem"),
        };
        let first = ensure_certificate(&config, &["coffer.lan".into()]).unwrap();
        assert_eq!(first.len(), 32 * 3 - 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&config.key_path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second start reuses the pair.
        assert_eq!(ensure_certificate(&config, &[]).unwrap(), first);
        assert_eq!(fingerprint(&config.cert_path).unwrap(), first);
        acceptor(&config).unwrap();
        // Half a pair is an error, not a silent regeneration.
        std::fs::remove_file(&config.key_path).unwrap();
        assert!(ensure_certificate(&config, &[]).is_err());
    }
}
