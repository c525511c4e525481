//! The real AWS clients against a real `coffer serve`: a boto3 application script
//! (`tests/data/app_boto3.py`), a shell-style AWS CLI sequence, and the Secrets Manager Agent
//! protocol, all as an IAM user with an access key made by `coffer iam`, then SIGTERM and a
//! clean exit; and a custom rotation function (`tests/data/rotator_boto3.py`) rotating a
//! secret through the server with the per-step credentials Coffer mints for it.
//!
//! The Python interpreter is `$COFFER_PYTHON` (else `python3`) and must import boto3; the
//! AWS CLI is `$COFFER_AWS_CLI` (else `aws`). `make python-deps` installs both into
//! `target/pyenv` and `make unit` points these variables at it. Missing tools fail the test:
//! it never skips.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_coffer");
const PASSWORD: &str = "correct horse battery staple";
const APP_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/app_boto3.py");
const ROTATOR_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rotator_boto3.py");
/// The ClientRequestToken the boto3 script uses for its third version of `app/db`.
const SCRIPT_V3: &str = "11111111-2222-3333-4444-555555555555";

/// The caller's identity policy: everything on `app/*`, plus the account-wide actions.
const APP_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*:*:secret:app/*"},
  {"Effect":"Allow","Action":["secretsmanager:ListSecrets","secretsmanager:GetRandomPassword"],"Resource":"*"}]}"#;

fn python() -> String {
    std::env::var("COFFER_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn aws_cli() -> String {
    std::env::var("COFFER_AWS_CLI").unwrap_or_else(|_| "aws".into())
}

/// Fails (never skips) with what to install when a client is missing.
fn require(what: &str, program: &str, args: &[&str]) {
    let problem = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => return,
        Ok(out) => format!(
            "`{program} {}` exited with {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("cannot run `{program}`: {e}"),
    };
    let ci = if std::env::var("CI").is_ok_and(|v| v == "true") {
        " CI=true: CI must provide it (`make unit` runs `make python-deps` first)."
    } else {
        ""
    };
    panic!(
        "{what} is required by this test and is missing: {problem}.\n\
         Install it with `make python-deps` (a venv in target/pyenv with boto3 and awscli), \
         then run with COFFER_PYTHON=$PWD/target/pyenv/bin/python \
         COFFER_AWS_CLI=$PWD/target/pyenv/bin/aws — or `pip install boto3 awscli` and put \
         `python3`/`aws` on PATH. This test does not skip.{ci}"
    );
}

/// One store in its own temporary directory.
struct Store {
    dir: TempDir,
    db: PathBuf,
    password_file: PathBuf,
}

impl Store {
    /// A freshly initialised store (cheap KDF so each unseal is fast).
    fn new() -> Store {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("s.db");
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("write password file");
        let s = Store {
            dir,
            db,
            password_file,
        };
        s.ok(&[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ]);
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--store")
            .arg(&self.db)
            .arg("--password-file")
            .arg(&self.password_file)
            .env_remove("COFFER_STORE")
            .env_remove("COFFER_PASSWORD_FILE")
            .env_remove("COFFER_REGION")
            .stdin(Stdio::null());
        c
    }

    /// Runs `coffer …` as root and expects exit 0 and JSON on stdout.
    fn ok(&self, args: &[&str]) -> Value {
        let out = self.command().args(args).output().expect("spawn coffer");
        assert_eq!(
            out.status.code(),
            Some(0),
            "coffer {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out.stdout, &format!("coffer {args:?}"))
    }
}

fn json(bytes: &[u8], what: &str) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "{what} printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(bytes)
        )
    })
}

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

/// A running `coffer serve`; killed on drop if the test did not stop it.
struct Server {
    child: Child,
    endpoint: String,
    stderr_path: PathBuf,
}

impl Server {
    fn start(store: &Store) -> Server {
        let stderr_path = store.path("serve.stderr");
        let stderr = File::create(&stderr_path).expect("create serve.stderr");
        let mut child = store
            .command()
            .args(["serve", "--listen", "127.0.0.1:0", "--agent"])
            .args(["--agent-principal", "root"])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn coffer serve");
        let stdout = child.stdout.take().expect("serve stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut server = Server {
            child,
            endpoint: String::new(),
            stderr_path,
        };
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let ready: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| {
            panic!(
                "coffer serve printed no Listening line ({e}): {line:?}\nstderr: {}",
                server.stderr()
            )
        });
        let endpoint = s(&ready["Listening"]).to_owned();
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "unexpected endpoint {endpoint}"
        );
        server.endpoint = endpoint;
        server
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// `host:port`.
    fn authority(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }

    /// SIGTERM through `kill`, then waits (bounded) for the exit.
    fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let st = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(st.success(), "kill -TERM {pid} failed: {st}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for coffer serve") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "coffer serve did not exit within 20 s of SIGTERM\nstderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The environment of an AWS client: these credentials and this endpoint, nothing from
/// the user's own AWS configuration, no proxy.
fn aws_env(c: &mut Command, store: &Store, key_id: &str, secret: &str, endpoint: &str) {
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_CA_BUNDLE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        c.env_remove(var);
    }
    c.env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", store.path("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            store.path("no-aws-credentials"),
        )
        .env("AWS_PAGER", "")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("COFFER_ENDPOINT", endpoint)
        .stdin(Stdio::null());
}

/// The AWS CLI, as the test's user, against the server.
struct Cli<'a> {
    store: &'a Store,
    key_id: String,
    secret: String,
    endpoint: String,
}

impl Cli<'_> {
    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(aws_cli());
        aws_env(
            &mut c,
            self.store,
            &self.key_id,
            &self.secret,
            &self.endpoint,
        );
        c.arg("--endpoint-url")
            .arg(&self.endpoint)
            .arg("secretsmanager")
            .args(args)
            .output()
            .expect("spawn aws")
    }

    fn text(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "aws secretsmanager {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    fn ok(&self, args: &[&str]) -> Value {
        let text = self.text(args);
        json(text.as_bytes(), &format!("aws secretsmanager {args:?}"))
    }

    /// Expects a service error: the CLI's exit code (255 for v1, 254 for v2) and its
    /// one-line message naming the error code and operation.
    fn error(&self, code: &str, operation: &str, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            matches!(out.status.code(), Some(254 | 255)),
            "aws secretsmanager {args:?}: expected a service error, got {}\nstdout: {}\nstderr: {stderr}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
        let expected = format!("An error occurred ({code}) when calling the {operation} operation");
        assert!(
            stderr.contains(&expected),
            "expected `{expected}`, got: {stderr}"
        );
        stderr
    }
}

/// Checks boto3 and the AWS CLI are there, then makes a store where root has set up the
/// caller the tests act as: user `app` with [`APP_POLICY`] and an access key (returned as
/// id and secret), and a secret `other/locked` it may not read.
fn clients_and_app_user() -> (Store, String, String) {
    require(
        "boto3 (Python)",
        &python(),
        &["-c", "import boto3, botocore"],
    );
    require("The AWS CLI (`aws`)", &aws_cli(), &["--version"]);
    let st = Store::new();
    st.ok(&["iam", "create-user", "--user-name", "app"]);
    st.ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "app",
        "--policy-name",
        "app-secrets",
        "--policy-document",
        APP_POLICY,
    ]);
    st.ok(&[
        "create-secret",
        "--name",
        "other/locked",
        "--secret-string",
        "not for app",
    ]);
    let k = st.ok(&["iam", "create-access-key", "--user-name", "app"]);
    let key_id = s(&k["AccessKey"]["AccessKeyId"]).to_owned();
    let secret = s(&k["AccessKey"]["SecretAccessKey"]).to_owned();
    (st, key_id, secret)
}

/// The execution role of the custom rotator below: the rotation actions on `app/token`
/// alone, as an AWS rotation Lambda's role.
const ROTATOR_ROLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue","secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage"],"Resource":"arn:aws:secretsmanager:*:*:secret:app/token-*"},
  {"Effect":"Allow","Action":"secretsmanager:GetRandomPassword","Resource":"*"}]}"#;

/// A custom rotation function (`coffer lambda create-function`, a boto3 script written as
/// an AWS rotation Lambda) rotates a secret through a running `coffer serve`: each step
/// gets its own access key of the function's execution role, which may rotate that secret
/// alone (reading another is AccessDenied), gone once the step returns; the rotation ends
/// with AWSCURRENT on the new token. The caller needs lambda:InvokeFunction to start it.
#[test]
fn a_custom_rotator_rotates_through_the_api_with_credentials_for_one_secret() {
    let (st, key_id, secret) = clients_and_app_user();
    st.ok(&["iam", "create-role", "--role-name", "token-rotator-role"]);
    st.ok(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "token-rotator-role",
        "--policy-name",
        "rotate-app-token",
        "--policy-document",
        ROTATOR_ROLE_POLICY,
    ]);
    st.ok(&[
        "create-secret",
        "--name",
        "app/token",
        "--secret-string",
        r#"{"service":"billing","token":"first-token"}"#,
    ]);
    let out = st.path("rotator-out");
    std::fs::create_dir(&out).expect("create rotator-out");
    let no_config = st.path("no-aws-config");
    st.ok(&[
        "lambda",
        "create-function",
        "--function-name",
        "token-rotator",
        "--role",
        "arn:aws:iam::123456789012:role/token-rotator-role",
        "--timeout",
        "60",
        "--environment",
        &format!("OUT_DIR={}", out.display()),
        "--environment",
        "FORBIDDEN_SECRET=other/locked",
        "--environment",
        &format!("AWS_CONFIG_FILE={}", no_config.display()),
        "--environment",
        &format!("AWS_SHARED_CREDENTIALS_FILE={}", no_config.display()),
        "--environment",
        "AWS_EC2_METADATA_DISABLED=true",
        "--command",
        &python(),
        ROTATOR_SCRIPT,
    ]);
    let mut server = Server::start(&st);
    let cli = Cli {
        store: &st,
        key_id,
        secret,
        endpoint: server.endpoint.clone(),
    };
    let rotate = [
        "rotate-secret",
        "--secret-id",
        "app/token",
        "--rotation-lambda-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:token-rotator",
        "--rotation-rules",
        r#"{"AutomaticallyAfterDays": 30}"#,
    ];
    // secretsmanager:* on the secret is not enough: starting a rotation invokes the
    // function, which needs lambda:InvokeFunction on it (and changes nothing when refused).
    cli.error("AccessDeniedException", "RotateSecret", &rotate);
    let d = cli.ok(&["describe-secret", "--secret-id", "app/token"]);
    assert!(d.get("RotationEnabled").is_none(), "{d}");
    st.ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "app",
        "--policy-name",
        "invoke-token-rotator",
        "--policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:token-rotator"}]}"#,
    ]);
    let started = cli.ok(&rotate);
    let token = s(&started["VersionId"]).to_owned();
    // The server's scheduler runs the four steps in the background, as AWS invokes the
    // Lambda after RotateSecret returns. The rotator's finishSecret moves AWSCURRENT; the
    // rotation ends a moment later, when Coffer takes AWSPENDING off and records
    // LastRotatedDate, so the wait is for that end.
    let deadline = Instant::now() + Duration::from_secs(90);
    let described = loop {
        let d = cli.ok(&["describe-secret", "--secret-id", "app/token"]);
        let stages = &d["VersionIdsToStages"][token.as_str()];
        if stages
            .as_array()
            .is_some_and(|a| a.iter().any(|l| l == "AWSCURRENT"))
            && d["LastRotatedDate"].is_number()
        {
            break d;
        }
        assert!(
            Instant::now() < deadline,
            "the rotation did not finish in 90 s: {d}\nserver stderr: {}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(described["RotationEnabled"], true, "{described}");
    assert!(described["LastRotatedDate"].is_number(), "{described}");
    let stages = described["VersionIdsToStages"].to_string();
    assert!(!stages.contains("AWSPENDING"), "{stages}");
    let v = cli.ok(&["get-secret-value", "--secret-id", "app/token"]);
    assert_eq!(v["VersionId"], token.as_str(), "{v}");
    let value: Value = serde_json::from_str(s(&v["SecretString"])).expect("JSON secret");
    assert_eq!(value["service"], "billing", "{value}");
    let new_token = s(&value["token"]);
    assert_eq!(new_token.len(), 40, "{value}");
    assert_ne!(new_token, "first-token");

    let lines = |name: &str| -> Vec<Value> {
        std::fs::read_to_string(out.join(name))
            .unwrap_or_else(|e| panic!("the rotator wrote no {name}: {e}"))
            .lines()
            .map(|l| json(l.as_bytes(), name))
            .collect()
    };
    let forbidden = lines("forbidden");
    let steps: Vec<&str> = forbidden.iter().map(|f| s(&f["step"])).collect();
    assert_eq!(
        steps,
        ["createSecret", "setSecret", "testSecret", "finishSecret"]
    );
    for f in &forbidden {
        assert_eq!(f["outcome"], "AccessDeniedException", "{f}");
    }
    let credentials = lines("credentials");
    let ids: BTreeSet<&str> = credentials.iter().map(|c| s(&c["AccessKeyId"])).collect();
    assert_eq!(ids.len(), 4, "one key per step: {credentials:?}");
    // Each step's key died with its step.
    for c in &credentials {
        let old = Cli {
            store: &st,
            key_id: s(&c["AccessKeyId"]).to_owned(),
            secret: s(&c["SecretAccessKey"]).to_owned(),
            endpoint: server.endpoint.clone(),
        };
        old.error(
            "UnrecognizedClientException",
            "GetSecretValue",
            &["get-secret-value", "--secret-id", "app/token"],
        );
    }
    let status = server.terminate();
    assert!(status.success(), "coffer serve exited with {status}");
    // The role stays (it is the function's); none of the step keys does.
    let keys = st.ok(&[
        "iam",
        "list-access-keys",
        "--role-name",
        "token-rotator-role",
    ]);
    assert_eq!(
        keys["AccessKeyMetadata"].as_array().map(Vec::len),
        Some(0),
        "{keys}"
    );
}

/// A minimal HTTP/1.1 GET over a fresh connection; returns the status and the body.
fn http_get(authority: &str, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(authority).expect("connect to coffer serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request =
        format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("malformed HTTP response: {text:?}"));
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("malformed status line: {head:?}"));
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().replace(' ', "") == "transfer-encoding:chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("chunk size line");
        let n =
            usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).expect("chunk size");
        if n == 0 {
            return out;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
}

fn names(list: &Value) -> BTreeSet<String> {
    list["SecretList"]
        .as_array()
        .unwrap_or_else(|| panic!("no SecretList in {list}"))
        .iter()
        .map(|e| s(&e["Name"]).to_owned())
        .collect()
}

#[test]
fn boto3_aws_cli_and_agent_against_coffer_serve() {
    let (st, key_id, secret) = clients_and_app_user();

    let mut server = Server::start(&st);
    let token_path = st.path("s.db.agent-token");
    let token = std::fs::read_to_string(&token_path)
        .unwrap_or_else(|e| panic!("no agent token at {}: {e}", token_path.display()));
    let token = token.trim().to_owned();
    assert!(token.len() >= 16, "short agent token {token:?}");

    // 1. The boto3 application script.
    let mut c = Command::new(python());
    aws_env(&mut c, &st, &key_id, &secret, &server.endpoint);
    let out = c.arg(APP_SCRIPT).output().expect("spawn python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the boto3 script failed ({}):\nstdout: {stdout}\nstderr: {stderr}\nserver stderr: {}",
        out.status,
        server.stderr()
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.last().copied(),
        Some("boto3 OK"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let summary = json(lines[0].as_bytes(), "the boto3 script's summary");
    let db_arn = s(&summary["Arn"]).to_owned();
    let db_version = s(&summary["CurrentVersionId"]).to_owned();

    // 2. The AWS CLI, as a shell script would use it.
    let cli = Cli {
        store: &st,
        key_id: key_id.clone(),
        secret: secret.clone(),
        endpoint: server.endpoint.clone(),
    };
    // What the application left behind: the rolled-back credentials.
    let v = cli.ok(&["get-secret-value", "--secret-id", "app/db"]);
    assert_eq!(v["ARN"], db_arn.as_str(), "{v}");
    assert_eq!(v["VersionId"], db_version.as_str(), "{v}");
    let creds: Value = serde_json::from_str(s(&v["SecretString"])).expect("JSON secret");
    assert_eq!(creds["password"], "first-password", "{creds}");
    assert_eq!(creds["port"], 5432, "{creds}");
    // `--query … --output text`, the way scripts pull one field.
    let password = cli.text(&[
        "get-secret-value",
        "--secret-id",
        "app/db",
        "--version-stage",
        "AWSPREVIOUS",
        "--query",
        "SecretString",
        "--output",
        "text",
    ]);
    let previous: Value = serde_json::from_str(password.trim()).expect("JSON secret");
    assert_eq!(previous["password"], "second-password", "{previous}");

    // A secret from a file, a new version inline, versions, describe.
    let value_file = st.path("token.json");
    std::fs::write(&value_file, r#"{"token":"t1"}"#).unwrap();
    let file_arg = format!("file://{}", value_file.display());
    let created = cli.ok(&[
        "create-secret",
        "--name",
        "app/cli/token",
        "--description",
        "made by the AWS CLI",
        "--secret-string",
        &file_arg,
        "--tags",
        "Key=env,Value=ci",
        "Key=tool,Value=aws-cli",
    ]);
    let token_arn = s(&created["ARN"]).to_owned();
    let t1 = s(&created["VersionId"]).to_owned();
    assert!(
        token_arn
            .starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/cli/token-"),
        "{created}"
    );
    let text = cli.text(&[
        "get-secret-value",
        "--secret-id",
        "app/cli/token",
        "--query",
        "SecretString",
        "--output",
        "text",
    ]);
    assert_eq!(text.trim(), r#"{"token":"t1"}"#);
    let put = cli.ok(&[
        "put-secret-value",
        "--secret-id",
        &token_arn,
        "--secret-string",
        r#"{"token":"t2"}"#,
    ]);
    let t2 = s(&put["VersionId"]).to_owned();
    assert_ne!(t1, t2);
    assert_eq!(
        put["VersionStages"],
        serde_json::json!(["AWSCURRENT"]),
        "{put}"
    );
    let versions = cli.ok(&["list-secret-version-ids", "--secret-id", "app/cli/token"]);
    let stages: BTreeSet<(String, String)> = versions["Versions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| {
            let id = s(&v["VersionId"]).to_owned();
            v["VersionStages"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |l| (id.clone(), s(l).to_owned()))
        })
        .collect();
    assert_eq!(
        stages,
        BTreeSet::from([
            (t1.clone(), "AWSPREVIOUS".to_owned()),
            (t2.clone(), "AWSCURRENT".to_owned())
        ]),
        "{versions}"
    );
    let d = cli.ok(&["describe-secret", "--secret-id", "app/cli/token"]);
    assert_eq!(d["Description"], "made by the AWS CLI", "{d}");
    assert_eq!(d["Tags"].as_array().map(Vec::len), Some(2), "{d}");
    assert!(d.get("SecretString").is_none(), "{d}");

    // Listing: a filter, and the CLI's own paging (--max-items / --starting-token).
    let l = cli.ok(&["list-secrets", "--filters", "Key=name,Values=app/cli"]);
    assert_eq!(
        names(&l),
        BTreeSet::from(["app/cli/token".to_owned()]),
        "{l}"
    );
    let all = names(&cli.ok(&["list-secrets"]));
    assert!(all.len() >= 10, "{all:?}");
    let first = cli.ok(&["list-secrets", "--max-items", "4", "--page-size", "3"]);
    assert_eq!(names(&first).len(), 4, "{first}");
    let next = s(&first["NextToken"]).to_owned();
    let rest = cli.ok(&[
        "list-secrets",
        "--starting-token",
        &next,
        "--page-size",
        "3",
    ]);
    assert!(rest.get("NextToken").is_none(), "{rest}");
    let paged: BTreeSet<String> = names(&first).union(&names(&rest)).cloned().collect();
    assert_eq!(paged.len(), names(&first).len() + names(&rest).len());
    assert_eq!(paged, all, "paging lost or duplicated secrets");

    // Errors, by the CLI's message and exit code.
    let denied = cli.error(
        "AccessDeniedException",
        "GetSecretValue",
        &["get-secret-value", "--secret-id", "other/locked"],
    );
    assert!(denied.contains("user/app"), "{denied}");
    cli.error(
        "ResourceNotFoundException",
        "GetSecretValue",
        &["get-secret-value", "--secret-id", "app/missing"],
    );
    cli.error(
        "ResourceExistsException",
        "CreateSecret",
        &["create-secret", "--name", "app/db", "--secret-string", "x"],
    );
    let del = cli.ok(&[
        "delete-secret",
        "--secret-id",
        "app/cli/token",
        "--force-delete-without-recovery",
    ]);
    assert_eq!(del["ARN"], token_arn.as_str(), "{del}");
    assert!(del["DeletionDate"].is_number(), "{del}");
    cli.error(
        "ResourceNotFoundException",
        "GetSecretValue",
        &["get-secret-value", "--secret-id", "app/cli/token"],
    );

    // 3. The Secrets Manager Agent protocol with the token from beside the store.
    let auth = [("X-Aws-Parameters-Secrets-Token", token.as_str())];
    let (status, body) = http_get(
        server.authority(),
        "/secretsmanager/get?secretId=app%2Fdb",
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    let v = json(body.as_bytes(), "the agent");
    assert_eq!(v["ARN"], db_arn.as_str(), "{v}");
    assert_eq!(v["VersionId"], db_version.as_str(), "{v}");
    assert_eq!(v["VersionStages"], serde_json::json!(["AWSCURRENT"]), "{v}");
    let agent_creds: Value = serde_json::from_str(s(&v["SecretString"])).unwrap();
    assert_eq!(agent_creds, creds);
    let (status, body) = http_get(
        server.authority(),
        "/secretsmanager/get?secretId=app%2Fdb&versionStage=AWSPREVIOUS",
        &auth,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(body.as_bytes(), "the agent")["VersionId"], SCRIPT_V3);
    let (status, body) = http_get(server.authority(), "/v1/app%2Fservice-3", &auth);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(body.as_bytes(), "the agent")["SecretString"],
        "token-3"
    );
    let (status, body) = http_get(
        server.authority(),
        "/secretsmanager/get?secretId=app%2Fdb",
        &[("X-Aws-Parameters-Secrets-Token", "not-the-token-0123456789")],
    );
    assert_eq!((status, body.trim()), (403, "Bad Token"));
    let (status, _) = http_get(
        server.authority(),
        "/secretsmanager/get?secretId=app%2Fdb",
        &[],
    );
    assert_eq!(status, 403);

    // 4. SIGTERM: a clean stop with exit 0.
    let status = server.terminate();
    assert_eq!(
        status.code(),
        Some(0),
        "coffer serve exited with {status} after SIGTERM\nstderr: {}",
        server.stderr()
    );
    assert!(
        server.stderr().contains("coffer: stopped"),
        "{}",
        server.stderr()
    );

    // The API traffic is in the audit log, which is intact.
    let denied_events = st.ok(&[
        "audit",
        "list",
        "--action",
        "GetSecretValue",
        "--outcome",
        "error",
    ]);
    let events = denied_events["Events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["Source"] == "api" && e["ErrorCode"] == "AccessDeniedException"),
        "no audited AccessDeniedException from the API: {denied_events}"
    );
    let v = st.ok(&["audit", "verify"]);
    assert_eq!(v["Intact"], true, "{v}");
    drop(server);
}
