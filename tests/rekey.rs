//! Re-keying the store (`coffer rekey`, Settings → Re-key; issue 13 §3): the attacker is
//! someone who kept a copy of the file and learns the master password of its day. After
//! a re-key, everything that copy's root key opens — the root itself, every KMS key
//! material in it — must open nothing in today's file, while Coffer itself reads every
//! value, authenticates every access key and verifies its whole audit log as before.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use coffer_crypto::{KeyMaterial, RootKey, ValueContext};
use coffer_engine::{
    CreateSecretInput, Engine, ErrorCode, GetSecretValueInput, Password, PrincipalKind,
    PutSecretValueInput, RequestContext,
};
use sqlx::{Connection, Row, SqliteConnection};

use crate::support::{PASSWORD, TestStore, root, rotation_function, text};

async fn get(engine: &Engine, id: &str) -> coffer_engine::Result<String> {
    let out = engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: id.into(),
                ..Default::default()
            },
        )
        .await?;
    Ok(String::from_utf8(out.value.bytes().expose().to_vec()).unwrap())
}

async fn create(engine: &Engine, name: &str, value: &str, key: Option<&str>) {
    engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                value: Some(text(value)),
                kms_key_id: key.map(str::to_owned),
                ..Default::default()
            },
        )
        .await
        .expect("create");
}

