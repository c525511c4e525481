//! AWS Secrets Manager's JSON 1.1 interface over the engine.
//!
//! Request and response members use AWS's PascalCase names; empty members are omitted;
//! timestamps are epoch seconds; `SecretBinary` is base64 text.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use coffer_engine::password::PasswordRules;
use coffer_engine::rotation::{RotateSecretInput, RotationRules};
use coffer_engine::{
    BatchGetSecretValueInput, CreateSecretInput, DeleteSecretInput, Engine, GetSecretValueInput,
    ListSecretVersionIdsInput, ListSecretsInput, PutSecretValueInput, RequestContext,
    SecretDescription, SecretValue, SecretValueOutput, Tag, UpdateSecretInput,
    UpdateSecretVersionStageInput,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::{ApiError, epoch_opt, epoch_req};

/// Every action of the Secrets Manager API, and whether this build serves it.
pub const ACTIONS: &[(&str, bool)] = &[
    ("BatchGetSecretValue", true),
    ("CancelRotateSecret", true),
    ("CreateSecret", true),
    ("DeleteResourcePolicy", true),
    ("DeleteSecret", true),
    ("DescribeSecret", true),
    ("GetRandomPassword", true),
    ("GetResourcePolicy", true),
    ("GetSecretValue", true),
    ("ListSecretVersionIds", true),
    ("ListSecrets", true),
    ("PutResourcePolicy", true),
    ("PutSecretValue", true),
    ("RemoveRegionsFromReplication", false),
    ("ReplicateSecretToRegions", false),
    ("RestoreSecret", true),
    ("RotateSecret", true),
    ("StopReplicationToReplica", false),
    ("TagResource", true),
    ("UntagResource", true),
    ("UpdateSecret", true),
    ("UpdateSecretVersionStage", true),
    ("ValidateResourcePolicy", true),
];

/// The action recorded for a refused request that named no action of this API.
pub const UNKNOWN_ACTION: &str = "UnknownOperation";

/// `action` as this API spells it, when it is one of [`ACTIONS`].
pub fn known_action(action: &str) -> Option<&'static str> {
    ACTIONS.iter().map(|(a, _)| *a).find(|a| *a == action)
}

/// Runs `action` with its JSON request body and returns the JSON response body.
///
/// A request refused here, before the engine (an unknown action, a body that is not the
/// action's JSON, a value that does not decode), is audited by [`refuse`]; one that reaches
/// the engine is audited by its operation.
pub async fn call(
    engine: &Engine,
    ctx: &RequestContext,
    action: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    match dispatch(engine, ctx, action, body).await {
        Ok(value) => Ok(value),
        Err(CallError::Engine(e)) => Err(e),
        Err(CallError::Refused(e)) => Err(refuse(engine, ctx, action, e).await),
    }
}

/// Audits a request of `ctx`'s caller refused before the engine with `error`, and returns
/// the error to answer with: `error`, or the audit's own failure (fail closed: a request
/// that cannot be audited is not answered as if it had been).
pub async fn refuse(
    engine: &Engine,
    ctx: &RequestContext,
    action: &str,
    error: ApiError,
) -> ApiError {
    let reason: String = format!("refused before the operation: {}", error.message)
        .chars()
        .take(300)
        .collect();
    let recorded = known_action(action).unwrap_or(UNKNOWN_ACTION);
    match engine
        .audit_refused_request(ctx, recorded, &error.code, &reason)
        .await
    {
        Ok(()) => error,
        Err(audit) => audit.into(),
    }
}

/// Where a call failed. `Refused`: in this module, before the engine, so nothing has
/// audited it yet; `Engine`: in (or after) an engine operation, which audited itself.
/// Errors this module builds convert to `Refused`, the engine's to `Engine`.
enum CallError {
    Refused(ApiError),
    Engine(ApiError),
}

