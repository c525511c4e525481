//! Helpers shared by the engine behaviour tests (`engine_*` modules): terse ways to call
//! the engine, to check an error's code and message, to load a case table from
//! `tests/data/`, and to read the audit log and the raw store rows a test needs to see.

use std::collections::BTreeMap;

use coffer_engine::{
    AuditEvent, AuditFilter, CreateSecretInput, CreateSecretOutput, Error, ErrorCode,
    GetSecretValueInput, ListSecretVersionIdsInput, PutSecretValueInput, PutSecretValueOutput,
    Result, SecretValueOutput,
};

use crate::support::{TestStore, root, text, token};

/// Loads `tests/data/<file>` as JSON.
pub fn data(file: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// Asserts that `r` failed with `code` and, when given, exactly `message`.
#[track_caller]
pub fn expect_err<T: std::fmt::Debug>(
    r: Result<T>,
    code: ErrorCode,
    message: Option<&str>,
) -> Error {
    match r {
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code(), code, "wrong code; message was: {}", e.message());
            if let Some(m) = message {
                assert_eq!(e.message(), m);
            }
            e
        }
    }
}

/// CreateSecret with a string value and the token `token(tag)`.
pub async fn create(t: &TestStore, name: &str, tag: &str) -> CreateSecretOutput {
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                client_request_token: Some(token(tag)),
                value: Some(text(&format!("value-{tag}"))),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

/// CreateSecret without a value.
pub async fn create_empty(t: &TestStore, name: &str) -> CreateSecretOutput {
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

/// PutSecretValue of `value-<tag>` as version `token(tag)` with the default labels.
pub async fn put(t: &TestStore, id: &str, tag: &str) -> PutSecretValueOutput {
    put_with(t, id, tag, None)
        .await
        .unwrap_or_else(|e| panic!("put {tag}: {e}"))
}

/// PutSecretValue of `value-<tag>` as version `token(tag)` with `stages`.
pub async fn put_with(
    t: &TestStore,
    id: &str,
    tag: &str,
    stages: Option<&[&str]>,
) -> Result<PutSecretValueOutput> {
    t.engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: id.into(),
                client_request_token: Some(token(tag)),
                value: Some(text(&format!("value-{tag}"))),
                version_stages: stages.map(|s| s.iter().map(|x| x.to_string()).collect()),
                ..Default::default()
            },
        )
        .await
}

/// GetSecretValue of AWSCURRENT.
pub async fn get(t: &TestStore, id: &str) -> Result<SecretValueOutput> {
    t.engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: id.into(),
                ..Default::default()
            },
        )
        .await
}

/// The string value of AWSCURRENT.
pub async fn current_text(t: &TestStore, id: &str) -> String {
    let out = get(t, id).await.unwrap_or_else(|e| panic!("get {id}: {e}"));
    out.value.as_str().expect("string value").to_owned()
}

/// DescribeSecret's VersionIdsToStages.
pub async fn stages(t: &TestStore, id: &str) -> BTreeMap<String, Vec<String>> {
    t.engine
        .describe_secret(&root(), id)
        .await
        .unwrap_or_else(|e| panic!("describe {id}: {e}"))
        .version_ids_to_stages
}

/// Every version id of a secret (deprecated ones too), newest first, over all pages.
pub async fn all_versions(t: &TestStore, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = t
            .engine
            .list_secret_version_ids(
                &root(),
                ListSecretVersionIdsInput {
                    secret_id: id.into(),
                    include_deprecated: true,
                    next_token: next_token.take(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("list versions {id}: {e}"));
        out.extend(page.versions.into_iter().map(|v| v.version_id));
        match page.next_token {
            Some(tok) => next_token = Some(tok),
            None => return out,
        }
    }
}

/// Request ids of the audit probes below start with this, so the probes' own events (and
/// any purge a probe happens to perform) can be told apart from the events under test.
const PROBE: &str = "audit-probe-";

/// The whole audit log, newest first, as it was before this query (the query itself is
/// audited as `ListAuditEvents` right after it reads).
pub async fn audit_log(t: &TestStore) -> Vec<AuditEvent> {
    let mut ctx = root();
    ctx.request_id = format!("{PROBE}{}", ctx.request_id);
    t.engine
        .query_audit(
            &ctx,
            &AuditFilter {
                limit: Some(10_000),
                ..Default::default()
            },
        )
        .await
        .expect("query audit")
        .events
}

/// The newest sequence number now; pass it to [`audit_since`].
pub async fn audit_mark(t: &TestStore) -> i64 {
    audit_log(t).await.first().map_or(0, |e| e.seq)
}

/// Events written after `mark`, oldest first, without the probes' own events.
pub async fn audit_since(t: &TestStore, mark: i64) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = audit_log(t)
        .await
        .into_iter()
        .filter(|e| e.seq > mark && !e.request_id.starts_with(PROBE))
        .collect();
    events.reverse();
    events
}

/// A read-only connection to the store file, for checks the API does not expose (which
/// key material sealed a version).
pub async fn raw_pool(t: &TestStore) -> sqlx::SqlitePool {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(t.path())
        .read_only(true);
    sqlx::SqlitePool::connect_with(opts)
        .await
        .expect("open store read-only")
}

/// `(key_id, material_version)` of a version, read from the store file.
pub async fn sealing_of(t: &TestStore, version_id: &str) -> (Option<String>, Option<i64>) {
    let pool = raw_pool(t).await;
    let row: (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT key_id, material_version FROM versions WHERE version_id = ?")
            .bind(version_id)
            .fetch_one(&pool)
            .await
            .expect("version row");
    pool.close().await;
    row
}
