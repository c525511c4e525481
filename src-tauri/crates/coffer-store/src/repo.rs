//! Repositories: typed rows and the SQL that reads and writes them.
//!
//! Functions take a `&mut SqliteConnection` so the engine decides the transaction
//! boundaries; reads may use a pooled connection, writes always run inside a [`crate::WriteTx`].

use sqlx::{FromRow, SqliteConnection};

use crate::Result;

/// The single `store_meta` row.
#[derive(Debug, Clone, FromRow)]
pub struct MetaRow {
    /// Random store identity, bound into the root-key wrap.
    pub store_id: Vec<u8>,
    /// The 12-digit account id.
    pub account_id: String,
    /// The region used when a request names none.
    pub default_region: String,
    /// Encoded KDF parameters and salt.
    pub kdf_header: Vec<u8>,
    /// The root key wrapped by the password-derived key.
    pub wrapped_root_key: Vec<u8>,
    /// When the store was created (ms).
    pub created_at: i64,
    /// When the master password last changed (ms).
    pub password_changed_at: i64,
    /// Which root key the rows are under: 1, then one more per re-key.
    pub root_generation: i64,
}

/// Inserts the meta row of a new store.
pub async fn insert_meta(c: &mut SqliteConnection, m: &MetaRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO store_meta (id, store_id, account_id, default_region, kdf_header, \
         wrapped_root_key, created_at, password_changed_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&m.store_id)
    .bind(&m.account_id)
    .bind(&m.default_region)
    .bind(&m.kdf_header)
    .bind(&m.wrapped_root_key)
    .bind(m.created_at)
    .bind(m.password_changed_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Reads the meta row; `None` for a store whose `init` never completed.
pub async fn load_meta(c: &mut SqliteConnection) -> Result<Option<MetaRow>> {
    Ok(sqlx::query_as(
        "SELECT store_id, account_id, default_region, kdf_header, wrapped_root_key, created_at, \
         password_changed_at, root_generation FROM store_meta WHERE id = 1",
    )
    .fetch_optional(c)
    .await?)
}

/// Replaces the root key itself (a re-key): its wrap, and the generation one higher.
pub async fn replace_root(
    c: &mut SqliteConnection,
    kdf_header: &[u8],
    wrapped_root_key: &[u8],
    root_generation: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE store_meta SET kdf_header = ?, wrapped_root_key = ?, root_generation = ? WHERE id = 1",
    )
    .bind(kdf_header)
    .bind(wrapped_root_key)
    .bind(root_generation)
    .execute(c)
    .await?;
    Ok(())
}

/// Replaces the sealed root key (master password change).
pub async fn update_root_wrap(
    c: &mut SqliteConnection,
    kdf_header: &[u8],
    wrapped_root_key: &[u8],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE store_meta SET kdf_header = ?, wrapped_root_key = ?, password_changed_at = ? WHERE id = 1",
    )
    .bind(kdf_header)
    .bind(wrapped_root_key)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// KMS-like keys

/// A named key.
#[derive(Debug, Clone, FromRow)]
pub struct KeyRow {
    /// UUID key id.
    pub key_id: String,
    /// Region namespace.
    pub region: String,
    /// `arn:aws:kms:<region>:<account>:key/<key_id>`.
    pub arn: String,
    /// Alias without `alias/`.
    pub alias: Option<String>,
    /// Free text.
    pub description: String,
    /// Disabled keys neither encrypt nor decrypt.
    pub enabled: bool,
    /// True for the default `aws/secretsmanager` key.
    pub managed: bool,
    /// The material version new writes use.
    pub current_material: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last material rotation (ms).
    pub rotated_at: Option<i64>,
}

const KEY_COLUMNS: &str = "key_id, region, arn, alias, description, enabled, managed, current_material, created_at, rotated_at";

/// Inserts a key row.
pub async fn insert_key(c: &mut SqliteConnection, k: &KeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO kms_keys (key_id, region, arn, alias, description, enabled, managed, \
         current_material, created_at, rotated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&k.key_id)
    .bind(&k.region)
    .bind(&k.arn)
    .bind(&k.alias)
    .bind(&k.description)
    .bind(k.enabled)
    .bind(k.managed)
    .bind(k.current_material)
    .bind(k.created_at)
    .bind(k.rotated_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a key by id.
pub async fn find_key(c: &mut SqliteConnection, key_id: &str) -> Result<Option<KeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM kms_keys WHERE key_id = ?"
    )))
    .bind(key_id)
    .fetch_optional(c)
    .await?)
}

