//! The rows that decide who may do what, edited through the real file with the real
//! `sqlite3` shell while the store is closed (issue 13 §2): someone with the file (a sync
//! folder, a restored backup, malware while the app is locked) but without the master
//! password. Every edit, swap, delete-and-reinsert and copy from an older backup must be
//! refused at the next use with `StoreCorruptException` naming what was edited — never
//! obeyed — and `coffer audit verify` must report it.
//!
//! Each case also restores the file and uses the store again, which proves the edit really
//! reached the engine and that the refusal came from it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use coffer_engine::rotation::{RotateSecretInput, RotationRules};
use coffer_engine::{
    AuditFilter, CreateSecretInput, Engine, ErrorCode, GetSecretValueInput, Password,
    PrincipalKind, PutSecretValueInput, RequestContext, Source,
};
use serde_json::json;

use crate::support::{PASSWORD, TestStore, root, rotation_function, text, token};

/// Runs `sql` on the store file with the `sqlite3` shell (foreign keys off, as an editor
/// would have them).
fn sqlite3(path: &Path, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .unwrap_or_else(|e| {
            panic!("the tamper tests need the sqlite3 shell ({e}): run `make db-servers` (apt-get install sqlite3)")
        });
    assert!(
        out.status.success(),
        "sqlite3 {sql:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One `sqlite3` query's output, trimmed.
fn sqlite3_query(path: &Path, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(sql)
        .output()
        .expect("sqlite3");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Closes the engine, lets `edit` change the file, then opens and unseals it again.
async fn closed_edit(t: &mut TestStore, edit: impl FnOnce(&Path)) {
    t.engine.close().await;
    edit(&t.path());
    let engine = Engine::open(&t.path(), Arc::new(t.clock.clone()))
        .await
        .expect("open");
    engine
        .unseal(&Password::from(PASSWORD))
        .await
        .expect("unseal");
    t.engine = engine;
}

/// A copy of the closed store file, made with the shell's `.backup` (a consistent copy).
async fn backup(t: &mut TestStore, name: &str) -> PathBuf {
    let copy = t.dir.path().join(name);
    let target = copy.clone();
    closed_edit(t, |p| {
        sqlite3(p, &format!(".backup '{}'", target.display()))
    })
    .await;
    copy
}

/// Puts a backup back in place (`.restore`).
async fn restore(t: &mut TestStore, copy: &Path) {
    let from = copy.to_path_buf();
    closed_edit(t, |p| sqlite3(p, &format!(".restore '{}'", from.display()))).await;
}

fn assert_tampered<T: std::fmt::Debug>(r: coffer_engine::Result<T>, what: &str, names: &str) {
    match r {
        Err(e) if e.code() == ErrorCode::StoreCorrupt => assert!(
            e.message().contains(names) && e.message().contains("outside Coffer"),
            "{what}: the refusal should name {names:?}: {e}"
        ),
        other => panic!("{what}: expected StoreCorruptException, got {other:?}"),
    }
}

fn user(name: &str) -> RequestContext {
    RequestContext::principal(
        Source::Api,
        format!("arn:aws:iam::123456789012:user/{name}"),
    )
}

async fn get(engine: &Engine, ctx: &RequestContext, id: &str) -> coffer_engine::Result<String> {
    let out = engine
        .get_secret_value(
            ctx,
            GetSecretValueInput {
                secret_id: id.into(),
                ..Default::default()
            },
        )
        .await?;
    Ok(String::from_utf8(out.value.bytes().expose().to_vec()).unwrap())
}

async fn create(engine: &Engine, name: &str, value: &str) -> String {
    engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                value: Some(text(value)),
                ..Default::default()
            },
        )
        .await
        .expect("create")
        .version_id
        .expect("a version")
}

async fn put(engine: &Engine, name: &str, value: &str) -> coffer_engine::Result<String> {
    Ok(engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: name.into(),
                value: Some(text(value)),
                ..Default::default()
            },
        )
        .await?
        .version_id)
}

async fn add_user(engine: &Engine, name: &str, policies: &[(&str, serde_json::Value)]) {
    engine
        .create_principal(&root(), PrincipalKind::User, name, None, Vec::new())
        .await
        .expect("create user");
    for (policy, doc) in policies {
        engine
            .put_principal_policy(&root(), PrincipalKind::User, name, policy, &doc.to_string())
            .await
            .expect("put policy");
    }
}

fn allow(action: &str, resource: &str) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})
}

