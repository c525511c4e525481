//! The actions that change secrets: create, put, update, label moves, delete, restore,
//! purge, tags.

use chrono::{DateTime, Utc};
use coffer_store::{SecretRow, VersionRow};

use super::labels::{self, LabelMap};
use super::{
    MAX_TAGS, MAX_VERSIONS, PRUNE_MIN_AGE_MS, SecretValue, Tag, date, new_token,
    validate_description, validate_name, validate_stage, validate_tags, validate_token,
    validate_version_id,
};
use crate::error::{Error, ErrorCode, Result};
use crate::{Engine, Op, Principal, RequestContext, Source};

/// CreateSecret input.
#[derive(Debug, Clone, Default)]
pub struct CreateSecretInput {
    /// The name (1–512 characters).
    pub name: String,
    /// Idempotency token; becomes the first version's id.
    pub client_request_token: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Key id, key ARN, alias or alias ARN; default `aws/secretsmanager`.
    pub kms_key_id: Option<String>,
    /// The first value, if any.
    pub value: Option<SecretValue>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Partner type.
    pub secret_type: Option<String>,
    /// Replica regions (not supported by a single local store).
    pub add_replica_regions: Vec<String>,
}

/// CreateSecret output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSecretOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Version id, when a value was stored.
    pub version_id: Option<String>,
}

/// PutSecretValue input.
#[derive(Debug, Clone, Default)]
pub struct PutSecretValueInput {
    /// Name or ARN.
    pub secret_id: String,
    /// Idempotency token; becomes the version id.
    pub client_request_token: Option<String>,
    /// The value (required).
    pub value: Option<SecretValue>,
    /// Labels to attach; default `AWSCURRENT`.
    pub version_stages: Option<Vec<String>>,
    /// Cross-account rotation token (accepted and ignored locally).
    pub rotation_token: Option<String>,
}

/// PutSecretValue output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutSecretValueOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Version id.
    pub version_id: String,
    /// Labels on the version afterwards.
    pub version_stages: Vec<String>,
}

/// UpdateSecret input.
#[derive(Debug, Clone, Default)]
pub struct UpdateSecretInput {
    /// Name or ARN.
    pub secret_id: String,
    /// Idempotency token for a new value.
    pub client_request_token: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New key; empty string = back to the default key.
    pub kms_key_id: Option<String>,
    /// New value (creates a version and moves AWSCURRENT).
    pub value: Option<SecretValue>,
    /// New partner type.
    pub secret_type: Option<String>,
}

/// ARN and name, the output of several actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
}

/// UpdateSecret output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSecretOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Only when a new version was created.
    pub version_id: Option<String>,
}

/// UpdateSecretVersionStage input.
#[derive(Debug, Clone, Default)]
pub struct UpdateSecretVersionStageInput {
    /// Name or ARN.
    pub secret_id: String,
    /// The label to move.
    pub version_stage: String,
    /// The version that has it now.
    pub remove_from_version_id: Option<String>,
    /// The version to put it on.
    pub move_to_version_id: Option<String>,
}

/// DeleteSecret input.
#[derive(Debug, Clone, Default)]
pub struct DeleteSecretInput {
    /// Name or ARN.
    pub secret_id: String,
    /// 7–30 days (default 30).
    pub recovery_window_in_days: Option<i64>,
    /// Delete now, without recovery.
    pub force_delete_without_recovery: Option<bool>,
}

/// DeleteSecret output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteSecretOutput {
    /// ARN (absent when a forced delete found nothing).
    pub arn: Option<String>,
    /// Name.
    pub name: String,
    /// When the secret is (or was) deleted for good.
    pub deletion_date: DateTime<Utc>,
}

async fn load_labels(op: &mut Op<'_>, secret_id: i64) -> Result<LabelMap> {
    Ok(coffer_store::list_labels(op.tx.conn(), secret_id)
        .await?
        .into_iter()
        .map(|l| (l.label, l.version_id))
        .collect())
}

