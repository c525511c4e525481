//! KMS-like named keys: the default `aws/secretsmanager` key of each region plus
//! customer-managed keys that can be disabled and whose material can be rotated.
//!
//! Key material is random, wrapped by the root key and never leaves the engine. Rotation
//! adds a material version used for new writes; old versions stay so that old secret
//! versions still decrypt.

use chrono::{DateTime, Utc};
use coffer_crypto::KeyMaterial;
use coffer_store::{KeyRow, MaterialRow};

use crate::clock::from_millis;
use crate::error::{Error, ErrorCode, Result};
use crate::{Engine, Op, RequestContext};

/// The alias of the default key every secret uses unless told otherwise.
pub const DEFAULT_KEY_ALIAS: &str = "aws/secretsmanager";

/// A named key as shown to callers (never its material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMetadata {
    /// UUID key id.
    pub key_id: String,
    /// Key ARN.
    pub arn: String,
    /// Alias without the `alias/` prefix.
    pub alias: Option<String>,
    /// Free text.
    pub description: String,
    /// Disabled keys neither encrypt nor decrypt.
    pub enabled: bool,
    /// `AWS` for the default key, `CUSTOMER` otherwise.
    pub key_manager: &'static str,
    /// The material version new writes use.
    pub current_material_version: i64,
    /// Created.
    pub creation_date: DateTime<Utc>,
    /// Last material rotation.
    pub last_rotation_date: Option<DateTime<Utc>>,
}

impl From<KeyRow> for KeyMetadata {
    fn from(k: KeyRow) -> Self {
        KeyMetadata {
            key_id: k.key_id,
            arn: k.arn,
            alias: k.alias,
            description: k.description,
            enabled: k.enabled,
            key_manager: if k.managed { "AWS" } else { "CUSTOMER" },
            current_material_version: k.current_material,
            creation_date: from_millis(k.created_at),
            last_rotation_date: k.rotated_at.map(from_millis),
        }
    }
}

fn key_not_found(spec: &str) -> Error {
    Error::new(
        ErrorCode::ResourceNotFound,
        format!("Key '{spec}' does not exist."),
    )
}

fn validate_alias(alias: &str) -> Result<&str> {
    let name = alias.strip_prefix("alias/").unwrap_or(alias);
    let ok = !name.is_empty()
        && name.len() <= 250
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b));
    if !ok {
        return Err(Error::validation(
            "aliasName",
            "Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$",
        ));
    }
    if name.starts_with("aws/") {
        return Err(Error::invalid_parameter(
            "Alias names that begin with aws/ are reserved for AWS managed keys.",
        ));
    }
    Ok(name)
}

impl Engine {
    fn key_arn(&self, region: &str, key_id: &str) -> String {
        format!(
            "arn:aws:kms:{region}:{}:key/{key_id}",
            self.inner.account_id
        )
    }

    /// Creates a key row and its first material version inside `op`.
    async fn insert_new_key(
        &self,
        op: &mut Op<'_>,
        alias: Option<String>,
        description: String,
        managed: bool,
    ) -> Result<KeyRow> {
        let key_id = uuid::Uuid::new_v4().to_string();
        let row = KeyRow {
            arn: self.key_arn(&op.region, &key_id),
            key_id,
            region: op.region.clone(),
            alias,
            description,
            enabled: true,
            managed,
            current_material: 1,
            created_at: op.now,
            rotated_at: None,
        };
        coffer_store::insert_key(op.tx.conn(), &row).await?;
        let material = KeyMaterial::generate();
        let wrapped = op.keys.root().wrap_key_material(&material, &row.key_id, 1);
        coffer_store::insert_material(
            op.tx.conn(),
            &MaterialRow {
                key_id: row.key_id.clone(),
                material_version: 1,
                wrapped_material: wrapped,
                wrap_count: 0,
                created_at: op.now,
            },
        )
        .await?;
        Ok(row)
    }

    /// The region's default key, created on first use.
    pub(crate) async fn default_key(&self, op: &mut Op<'_>) -> Result<KeyRow> {
        let region = op.region.clone();
        if let Some(k) =
            coffer_store::find_key_by_alias(op.tx.conn(), &region, DEFAULT_KEY_ALIAS).await?
        {
            return Ok(k);
        }
        self.insert_new_key(
            op,
            Some(DEFAULT_KEY_ALIAS.into()),
            "Default key that protects my Secrets Manager data when no other key is defined".into(),
            true,
        )
        .await
    }

