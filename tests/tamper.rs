//! Tampered store files (security reference §1.5, §6 A.3–A.9, B.16–B.18, H.57).
//!
//! The attacker here has write access to the SQLite file but not the master password. Each
//! test edits rows directly with its own SQLite connection, then reads through the engine:
//! every read or unseal must fail with a precise error code — never a panic, never another
//! row's plaintext — and the audit verifier must name the exact first bad event.
//!
//! Row edits are made while the engine is open (SQLite readers see another connection's
//! commits at their next transaction), and every test puts the original bytes back and reads
//! successfully afterwards, which proves the edits really reach the engine.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffer_engine::{
    AuditFilter, CreateSecretInput, Engine, ErrorCode, GetSecretValueInput, KdfParams, Password,
    PutSecretValueInput, SecretValue, SecretValueOutput, SystemClock,
};
use rand::{Rng, SeedableRng};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::support::{PASSWORD, TestStore, root, text};

/// A raw connection on the store file, as an attacker with the file would have. Foreign
/// keys are off so rows can be moved where the schema would not let the engine put them.
async fn raw(path: &Path) -> SqlitePool {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(false)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .expect("raw connection to the store")
}

async fn create(engine: &Engine, name: &str, value: SecretValue) -> String {
    engine
        .create_secret(
            &root(),
            CreateSecretInput {
                name: name.into(),
                value: Some(value),
                ..Default::default()
            },
        )
        .await
        .expect("create secret")
        .version_id
        .expect("a version")
}

async fn put(engine: &Engine, name: &str, value: SecretValue) -> String {
    engine
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: name.into(),
                value: Some(value),
                ..Default::default()
            },
        )
        .await
        .expect("put secret value")
        .version_id
}

async fn get(
    engine: &Engine,
    name: &str,
    version: Option<&str>,
) -> coffer_engine::Result<SecretValueOutput> {
    engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: name.into(),
                version_id: version.map(str::to_owned),
                version_stage: None,
            },
        )
        .await
}

/// The read failed with `code`, and nothing in the error mentions any of `plaintexts`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: coffer_engine::Result<T>,
    code: ErrorCode,
    plaintexts: &[&str],
    what: &str,
) {
    let err = match result {
        Ok(v) => panic!("{what}: expected {code}, got a value: {v:?}"),
        Err(e) => e,
    };
    assert_eq!(err.code(), code, "{what}: wrong error ({err})");
    let shown = format!("{err} {err:?}");
    for p in plaintexts {
        assert!(
            !shown.contains(p),
            "{what}: the error shows plaintext: {shown}"
        );
    }
}

#[track_caller]
fn assert_value(out: &SecretValueOutput, expected: &str) {
    assert_eq!(
        out.value.as_str(),
        Some(expected),
        "read back the wrong value"
    );
}

async fn secret_id(pool: &SqlitePool, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM secrets WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await
        .expect("secret row")
}

/// `(wrapped_dek, ciphertext, key_id, material_version)` of one version row.
type Blobs = (Vec<u8>, Vec<u8>, String, i64);

async fn blobs(pool: &SqlitePool, version: &str) -> Blobs {
    sqlx::query_as(
        "SELECT wrapped_dek, ciphertext, key_id, material_version FROM versions WHERE version_id = ?",
    )
    .bind(version)
    .fetch_one(pool)
    .await
    .expect("version row")
}

async fn set_blobs(pool: &SqlitePool, version: &str, b: &Blobs) {
    let n = sqlx::query(
        "UPDATE versions SET wrapped_dek = ?, ciphertext = ?, key_id = ?, material_version = ? \
         WHERE version_id = ?",
    )
    .bind(&b.0)
    .bind(&b.1)
    .bind(&b.2)
    .bind(b.3)
    .bind(version)
    .execute(pool)
    .await
    .expect("update version row")
    .rows_affected();
    assert_eq!(n, 1, "exactly one version row changed");
}

async fn exec(pool: &SqlitePool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.expect(sql);
}

// ---------------------------------------------------------------------------------------
// Swapped rows (A.3–A.5)

