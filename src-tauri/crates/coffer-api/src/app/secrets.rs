//! Secrets, versions, staging labels, tags, resource policies and random passwords for the
//! desktop app: typed DTOs over the engine's AWS Secrets Manager actions.
//!
//! Values cross only in [`SecretValueView`], which the UI asks for on an explicit reveal
//! (the read is audited like any GetSecretValue).

use base64::Engine as _;
use coffer_engine::{
    CreateSecretInput, DeleteSecretInput, Engine, GetSecretValueInput, ListSecretVersionIdsInput,
    ListSecretsInput, PutSecretValueInput, RequestContext, SecretDescription, SecretValue,
    UpdateSecretInput, UpdateSecretVersionStageInput, VersionEntry,
};
use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, Tag, rfc3339, rfc3339_opt};

/// One ListSecrets filter (`name`, `description`, `tag-key`, `tag-value`, `primary-region`,
/// `owning-service`, `all`; a `!` prefix on a value negates it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// The filter key.
    pub key: String,
    /// Values (prefix matches, as AWS does).
    pub values: Vec<String>,
}

/// ListSecrets sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum SortBy {
    /// By name.
    Name,
    /// By creation (AWS's default).
    CreatedDate,
    /// By last change.
    LastChangedDate,
    /// By last read.
    LastAccessedDate,
}

impl SortBy {
    fn as_str(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::CreatedDate => "created-date",
            SortBy::LastChangedDate => "last-changed-date",
            SortBy::LastAccessedDate => "last-accessed-date",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// `list_secrets` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ListSecretsRequest {
    /// Free text matched against names, descriptions, tag keys and tag values (the
    /// ListSecrets `all` filter); words are ANDed.
    pub search: Option<String>,
    /// ListSecrets filters.
    pub filters: Vec<Filter>,
    /// Include secrets scheduled for deletion.
    pub include_planned_deletion: bool,
    /// Sort key.
    pub sort_by: Option<SortBy>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
    /// Page size, 1–100 (default 100).
    pub max_results: Option<u32>,
    /// Paging token from the previous page.
    pub next_token: Option<String>,
}

/// A secret's metadata as a list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SecretSummary {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The KMS key id as given (absent for the default key).
    pub kms_key_id: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Created.
    pub created_date: String,
    /// Last changed.
    pub last_changed_date: Option<String>,
    /// Last read (day resolution).
    pub last_accessed_date: Option<String>,
    /// When DeleteSecret was called (planned deletion).
    pub deleted_date: Option<String>,
    /// True when rotation is configured and on.
    pub rotation_enabled: bool,
    /// The next scheduled rotation.
    pub next_rotation_date: Option<String>,
}

impl From<&SecretDescription> for SecretSummary {
    fn from(d: &SecretDescription) -> SecretSummary {
        SecretSummary {
            arn: d.arn.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            kms_key_id: d.kms_key_id.clone(),
            tags: d.tags.iter().cloned().map(Tag::from).collect(),
            created_date: rfc3339(d.created_date),
            last_changed_date: rfc3339_opt(d.last_changed_date),
            last_accessed_date: rfc3339_opt(d.last_accessed_date),
            deleted_date: rfc3339_opt(d.deleted_date),
            rotation_enabled: d.rotation.as_ref().is_some_and(|r| r.enabled),
            next_rotation_date: rfc3339_opt(d.rotation.as_ref().and_then(|r| r.next_rotation_date)),
        }
    }
}

/// One page of secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SecretPage {
    /// The secrets.
    pub secrets: Vec<SecretSummary>,
    /// Token for the next page.
    pub next_token: Option<String>,
}

/// ListSecrets with the desktop's search box.
pub async fn list_secrets(
    engine: &Engine,
    ctx: &RequestContext,
    req: ListSecretsRequest,
) -> AppResult<SecretPage> {
    let filters: Vec<(Option<String>, Option<Vec<String>>)> = req
        .filters
        .into_iter()
        .map(|f| (Some(f.key), Some(f.values)))
        .collect();
    let out = engine
        .list_secrets(
            ctx,
            ListSecretsInput {
                include_planned_deletion: req.include_planned_deletion,
                max_results: req.max_results.map(i64::from),
                next_token: req.next_token,
                filters,
                // Every word must match; any text works (see `filter::search_filters`).
                search: req.search,
                sort_order: req.sort_order.map(|o| {
                    match o {
                        SortOrder::Asc => "asc",
                        SortOrder::Desc => "desc",
                    }
                    .to_owned()
                }),
                sort_by: req.sort_by.map(|s| s.as_str().to_owned()),
            },
        )
        .await?;
    Ok(SecretPage {
        secrets: out.secret_list.iter().map(SecretSummary::from).collect(),
        next_token: out.next_token,
    })
}

