//! Rotation against real database servers: the PostgreSQL and MariaDB rotators driven step
//! by step through the `Rotator` trait (as the engine's rotation job calls them) on a real
//! store, against the throwaway servers of `dbservers` that check passwords; plus the
//! custom-command rotator with a shell-script fixture.
//!
//! Single-user rotation changes the user's own password, so between setSecret and
//! finishSecret only AWSPENDING works (AWS's documented trade-off); multi-user keeps
//! AWSCURRENT working at every step, and AWSPREVIOUS until the next rotation.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use coffer_engine::password::PasswordRules;
use coffer_engine::rotation::{
    ApiAccess, FunctionDefinition, RotateSecretInput, RotationEvent, RotationFailure,
    RotationRules, RotationRun, RotationStep, Rotator,
};
use coffer_engine::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, CreateSecretInput, GetSecretValueInput,
    ListSecretVersionIdsInput, PutSecretValueInput, RequestContext, Source,
};
use coffer_rotators::{CommandRotator, Strategy};
use serde_json::{Value, json};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{AssertSqlSafe, Connection};

use crate::dbservers::{self, ADMIN_PASSWORD, Proxy};
use crate::support::{TestStore, text, token};

const STEPS: [RotationStep; 4] = RotationStep::ALL;

fn ctx() -> RequestContext {
    RequestContext::root(Source::Scheduler)
}