/// Finds a key by alias (without `alias/`) in a region.
pub async fn find_key_by_alias(
    c: &mut SqliteConnection,
    region: &str,
    alias: &str,
) -> Result<Option<KeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM kms_keys WHERE region = ? AND alias = ?"
    )))
    .bind(region)
    .bind(alias)
    .fetch_optional(c)
    .await?)
}

/// Lists the keys of a region, oldest first.
pub async fn list_keys(c: &mut SqliteConnection, region: &str) -> Result<Vec<KeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM kms_keys WHERE region = ? ORDER BY created_at, key_id"
    )))
    .bind(region)
    .fetch_all(c)
    .await?)
}

/// Updates the mutable fields of a key.
pub async fn update_key(c: &mut SqliteConnection, k: &KeyRow) -> Result<()> {
    sqlx::query(
        "UPDATE kms_keys SET alias = ?, description = ?, enabled = ?, current_material = ?, \
         rotated_at = ? WHERE key_id = ?",
    )
    .bind(&k.alias)
    .bind(&k.description)
    .bind(k.enabled)
    .bind(k.current_material)
    .bind(k.rotated_at)
    .bind(&k.key_id)
    .execute(c)
    .await?;
    Ok(())
}

/// A wrapped key-material version.
#[derive(Debug, Clone, FromRow)]
pub struct MaterialRow {
    /// Owning key.
    pub key_id: String,
    /// 1, 2, … (rotation adds one).
    pub material_version: i64,
    /// Material wrapped by the root key.
    pub wrapped_material: Vec<u8>,
    /// How many DEKs this material has wrapped (GCM random-nonce budget).
    pub wrap_count: i64,
    /// Creation time (ms).
    pub created_at: i64,
}

/// Inserts a material version.
pub async fn insert_material(c: &mut SqliteConnection, m: &MaterialRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO kms_key_materials (key_id, material_version, wrapped_material, wrap_count, created_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&m.key_id)
    .bind(m.material_version)
    .bind(&m.wrapped_material)
    .bind(m.wrap_count)
    .bind(m.created_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Reads one material version.
pub async fn find_material(
    c: &mut SqliteConnection,
    key_id: &str,
    version: i64,
) -> Result<Option<MaterialRow>> {
    Ok(sqlx::query_as(
        "SELECT key_id, material_version, wrapped_material, wrap_count, created_at \
         FROM kms_key_materials WHERE key_id = ? AND material_version = ?",
    )
    .bind(key_id)
    .bind(version)
    .fetch_optional(c)
    .await?)
}

/// Claims one DEK wrap from a key's current material, in one statement: returns
/// `(material_version, wrap_count)`, or `None` when the key is missing or disabled.
pub async fn claim_wrap(c: &mut SqliteConnection, key_id: &str) -> Result<Option<(i64, i64)>> {
    Ok(sqlx::query_as(
        "UPDATE kms_key_materials SET wrap_count = wrap_count + 1 WHERE key_id = ?1 AND material_version = \
         (SELECT current_material FROM kms_keys WHERE key_id = ?1 AND enabled = 1) \
         RETURNING material_version, wrap_count",
    )
    .bind(key_id)
    .fetch_optional(c)
    .await?)
}

// ---------------------------------------------------------------------------------------
// Secrets

/// A secret's metadata row.
#[derive(Debug, Clone, FromRow)]
pub struct SecretRow {
    /// Internal row id (never shown).
    pub id: i64,
    /// Region namespace.
    pub region: String,
    /// Friendly name, unique per region.
    pub name: String,
    /// Full ARN with the random suffix.
    pub arn: String,
    /// Free text.
    pub description: Option<String>,
    /// The KmsKeyId as the caller gave it; `None` = the default key.
    pub kms_key_id: Option<String>,
    /// The resolved key that encrypts new versions.
    pub key_id: String,
    /// Partner `Type`.
    pub secret_type: Option<String>,
    /// `aws:secretsmanager:owningService` tag value, if any.
    pub owning_service: Option<String>,
    /// Resource policy JSON text.
    pub resource_policy: Option<String>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub last_changed_at: i64,
    /// Last read, truncated to the day (ms).
    pub last_accessed_at: Option<i64>,
    /// When DeleteSecret was called (ms).
    pub deleted_at: Option<i64>,
    /// When the purge is due (ms).
    pub deletion_date: Option<i64>,
}

const SECRET_COLUMNS: &str = "id, region, name, arn, description, kms_key_id, key_id, secret_type, \
     owning_service, resource_policy, created_at, last_changed_at, last_accessed_at, deleted_at, deletion_date";

/// Inserts a secret and returns its row id.
pub async fn insert_secret(c: &mut SqliteConnection, s: &SecretRow) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO secrets (region, name, arn, description, kms_key_id, key_id, secret_type, \
         owning_service, resource_policy, created_at, last_changed_at, last_accessed_at, deleted_at, deletion_date) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&s.region)
    .bind(&s.name)
    .bind(&s.arn)
    .bind(&s.description)
    .bind(&s.kms_key_id)
    .bind(&s.key_id)
    .bind(&s.secret_type)
    .bind(&s.owning_service)
    .bind(&s.resource_policy)
    .bind(s.created_at)
    .bind(s.last_changed_at)
    .bind(s.last_accessed_at)
    .bind(s.deleted_at)
    .bind(s.deletion_date)
    .fetch_one(c)
    .await?;
    Ok(id)
}