/// A.3: version B's sealed blobs copied into version A's row do not open as A — the AAD
/// binds them to B's version id — and B's plaintext never comes back as A's.
#[tokio::test]
async fn row_swap_within_a_secret_fails() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let va = create(e, "tamper/swap", text("alpha-plaintext-1")).await;
    let vb = put(e, "tamper/swap", text("bravo-plaintext-2")).await;
    let pool = raw(&t.path()).await;
    let a = blobs(&pool, &va).await;
    let b = blobs(&pool, &vb).await;
    let secrets = ["alpha-plaintext-1", "bravo-plaintext-2"];

    set_blobs(&pool, &va, &b).await;
    assert_refused(
        get(e, "tamper/swap", Some(&va)).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "all four columns of B in A",
    );
    // Half swaps: B's DEK with A's ciphertext, and A's DEK with B's ciphertext.
    set_blobs(&pool, &va, &(b.0.clone(), a.1.clone(), a.2.clone(), a.3)).await;
    assert_refused(
        get(e, "tamper/swap", Some(&va)).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "B's wrapped DEK in A",
    );
    set_blobs(&pool, &va, &(a.0.clone(), b.1.clone(), a.2.clone(), a.3)).await;
    assert_refused(
        get(e, "tamper/swap", Some(&va)).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "B's ciphertext in A",
    );

    // The refused read is itself on record, as a failed GetSecretValue.
    let page = e
        .query_audit(
            &root(),
            &AuditFilter {
                action: Some("GetSecretValue".into()),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let last = &page.events[0];
    assert_eq!(last.outcome, "error");
    assert_eq!(last.error_code.as_deref(), Some("DecryptionFailure"));
    assert_eq!(last.version_id.as_deref(), Some(va.as_str()));

    // B is untouched, and putting A's own bytes back makes A readable again.
    assert_value(
        &get(e, "tamper/swap", Some(&vb)).await.unwrap(),
        "bravo-plaintext-2",
    );
    set_blobs(&pool, &va, &a).await;
    assert_value(
        &get(e, "tamper/swap", Some(&va)).await.unwrap(),
        "alpha-plaintext-1",
    );
    pool.close().await;
}

/// A.4: a version row moved to another secret (made that secret's AWSCURRENT), or another
/// secret's blobs copied into a row, does not decrypt: the ARN is in the AAD.
#[tokio::test]
async fn cross_secret_swap_fails() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let vx = create(e, "tamper/prod-db", text("prod-password-xyz")).await;
    let vy = create(e, "tamper/dev-db", text("dev-password-abc")).await;
    let pool = raw(&t.path()).await;
    let x = secret_id(&pool, "tamper/prod-db").await;
    let y = secret_id(&pool, "tamper/dev-db").await;
    let secrets = ["prod-password-xyz", "dev-password-abc"];

    // Copy prod's blobs into dev's current row: dev must not return prod's password.
    let xb = blobs(&pool, &vx).await;
    let yb = blobs(&pool, &vy).await;
    set_blobs(&pool, &vy, &xb).await;
    assert_refused(
        get(e, "tamper/dev-db", None).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "prod's blobs in dev's row",
    );
    set_blobs(&pool, &vy, &yb).await;
    assert_value(
        &get(e, "tamper/dev-db", None).await.unwrap(),
        "dev-password-abc",
    );

    // Move prod's whole version row under dev: the AAD names prod's ARN, so it does not
    // decrypt as dev's.
    sqlx::query("UPDATE versions SET secret_id = ? WHERE secret_id = ? AND version_id = ?")
        .bind(y)
        .bind(x)
        .bind(&vx)
        .execute(&pool)
        .await
        .unwrap();
    assert_refused(
        get(e, "tamper/dev-db", Some(&vx)).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "moved row by version id",
    );
    // And point dev's AWSCURRENT at it: the label edit is caught first, by dev's seal.
    sqlx::query(
        "UPDATE staging_labels SET version_id = ? WHERE secret_id = ? AND label = 'AWSCURRENT'",
    )
    .bind(&vx)
    .bind(y)
    .execute(&pool)
    .await
    .unwrap();
    assert_refused(
        get(e, "tamper/dev-db", None).await,
        ErrorCode::StoreCorrupt,
        &secrets,
        "moved row as AWSCURRENT",
    );

    // Move it back: both secrets read their own values again.
    sqlx::query("UPDATE versions SET secret_id = ? WHERE secret_id = ? AND version_id = ?")
        .bind(x)
        .bind(y)
        .bind(&vx)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE staging_labels SET version_id = ? WHERE secret_id = ? AND label = 'AWSCURRENT'",
    )
    .bind(&vy)
    .bind(y)
    .execute(&pool)
    .await
    .unwrap();
    assert_value(
        &get(e, "tamper/prod-db", None).await.unwrap(),
        "prod-password-xyz",
    );
    assert_value(
        &get(e, "tamper/dev-db", None).await.unwrap(),
        "dev-password-abc",
    );
    pool.close().await;
}

