//! The listener, the connection loop and the request handlers.
//!
//! Connections are accepted by hand (not `axum::serve`) so that one loop serves plain TCP
//! and TLS alike, each connection knows its peer address and whether it is encrypted, slow
//! TLS handshakes never hold up `accept`, and shutdown is graceful: the listener closes at
//! once and in-flight requests finish (up to [`DRAIN_TIMEOUT`]).
//!
//! Unauthenticated clients cannot exhaust it ([`crate::Limits`]): connections beyond the cap
//! are answered 503 and closed at once (no task, no buffer), headers and bodies must arrive
//! within their timeouts, and failed authentications are throttled per source and per key
//! id ([`crate::throttle`]) before a body is read or a signature computed.

mod agent_routes;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use coffer_api::ApiError;
use coffer_engine::{Engine, RequestContext, SecretBytes, Source};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::sigv4::{self, SigV4Error};
use crate::throttle::AuthThrottle;
use crate::{Limits, ServeError, ServerConfig, tls};

/// How long shutdown waits for in-flight requests before dropping their connections.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The JSON 1.1 content type, for requests and responses.
const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// Per-connection facts, attached to every request on the connection.
#[derive(Debug, Clone, Copy)]
struct Conn {
    peer: SocketAddr,
    tls: bool,
}

impl Conn {
    /// The client's address as policies (`aws:SourceIp`) and the audit log see it. A
    /// dual-stack listener (`[::]`) reports IPv4 clients as IPv4-mapped IPv6
    /// (`::ffff:127.0.0.1`), which no IPv4 range in an `IpAddress` condition contains, so
    /// a Deny on an IPv4 range would never match them: the mapped address is given back
    /// as the IPv4 address it is.
    fn client_addr(&self) -> String {
        self.peer.ip().to_canonical().to_string()
    }
}

/// What the handlers share.
struct AppState {
    engine: Engine,
    max_skew: Duration,
    allowed_hosts: Vec<String>,
    agent_token: Option<SecretBytes>,
    agent_principal: Option<String>,
    max_body_bytes: usize,
    body_read_timeout: Duration,
    throttle: AuthThrottle,
    throttled_answer_delay: Duration,
}

/// A bound server, not yet serving: tests bind port 0 and read [`Server::local_addr`].
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    limits: Limits,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("tls", &self.acceptor.is_some())
            .finish_non_exhaustive()
    }
}

/// Binds `config.listen` and serves until `shutdown` completes, then lets in-flight requests
/// finish. See [`Server::bind`] for the errors.
pub async fn serve(
    engine: Engine,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    Server::bind(engine, config).await?.run(shutdown).await
}

impl Server {
    /// Validates the configuration, prepares TLS (generating the certificate at first use)
    /// and binds the listener.
    ///
    /// # Errors
    /// [`ServeError::PlaintextOffLoopback`] for plain HTTP off loopback;
    /// [`ServeError::Config`] for a skew window outside 1 s ..= 15 min, or a zero
    /// connection cap or timeout;
    /// [`ServeError::Tls`] and [`ServeError::Bind`] when the certificate or the address fail.
    pub async fn bind(engine: Engine, config: ServerConfig) -> Result<Server, ServeError> {
        if config.tls.is_none() && !config.listen.ip().is_loopback() {
            return Err(ServeError::PlaintextOffLoopback(config.listen));
        }
        if config.max_skew < Duration::from_secs(1) || config.max_skew > sigv4::MAX_SKEW_LIMIT {
            return Err(ServeError::Config(format!(
                "the clock-skew window must be between 1 second and 15 minutes, not {:?}",
                config.max_skew
            )));
        }
        if config
            .agent_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            return Err(ServeError::Config(
                "the agent token must be at least 16 bytes".into(),
            ));
        }
        let limits = &config.limits;
        if limits.max_connections == 0
            || limits.header_read_timeout.is_zero()
            || limits.body_read_timeout.is_zero()
        {
            return Err(ServeError::Config(
                "the connection cap and the header and body timeouts must be above zero".into(),
            ));
        }
        let mut allowed_hosts: Vec<String> = config
            .allowed_hosts
            .iter()
            .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
            .collect();
        let ip = config.listen.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            allowed_hosts.push(host_of_ip(ip));
        }
        let acceptor = match &config.tls {
            Some(t) => {
                tls::ensure_certificate(t, &allowed_hosts)?;
                Some(tls::acceptor(t)?)
            }
            None => None,
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
        let state = Arc::new(AppState {
            engine,
            max_skew: config.max_skew,
            allowed_hosts,
            agent_token: config.agent_token,
            agent_principal: config.agent_principal,
            max_body_bytes: config.max_body_bytes,
            body_read_timeout: config.limits.body_read_timeout,
            throttled_answer_delay: config.limits.throttled_answer_delay,
            throttle: AuthThrottle::new(
                config.limits.auth_failure_burst,
                config.limits.auth_failure_interval,
            ),
        });
        Ok(Server {
            listener,
            local_addr,
            acceptor,
            app: router(state),
            limits: config.limits,
        })
    }

    /// The bound address (with the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// True when the server speaks TLS.
    pub fn is_tls(&self) -> bool {
        self.acceptor.is_some()
    }

    /// Serves until `shutdown` completes; then stops accepting, lets in-flight requests
    /// finish (at most [`DRAIN_TIMEOUT`]) and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(self.limits.max_connections));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let Ok(slot) = slots.clone().try_acquire_owned() else {
                            refuse_connection(&stream, self.acceptor.is_some());
                            continue;
                        };
                        let conn = Conn { peer, tls: self.acceptor.is_some() };
                        tokio::spawn(serve_connection(
                            stream,
                            conn,
                            self.acceptor.clone(),
                            self.app.clone(),
                            graceful.watcher(),
                            self.limits.header_read_timeout,
                            slot,
                        ));
                    }
                    // Out of descriptors or a connection reset before accept: back off a
                    // little instead of spinning, and keep serving.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
        Ok(())
    }
}

