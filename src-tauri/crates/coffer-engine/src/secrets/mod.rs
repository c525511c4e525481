//! Secrets, versions and staging labels, with AWS Secrets Manager's exact rules.
//!
//! This module holds the domain types and the validation shared by every action; the
//! actions themselves are in `write` (changes) and `read` (queries). The label rules of
//! reference §4 live in [`labels`] as a pure function over a label map, so they can be
//! tested without a store.

pub mod labels;
mod policy;
mod read;
mod write;

pub use policy::*;
pub use read::*;
pub use write::*;

use chrono::{DateTime, Utc};
use coffer_crypto::{SecretBytes, ValueContext};
use coffer_store::{KeyRow, SecretRow, Unit, VersionRow};
use rand::Rng;

use crate::error::{Error, ErrorCode, Result};
use crate::keyring::decryption_failure;
use crate::{Engine, Op, OpConn, integrity, read_cache};

/// The label on the version applications read by default.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// The label the previous AWSCURRENT version gets automatically.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
/// The label of the version a rotation is preparing.
pub const AWSPENDING: &str = "AWSPENDING";

/// Most bytes a secret value may have.
pub const MAX_VALUE_BYTES: usize = 65_536;
/// Most staging labels attached across all versions of one secret.
pub const MAX_LABELS: usize = 20;
/// Versions kept before deprecated (unlabelled) versions are pruned.
pub const MAX_VERSIONS: i64 = 100;
/// Deprecated versions younger than this are never pruned.
pub const PRUNE_MIN_AGE_MS: i64 = 24 * 3600 * 1000;
/// Most tags per secret.
pub const MAX_TAGS: usize = 50;

/// A secret's value: text or bytes. Cannot be printed or serialized.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// `SecretString`.
    String(SecretBytes),
    /// `SecretBinary` (raw bytes; base64 only on the wire).
    Binary(SecretBytes),
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretValue::String(b) => write!(f, "SecretValue::String({b:?})"),
            SecretValue::Binary(b) => write!(f, "SecretValue::Binary({b:?})"),
        }
    }
}

impl SecretValue {
    /// A string value.
    pub fn string(s: impl Into<String>) -> SecretValue {
        SecretValue::String(SecretBytes::from(s.into()))
    }

    /// A binary value.
    pub fn binary(b: Vec<u8>) -> SecretValue {
        SecretValue::Binary(SecretBytes::new(b))
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &SecretBytes {
        match self {
            SecretValue::String(b) | SecretValue::Binary(b) => b,
        }
    }

    /// The text of a string value (`None` for binary or invalid UTF-8).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            SecretValue::String(b) => b.expose_str().ok(),
            SecretValue::Binary(_) => None,
        }
    }

    /// The plaintext that is sealed: one kind byte, then the value. The kind is inside
    /// the AEAD, so a string cannot be turned into binary or back.
    fn encode(&self) -> SecretBytes {
        let (kind, b) = match self {
            SecretValue::String(b) => (b'S', b),
            SecretValue::Binary(b) => (b'B', b),
        };
        let mut v = Vec::with_capacity(b.len() + 1);
        v.push(kind);
        v.extend_from_slice(b.expose());
        SecretBytes::new(v)
    }

    fn decode(plain: &SecretBytes) -> Result<SecretValue> {
        let p = plain.expose();
        match p.first() {
            Some(b'S') => Ok(SecretValue::String(SecretBytes::new(p[1..].to_vec()))),
            Some(b'B') => Ok(SecretValue::Binary(SecretBytes::new(p[1..].to_vec()))),
            _ => Err(decryption_failure()),
        }
    }

    fn validate(&self) -> Result<()> {
        let (member, len) = match self {
            SecretValue::String(b) => ("secretString", b.len()),
            SecretValue::Binary(b) => ("secretBinary", b.len()),
        };
        if len == 0 {
            return Err(Error::validation(
                member,
                "Member must have length greater than or equal to 1",
            ));
        }
        if len > MAX_VALUE_BYTES {
            return Err(Error::validation(
                member,
                "Member must have length less than or equal to 65536",
            ));
        }
        Ok(())
    }
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Key, 1–128 characters, case-sensitive.
    pub key: String,
    /// Value, 0–256 characters.
    pub value: String,
}