/// Writes back every mutable column of a secret.
pub async fn update_secret(c: &mut SqliteConnection, s: &SecretRow) -> Result<()> {
    sqlx::query(
        "UPDATE secrets SET description = ?, kms_key_id = ?, key_id = ?, secret_type = ?, \
         owning_service = ?, resource_policy = ?, last_changed_at = ?, last_accessed_at = ?, \
         deleted_at = ?, deletion_date = ? WHERE id = ?",
    )
    .bind(&s.description)
    .bind(&s.kms_key_id)
    .bind(&s.key_id)
    .bind(&s.secret_type)
    .bind(&s.owning_service)
    .bind(&s.resource_policy)
    .bind(s.last_changed_at)
    .bind(s.last_accessed_at)
    .bind(s.deleted_at)
    .bind(s.deletion_date)
    .bind(s.id)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a secret by name in a region.
pub async fn find_secret_by_name(
    c: &mut SqliteConnection,
    region: &str,
    name: &str,
) -> Result<Option<SecretRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SECRET_COLUMNS} FROM secrets WHERE region = ? AND name = ?"
    )))
    .bind(region)
    .bind(name)
    .fetch_optional(c)
    .await?)
}

/// Finds a secret by its full ARN.
pub async fn find_secret_by_arn(c: &mut SqliteConnection, arn: &str) -> Result<Option<SecretRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SECRET_COLUMNS} FROM secrets WHERE arn = ?"
    )))
    .bind(arn)
    .fetch_optional(c)
    .await?)
}

/// All secrets of a region (for filtering and sorting in the engine).
pub async fn list_secrets(c: &mut SqliteConnection, region: &str) -> Result<Vec<SecretRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SECRET_COLUMNS} FROM secrets WHERE region = ? ORDER BY created_at, id"
    )))
    .bind(region)
    .fetch_all(c)
    .await?)
}

/// The orders ListSecrets can read straight from an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOrder {
    /// Creation date (`secrets_by_created`), ties by row id.
    Created,
    /// Name, byte-wise (the `UNIQUE (region, name)` index; names are unique per region).
    Name,
}

/// One page of a region's secrets in an indexed order: the fast path of ListSecrets with
/// no filters, so a page costs the same at the 100,000th secret as at the first.
pub async fn page_secrets(
    c: &mut SqliteConnection,
    region: &str,
    order: SecretOrder,
    include_deleted: bool,
    descending: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<SecretRow>> {
    let order = match (order, descending) {
        (SecretOrder::Created, false) => "created_at, id",
        (SecretOrder::Created, true) => "created_at DESC, id DESC",
        (SecretOrder::Name, false) => "name",
        (SecretOrder::Name, true) => "name DESC",
    };
    let deleted = if include_deleted {
        ""
    } else {
        "AND deleted_at IS NULL"
    };
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SECRET_COLUMNS} FROM secrets WHERE region = ? {deleted} ORDER BY {order} LIMIT ? OFFSET ?"
    )))
    .bind(region)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await?)
}