/// The event the engine's job would send, with the secret's first version (the oldest:
/// ListSecretVersionIds lists newest first) as the engine finds it.
async fn event(store: &TestStore, arn: &str, tok: &str, step: RotationStep) -> RotationEvent {
    let versions = store
        .engine
        .list_secret_version_ids(
            &ctx(),
            ListSecretVersionIdsInput {
                secret_id: arn.to_owned(),
                include_deprecated: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .versions;
    RotationEvent {
        step,
        secret_id: arn.to_owned(),
        client_request_token: tok.to_owned(),
        engine: store.engine.clone(),
        ctx: ctx(),
        first_version_id: versions.last().map(|v| v.version_id.clone()),
        api: None,
    }
}

async fn step(
    r: &dyn Rotator,
    store: &TestStore,
    arn: &str,
    tok: &str,
    s: RotationStep,
) -> Result<(), RotationFailure> {
    r.run_step(&event(store, arn, tok, s).await).await
}

async fn rotate(r: &dyn Rotator, store: &TestStore, arn: &str, tok: &str) {
    for s in STEPS {
        step(r, store, arn, tok, s)
            .await
            .unwrap_or_else(|f| panic!("{s} failed: {f}"));
    }
}

pub(crate) async fn create(store: &TestStore, name: &str, value: &Value) -> String {
    store
        .engine
        .create_secret(
            &ctx(),
            CreateSecretInput {
                name: name.into(),
                value: Some(text(&value.to_string())),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .arn
}

async fn value(store: &TestStore, arn: &str, stage: &str) -> Value {
    let out = store
        .engine
        .get_secret_value(
            &ctx(),
            GetSecretValueInput {
                secret_id: arn.into(),
                version_stage: Some(stage.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{stage}: {e}"));
    serde_json::from_str(out.value.as_str().unwrap()).unwrap()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap().to_owned()
}

// ---- direct logins (the tests' own, independent of the rotators' code) ----

#[derive(Debug, PartialEq)]
pub(crate) enum Login {
    Ok,
    AuthFailed,
}

pub(crate) async fn pg_login(port: u16, user: &str, password: &str) -> Login {
    let opts = PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(port)
        .username(user)
        .password(password)
        .database("postgres")
        .ssl_mode(PgSslMode::Disable);
    match PgConnection::connect_with(&opts).await {
        Ok(mut c) => {
            sqlx::raw_sql("SELECT 1").execute(&mut c).await.unwrap();
            Login::Ok
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("28P01") => Login::AuthFailed,
        Err(e) => panic!("PostgreSQL login as {user}: unexpected {e}"),
    }
}

pub(crate) async fn pg_admin() -> PgConnection {
    let pg = dbservers::postgres();
    PgConnection::connect_with(
        &PgConnectOptions::new_without_pgpass()
            .host("127.0.0.1")
            .port(pg.port)
            .username(&pg.superuser)
            .password(ADMIN_PASSWORD)
            .database("postgres")
            .ssl_mode(PgSslMode::Disable),
    )
    .await
    .expect("superuser login to the test cluster")
}

pub(crate) async fn pg_exec(sql: &str) {
    let mut c = pg_admin().await;
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A login role `user` with `password` that may read a table of its own.
async fn pg_user(user: &str, password: &str) {
    pg_exec(&format!(
        "CREATE ROLE {user} LOGIN PASSWORD '{password}'; \
         CREATE TABLE t_{user} (n int); INSERT INTO t_{user} VALUES (42); \
         GRANT SELECT ON t_{user} TO {user};"
    ))
    .await;
}

async fn pg_can_read(user: &str, password: &str, table_of: &str) -> bool {
    let pg = dbservers::postgres();
    let mut c = PgConnection::connect_with(
        &PgConnectOptions::new_without_pgpass()
            .host("127.0.0.1")
            .port(pg.port)
            .username(user)
            .password(password)
            .database("postgres")
            .ssl_mode(PgSslMode::Disable),
    )
    .await
    .unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("SELECT n FROM t_{table_of}")))
        .execute(&mut c)
        .await
        .is_ok()
}

async fn my_connect(port: u16, user: &str, password: &str) -> Result<MySqlConnection, sqlx::Error> {
    MySqlConnection::connect_with(
        &MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(port)
            .username(user)
            .password(password),
    )
    .await
}

pub(crate) async fn my_login(port: u16, user: &str, password: &str) -> Login {
    match my_connect(port, user, password).await {
        Ok(mut c) => {
            sqlx::raw_sql("SELECT 1").execute(&mut c).await.unwrap();
            Login::Ok
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("28000") => Login::AuthFailed,
        Err(e) => panic!("MariaDB login as {user}: unexpected {e}"),
    }
}

pub(crate) async fn my_exec(sql: &str) {
    let db = dbservers::mariadb();
    let mut c = my_connect(db.port, &db.admin, ADMIN_PASSWORD)
        .await
        .expect("admin login to the test MariaDB");
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn my_user(user: &str, password: &str) {
    my_exec(&format!(
        "CREATE TABLE appdb.t_{user} (n int); INSERT INTO appdb.t_{user} VALUES (42); \
         CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; \
         GRANT SELECT ON appdb.t_{user} TO '{user}'@'%';"
    ))
    .await;
}

async fn my_can_read(user: &str, password: &str, table_of: &str) -> bool {
    let db = dbservers::mariadb();
    let mut c = my_connect(db.port, user, password).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("SELECT n FROM appdb.t_{table_of}")))
        .execute(&mut c)
        .await
        .is_ok()
}

/// A PostgreSQL secret in AWS's shape. Plaintext, explicitly: the test servers have no
/// certificate a system CA signed, and a secret that says nothing gets verified TLS.
pub(crate) fn pg_secret(port: u16, user: &str, password: &str) -> Value {
    json!({"engine": "postgres", "host": "127.0.0.1", "port": port, "username": user,
           "password": password, "dbname": "postgres", "sslmode": "disable"})
}

/// A MariaDB secret in AWS's shape; plaintext, explicitly (see [`pg_secret`]).
pub(crate) fn my_secret(port: u16, user: &str, password: &str) -> Value {
    json!({"engine": "mariadb", "host": "127.0.0.1", "port": port, "username": user,
           "password": password, "ssl": false})
}

// ---- PostgreSQL ----

#[tokio::test]
async fn postgres_single_user_rotation_changes_the_password_and_never_logs_it() {
    let pg = dbservers::postgres();
    pg_user("pgsingle", "Initial-Pass-1").await;
    let store = TestStore::new().await;
    let arn = create(
        &store,
        "db/pgsingle",
        &pg_secret(pg.port, "pgsingle", "Initial-Pass-1"),
    )
    .await;
    let r = coffer_rotators::postgresql(Strategy::SingleUser);
    let tok = token("pgsingle1");

    assert_eq!(
        pg_login(pg.port, "pgsingle", "Initial-Pass-1").await,
        Login::Ok
    );
    step(&r, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    let pending = value(&store, &arn, AWSPENDING).await;
    let new_pw = s(&pending, "password");
    assert_eq!(new_pw.len(), 32);
    assert!(!new_pw.contains(['/', '@', '"', '\'', '\\', ':']));
    assert_eq!(s(&pending, "username"), "pgsingle");
    assert_eq!(pending["port"], json!(pg.port), "other members are kept");
    // Before setSecret the application's AWSCURRENT credential still works.
    assert_eq!(
        pg_login(pg.port, "pgsingle", "Initial-Pass-1").await,
        Login::Ok
    );
    assert_eq!(
        pg_login(pg.port, "pgsingle", &new_pw).await,
        Login::AuthFailed
    );

    step(&r, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap();
    assert_eq!(pg_login(pg.port, "pgsingle", &new_pw).await, Login::Ok);
    assert_eq!(
        pg_login(pg.port, "pgsingle", "Initial-Pass-1").await,
        Login::AuthFailed
    );
    step(&r, &store, &arn, &tok, RotationStep::TestSecret)
        .await
        .unwrap();
    step(&r, &store, &arn, &tok, RotationStep::FinishSecret)
        .await
        .unwrap();

    let current = value(&store, &arn, AWSCURRENT).await;
    assert_eq!(s(&current, "password"), new_pw);
    assert_eq!(
        s(&value(&store, &arn, AWSPREVIOUS).await, "password"),
        "Initial-Pass-1"
    );
    assert_eq!(pg_login(pg.port, "pgsingle", &new_pw).await, Login::Ok);
    assert_eq!(
        pg_login(pg.port, "pgsingle", "Initial-Pass-1").await,
        Login::AuthFailed
    );
    // Every step is idempotent: rerunning the whole rotation changes nothing.
    rotate(&r, &store, &arn, &tok).await;
    assert_eq!(
        s(&value(&store, &arn, AWSCURRENT).await, "password"),
        new_pw
    );

    // A second rotation works from the new password.
    let tok2 = token("pgsingle2");
    rotate(&r, &store, &arn, &tok2).await;
    let pw2 = s(&value(&store, &arn, AWSCURRENT).await, "password");
    assert_ne!(pw2, new_pw);
    assert_eq!(pg_login(pg.port, "pgsingle", &pw2).await, Login::Ok);
    assert_eq!(
        pg_login(pg.port, "pgsingle", &new_pw).await,
        Login::AuthFailed
    );

    // The statement log has the ALTER ROLEs (logging works) but never a plaintext password.
    let log = pg.log_text();
    assert!(
        log.contains("ALTER ROLE \"pgsingle\" WITH PASSWORD 'SCRAM-SHA-256$4096:"),
        "log:\n{log}"
    );
    assert!(
        !log.contains(&new_pw),
        "the new password is in the server log"
    );
    assert!(!log.contains(&pw2), "the new password is in the server log");
}

/// The whole path as `aws secretsmanager rotate-secret` takes it: RotateSecret with the
/// built-in's Lambda ARN creates the value-less AWSPENDING placeholder, and the engine's
/// rotation job drives the registered PostgreSQL rotator through the four steps.
#[tokio::test]
async fn postgres_rotation_through_rotate_secret_and_the_engine_job() {
    let pg = dbservers::postgres();
    pg_user("pgengine", "Initial-Pass-11").await;
    let store = TestStore::new().await;
    store.engine.set_rotators(coffer_rotators::registry());
    let arn = create(
        &store,
        "db/pgengine",
        &pg_secret(pg.port, "pgengine", "Initial-Pass-11"),
    )
    .await;
    let out = store
        .engine
        .rotate_secret(
            &ctx(),
            RotateSecretInput {
                secret_id: arn.clone(),
                client_request_token: Some(token("pgengine")),
                rotation_lambda_arn: Some(format!(
                    "arn:aws:lambda:us-east-1:123456789012:function:{}",
                    coffer_rotators::POSTGRESQL_SINGLE_USER
                )),
                rotation_rules: Some(RotationRules {
                    automatically_after_days: Some(30),
                    ..Default::default()
                }),
                rotate_immediately: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(out.version_id, token("pgengine"));
    let run = store.engine.run_rotation(&ctx(), &arn).await.unwrap();
    assert_eq!(
        run,
        RotationRun::Succeeded {
            version_id: token("pgengine")
        }
    );
    let cur = value(&store, &arn, AWSCURRENT).await;
    assert_ne!(s(&cur, "password"), "Initial-Pass-11");
    assert_eq!(
        pg_login(pg.port, "pgengine", &s(&cur, "password")).await,
        Login::Ok
    );
    assert_eq!(
        pg_login(pg.port, "pgengine", "Initial-Pass-11").await,
        Login::AuthFailed
    );
}

#[tokio::test]
async fn postgres_multi_user_rotation_alternates_users_and_keeps_previous_working() {
    let pg = dbservers::postgres();
    pg_user("pgmulti", "Initial-Pass-2").await;
    let store = TestStore::new().await;
    let admin = create(
        &store,
        "db/pg-admin",
        &pg_secret(pg.port, &pg.superuser, ADMIN_PASSWORD),
    )
    .await;
    let mut secret = pg_secret(pg.port, "pgmulti", "Initial-Pass-2");
    secret["masterarn"] = json!(admin);
    let arn = create(&store, "db/pgmulti", &secret).await;
    let r = coffer_rotators::postgresql(Strategy::MultiUser);

    // First rotation: pgmulti → pgmulti_clone. AWSCURRENT works at every step.
    let tok = token("pgmulti1");
    for st in STEPS {
        let cur = value(&store, &arn, AWSCURRENT).await;
        assert_eq!(
            pg_login(pg.port, &s(&cur, "username"), &s(&cur, "password")).await,
            Login::Ok,
            "before {st}"
        );
        step(&r, &store, &arn, &tok, st)
            .await
            .unwrap_or_else(|f| panic!("{st}: {f}"));
    }
    let cur = value(&store, &arn, AWSCURRENT).await;
    let prev = value(&store, &arn, AWSPREVIOUS).await;
    assert_eq!(s(&cur, "username"), "pgmulti_clone");
    assert_eq!(s(&cur, "masterarn"), admin);
    assert_eq!(
        pg_login(pg.port, "pgmulti_clone", &s(&cur, "password")).await,
        Login::Ok
    );
    assert!(
        pg_can_read("pgmulti_clone", &s(&cur, "password"), "pgmulti").await,
        "the clone has the user's grants"
    );
    assert_eq!(s(&prev, "username"), "pgmulti");
    assert_eq!(
        pg_login(pg.port, "pgmulti", "Initial-Pass-2").await,
        Login::Ok,
        "AWSPREVIOUS still works"
    );

    // Second rotation: back to pgmulti with a new password; the clone (now AWSPREVIOUS) still works.
    let tok2 = token("pgmulti2");
    rotate(&r, &store, &arn, &tok2).await;
    let cur2 = value(&store, &arn, AWSCURRENT).await;
    let prev2 = value(&store, &arn, AWSPREVIOUS).await;
    assert_eq!(s(&cur2, "username"), "pgmulti");
    assert_eq!(
        pg_login(pg.port, "pgmulti", &s(&cur2, "password")).await,
        Login::Ok
    );
    assert_eq!(s(&prev2, "username"), "pgmulti_clone");
    assert_eq!(
        pg_login(pg.port, "pgmulti_clone", &s(&prev2, "password")).await,
        Login::Ok
    );
    assert_eq!(
        pg_login(pg.port, "pgmulti", "Initial-Pass-2").await,
        Login::AuthFailed
    );

    let log = pg.log_text();
    assert!(log.contains("CREATE ROLE \"pgmulti_clone\" WITH LOGIN PASSWORD 'SCRAM-SHA-256$"));
    for pw in [s(&cur, "password"), s(&cur2, "password")] {
        assert!(!log.contains(&pw), "a new password is in the server log");
    }
}

#[tokio::test]
async fn postgres_rotation_uses_tls_when_the_secret_asks() {
    let pg = dbservers::postgres();
    pg_user("pgtls", "Initial-Pass-3").await;
    let store = TestStore::new().await;
    let mut secret = pg_secret(pg.port, "pgtls", "Initial-Pass-3");
    secret.as_object_mut().unwrap().remove("sslmode");
    secret["ssl"] = json!(true);
    // Verified TLS: the server's certificate is trusted because the secret names it.
    secret["sslrootcert"] = json!(pg.cert.display().to_string());
    let arn = create(&store, "db/pgtls", &secret).await;
    rotate(
        &coffer_rotators::postgresql(Strategy::SingleUser),
        &store,
        &arn,
        &token("pgtls"),
    )
    .await;
    let cur = value(&store, &arn, AWSCURRENT).await;
    assert_eq!(cur["ssl"], json!(true));
    assert_eq!(
        pg_login(pg.port, "pgtls", &s(&cur, "password")).await,
        Login::Ok
    );
    let log = pg.log_text();
    let rotator_logins: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("connection authorized: user=pgtls") && l.contains("coffer-rotator"))
        .collect();
    assert!(!rotator_logins.is_empty(), "log:\n{log}");
    assert!(
        rotator_logins.iter().all(|l| l.contains("SSL enabled")),
        "{rotator_logins:?}"
    );
}

/// Rotates `secret` (stored as `name`) with `r`: createSecret works without the server,
/// setSecret must fail to reach it (TLS refused before anything is sent).
async fn unreachable_at_set_secret(r: &dyn Rotator, name: &str, secret: &Value) {
    let store = TestStore::new().await;
    let arn = create(&store, name, secret).await;
    let tok = token(name.trim_start_matches("db/"));
    step(r, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    let f = step(r, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "TargetUnreachable", "{f}");
}

/// A secret that says nothing about TLS gets verified TLS, never a fallback: against a
/// server whose certificate no trusted CA signed the rotation stops at setSecret before
/// anything is sent (a network attacker could otherwise strip TLS, or present its own
/// certificate, and read the new password), and the user's password is unchanged.
#[tokio::test]
async fn postgres_rotation_verifies_tls_unless_the_secret_asks_for_less() {
    let pg = dbservers::postgres();
    pg_user("pgverify", "Initial-Pass-12").await;
    let mut secret = pg_secret(pg.port, "pgverify", "Initial-Pass-12");
    secret.as_object_mut().unwrap().remove("sslmode");
    let r = coffer_rotators::postgresql(Strategy::SingleUser);
    unreachable_at_set_secret(&r, "db/pgverify", &secret).await;
    assert_eq!(
        pg_login(pg.port, "pgverify", "Initial-Pass-12").await,
        Login::Ok
    );
    let log = pg.log_text();
    assert!(
        !log.lines()
            .any(|l| l.contains("user=pgverify") && l.contains("coffer-rotator")),
        "the rotator logged in without verified TLS:\n{log}"
    );
}

/// The same for MariaDB, whose test server offers no TLS at all: no plaintext fallback
/// unless the secret says `"ssl": false`.
#[tokio::test]
async fn mariadb_rotation_never_falls_back_to_plaintext_unless_the_secret_asks() {
    let db = dbservers::mariadb();
    my_user("myverify", "Initial-Pass-13").await;
    let mut secret = my_secret(db.port, "myverify", "Initial-Pass-13");
    secret.as_object_mut().unwrap().remove("ssl");
    let r = coffer_rotators::mysql(Strategy::SingleUser);
    unreachable_at_set_secret(&r, "db/myverify", &secret).await;
    assert_eq!(
        my_login(db.port, "myverify", "Initial-Pass-13").await,
        Login::Ok
    );
}

#[tokio::test]
async fn postgres_database_down_at_set_secret_keeps_current_working_and_a_rerun_completes() {
    let pg = dbservers::postgres();
    pg_user("pgdown", "Initial-Pass-4").await;
    let proxy = Proxy::start(pg.port).await;
    let store = TestStore::new().await;
    let arn = create(
        &store,
        "db/pgdown",
        &pg_secret(proxy.port, "pgdown", "Initial-Pass-4"),
    )
    .await;
    let r = coffer_rotators::postgresql(Strategy::SingleUser);
    let tok = token("pgdown");
    step(&r, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    let new_pw = s(&value(&store, &arn, AWSPENDING).await, "password");

    proxy.cut().await;
    let f = step(&r, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "TargetUnreachable", "{f}");
    assert!(
        f.message.contains(&format!("127.0.0.1:{}", proxy.port)),
        "{f}"
    );
    assert!(!f.message.contains(&new_pw) && !f.message.contains("Initial-Pass-4"));
    assert!(!f.password_rejected);
    proxy.restore().await;

    // Nothing changed on the server or in the store: AWSCURRENT works.
    assert_eq!(
        s(&value(&store, &arn, AWSCURRENT).await, "password"),
        "Initial-Pass-4"
    );
    assert_eq!(
        pg_login(proxy.port, "pgdown", "Initial-Pass-4").await,
        Login::Ok
    );

    // The retry runs the whole rotation again with the same token and completes.
    rotate(&r, &store, &arn, &tok).await;
    assert_eq!(
        s(&value(&store, &arn, AWSCURRENT).await, "password"),
        new_pw
    );
    assert_eq!(pg_login(proxy.port, "pgdown", &new_pw).await, Login::Ok);

    // Down at testSecret: the step fails, AWSCURRENT stays, and the rerun completes.
    let tok2 = token("pgdown2");
    step(&r, &store, &arn, &tok2, RotationStep::CreateSecret)
        .await
        .unwrap();
    step(&r, &store, &arn, &tok2, RotationStep::SetSecret)
        .await
        .unwrap();
    proxy.cut().await;
    let f = step(&r, &store, &arn, &tok2, RotationStep::TestSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "TargetUnreachable", "{f}");
    proxy.restore().await;
    assert_eq!(
        s(&value(&store, &arn, AWSCURRENT).await, "password"),
        new_pw
    );
    rotate(&r, &store, &arn, &tok2).await;
    let pw2 = s(&value(&store, &arn, AWSCURRENT).await, "password");
    assert_ne!(pw2, new_pw);
    assert_eq!(pg_login(proxy.port, "pgdown", &pw2).await, Login::Ok);
}

#[tokio::test]
async fn postgres_kill_between_set_and_finish_resumes_with_the_same_password() {
    let pg = dbservers::postgres();
    pg_user("pgkill", "Initial-Pass-5").await;
    let store = TestStore::new().await;
    let arn = create(
        &store,
        "db/pgkill",
        &pg_secret(pg.port, "pgkill", "Initial-Pass-5"),
    )
    .await;
    let tok = token("pgkill");
    {
        let r = coffer_rotators::postgresql(Strategy::SingleUser);
        step(&r, &store, &arn, &tok, RotationStep::CreateSecret)
            .await
            .unwrap();
        step(&r, &store, &arn, &tok, RotationStep::SetSecret)
            .await
            .unwrap();
        // The process dies here: no testSecret, no finishSecret.
    }
    let pending = s(&value(&store, &arn, AWSPENDING).await, "password");
    assert_eq!(pg_login(pg.port, "pgkill", &pending).await, Login::Ok);
    // The restarted job reruns from the start with the same token.
    let r = coffer_rotators::postgresql(Strategy::SingleUser);
    rotate(&r, &store, &arn, &tok).await;
    let cur = s(&value(&store, &arn, AWSCURRENT).await, "password");
    assert_eq!(
        cur, pending,
        "the resumed rotation keeps the password already set"
    );
    assert_eq!(pg_login(pg.port, "pgkill", &cur).await, Login::Ok);
}

#[tokio::test]
async fn secret_errors_are_reported_by_kind() {
    let pg = dbservers::postgres();
    let store = TestStore::new().await;
    let r = coffer_rotators::postgresql(Strategy::SingleUser);
    // Not JSON.
    let arn = store
        .engine
        .create_secret(
            &ctx(),
            CreateSecretInput {
                name: "db/notjson".into(),
                value: Some(text("hunter2")),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .arn;
    let f = step(&r, &store, &arn, &token("bad1"), RotationStep::CreateSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "InvalidSecret");
    assert!(!f.message.contains("hunter2"));
    // The wrong engine for this rotator.
    let arn = create(&store, "db/wrongengine", &my_secret(pg.port, "x", "y")).await;
    let f = step(&r, &store, &arn, &token("bad2"), RotationStep::CreateSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "InvalidSecret", "{f}");
    // Multi-user without masterarn.
    pg_user("pgnomaster", "Initial-Pass-6").await;
    let arn = create(
        &store,
        "db/nomaster",
        &pg_secret(pg.port, "pgnomaster", "Initial-Pass-6"),
    )
    .await;
    let m = coffer_rotators::postgresql(Strategy::MultiUser);
    step(&m, &store, &arn, &token("bad3"), RotationStep::CreateSecret)
        .await
        .unwrap();
    let f = step(&m, &store, &arn, &token("bad3"), RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "InvalidSecret");
    assert!(f.message.contains("masterarn"), "{f}");
    // A wrong current password (changed behind Coffer's back): nothing logs in.
    pg_exec("ALTER ROLE pgnomaster PASSWORD 'Changed-Elsewhere-1'").await;
    let tok = token("bad4");
    step(&r, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    let f = step(&r, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "AuthenticationFailed", "{f}");
    assert!(!f.message.contains("Initial-Pass-6"));
}

// ---- MariaDB ----

#[tokio::test]
async fn mariadb_single_user_rotation_changes_the_password() {
    let db = dbservers::mariadb();
    my_user("mysingle", "Initial-Pass-7").await;
    let store = TestStore::new().await;
    let arn = create(
        &store,
        "db/mysingle",
        &my_secret(db.port, "mysingle", "Initial-Pass-7"),
    )
    .await;
    let r = coffer_rotators::mysql(Strategy::SingleUser);
    let tok = token("mysingle");
    assert_eq!(
        my_login(db.port, "mysingle", "Initial-Pass-7").await,
        Login::Ok
    );
    step(&r, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    assert_eq!(
        my_login(db.port, "mysingle", "Initial-Pass-7").await,
        Login::Ok
    );
    let new_pw = s(&value(&store, &arn, AWSPENDING).await, "password");
    step(&r, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap();
    step(&r, &store, &arn, &tok, RotationStep::TestSecret)
        .await
        .unwrap();
    step(&r, &store, &arn, &tok, RotationStep::FinishSecret)
        .await
        .unwrap();
    assert_eq!(
        s(&value(&store, &arn, AWSCURRENT).await, "password"),
        new_pw
    );
    assert_eq!(my_login(db.port, "mysingle", &new_pw).await, Login::Ok);
    assert!(my_can_read("mysingle", &new_pw, "mysingle").await);
    assert_eq!(
        my_login(db.port, "mysingle", "Initial-Pass-7").await,
        Login::AuthFailed
    );
    rotate(&r, &store, &arn, &token("mysingle2")).await;
    let pw2 = s(&value(&store, &arn, AWSCURRENT).await, "password");
    assert_eq!(my_login(db.port, "mysingle", &pw2).await, Login::Ok);
    assert_eq!(
        my_login(db.port, "mysingle", &new_pw).await,
        Login::AuthFailed
    );
}

#[tokio::test]
async fn mariadb_multi_user_rotation_alternates_users_and_keeps_previous_working() {
    let db = dbservers::mariadb();
    my_user("mymulti", "Initial-Pass-8").await;
    let store = TestStore::new().await;
    let admin = create(
        &store,
        "db/my-admin",
        &my_secret(db.port, &db.admin, ADMIN_PASSWORD),
    )
    .await;
    let mut secret = my_secret(db.port, "mymulti", "Initial-Pass-8");
    secret["masterarn"] = json!(admin);
    let arn = create(&store, "db/mymulti", &secret).await;
    let r = coffer_rotators::mysql(Strategy::MultiUser);

    let tok = token("mymulti1");
    for st in STEPS {
        let cur = value(&store, &arn, AWSCURRENT).await;
        assert_eq!(
            my_login(db.port, &s(&cur, "username"), &s(&cur, "password")).await,
            Login::Ok,
            "before {st}"
        );
        step(&r, &store, &arn, &tok, st)
            .await
            .unwrap_or_else(|f| panic!("{st}: {f}"));
    }
    let cur = value(&store, &arn, AWSCURRENT).await;
    assert_eq!(s(&cur, "username"), "mymulti_clone");
    assert_eq!(
        my_login(db.port, "mymulti_clone", &s(&cur, "password")).await,
        Login::Ok
    );
    assert!(
        my_can_read("mymulti_clone", &s(&cur, "password"), "mymulti").await,
        "grants copied"
    );
    assert_eq!(
        my_login(db.port, "mymulti", "Initial-Pass-8").await,
        Login::Ok,
        "AWSPREVIOUS still works"
    );

    rotate(&r, &store, &arn, &token("mymulti2")).await;
    let cur2 = value(&store, &arn, AWSCURRENT).await;
    let prev2 = value(&store, &arn, AWSPREVIOUS).await;
    assert_eq!(s(&cur2, "username"), "mymulti");
    assert_eq!(
        my_login(db.port, "mymulti", &s(&cur2, "password")).await,
        Login::Ok
    );
    assert_eq!(s(&prev2, "username"), "mymulti_clone");
    assert_eq!(
        my_login(db.port, "mymulti_clone", &s(&prev2, "password")).await,
        Login::Ok
    );
    assert_eq!(
        my_login(db.port, "mymulti", "Initial-Pass-8").await,
        Login::AuthFailed
    );
}

#[tokio::test]
async fn mariadb_wrong_admin_password_fails_clearly_and_a_rerun_completes() {
    let db = dbservers::mariadb();
    my_user("myadminbad", "Initial-Pass-9").await;
    let store = TestStore::new().await;
    let admin = create(
        &store,
        "db/my-admin-bad",
        &my_secret(db.port, &db.admin, "Wrong-Admin-Pass"),
    )
    .await;
    let mut secret = my_secret(db.port, "myadminbad", "Initial-Pass-9");
    secret["masterarn"] = json!(admin);
    let arn = create(&store, "db/myadminbad", &secret).await;
    let r = coffer_rotators::mysql(Strategy::MultiUser);
    let tok = token("myadminbad");
    step(&r, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    let pending = s(&value(&store, &arn, AWSPENDING).await, "password");
    let f = step(&r, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "AuthenticationFailed", "{f}");
    assert!(f.message.contains("admin"), "{f}");
    for pw in ["Wrong-Admin-Pass", pending.as_str(), "Initial-Pass-9"] {
        assert!(!f.message.contains(pw), "{f}");
    }
    assert!(!f.password_rejected);
    // AWSCURRENT still works; the pending user was never created.
    assert_eq!(
        my_login(db.port, "myadminbad", "Initial-Pass-9").await,
        Login::Ok
    );
    assert_eq!(
        my_login(db.port, "myadminbad_clone", &pending).await,
        Login::AuthFailed
    );
    let f = step(&r, &store, &arn, &tok, RotationStep::TestSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "AuthenticationFailed");

    // Fix the admin secret; the rerun completes with the same pending credential.
    store
        .engine
        .put_secret_value(
            &ctx(),
            PutSecretValueInput {
                secret_id: admin.clone(),
                value: Some(text(
                    &my_secret(db.port, &db.admin, ADMIN_PASSWORD).to_string(),
                )),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    rotate(&r, &store, &arn, &tok).await;
    let cur = value(&store, &arn, AWSCURRENT).await;
    assert_eq!(s(&cur, "password"), pending);
    assert_eq!(
        my_login(db.port, "myadminbad_clone", &pending).await,
        Login::Ok
    );
}

#[tokio::test]
async fn mariadb_refusing_the_new_password_is_reported_as_rejected() {
    let db = dbservers::mariadb();
    my_user("myweak", "Initial-Pass-10").await;
    let store = TestStore::new().await;
    let arn = create(
        &store,
        "db/myweak",
        &my_secret(db.port, "myweak", "Initial-Pass-10"),
    )
    .await;
    // Six letters and digits: the server's simple_password_check policy refuses it.
    let weak = coffer_rotators::mysql(Strategy::SingleUser).with_password_rules(PasswordRules {
        length: 6,
        exclude_punctuation: true,
        ..PasswordRules::default()
    });
    let tok = token("myweak");
    step(&weak, &store, &arn, &tok, RotationStep::CreateSecret)
        .await
        .unwrap();
    let pending = s(&value(&store, &arn, AWSPENDING).await, "password");
    let f = step(&weak, &store, &arn, &tok, RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert!(f.password_rejected, "{f:?}");
    assert!(f.message.contains("1819"), "{f}");
    assert!(!f.message.contains(&pending), "{f}");
    assert_eq!(
        my_login(db.port, "myweak", "Initial-Pass-10").await,
        Login::Ok
    );
    // A fresh rotation with the default rules succeeds.
    let r = coffer_rotators::mysql(Strategy::SingleUser);
    rotate(&r, &store, &arn, &token("myweak2")).await;
    let cur = s(&value(&store, &arn, AWSCURRENT).await, "password");
    assert_eq!(my_login(db.port, "myweak", &cur).await, Login::Ok);
}

// ---- custom command ----

fn fixture() -> String {
    format!("{}/tests/data/rotator.sh", env!("CARGO_MANIFEST_DIR"))
}

fn function(
    out: &std::path::Path,
    extra: &[(&str, &str)],
    timeout: Duration,
) -> FunctionDefinition {
    let mut environment = BTreeMap::new();
    environment.insert("OUT_DIR".to_owned(), out.display().to_string());
    for (k, v) in extra {
        environment.insert((*k).to_owned(), (*v).to_owned());
    }
    FunctionDefinition {
        name: "my-rotator".into(),
        command: vec![fixture()],
        environment,
        timeout,
        role_arn: None,
        template: None,
    }
}

#[tokio::test]
async fn command_rotator_gets_the_event_on_stdin_and_the_api_in_its_environment() {
    let store = TestStore::new().await;
    let arn = create(&store, "cmd/ok", &json!({"password": "x"})).await;
    let out = tempfile::tempdir().unwrap();
    let r = CommandRotator::new(function(out.path(), &[], Duration::from_secs(20)));
    let tok = token("cmdok");
    for st in STEPS {
        let mut ev = event(&store, &arn, &tok, st).await;
        ev.api = Some(ApiAccess {
            endpoint: "http://127.0.0.1:7878".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIAROTATIONTEST".into(),
            secret_access_key: "rotation-secret-key".into(),
        });
        r.run_step(&ev)
            .await
            .unwrap_or_else(|f| panic!("{st}: {f}"));
    }
    let events: Vec<Value> = std::fs::read_to_string(out.path().join("events"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 4);
    for (e, st) in events.iter().zip(STEPS) {
        assert_eq!(
            e,
            &json!({"Step": st.as_str(), "SecretId": arn, "ClientRequestToken": tok})
        );
    }
    let env = std::fs::read_to_string(out.path().join("env")).unwrap();
    for line in [
        "AWS_ENDPOINT_URL=http://127.0.0.1:7878",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:7878",
        "AWS_ACCESS_KEY_ID=AKIAROTATIONTEST",
        "AWS_SECRET_ACCESS_KEY=rotation-secret-key",
        "AWS_REGION=us-east-1",
        "AWS_DEFAULT_REGION=us-east-1",
    ] {
        assert!(
            env.lines().any(|l| l == line),
            "{line} missing from:\n{env}"
        );
    }
    // Coffer's own environment (here cargo's variables) is not passed on.
    assert!(!env.contains("CARGO_"), "{env}");
}

#[tokio::test]
async fn command_rotator_failure_reports_stderr_without_environment_values() {
    let store = TestStore::new().await;
    let arn = create(&store, "cmd/fail", &json!({"password": "x"})).await;
    let out = tempfile::tempdir().unwrap();
    let r = CommandRotator::new(function(
        out.path(),
        &[("FAIL_WITH", "tok-s3cr3t-value")],
        Duration::from_secs(20),
    ));
    let f = step(&r, &store, &arn, &token("cmdfail"), RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "CommandFailed");
    assert!(f.message.contains("exited with status 3"), "{f}");
    assert!(f.message.contains("setSecret"), "{f}");
    assert!(
        f.message
            .contains("could not reach the target with token ***"),
        "{f}"
    );
    assert!(!f.message.contains("tok-s3cr3t-value"), "{f}");
    // A command that cannot start.
    let r = CommandRotator::new(FunctionDefinition {
        command: vec!["/nonexistent/rotator".into()],
        ..function(out.path(), &[], Duration::from_secs(5))
    });
    let f = step(&r, &store, &arn, &token("cmdfail"), RotationStep::SetSecret)
        .await
        .unwrap_err();
    assert_eq!(f.kind, "CommandNotStarted", "{f}");
}

#[tokio::test]
async fn command_rotator_timeout_kills_the_process_group() {
    let store = TestStore::new().await;
    let arn = create(&store, "cmd/slow", &json!({"password": "x"})).await;
    let out = tempfile::tempdir().unwrap();
    let r = CommandRotator::new(function(
        out.path(),
        &[("SLEEP_SECONDS", "30")],
        Duration::from_secs(2),
    ));
    let started = Instant::now();
    let f = step(
        &r,
        &store,
        &arn,
        &token("cmdslow"),
        RotationStep::CreateSecret,
    )
    .await
    .unwrap_err();
    assert_eq!(f.kind, "Timeout", "{f}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The sleep the script started in the background is gone too.
    let pid = std::fs::read_to_string(out.path().join("sleeper.pid")).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let alive = std::fs::read_to_string(&stat)
            .map(|s| s.split(' ').nth(2).is_none_or(|state| state != "Z"))
            .unwrap_or(false);
        if !alive {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the background sleep survived the timeout"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A custom rotator run through the engine's rotation job: createSecret stores `new` as
/// the password in AWSPENDING; setSecret puts the current and the new password where the
/// script reads them (as a script would fetch them with `aws secretsmanager
/// get-secret-value`), then runs the script.
struct Scripted {
    command: CommandRotator,
    dir: std::path::PathBuf,
    new: &'static str,
}

#[async_trait::async_trait]
impl Rotator for Scripted {
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let read = |version: Option<String>, stage: &str| {
            event.engine.get_secret_value(
                &event.ctx,
                GetSecretValueInput {
                    secret_id: event.secret_id.clone(),
                    version_id: version,
                    version_stage: Some(stage.into()),
                },
            )
        };
        let current = read(None, AWSCURRENT).await?;
        let mut current: Value = serde_json::from_str(current.value.as_str().unwrap()).unwrap();
        match event.step {
            RotationStep::CreateSecret => {
                current["password"] = self.new.into();
                event
                    .engine
                    .put_secret_value(
                        &event.ctx,
                        PutSecretValueInput {
                            secret_id: event.secret_id.clone(),
                            client_request_token: Some(event.client_request_token.clone()),
                            value: Some(text(&current.to_string())),
                            version_stages: Some(vec![AWSPENDING.into()]),
                            rotation_token: None,
                        },
                    )
                    .await?;
                Ok(())
            }
            RotationStep::SetSecret => {
                let pending = read(Some(event.client_request_token.clone()), AWSPENDING).await?;
                let pending: Value = serde_json::from_str(pending.value.as_str().unwrap()).unwrap();
                std::fs::write(self.dir.join("old"), s(&current, "password")).unwrap();
                std::fs::write(self.dir.join("new"), s(&pending, "password")).unwrap();
                self.command.run_step(event).await
            }
            step => panic!("{step} after a failed setSecret"),
        }
    }
}

/// Issue 13 §3: a rotator script traced with `set -x` that echoes the password it set and
/// fails put that password, verbatim from its stderr, into rotation_jobs and the audit log.
/// The failure keeps the exit status and an excerpt with every value of the secret masked.
#[tokio::test]
async fn a_failing_rotator_script_that_traces_the_new_password_leaks_no_value() {
    const OLD: &str = "old-Pa55word-value";
    const NEW: &str = "new-Pa55word-value";
    let store = TestStore::new().await;
    let secret = json!({"username": "app-user", "password": OLD, "host": "db.internal"});
    let arn = create(&store, "cmd/leaky", &secret).await;
    let dir = tempfile::tempdir().unwrap();
    let script = "set -x\nevent=$(cat)\nold=$(cat \"$VALUES/old\")\nnew=$(cat \"$VALUES/new\")\n\
                  printf 'changing the password from %s to %s\\n' \"$old\" \"$new\" >&2\n\
                  printf '{\"password\": \"%s\"}\\n' \"$new\" >&2\nexit 7";
    let command = CommandRotator::new(FunctionDefinition {
        name: "leaky".into(),
        command: vec!["/bin/sh".into(), "-c".into(), script.into()],
        environment: BTreeMap::from([("VALUES".to_owned(), dir.path().display().to_string())]),
        timeout: Duration::from_secs(20),
        role_arn: None,
        template: None,
    });
    store
        .engine
        .set_rotators(coffer_rotators::registry().with_builtin(
            "scripted",
            std::sync::Arc::new(Scripted {
                command,
                dir: dir.path().to_owned(),
                new: NEW,
            }),
        ));
    store
        .engine
        .rotate_secret(
            &ctx(),
            RotateSecretInput {
                secret_id: arn.clone(),
                client_request_token: Some(token("leaky")),
                rotation_lambda_arn: Some(
                    "arn:aws:lambda:us-east-1:123456789012:function:scripted".into(),
                ),
                rotation_rules: Some(RotationRules {
                    automatically_after_days: Some(30),
                    ..Default::default()
                }),
                rotate_immediately: None,
            },
        )
        .await
        .unwrap();
    let run = store.engine.run_rotation(&ctx(), &arn).await.unwrap();
    let RotationRun::Failed { step, error, .. } = run else {
        panic!("expected a failure, got {run:?}");
    };
    assert_eq!(step, RotationStep::SetSecret);
    let status = store.engine.rotation_status(&ctx(), &arn).await.unwrap();
    let recorded = status.last_error.unwrap();
    let audited = crate::engine_support::audit_log(&store)
        .await
        .into_iter()
        .find(|e| e.action == "RotationFailed")
        .expect("a RotationFailed event")
        .details;
    for (what, text) in [("run", &error), ("job", &recorded), ("audit", &audited)] {
        assert!(text.contains("exited with status 7"), "{what}: {text}");
        assert!(
            text.contains("changing the password from"),
            "{what}: {text}"
        );
        for v in [NEW, OLD] {
            assert!(!text.contains(v), "{what} holds a secret value: {text}");
        }
    }
}