impl Tag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Validates a secret name: 1–512 characters of `A–Z a–z 0–9 / _ + = . @ -`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b));
    if name.is_empty() || name.chars().count() > 512 || !ok_chars {
        return Err(Error::new(
            ErrorCode::Validation,
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        ));
    }
    Ok(())
}

pub(crate) fn validate_secret_id(id: &str) -> Result<()> {
    if id.is_empty() || id.chars().count() > 2048 {
        return Err(Error::validation(
            "secretId",
            "Member must have length between 1 and 2048",
        ));
    }
    Ok(())
}

pub(crate) fn validate_token(token: &str) -> Result<()> {
    let n = token.chars().count();
    if !(32..=64).contains(&n) {
        return Err(Error::invalid_parameter(
            "ClientRequestToken must be 32-64 characters long.",
        ));
    }
    Ok(())
}

pub(crate) fn validate_version_id(member: &str, id: &str) -> Result<()> {
    let n = id.chars().count();
    if !(32..=64).contains(&n) {
        return Err(Error::validation(
            member,
            "Member must have length between 32 and 64",
        ));
    }
    Ok(())
}

pub(crate) fn validate_stage(member: &str, stage: &str) -> Result<()> {
    let n = stage.chars().count();
    if !(1..=256).contains(&n) {
        return Err(Error::validation(
            member,
            "Member must have length between 1 and 256",
        ));
    }
    Ok(())
}

pub(crate) fn validate_description(d: &str) -> Result<()> {
    if d.chars().count() > 2048 {
        return Err(Error::validation(
            "description",
            "Member must have length less than or equal to 2048",
        ));
    }
    Ok(())
}

pub(crate) fn validate_tags(tags: &[Tag]) -> Result<()> {
    for t in tags {
        let k = t.key.chars().count();
        if !(1..=128).contains(&k) {
            return Err(Error::validation(
                "tags.member.key",
                "Member must have length between 1 and 128",
            ));
        }
        if t.value.chars().count() > 256 {
            return Err(Error::validation(
                "tags.member.value",
                "Member must have length less than or equal to 256",
            ));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::invalid_parameter(format!(
                "Invalid tag key '{}': the aws: prefix is reserved for AWS use.",
                t.key
            )));
        }
    }
    Ok(())
}

/// A fresh version id when the caller gave no ClientRequestToken (as every AWS SDK does).
/// An AccessDenied on `resource` (a secret's ARN, or the ARN an id names) reworded to name
/// `id` as the caller gave it: an existing secret's ARN, with its random suffix, would tell
/// an unauthorized caller that the secret exists. Other errors pass unchanged.
pub(crate) fn denied_as_asked(e: Error, resource: &str, id: &str) -> Error {
    if e.code() == ErrorCode::AccessDenied {
        Error::new(ErrorCode::AccessDenied, e.message().replace(resource, id))
    } else {
        e
    }
}

pub(crate) fn new_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The 6-character random suffix of a secret ARN.
fn arn_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Epoch milliseconds as a date.
pub(crate) fn date(ms: i64) -> DateTime<Utc> {
    crate::clock::from_millis(ms)
}

impl Engine {
    pub(crate) fn secret_arn(&self, region: &str, name: &str) -> String {
        format!(
            "arn:aws:secretsmanager:{region}:{}:secret:{name}-{}",
            self.inner.account_id,
            arn_suffix()
        )
    }