/// Secrets whose recovery window has ended.
pub async fn secrets_due_for_purge(c: &mut SqliteConnection, now: i64) -> Result<Vec<SecretRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SECRET_COLUMNS} FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ?"
    )))
    .bind(now)
    .fetch_all(c)
    .await?)
}

/// Deletes a secret with its versions, labels and tags.
pub async fn delete_secret(c: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM staging_labels WHERE secret_id = ?")
        .bind(id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM versions WHERE secret_id = ?")
        .bind(id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM tags WHERE secret_id = ?")
        .bind(id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM secrets WHERE id = ?")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Sets a secret's last-accessed day (only when it changes, so reads rarely write).
pub async fn touch_secret_access(c: &mut SqliteConnection, id: i64, day: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE secrets SET last_accessed_at = ? WHERE id = ? AND (last_accessed_at IS NULL OR last_accessed_at < ?)",
    )
    .bind(day)
    .bind(id)
    .bind(day)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

// ---------------------------------------------------------------------------------------
// Versions and labels

/// One immutable version.
#[derive(Debug, Clone, FromRow)]
pub struct VersionRow {
    /// Owning secret row id.
    pub secret_id: i64,
    /// The ClientRequestToken that created it.
    pub version_id: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last read, truncated to the day (ms).
    pub last_accessed_at: Option<i64>,
    /// Key that wrapped the DEK (`None` for a value-less placeholder).
    pub key_id: Option<String>,
    /// Key material version that wrapped the DEK.
    pub material_version: Option<i64>,
    /// The wrapped DEK.
    pub wrapped_dek: Option<Vec<u8>>,
    /// The encrypted value.
    pub ciphertext: Option<Vec<u8>>,
}

const VERSION_COLUMNS: &str = "secret_id, version_id, created_at, last_accessed_at, key_id, material_version, wrapped_dek, ciphertext";

/// Inserts a version unless one with that id exists. Returns the secret's version count
/// after the insert (so the caller knows whether pruning is due without another query),
/// or `None` when the version already existed.
pub async fn insert_version_if_absent(
    c: &mut SqliteConnection,
    v: &VersionRow,
) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO versions (secret_id, version_id, created_at, last_accessed_at, key_id, \
         material_version, wrapped_dek, ciphertext) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (secret_id, version_id) DO NOTHING \
         RETURNING (SELECT COUNT(*) FROM versions WHERE secret_id = ?1)",
    )
    .bind(v.secret_id)
    .bind(&v.version_id)
    .bind(v.created_at)
    .bind(v.last_accessed_at)
    .bind(&v.key_id)
    .bind(v.material_version)
    .bind(&v.wrapped_dek)
    .bind(&v.ciphertext)
    .fetch_optional(c)
    .await?;
    Ok(row.map(|r| r.0))
}

/// The secret's first version with a value (the oldest): the multi-user rotators take the
/// pair of database users they may change from it, so pruning keeps it.
pub async fn first_version_id(c: &mut SqliteConnection, secret_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT version_id FROM versions WHERE secret_id = ? AND ciphertext IS NOT NULL \
         ORDER BY created_at, rowid LIMIT 1",
    )
    .bind(secret_id)
    .fetch_optional(c)
    .await?)
}

/// Deletes the oldest unlabelled versions created before `before` until the secret has at
/// most `keep` versions, in one statement; returns the ids deleted. The first version with
/// a value is kept ([`first_version_id`]).
pub async fn prune_versions(
    c: &mut SqliteConnection,
    secret_id: i64,
    before: i64,
    keep: i64,
) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "DELETE FROM versions WHERE secret_id = ?1 AND version_id IN ( \
           SELECT v.version_id FROM versions v WHERE v.secret_id = ?1 AND v.created_at < ?2 \
           AND NOT EXISTS (SELECT 1 FROM staging_labels l WHERE l.secret_id = v.secret_id AND l.version_id = v.version_id) \
           AND v.version_id IS NOT (SELECT f.version_id FROM versions f WHERE f.secret_id = ?1 \
             AND f.ciphertext IS NOT NULL ORDER BY f.created_at, f.rowid LIMIT 1) \
           ORDER BY v.created_at, v.rowid \
           LIMIT max(0, (SELECT COUNT(*) FROM versions WHERE secret_id = ?1) - ?3)) \
         RETURNING version_id",
    )
    .bind(secret_id)
    .bind(before)
    .bind(keep)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Replaces a version's sealed value (filling a placeholder, or re-encrypting under a new key).