/// A request naming one secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SecretIdRequest {
    /// Name or ARN.
    pub secret_id: String,
}

/// One version of a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    /// Version id.
    pub version_id: String,
    /// Staging labels (empty for a deprecated version).
    pub stages: Vec<String>,
    /// Created.
    pub created_date: String,
    /// Last read (day resolution).
    pub last_accessed_date: Option<String>,
}

impl From<VersionEntry> for VersionSummary {
    fn from(v: VersionEntry) -> VersionSummary {
        VersionSummary {
            version_id: v.version_id,
            stages: v.version_stages,
            created_date: rfc3339(v.created_date),
            last_accessed_date: rfc3339_opt(v.last_accessed_date),
        }
    }
}

/// A secret's full metadata, with its labelled versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SecretDetail {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The KMS key id as given.
    pub kms_key_id: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Created.
    pub created_date: String,
    /// Last changed.
    pub last_changed_date: Option<String>,
    /// Last read.
    pub last_accessed_date: Option<String>,
    /// When DeleteSecret was called.
    pub deleted_date: Option<String>,
    /// True when rotation is on.
    pub rotation_enabled: bool,
    /// Next scheduled rotation.
    pub next_rotation_date: Option<String>,
    /// The resource policy JSON.
    pub resource_policy: Option<String>,
    /// The rotator's ARN.
    pub rotation_lambda_arn: Option<String>,
    /// The rotation rules as text.
    pub rotation_rules: Option<String>,
    /// Last rotation.
    pub last_rotated_date: Option<String>,
    /// When the secret will be deleted for good (planned deletion).
    pub deletion_date: Option<String>,
    /// Labelled versions, newest first.
    pub versions: Vec<VersionSummary>,
}

async fn versions(
    engine: &Engine,
    ctx: &RequestContext,
    secret_id: &str,
    include_deprecated: bool,
) -> AppResult<Vec<VersionSummary>> {
    let mut all = Vec::new();
    let mut next_token = None;
    loop {
        let out = engine
            .list_secret_version_ids(
                ctx,
                ListSecretVersionIdsInput {
                    secret_id: secret_id.to_owned(),
                    max_results: Some(100),
                    next_token,
                    include_deprecated,
                },
            )
            .await?;
        all.extend(out.versions.into_iter().map(VersionSummary::from));
        match out.next_token {
            Some(t) => next_token = Some(t),
            None => return Ok(all),
        }
    }
}

/// DescribeSecret plus the versions and the resource policy the detail screen shows.
pub async fn describe_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<SecretDetail> {
    let d = engine.describe_secret(ctx, &req.secret_id).await?;
    let versions = versions(engine, ctx, &d.arn, false).await?;
    let policy = engine.get_resource_policy(ctx, &d.arn).await?;
    let s = SecretSummary::from(&d);
    Ok(SecretDetail {
        arn: s.arn,
        name: s.name,
        description: s.description,
        kms_key_id: s.kms_key_id,
        tags: s.tags,
        created_date: s.created_date,
        last_changed_date: s.last_changed_date,
        last_accessed_date: s.last_accessed_date,
        deleted_date: s.deleted_date,
        rotation_enabled: s.rotation_enabled,
        next_rotation_date: s.next_rotation_date,
        resource_policy: policy.resource_policy,
        rotation_lambda_arn: d.rotation.as_ref().and_then(|r| r.lambda_arn.clone()),
        rotation_rules: d
            .rotation
            .as_ref()
            .and_then(|r| super::rotation::rules_text(&r.rules)),
        last_rotated_date: rfc3339_opt(d.rotation.as_ref().and_then(|r| r.last_rotated_date)),
        deletion_date: rfc3339_opt(d.deletion_date),
        versions,
    })
}

/// `list_versions` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ListVersionsRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// Include versions without labels.
    #[serde(default)]
    pub include_deprecated: bool,
}

/// Every version of a secret (all pages), newest first.
pub async fn list_versions(
    engine: &Engine,
    ctx: &RequestContext,
    req: ListVersionsRequest,
) -> AppResult<Vec<VersionSummary>> {
    versions(engine, ctx, &req.secret_id, req.include_deprecated).await
}

/// `get_secret_value` request (neither version nor stage = AWSCURRENT).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct GetSecretValueRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// A version id.
    #[serde(default)]
    pub version_id: Option<String>,
    /// A staging label.
    #[serde(default)]
    pub version_stage: Option<String>,
}