    /// Finds a secret by name, full ARN or partial ARN (the ARN without its random
    /// suffix), in the request's region.
    pub(crate) async fn find_secret(&self, op: &mut Op<'_>, id: &str) -> Result<Option<SecretRow>> {
        validate_secret_id(id)?;
        let region = op.region.clone();
        let arn_prefix = format!(
            "arn:aws:secretsmanager:{region}:{}:secret:",
            self.inner.account_id
        );
        let key = (region.clone(), id.to_owned());
        let keys = op.keys.clone();
        let mut compared = None;
        let found = self
            .cached(op, read_cache::secrets, key, read_cache::small, async |c| {
                let found = if id.starts_with("arn:") {
                    match coffer_store::find_secret_by_arn(c, id).await? {
                        Some(s) => (s.region == region).then_some(s),
                        None => match id.strip_prefix(&arn_prefix) {
                            Some(name) if !name.is_empty() => {
                                coffer_store::find_secret_by_name(c, &region, name).await?
                            }
                            _ => None,
                        },
                    }
                } else {
                    coffer_store::find_secret_by_name(c, &region, id).await?
                };
                // Its resource policy, labels and rotation settings are about to decide things.
                if let Some(s) = &found {
                    let checked = integrity::verify(c, &keys, &Unit::Secret(s.id)).await?;
                    compared = Some((s.id, checked));
                }
                Ok(found)
            })
            .await?;
        if let Some((id, checked)) = compared {
            op.checked(Unit::Secret(id), checked);
        }
        Ok(found)
    }

    /// Authorizes the operation on secret `id` and returns it: the caller is evaluated
    /// before anything is revealed, so an unauthorized caller gets AccessDenied whether or
    /// not the secret exists; an authorized one gets ResourceNotFoundException for a
    /// missing secret. The audit event learns the ARN.
    pub(crate) async fn require_secret(&self, op: &mut Op<'_>, id: &str) -> Result<SecretRow> {
        self.require_secret_with(op, id, Vec::new()).await
    }

    /// [`Engine::require_secret`] with request-specific condition keys.
    pub(crate) async fn require_secret_with(
        &self,
        op: &mut Op<'_>,
        id: &str,
        extra: crate::authz::ExtraKeys,
    ) -> Result<SecretRow> {
        let found = self.authorized_secret(op, id, extra).await?;
        found.ok_or_else(Error::not_found)
    }

    /// Finds secret `id` and authorizes the operation on it (or on the ARN the id names,
    /// when it does not exist). `None` = authorized, but no such secret.
    pub(crate) async fn authorized_secret(
        &self,
        op: &mut Op<'_>,
        id: &str,
        extra: crate::authz::ExtraKeys,
    ) -> Result<Option<SecretRow>> {
        let found = self.find_secret(op, id).await?;
        let resource = self.secret_resource(op, id, found.as_ref());
        if let Err(e) = self
            .authorize_on(op, &resource, found.as_ref(), &extra)
            .await
        {
            // The log and the message name what was asked for, never what exists.
            op.event.detail("secretId", id);
            return Err(denied_as_asked(e, &resource, id));
        }
        if let Some(s) = &found {
            op.event.resource_arn = Some(s.arn.clone());
        }
        Ok(found)
    }