/// Writes the difference between two label maps (removals, then one batched upsert).
async fn write_labels(
    op: &mut Op<'_>,
    secret_id: i64,
    old: &LabelMap,
    new: &LabelMap,
) -> Result<()> {
    for label in old.keys().filter(|l| !new.contains_key(*l)) {
        coffer_store::remove_label(op.tx.conn(), secret_id, label).await?;
    }
    let moved: Vec<(&str, &str)> = new
        .iter()
        .filter(|(label, version)| old.get(*label) != Some(*version))
        .map(|(l, v)| (l.as_str(), v.as_str()))
        .collect();
    coffer_store::set_labels(op.tx.conn(), secret_id, &moved).await?;
    Ok(())
}

fn validate_stages(stages: &[String]) -> Result<()> {
    if stages.is_empty() || stages.len() > 20 {
        return Err(Error::validation(
            "versionStages",
            "Member must have length between 1 and 20",
        ));
    }
    for s in stages {
        validate_stage("versionStages.member", s)?;
    }
    Ok(())
}

fn exists_error(token: &str, arn: &str) -> Error {
    Error::new(
        ErrorCode::ResourceExists,
        format!(
            "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
        ),
    )
}

/// Both SecretString and SecretBinary were given (the transports detect it; the engine types cannot express it).
pub fn both_values_error() -> Error {
    Error::invalid_parameter(
        "You can't specify both a binary secret value and a string secret value in the same secret.",
    )
}

impl Engine {
    /// Stores `value` as version `token` of `secret` with `stages`, AWS-exactly: an
    /// existing version with the same token and value is returned unchanged; the same token
    /// with another value is `ResourceExistsException`; a value-less placeholder with that
    /// token is filled. Returns the version's labels afterwards.
    async fn store_version(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        token: &str,
        value: &SecretValue,
        stages: &[String],
    ) -> Result<(Vec<String>, bool)> {
        let old = load_labels(op, secret.id).await?;
        // The common case first: seal and insert; the primary key says whether the token
        // is new, so a fresh version costs no extra lookup.
        let mut row = self.seal_value(op, secret, token, value).await?;
        let count = coffer_store::insert_version_if_absent(op.tx.conn(), &row).await?;
        let created = count.is_some();
        if !created {
            let existing = coffer_store::find_version(op.tx.conn(), secret.id, token)
                .await?
                .ok_or_else(|| Error::internal(std::io::Error::other("version vanished")))?;
            match self.open_value(op, secret, &existing).await? {
                Some(stored) if stored == *value => {
                    let labels = labels::labels_of(&old, token)
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    return Ok((labels, false));
                }
                Some(_) => return Err(exists_error(token, &secret.arn)),
                None => {
                    // Fill the placeholder RotateSecret created.
                    row.created_at = existing.created_at;
                    coffer_store::update_version_value(op.tx.conn(), &row).await?;
                }
            }
        }
        let new = labels::attach(&old, token, stages)?;
        write_labels(op, secret.id, &old, &new).await?;
        // Pruning is due only past the quota; the insert told us the count.
        if count.is_some_and(|n| n > MAX_VERSIONS) {
            self.prune_versions(op, secret.id).await?;
        }
        let labels = labels::labels_of(&new, token)
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok((labels, true))
    }

    /// Deletes deprecated (unlabelled) versions past the 100-version quota, oldest first,
    /// never one younger than 24 hours.
    async fn prune_versions(&self, op: &mut Op<'_>, secret_id: i64) -> Result<()> {
        let pruned = coffer_store::prune_versions(
            op.tx.conn(),
            secret_id,
            op.now - PRUNE_MIN_AGE_MS,
            MAX_VERSIONS,
        )
        .await?;
        if !pruned.is_empty() {
            op.event.detail("prunedVersions", pruned);
        }
        Ok(())
    }

