//! Repositories for identity and access: principals, group membership, inline and managed
//! policies, access keys.

use sqlx::{FromRow, SqliteConnection};

use crate::Result;

/// A user, role or group.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PrincipalRow {
    /// Row id.
    pub id: i64,
    /// `user`, `role` or `group`.
    pub kind: String,
    /// Name, unique per kind.
    pub name: String,
    /// IAM path (`/` by default).
    pub path: String,
    /// `arn:aws:iam::<account>:<kind>/<path><name>`.
    pub arn: String,
    /// IAM unique id (`AIDA…`, `AROA…`, `AGPA…`).
    pub unique_id: String,
    /// Free text.
    pub description: Option<String>,
    /// Created (ms).
    pub created_at: i64,
}

const PRINCIPAL_COLUMNS: &str = "id, kind, name, path, arn, unique_id, description, created_at";

/// Inserts a principal; returns its row id.
pub async fn insert_principal(c: &mut SqliteConnection, p: &PrincipalRow) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO principals (kind, name, path, arn, unique_id, description, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&p.kind)
    .bind(&p.name)
    .bind(&p.path)
    .bind(&p.arn)
    .bind(&p.unique_id)
    .bind(&p.description)
    .bind(p.created_at)
    .fetch_one(c)
    .await?;
    Ok(id)
}

/// Finds a principal by kind and name.
pub async fn find_principal(
    c: &mut SqliteConnection,
    kind: &str,
    name: &str,
) -> Result<Option<PrincipalRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE kind = ? AND name = ?"
    )))
    .bind(kind)
    .bind(name)
    .fetch_optional(c)
    .await?)
}

/// Finds a principal by ARN.
pub async fn find_principal_by_arn(
    c: &mut SqliteConnection,
    arn: &str,
) -> Result<Option<PrincipalRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE arn = ?"
    )))
    .bind(arn)
    .fetch_optional(c)
    .await?)
}

/// Finds a principal by row id.
pub async fn find_principal_by_id(
    c: &mut SqliteConnection,
    id: i64,
) -> Result<Option<PrincipalRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(c)
    .await?)
}

/// Lists the principals of one kind, by name.
pub async fn list_principals(c: &mut SqliteConnection, kind: &str) -> Result<Vec<PrincipalRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE kind = ? ORDER BY name"
    )))
    .bind(kind)
    .fetch_all(c)
    .await?)
}

/// Deletes a principal with its tags, policies, memberships and access keys.
pub async fn delete_principal(c: &mut SqliteConnection, id: i64) -> Result<()> {
    for sql in [
        "DELETE FROM principal_tags WHERE principal_id = ?",
        "DELETE FROM group_members WHERE group_id = ? OR user_id = ?1",
        "DELETE FROM inline_policies WHERE principal_id = ?",
        "DELETE FROM policy_attachments WHERE principal_id = ?",
        "DELETE FROM access_keys WHERE principal_id = ?",
        "DELETE FROM principals WHERE id = ?",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *c).await?;
    }
    Ok(())
}

/// Tags of a principal, by key.
pub async fn list_principal_tags(
    c: &mut SqliteConnection,
    principal_id: i64,
) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT key, value FROM principal_tags WHERE principal_id = ? ORDER BY key")
            .bind(principal_id)
            .fetch_all(c)
            .await?,
    )
}

/// Adds or overwrites a principal tag.
pub async fn upsert_principal_tag(
    c: &mut SqliteConnection,
    principal_id: i64,
    key: &str,
    value: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO principal_tags (principal_id, key, value) VALUES (?, ?, ?) \
         ON CONFLICT (principal_id, key) DO UPDATE SET value = excluded.value",
    )
    .bind(principal_id)
    .bind(key)
    .bind(value)
    .execute(c)
    .await?;
    Ok(())
}

/// Adds a user to a group (idempotent).
pub async fn add_group_member(c: &mut SqliteConnection, group_id: i64, user_id: i64) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?, ?)")
        .bind(group_id)
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes a user from a group.
pub async fn remove_group_member(
    c: &mut SqliteConnection,
    group_id: i64,
    user_id: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
        .bind(group_id)
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// The groups a user belongs to.
pub async fn groups_of(c: &mut SqliteConnection, user_id: i64) -> Result<Vec<PrincipalRow>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.kind, p.name, p.path, p.arn, p.unique_id, p.description, p.created_at \
         FROM principals p JOIN group_members m ON m.group_id = p.id WHERE m.user_id = ? ORDER BY p.name",
    )
    .bind(user_id)
    .fetch_all(c)
    .await?)
}

