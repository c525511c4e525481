//! Test fixtures: a store with a user allowed `secretsmanager:*` and its access key, a
//! server bound to port 0, an `aws-sigv4` signer and a minimal hyper client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeZone, Utc};
use coffer_engine::{
    Engine, InitOptions, KdfParams, ManualClock, Password, PrincipalKind, RequestContext,
    SecretBytes, Source,
};
use coffer_http::{Server, ServerConfig};
use http::{HeaderValue, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;

/// The agent token the fixtures configure.
pub const AGENT_TOKEN: &str = "agent-token-0123456789abcdef";

/// A running server over a fresh store.
pub struct Fixture {
    /// The engine (also used by tests to change keys and move the clock).
    pub engine: Engine,
    /// The engine's clock; SigV4 skew is checked against it.
    pub clock: ManualClock,
    /// The server's address.
    pub addr: SocketAddr,
    /// The user's access key id.
    pub key_id: String,
    /// The user's secret access key.
    pub secret: String,
    /// The user's ARN.
    pub user_arn: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), coffer_http::ServeError>>>,
    _dir: tempfile::TempDir,
}

/// Root, from the CLI.
pub fn root() -> RequestContext {
    RequestContext::root(Source::Cli)
}

/// A store with user `app` (inline policy: `secretsmanager:*` on `*`), its access key, and
/// a secret `db/prod` = `hunter2`.
pub async fn store() -> (
    Engine,
    ManualClock,
    tempfile::TempDir,
    String,
    String,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap());
    let engine = Engine::init(
        &dir.path().join("coffer.db"),
        &Password::from("correct horse battery staple"),
        InitOptions {
            kdf: KdfParams::for_tests(),
            ..InitOptions::default()
        },
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let user = engine
        .create_principal(&root(), PrincipalKind::User, "app", None, vec![])
        .await
        .unwrap();
    engine
        .put_principal_policy(
            &root(),
            PrincipalKind::User,
            "app",
            "sm",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#,
        )
        .await
        .unwrap();
    let key = engine
        .create_access_key(&root(), PrincipalKind::User, "app")
        .await
        .unwrap();
    coffer_api::secretsmanager::call(
        &engine,
        &root(),
        "CreateSecret",
        br#"{"Name":"db/prod","SecretString":"hunter2"}"#,
    )
    .await
    .unwrap();
    let secret = key.secret_access_key.expose_str().unwrap().to_owned();
    (engine, clock, dir, key.info.access_key_id, secret, user.arn)
}

impl Fixture {
    /// A plain-HTTP server on 127.0.0.1:0 with the agent protocol on (as root).
    pub async fn start() -> Fixture {
        Self::start_with(|_| {}).await
    }

    /// The same, with the configuration adjusted by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> Fixture {
        let (engine, clock, dir, key_id, secret, user_arn) = store().await;
        let mut config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            agent_token: Some(SecretBytes::from(AGENT_TOKEN.to_owned())),
            ..ServerConfig::default()
        };
        tweak(&mut config);
        let server = Server::bind(engine.clone(), config).await.unwrap();
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        Fixture {
            engine,
            clock,
            addr,
            key_id,
            secret,
            user_arn,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// A signed JSON 1.1 request for `action`, signed now (engine clock) with the user's key.
    pub fn api(&self, action: &str, body: &str) -> Request<Vec<u8>> {
        self.api_signed(action, body, &self.key_id, &self.secret, self.clock_now())
    }

    /// A JSON 1.1 request signed with the given key at `at`.
    pub fn api_signed(
        &self,
        action: &str,
        body: &str,
        key_id: &str,
        secret: &str,
        at: DateTime<Utc>,
    ) -> Request<Vec<u8>> {
        let req = self.unsigned(action, body);
        sign(req, key_id, secret, "us-east-1", at)
    }

    /// A JSON 1.1 request without an Authorization header.
    pub fn unsigned(&self, action: &str, body: &str) -> Request<Vec<u8>> {
        Request::post("/")
            .header("host", self.addr.to_string())
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("secretsmanager.{action}"))
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    /// The engine clock's time.
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.engine.now()
    }

    /// Sends `req` over a new plain connection.
    pub async fn send(&self, req: Request<Vec<u8>>) -> Reply {
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        exchange(tcp, req).await
    }

    /// Opens a plain connection.
    pub async fn connect(&self) -> tokio::net::TcpStream {
        tokio::net::TcpStream::connect(self.addr).await.unwrap()
    }

    /// Opens a plain connection from `source` (any 127.x.y.z address is the loopback
    /// interface's, so tests can be clients at several addresses).
    pub async fn connect_from(&self, source: &str) -> tokio::net::TcpStream {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        socket.connect(self.addr).await.unwrap()
    }

    /// Sends `req` over a new plain connection from `source`.
    pub async fn send_from(&self, source: &str, req: Request<Vec<u8>>) -> Reply {
        exchange(self.connect_from(source).await, req).await
    }

    /// Signals shutdown without waiting.
    pub fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the server and waits until it has drained and returned.
    pub async fn stop(mut self) {
        self.begin_stop();
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

/// Signs `req` with `aws-sigv4` for `secretsmanager` in `region` at `at`.
pub fn sign(
    mut req: Request<Vec<u8>>,
    key_id: &str,
    secret: &str,
    region: &str,
    at: DateTime<Utc>,
) -> Request<Vec<u8>> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let identity: aws_smithy_runtime_api::client::identity::Identity =
        aws_credential_types::Credentials::new(key_id, secret, None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("secretsmanager")
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(at.timestamp() as u64))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let body = req.body().clone();
    let uri = format!(
        "http://{}{}",
        req.headers()["host"].to_str().unwrap(),
        req.uri()
    );
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let signable = SignableRequest::new(
        req.method().as_str(),
        &uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    for (name, value) in instructions.headers() {
        req.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    req
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The AWS error code (`__type`).
    pub fn error_code(&self) -> String {
        self.json()["__type"].as_str().unwrap_or("").to_owned()
    }

    /// The AWS error message.
    pub fn message(&self) -> String {
        self.json()["Message"].as_str().unwrap_or("").to_owned()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One HTTP/1.1 exchange over `io`.
pub async fn exchange<I>(io: I, req: Request<Vec<u8>>) -> Reply
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let req = req.map(|b| Full::new(Bytes::from(b)));
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .unwrap();
    tokio::spawn(conn);
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}