/// A.5: pointing a version at another named key, another material version of its own key,
/// or a material version that does not exist fails to unwrap; so does swapping two keys'
/// wrapped material (bound to its key id).
#[tokio::test]
async fn key_id_swap_fails() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let other = e
        .create_key(&root(), None, Some("alias/tamper-other".into()))
        .await
        .unwrap();
    let v = create(e, "tamper/keyed", text("keyed-plaintext-7")).await;
    let secrets = ["keyed-plaintext-7"];
    let pool = raw(&t.path()).await;
    let orig = blobs(&pool, &v).await;
    let default_key = orig.2.clone();
    assert_ne!(default_key, other.key_id);

    // Another key's id (its material version 1 exists and unwraps fine on its own).
    set_blobs(
        &pool,
        &v,
        &(orig.0.clone(), orig.1.clone(), other.key_id.clone(), 1),
    )
    .await;
    assert_refused(
        get(e, "tamper/keyed", None).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "another key's id",
    );
    // A newer material version of the same key.
    e.rotate_key(&root(), &default_key).await.unwrap();
    set_blobs(
        &pool,
        &v,
        &(orig.0.clone(), orig.1.clone(), default_key.clone(), 2),
    )
    .await;
    assert_refused(
        get(e, "tamper/keyed", None).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "another material version",
    );
    // A material version that does not exist, and a key id that does not exist.
    set_blobs(
        &pool,
        &v,
        &(orig.0.clone(), orig.1.clone(), default_key.clone(), 99),
    )
    .await;
    assert_refused(
        get(e, "tamper/keyed", None).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "missing material version",
    );
    set_blobs(
        &pool,
        &v,
        &(orig.0.clone(), orig.1.clone(), "no-such-key".into(), 1),
    )
    .await;
    assert_refused(
        get(e, "tamper/keyed", None).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "missing key",
    );
    set_blobs(&pool, &v, &orig).await;
    assert_value(
        &get(e, "tamper/keyed", None).await.unwrap(),
        "keyed-plaintext-7",
    );

    // Swap the two keys' wrapped material (version 1 of each). Unwrapped material is cached
    // while unsealed, so seal and unseal to make the engine read the rows again.
    let material = |key: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, Vec<u8>>(
                "SELECT wrapped_material FROM kms_key_materials WHERE key_id = ? AND material_version = 1",
            )
            .bind(key)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let set_material = |key: String, blob: Vec<u8>| {
        let pool = pool.clone();
        async move {
            sqlx::query(
                "UPDATE kms_key_materials SET wrapped_material = ? WHERE key_id = ? AND material_version = 1",
            )
            .bind(blob)
            .bind(key)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    let m_default = material(default_key.clone()).await;
    let m_other = material(other.key_id.clone()).await;
    set_material(default_key.clone(), m_other.clone()).await;
    set_material(other.key_id.clone(), m_default.clone()).await;
    e.seal();
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_refused(
        get(e, "tamper/keyed", None).await,
        ErrorCode::DecryptionFailure,
        &secrets,
        "swapped key material",
    );
    set_material(default_key.clone(), m_default).await;
    set_material(other.key_id.clone(), m_other).await;
    e.seal();
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_value(
        &get(e, "tamper/keyed", None).await.unwrap(),
        "keyed-plaintext-7",
    );
    pool.close().await;
}

// ---------------------------------------------------------------------------------------
// Bit flips and truncation (A.6, A.7)

/// A.6: one flipped bit at every byte of the stored ciphertext blob and of the wrapped DEK
/// (format header, nonce, body, tag) → a clean DecryptionFailure every time.
#[tokio::test]
async fn bit_flip_at_every_byte_of_ciphertext_and_wrapped_dek_fails() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let v = create(e, "tamper/flip", text("k3y!")).await;
    let pool = raw(&t.path()).await;
    let orig = blobs(&pool, &v).await;
    // header 4 + nonce 12 + kind byte and value 5 + tag 16; DEK: 4 + 12 + 32 + 16.
    assert_eq!(orig.1.len(), 37, "value ciphertext layout");
    assert_eq!(orig.0.len(), 64, "wrapped DEK layout");

    for pos in 0..orig.1.len() {
        let mut ct = orig.1.clone();
        ct[pos] ^= 1 << (pos % 8);
        set_blobs(&pool, &v, &(orig.0.clone(), ct, orig.2.clone(), orig.3)).await;
        assert_refused(
            get(e, "tamper/flip", None).await,
            ErrorCode::DecryptionFailure,
            &["k3y!"],
            &format!("ciphertext byte {pos}"),
        );
    }
    for pos in 0..orig.0.len() {
        let mut dek = orig.0.clone();
        dek[pos] ^= 1 << (pos % 8);
        set_blobs(&pool, &v, &(dek, orig.1.clone(), orig.2.clone(), orig.3)).await;
        assert_refused(
            get(e, "tamper/flip", None).await,
            ErrorCode::DecryptionFailure,
            &["k3y!"],
            &format!("wrapped DEK byte {pos}"),
        );
    }
    set_blobs(&pool, &v, &orig).await;
    assert_value(&get(e, "tamper/flip", None).await.unwrap(), "k3y!");
    pool.close().await;
}

/// A.6: one flipped bit at every byte of a named key's wrapped material → every value
/// under that key fails to decrypt after the next unseal (no stale cache hides it).
#[tokio::test]
async fn bit_flip_at_every_byte_of_wrapped_key_material_fails() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let v = create(e, "tamper/material", text("m4t!")).await;
    let pool = raw(&t.path()).await;
    let key_id = blobs(&pool, &v).await.2;
    let orig: Vec<u8> = sqlx::query_scalar(
        "SELECT wrapped_material FROM kms_key_materials WHERE key_id = ? AND material_version = 1",
    )
    .bind(&key_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orig.len(), 64, "wrapped material layout");
    let set = |blob: Vec<u8>| {
        let (pool, key_id) = (pool.clone(), key_id.clone());
        async move {
            sqlx::query("UPDATE kms_key_materials SET wrapped_material = ? WHERE key_id = ?")
                .bind(blob)
                .bind(key_id)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let pw = Password::from(PASSWORD);
    for pos in 0..orig.len() {
        let mut m = orig.clone();
        m[pos] ^= 1 << (pos % 8);
        set(m).await;
        e.seal();
        e.unseal(&pw).await.unwrap();
        assert_refused(
            get(e, "tamper/material", None).await,
            ErrorCode::DecryptionFailure,
            &["m4t!"],
            &format!("material byte {pos}"),
        );
    }
    set(orig).await;
    e.seal();
    e.unseal(&pw).await.unwrap();
    assert_value(&get(e, "tamper/material", None).await.unwrap(), "m4t!");
    pool.close().await;
}

/// A.7: the ciphertext and the wrapped DEK cut to every shorter length (0 included), and
/// each grown by one byte → DecryptionFailure.
#[tokio::test]
async fn truncation_to_every_shorter_length_fails() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let v = create(e, "tamper/trunc", text("t7unc")).await;
    let pool = raw(&t.path()).await;
    let orig = blobs(&pool, &v).await;
    for len in 0..orig.1.len() {
        let ct = orig.1[..len].to_vec();
        set_blobs(&pool, &v, &(orig.0.clone(), ct, orig.2.clone(), orig.3)).await;
        assert_refused(
            get(e, "tamper/trunc", None).await,
            ErrorCode::DecryptionFailure,
            &["t7unc"],
            &format!("ciphertext cut to {len}"),
        );
    }
    for len in 0..orig.0.len() {
        let dek = orig.0[..len].to_vec();
        set_blobs(&pool, &v, &(dek, orig.1.clone(), orig.2.clone(), orig.3)).await;
        assert_refused(
            get(e, "tamper/trunc", None).await,
            ErrorCode::DecryptionFailure,
            &["t7unc"],
            &format!("wrapped DEK cut to {len}"),
        );
    }
    let mut longer = orig.1.clone();
    longer.push(0);
    set_blobs(&pool, &v, &(orig.0.clone(), longer, orig.2.clone(), orig.3)).await;
    assert_refused(
        get(e, "tamper/trunc", None).await,
        ErrorCode::DecryptionFailure,
        &["t7unc"],
        "ciphertext + 1 byte",
    );
    let mut longer = orig.0.clone();
    longer.push(0);
    set_blobs(&pool, &v, &(longer, orig.1.clone(), orig.2.clone(), orig.3)).await;
    assert_refused(
        get(e, "tamper/trunc", None).await,
        ErrorCode::DecryptionFailure,
        &["t7unc"],
        "wrapped DEK + 1 byte",
    );
    set_blobs(&pool, &v, &orig).await;
    assert_value(&get(e, "tamper/trunc", None).await.unwrap(), "t7unc");
    pool.close().await;
}