/// A store with two keys, three secrets (one with an older version), a user's access key
/// and a function whose environment holds a token. Returns the access key id and secret.
async fn populated() -> (TestStore, String, Vec<u8>) {
    let t = TestStore::new().await;
    let key = t
        .engine
        .create_key(&root(), None, Some("team".into()))
        .await
        .unwrap();
    create(&t.engine, "app/a", "alpha-1", None).await;
    t.engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: "app/a".into(),
                value: Some(text("alpha-2")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    create(&t.engine, "app/b", "beta", Some(&key.key_id)).await;
    create(&t.engine, "app/c", "gamma", None).await;
    t.engine
        .create_principal(&root(), PrincipalKind::User, "alice", None, Vec::new())
        .await
        .unwrap();
    let ak = t
        .engine
        .create_access_key(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    rotation_function(&t.engine, "/bin/true", "tok-5ecret").await;
    let secret = ak.secret_access_key.expose().to_vec();
    (t, ak.info.access_key_id, secret)
}

/// A consistent copy of the store file, made with the `sqlite3` shell's `.backup`.
fn copy_of(path: &Path, to: &Path) {
    let out = Command::new("sqlite3")
        .arg(path)
        .arg(format!(".backup '{}'", to.display()))
        .output()
        .expect("the rekey tests need the sqlite3 shell: run `make db-servers`");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn connect(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open the file")
}

/// The root key an old copy of the file opens with the password of its day.
async fn root_of(copy: &Path) -> RootKey {
    let mut c = connect(copy).await;
    let row = sqlx::query("SELECT store_id, kdf_header, wrapped_root_key FROM store_meta")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let (id, header, wrapped): (Vec<u8>, Vec<u8>, Vec<u8>) = (row.get(0), row.get(1), row.get(2));
    coffer_crypto::open_root(&Password::from(PASSWORD), &header, &wrapped, &id)
        .expect("the old copy opens with the old password")
}

/// Every KMS key material the old copy's root key unwraps, from the old copy.
async fn materials_of(copy: &Path, root: &RootKey) -> Vec<(String, u32, KeyMaterial)> {
    let mut c = connect(copy).await;
    let rows =
        sqlx::query("SELECT key_id, material_version, wrapped_material FROM kms_key_materials")
            .fetch_all(&mut c)
            .await
            .unwrap();
    rows.iter()
        .map(|r| {
            let (id, v, w): (String, i64, Vec<u8>) = (r.get(0), r.get(1), r.get(2));
            let v = u32::try_from(v).unwrap();
            let m = root.unwrap_key_material(&w, &id, v).expect("old material");
            (id, v, m)
        })
        .collect()
}

#[tokio::test]
async fn an_old_copy_and_its_password_open_nothing_in_the_re_keyed_file() {
    let (mut t, key_id, key_secret) = populated().await;
    let old_copy = t.dir.path().join("old-copy.db");
    // A backup of the closed store (what a sync client or a backup tool keeps).
    t.engine.close().await;
    copy_of(&t.path(), &old_copy);
    t.engine = Engine::open(&t.path(), Arc::new(t.clock.clone()))
        .await
        .unwrap();
    t.engine.unseal(&Password::from(PASSWORD)).await.unwrap();

    let report = t
        .engine
        .rekey(&root(), &Password::from(PASSWORD))
        .await
        .expect("rekey");
    assert_eq!(report.keys, 2, "the default key and 'team': {report:?}");
    assert_eq!(report.versions, 4, "{report:?}");
    assert_eq!((report.access_keys, report.functions), (1, 1), "{report:?}");
    assert!(report.audit_events > 5, "{report:?}");

    // Coffer reads everything as before, here and after a restart.
    for (id, value) in [("app/a", "alpha-2"), ("app/b", "beta"), ("app/c", "gamma")] {
        assert_eq!(get(&t.engine, id).await.unwrap(), value);
    }
    let cred = t.engine.authenticate(&key_id).await.unwrap().expect("key");
    assert_eq!(cred.secret_access_key.expose(), key_secret.as_slice());
    let functions = t.engine.list_functions(&root()).await.unwrap();
    assert_eq!(functions[0].environment["DB_TOKEN"], "tok-5ecret");
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    t.engine.close().await;
    let engine = Engine::open(&t.path(), Arc::new(t.clock.clone()))
        .await
        .unwrap();
    engine.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_eq!(get(&engine, "app/a").await.unwrap(), "alpha-2");
    let report = engine.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "after a restart: {report:?}");

    // The attacker's keys: the old copy's root and every material it unwraps.
    let old_root = root_of(&old_copy).await;
    let old_materials = materials_of(&old_copy, &old_root).await;
    assert_eq!(old_materials.len(), 2);
    let mut c = connect(&t.path()).await;
    let materials =
        sqlx::query("SELECT key_id, material_version, wrapped_material FROM kms_key_materials")
            .fetch_all(&mut c)
            .await
            .unwrap();
    for r in &materials {
        let (id, v, w): (String, i64, Vec<u8>) = (r.get(0), r.get(1), r.get(2));
        assert!(
            old_root
                .unwrap_key_material(&w, &id, u32::try_from(v).unwrap())
                .is_err(),
            "the old root unwraps material {v} of {id} in today's file"
        );
    }
    let versions = sqlx::query(
        "SELECT s.arn, v.version_id, v.key_id, v.material_version, v.wrapped_dek, v.ciphertext \
         FROM versions v JOIN secrets s ON s.id = v.secret_id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(versions.len(), 4);
    for r in &versions {
        let (arn, version, key): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let (dek, ciphertext): (Vec<u8>, Vec<u8>) = (r.get(4), r.get(5));
        for (_, material_version, material) in &old_materials {
            let ctx = ValueContext {
                secret_arn: &arn,
                version_id: &version,
                key_id: &key,
                material_version: *material_version,
            };
            assert!(
                material.open_value(&ctx, &dek, &ciphertext).is_err(),
                "an old material opens version {version} of {arn}"
            );
        }
    }
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed_secret FROM access_keys")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert!(
        old_root
            .access_key_wrapping_key()
            .decrypt(&key_id, &sealed)
            .is_err(),
        "the old root opens today's access-key secret"
    );
    // The old copy itself still opens with its password (documented: a re-key protects
    // today's file, not the copies already taken).
    assert!(!old_materials.is_empty());
}

/// A re-key of a store with findings would bless them: it is refused, audited, and the
/// file is left as it was.
#[tokio::test]
async fn a_store_with_findings_is_not_re_keyed() {
    let (mut t, _, _) = populated().await;
    t.engine.close().await;
    let out = Command::new("sqlite3")
        .arg(t.path())
        .arg("UPDATE secrets SET resource_policy = '{\"Version\":\"2012-10-17\",\"Statement\":[]}' WHERE name = 'app/c'")
        .output()
        .expect("sqlite3");
    assert!(out.status.success());
    let engine = Engine::open(&t.path(), Arc::new(t.clock.clone()))
        .await
        .unwrap();
    engine.unseal(&Password::from(PASSWORD)).await.unwrap();
    t.engine = engine;
    let before: Vec<u8> = sqlx::query_scalar("SELECT wrapped_root_key FROM store_meta")
        .fetch_one(&mut connect(&t.path()).await)
        .await
        .unwrap();
    let err = t
        .engine
        .rekey(&root(), &Password::from(PASSWORD))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::InvalidRequest, "{err}");
    assert!(err.message().contains("not re-keyed"), "{err}");
    let after: Vec<u8> = sqlx::query_scalar("SELECT wrapped_root_key FROM store_meta")
        .fetch_one(&mut connect(&t.path()).await)
        .await
        .unwrap();
    assert_eq!(before, after, "the root key was replaced");
    assert_eq!(get(&t.engine, "app/a").await.unwrap(), "alpha-2");
}

/// A wrong password re-keys nothing (a typo would otherwise seal the new root under a
/// password nobody knows).
#[tokio::test]
async fn a_wrong_password_re_keys_nothing() {
    let (t, _, _) = populated().await;
    let err = t
        .engine
        .rekey(&root(), &Password::from("not the password at all"))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), ErrorCode::WrongPassword, "{err}");
    t.engine.close().await;
    let engine = Engine::open(&t.path(), Arc::new(t.clock.clone()))
        .await
        .unwrap();
    engine.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_eq!(get(&engine, "app/b").await.unwrap(), "beta");
}