/// The users in a group.
pub async fn members_of(c: &mut SqliteConnection, group_id: i64) -> Result<Vec<PrincipalRow>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.kind, p.name, p.path, p.arn, p.unique_id, p.description, p.created_at \
         FROM principals p JOIN group_members m ON m.user_id = p.id WHERE m.group_id = ? ORDER BY p.name",
    )
    .bind(group_id)
    .fetch_all(c)
    .await?)
}

/// Creates or replaces an inline policy.
pub async fn put_inline_policy(
    c: &mut SqliteConnection,
    principal_id: i64,
    name: &str,
    document: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO inline_policies (principal_id, name, document) VALUES (?, ?, ?) \
         ON CONFLICT (principal_id, name) DO UPDATE SET document = excluded.document",
    )
    .bind(principal_id)
    .bind(name)
    .bind(document)
    .execute(c)
    .await?;
    Ok(())
}

/// Deletes an inline policy; false when there was none.
pub async fn delete_inline_policy(
    c: &mut SqliteConnection,
    principal_id: i64,
    name: &str,
) -> Result<bool> {
    let r = sqlx::query("DELETE FROM inline_policies WHERE principal_id = ? AND name = ?")
        .bind(principal_id)
        .bind(name)
        .execute(c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A principal's inline policies: `(name, document)` by name.
pub async fn list_inline_policies(
    c: &mut SqliteConnection,
    principal_id: i64,
) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT name, document FROM inline_policies WHERE principal_id = ? ORDER BY name",
    )
    .bind(principal_id)
    .fetch_all(c)
    .await?)
}

/// A managed policy.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ManagedPolicyRow {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `arn:aws:iam::<account>:policy/<name>`.
    pub arn: String,
    /// `ANPA…`.
    pub policy_id: String,
    /// Free text.
    pub description: Option<String>,
    /// The JSON document.
    pub document: String,
    /// Created (ms).
    pub created_at: i64,
    /// Last changed (ms).
    pub updated_at: i64,
}

const POLICY_COLUMNS: &str =
    "id, name, arn, policy_id, description, document, created_at, updated_at";

/// Inserts a managed policy; returns its row id.
pub async fn insert_managed_policy(c: &mut SqliteConnection, p: &ManagedPolicyRow) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO managed_policies (name, arn, policy_id, description, document, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&p.name)
    .bind(&p.arn)
    .bind(&p.policy_id)
    .bind(&p.description)
    .bind(&p.document)
    .bind(p.created_at)
    .bind(p.updated_at)
    .fetch_one(c)
    .await?;
    Ok(id)
}

/// Finds a managed policy by ARN.
pub async fn find_managed_policy(
    c: &mut SqliteConnection,
    arn: &str,
) -> Result<Option<ManagedPolicyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {POLICY_COLUMNS} FROM managed_policies WHERE arn = ?"
    )))
    .bind(arn)
    .fetch_optional(c)
    .await?)
}

/// All managed policies, by name.
pub async fn list_managed_policies(c: &mut SqliteConnection) -> Result<Vec<ManagedPolicyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {POLICY_COLUMNS} FROM managed_policies ORDER BY name"
    )))
    .fetch_all(c)
    .await?)
}

/// Deletes a managed policy and its attachments.
pub async fn delete_managed_policy(c: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM policy_attachments WHERE policy_id = ?")
        .bind(id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM managed_policies WHERE id = ?")
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Attaches a managed policy to a principal (idempotent).
pub async fn attach_policy(
    c: &mut SqliteConnection,
    policy_id: i64,
    principal_id: i64,
) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO policy_attachments (policy_id, principal_id) VALUES (?, ?)")
        .bind(policy_id)
        .bind(principal_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Detaches a managed policy; false when it was not attached.
pub async fn detach_policy(
    c: &mut SqliteConnection,
    policy_id: i64,
    principal_id: i64,
) -> Result<bool> {
    let r = sqlx::query("DELETE FROM policy_attachments WHERE policy_id = ? AND principal_id = ?")
        .bind(policy_id)
        .bind(principal_id)
        .execute(c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The managed policies attached to a principal.
pub async fn attached_policies(
    c: &mut SqliteConnection,
    principal_id: i64,
) -> Result<Vec<ManagedPolicyRow>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.name, m.arn, m.policy_id, m.description, m.document, m.created_at, m.updated_at \
         FROM managed_policies m JOIN policy_attachments a ON a.policy_id = m.id \
         WHERE a.principal_id = ? ORDER BY m.name",
    )
    .bind(principal_id)
    .fetch_all(c)
    .await?)
}

/// How many principals a managed policy is attached to.
pub async fn attachment_count(c: &mut SqliteConnection, policy_id: i64) -> Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM policy_attachments WHERE policy_id = ?")
            .bind(policy_id)
            .fetch_one(c)
            .await?;
    Ok(n)
}

/// An access key.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AccessKeyRow {
    /// `AKIA…` (20 characters).
    pub access_key_id: String,
    /// Owner.
    pub principal_id: i64,
    /// The secret access key, sealed by `coffer-crypto`.
    pub sealed_secret: Vec<u8>,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Created (ms).
    pub created_at: i64,
    /// Last authenticated use (ms).
    pub last_used_at: Option<i64>,
    /// Region of the last use.
    pub last_used_region: Option<String>,
    /// Service of the last use.
    pub last_used_service: Option<String>,
    /// When the key stops authenticating (ms); `None` = never. Only minted rotation keys expire.
    pub expires_at: Option<i64>,
}