pub async fn update_version_value(c: &mut SqliteConnection, v: &VersionRow) -> Result<()> {
    sqlx::query(
        "UPDATE versions SET key_id = ?, material_version = ?, wrapped_dek = ?, ciphertext = ? \
         WHERE secret_id = ? AND version_id = ?",
    )
    .bind(&v.key_id)
    .bind(v.material_version)
    .bind(&v.wrapped_dek)
    .bind(&v.ciphertext)
    .bind(v.secret_id)
    .bind(&v.version_id)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds one version.
pub async fn find_version(
    c: &mut SqliteConnection,
    secret_id: i64,
    version_id: &str,
) -> Result<Option<VersionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VERSION_COLUMNS} FROM versions WHERE secret_id = ? AND version_id = ?"
    )))
    .bind(secret_id)
    .bind(version_id)
    .fetch_optional(c)
    .await?)
}

/// All versions of a secret, newest first.
pub async fn list_versions(c: &mut SqliteConnection, secret_id: i64) -> Result<Vec<VersionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {VERSION_COLUMNS} FROM versions WHERE secret_id = ? ORDER BY created_at DESC, rowid DESC"
    )))
    .bind(secret_id)
    .fetch_all(c)
    .await?)
}

/// Sets a version's last-accessed day.
pub async fn touch_version_access(
    c: &mut SqliteConnection,
    secret_id: i64,
    version_id: &str,
    day: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE versions SET last_accessed_at = ? WHERE secret_id = ? AND version_id = ? \
         AND (last_accessed_at IS NULL OR last_accessed_at < ?)",
    )
    .bind(day)
    .bind(secret_id)
    .bind(version_id)
    .bind(day)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A staging label and the version it is on.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LabelRow {
    /// The label text.
    pub label: String,
    /// The version carrying it.
    pub version_id: String,
}

/// All labels of a secret, sorted by label.
pub async fn list_labels(c: &mut SqliteConnection, secret_id: i64) -> Result<Vec<LabelRow>> {
    Ok(sqlx::query_as(
        "SELECT label, version_id FROM staging_labels WHERE secret_id = ? ORDER BY label",
    )
    .bind(secret_id)
    .fetch_all(c)
    .await?)
}

/// Labels of many secrets at once: `(secret_id, label, version_id)`.
pub async fn labels_of(
    c: &mut SqliteConnection,
    secret_ids: &[i64],
) -> Result<Vec<(i64, String, String)>> {
    if secret_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = join_ids(secret_ids);
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT secret_id, label, version_id FROM staging_labels WHERE secret_id IN ({ids}) ORDER BY secret_id, label"
    )))
    .fetch_all(c)
    .await?)
}

/// Puts several labels at once (one statement): each `(label, version_id)` moves.
pub async fn set_labels(
    c: &mut SqliteConnection,
    secret_id: i64,
    labels: &[(&str, &str)],
) -> Result<()> {
    if labels.is_empty() {
        return Ok(());
    }
    let values = vec!["(?, ?, ?)"; labels.len()].join(", ");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO staging_labels (secret_id, label, version_id) VALUES {values} \
         ON CONFLICT (secret_id, label) DO UPDATE SET version_id = excluded.version_id"
    )));
    for (label, version) in labels {
        q = q.bind(secret_id).bind(*label).bind(*version);
    }
    q.execute(c).await?;
    Ok(())
}

/// Deletes a version that no label points to; false when it has a label (or is absent).
pub async fn delete_unlabelled_version(
    c: &mut SqliteConnection,
    secret_id: i64,
    version_id: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM versions WHERE secret_id = ?1 AND version_id = ?2 AND NOT EXISTS \
         (SELECT 1 FROM staging_labels WHERE secret_id = ?1 AND version_id = ?2)",
    )
    .bind(secret_id)
    .bind(version_id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a label from a secret.
pub async fn remove_label(c: &mut SqliteConnection, secret_id: i64, label: &str) -> Result<()> {
    sqlx::query("DELETE FROM staging_labels WHERE secret_id = ? AND label = ?")
        .bind(secret_id)
        .bind(label)
        .execute(c)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Tags

/// Tags of a secret in insertion order.
pub async fn list_tags(c: &mut SqliteConnection, secret_id: i64) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT key, value FROM tags WHERE secret_id = ? ORDER BY position")
            .bind(secret_id)
            .fetch_all(c)
            .await?,
    )
}