    /// CreateSecret.
    pub async fn create_secret(
        &self,
        ctx: &RequestContext,
        input: CreateSecretInput,
    ) -> Result<CreateSecretOutput> {
        let mut op = self.begin(ctx, "CreateSecret").await?;
        let result = self.create_secret_in(&mut op, input).await;
        self.finish(op, result).await
    }

    async fn create_secret_in(
        &self,
        op: &mut Op<'_>,
        input: CreateSecretInput,
    ) -> Result<CreateSecretOutput> {
        validate_name(&input.name)?;
        if let Some(d) = &input.description {
            validate_description(d)?;
        }
        if let Some(t) = &input.client_request_token {
            validate_token(t)?;
        }
        if let Some(v) = &input.value {
            v.validate()?;
        }
        validate_tags(&input.tags)?;
        if input.tags.len() > MAX_TAGS {
            return Err(Error::validation(
                "tags",
                "Member must have length less than or equal to 50",
            ));
        }
        if let Some(t) = &input.secret_type {
            if t.chars().count() > 256 {
                return Err(Error::validation(
                    "type",
                    "Member must have length less than or equal to 256",
                ));
            }
        }
        if !input.add_replica_regions.is_empty() {
            return Err(Error::invalid_request(
                "Replication is not available: a local Coffer store has a single region per name. Create the secret in each region instead.",
            ));
        }
        let region = op.region.clone();
        op.event.detail("name", input.name.as_str());
        // Authorized against the ARN the secret would get, before anything is looked up.
        let new_arn = self.secret_arn(&region, &input.name);
        let mut keys = crate::authz::request_tag_keys(&input.tags);
        keys.push(crate::authz::key(
            coffer_policy::keys::NAME,
            input.name.clone(),
        ));
        if let Some(d) = &input.description {
            keys.push(crate::authz::key(
                coffer_policy::keys::DESCRIPTION,
                d.clone(),
            ));
        }
        if let Some(k) = &input.kms_key_id {
            keys.push(crate::authz::key(
                coffer_policy::keys::KMS_KEY_ID,
                k.clone(),
            ));
        }
        self.authorize_on(op, &new_arn, None, &keys).await?;
        let mut existing =
            coffer_store::find_secret_by_name(op.tx.conn(), &region, &input.name).await?;
        if let Some(s) = &existing {
            if s.deletion_date.is_some_and(|d| d <= op.now) {
                self.purge(op, s).await?;
                existing = None;
            }
        }
        if let Some(s) = existing {
            // A retry compares the stored value with the one given (same → 200, different →
            // ResourceExists): a value oracle, so the existing secret's own policies (its
            // ARN, tags and resource policy) must allow the caller before anything about it
            // is told. The message names the secret as asked, not by its ARN.
            self.authorize_on(op, &s.arn, Some(&s), &keys)
                .await
                .map_err(|e| super::denied_as_asked(e, &s.arn, &input.name))?;
            op.event.resource_arn = Some(s.arn.clone());
            if s.deleted_at.is_some() {
                return Err(Error::invalid_request(
                    "You can't create this secret because a secret with this name is already scheduled for deletion.",
                ));
            }
            if let (Some(token), Some(value)) = (&input.client_request_token, &input.value) {
                if let Some(v) = coffer_store::find_version(op.tx.conn(), s.id, token).await? {
                    return match self.open_value(op, &s, &v).await? {
                        Some(stored) if stored == *value => Ok(CreateSecretOutput {
                            arn: s.arn,
                            name: s.name,
                            version_id: Some(token.clone()),
                        }),
                        _ => Err(exists_error(token, &s.arn)),
                    };
                }
            }
            return Err(Error::new(
                ErrorCode::ResourceExists,
                format!(
                    "The operation failed because the secret {} already exists.",
                    input.name
                ),
            ));
        }
        let key = match input.kms_key_id.as_deref() {
            None | Some("") => self.default_key(op).await?,
            Some(spec) => self.resolve_key(op, spec).await?,
        };
        let mut row = SecretRow {
            id: 0,
            arn: new_arn,
            region,
            name: input.name.clone(),
            description: input.description.clone(),
            // AWS omits KmsKeyId for the managed default key, even when it was named.
            kms_key_id: input
                .kms_key_id
                .clone()
                .filter(|k| !k.is_empty() && !key.managed),
            key_id: key.key_id.clone(),
            secret_type: input.secret_type.clone(),
            owning_service: None,
            resource_policy: None,
            created_at: op.now,
            last_changed_at: op.now,
            last_accessed_at: None,
            deleted_at: None,
            deletion_date: None,
        };
        row.id = coffer_store::insert_secret(op.tx.conn(), &row).await?;
        op.event.resource_arn = Some(row.arn.clone());
        for t in &input.tags {
            coffer_store::upsert_tag(op.tx.conn(), row.id, &t.key, &t.value).await?;
        }
        let version_id = match &input.value {
            Some(value) => {
                let token = input.client_request_token.clone().unwrap_or_else(new_token);
                self.store_version(op, &row, &token, value, &[super::AWSCURRENT.to_owned()])
                    .await?;
                op.event.version_id = Some(token.clone());
                Some(token)
            }
            None => None,
        };
        Ok(CreateSecretOutput {
            arn: row.arn,
            name: row.name,
            version_id,
        })
    }