// ---------------------------------------------------------------------------------------
// The sealed root key and the KDF header (A.6, A.8, A.9)

async fn meta_blob(pool: &SqlitePool, column: &'static str) -> Vec<u8> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {column} FROM store_meta WHERE id = 1"
    )))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn set_meta_blob(pool: &SqlitePool, column: &'static str, blob: &[u8]) {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE store_meta SET {column} = ? WHERE id = 1"
    )))
    .bind(blob)
    .execute(pool)
    .await
    .unwrap();
}

/// An unseal that must fail with `code`, leaving the engine sealed.
async fn assert_unseal_refused(e: &Engine, code: ErrorCode, what: &str) -> coffer_engine::Error {
    let err = e.unseal(&Password::from(PASSWORD)).await.expect_err(what);
    assert_eq!(err.code(), code, "{what}: {err}");
    assert!(
        e.is_sealed(),
        "{what}: a refused unseal left keys in memory"
    );
    let sealed = get(e, "tamper/anything", None).await.expect_err("sealed");
    assert_eq!(sealed.code(), ErrorCode::StoreSealed, "{what}");
    err
}

/// A.8: a wrong password is WrongPassword, the store stays sealed, and the right one works.
#[tokio::test]
async fn wrong_password_is_refused() {
    let t = TestStore::new().await;
    let v = create(&t.engine, "tamper/pw", text("pw-plaintext")).await;
    t.engine.close().await;
    let e = Engine::open(&t.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    for wrong in [
        "",
        "correct horse battery stapler",
        "CORRECT HORSE BATTERY STAPLE",
    ] {
        let err = e.unseal(&Password::from(wrong)).await.expect_err(wrong);
        assert_eq!(err.code(), ErrorCode::WrongPassword, "{wrong:?}: {err}");
        assert!(e.is_sealed());
    }
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_value(
        &get(&e, "tamper/pw", Some(&v)).await.unwrap(),
        "pw-plaintext",
    );
    e.close().await;
}

/// A.6/A.8: a flipped bit at every byte of the sealed root key refuses the unseal — a
/// format-header byte as StoreCorrupt (before the KDF runs), any other byte exactly like a
/// wrong password. Truncated root-key blobs are StoreCorrupt.
#[tokio::test]
async fn tampered_sealed_root_key_refuses_unseal() {
    let t = TestStore::new().await;
    create(&t.engine, "tamper/root", text("root-plaintext")).await;
    let e = &t.engine;
    let pool = raw(&t.path()).await;
    let orig = meta_blob(&pool, "wrapped_root_key").await;
    assert_eq!(orig.len(), 64, "wrapped root layout");
    e.seal();
    let wrong_pw = e
        .unseal(&Password::from("not the password"))
        .await
        .expect_err("wrong password");
    for pos in 0..orig.len() {
        let mut w = orig.clone();
        w[pos] ^= 1 << (pos % 8);
        set_meta_blob(&pool, "wrapped_root_key", &w).await;
        let what = format!("root key byte {pos}");
        if pos < 4 {
            assert_unseal_refused(e, ErrorCode::StoreCorrupt, &what).await;
        } else {
            let err = assert_unseal_refused(e, ErrorCode::WrongPassword, &what).await;
            assert_eq!(
                err.message(),
                wrong_pw.message(),
                "{what}: distinguishable from a wrong password"
            );
        }
    }
    for len in 0..orig.len() {
        set_meta_blob(&pool, "wrapped_root_key", &orig[..len]).await;
        assert_unseal_refused(
            e,
            ErrorCode::StoreCorrupt,
            &format!("root key cut to {len}"),
        )
        .await;
    }
    set_meta_blob(&pool, "wrapped_root_key", &orig).await;
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_value(
        &get(e, "tamper/root", None).await.unwrap(),
        "root-plaintext",
    );
    pool.close().await;
}

/// The stored KDF header with new parameters: `b"CFK\x01"`, m, t, p (u32 BE), salt.
fn kdf_header_with(orig: &[u8], memory_kib: u32, iterations: u32, parallelism: u32) -> Vec<u8> {
    let mut h = orig.to_vec();
    h[4..8].copy_from_slice(&memory_kib.to_be_bytes());
    h[8..12].copy_from_slice(&iterations.to_be_bytes());
    h[12..16].copy_from_slice(&parallelism.to_be_bytes());
    h
}

/// A.9: a KDF header lowered below the floor, or raised above the cap, is refused as
/// StoreCorrupt — the raised one at once, before Argon2 allocates. A header changed within
/// bounds (or a changed salt) derives another key: WrongPassword. Structural damage is
/// StoreCorrupt.
#[tokio::test]
async fn tampered_kdf_header_refuses_unseal() {
    let t = TestStore::new().await;
    create(&t.engine, "tamper/kdf", text("kdf-plaintext")).await;
    t.engine.close().await;
    let e = Engine::open(&t.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    let pool = raw(&t.path()).await;
    let orig = meta_blob(&pool, "kdf_header").await;
    assert_eq!(orig.len(), 32, "KDF header layout");
    let floor = KdfParams::for_tests();
    assert_eq!(
        orig,
        kdf_header_with(&orig, floor.memory_kib, floor.iterations, floor.parallelism)
    );

    let lowered = [
        (8, floor.iterations, floor.parallelism),
        (
            KdfParams::FLOOR_MEMORY_KIB - 1,
            floor.iterations,
            floor.parallelism,
        ),
        (floor.memory_kib, 1, floor.parallelism),
        (floor.memory_kib, floor.iterations, 0),
    ];
    for (m, it, p) in lowered {
        set_meta_blob(&pool, "kdf_header", &kdf_header_with(&orig, m, it, p)).await;
        assert_unseal_refused(
            &e,
            ErrorCode::StoreCorrupt,
            &format!("lowered m={m} t={it} p={p}"),
        )
        .await;
    }
    let raised = [
        (u32::MAX, floor.iterations, floor.parallelism),
        (
            KdfParams::CAP_MEMORY_KIB + 1,
            floor.iterations,
            floor.parallelism,
        ),
        (floor.memory_kib, u32::MAX, floor.parallelism),
        (floor.memory_kib, floor.iterations, u32::MAX),
    ];
    for (m, it, p) in raised {
        set_meta_blob(&pool, "kdf_header", &kdf_header_with(&orig, m, it, p)).await;
        let started = Instant::now();
        assert_unseal_refused(
            &e,
            ErrorCode::StoreCorrupt,
            &format!("raised m={m} t={it} p={p}"),
        )
        .await;
        // Argon2 over gigabytes would take seconds (or abort); the cap check takes nothing.
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "raised m={m}: refused only after {:?}",
            started.elapsed()
        );
    }
    // Within bounds but not what the root key was wrapped with.
    set_meta_blob(
        &pool,
        "kdf_header",
        &kdf_header_with(
            &orig,
            floor.memory_kib + 1024,
            floor.iterations,
            floor.parallelism,
        ),
    )
    .await;
    assert_unseal_refused(&e, ErrorCode::WrongPassword, "raised memory within the cap").await;
    set_meta_blob(
        &pool,
        "kdf_header",
        &kdf_header_with(
            &orig,
            floor.memory_kib,
            floor.iterations + 1,
            floor.parallelism,
        ),
    )
    .await;
    assert_unseal_refused(
        &e,
        ErrorCode::WrongPassword,
        "raised iterations within the cap",
    )
    .await;
    let mut salted = orig.clone();
    salted[31] ^= 0x80;
    set_meta_blob(&pool, "kdf_header", &salted).await;
    assert_unseal_refused(&e, ErrorCode::WrongPassword, "changed salt").await;
    // Structure: magic, kind, format version, length.
    for pos in 0..4 {
        let mut h = orig.clone();
        h[pos] ^= 0x01;
        set_meta_blob(&pool, "kdf_header", &h).await;
        assert_unseal_refused(&e, ErrorCode::StoreCorrupt, &format!("header byte {pos}")).await;
    }
    for len in [0, 3, 4, 16, 31] {
        set_meta_blob(&pool, "kdf_header", &orig[..len]).await;
        assert_unseal_refused(&e, ErrorCode::StoreCorrupt, &format!("header cut to {len}")).await;
    }
    let mut longer = orig.clone();
    longer.push(0);
    set_meta_blob(&pool, "kdf_header", &longer).await;
    assert_unseal_refused(&e, ErrorCode::StoreCorrupt, "header + 1 byte").await;

    set_meta_blob(&pool, "kdf_header", &orig).await;
    pool.close().await;
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    assert_value(&get(&e, "tamper/kdf", None).await.unwrap(), "kdf-plaintext");
    e.close().await;
}

// ---------------------------------------------------------------------------------------
// The audit chain (H.57)

/// A store with a few dozen audit events; returns the head sequence number.
async fn store_with_history() -> (TestStore, i64) {
    let t = TestStore::new().await;
    let e = &t.engine;
    for i in 0..6 {
        let name = format!("tamper/audit-{i}");
        create(e, &name, text(&format!("audit-value-{i}"))).await;
        put(e, &name, text(&format!("audit-value-{i}b"))).await;
        get(e, &name, None).await.unwrap();
    }
    let report = e.verify_audit(&root()).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    let head = head_seq(&t.path()).await;
    assert!(head >= 20, "history too short: {head}");
    (t, head)
}

async fn head_seq(path: &Path) -> i64 {
    let pool = raw(path).await;
    let head = sqlx::query_scalar("SELECT max(seq) FROM audit_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    head
}

#[track_caller]
fn assert_first_bad(report: &coffer_engine::ChainReport, seq: i64, what: &str) {
    assert_eq!(report.first_bad_seq, Some(seq), "{what}: {report:?}");
    assert!(!report.is_intact());
    assert_eq!(
        report.events,
        seq - 1,
        "{what}: events verified before the break"
    );
}

/// Every column of one event edited in turn → that event is the first bad one; put back,
/// the chain verifies again.
#[tokio::test]
async fn audit_edited_row_is_reported() {
    let (t, _) = store_with_history().await;
    let e = &t.engine;
    let pool = raw(&t.path()).await;
    let edits: [(&str, &str); 9] = [
        (
            "time",
            "UPDATE audit_events SET time = time + 1 WHERE seq = 7",
        ),
        (
            "action",
            "UPDATE audit_events SET action = 'DescribeSecret' WHERE seq = 7",
        ),
        (
            "principal",
            "UPDATE audit_events SET principal = 'arn:aws:iam::123456789012:user/mallory' WHERE seq = 7",
        ),
        (
            "decision",
            "UPDATE audit_events SET decision = 'denied' WHERE seq = 7",
        ),
        (
            "outcome",
            "UPDATE audit_events SET outcome = 'error' WHERE seq = 7",
        ),
        (
            "resource",
            "UPDATE audit_events SET resource_arn = NULL WHERE seq = 7",
        ),
        (
            "details",
            r#"UPDATE audit_events SET details = '{"edited":true}' WHERE seq = 7"#,
        ),
        (
            "client",
            "UPDATE audit_events SET client_addr = '10.0.0.1' WHERE seq = 7",
        ),
        (
            "mac",
            "UPDATE audit_events SET mac = prev_mac WHERE seq = 7",
        ),
    ];
    exec(
        &pool,
        "CREATE TEMP TABLE saved AS SELECT * FROM audit_events WHERE seq = 7",
    )
    .await;
    for (column, sql) in edits {
        exec(&pool, sql).await;
        let report = e.verify_audit(&root()).await.unwrap();
        assert_first_bad(&report, 7, column);
        exec(&pool, "DELETE FROM audit_events WHERE seq = 7").await;
        exec(&pool, "INSERT INTO audit_events SELECT * FROM saved").await;
        assert!(
            e.verify_audit(&root()).await.unwrap().is_intact(),
            "{column}: restored"
        );
    }
    pool.close().await;
}

/// A deleted event in the middle: its own sequence number is reported missing.
#[tokio::test]
async fn audit_deleted_middle_row_is_reported() {
    let (t, head) = store_with_history().await;
    let pool = raw(&t.path()).await;
    let middle = head / 2;
    sqlx::query("DELETE FROM audit_events WHERE seq = ?")
        .bind(middle)
        .execute(&pool)
        .await
        .unwrap();
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, middle, "deleted middle row");
    assert!(
        report.problem.as_deref().unwrap_or("").contains("missing"),
        "{report:?}"
    );
    pool.close().await;
}

/// An inserted event: a copy of an earlier event given a new sequence number, in the
/// middle (later events shifted up) or after the head.
#[tokio::test]
async fn audit_inserted_row_is_reported() {
    let (t, head) = store_with_history().await;
    let pool = raw(&t.path()).await;
    // After the head: a copy of event 3 as event head + 1.
    sqlx::query(
        "INSERT INTO audit_events SELECT ? AS seq, time, request_id, source, principal, access_key_id, \
         action, region, resource_arn, version_id, decision, reason, outcome, error_code, client_addr, \
         details, prev_mac, mac FROM audit_events WHERE seq = 3",
    )
    .bind(head + 1)
    .execute(&pool)
    .await
    .unwrap();
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, head + 1, "copy appended after the head");

    // In the middle: shift 10.. up by one and put a copy of event 4 at 10.
    let (t, _) = store_with_history().await;
    let pool2 = raw(&t.path()).await;
    exec(
        &pool2,
        "UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= 10",
    )
    .await;
    exec(
        &pool2,
        "UPDATE audit_events SET seq = seq - 1000000 + 1 WHERE seq >= 1000000",
    )
    .await;
    exec(
        &pool2,
        "INSERT INTO audit_events SELECT 10, time, request_id, source, principal, access_key_id, \
         action, region, resource_arn, version_id, decision, reason, outcome, error_code, client_addr, \
         details, prev_mac, mac FROM audit_events WHERE seq = 4",
    )
    .await;
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, 10, "copy inserted in the middle");
    pool.close().await;
    pool2.close().await;
}