/// Tags of many secrets: `(secret_id, key, value)`.
pub async fn tags_of(
    c: &mut SqliteConnection,
    secret_ids: &[i64],
) -> Result<Vec<(i64, String, String)>> {
    if secret_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = join_ids(secret_ids);
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT secret_id, key, value FROM tags WHERE secret_id IN ({ids}) ORDER BY secret_id, position"
    )))
    .fetch_all(c)
    .await?)
}

/// Every tag of a region's secrets: `(secret_id, key, value)`.
pub async fn tags_in_region(
    c: &mut SqliteConnection,
    region: &str,
) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT t.secret_id, t.key, t.value FROM tags t JOIN secrets s ON s.id = t.secret_id \
         WHERE s.region = ? ORDER BY t.secret_id, t.position",
    )
    .bind(region)
    .fetch_all(c)
    .await?)
}

/// Adds or overwrites a tag.
pub async fn upsert_tag(
    c: &mut SqliteConnection,
    secret_id: i64,
    key: &str,
    value: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tags (secret_id, key, value, position) VALUES (?, ?, ?, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM tags WHERE secret_id = ?)) \
         ON CONFLICT (secret_id, key) DO UPDATE SET value = excluded.value",
    )
    .bind(secret_id)
    .bind(key)
    .bind(value)
    .bind(secret_id)
    .execute(c)
    .await?;
    Ok(())
}

/// Removes a tag (missing keys are fine).
pub async fn delete_tag(c: &mut SqliteConnection, secret_id: i64, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM tags WHERE secret_id = ? AND key = ?")
        .bind(secret_id)
        .bind(key)
        .execute(c)
        .await?;
    Ok(())
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

// ---------------------------------------------------------------------------------------
// Audit

/// One audit event as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AuditRow {
    /// Strictly increasing from 1.
    pub seq: i64,
    /// Event time (ms).
    pub time: i64,
    /// Request id.
    pub request_id: String,
    /// ui / api / cli / scheduler / engine.
    pub source: String,
    /// Principal ARN.
    pub principal: String,
    /// Access key id, for API requests.
    pub access_key_id: Option<String>,
    /// Action name (AWS's, e.g. `GetSecretValue`).
    pub action: String,
    /// Region of the request.
    pub region: Option<String>,
    /// Resource ARN.
    pub resource_arn: Option<String>,
    /// Version id involved.
    pub version_id: Option<String>,
    /// allowed / denied.
    pub decision: String,
    /// Why the decision was taken.
    pub reason: String,
    /// ok / error.
    pub outcome: String,
    /// AWS error code for failed operations.
    pub error_code: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Details (JSON text; keyed hashes, never values).
    pub details: String,
    /// The previous event's MAC (32 zero bytes for the first).
    pub prev_mac: Vec<u8>,
    /// HMAC over `prev_mac` and this row.
    pub mac: Vec<u8>,
}

const AUDIT_COLUMNS: &str = "seq, time, request_id, source, principal, access_key_id, action, region, \
     resource_arn, version_id, decision, reason, outcome, error_code, client_addr, details, prev_mac, mac";

/// The newest event's `(seq, mac)`, if any.
pub async fn audit_head(c: &mut SqliteConnection) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(
        sqlx::query_as("SELECT seq, mac FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(c)
            .await?,
    )
}

/// How many audit rows one INSERT statement carries: 500 rows of 18 columns stay well
/// below SQLite's limit of 32,766 bound parameters.
pub const AUDIT_ROWS_PER_STATEMENT: usize = 500;

/// Appends events with one statement per [`AUDIT_ROWS_PER_STATEMENT`] rows (the caller
/// computed seq and mac): a group commit of many reads costs one statement, not one per read.
/// The rows are taken by value so that their strings are bound without a copy.
pub async fn insert_audit_batch(c: &mut SqliteConnection, rows: Vec<AuditRow>) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO audit_events ({AUDIT_COLUMNS}) "
        ));
        q.push_values(rows.by_ref().take(AUDIT_ROWS_PER_STATEMENT), |mut b, e| {
            b.push_bind(e.seq)
                .push_bind(e.time)
                .push_bind(e.request_id)
                .push_bind(e.source)
                .push_bind(e.principal)
                .push_bind(e.access_key_id)
                .push_bind(e.action)
                .push_bind(e.region)
                .push_bind(e.resource_arn)
                .push_bind(e.version_id)
                .push_bind(e.decision)
                .push_bind(e.reason)
                .push_bind(e.outcome)
                .push_bind(e.error_code)
                .push_bind(e.client_addr)
                .push_bind(e.details)
                .push_bind(e.prev_mac)
                .push_bind(e.mac);
        });
        q.build().execute(&mut *c).await?;
    }
    Ok(())
}