/// Answers a connection beyond [`Limits::max_connections`] and closes it: a plain client
/// reads a 503 its SDK retries (written without blocking: a fresh socket's send buffer is
/// empty); a TLS client sees the connection close. No task and no buffer are spent on it.
fn refuse_connection(stream: &tokio::net::TcpStream, tls: bool) {
    if tls {
        return;
    }
    let body = serde_json::json!({
        "__type": "ServiceUnavailable",
        "Message": "The server is serving its maximum number of connections; retry shortly.",
    })
    .to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {AMZ_JSON}\r\nx-amzn-errortype: ServiceUnavailable\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.try_write(response.as_bytes());
}

/// Serves one connection; `_slot` is its place under the connection cap, given back when
/// the connection ends.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    conn: Conn,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    watcher: Watcher,
    header_read_timeout: Duration,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(app.map_request(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(conn);
        req
    }));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    match acceptor {
        None => {
            let _ = watcher
                .watch(builder.serve_connection(TokioIo::new(stream), service))
                .await;
        }
        Some(acceptor) => {
            let Ok(Ok(tls)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
            else {
                return;
            };
            let _ = watcher
                .watch(builder.serve_connection(TokioIo::new(tls), service))
                .await;
        }
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", any(aws_json))
        .route("/ping", get(agent_routes::ping))
        .route("/secretsmanager/get", any(agent_routes::agent_query))
        .route("/v1/{*secret_id}", any(agent_routes::agent_path))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

// ------------------------------------------------------------------ responses

/// An AWS JSON error response with a request id.
fn error_response(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    let body = serde_json::json!({ "__type": code, "Message": message });
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        body.to_string(),
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    if let Ok(v) = HeaderValue::from_str(code) {
        h.insert("x-amzn-errortype", v);
    }
    resp
}

fn api_error_response(e: &ApiError, request_id: &str) -> Response {
    error_response(e.status, &e.code, &e.message, request_id)
}

fn sigv4_error_response(e: &SigV4Error, request_id: &str) -> Response {
    error_response(e.status(), e.code(), &e.to_string(), request_id)
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn not_found(req: Request) -> Response {
    error_response(
        404,
        "UnknownOperationException",
        &format!("No resource at {}.", truncate(req.uri().path(), 100)),
        &new_request_id(),
    )
}

async fn method_not_allowed(req: Request) -> Response {
    error_response(
        405,
        "UnknownOperationException",
        &format!(
            "Method {} is not allowed on {}.",
            req.method(),
            truncate(req.uri().path(), 100)
        ),
        &new_request_id(),
    )
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

// ------------------------------------------------------------------ guards

/// Refuses browser requests (`Origin`) and unexpected `Host` names before anything else.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.headers().contains_key(header::ORIGIN) {
        return error_response(
            403,
            "AccessDeniedException",
            "Requests from web pages are refused: this API is for programs, not browsers (the request has an Origin header).",
            &new_request_id(),
        );
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    if !host
        .as_deref()
        .is_some_and(|h| host_allowed(h, &state.allowed_hosts))
    {
        return error_response(
            403,
            "AccessDeniedException",
            "The Host header does not name this server. Use localhost or 127.0.0.1, or add the name to the server's allowed hosts.",
            &new_request_id(),
        );
    }
    next.run(req).await
}

/// True for `localhost`, `127.x.y.z`, `[::1]` (any port) and the configured names.
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = strip_port(host.trim())
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if name == "localhost" || name == "[::1]" {
        return true;
    }
    if name
        .parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
    {
        return true;
    }
    allowed.iter().any(|a| a == "*" || *a == name)
}

/// `host[:port]` → `host`; `[v6][:port]` → `[v6]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// How a listen IP appears in a `Host` header.
fn host_of_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

// ------------------------------------------------------------------ AWS JSON 1.1

/// `POST /`: throttle → body cap and timeout → SigV4 → target →
/// `coffer_api::secretsmanager::call`.
async fn aws_json(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let request_id = new_request_id();
    if req.method() != Method::POST {
        return error_response(
            405,
            "UnknownOperationException",
            "The AWS JSON API takes POST requests.",
            &request_id,
        );
    }
    let conn = req.extensions().get::<Conn>().copied();
    let source = conn.map(|c| c.peer.ip());
    // The key id as claimed, unverified: what failures are charged to and checked against.
    let claimed_key = sigv4::claimed_access_key_id(req.headers()).map(|k| truncate(k, 128));
    let now_ms = || state.engine.now().timestamp_millis();
    if let Some(ip) = source {
        if state
            .throttle
            .check(ip, claimed_key.as_deref(), now_ms())
            .is_err()
        {
            // Held, not answered at once: see `Limits::throttled_answer_delay`.
            tokio::time::sleep(state.throttled_answer_delay).await;
            return error_response(400, "ThrottlingException", "Rate exceeded", &request_id);
        }
    }
    let (parts, body) = req.into_parts();
    let read = read_body(body, &parts.headers, state.max_body_bytes);
    let body = match tokio::time::timeout(state.body_read_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return api_error_response(&e, &request_id),
        Err(_) => return body_timeout_response(state.body_read_timeout, &request_id),
    };
    let view = sigv4::Request {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    let principal = match authenticate(&state, &view).await {
        Ok(p) => p,
        Err(Failure::SigV4(e)) => {
            if let Some(ip) = source {
                state.throttle.failed(ip, claimed_key.as_deref(), now_ms());
            }
            return refuse_unauthenticated(&state, conn, &view, &e, &request_id).await;
        }
        Err(Failure::Api(e)) => return api_error_response(&e, &request_id),
    };
    state.throttle.succeeded(&principal.access_key_id);
    // IAM's "last used" (written at most once a minute per key).
    let _ = state
        .engine
        .record_access_key_use(
            &principal.access_key_id,
            &principal.region,
            "secretsmanager",
        )
        .await;

    let mut ctx = RequestContext::principal(Source::Api, principal.arn).in_region(principal.region);
    ctx.access_key_id = Some(principal.access_key_id);
    ctx.client_addr = conn.as_ref().map(Conn::client_addr);
    ctx.request_id = request_id.clone();
    ctx.secure_transport = conn.is_some_and(|c| c.tls);
    ctx.as_of = Some(principal.as_of);

    // From here on the caller is known: a refusal is audited as that caller's attempt.
    let refuse = async |action: &str, code: &str, message: String| {
        let e = ApiError::client(code, message);
        let e = coffer_api::secretsmanager::refuse(&state.engine, &ctx, action, e).await;
        api_error_response(&e, &request_id)
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .unwrap_or("");
    let Some(action) = target.strip_prefix("secretsmanager.") else {
        let message = if target.is_empty() {
            "The request has no X-Amz-Target header; expected secretsmanager.<Action>.".to_owned()
        } else {
            format!(
                "The operation {} is not valid for this web service.",
                truncate(target, 100)
            )
        };
        return refuse("", "UnknownOperationException", message).await;
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/x-amz-json-1.") {
        return refuse(
            action,
            "SerializationException",
            "Content-Type must be application/x-amz-json-1.1.".to_owned(),
        )
        .await;
    }

    match coffer_api::secretsmanager::call(&state.engine, &ctx, action, &body).await {
        Ok(value) => json_ok(&value, AMZ_JSON, &request_id),
        Err(e) => api_error_response(&e, &request_id),
    }
}

fn json_ok(value: &serde_json::Value, content_type: &'static str, request_id: &str) -> Response {
    let mut resp = (StatusCode::OK, value.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

/// Reads the body up to `max` bytes. A declared or actual size above it is a 413 with an
/// AWS-style JSON error; it is refused before the body is hashed.
async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError {
        code: "RequestEntityTooLargeException".into(),
        message: format!("The request body is larger than the maximum of {max} bytes."),
        status: 413,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(ApiError::client(
            "SerializationException",
            "The request body could not be read.",
        )),
    }
}

/// Audits a failed authentication, with what the caller claimed, and answers it. The
/// event is durable before the answer (fail closed: an unauditable request is not answered
/// as if it were fine).
async fn refuse_unauthenticated(
    state: &AppState,
    conn: Option<Conn>,
    view: &sigv4::Request<'_>,
    e: &SigV4Error,
    request_id: &str,
) -> Response {
    let mut ctx = RequestContext::root(Source::Api);
    ctx.request_id = request_id.to_owned();
    ctx.client_addr = conn.as_ref().map(Conn::client_addr);
    ctx.access_key_id = sigv4::parse(view, "secretsmanager")
        .ok()
        .map(|a| truncate(a.access_key_id(), 128).to_owned());
    let target = view
        .headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .unwrap_or("");
    let reason = format!("authentication failed for {}", truncate(target, 100));
    match state
        .engine
        .audit_authentication_failure(&ctx, "Authenticate", e.code(), &reason)
        .await
    {
        Ok(()) => sigv4_error_response(e, request_id),
        Err(audit) => api_error_response(&audit.into(), request_id),
    }
}

/// The answer to a body that did not arrive within `timeout` (a slowloris client): the
/// connection is closed, since the rest of the body may still be on its way.
fn body_timeout_response(timeout: Duration, request_id: &str) -> Response {
    let mut resp = error_response(
        408,
        "RequestTimeout",
        &format!("The request body was not received within {timeout:?}."),
        request_id,
    );
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Who signed a request.
struct Authenticated {
    arn: String,
    access_key_id: String,
    region: String,
    /// The store state the key was verified against; the request runs against it.
    as_of: coffer_engine::AsOf,
}

enum Failure {
    SigV4(SigV4Error),
    Api(ApiError),
}

/// A key that is never stored: unknown key ids still pay for one signature computation, so
/// the response time does not say whether an id exists.
const DUMMY_SECRET: &[u8] = b"coffer/v1/no-such-access-key-000000000000";

async fn authenticate(
    state: &AppState,
    req: &sigv4::Request<'_>,
) -> Result<Authenticated, Failure> {
    let auth = sigv4::parse(req, "secretsmanager").map_err(Failure::SigV4)?;
    if !coffer_engine::is_valid_region(auth.region()) {
        return Err(Failure::SigV4(SigV4Error::InvalidSignature(format!(
            "Credential should be scoped to a valid region, not '{}'.",
            truncate(auth.region(), 40)
        ))));
    }
    // Coffer issues no temporary credentials, so no session token can be valid.
    if req.headers.contains_key("x-amz-security-token") {
        return Err(Failure::SigV4(SigV4Error::UnrecognizedClient));
    }
    let credential = state
        .engine
        .authenticate(auth.access_key_id())
        .await
        .map_err(|e| Failure::Api(e.into()))?;
    let Some(credential) = credential else {
        let _ = auth.verify(req, DUMMY_SECRET);
        return Err(Failure::SigV4(SigV4Error::UnrecognizedClient));
    };
    auth.check_clock(state.engine.now(), state.max_skew)
        .map_err(Failure::SigV4)?;
    auth.verify(req, credential.secret_access_key.expose())
        .map_err(Failure::SigV4)?;
    Ok(Authenticated {
        arn: credential.principal_arn,
        access_key_id: auth.access_key_id().to_owned(),
        region: auth.region().to_owned(),
        as_of: credential.as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_and_configured_names() {
        let none: Vec<String> = Vec::new();
        for ok in [
            "localhost",
            "localhost:4599",
            "LOCALHOST.",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.1.2.3:9",
            "[::1]",
            "[::1]:4599",
        ] {
            assert!(host_allowed(ok, &none), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:4599",
            "localhost.evil.example",
            "10.0.0.1",
            "[::2]:1",
            "",
            "127.0.0.1.nip.io",
        ] {
            assert!(!host_allowed(bad, &none), "{bad}");
        }
        let allowed = vec!["coffer.lan".to_owned()];
        assert!(host_allowed("Coffer.lan:8443", &allowed));
        assert!(!host_allowed("other.lan", &allowed));
        assert!(host_allowed("anything", &["*".to_owned()]));
    }

    #[test]
    fn client_addr_gives_ipv4_mapped_addresses_as_ipv4() {
        let addr = |peer: &str| {
            Conn {
                peer: peer.parse().unwrap(),
                tls: false,
            }
            .client_addr()
        };
        assert_eq!(addr("[::ffff:127.0.0.1]:5000"), "127.0.0.1");
        assert_eq!(addr("[::ffff:10.1.2.3]:5000"), "10.1.2.3");
        assert_eq!(addr("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(addr("[::1]:5000"), "::1");
        assert_eq!(addr("[2001:db8::1]:5000"), "2001:db8::1");
    }
}
