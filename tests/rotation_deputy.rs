//! Rotation is not a confused deputy: an attacker principal allowed `secretsmanager:*` on
//! its own secrets only (`team-a/*`), working through the real API with the AWS SDK for
//! Rust, tries to make the multi-user rotators change a production user's password with a
//! production admin secret it may not read — against the throwaway PostgreSQL and MariaDB
//! servers that check passwords.
//!
//! The attack: its own secret names its own server (here a [`Proxy`] port in front of the
//! same cluster, where it made a user `<victim>_clone`), the production admin secret as
//! `masterarn`, and `<victim>_clone` as the user, so that a rotator acting as Coffer would
//! read the admin secret and, logged into production as admin, set the victim's password
//! to a value that lands in the attacker's own AWSPENDING version. Each defence is shown
//! alone: the rotation's execution role cannot read the admin secret; granted that, the
//! admin secret's host is not the rotated secret's; and on the same host the rotator
//! changes only the pair of users the secret's first version names.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::RotationRulesType;
use coffer_engine::rotation::RotationRun;
use coffer_engine::{AuditEvent, PrincipalKind, SimulationInput};
use coffer_http::{Server, ServerConfig};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::api_sdk::client;
use crate::dbservers::{self, ADMIN_PASSWORD, Proxy};
use crate::engine_support::audit_log;
use crate::rotation_db::{Login, my_exec, my_login, my_secret, pg_exec, pg_login, pg_secret};
use crate::support::{TestStore, root};