const KEY_COLUMNS: &str = "access_key_id, principal_id, sealed_secret, status, created_at, last_used_at, last_used_region, last_used_service, expires_at";

/// Inserts an access key.
pub async fn insert_access_key(c: &mut SqliteConnection, k: &AccessKeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO access_keys (access_key_id, principal_id, sealed_secret, status, created_at, \
         last_used_at, last_used_region, last_used_service, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&k.access_key_id)
    .bind(k.principal_id)
    .bind(&k.sealed_secret)
    .bind(&k.status)
    .bind(k.created_at)
    .bind(k.last_used_at)
    .bind(&k.last_used_region)
    .bind(&k.last_used_service)
    .bind(k.expires_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Deletes every access key whose expiry has passed (the keys minted for rotation steps);
/// returns how many.
pub async fn delete_expired_access_keys(c: &mut SqliteConnection, now: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM access_keys WHERE expires_at IS NOT NULL AND expires_at <= ?")
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected())
}

/// The identity generation: a counter the store's triggers bump on every change to
/// principals, their tags, group memberships, policies, attachments and access keys.
/// Equal values in two snapshots mean the identity tables are the same.
pub async fn iam_generation(c: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT n FROM iam_generation WHERE id = 1")
            .fetch_one(c)
            .await?,
    )
}

/// The identity and secrets generations, read in one statement (one snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generations {
    /// See [`iam_generation`].
    pub iam: i64,
    /// Bumped by every change to secrets, versions, labels, tags, keys and key material.
    pub secrets: i64,
    /// Which root key the rows are under (`store_meta.root_generation`, bumped by a
    /// re-key): a snapshot is read with the keys of this generation only.
    pub root: i64,
}

/// The generation counters. Equal values in two snapshots mean the identity tables, and
/// the secrets tables, are the same, under the same root key.
pub async fn generations(c: &mut SqliteConnection) -> Result<Generations> {
    let (iam, secrets, root): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT n FROM iam_generation WHERE id = 1), \
                (SELECT n FROM secrets_generation WHERE id = 1), \
                (SELECT root_generation FROM store_meta WHERE id = 1)",
    )
    .fetch_one(c)
    .await?;
    Ok(Generations { iam, secrets, root })
}

/// Finds an access key.
pub async fn find_access_key(c: &mut SqliteConnection, id: &str) -> Result<Option<AccessKeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM access_keys WHERE access_key_id = ?"
    )))
    .bind(id)
    .fetch_optional(c)
    .await?)
}

/// A principal's access keys, oldest first.
pub async fn list_access_keys(
    c: &mut SqliteConnection,
    principal_id: i64,
) -> Result<Vec<AccessKeyRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM access_keys WHERE principal_id = ? ORDER BY created_at, access_key_id"
    )))
    .bind(principal_id)
    .fetch_all(c)
    .await?)
}

/// Sets an access key's status.
pub async fn set_access_key_status(c: &mut SqliteConnection, id: &str, status: &str) -> Result<()> {
    sqlx::query("UPDATE access_keys SET status = ? WHERE access_key_id = ?")
        .bind(status)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes an access key.
pub async fn delete_access_key(c: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM access_keys WHERE access_key_id = ?")
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Records an authenticated use of an access key (day-fresh is enough, so callers may skip
/// repeated writes).
pub async fn touch_access_key(
    c: &mut SqliteConnection,
    id: &str,
    at: i64,
    region: &str,
    service: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE access_keys SET last_used_at = ?, last_used_region = ?, last_used_service = ? WHERE access_key_id = ?",
    )
    .bind(at)
    .bind(region)
    .bind(service)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}