/// A revealed value. The only DTO that carries one; sent on explicit reveal only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SecretValueView {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Version id.
    pub version_id: String,
    /// The version's labels.
    pub version_stages: Vec<String>,
    /// When the version was created.
    pub created_date: String,
    /// The value, for a string secret.
    pub secret_string: Option<String>,
    /// The value in base64, for a binary secret.
    pub secret_binary_base64: Option<String>,
}

impl std::fmt::Debug for SecretValueView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretValueView")
            .field("arn", &self.arn)
            .field("version_id", &self.version_id)
            .finish_non_exhaustive()
    }
}

/// GetSecretValue (audited as a read).
pub async fn get_secret_value(
    engine: &Engine,
    ctx: &RequestContext,
    req: GetSecretValueRequest,
) -> AppResult<SecretValueView> {
    let out = engine
        .get_secret_value(
            ctx,
            GetSecretValueInput {
                secret_id: req.secret_id,
                version_id: req.version_id,
                version_stage: req.version_stage,
            },
        )
        .await?;
    let (secret_string, secret_binary_base64) = match &out.value {
        SecretValue::String(b) => (Some(String::from_utf8_lossy(b.expose()).into_owned()), None),
        SecretValue::Binary(b) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(b.expose())),
        ),
    };
    Ok(SecretValueView {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
        version_stages: out.version_stages,
        created_date: rfc3339(out.created_date),
        secret_string,
        secret_binary_base64,
    })
}

/// A new value from the UI: a string or base64 bytes, never both.
fn value_of(
    secret_string: Option<String>,
    secret_binary_base64: Option<String>,
) -> AppResult<Option<SecretValue>> {
    match (secret_string, secret_binary_base64) {
        (Some(_), Some(_)) => Err(coffer_engine::both_values_error().into()),
        (Some(s), None) => Ok(Some(SecretValue::string(s))),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map(|bytes| Some(SecretValue::binary(bytes)))
            .map_err(|_| {
                AppError::new(
                    "InvalidParameterException",
                    "secretBinaryBase64 is not valid base64.",
                )
            }),
        (None, None) => Ok(None),
    }
}

/// `create_secret` request.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct CreateSecretRequest {
    /// Name, 1–512 characters.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Key id, ARN or alias (default `aws/secretsmanager`).
    pub kms_key_id: Option<String>,
    /// A string value.
    pub secret_string: Option<String>,
    /// A binary value in base64.
    pub secret_binary_base64: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

impl std::fmt::Debug for CreateSecretRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSecretRequest")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// ARN, name and the version a write created (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SecretRefView {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// The new version, when one was created.
    pub version_id: Option<String>,
}

/// CreateSecret.
pub async fn create_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: CreateSecretRequest,
) -> AppResult<SecretRefView> {
    let value = value_of(req.secret_string, req.secret_binary_base64)?;
    let out = engine
        .create_secret(
            ctx,
            CreateSecretInput {
                name: req.name,
                description: req.description,
                kms_key_id: req.kms_key_id,
                value,
                tags: req.tags.into_iter().map(Into::into).collect(),
                ..CreateSecretInput::default()
            },
        )
        .await?;
    Ok(SecretRefView {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}

/// `put_secret_value` request.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct PutSecretValueRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// A string value.
    pub secret_string: Option<String>,
    /// A binary value in base64.
    pub secret_binary_base64: Option<String>,
    /// Labels for the new version (default AWSCURRENT).
    pub version_stages: Option<Vec<String>>,
}

impl std::fmt::Debug for PutSecretValueRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutSecretValueRequest")
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

/// PutSecretValue: a new version.
pub async fn put_secret_value(
    engine: &Engine,
    ctx: &RequestContext,
    req: PutSecretValueRequest,
) -> AppResult<SecretRefView> {
    let value = value_of(req.secret_string, req.secret_binary_base64)?;
    let out = engine
        .put_secret_value(
            ctx,
            PutSecretValueInput {
                secret_id: req.secret_id,
                value,
                version_stages: req.version_stages,
                ..PutSecretValueInput::default()
            },
        )
        .await?;
    Ok(SecretRefView {
        arn: out.arn,
        name: out.name,
        version_id: Some(out.version_id),
    })
}

/// `update_secret` request (metadata only; new values go through `put_secret_value`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateSecretRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// New description.
    pub description: Option<String>,
    /// New key (empty = the default key).
    pub kms_key_id: Option<String>,
}