/// The attacker: everything on its team's secrets, passwords, and invoking rotators.
const ATTACKER_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:*:*:secret:team-a/*"},
  {"Effect":"Allow","Action":"secretsmanager:GetRandomPassword","Resource":"*"},
  {"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]}"#;

/// A store with the built-in rotators behind a real API server, and the attacker's client.
struct Setup {
    t: TestStore,
    attacker: Client,
    _stop: oneshot::Sender<()>,
}

impl Setup {
    async fn start() -> Setup {
        let t = TestStore::new().await;
        // SigV4 is checked against the engine's clock; the SDK signs with the real time.
        t.clock.set(chrono::Utc::now());
        t.engine.set_rotators(coffer_rotators::registry());
        let e = &t.engine;
        e.create_principal(&root(), PrincipalKind::User, "mallory", None, Vec::new())
            .await
            .unwrap();
        e.put_principal_policy(
            &root(),
            PrincipalKind::User,
            "mallory",
            "team-a",
            ATTACKER_POLICY,
        )
        .await
        .unwrap();
        let key = e
            .create_access_key(&root(), PrincipalKind::User, "mallory")
            .await
            .unwrap();
        let server = Server::bind(
            t.engine.clone(),
            ServerConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..ServerConfig::default()
            },
        )
        .await
        .expect("bind");
        let attacker = client(
            server.local_addr(),
            &key.info.access_key_id,
            key.secret_access_key.expose_str().unwrap(),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        Setup {
            t,
            attacker,
            _stop: stop,
        }
    }

    /// The production admin secret, made by root; returns its ARN.
    async fn admin_secret(&self, name: &str, value: &Value) -> String {
        crate::rotation_db::create(&self.t, name, value).await
    }

    /// The attacker creates `name` and starts its rotation with built-in `rotator`, through
    /// the API; returns the secret's ARN.
    async fn attack(&self, name: &str, value: &Value, rotator: &str) -> String {
        let arn = self
            .attacker
            .create_secret()
            .name(name)
            .secret_string(value.to_string())
            .send()
            .await
            .expect("the attacker may create its own secret")
            .arn
            .unwrap();
        self.rotate(name, rotator).await;
        arn
    }

    async fn rotate(&self, name: &str, rotator: &str) {
        self.attacker
            .rotate_secret()
            .secret_id(name)
            .rotation_lambda_arn(format!(
                "arn:aws:lambda:us-east-1:123456789012:function:{rotator}"
            ))
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(30)
                    .build(),
            )
            .send()
            .await
            .expect("the attacker may rotate its own secret");
    }

    /// Runs the rotation in flight now (as the scheduler would) and returns its error.
    async fn run_fails(&self, name: &str) -> String {
        match self.t.engine.run_rotation(&root(), name).await.unwrap() {
            RotationRun::Failed { error, .. } => error,
            other => panic!("the attack's rotation of {name} did not fail: {other:?}"),
        }
    }

    /// The execution role the rotation of `secret_arn` acts under (its RotateSecret event
    /// names it).
    async fn role_of(&self, secret_arn: &str) -> String {
        let events = audit_log(&self.t).await;
        let e = events
            .iter()
            .rev()
            .find(|e| e.action == "RotateSecret" && e.resource_arn.as_deref() == Some(secret_arn))
            .expect("a RotateSecret event");
        let details: Value = serde_json::from_str(&e.details).unwrap();
        details["executionRoleArn"]
            .as_str()
            .unwrap_or_else(|| panic!("no executionRoleArn: {}", e.details))
            .to_owned()
    }

    /// Root grants the rotation role of `secret_arn` GetSecretValue on the admin secret
    /// through its resource policy (what an administrator does for a legitimate rotation).
    async fn grant_admin_read(&self, admin_arn: &str, secret_arn: &str) {
        let role = self.role_of(secret_arn).await;
        let policy = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": role},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
        self.t
            .engine
            .put_resource_policy(&root(), admin_arn, &policy.to_string(), false)
            .await
            .unwrap();
    }
}

/// Whether event `e` is about the secret called `name`: a refused request records the id
/// the caller gave, not the secret's ARN, so its existence is not given away.
fn names(e: &AuditEvent, name: &str) -> bool {
    e.resource_arn
        .as_deref()
        .is_some_and(|arn| arn.contains(&format!(":secret:{name}-")))
        || e.details.contains(&format!("\"secretId\":\"{name}\""))
}

fn with(mut v: Value, members: Value) -> Value {
    for (k, m) in members.as_object().unwrap() {
        v[k] = m.clone();
    }
    v
}

#[tokio::test]
async fn postgres_multi_user_rotation_never_acts_on_production_for_an_attacker() {
    let pg = dbservers::postgres();
    let own_server = Proxy::start(pg.port).await;
    pg_exec(
        "CREATE ROLE pgvictim LOGIN PASSWORD 'Prod-Pass-31'; \
         CREATE ROLE pgvictim_clone LOGIN PASSWORD 'Attacker-Pass-31'; \
         CREATE ROLE pgmallory LOGIN PASSWORD 'Attacker-Pass-32';",
    )
    .await;
    let s = Setup::start().await;
    let admin = s
        .admin_secret(
            "prod/pg-admin",
            &pg_secret(pg.port, &pg.superuser, ADMIN_PASSWORD),
        )
        .await;
    let rotator = coffer_rotators::POSTGRESQL_MULTI_USER;
    let attack = |port: u16, user: &str, password: &str| {
        with(
            pg_secret(port, user, password),
            json!({"masterarn": "prod/pg-admin"}),
        )
    };
    let victim_unchanged = async || {
        assert_eq!(
            pg_login(pg.port, "pgvictim", "Prod-Pass-31").await,
            Login::Ok,
            "the production user's password was changed"
        );
        assert_eq!(
            pg_login(pg.port, &pg.superuser, ADMIN_PASSWORD).await,
            Login::Ok
        );
        let log = pg.log_text();
        assert!(!log.contains("ALTER ROLE \"pgvictim\""), "log:\n{log}");
    };

    // 1. The rotation acts as its execution role, which may not read the admin secret.
    let x = s
        .attack(
            "team-a/pg-x",
            &attack(own_server.port, "pgvictim_clone", "Attacker-Pass-31"),
            rotator,
        )
        .await;
    let error = s.run_fails("team-a/pg-x").await;
    assert!(error.contains("AccessDenied"), "{error}");
    let role = s.role_of(&x).await;
    let events = audit_log(&s.t).await;
    let denied = events
        .iter()
        .find(|e| e.action == "GetSecretValue" && names(e, "prod/pg-admin"))
        .unwrap_or_else(|| {
            panic!("the rotator's read of the admin secret is not audited: {events:#?}")
        });
    assert_eq!(denied.principal, role, "{denied:?}");
    assert_eq!(denied.decision, "denied", "{denied:?}");
    let failed = events
        .iter()
        .find(|e| e.action == "RotationFailed" && e.resource_arn.as_deref() == Some(&x))
        .expect("RotationFailed");
    assert!(failed.details.contains(&role), "{}", failed.details);
    // The simulator explains the step's decisions under its role.
    let simulate = async |role: &str| {
        let r =
            s.t.engine
                .simulate_principal_policy(
                    &root(),
                    SimulationInput {
                        policy_source_arn: role.to_owned(),
                        action_names: vec!["secretsmanager:GetSecretValue".into()],
                        resource_arns: vec![admin.clone(), x.clone()],
                        context_entries: Vec::new(),
                    },
                )
                .await
                .unwrap();
        r.iter().map(|r| r.decision.clone()).collect::<Vec<_>>()
    };
    assert_eq!(simulate(&role).await, ["implicitDeny", "allowed"]);
    victim_unchanged().await;

    // 2. Even with the role allowed to read it, the admin secret is for another server.
    let y = s
        .attack(
            "team-a/pg-y",
            &attack(own_server.port, "pgvictim_clone", "Attacker-Pass-31"),
            rotator,
        )
        .await;
    s.grant_admin_read(&admin, &y).await;
    let error = s.run_fails("team-a/pg-y").await;
    assert!(error.contains("its own server"), "{error}");
    victim_unchanged().await;

    // 3. On the admin's own server, a later version that names `pgvictim_clone` cannot
    // steer the rotator to `pgvictim`: the pair comes from the first version.
    let z = s
        .attack(
            "team-a/pg-z",
            &attack(pg.port, "pgmallory", "Attacker-Pass-32"),
            rotator,
        )
        .await;
    s.t.engine
        .cancel_rotate_secret(&root(), &z)
        .await
        .expect("cancel the first rotation");
    s.grant_admin_read(&admin, &z).await;
    s.attacker
        .put_secret_value()
        .secret_id("team-a/pg-z")
        .secret_string(attack(pg.port, "pgvictim_clone", "Attacker-Pass-31").to_string())
        .version_stages("AWSCURRENT")
        .send()
        .await
        .unwrap();
    // The cancelled rotation left AWSPENDING on its placeholder, as on AWS: clear it.
    let pending = s
        .attacker
        .describe_secret()
        .secret_id("team-a/pg-z")
        .send()
        .await
        .unwrap()
        .version_ids_to_stages
        .unwrap()
        .into_iter()
        .find(|(_, l)| l.iter().any(|l| l == "AWSPENDING"))
        .map(|(v, _)| v)
        .unwrap();
    s.attacker
        .update_secret_version_stage()
        .secret_id("team-a/pg-z")
        .version_stage("AWSPENDING")
        .remove_from_version_id(pending)
        .send()
        .await
        .unwrap();
    s.rotate("team-a/pg-z", rotator).await;
    let error = s.run_fails("team-a/pg-z").await;
    assert!(
        error.contains("neither pgmallory nor pgmallory_clone"),
        "{error}"
    );
    victim_unchanged().await;
}

#[tokio::test]
async fn mariadb_multi_user_rotation_never_acts_on_production_for_an_attacker() {
    let db = dbservers::mariadb();
    let own_server = Proxy::start(db.port).await;
    my_exec(
        "CREATE USER 'myvictim'@'%' IDENTIFIED BY 'Prod-Pass-41'; \
         CREATE USER 'myvictim_clone'@'%' IDENTIFIED BY 'Attacker-Pass-41';",
    )
    .await;
    let s = Setup::start().await;
    let admin = s
        .admin_secret(
            "prod/my-admin",
            &my_secret(db.port, &db.admin, ADMIN_PASSWORD),
        )
        .await;
    let rotator = coffer_rotators::MYSQL_MULTI_USER;
    let attack = with(
        my_secret(own_server.port, "myvictim_clone", "Attacker-Pass-41"),
        json!({"masterarn": "prod/my-admin"}),
    );
    let victim_unchanged = async || {
        assert_eq!(
            my_login(db.port, "myvictim", "Prod-Pass-41").await,
            Login::Ok,
            "the production user's password was changed"
        );
        assert_eq!(
            my_login(db.port, &db.admin, ADMIN_PASSWORD).await,
            Login::Ok
        );
    };

    let x = s.attack("team-a/my-x", &attack, rotator).await;
    let error = s.run_fails("team-a/my-x").await;
    assert!(error.contains("AccessDenied"), "{error}");
    let role = s.role_of(&x).await;
    let denied = audit_log(&s.t)
        .await
        .into_iter()
        .find(|e| e.action == "GetSecretValue" && names(e, "prod/my-admin"))
        .expect("the rotator's read of the admin secret is audited");
    assert_eq!(
        (denied.principal.as_str(), denied.decision.as_str()),
        (role.as_str(), "denied")
    );
    victim_unchanged().await;

    let y = s.attack("team-a/my-y", &attack, rotator).await;
    s.grant_admin_read(&admin, &y).await;
    let error = s.run_fails("team-a/my-y").await;
    assert!(error.contains("its own server"), "{error}");
    victim_unchanged().await;
}