/// Reads racing a re-key never see the new rows with the old keys (or the reverse): each
/// is answered with the value, never a decryption failure or a false tamper alarm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_during_a_re_key_all_succeed() {
    let (t, key_id, _) = populated().await;
    let engine = t.engine.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (engine, stop, key_id) = (engine.clone(), stop.clone(), key_id.clone());
        readers.push(tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 5 {
                assert_eq!(get(&engine, "app/b").await.expect("read"), "beta");
                assert!(engine.authenticate(&key_id).await.expect("auth").is_some());
                n += 1;
            }
            n
        }));
    }
    for _ in 0..3 {
        t.engine
            .rekey(&root(), &Password::from(PASSWORD))
            .await
            .expect("rekey");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.await.expect("reader") >= 5);
    }
    assert!(t.engine.verify_audit(&root()).await.unwrap().is_intact());
}

/// Another process that holds the store open with the old keys (here: a second engine on
/// the same file) learns of the re-key at its next request and seals itself with a
/// message saying why, instead of reporting the file as tampered.
#[tokio::test]
async fn another_process_is_told_to_unseal_again() {
    let (t, _, _) = populated().await;
    let other = Engine::open(&t.path(), Arc::new(t.clock.clone()))
        .await
        .unwrap();
    other.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_eq!(get(&other, "app/a").await.unwrap(), "alpha-2");
    t.engine
        .rekey(&root(), &Password::from(PASSWORD))
        .await
        .unwrap();
    let err = get(&other, "app/a").await.expect_err("stale keys");
    assert_eq!(err.code(), ErrorCode::StoreSealed, "{err}");
    assert!(err.message().contains("re-keyed"), "{err}");
    assert!(other.is_sealed());
    other.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_eq!(get(&other, "app/a").await.unwrap(), "alpha-2");
    let ctx = RequestContext::root(coffer_engine::Source::Cli);
    assert!(other.verify_audit(&ctx).await.unwrap().is_intact());
}