/// UpdateSecret (description and key).
pub async fn update_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: UpdateSecretRequest,
) -> AppResult<SecretRefView> {
    let out = engine
        .update_secret(
            ctx,
            UpdateSecretInput {
                secret_id: req.secret_id,
                description: req.description,
                kms_key_id: req.kms_key_id,
                ..UpdateSecretInput::default()
            },
        )
        .await?;
    Ok(SecretRefView {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}

/// `delete_secret` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct DeleteSecretRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// 7–30 days (default 30).
    pub recovery_window_in_days: Option<u32>,
    /// Delete now, without recovery.
    pub force_delete_without_recovery: bool,
}

/// The outcome of DeleteSecret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DeletionView {
    /// ARN (absent when a forced delete found nothing).
    pub arn: Option<String>,
    /// Name.
    pub name: String,
    /// When the secret is (or was) deleted for good.
    pub deletion_date: String,
}

/// DeleteSecret (with a recovery window unless forced).
pub async fn delete_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: DeleteSecretRequest,
) -> AppResult<DeletionView> {
    let out = engine
        .delete_secret(
            ctx,
            DeleteSecretInput {
                secret_id: req.secret_id,
                recovery_window_in_days: req.recovery_window_in_days.map(i64::from),
                force_delete_without_recovery: req.force_delete_without_recovery.then_some(true),
            },
        )
        .await?;
    Ok(DeletionView {
        arn: out.arn,
        name: out.name,
        deletion_date: rfc3339(out.deletion_date),
    })
}

/// RestoreSecret: cancels a planned deletion.
pub async fn restore_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<SecretRefView> {
    let out = engine.restore_secret(ctx, &req.secret_id).await?;
    Ok(SecretRefView {
        arn: out.arn,
        name: out.name,
        version_id: None,
    })
}

/// `tag_secret` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TagSecretRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// Tags to add or overwrite.
    pub tags: Vec<Tag>,
}

/// TagResource.
pub async fn tag_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: TagSecretRequest,
) -> AppResult<()> {
    let tags = req.tags.into_iter().map(Into::into).collect();
    Ok(engine.tag_resource(ctx, &req.secret_id, tags).await?)
}

/// `untag_secret` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UntagSecretRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// Tag keys to remove.
    pub tag_keys: Vec<String>,
}

/// UntagResource.
pub async fn untag_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: UntagSecretRequest,
) -> AppResult<()> {
    Ok(engine
        .untag_resource(ctx, &req.secret_id, req.tag_keys)
        .await?)
}

/// `move_staging_label` request (AWS UpdateSecretVersionStage).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MoveStagingLabelRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// The label.
    pub label: String,
    /// The version to put it on (absent = only remove it).
    #[serde(default)]
    pub move_to_version_id: Option<String>,
    /// The version that has it now (required when it is on one).
    #[serde(default)]
    pub remove_from_version_id: Option<String>,
}

/// UpdateSecretVersionStage: moving AWSCURRENT also moves AWSPREVIOUS, as AWS does.
pub async fn move_staging_label(
    engine: &Engine,
    ctx: &RequestContext,
    req: MoveStagingLabelRequest,
) -> AppResult<()> {
    engine
        .update_secret_version_stage(
            ctx,
            UpdateSecretVersionStageInput {
                secret_id: req.secret_id,
                version_stage: req.label,
                remove_from_version_id: req.remove_from_version_id,
                move_to_version_id: req.move_to_version_id,
            },
        )
        .await?;
    Ok(())
}

/// `get_random_password` request (AWS GetRandomPassword's rules).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct GetRandomPasswordRequest {
    /// 1–4096 (default 32).
    pub password_length: Option<u32>,
    /// Characters never to use.
    pub exclude_characters: Option<String>,
    /// No digits.
    pub exclude_numbers: bool,
    /// No punctuation.
    pub exclude_punctuation: bool,
    /// No upper case.
    pub exclude_uppercase: bool,
    /// No lower case.
    pub exclude_lowercase: bool,
    /// Allow spaces.
    pub include_space: bool,
    /// At least one character of every included type.
    pub require_each_included_type: bool,
}

