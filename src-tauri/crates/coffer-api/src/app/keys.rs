//! KMS-like named keys for the desktop app: list, create, rotate material, enable/disable.

use coffer_engine::{Engine, KeyMetadata, RequestContext};
use serde::{Deserialize, Serialize};

use super::{AppResult, rfc3339, rfc3339_opt};

/// A named key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// UUID key id.
    pub key_id: String,
    /// Key ARN.
    pub arn: String,
    /// Alias without `alias/`.
    pub alias: Option<String>,
    /// Free text.
    pub description: String,
    /// Disabled keys neither encrypt nor decrypt.
    pub enabled: bool,
    /// True for the default `aws/secretsmanager` key.
    pub managed: bool,
    /// Created.
    pub created_date: String,
    /// Last material rotation.
    pub rotated_date: Option<String>,
    /// The material version new writes use.
    pub material_version: u32,
}

impl From<KeyMetadata> for KeyView {
    fn from(k: KeyMetadata) -> KeyView {
        KeyView {
            key_id: k.key_id,
            arn: k.arn,
            alias: k.alias,
            description: k.description,
            enabled: k.enabled,
            managed: k.key_manager == "AWS",
            created_date: rfc3339(k.creation_date),
            rotated_date: rfc3339_opt(k.last_rotation_date),
            material_version: u32::try_from(k.current_material_version).unwrap_or(u32::MAX),
        }
    }
}

/// Every key in the default region.
pub async fn list_keys(engine: &Engine, ctx: &RequestContext) -> AppResult<Vec<KeyView>> {
    Ok(engine
        .list_keys(ctx)
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect())
}

/// `create_key` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct CreateKeyRequest {
    /// Alias (with or without `alias/`).
    pub alias: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// Creates a customer-managed key.
pub async fn create_key(
    engine: &Engine,
    ctx: &RequestContext,
    req: CreateKeyRequest,
) -> AppResult<KeyView> {
    let alias = req
        .alias
        .filter(|a| !a.trim().is_empty())
        .map(|a| a.strip_prefix("alias/").unwrap_or(&a).to_owned());
    Ok(engine.create_key(ctx, req.description, alias).await?.into())
}

/// A request naming one key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct KeyIdRequest {
    /// Key id, ARN or alias.
    pub key_id: String,
}

/// Rotates a key's material (new writes use the new material; old versions still open).
pub async fn rotate_key(
    engine: &Engine,
    ctx: &RequestContext,
    req: KeyIdRequest,
) -> AppResult<KeyView> {
    Ok(engine.rotate_key(ctx, &req.key_id).await?.into())
}

/// `set_key_enabled` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SetKeyEnabledRequest {
    /// Key id, ARN or alias.
    pub key_id: String,
    /// Enable or disable.
    pub enabled: bool,
}

/// Enables or disables a customer-managed key.
pub async fn set_key_enabled(
    engine: &Engine,
    ctx: &RequestContext,
    req: SetKeyEnabledRequest,
) -> AppResult<KeyView> {
    Ok(engine
        .set_key_enabled(ctx, &req.key_id, req.enabled)
        .await?
        .into())
}
