//! Named keys in AWS KMS's JSON shapes (`KeyMetadata`), for the CLI and the desktop app.

use coffer_engine::{Engine, KeyMetadata, RequestContext};
use serde_json::{Value, json};

use crate::wire::{ApiError, epoch};

/// AWS KMS's `KeyMetadata` object for a key.
pub fn key_metadata(k: &KeyMetadata, account_id: &str) -> Value {
    let mut m = json!({
        "AWSAccountId": account_id,
        "KeyId": k.key_id,
        "Arn": k.arn,
        "CreationDate": epoch(k.creation_date),
        "Enabled": k.enabled,
        "Description": k.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": if k.enabled { "Enabled" } else { "Disabled" },
        "Origin": "AWS_KMS",
        "KeyManager": k.key_manager,
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "CurrentKeyMaterialVersion": k.current_material_version,
    });
    if let Some(a) = &k.alias {
        m["AliasName"] = json!(format!("alias/{a}"));
    }
    if let Some(t) = k.last_rotation_date {
        m["LastRotationDate"] = epoch(t);
    }
    m
}

/// `aws kms create-key` (with an optional alias).
pub async fn create_key(
    engine: &Engine,
    ctx: &RequestContext,
    description: Option<String>,
    alias: Option<String>,
) -> Result<Value, ApiError> {
    let k = engine.create_key(ctx, description, alias).await?;
    Ok(json!({ "KeyMetadata": key_metadata(&k, engine.account_id()) }))
}

/// `aws kms list-keys` (with each key's alias, which AWS lists separately).
pub async fn list_keys(engine: &Engine, ctx: &RequestContext) -> Result<Value, ApiError> {
    let keys = engine.list_keys(ctx).await?;
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            let mut v = json!({ "KeyId": k.key_id, "KeyArn": k.arn });
            if let Some(a) = &k.alias {
                v["AliasName"] = json!(format!("alias/{a}"));
            }
            v
        })
        .collect();
    Ok(json!({ "Keys": keys }))
}

/// `aws kms describe-key`.
pub async fn describe_key(
    engine: &Engine,
    ctx: &RequestContext,
    key: &str,
) -> Result<Value, ApiError> {
    let k = engine.describe_key(ctx, key).await?;
    Ok(json!({ "KeyMetadata": key_metadata(&k, engine.account_id()) }))
}

/// `aws kms enable-key` / `disable-key` (AWS returns an empty body; so do we).
pub async fn set_key_enabled(
    engine: &Engine,
    ctx: &RequestContext,
    key: &str,
    enabled: bool,
) -> Result<Value, ApiError> {
    engine.set_key_enabled(ctx, key, enabled).await?;
    Ok(json!({}))
}

/// `aws kms rotate-key-on-demand`.
pub async fn rotate_key(
    engine: &Engine,
    ctx: &RequestContext,
    key: &str,
) -> Result<Value, ApiError> {
    let k = engine.rotate_key(ctx, key).await?;
    Ok(json!({ "KeyId": k.key_id, "CurrentKeyMaterialVersion": k.current_material_version }))
}