/// Two events' contents swapped (their sequence numbers stay): the earlier one is reported.
#[tokio::test]
async fn audit_reordered_rows_are_reported() {
    let (t, _) = store_with_history().await;
    let pool = raw(&t.path()).await;
    exec(&pool, "UPDATE audit_events SET seq = -5 WHERE seq = 5").await;
    exec(&pool, "UPDATE audit_events SET seq = 5 WHERE seq = 12").await;
    exec(&pool, "UPDATE audit_events SET seq = 12 WHERE seq = -5").await;
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, 5, "events 5 and 12 swapped");
    pool.close().await;
}

/// The newest events deleted while the engine was closed: the anchor file recorded the
/// head at close, so the first deleted sequence number is reported.
#[tokio::test]
async fn audit_tail_deleted_after_close_is_reported() {
    let (t, head) = store_with_history().await;
    t.engine.close().await;
    let anchor = std::fs::read_to_string(format!("{}.audit-anchor", t.path().display()))
        .expect("close writes the anchor");
    assert!(
        anchor.starts_with(&format!("{head} ")),
        "anchor {anchor:?} vs head {head}"
    );
    let pool = raw(&t.path()).await;
    sqlx::query("DELETE FROM audit_events WHERE seq > ?")
        .bind(head - 3)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let e = Engine::open(&t.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    let report = e.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, head - 2, "tail deleted");
    e.close().await;
}