impl From<ApiError> for CallError {
    fn from(e: ApiError) -> CallError {
        CallError::Refused(e)
    }
}

impl From<coffer_engine::Error> for CallError {
    fn from(e: coffer_engine::Error) -> CallError {
        CallError::Engine(e.into())
    }
}

async fn dispatch(
    engine: &Engine,
    ctx: &RequestContext,
    action: &str,
    body: &[u8],
) -> Result<Value, CallError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    match action {
        "CreateSecret" => create_secret(engine, ctx, parse(body)?).await,
        "GetSecretValue" => get_secret_value(engine, ctx, parse(body)?).await,
        "BatchGetSecretValue" => batch_get_secret_value(engine, ctx, parse(body)?).await,
        "PutSecretValue" => put_secret_value(engine, ctx, parse(body)?).await,
        "UpdateSecret" => update_secret(engine, ctx, parse(body)?).await,
        "UpdateSecretVersionStage" => update_secret_version_stage(engine, ctx, parse(body)?).await,
        "DescribeSecret" => describe_secret(engine, ctx, parse(body)?).await,
        "ListSecrets" => list_secrets(engine, ctx, parse(body)?).await,
        "ListSecretVersionIds" => list_secret_version_ids(engine, ctx, parse(body)?).await,
        "DeleteSecret" => delete_secret(engine, ctx, parse(body)?).await,
        "RestoreSecret" => restore_secret(engine, ctx, parse(body)?).await,
        "TagResource" => tag_resource(engine, ctx, parse(body)?).await,
        "UntagResource" => untag_resource(engine, ctx, parse(body)?).await,
        "GetRandomPassword" => get_random_password(engine, ctx, parse(body)?).await,
        "PutResourcePolicy" => put_resource_policy(engine, ctx, parse(body)?).await,
        "GetResourcePolicy" => get_resource_policy(engine, ctx, parse(body)?).await,
        "DeleteResourcePolicy" => delete_resource_policy(engine, ctx, parse(body)?).await,
        "ValidateResourcePolicy" => validate_resource_policy(engine, ctx, parse(body)?).await,
        "RotateSecret" => rotate_secret(engine, ctx, parse(body)?).await,
        "CancelRotateSecret" => cancel_rotate_secret(engine, ctx, parse(body)?).await,
        other if known_action(other).is_some() => Err(ApiError::client(
            "InvalidRequestException",
            format!("{other} is not available in this version of Coffer yet."),
        )
        .into()),
        other => Err(ApiError::client(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )
        .into()),
    }
}

/// Parses a request body. The error names the position, never the content: a body may
/// hold a secret value.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::client(
            "SerializationException",
            format!(
                "The request body is not a valid request for this action ({} at line {}, column {}).",
                match e.classify() {
                    serde_json::error::Category::Data => "unexpected member type or missing member",
                    serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "malformed JSON",
                    serde_json::error::Category::Io => "unreadable body",
                },
                e.line(),
                e.column()
            ),
        )
    })
}

/// The response body. It is built after the engine's operation ran (and audited itself),
/// so a failure here is not a refusal.
fn to_value<T: Serialize>(v: &T) -> Result<Value, CallError> {
    serde_json::to_value(v).map_err(|_| {
        CallError::Engine(ApiError {
            code: "InternalServiceError".into(),
            message: "An error occurred on the server side.".into(),
            status: 500,
        })
    })
}

/// `SecretString` / `SecretBinary` → one engine value (both is an error).
fn value_of(s: Option<String>, b: Option<String>) -> Result<Option<SecretValue>, ApiError> {
    match (s, b) {
        (Some(_), Some(_)) => Err(coffer_engine::both_values_error().into()),
        (Some(s), None) => Ok(Some(SecretValue::string(s))),
        (None, Some(b)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|_| {
                    ApiError::client(
                        "SerializationException",
                        "SecretBinary must be base64-encoded.",
                    )
                })?;
            Ok(Some(SecretValue::binary(bytes)))
        }
        (None, None) => Ok(None),
    }
}