    /// PutSecretValue.
    pub async fn put_secret_value(
        &self,
        ctx: &RequestContext,
        input: PutSecretValueInput,
    ) -> Result<PutSecretValueOutput> {
        let mut op = self.begin(ctx, "PutSecretValue").await?;
        let result = async {
            if let Some(t) = &input.client_request_token {
                validate_token(t)?;
            }
            let Some(value) = &input.value else {
                return Err(Error::invalid_request(
                    "You must provide either SecretString or SecretBinary.",
                ));
            };
            value.validate()?;
            let stages = input
                .version_stages
                .clone()
                .unwrap_or_else(|| vec![super::AWSCURRENT.to_owned()]);
            validate_stages(&stages)?;
            let mut secret = self.require_secret(&mut op, &input.secret_id).await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            let token = input.client_request_token.clone().unwrap_or_else(new_token);
            op.event.version_id = Some(token.clone());
            op.event.detail("versionStages", stages.clone());
            let (labels, changed) = self
                .store_version(&mut op, &secret, &token, value, &stages)
                .await?;
            if changed {
                secret.last_changed_at = op.now;
                coffer_store::update_secret(op.tx.conn(), &secret).await?;
            }
            Ok(PutSecretValueOutput {
                arn: secret.arn,
                name: secret.name,
                version_id: token,
                version_stages: labels,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// UpdateSecret: metadata, and optionally a new value that becomes AWSCURRENT.
    pub async fn update_secret(
        &self,
        ctx: &RequestContext,
        input: UpdateSecretInput,
    ) -> Result<UpdateSecretOutput> {
        let mut op = self.begin(ctx, "UpdateSecret").await?;
        let result = async {
            if let Some(t) = &input.client_request_token {
                validate_token(t)?;
            }
            if let Some(d) = &input.description {
                validate_description(d)?;
            }
            if let Some(v) = &input.value {
                v.validate()?;
            }
            let mut keys = Vec::new();
            if let Some(d) = &input.description {
                keys.push(crate::authz::key(
                    coffer_policy::keys::DESCRIPTION,
                    d.clone(),
                ));
            }
            if let Some(k) = &input.kms_key_id {
                keys.push(crate::authz::key(
                    coffer_policy::keys::KMS_KEY_ID,
                    k.clone(),
                ));
            }
            let mut secret = self
                .require_secret_with(&mut op, &input.secret_id, keys)
                .await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            let mut changed = false;
            if let Some(d) = &input.description {
                secret.description = Some(d.clone());
                changed = true;
            }
            if let Some(t) = &input.secret_type {
                secret.secret_type = Some(t.clone());
                changed = true;
            }
            if let Some(spec) = &input.kms_key_id {
                let key = if spec.is_empty() {
                    self.default_key(&mut op).await?
                } else {
                    self.resolve_key(&mut op, spec).await?
                };
                if key.key_id != secret.key_id {
                    secret.key_id = key.key_id.clone();
                    secret.kms_key_id =
                        Some(spec.clone()).filter(|s| !s.is_empty() && !key.managed);
                    self.reencrypt_labelled(&mut op, &secret).await?;
                    op.event.detail("kmsKeyId", key.arn.clone());
                } else {
                    secret.kms_key_id =
                        Some(spec.clone()).filter(|s| !s.is_empty() && !key.managed);
                }
                changed = true;
            }
            let mut version_id = None;
            if let Some(value) = &input.value {
                let token = input.client_request_token.clone().unwrap_or_else(new_token);
                let (_, created) = self
                    .store_version(
                        &mut op,
                        &secret,
                        &token,
                        value,
                        &[super::AWSCURRENT.to_owned()],
                    )
                    .await?;
                changed |= created;
                op.event.version_id = Some(token.clone());
                version_id = Some(token);
            }
            if changed {
                secret.last_changed_at = op.now;
            }
            coffer_store::update_secret(op.tx.conn(), &secret).await?;
            Ok(UpdateSecretOutput {
                arn: secret.arn,
                name: secret.name,
                version_id,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Re-encrypts the AWSCURRENT, AWSPENDING and AWSPREVIOUS versions under the secret's
    /// (new) key, as UpdateSecret with a new KmsKeyId does on AWS.
    async fn reencrypt_labelled(&self, op: &mut Op<'_>, secret: &SecretRow) -> Result<()> {
        let labels = load_labels(op, secret.id).await?;
        let mut done = std::collections::BTreeSet::new();
        for l in [super::AWSCURRENT, super::AWSPENDING, super::AWSPREVIOUS] {
            let Some(vid) = labels.get(l) else { continue };
            if !done.insert(vid.clone()) {
                continue;
            }
            let Some(v) = coffer_store::find_version(op.tx.conn(), secret.id, vid).await? else {
                continue;
            };
            // Open with the key that sealed it (the old one), seal under the new one.
            let Some(value) = self.open_value(op, secret, &v).await? else {
                continue;
            };
            let mut row: VersionRow = self.seal_value(op, secret, vid, &value).await?;
            row.created_at = v.created_at;
            coffer_store::update_version_value(op.tx.conn(), &row).await?;
        }
        Ok(())
    }

    /// UpdateSecretVersionStage.
    pub async fn update_secret_version_stage(
        &self,
        ctx: &RequestContext,
        input: UpdateSecretVersionStageInput,
    ) -> Result<SecretRef> {
        let mut op = self.begin(ctx, "UpdateSecretVersionStage").await?;
        let result = async {
            validate_stage("versionStage", &input.version_stage)?;
            if let Some(v) = &input.remove_from_version_id {
                validate_version_id("removeFromVersionId", v)?;
            }
            if let Some(v) = &input.move_to_version_id {
                validate_version_id("moveToVersionId", v)?;
            }
            let keys = vec![crate::authz::key(
                coffer_policy::keys::VERSION_STAGE,
                input.version_stage.clone(),
            )];
            let mut secret = self
                .require_secret_with(&mut op, &input.secret_id, keys)
                .await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            op.event.version_id = input.move_to_version_id.clone();
            op.event
                .detail("versionStage", input.version_stage.as_str());
            if let Some(r) = &input.remove_from_version_id {
                op.event.detail("removeFromVersionId", r.as_str());
            }
            let versions: std::collections::HashSet<String> =
                coffer_store::list_versions(op.tx.conn(), secret.id)
                    .await?
                    .into_iter()
                    .map(|v| v.version_id)
                    .collect();
            let old = load_labels(&mut op, secret.id).await?;
            let new = labels::update_stage(
                &old,
                &input.version_stage,
                input.remove_from_version_id.as_deref(),
                input.move_to_version_id.as_deref(),
                |id| versions.contains(id),
            )?;
            write_labels(&mut op, secret.id, &old, &new).await?;
            if old != new {
                secret.last_changed_at = op.now;
                coffer_store::update_secret(op.tx.conn(), &secret).await?;
            }
            Ok(SecretRef {
                arn: secret.arn,
                name: secret.name,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// DeleteSecret: schedules deletion after a 7–30 day recovery window, or deletes now.
    pub async fn delete_secret(
        &self,
        ctx: &RequestContext,
        input: DeleteSecretInput,
    ) -> Result<DeleteSecretOutput> {
        let mut op = self.begin(ctx, "DeleteSecret").await?;
        let result = async {
            let force = input.force_delete_without_recovery.unwrap_or(false);
            if force && input.recovery_window_in_days.is_some() {
                return Err(Error::invalid_parameter(
                    "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
                ));
            }
            let days = input.recovery_window_in_days.unwrap_or(30);
            if !(7..=30).contains(&days) {
                return Err(Error::invalid_parameter(
                    "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
                ));
            }
            let mut keys = vec![crate::authz::key(
                coffer_policy::keys::FORCE_DELETE_WITHOUT_RECOVERY,
                force.to_string(),
            )];
            if let Some(d) = input.recovery_window_in_days {
                keys.push(crate::authz::key(coffer_policy::keys::RECOVERY_WINDOW_IN_DAYS, d.to_string()));
            }
            let found = self.authorized_secret(&mut op, &input.secret_id, keys).await?;
            let Some(mut secret) = found else {
                if force {
                    // AWS: a forced delete of an unknown secret succeeds.
                    return Ok(DeleteSecretOutput {
                        arn: None,
                        name: input.secret_id.clone(),
                        deletion_date: date(op.now),
                    });
                }
                return Err(Error::not_found());
            };
            op.event.resource_arn = Some(secret.arn.clone());
            if force {
                op.event.detail("forceDeleteWithoutRecovery", true);
                self.delete_rows(&mut op, &secret).await?;
                return Ok(DeleteSecretOutput {
                    arn: Some(secret.arn),
                    name: secret.name,
                    deletion_date: date(op.now),
                });
            }
            if secret.deleted_at.is_some() {
                return Err(Error::invalid_request(
                    "You can't perform this operation on the secret because it was already scheduled for deletion.",
                ));
            }
            let deletion = op.now + days * 86_400_000;
            secret.deleted_at = Some(op.now);
            secret.deletion_date = Some(deletion);
            coffer_store::update_secret(op.tx.conn(), &secret).await?;
            op.event.detail("recoveryWindowInDays", days);
            Ok(DeleteSecretOutput {
                arn: Some(secret.arn),
                name: secret.name,
                deletion_date: date(deletion),
            })
        }
        .await;
        self.finish(op, result).await
    }

    async fn delete_rows(&self, op: &mut Op<'_>, secret: &SecretRow) -> Result<()> {
        coffer_store::delete_secret(op.tx.conn(), secret.id).await?;
        Ok(())
    }

    /// Deletes a secret whose recovery window ended, with its own audit event.
    pub(crate) async fn purge(&self, op: &mut Op<'_>, secret: &SecretRow) -> Result<()> {
        self.delete_rows(op, secret).await?;
        let mut e = crate::audit::EventDraft::new("PurgeSecret");
        e.region = Some(secret.region.clone());
        e.resource_arn = Some(secret.arn.clone());
        e.allow("recovery window ended");
        e.principal = Some("coffer".into());
        op.extra_events.push(e.ok());
        Ok(())
    }

    /// Deletes every secret whose recovery window has ended. Runs at unseal; the scheduler
    /// will also run it periodically. Returns the number purged.
    pub async fn purge_expired(&self, ctx: &RequestContext) -> Result<usize> {
        let ctx = RequestContext {
            principal: Principal::Coffer,
            source: Source::Scheduler,
            ..ctx.clone()
        };
        // `begin` purges every secret whose window has ended, each with its own event;
        // a sweep always looks, whenever the last check was.
        self.inner
            .next_purge_check
            .store(i64::MIN, std::sync::atomic::Ordering::Relaxed);
        let mut op = self.begin(&ctx, "PurgeExpiredSecrets").await?;
        let purged = op.extra_events.len();
        if purged == 0 {
            // Nothing due: roll back quietly rather than log an empty sweep on every unseal.
            op.tx.rollback().await?;
            return Ok(0);
        }
        let result = self.authorize(&mut op, None).await.map(|()| purged);
        self.finish(op, result).await
    }

    /// RestoreSecret: cancels a scheduled deletion (a no-op on a secret that is not deleted).
    pub async fn restore_secret(&self, ctx: &RequestContext, secret_id: &str) -> Result<SecretRef> {
        let mut op = self.begin(ctx, "RestoreSecret").await?;
        let result = async {
            let mut secret = self.require_secret(&mut op, secret_id).await?;
            if secret.deleted_at.is_some() {
                secret.deleted_at = None;
                secret.deletion_date = None;
                coffer_store::update_secret(op.tx.conn(), &secret).await?;
            }
            Ok(SecretRef {
                arn: secret.arn,
                name: secret.name,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// TagResource: adds tags, overwriting the value of an existing key.
    pub async fn tag_resource(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        tags: Vec<Tag>,
    ) -> Result<()> {
        let mut op = self.begin(ctx, "TagResource").await?;
        let result = async {
            if tags.is_empty() {
                return Err(Error::validation(
                    "tags",
                    "Member must have length greater than or equal to 1",
                ));
            }
            validate_tags(&tags)?;
            let keys = crate::authz::request_tag_keys(&tags);
            let mut secret = self.require_secret_with(&mut op, secret_id, keys).await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            let existing = coffer_store::list_tags(op.tx.conn(), secret.id).await?;
            let mut keys: std::collections::BTreeSet<&str> =
                existing.iter().map(|(k, _)| k.as_str()).collect();
            for t in &tags {
                keys.insert(&t.key);
            }
            if keys.len() > MAX_TAGS {
                return Err(Error::invalid_parameter(format!(
                    "A secret can have at most {MAX_TAGS} tags."
                )));
            }
            for t in &tags {
                coffer_store::upsert_tag(op.tx.conn(), secret.id, &t.key, &t.value).await?;
            }
            op.event.detail(
                "tagKeys",
                tags.iter().map(|t| t.key.clone()).collect::<Vec<_>>(),
            );
            secret.last_changed_at = op.now;
            coffer_store::update_secret(op.tx.conn(), &secret).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// UntagResource: removes tag keys (missing keys are ignored).
    pub async fn untag_resource(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        keys: Vec<String>,
    ) -> Result<()> {
        let mut op = self.begin(ctx, "UntagResource").await?;
        let result = async {
            for k in &keys {
                if k.is_empty() || k.chars().count() > 128 {
                    return Err(Error::validation(
                        "tagKeys.member",
                        "Member must have length between 1 and 128",
                    ));
                }
            }
            let condition = vec![(coffer_policy::keys::TAG_KEYS.to_owned(), keys.clone())];
            let mut secret = self
                .require_secret_with(&mut op, secret_id, condition)
                .await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            for k in &keys {
                coffer_store::delete_tag(op.tx.conn(), secret.id, k).await?;
            }
            op.event.detail("tagKeys", keys.clone());
            secret.last_changed_at = op.now;
            coffer_store::update_secret(op.tx.conn(), &secret).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }
}