/// The anchor follows the chain while the engine runs (a process that is killed never
/// closes cleanly): the newest events deleted from under the running engine, once the
/// anchor has caught up, are reported.
#[tokio::test]
async fn audit_tail_deleted_while_the_engine_runs_is_reported() {
    let (t, head) = store_with_history().await;
    // Awaited, not slept for; the bound only turns a writer that never writes into a failure.
    let mut anchored = t.engine.anchored();
    tokio::time::timeout(Duration::from_secs(120), anchored.wait_for(|s| *s >= head))
        .await
        .expect("the anchor never reached the head while the engine ran")
        .unwrap();
    let pool = raw(&t.path()).await;
    sqlx::query("DELETE FROM audit_events WHERE seq > ?")
        .bind(head - 3)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let report = t.engine.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, head - 2, "tail deleted under the running engine");
}

/// The anchor is part of the evidence: deleted, or edited, it is a finding, and the engine
/// does not quietly write a new one over the gap.
#[tokio::test]
async fn a_missing_or_edited_audit_anchor_is_a_finding() {
    let (t, _) = store_with_history().await;
    t.engine.close().await;
    let anchor = format!("{}.audit-anchor", t.path().display());
    let reopen = async || {
        let e = Engine::open(&t.path(), Arc::new(SystemClock))
            .await
            .unwrap();
        e.unseal(&Password::from(PASSWORD)).await.unwrap();
        e
    };

    std::fs::remove_file(&anchor).unwrap();
    let e = reopen().await;
    let report = e.verify_audit(&root()).await.unwrap();
    assert!(!report.is_intact(), "{report:?}");
    assert!(
        report
            .problem
            .as_deref()
            .unwrap_or_default()
            .contains("missing"),
        "{report:?}"
    );
    // Writes and a clean close do not paper over it.
    put(&e, "tamper/audit-0", text("after the anchor went")).await;
    e.close().await;
    assert!(
        !Path::new(&anchor).exists(),
        "the engine wrote a new anchor"
    );
    let e = reopen().await;
    assert!(!e.verify_audit(&root()).await.unwrap().is_intact());
    e.close().await;

    // An anchor moved back to the first event, without the key to MAC it.
    let event_1_mac: String = {
        let pool = raw(&t.path()).await;
        let mac: Vec<u8> = sqlx::query_scalar("SELECT mac FROM audit_events WHERE seq = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        mac.iter().map(|b| format!("{b:02x}")).collect()
    };
    std::fs::write(&anchor, format!("1 {event_1_mac} {}\n", "00".repeat(32))).unwrap();
    let e = reopen().await;
    let report = e.verify_audit(&root()).await.unwrap();
    assert!(!report.is_intact(), "{report:?}");
    assert!(
        report
            .problem
            .as_deref()
            .unwrap_or_default()
            .contains("edited"),
        "{report:?}"
    );
    e.close().await;
}

/// After a master password change the old wrap of the root key — which the old password
/// opens — is neither in the WAL nor in the database file: someone who learnt the old
/// password and copies the files afterwards cannot open today's data with it.
#[tokio::test]
async fn a_changed_master_password_leaves_no_old_wrap_on_disk() {
    let t = TestStore::new().await;
    create(&t.engine, "tamper/pw", text("value")).await;
    let pool = raw(&t.path()).await;
    let old: Vec<u8> = sqlx::query_scalar("SELECT wrapped_root_key FROM store_meta")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    t.engine
        .change_password(
            &root(),
            &Password::from(PASSWORD),
            &Password::from("another master password, 2026"),
            None,
        )
        .await
        .unwrap();
    let wal = std::fs::read(format!("{}-wal", t.path().display())).unwrap_or_default();
    assert!(wal.is_empty(), "the WAL still holds {} bytes", wal.len());
    let db = std::fs::read(t.path()).unwrap();
    assert!(
        !db.windows(old.len()).any(|w| w == old.as_slice()),
        "the old root-key wrap is still in the database file"
    );
}

/// B.18/H.57: the whole file rolled back to an older copy is caught by the anchor of the
/// newer one: the first event the copy lacks is reported.
#[tokio::test]
async fn audit_store_rolled_back_to_older_copy_is_reported() {
    let (t, _) = store_with_history().await;
    t.engine.close().await;
    let old_head = head_seq(&t.path()).await;
    let backup = t.dir.path().join("backup.db");
    std::fs::copy(t.path(), &backup).unwrap();

    let e = Engine::open(&t.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    put(&e, "tamper/audit-0", text("newer value")).await;
    e.close().await;
    assert!(head_seq(&t.path()).await > old_head);

    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", t.path().display()));
    }
    std::fs::copy(&backup, t.path()).unwrap();
    let e = Engine::open(&t.path(), Arc::new(SystemClock))
        .await
        .unwrap();
    e.unseal(&Password::from(PASSWORD)).await.unwrap();
    let report = e.verify_audit(&root()).await.unwrap();
    assert_first_bad(&report, old_head + 1, "rolled back");
    e.close().await;
}

// ---------------------------------------------------------------------------------------
// Random damage to the file (B.16, B.17)

/// B.16: 1, 10 and 100 random bytes flipped anywhere in the SQLite file (seeded): opening
/// either fails cleanly or succeeds, and then every read either fails cleanly or returns
/// exactly the value that was stored — never another one, never a panic.
#[tokio::test]
async fn random_byte_damage_never_returns_wrong_plaintext() {
    const SEED: u64 = 0x5EED_0B16;
    let t = TestStore::new().await;
    let mut expected = Vec::new();
    for i in 0..8 {
        let name = format!("tamper/rand-{i}");
        let value = format!("random-damage-value-{i}");
        create(&t.engine, &name, text(&value)).await;
        expected.push((name, value));
    }
    t.engine.close().await;
    let pristine = std::fs::read(t.path()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let mut outcomes = [0usize; 3]; // open refused, unseal refused, reads attempted
    for trial in 0..24 {
        let flips = [1, 10, 100][trial % 3];
        let mut damaged = pristine.clone();
        for _ in 0..flips {
            let pos = rng.random_range(0..damaged.len());
            damaged[pos] ^= rng.random_range(1..=255u8);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.db");
        std::fs::write(&path, &damaged).unwrap();
        // A hang is a failure too: each trial gets a deadline.
        let trial_run = async {
            let Ok(e) = Engine::open(&path, Arc::new(SystemClock)).await else {
                return 0;
            };
            let _ = e.integrity_check().await;
            if e.unseal(&Password::from(PASSWORD)).await.is_err() {
                e.close().await;
                return 1;
            }
            for (name, value) in &expected {
                if let Ok(out) = get(&e, name, None).await {
                    assert_eq!(
                        out.value.as_str(),
                        Some(value.as_str()),
                        "trial {trial}: wrong plaintext for {name}"
                    );
                }
            }
            e.close().await;
            2
        };
        let outcome = tokio::time::timeout(Duration::from_secs(60), trial_run)
            .await
            .unwrap_or_else(|_| panic!("trial {trial} ({flips} bytes damaged): the engine hung"));
        outcomes[outcome] += 1;
    }
    assert_eq!(outcomes.iter().sum::<usize>(), 24, "{outcomes:?}");
    assert!(
        outcomes[2] > 0,
        "no damaged file got as far as reading: {outcomes:?}"
    );
}

/// B.17: a store given the `-wal` of another store (one with another password), or a store
/// copied without its `-wal` while open, is safe: opening, the integrity check, unsealing and
/// reading either fail cleanly (the row seals may refuse the mixture) or return the value
/// this store holds — never the other store's, never a panic.
#[tokio::test]
async fn foreign_or_missing_wal_is_safe() {
    let a = TestStore::new().await;
    create(&a.engine, "tamper/wal", text("wal-value-a")).await;
    // A copy of the main file alone while the store is open: the WAL holds the latest pages.
    let no_wal = a.dir.path().join("no-wal.db");
    std::fs::copy(a.path(), &no_wal).unwrap();
    a.engine.close().await;

    // Another store under another password, left open so that its -wal holds its data.
    let b_dir = tempfile::tempdir().unwrap();
    let b_path = b_dir.path().join("b.db");
    let b = Engine::init(
        &b_path,
        &Password::from("another store's password"),
        coffer_engine::InitOptions {
            kdf: KdfParams::for_tests(),
            ..Default::default()
        },
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    create(&b, "tamper/wal", text("wal-value-b")).await;
    let wal = std::fs::read(format!("{}-wal", b_path.display())).expect("the open store has a WAL");
    std::fs::write(format!("{}-wal", a.path().display()), &wal).unwrap();
    let foreign = a.path();

    for path in [foreign, no_wal] {
        let what = path.display().to_string();
        let Ok(e) = Engine::open(&path, Arc::new(SystemClock)).await else {
            continue;
        };
        let healthy = e.integrity_check().await.is_ok();
        if e.unseal(&Password::from(PASSWORD)).await.is_ok() {
            match get(&e, "tamper/wal", None).await {
                Ok(out) => assert_value(&out, "wal-value-a"),
                Err(err) => assert!(
                    matches!(
                        err.code(),
                        ErrorCode::ResourceNotFound
                            | ErrorCode::DecryptionFailure
                            | ErrorCode::InternalServiceError
                            // The row seals catch pages of another store (or an older
                            // state) mixed into this one.
                            | ErrorCode::StoreCorrupt
                    ),
                    "{what}: {err}"
                ),
            }
            if healthy {
                let _ = e.verify_audit(&root()).await;
            }
        }
        e.close().await;
    }
    b.close().await;
}