    /// Seals a value for `version_id` of `secret` under the secret's key (current material).
    pub(crate) async fn seal_value(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<VersionRow> {
        // The key's state (enabled, current material) must be the one Coffer wrote.
        let unit = Unit::Key(secret.key_id.clone());
        let checked = integrity::verify(op.tx.conn(), &op.keys, &unit).await?;
        op.checked(unit, checked);
        // One statement claims a wrap from the key's current material (and fails for a
        // disabled key); the key row is read only to explain a refusal.
        let Some((material_version, wraps)) =
            coffer_store::claim_wrap(op.tx.conn(), &secret.key_id).await?
        else {
            let message = match coffer_store::find_key(op.tx.conn(), &secret.key_id).await? {
                Some(key) => format!(
                    "Access to KMS is not allowed: the key {} is disabled.",
                    key.arn
                ),
                None => "The secret's KMS key does not exist.".to_owned(),
            };
            return Err(Error::new(ErrorCode::EncryptionFailure, message));
        };
        let keys = op.keys.clone();
        let material = keys
            .material(op.tx.conn(), &secret.key_id, material_version)
            .await?;
        let ctx = ValueContext {
            secret_arn: &secret.arn,
            version_id,
            key_id: &secret.key_id,
            material_version: u32::try_from(material_version).map_err(|_| decryption_failure())?,
        };
        let sealed = material
            .seal_value(&ctx, &value.encode())
            .map_err(|_| Error::new(ErrorCode::EncryptionFailure, "Encryption failed."))?;
        op.event
            .detail("valueHash", op.keys.audit_hash(value.bytes().expose()));
        if wraps >= WRAP_ROTATION_THRESHOLD {
            op.event.detail("keyMaterialExhausted", true);
        }
        Ok(VersionRow {
            secret_id: secret.id,
            version_id: version_id.to_owned(),
            created_at: op.now,
            last_accessed_at: None,
            key_id: Some(secret.key_id.clone()),
            material_version: Some(material_version),
            wrapped_dek: Some(sealed.wrapped_dek),
            ciphertext: Some(sealed.ciphertext),
        })
    }

    /// Opens a version's value. `None` for a value-less placeholder.
    pub(crate) async fn open_value(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        version: &VersionRow,
    ) -> Result<Option<SecretValue>> {
        let (Some(key_id), Some(mv), Some(dek), Some(ct)) = (
            &version.key_id,
            version.material_version,
            &version.wrapped_dek,
            &version.ciphertext,
        ) else {
            return Ok(None);
        };
        let keys = op.keys.clone();
        let key: KeyRow = self
            .cached(
                op,
                read_cache::keys,
                key_id.clone(),
                read_cache::small,
                async |c| {
                    let key = coffer_store::find_key(c, key_id).await?;
                    integrity::verify(c, &keys, &Unit::Key(key_id.clone())).await?;
                    Ok(key)
                },
            )
            .await?
            .ok_or_else(decryption_failure)?;
        if !key.managed && matches!(op.ctx.principal, crate::Principal::Arn(_)) {
            // A customer-managed key must also let the caller decrypt (kms:Decrypt).
            if let Err(e) = self
                .authorize_action(op, "kms:Decrypt", &key.arn, None, &Vec::new(), false)
                .await
            {
                let reason = format!("kms:Decrypt on {} is not allowed", key.arn);
                if op.event.action == "BatchGetSecretValue" {
                    // One secret of the batch fails; the batch itself was allowed.
                    op.event.detail("kmsDecryptDenied", key.arn.clone());
                } else {
                    op.event.deny(&reason);
                }
                return Err(Error::new(
                    ErrorCode::AccessDenied,
                    format!("Access to KMS is not allowed. {}", e.message()),
                ));
            }
        }
        if !key.enabled {
            return Err(Error::new(
                ErrorCode::DecryptionFailure,
                format!(
                    "Access to KMS is not allowed: the key {} is disabled.",
                    key.arn
                ),
            ));
        }
        let keys = op.keys.clone();
        let material = match keys.cached_material(key_id, mv) {
            Some(m) => m,
            None if matches!(op.tx, OpConn::Cached) => return Err(read_cache::cache_miss()),
            None => keys.material(op.tx.conn(), key_id, mv).await?,
        };
        let ctx = ValueContext {
            secret_arn: &secret.arn,
            version_id: &version.version_id,
            key_id,
            material_version: u32::try_from(mv).map_err(|_| decryption_failure())?,
        };
        let plain = material
            .open_value(&ctx, dek, ct)
            .map_err(|_| decryption_failure())?;
        SecretValue::decode(&plain).map(Some)
    }
}

/// Wraps per material version after which the audit log flags the key for rotation:
/// far below GCM's 2^32 random-nonce bound.
const WRAP_ROTATION_THRESHOLD: i64 = 1 << 30;