impl Default for GetRandomPasswordRequest {
    fn default() -> Self {
        GetRandomPasswordRequest {
            password_length: None,
            exclude_characters: None,
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// GetRandomPassword.
pub async fn get_random_password(
    engine: &Engine,
    ctx: &RequestContext,
    req: GetRandomPasswordRequest,
) -> AppResult<String> {
    let defaults = coffer_engine::password::PasswordRules::default();
    let rules = coffer_engine::password::PasswordRules {
        length: req.password_length.unwrap_or(defaults.length),
        exclude_characters: req.exclude_characters.unwrap_or_default(),
        exclude_numbers: req.exclude_numbers,
        exclude_punctuation: req.exclude_punctuation,
        exclude_uppercase: req.exclude_uppercase,
        exclude_lowercase: req.exclude_lowercase,
        include_space: req.include_space,
        require_each_included_type: req.require_each_included_type,
    };
    let pw = engine.get_random_password(ctx, rules).await?;
    Ok(String::from_utf8_lossy(pw.expose()).into_owned())
}

/// GetResourcePolicy: the policy JSON, or `None`.
pub async fn get_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<Option<String>> {
    Ok(engine
        .get_resource_policy(ctx, &req.secret_id)
        .await?
        .resource_policy)
}

/// `put_resource_policy` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PutResourcePolicyRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// The policy JSON.
    pub policy: String,
    /// Refuse a policy that grants broad access.
    #[serde(default)]
    pub block_public_policy: bool,
}

/// PutResourcePolicy.
pub async fn put_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: PutResourcePolicyRequest,
) -> AppResult<()> {
    engine
        .put_resource_policy(ctx, &req.secret_id, &req.policy, req.block_public_policy)
        .await?;
    Ok(())
}

/// DeleteResourcePolicy.
pub async fn delete_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<()> {
    engine.delete_resource_policy(ctx, &req.secret_id).await?;
    Ok(())
}

/// Which kind of policy a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    /// Attached to a user, role or group (no `Principal`).
    Identity,
    /// Attached to a secret (with `Principal`).
    Resource,
}

/// `validate_policy` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ValidatePolicyRequest {
    /// The policy JSON.
    pub policy: String,
    /// Identity or resource policy.
    pub kind: PolicyKind,
    /// For a resource policy: the secret it is for (lockout checks use it).
    #[serde(default)]
    pub secret_id: Option<String>,
}

/// One validation finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PolicyValidationError {
    /// `SYNTAX_CHECKING`, `BROAD_ACCESS_CHECKING`, `LOCKOUT_CHECKING`, …
    pub check_name: String,
    /// What is wrong.
    pub message: String,
}

/// The result of validating a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PolicyValidation {
    /// True when no check failed (warnings do not fail it).
    pub passed: bool,
    /// Findings, errors and warnings.
    pub errors: Vec<PolicyValidationError>,
}

/// Validates a resource policy (ValidateResourcePolicy) or an identity policy (IAM's
/// parser: a malformed document is one `SYNTAX_CHECKING` finding).
pub async fn validate_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: ValidatePolicyRequest,
) -> AppResult<PolicyValidation> {
    match req.kind {
        PolicyKind::Resource => {
            let v = engine
                .validate_resource_policy(ctx, req.secret_id.as_deref(), &req.policy)
                .await?;
            Ok(PolicyValidation {
                passed: v.passed,
                errors: v
                    .errors
                    .into_iter()
                    .map(|f| PolicyValidationError {
                        check_name: f.check_name,
                        message: f.error_message,
                    })
                    .collect(),
            })
        }
        PolicyKind::Identity => {
            match coffer_policy::Policy::parse(&req.policy, coffer_policy::PolicyKind::Identity) {
                Ok(_) => Ok(PolicyValidation {
                    passed: true,
                    errors: Vec::new(),
                }),
                Err(e) => Ok(PolicyValidation {
                    passed: false,
                    errors: vec![PolicyValidationError {
                        check_name: coffer_policy::CHECK_SYNTAX.into(),
                        message: e.to_string(),
                    }],
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_of_refuses_both_and_bad_base64() {
        assert_eq!(
            value_of(Some("a".into()), Some("YQ==".into()))
                .unwrap_err()
                .code,
            "InvalidParameterException"
        );
        assert_eq!(
            value_of(None, Some("*not base64*".into()))
                .unwrap_err()
                .code,
            "InvalidParameterException"
        );
        let v = value_of(None, Some("AAEC".into())).unwrap().unwrap();
        assert_eq!(v.bytes().expose(), &[0, 1, 2]);
        assert!(value_of(None, None).unwrap().is_none());
    }

    #[test]
    fn list_request_defaults_from_empty_object() {
        let r: ListSecretsRequest = serde_json::from_str("{}").unwrap();
        assert!(r.search.is_none() && r.filters.is_empty() && !r.include_planned_deletion);
        let r: ListSecretsRequest =
            serde_json::from_str(r#"{"sortBy":"last-changed-date","sortOrder":"desc"}"#).unwrap();
        assert_eq!(r.sort_by, Some(SortBy::LastChangedDate));
        assert_eq!(r.sort_order, Some(SortOrder::Desc));
    }
}