    /// Resolves a KmsKeyId as AWS accepts it: key id, key ARN, `alias/name` or alias ARN.
    pub(crate) async fn resolve_key(&self, op: &mut Op<'_>, spec: &str) -> Result<KeyRow> {
        if spec.is_empty() || spec.len() > 2048 {
            return Err(Error::validation(
                "kmsKeyId",
                "Member must have length between 1 and 2048",
            ));
        }
        let region = op.region.clone();
        let arn_prefix = format!("arn:aws:kms:{region}:{}:", self.inner.account_id);
        let local = spec.strip_prefix(&arn_prefix).unwrap_or(spec);
        if spec.starts_with("arn:") && local == spec {
            return Err(key_not_found(spec));
        }
        let found = if let Some(alias) = local.strip_prefix("alias/") {
            if alias == DEFAULT_KEY_ALIAS {
                Some(self.default_key(op).await?)
            } else {
                coffer_store::find_key_by_alias(op.tx.conn(), &region, alias).await?
            }
        } else {
            let id = local.strip_prefix("key/").unwrap_or(local);
            coffer_store::find_key(op.tx.conn(), id)
                .await?
                .filter(|k| k.region == region)
        };
        let found = found.ok_or_else(|| key_not_found(spec))?;
        crate::integrity::verify(
            op.tx.conn(),
            &op.keys,
            &coffer_store::Unit::Key(found.key_id.clone()),
        )
        .await?;
        Ok(found)
    }

    /// Creates a customer-managed key (`aws kms create-key`, plus an optional alias).
    pub async fn create_key(
        &self,
        ctx: &RequestContext,
        description: Option<String>,
        alias: Option<String>,
    ) -> Result<KeyMetadata> {
        let mut op = self.begin(ctx, "CreateKey").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let description = description.unwrap_or_default();
            if description.len() > 8192 {
                return Err(Error::validation(
                    "description",
                    "Member must have length less than or equal to 8192",
                ));
            }
            let alias = alias
                .as_deref()
                .map(validate_alias)
                .transpose()?
                .map(str::to_owned);
            if let Some(a) = &alias {
                if coffer_store::find_key_by_alias(op.tx.conn(), &op.region, a)
                    .await?
                    .is_some()
                {
                    return Err(Error::new(
                        ErrorCode::ResourceExists,
                        format!("An alias with the name alias/{a} already exists"),
                    ));
                }
            }
            let row = self
                .insert_new_key(&mut op, alias, description, false)
                .await?;
            op.event.resource_arn = Some(row.arn.clone());
            Ok(KeyMetadata::from(row))
        }
        .await;
        self.finish(op, result).await
    }

    /// Lists the keys of the region (the default key appears once it has been used).
    pub async fn list_keys(&self, ctx: &RequestContext) -> Result<Vec<KeyMetadata>> {
        let mut op = self.begin(ctx, "ListKeys").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let region = op.region.clone();
            let rows = coffer_store::list_keys(op.tx.conn(), &region).await?;
            Ok(rows.into_iter().map(KeyMetadata::from).collect())
        }
        .await;
        self.finish(op, result).await
    }

    /// Describes one key.
    pub async fn describe_key(&self, ctx: &RequestContext, key: &str) -> Result<KeyMetadata> {
        let mut op = self.begin(ctx, "DescribeKey").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let row = self.resolve_key(&mut op, key).await?;
            op.event.resource_arn = Some(row.arn.clone());
            Ok(KeyMetadata::from(row))
        }
        .await;
        self.finish(op, result).await
    }

    /// Enables or disables a customer-managed key. A disabled key neither encrypts new
    /// versions nor decrypts existing ones, until enabled again.
    pub async fn set_key_enabled(
        &self,
        ctx: &RequestContext,
        key: &str,
        enabled: bool,
    ) -> Result<KeyMetadata> {
        let action = if enabled { "EnableKey" } else { "DisableKey" };
        let mut op = self.begin(ctx, action).await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let mut row = self.resolve_key(&mut op, key).await?;
            op.event.resource_arn = Some(row.arn.clone());
            if row.managed {
                return Err(Error::invalid_request(format!(
                    "{} is an AWS managed key; it cannot be enabled or disabled.",
                    row.arn
                )));
            }
            row.enabled = enabled;
            coffer_store::update_key(op.tx.conn(), &row).await?;
            Ok(KeyMetadata::from(row))
        }
        .await;
        self.finish(op, result).await
    }

    /// Rotates a key's material now: new versions use fresh material, old versions keep
    /// decrypting with the material that sealed them.
    pub async fn rotate_key(&self, ctx: &RequestContext, key: &str) -> Result<KeyMetadata> {
        let mut op = self.begin(ctx, "RotateKeyOnDemand").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let mut row = self.resolve_key(&mut op, key).await?;
            op.event.resource_arn = Some(row.arn.clone());
            if !row.enabled {
                return Err(Error::invalid_request(format!("{} is disabled.", row.arn)));
            }
            let next = row.current_material + 1;
            let v =
                u32::try_from(next).map_err(|_| Error::invalid_request("Too many rotations."))?;
            let material = KeyMaterial::generate();
            let wrapped = op.keys.root().wrap_key_material(&material, &row.key_id, v);
            coffer_store::insert_material(
                op.tx.conn(),
                &MaterialRow {
                    key_id: row.key_id.clone(),
                    material_version: next,
                    wrapped_material: wrapped,
                    wrap_count: 0,
                    created_at: op.now,
                },
            )
            .await?;
            row.current_material = next;
            row.rotated_at = Some(op.now);
            coffer_store::update_key(op.tx.conn(), &row).await?;
            op.event.detail("materialVersion", next);
            Ok(KeyMetadata::from(row))
        }
        .await;
        self.finish(op, result).await
    }
}
