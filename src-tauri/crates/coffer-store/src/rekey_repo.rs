//! The whole-store rewrites of a re-key (a new root key): every row whose bytes depend on
//! the root key, listed and replaced. The engine decides what the new bytes are.

use sqlx::SqliteConnection;

use crate::{MaterialRow, Result};

/// Every KMS key's id, in every Region.
pub async fn all_key_ids(c: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT key_id FROM kms_keys ORDER BY key_id")
            .fetch_all(c)
            .await?,
    )
}

/// A key's material versions, oldest first.
pub async fn materials_of(c: &mut SqliteConnection, key_id: &str) -> Result<Vec<MaterialRow>> {
    Ok(sqlx::query_as(
        "SELECT key_id, material_version, wrapped_material, wrap_count, created_at \
         FROM kms_key_materials WHERE key_id = ? ORDER BY material_version",
    )
    .bind(key_id)
    .fetch_all(c)
    .await?)
}

/// Replaces a material version's wrap (the material itself is unchanged).
pub async fn set_material_wrap(
    c: &mut SqliteConnection,
    key_id: &str,
    version: i64,
    wrapped: &[u8],
) -> Result<()> {
    sqlx::query(
        "UPDATE kms_key_materials SET wrapped_material = ? WHERE key_id = ? AND material_version = ?",
    )
    .bind(wrapped)
    .bind(key_id)
    .bind(version)
    .execute(c)
    .await?;
    Ok(())
}

/// Sets how many data keys a material version has wrapped (its nonce budget).
pub async fn set_wrap_count(
    c: &mut SqliteConnection,
    key_id: &str,
    version: i64,
    count: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE kms_key_materials SET wrap_count = ? WHERE key_id = ? AND material_version = ?",
    )
    .bind(count)
    .bind(key_id)
    .bind(version)
    .execute(c)
    .await?;
    Ok(())
}

/// Every secret's row id and ARN (the ARN is in every value's AAD).
pub async fn secret_arns(c: &mut SqliteConnection) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as("SELECT id, arn FROM secrets ORDER BY id")
        .fetch_all(c)
        .await?)
}

/// Every access key's id and sealed secret.
pub async fn sealed_access_keys(c: &mut SqliteConnection) -> Result<Vec<(String, Vec<u8>)>> {
    Ok(sqlx::query_as(
        "SELECT access_key_id, sealed_secret FROM access_keys ORDER BY access_key_id",
    )
    .fetch_all(c)
    .await?)
}

/// Replaces an access key's sealed secret.
pub async fn set_access_key_secret(
    c: &mut SqliteConnection,
    id: &str,
    sealed: &[u8],
) -> Result<()> {
    sqlx::query("UPDATE access_keys SET sealed_secret = ? WHERE access_key_id = ?")
        .bind(sealed)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Replaces an audit event's link and MAC (the chain re-MAC'd under a new key).
pub async fn set_audit_mac(
    c: &mut SqliteConnection,
    seq: i64,
    prev_mac: &[u8],
    mac: &[u8],
) -> Result<()> {
    sqlx::query("UPDATE audit_events SET prev_mac = ?, mac = ? WHERE seq = ?")
        .bind(prev_mac)
        .bind(mac)
        .bind(seq)
        .execute(c)
        .await?;
    Ok(())
}