/// Events with `seq > after`, in chain order, at most `limit` (for verification in batches).
pub async fn audit_chain_batch(
    c: &mut SqliteConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// A query over the audit log. Every `Some` narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Events at or after this time (ms).
    pub from: Option<i64>,
    /// Events before this time (ms).
    pub to: Option<i64>,
    /// Exact principal ARN.
    pub principal: Option<String>,
    /// Exact action name.
    pub action: Option<String>,
    /// A secret's ARN, full or partial (without the `-xxxxxx` suffix): matches that exact
    /// ARN, or the partial ARN followed by `-` and exactly six characters — so `app` never
    /// matches the events of `app-2`.
    pub resource: Option<String>,
    /// Exact outcome (`ok` / `error`).
    pub outcome: Option<String>,
    /// Exact decision (`allowed` / `denied`).
    pub decision: Option<String>,
    /// Case-insensitive substring over action, principal, resource, error code, reason, details.
    pub text: Option<String>,
    /// Only events with `seq` below this (paging backwards from the newest).
    pub before_seq: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// Runs an audit query, newest first.
pub async fn query_audit(c: &mut SqliteConnection, q: &AuditQuery) -> Result<Vec<AuditRow>> {
    let mut sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE 1=1");
    if q.from.is_some() {
        sql.push_str(" AND time >= ?");
    }
    if q.to.is_some() {
        sql.push_str(" AND time < ?");
    }
    if q.principal.is_some() {
        sql.push_str(" AND principal = ?");
    }
    if q.action.is_some() {
        sql.push_str(" AND action = ?");
    }
    if q.resource.is_some() {
        sql.push_str(
            " AND (resource_arn = ?1r OR (substr(resource_arn, 1, length(?1p)) = ?1p \
             AND length(resource_arn) = length(?1p) + 6))",
        );
    }
    if q.outcome.is_some() {
        sql.push_str(" AND outcome = ?");
    }
    if q.decision.is_some() {
        sql.push_str(" AND decision = ?");
    }
    if q.text.is_some() {
        sql.push_str(
            " AND (instr(lower(action), ?2t) > 0 OR instr(lower(principal), ?2t) > 0 \
             OR instr(lower(coalesce(resource_arn, '')), ?2t) > 0 OR instr(lower(coalesce(error_code, '')), ?2t) > 0 \
             OR instr(lower(reason), ?2t) > 0 OR instr(lower(details), ?2t) > 0 OR request_id = ?2t)",
        );
    }
    if q.before_seq.is_some() {
        sql.push_str(" AND seq < ?");
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    // Numbered placeholders are reused above; rewrite them to plain `?` with repeated binds.
    let text_uses = sql.matches("?2t").count();
    let sql = sql
        .replace("?1r", "?")
        .replace("?1p", "?")
        .replace("?2t", "?");
    let mut query = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql));
    if let Some(v) = q.from {
        query = query.bind(v);
    }
    if let Some(v) = q.to {
        query = query.bind(v);
    }
    if let Some(v) = &q.principal {
        query = query.bind(v.clone());
    }
    if let Some(v) = &q.action {
        query = query.bind(v.clone());
    }
    if let Some(v) = &q.resource {
        let prefix = format!("{v}-");
        query = query.bind(v.clone());
        for _ in 0..3 {
            query = query.bind(prefix.clone());
        }
    }
    if let Some(v) = &q.outcome {
        query = query.bind(v.clone());
    }
    if let Some(v) = &q.decision {
        query = query.bind(v.clone());
    }
    if let Some(v) = &q.text {
        let needle = v.to_lowercase();
        for _ in 0..text_uses {
            query = query.bind(needle.clone());
        }
    }
    if let Some(v) = q.before_seq {
        query = query.bind(v);
    }
    query = query.bind(q.limit);
    Ok(query.fetch_all(c).await?)
}
