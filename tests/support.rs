//! Shared helpers for the integration tests: a fresh store in a temp dir, with the floor
//! KDF cost so each test derives its master key in milliseconds.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use coffer_engine::{
    Engine, InitOptions, KdfParams, ManualClock, Password, RequestContext, SecretValue, Source,
};

/// The master password every test store uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// A test store: the engine, its manual clock, and the temp dir that holds the file.
pub struct TestStore {
    /// The engine, unsealed.
    pub engine: Engine,
    /// The engine's clock; tests move it.
    pub clock: ManualClock,
    /// Holds the store file; removed on drop.
    pub dir: tempfile::TempDir,
}

impl TestStore {
    /// A new, unsealed store at 2026-01-01T00:00:00Z.
    pub async fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let engine = Engine::init(
            &dir.path().join("coffer.db"),
            &Password::from(PASSWORD),
            InitOptions {
                kdf: KdfParams::for_tests(),
                ..InitOptions::default()
            },
            Arc::new(clock.clone()),
        )
        .await
        .expect("init store");
        TestStore { engine, clock, dir }
    }

    /// The store file.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("coffer.db")
    }
}

/// A root request from the CLI.
pub fn root() -> RequestContext {
    RequestContext::root(Source::Cli)
}

/// A string value.
pub fn text(s: &str) -> SecretValue {
    SecretValue::string(s)
}

/// A 32+ character token built from a short tag, so tests read well.
pub fn token(tag: &str) -> String {
    format!("{tag:0>36}")
}

/// Registers rotation function `rot` running `program` under a new role `rotator`, with
/// `DB_TOKEN=token` in its environment.
pub async fn rotation_function(engine: &Engine, program: &str, token: &str) {
    let role = engine
        .create_principal(
            &root(),
            coffer_engine::PrincipalKind::Role,
            "rotator",
            None,
            Vec::new(),
        )
        .await
        .unwrap()
        .arn;
    engine
        .create_function(
            &root(),
            coffer_engine::rotation::CreateFunctionInput {
                function_name: "rot".into(),
                command: vec![program.into()],
                template: None,
                role: Some(role),
                timeout_secs: None,
                environment: [("DB_TOKEN".to_owned(), token.to_owned())].into(),
            },
        )
        .await
        .unwrap();
}
