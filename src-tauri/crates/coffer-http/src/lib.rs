//! Coffer's AWS-compatible HTTP API.
//!
//! Two protocols on one listener:
//! - **AWS JSON 1.1** — `POST /` with `X-Amz-Target: secretsmanager.<Action>`, signed with
//!   SigV4 by an access key stored in the engine. The AWS CLI, boto3 and every AWS SDK work
//!   with only an endpoint URL and a key. Each request runs as the key's owner, in the
//!   region named by the credential scope, through [`coffer_api::secretsmanager::call`].
//! - **The Secrets Manager Agent protocol** — `GET /secretsmanager/get?secretId=…` (and
//!   `GET /v1/<secretId>`) with the `X-Aws-Parameters-Secrets-Token` header, for
//!   applications written against AWS's local caching agent. The agent protocol has no
//!   signature: requests run as [`ServerConfig::agent_principal`].
//!
//! Guards in front of both: a request carrying `Origin` is refused (browsers add it; an API
//! for programs has no business answering a web page — CSRF and DNS rebinding), and the
//! `Host` header must name a loopback address unless other names are configured. Bodies are
//! capped before they are hashed, and every error — including 404, 405 and 413 — is an AWS
//! JSON error, never an HTML page. Plain HTTP is refused off loopback: there TLS is
//! mandatory (rustls, a self-signed certificate generated at first use, see [`tls`]).
//! [`Limits`] keep clients that never authenticate from exhausting the server: a cap on
//! connections, header and body timeouts, and throttled failed authentication.
//!
//! Boundaries: this crate is the only one that knows axum and hyper. It holds no state of
//! its own besides the configuration; the engine is the authority on keys (read on every
//! request, so a deactivated key fails at once), authorization and auditing.

pub mod agent;
pub mod sigv4;

mod server;
mod throttle;
pub mod tls;

use std::net::SocketAddr;
use std::time::Duration;

use coffer_engine::SecretBytes;

pub use server::{Server, serve};
pub use tls::TlsConfig;

/// The default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4599";

/// The default request-body cap. Secrets Manager values are at most 65,536 bytes; a JSON
/// request with one (base64 inflates binary by 4/3) stays far below this.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// How the server listens and whom it answers.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind. Anything other than a loopback address requires [`Self::tls`].
    pub listen: SocketAddr,
    /// SigV4 clock-skew window, at most 15 minutes ([`sigv4::MAX_SKEW_LIMIT`]).
    pub max_skew: Duration,
    /// Host names (without port) accepted in the `Host` header besides the loopback names
    /// `localhost`, `127.0.0.1`, `[::1]`. `*` accepts any host. The listen address, when it
    /// is a specific non-loopback IP, is always accepted.
    pub allowed_hosts: Vec<String>,
    /// The token the agent protocol requires in `X-Aws-Parameters-Secrets-Token` (or
    /// `X-Vault-Token`). `None` disables the agent protocol.
    pub agent_token: Option<SecretBytes>,
    /// The principal ARN agent requests run as; `None` means the account root. Authorization
    /// and the audit log see this principal, so give it a narrow read-only policy.
    pub agent_principal: Option<String>,
    /// TLS; required off loopback.
    pub tls: Option<TlsConfig>,
    /// Largest accepted request body; larger requests get HTTP 413.
    pub max_body_bytes: usize,
    /// Connection, timeout and failed-authentication limits.
    pub limits: Limits,
}

/// What a client may cost the server before it has authenticated.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once. A connection beyond it is answered 503
    /// (`ServiceUnavailable`, which SDKs retry) and closed at once.
    pub max_connections: usize,
    /// How long a client may take to send its request headers (slowloris guard).
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request body once its headers are in; a slower
    /// body is answered 408 (`RequestTimeout`) and the connection closed.
    pub body_read_timeout: Duration,
    /// Failed authentications a client address or an access key id may have in a burst
    /// before further requests are answered `ThrottlingException` without being verified
    /// or audited. 0 turns throttling off.
    pub auth_failure_burst: u32,
    /// After the burst, one more failure is allowed per this interval.
    pub auth_failure_interval: Duration,
    /// How long a throttled request waits for its answer. Answering at once would let one
    /// connection make tens of thousands of throttled requests a second, each cheap but
    /// together eating the CPU that authenticated callers need; held for this long, a
    /// flood makes at most `max_connections / throttled_answer_delay` of them a second.
    pub throttled_answer_delay: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(10),
            auth_failure_burst: 20,
            auth_failure_interval: Duration::from_secs(1),
            throttled_answer_delay: Duration::from_secs(1),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            max_skew: sigv4::DEFAULT_MAX_SKEW,
            allowed_hosts: Vec::new(),
            agent_token: None,
            agent_principal: None,
            tls: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            limits: Limits::default(),
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on a non-loopback address was asked for.
    #[error(
        "refusing to serve plain HTTP on {0}: off loopback the API requires TLS (configure a certificate, or listen on 127.0.0.1)"
    )]
    PlaintextOffLoopback(SocketAddr),
    /// The configuration is invalid; the message says how.
    #[error("invalid server configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The certificate or key could not be created or loaded.
    #[error("TLS: {0}")]
    Tls(String),
}