/// A tag on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagDto {
    /// Key.
    pub key: String,
    /// Value (AWS allows it to be absent on input: empty).
    #[serde(default)]
    pub value: String,
}

fn tags_in(v: Option<Vec<TagDto>>) -> Vec<Tag> {
    v.unwrap_or_default()
        .into_iter()
        .map(|t| Tag::new(t.key, t.value))
        .collect()
}

fn tags_out(v: Vec<Tag>) -> Vec<TagDto> {
    v.into_iter()
        .map(|t| TagDto {
            key: t.key,
            value: t.value,
        })
        .collect()
}

/// A ListSecrets / BatchGetSecretValue filter on the wire.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterDto {
    /// Filter key.
    pub key: Option<String>,
    /// Values.
    pub values: Option<Vec<String>>,
}

fn filters_in(v: Vec<FilterDto>) -> Vec<coffer_engine::RawFilter> {
    v.into_iter().map(|f| (f.key, f.values)).collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReplicaRegion {
    region: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateSecretRequest {
    name: String,
    client_request_token: Option<String>,
    description: Option<String>,
    kms_key_id: Option<String>,
    secret_string: Option<String>,
    secret_binary: Option<String>,
    tags: Option<Vec<TagDto>>,
    add_replica_regions: Option<Vec<ReplicaRegion>>,
    #[serde(rename = "Type")]
    secret_type: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

async fn create_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: CreateSecretRequest,
) -> Result<Value, CallError> {
    let out = engine
        .create_secret(
            ctx,
            CreateSecretInput {
                name: r.name,
                client_request_token: r.client_request_token,
                description: r.description,
                kms_key_id: r.kms_key_id,
                value: value_of(r.secret_string, r.secret_binary)?,
                tags: tags_in(r.tags),
                secret_type: r.secret_type,
                add_replica_regions: r
                    .add_replica_regions
                    .unwrap_or_default()
                    .into_iter()
                    .map(|x| x.region)
                    .collect(),
            },
        )
        .await?;
    to_value(&CreateSecretResponse {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetSecretValueRequest {
    secret_id: String,
    version_id: Option<String>,
    version_stage: Option<String>,
}

/// One secret value on the wire (GetSecretValue, BatchGetSecretValue entries).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecretValueDto {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    version_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_binary: Option<String>,
    version_stages: Vec<String>,
    #[serde(with = "epoch_req")]
    created_date: DateTime<Utc>,
}

fn secret_value_dto(v: SecretValueOutput) -> SecretValueDto {
    let (secret_string, secret_binary) = match &v.value {
        SecretValue::String(b) => (Some(String::from_utf8_lossy(b.expose()).into_owned()), None),
        SecretValue::Binary(b) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(b.expose())),
        ),
    };
    SecretValueDto {
        arn: v.arn,
        name: v.name,
        version_id: v.version_id,
        secret_string,
        secret_binary,
        version_stages: v.version_stages,
        created_date: v.created_date,
    }
}

async fn get_secret_value(
    engine: &Engine,
    ctx: &RequestContext,
    r: GetSecretValueRequest,
) -> Result<Value, CallError> {
    let out = engine
        .get_secret_value(
            ctx,
            GetSecretValueInput {
                secret_id: r.secret_id,
                version_id: r.version_id,
                version_stage: r.version_stage,
            },
        )
        .await?;
    to_value(&secret_value_dto(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchGetSecretValueRequest {
    secret_id_list: Option<Vec<String>>,
    filters: Option<Vec<FilterDto>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BatchErrorDto {
    secret_id: String,
    error_code: String,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct BatchGetSecretValueResponse {
    secret_values: Vec<SecretValueDto>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<BatchErrorDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn batch_get_secret_value(
    engine: &Engine,
    ctx: &RequestContext,
    r: BatchGetSecretValueRequest,
) -> Result<Value, CallError> {
    let out = engine
        .batch_get_secret_value(
            ctx,
            BatchGetSecretValueInput {
                secret_id_list: r.secret_id_list,
                filters: r.filters.map(filters_in),
                max_results: r.max_results,
                next_token: r.next_token,
            },
        )
        .await?;
    to_value(&BatchGetSecretValueResponse {
        secret_values: out
            .secret_values
            .into_iter()
            .map(secret_value_dto)
            .collect(),
        errors: out
            .errors
            .into_iter()
            .map(|e| BatchErrorDto {
                secret_id: e.secret_id,
                error_code: e.error_code,
                message: e.message,
            })
            .collect(),
        next_token: out.next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutSecretValueRequest {
    secret_id: String,
    client_request_token: Option<String>,
    secret_string: Option<String>,
    secret_binary: Option<String>,
    version_stages: Option<Vec<String>>,
    rotation_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PutSecretValueResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    version_id: String,
    version_stages: Vec<String>,
}

async fn put_secret_value(
    engine: &Engine,
    ctx: &RequestContext,
    r: PutSecretValueRequest,
) -> Result<Value, CallError> {
    let out = engine
        .put_secret_value(
            ctx,
            PutSecretValueInput {
                secret_id: r.secret_id,
                client_request_token: r.client_request_token,
                value: value_of(r.secret_string, r.secret_binary)?,
                version_stages: r.version_stages,
                rotation_token: r.rotation_token,
            },
        )
        .await?;
    to_value(&PutSecretValueResponse {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
        version_stages: out.version_stages,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateSecretRequest {
    secret_id: String,
    client_request_token: Option<String>,
    description: Option<String>,
    kms_key_id: Option<String>,
    secret_string: Option<String>,
    secret_binary: Option<String>,
    #[serde(rename = "Type")]
    secret_type: Option<String>,
}

async fn update_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: UpdateSecretRequest,
) -> Result<Value, CallError> {
    let out = engine
        .update_secret(
            ctx,
            UpdateSecretInput {
                secret_id: r.secret_id,
                client_request_token: r.client_request_token,
                description: r.description,
                kms_key_id: r.kms_key_id,
                value: value_of(r.secret_string, r.secret_binary)?,
                secret_type: r.secret_type,
            },
        )
        .await?;
    to_value(&CreateSecretResponse {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateSecretVersionStageRequest {
    secret_id: String,
    version_stage: String,
    remove_from_version_id: Option<String>,
    move_to_version_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ArnName {
    #[serde(rename = "ARN", skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    name: String,
}

async fn update_secret_version_stage(
    engine: &Engine,
    ctx: &RequestContext,
    r: UpdateSecretVersionStageRequest,
) -> Result<Value, CallError> {
    let out = engine
        .update_secret_version_stage(
            ctx,
            UpdateSecretVersionStageInput {
                secret_id: r.secret_id,
                version_stage: r.version_stage,
                remove_from_version_id: r.remove_from_version_id,
                move_to_version_id: r.move_to_version_id,
            },
        )
        .await?;
    to_value(&ArnName {
        arn: Some(out.arn),
        name: out.name,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SecretIdRequest {
    secret_id: String,
}

/// DescribeSecret / ListSecrets entry on the wire.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecretDescriptionDto {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    secret_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    last_changed_date: Option<DateTime<Utc>>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    last_accessed_date: Option<DateTime<Utc>>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    deleted_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<TagDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_ids_to_stages: Option<std::collections::BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_versions_to_stages: Option<std::collections::BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owning_service: Option<String>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    created_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_enabled: Option<bool>,
    #[serde(rename = "RotationLambdaARN", skip_serializing_if = "Option::is_none")]
    rotation_lambda_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_rules: Option<RotationRulesDto>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    last_rotated_date: Option<DateTime<Utc>>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    next_rotation_date: Option<DateTime<Utc>>,
}

fn description_dto(d: SecretDescription, in_list: bool) -> SecretDescriptionDto {
    let map = Some(d.version_ids_to_stages).filter(|m| !m.is_empty());
    let (version_ids_to_stages, secret_versions_to_stages) =
        if in_list { (None, map) } else { (map, None) };
    SecretDescriptionDto {
        arn: d.arn,
        name: d.name,
        secret_type: d.secret_type,
        description: d.description,
        kms_key_id: d.kms_key_id,
        last_changed_date: d.last_changed_date,
        last_accessed_date: d.last_accessed_date,
        deleted_date: d.deleted_date,
        tags: tags_out(d.tags),
        version_ids_to_stages,
        secret_versions_to_stages,
        owning_service: d.owning_service,
        created_date: Some(d.created_date),
        rotation_enabled: d.rotation.as_ref().map(|r| r.enabled),
        rotation_lambda_arn: d.rotation.as_ref().and_then(|r| r.lambda_arn.clone()),
        rotation_rules: d
            .rotation
            .as_ref()
            .map(|r| RotationRulesDto::from(&r.rules))
            .filter(|r| !r.is_empty()),
        last_rotated_date: d.rotation.as_ref().and_then(|r| r.last_rotated_date),
        next_rotation_date: d.rotation.as_ref().and_then(|r| r.next_rotation_date),
    }
}

/// RotationRules on the wire.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationRulesDto {
    /// Days between rotations (1–1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatically_after_days: Option<i64>,
    /// The rotation window, e.g. `3h`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// `rate(…)` or `cron(…)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
}

impl RotationRulesDto {
    fn is_empty(&self) -> bool {
        self.automatically_after_days.is_none()
            && self.duration.is_none()
            && self.schedule_expression.is_none()
    }
}

impl From<&RotationRules> for RotationRulesDto {
    fn from(r: &RotationRules) -> Self {
        RotationRulesDto {
            automatically_after_days: r.automatically_after_days,
            duration: r.duration.clone(),
            schedule_expression: r.schedule_expression.clone(),
        }
    }
}

impl From<RotationRulesDto> for RotationRules {
    fn from(r: RotationRulesDto) -> Self {
        RotationRules {
            automatically_after_days: r.automatically_after_days,
            duration: r.duration,
            schedule_expression: r.schedule_expression,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RotateSecretRequest {
    secret_id: String,
    client_request_token: Option<String>,
    #[serde(rename = "RotationLambdaARN")]
    rotation_lambda_arn: Option<String>,
    rotation_rules: Option<RotationRulesDto>,
    rotate_immediately: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RotateSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

async fn rotate_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: RotateSecretRequest,
) -> Result<Value, CallError> {
    let out = engine
        .rotate_secret(
            ctx,
            RotateSecretInput {
                secret_id: r.secret_id,
                client_request_token: r.client_request_token,
                rotation_lambda_arn: r.rotation_lambda_arn,
                rotation_rules: r.rotation_rules.map(RotationRules::from),
                rotate_immediately: r.rotate_immediately,
            },
        )
        .await?;
    to_value(&RotateSecretResponse {
        arn: out.arn,
        name: out.name,
        version_id: Some(out.version_id),
    })
}

async fn cancel_rotate_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: SecretIdRequest,
) -> Result<Value, CallError> {
    let out = engine.cancel_rotate_secret(ctx, &r.secret_id).await?;
    to_value(&RotateSecretResponse {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}

async fn describe_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: SecretIdRequest,
) -> Result<Value, CallError> {
    let d = engine.describe_secret(ctx, &r.secret_id).await?;
    to_value(&description_dto(d, false))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListSecretsRequest {
    include_planned_deletion: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
    filters: Option<Vec<FilterDto>>,
    sort_order: Option<String>,
    sort_by: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListSecretsResponse {
    secret_list: Vec<SecretDescriptionDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

async fn list_secrets(
    engine: &Engine,
    ctx: &RequestContext,
    r: ListSecretsRequest,
) -> Result<Value, CallError> {
    let out = engine
        .list_secrets(
            ctx,
            ListSecretsInput {
                include_planned_deletion: r.include_planned_deletion.unwrap_or(false),
                max_results: r.max_results,
                next_token: r.next_token,
                filters: filters_in(r.filters.unwrap_or_default()),
                search: None,
                sort_order: r.sort_order,
                sort_by: r.sort_by,
            },
        )
        .await?;
    to_value(&ListSecretsResponse {
        secret_list: out
            .secret_list
            .into_iter()
            .map(|d| description_dto(d, true))
            .collect(),
        next_token: out.next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListSecretVersionIdsRequest {
    secret_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
    include_deprecated: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VersionDto {
    version_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    version_stages: Vec<String>,
    #[serde(with = "epoch_opt", skip_serializing_if = "Option::is_none")]
    last_accessed_date: Option<DateTime<Utc>>,
    #[serde(with = "epoch_req")]
    created_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kms_key_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListSecretVersionIdsResponse {
    versions: Vec<VersionDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
}

async fn list_secret_version_ids(
    engine: &Engine,
    ctx: &RequestContext,
    r: ListSecretVersionIdsRequest,
) -> Result<Value, CallError> {
    let out = engine
        .list_secret_version_ids(
            ctx,
            ListSecretVersionIdsInput {
                secret_id: r.secret_id,
                max_results: r.max_results,
                next_token: r.next_token,
                include_deprecated: r.include_deprecated.unwrap_or(false),
            },
        )
        .await?;
    to_value(&ListSecretVersionIdsResponse {
        versions: out
            .versions
            .into_iter()
            .map(|v| VersionDto {
                version_id: v.version_id,
                version_stages: v.version_stages,
                last_accessed_date: v.last_accessed_date,
                created_date: v.created_date,
                kms_key_ids: v.kms_key_ids,
            })
            .collect(),
        next_token: out.next_token,
        arn: out.arn,
        name: out.name,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteSecretRequest {
    secret_id: String,
    recovery_window_in_days: Option<i64>,
    force_delete_without_recovery: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteSecretResponse {
    #[serde(rename = "ARN", skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    name: String,
    #[serde(with = "epoch_req")]
    deletion_date: DateTime<Utc>,
}

async fn delete_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: DeleteSecretRequest,
) -> Result<Value, CallError> {
    let out = engine
        .delete_secret(
            ctx,
            DeleteSecretInput {
                secret_id: r.secret_id,
                recovery_window_in_days: r.recovery_window_in_days,
                force_delete_without_recovery: r.force_delete_without_recovery,
            },
        )
        .await?;
    to_value(&DeleteSecretResponse {
        arn: out.arn,
        name: out.name,
        deletion_date: out.deletion_date,
    })
}

async fn restore_secret(
    engine: &Engine,
    ctx: &RequestContext,
    r: SecretIdRequest,
) -> Result<Value, CallError> {
    let out = engine.restore_secret(ctx, &r.secret_id).await?;
    to_value(&ArnName {
        arn: Some(out.arn),
        name: out.name,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagResourceRequest {
    secret_id: String,
    tags: Vec<TagDto>,
}

async fn tag_resource(
    engine: &Engine,
    ctx: &RequestContext,
    r: TagResourceRequest,
) -> Result<Value, CallError> {
    engine
        .tag_resource(ctx, &r.secret_id, tags_in(Some(r.tags)))
        .await?;
    Ok(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagResourceRequest {
    secret_id: String,
    tag_keys: Vec<String>,
}

async fn untag_resource(
    engine: &Engine,
    ctx: &RequestContext,
    r: UntagResourceRequest,
) -> Result<Value, CallError> {
    engine.untag_resource(ctx, &r.secret_id, r.tag_keys).await?;
    Ok(serde_json::json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetRandomPasswordRequest {
    password_length: Option<i64>,
    exclude_characters: Option<String>,
    exclude_numbers: Option<bool>,
    exclude_punctuation: Option<bool>,
    exclude_uppercase: Option<bool>,
    exclude_lowercase: Option<bool>,
    include_space: Option<bool>,
    require_each_included_type: Option<bool>,
}

async fn get_random_password(
    engine: &Engine,
    ctx: &RequestContext,
    r: GetRandomPasswordRequest,
) -> Result<Value, CallError> {
    let defaults = PasswordRules::default();
    let length = match r.password_length {
        None => defaults.length,
        Some(n) if (1..=4096).contains(&n) => n as u32,
        Some(n) => {
            return Err(ApiError::client(
                "ValidationException",
                format!(
                    "1 validation error detected: Value '{n}' at 'passwordLength' failed to satisfy constraint: Member must have value {}",
                    if n < 1 {
                        "greater than or equal to 1"
                    } else {
                        "less than or equal to 4096"
                    }
                ),
            )
            .into());
        }
    };
    let rules = PasswordRules {
        length,
        exclude_characters: r.exclude_characters.unwrap_or_default(),
        exclude_numbers: r.exclude_numbers.unwrap_or(false),
        exclude_punctuation: r.exclude_punctuation.unwrap_or(false),
        exclude_uppercase: r.exclude_uppercase.unwrap_or(false),
        exclude_lowercase: r.exclude_lowercase.unwrap_or(false),
        include_space: r.include_space.unwrap_or(false),
        require_each_included_type: r.require_each_included_type.unwrap_or(true),
    };
    let pw = engine.get_random_password(ctx, rules).await?;
    Ok(serde_json::json!({ "RandomPassword": String::from_utf8_lossy(pw.expose()) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutResourcePolicyRequest {
    secret_id: String,
    resource_policy: String,
    block_public_policy: Option<bool>,
}

async fn put_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    r: PutResourcePolicyRequest,
) -> Result<Value, CallError> {
    let out = engine
        .put_resource_policy(
            ctx,
            &r.secret_id,
            &r.resource_policy,
            r.block_public_policy.unwrap_or(false),
        )
        .await?;
    to_value(&ArnName {
        arn: Some(out.arn),
        name: out.name,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetResourcePolicyResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_policy: Option<String>,
}

async fn get_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    r: SecretIdRequest,
) -> Result<Value, CallError> {
    let out = engine.get_resource_policy(ctx, &r.secret_id).await?;
    to_value(&GetResourcePolicyResponse {
        arn: out.arn,
        name: out.name,
        resource_policy: out.resource_policy,
    })
}

async fn delete_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    r: SecretIdRequest,
) -> Result<Value, CallError> {
    let out = engine.delete_resource_policy(ctx, &r.secret_id).await?;
    to_value(&ArnName {
        arn: Some(out.arn),
        name: out.name,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ValidateResourcePolicyRequest {
    secret_id: Option<String>,
    resource_policy: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ValidationErrorDto {
    check_name: String,
    error_message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ValidateResourcePolicyResponse {
    policy_validation_passed: bool,
    validation_errors: Vec<ValidationErrorDto>,
}

async fn validate_resource_policy(
    engine: &Engine,
    ctx: &RequestContext,
    r: ValidateResourcePolicyRequest,
) -> Result<Value, CallError> {
    let out = engine
        .validate_resource_policy(ctx, r.secret_id.as_deref(), &r.resource_policy)
        .await?;
    to_value(&ValidateResourcePolicyResponse {
        policy_validation_passed: out.passed,
        validation_errors: out
            .errors
            .into_iter()
            .map(|e| ValidationErrorDto {
                check_name: e.check_name,
                error_message: e.error_message,
            })
            .collect(),
    })
}