/// Refused events in the audit log with StoreCorruptException.
async fn refusals_audited(engine: &Engine) -> usize {
    let page = engine
        .query_audit(
            &root(),
            &AuditFilter {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    page.events
        .iter()
        .filter(|e| e.error_code.as_deref() == Some("StoreCorruptException"))
        .count()
}

async fn verify_finds(engine: &Engine) -> Vec<String> {
    let report = engine.verify_audit(&root()).await.expect("verify");
    assert!(!report.is_intact(), "audit verify must report the edit");
    report.tampered_rows
}

/// Every identity table: a change by the shell to any of them is refused when a caller's
/// policies are next loaded, and `audit verify` names the identity tables.
#[tokio::test]
async fn every_identity_table_edit_is_refused_at_the_next_use() {
    let mut t = TestStore::new().await;
    create(&t.engine, "app/a", "alpha").await;
    create(&t.engine, "app/b", "beta").await;
    add_user(
        &t.engine,
        "alice",
        &[(
            "read-a",
            allow(
                "secretsmanager:GetSecretValue",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/a-*",
            ),
        )],
    )
    .await;
    add_user(&t.engine, "bob", &[("all", allow("secretsmanager:*", "*"))]).await;
    t.engine
        .create_principal(&root(), PrincipalKind::Group, "readers", None, Vec::new())
        .await
        .unwrap();
    let alice = user("alice");
    assert_eq!(get(&t.engine, &alice, "app/a").await.unwrap(), "alpha");
    let good = backup(&mut t, "good.db").await;

    let all = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    .to_string();
    let edits: Vec<(&str, String)> = vec![
        ("inline_policies: widen alice's policy", format!(
            "UPDATE inline_policies SET document = '{all}' WHERE name = 'read-a'")),
        ("inline_policies: swap bob's policy onto alice", "UPDATE inline_policies SET principal_id = \
            (SELECT id FROM principals WHERE name = 'alice') WHERE name = 'all'".into()),
        ("principals: rename bob to alice's ARN", "UPDATE principals SET arn = 'x' WHERE name = 'alice'; \
            UPDATE principals SET arn = 'arn:aws:iam::123456789012:user/alice' WHERE name = 'bob'".into()),
        ("principal_tags: add a tag", "INSERT INTO principal_tags VALUES \
            ((SELECT id FROM principals WHERE name = 'alice'), 'team', 'admins')".into()),
        ("group_members: join a group", "INSERT INTO group_members VALUES \
            ((SELECT id FROM principals WHERE name = 'readers'), (SELECT id FROM principals WHERE name = 'alice'))".into()),
        ("managed_policies + attachments: attach an admin policy", format!(
            "INSERT INTO managed_policies VALUES (99, 'admin', 'arn:aws:iam::123456789012:policy/admin', \
             'ANPA99', NULL, '{all}', 0, 0); INSERT INTO policy_attachments VALUES \
             (99, (SELECT id FROM principals WHERE name = 'alice'))")),
        ("access_keys: give alice bob's key", "INSERT INTO access_keys (access_key_id, principal_id, \
            sealed_secret, status, created_at) VALUES ('AKIAFORGED0000000000', \
            (SELECT id FROM principals WHERE name = 'alice'), X'00', 'Active', 0)".into()),
    ];
    for (what, sql) in edits {
        closed_edit(&mut t, |p| sqlite3(p, &sql)).await;
        assert_tampered(
            get(&t.engine, &alice, "app/b").await,
            what,
            "identity tables",
        );
        assert!(
            verify_finds(&t.engine)
                .await
                .iter()
                .any(|f| f.contains("identity tables")),
            "{what}: audit verify names the identity tables"
        );
        restore(&mut t, &good).await;
        assert_eq!(
            get(&t.engine, &alice, "app/a").await.unwrap(),
            "alpha",
            "{what}: restored"
        );
        assert!(
            t.engine
                .verify_audit(&root())
                .await
                .unwrap()
                .tampered_rows
                .is_empty()
        );
    }
    closed_edit(&mut t, |p| {
        sqlite3(p, "DELETE FROM inline_policies WHERE name = 'all'")
    })
    .await;
    assert_tampered(
        get(&t.engine, &alice, "app/a").await,
        "a deleted policy",
        "identity tables",
    );
    assert!(
        refusals_audited(&t.engine).await >= 1,
        "the refusal is audited"
    );
}

/// A deactivated access key made Active again — by editing its row, by deleting and
/// re-inserting it from an older backup, and by copying the old identity seal (and then the
/// whole seal table) along with it — never authenticates again.
#[tokio::test]
async fn a_revoked_access_key_copied_back_from_a_backup_never_authenticates() {
    let mut t = TestStore::new().await;
    add_user(&t.engine, "ci", &[("all", allow("secretsmanager:*", "*"))]).await;
    let key = t
        .engine
        .create_access_key(&root(), PrincipalKind::User, "ci")
        .await
        .unwrap()
        .info
        .access_key_id;
    let old = backup(&mut t, "before-revoke.db").await;
    t.engine
        .update_access_key(&root(), &key, "Inactive")
        .await
        .unwrap();
    // Another change after the revocation, so the register moved on.
    create(&t.engine, "app/later", "x").await;
    assert!(t.engine.authenticate(&key).await.unwrap().is_none());
    let revoked = backup(&mut t, "revoked.db").await;

    let attach = format!("ATTACH '{}' AS old; ", old.display());
    let cases = [
        (
            "status edited",
            "UPDATE access_keys SET status = 'Active'".to_owned(),
            "identity tables",
        ),
        (
            "deleted and re-inserted from the backup",
            format!(
                "{attach}DELETE FROM access_keys; INSERT INTO access_keys SELECT * FROM old.access_keys"
            ),
            "identity tables",
        ),
        (
            "row and its seal copied from the backup",
            format!(
                "{attach}UPDATE access_keys SET status = 'Active'; UPDATE row_seals SET mac = \
                (SELECT mac FROM old.row_seals WHERE unit = 'iam') WHERE unit = 'iam'"
            ),
            "older copies",
        ),
        (
            "row and every seal copied from the backup",
            format!(
                "{attach}UPDATE access_keys SET status = 'Active'; DELETE FROM row_seals; \
                INSERT INTO row_seals SELECT * FROM old.row_seals"
            ),
            "older copies",
        ),
    ];
    for (what, sql, names) in cases {
        closed_edit(&mut t, |p| sqlite3(p, &sql)).await;
        assert_eq!(
            sqlite3_query(
                &t.path(),
                &format!("SELECT status FROM access_keys WHERE access_key_id = '{key}'")
            ),
            "Active"
        );
        let r = t.engine.authenticate(&key).await;
        assert!(
            !matches!(r, Ok(Some(_))),
            "{what}: the revoked key authenticated"
        );
        assert_tampered(r, what, names);
        assert!(
            !verify_finds(&t.engine).await.is_empty(),
            "{what}: audit verify"
        );
        restore(&mut t, &revoked).await;
        assert!(
            t.engine.authenticate(&key).await.unwrap().is_none(),
            "{what}: restored"
        );
    }
}

/// A secret's own settings: AWSCURRENT moved back to a leaked version, a resource policy
/// swapped in from another secret, a scheduled deletion cancelled, a rotation setting
/// changed — each refused when the secret is next looked up.
#[tokio::test]
async fn every_secret_setting_edit_is_refused_at_the_next_use() {
    let mut t = TestStore::new().await;
    let leaked = create(&t.engine, "app/db", "leaked-password").await;
    put(&t.engine, "app/db", "current-password").await.unwrap();
    create(&t.engine, "app/open", "o").await;
    t.engine
        .put_resource_policy(
            &root(),
            "app/open",
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:user/mallory"},
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
            .to_string(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        get(&t.engine, &root(), "app/db").await.unwrap(),
        "current-password"
    );
    let good = backup(&mut t, "good.db").await;
    let db = "(SELECT id FROM secrets WHERE name = 'app/db')";
    let edits = [
        (
            "staging_labels: AWSCURRENT back to the leaked version",
            format!(
                "UPDATE staging_labels SET version_id = '{leaked}' WHERE label = 'AWSCURRENT' AND secret_id = {db}"
            ),
        ),
        (
            "secrets: a resource policy swapped in",
            format!(
                "UPDATE secrets SET resource_policy = (SELECT resource_policy FROM secrets WHERE name = 'app/open') WHERE id = {db}"
            ),
        ),
        (
            "secrets: marked deleted",
            format!("UPDATE secrets SET deleted_at = 1, deletion_date = 2 WHERE id = {db}"),
        ),
        (
            "rotation_config: inserted",
            format!(
                "INSERT INTO rotation_config (secret_id, enabled, lambda_arn, updated_at) VALUES ({db}, 1, 'arn:aws:lambda:us-east-1:123456789012:function:evil', 0)"
            ),
        ),
        (
            "rotation_jobs: a forged job",
            format!(
                "INSERT INTO rotation_jobs (secret_id, token, lambda_arn, step, state, next_attempt_at, \
                 started_at, updated_at) VALUES ({db}, 'tok', \
                 'arn:aws:lambda:us-east-1:123456789012:function:evil', 'createSecret', 'running', 0, 0, 0)"
            ),
        ),
        (
            "secrets: deleted and re-inserted",
            format!(
                "CREATE TEMP TABLE s AS SELECT * FROM secrets WHERE id = {db}; UPDATE s SET resource_policy = '{{}}'; \
             DELETE FROM secrets WHERE id = {db}; INSERT INTO secrets SELECT * FROM s"
            ),
        ),
    ];
    for (what, sql) in edits {
        closed_edit(&mut t, |p| sqlite3(p, &sql)).await;
        let r = get(&t.engine, &root(), "app/db").await;
        assert!(
            !matches!(&r, Ok(v) if v == "leaked-password"),
            "{what}: the leaked value was served"
        );
        assert_tampered(r, what, "secret #");
        assert!(
            verify_finds(&t.engine)
                .await
                .iter()
                .any(|f| f.contains("secret #")),
            "{what}: audit verify names the secret"
        );
        restore(&mut t, &good).await;
        assert_eq!(
            get(&t.engine, &root(), "app/db").await.unwrap(),
            "current-password",
            "{what}: restored"
        );
    }
}

/// A disabled KMS key enabled again in the file does not encrypt: the write is refused,
/// not made under a key its owner turned off.
#[tokio::test]
async fn a_re_enabled_kms_key_is_refused() {
    let mut t = TestStore::new().await;
    let key = t
        .engine
        .create_key(&root(), None, Some("team".into()))
        .await
        .unwrap();
    t.engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: "app/k".into(),
                value: Some(text("v1")),
                kms_key_id: Some(key.key_id.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.engine
        .set_key_enabled(&root(), &key.key_id, false)
        .await
        .unwrap();
    assert!(put(&t.engine, "app/k", "v2").await.is_err());
    closed_edit(&mut t, |p| {
        sqlite3(p, "UPDATE kms_keys SET enabled = 1 WHERE alias = 'team'")
    })
    .await;
    let r = put(&t.engine, "app/k", "v2").await;
    assert_tampered(r, "kms_keys: enabled", "KMS key");
    closed_edit(&mut t, |p| {
        sqlite3(p, "UPDATE kms_keys SET enabled = 0 WHERE alias = 'team'")
    })
    .await;
    assert!(
        matches!(put(&t.engine, "app/k", "v2").await, Err(e) if e.code() == ErrorCode::EncryptionFailure)
    );
    // A material version copied in and made current.
    closed_edit(&mut t, |p| {
        sqlite3(
            p,
            "INSERT INTO kms_key_materials SELECT key_id, material_version + 1, wrapped_material, 0, \
             created_at FROM kms_key_materials WHERE key_id = (SELECT key_id FROM kms_keys WHERE alias = 'team'); \
             UPDATE kms_keys SET enabled = 1, current_material = current_material + 1 WHERE alias = 'team'",
        )
    })
    .await;
    assert_tampered(
        put(&t.engine, "app/k", "v2").await,
        "kms_key_materials",
        "KMS key",
    );
}

/// A registered rotation function's environment is encrypted, and a function whose command
/// is replaced by a shell script in the file never runs: the rotation is refused before any
/// step.
#[tokio::test]
async fn an_edited_rotation_function_never_runs() {
    let mut t = TestStore::new().await;
    create(&t.engine, "app/r", "v1").await;
    rotation_function(&t.engine, "/bin/false", "tok-5ecret-value").await;
    // The environment is stored encrypted (bound to the function), never as plain JSON.
    let stored = sqlite3_query(&t.path(), "SELECT environment FROM lambda_functions");
    assert!(
        stored.starts_with("sealed:") && !stored.contains("5ecret"),
        "{stored}"
    );
    let listed = t.engine.list_functions(&root()).await.unwrap();
    assert_eq!(listed[0].environment["DB_TOKEN"], "tok-5ecret-value");
    let pwned = t.dir.path().join("pwned");
    let script = json!(["/bin/sh", "-c", format!("touch {}", pwned.display())]).to_string();
    closed_edit(&mut t, |p| {
        sqlite3(
            p,
            &format!("UPDATE lambda_functions SET command = '{script}' WHERE name = 'rot'"),
        )
    })
    .await;
    let rotate = RotateSecretInput {
        secret_id: "app/r".into(),
        client_request_token: Some(token("r1")),
        rotation_lambda_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:rot".into()),
        rotation_rules: Some(RotationRules {
            automatically_after_days: Some(30),
            ..Default::default()
        }),
        rotate_immediately: None,
    };
    // The registry that runs custom commands (the CLI's and the desktop's).
    t.engine.set_rotators(coffer_rotators::registry());
    let r = t.engine.rotate_secret(&root(), rotate).await;
    if r.is_ok() {
        // Without the seal check: the steps run, and so does the edited command.
        let _ = t.engine.run_rotation(&root(), "app/r").await;
    }
    assert!(!pwned.exists(), "the edited command ran");
    assert_tampered(r, "lambda_functions: command", "rotation function");
    assert!(
        verify_finds(&t.engine)
            .await
            .iter()
            .any(|f| f.contains("rotation function")),
        "audit verify names the function"
    );
}

/// A store from before seals (the migration's marker present, no seals) is sealed on its
/// first unseal, audited as SealStoreRows, and edits after that are caught. A marker forged
/// into a sealed store to have an edit blessed is caught by the anchor.
#[tokio::test]
async fn an_upgraded_store_is_sealed_once_and_a_forged_marker_blesses_nothing() {
    let mut t = TestStore::new().await;
    let before = t.engine.verify_audit(&root()).await.unwrap();
    assert!(before.is_intact(), "{before:?}");
    closed_edit(&mut t, |p| {
        sqlite3(
            p,
            "DELETE FROM row_seals; INSERT INTO row_seals VALUES ('pending-upgrade', X'')",
        )
    })
    .await;
    let page = t
        .engine
        .query_audit(
            &root(),
            &AuditFilter {
                action: Some("SealStoreRows".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.events.len(),
        1,
        "the upgrade sealed the rows once (init seals in InitStore)"
    );
    add_user(
        &t.engine,
        "alice",
        &[(
            "read",
            allow(
                "secretsmanager:GetSecretValue",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/a-*",
            ),
        )],
    )
    .await;
    create(&t.engine, "app/a", "alpha").await;
    create(&t.engine, "app/b", "beta").await;
    let alice = user("alice");
    assert_eq!(get(&t.engine, &alice, "app/a").await.unwrap(), "alpha");
    assert!(t.engine.verify_audit(&root()).await.unwrap().is_intact());

    // The forgery: widen alice's policy and ask for a re-seal.
    let all = allow("*", "*").to_string();
    closed_edit(&mut t, |p| {
        sqlite3(p, &format!(
            "UPDATE inline_policies SET document = '{all}'; INSERT INTO row_seals VALUES ('pending-upgrade', X'')"))
    })
    .await;
    assert_tampered(
        get(&t.engine, &alice, "app/b").await,
        "forged marker",
        "older copies",
    );
}

/// A row written into the file under a name built to break out of an SQL literal (a quote,
/// a statement of its own, a NUL) is a finding like any other: the seal check reads it as
/// data, so the injected `DELETE` never runs and every other seal still holds.
#[tokio::test]
async fn a_row_named_to_inject_sql_is_reported_not_run() {
    let mut t = TestStore::new().await;
    create(&t.engine, "app/a", "alpha").await;
    let seals_before = sqlite3_query(&t.path(), "SELECT count(*) FROM row_seals");
    closed_edit(&mut t, |p| {
        sqlite3(
            p,
            "INSERT INTO lambda_functions (region, name, arn, command, environment, timeout_ms, created_at) \
             VALUES ('us-east-1', 'evil', 'x''); DELETE FROM row_seals; --' || char(0) || 'tail', \
             '[\"/bin/true\"]', '{}', 1000, 0)",
        )
    })
    .await;
    let findings = verify_finds(&t.engine).await;
    assert!(
        findings
            .iter()
            .any(|f| f.contains("rotation function") && f.contains("DELETE FROM row_seals")),
        "audit verify names the planted function: {findings:?}"
    );
    assert_eq!(
        sqlite3_query(&t.path(), "SELECT count(*) FROM row_seals"),
        seals_before,
        "the name ran as SQL"
    );
    assert_eq!(get(&t.engine, &root(), "app/a").await.unwrap(), "alpha");
}
