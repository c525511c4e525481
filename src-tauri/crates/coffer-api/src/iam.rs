//! Identity and access in AWS IAM's shapes, as the AWS CLI prints them
//! (`aws iam create-user` → `{"User": {…}}`), for the CLI and the desktop app.
//!
//! IAM's own API is XML (the Query protocol); these are the JSON documents the AWS CLI
//! prints for it, so timestamps are ISO 8601 text (`2026-01-01T00:00:00+00:00`), not the
//! epoch seconds of the JSON 1.1 services. Commands with no output in AWS (put, attach,
//! add, update, delete) return `{}`.
//!
//! Coffer extensions, each an addition to AWS's shape (never a change to it):
//! - access keys may belong to a role: their `AccessKey` / `AccessKeyMetadata` entries carry
//!   `RoleName` instead of `UserName`;
//! - every `EvaluationResults` entry of `simulate-principal-policy` has a `Reason` member:
//!   Coffer's one-sentence account of the decision (which statement decided it, or that
//!   none matched).

use chrono::{DateTime, SecondsFormat, Utc};
use coffer_engine::{
    AccessKeyInfo, ContextEntry, Engine, ManagedPolicyInfo, PrincipalInfo, PrincipalKind,
    RequestContext, SimulationInput, SimulationResult, Tag,
};
use serde_json::{Value, json};

use crate::wire::ApiError;

/// IAM timestamps as the AWS CLI prints them: `2026-01-01T00:00:00+00:00`.
pub fn iso(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

/// `User`, `Role` or `Group`: the member names of the kind's shapes.
fn title(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "User",
        PrincipalKind::Role => "Role",
        PrincipalKind::Group => "Group",
    }
}

fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({ "Key": t.key, "Value": t.value }))
            .collect(),
    )
}

/// AWS's `User` / `Role` / `Group` object. `Tags` only when the principal has any (and never
/// in list output, which AWS leaves untagged).
pub fn principal_json(p: &PrincipalInfo, with_tags: bool) -> Value {
    let t = title(p.kind);
    let mut m = serde_json::Map::new();
    m.insert("Path".into(), json!(p.path));
    m.insert(format!("{t}Name"), json!(p.name));
    m.insert(format!("{t}Id"), json!(p.unique_id));
    m.insert("Arn".into(), json!(p.arn));
    m.insert("CreateDate".into(), iso(p.create_date));
    if with_tags && !p.tags.is_empty() {
        m.insert("Tags".into(), tags_json(&p.tags));
    }
    Value::Object(m)
}

/// AWS's `Policy` object (`Description` only outside lists, as in AWS).
pub fn policy_json(p: &ManagedPolicyInfo, with_description: bool) -> Value {
    let mut v = json!({
        "PolicyName": p.name,
        "PolicyId": p.policy_id,
        "Arn": p.arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": p.attachment_count,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "CreateDate": iso(p.create_date),
        "UpdateDate": iso(p.update_date),
    });
    if with_description {
        if let Some(d) = &p.description {
            v["Description"] = json!(d);
        }
    }
    v
}

/// An access key's metadata (never its secret): `UserName` (or Coffer's `RoleName`),
/// `AccessKeyId`, `Status`, `CreateDate`.
pub fn access_key_json(k: &AccessKeyInfo) -> Value {
    let owner = match k.owner_kind {
        PrincipalKind::Role => "RoleName",
        _ => "UserName",
    };
    let mut m = serde_json::Map::new();
    m.insert(owner.into(), json!(k.owner_name));
    m.insert("AccessKeyId".into(), json!(k.access_key_id));
    m.insert("Status".into(), json!(k.status));
    m.insert("CreateDate".into(), iso(k.create_date));
    Value::Object(m)
}

/// A policy document as the AWS CLI shows it: the parsed JSON (the CLI decodes IAM's
/// URL-encoded text), or the text itself if it is not JSON.
fn document_json(doc: &str) -> Value {
    serde_json::from_str(doc).unwrap_or_else(|_| json!(doc))
}

/// `aws iam create-user` / `create-role` / `create-group`.
pub async fn create_principal(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
    path: Option<&str>,
    tags: Vec<Tag>,
) -> Result<Value, ApiError> {
    let p = engine.create_principal(ctx, kind, name, path, tags).await?;
    Ok(json!({ title(kind): principal_json(&p, true) }))
}

/// `aws iam get-user` / `get-role`.
pub async fn get_principal(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
) -> Result<Value, ApiError> {
    let p = engine.get_principal(ctx, kind, name).await?;
    Ok(json!({ title(kind): principal_json(&p, true) }))
}

/// `aws iam list-users` / `list-roles` / `list-groups`.
pub async fn list_principals(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
) -> Result<Value, ApiError> {
    let list = engine.list_principals(ctx, kind).await?;
    let items: Vec<Value> = list.iter().map(|p| principal_json(p, false)).collect();
    Ok(json!({ format!("{}s", title(kind)): items }))
}

/// `aws iam delete-user` / `delete-role` / `delete-group`.
pub async fn delete_principal(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
) -> Result<Value, ApiError> {
    engine.delete_principal(ctx, kind, name).await?;
    Ok(json!({}))
}

/// `aws iam add-user-to-group` / `remove-user-from-group`.
pub async fn set_group_membership(
    engine: &Engine,
    ctx: &RequestContext,
    group: &str,
    user: &str,
    member: bool,
) -> Result<Value, ApiError> {
    engine
        .set_group_membership(ctx, group, user, member)
        .await?;
    Ok(json!({}))
}

/// `aws iam list-groups-for-user`.
pub async fn list_groups_for_user(
    engine: &Engine,
    ctx: &RequestContext,
    user: &str,
) -> Result<Value, ApiError> {
    let groups = engine.groups_for_user(ctx, user).await?;
    let items: Vec<Value> = groups.iter().map(|g| principal_json(g, false)).collect();
    Ok(json!({ "Groups": items }))
}

/// `aws iam put-user-policy` / `put-role-policy` / `put-group-policy`.
pub async fn put_principal_policy(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
    policy_name: &str,
    document: &str,
) -> Result<Value, ApiError> {
    engine
        .put_principal_policy(ctx, kind, name, policy_name, document)
        .await?;
    Ok(json!({}))
}

/// `aws iam delete-user-policy` / `delete-role-policy` / `delete-group-policy`.
pub async fn delete_principal_policy(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
    policy_name: &str,
) -> Result<Value, ApiError> {
    engine
        .delete_principal_policy(ctx, kind, name, policy_name)
        .await?;
    Ok(json!({}))
}

/// `aws iam list-user-policies` / `list-role-policies` / `list-group-policies`.
pub async fn list_principal_policies(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
) -> Result<Value, ApiError> {
    let list = engine.list_principal_policies(ctx, kind, name).await?;
    let names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
    Ok(json!({ "PolicyNames": names }))
}

/// `aws iam get-user-policy` / `get-role-policy` / `get-group-policy`.
pub async fn get_principal_policy(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
    policy_name: &str,
) -> Result<Value, ApiError> {
    let list = engine.list_principal_policies(ctx, kind, name).await?;
    let Some((_, doc)) = list.iter().find(|(n, _)| n == policy_name) else {
        return Err(ApiError::client(
            "NoSuchEntity",
            format!(
                "The {} policy with name {policy_name} cannot be found.",
                kind.as_str()
            ),
        ));
    };
    let mut m = serde_json::Map::new();
    m.insert(format!("{}Name", title(kind)), json!(name));
    m.insert("PolicyName".into(), json!(policy_name));
    m.insert("PolicyDocument".into(), document_json(doc));
    Ok(Value::Object(m))
}

/// `aws iam create-policy`.
pub async fn create_policy(
    engine: &Engine,
    ctx: &RequestContext,
    name: &str,
    document: &str,
    description: Option<String>,
) -> Result<Value, ApiError> {
    let p = engine
        .create_policy(ctx, name, document, description)
        .await?;
    Ok(json!({ "Policy": policy_json(&p, true) }))
}

/// `aws iam list-policies` (the store's customer-managed policies).
pub async fn list_policies(engine: &Engine, ctx: &RequestContext) -> Result<Value, ApiError> {
    let list = engine.list_policies(ctx).await?;
    let items: Vec<Value> = list.iter().map(|p| policy_json(p, false)).collect();
    Ok(json!({ "Policies": items }))
}

/// `aws iam get-policy`.
pub async fn get_policy(
    engine: &Engine,
    ctx: &RequestContext,
    policy_arn: &str,
) -> Result<Value, ApiError> {
    let list = engine.list_policies(ctx).await?;
    match list.iter().find(|p| p.arn == policy_arn) {
        Some(p) => Ok(json!({ "Policy": policy_json(p, true) })),
        None => Err(ApiError::client(
            "NoSuchEntity",
            format!("Policy {policy_arn} was not found."),
        )),
    }
}

/// `aws iam get-policy-version` for `v1` (Coffer keeps one version per managed policy).
pub async fn get_policy_version(
    engine: &Engine,
    ctx: &RequestContext,
    policy_arn: &str,
    version_id: &str,
) -> Result<Value, ApiError> {
    let list = engine.list_policies(ctx).await?;
    match list.iter().find(|p| p.arn == policy_arn) {
        Some(p) if version_id == "v1" => Ok(json!({
            "PolicyVersion": {
                "Document": document_json(&p.document),
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "CreateDate": iso(p.update_date),
            }
        })),
        Some(_) => Err(ApiError::client(
            "NoSuchEntity",
            format!(
                "Policy {policy_arn} version {version_id} does not exist or is not attachable."
            ),
        )),
        None => Err(ApiError::client(
            "NoSuchEntity",
            format!("Policy {policy_arn} was not found."),
        )),
    }
}

/// `aws iam delete-policy`.
pub async fn delete_policy(
    engine: &Engine,
    ctx: &RequestContext,
    policy_arn: &str,
) -> Result<Value, ApiError> {
    engine.delete_policy(ctx, policy_arn).await?;
    Ok(json!({}))
}

/// `aws iam attach-{user,role,group}-policy` / `detach-…-policy`.
pub async fn set_policy_attachment(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
    policy_arn: &str,
    attached: bool,
) -> Result<Value, ApiError> {
    engine
        .set_policy_attachment(ctx, kind, name, policy_arn, attached)
        .await?;
    Ok(json!({}))
}

/// `aws iam list-attached-{user,role,group}-policies`.
pub async fn list_attached_policies(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
) -> Result<Value, ApiError> {
    let list = engine.attached_policies(ctx, kind, name).await?;
    let items: Vec<Value> = list
        .iter()
        .map(|p| json!({ "PolicyName": p.name, "PolicyArn": p.arn }))
        .collect();
    Ok(json!({ "AttachedPolicies": items }))
}

/// `aws iam create-access-key`: the only output that ever holds `SecretAccessKey`.
pub async fn create_access_key(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
) -> Result<Value, ApiError> {
    let k = engine.create_access_key(ctx, kind, name).await?;
    let mut v = access_key_json(&k.info);
    v["SecretAccessKey"] = json!(String::from_utf8_lossy(k.secret_access_key.expose()));
    Ok(json!({ "AccessKey": v }))
}

/// `aws iam list-access-keys` (metadata only).
pub async fn list_access_keys(
    engine: &Engine,
    ctx: &RequestContext,
    kind: PrincipalKind,
    name: &str,
) -> Result<Value, ApiError> {
    let list = engine.list_access_keys(ctx, kind, name).await?;
    let items: Vec<Value> = list.iter().map(access_key_json).collect();
    Ok(json!({ "AccessKeyMetadata": items }))
}

/// Checks that `access_key_id` belongs to `owner` (AWS's optional `--user-name` on
/// update-access-key and delete-access-key).
async fn check_key_owner(
    engine: &Engine,
    ctx: &RequestContext,
    owner: Option<(PrincipalKind, &str)>,
    access_key_id: &str,
) -> Result<(), ApiError> {
    if let Some((kind, name)) = owner {
        let keys = engine.list_access_keys(ctx, kind, name).await?;
        if !keys.iter().any(|k| k.access_key_id == access_key_id) {
            return Err(ApiError::client(
                "NoSuchEntity",
                format!("The Access Key with id {access_key_id} cannot be found."),
            ));
        }
    }
    Ok(())
}

/// `aws iam update-access-key` (`Active` / `Inactive`).
pub async fn update_access_key(
    engine: &Engine,
    ctx: &RequestContext,
    owner: Option<(PrincipalKind, &str)>,
    access_key_id: &str,
    status: &str,
) -> Result<Value, ApiError> {
    check_key_owner(engine, ctx, owner, access_key_id).await?;
    engine.update_access_key(ctx, access_key_id, status).await?;
    Ok(json!({}))
}

/// `aws iam delete-access-key`.
pub async fn delete_access_key(
    engine: &Engine,
    ctx: &RequestContext,
    owner: Option<(PrincipalKind, &str)>,
    access_key_id: &str,
) -> Result<Value, ApiError> {
    check_key_owner(engine, ctx, owner, access_key_id).await?;
    engine.delete_access_key(ctx, access_key_id).await?;
    Ok(json!({}))
}

/// One `EvaluationResults` entry: AWS's shape plus Coffer's `Reason`.
pub fn evaluation_result_json(r: &SimulationResult) -> Value {
    let matched: Vec<Value> = r
        .matched
        .iter()
        .map(|m| {
            json!({
                "SourcePolicyId": m.source_policy_id,
                "SourcePolicyType": m.source_policy_type,
            })
        })
        .collect();
    json!({
        "EvalActionName": r.action,
        "EvalResourceName": r.resource,
        "EvalDecision": r.decision,
        "MatchedStatements": matched,
        "MissingContextValues": [],
        "Reason": r.reason,
    })
}

/// `aws iam simulate-principal-policy`. No resource ARNs means `*`, as in AWS.
pub async fn simulate_principal_policy(
    engine: &Engine,
    ctx: &RequestContext,
    policy_source_arn: &str,
    action_names: Vec<String>,
    resource_arns: Vec<String>,
    context_entries: Vec<ContextEntry>,
) -> Result<Value, ApiError> {
    let resource_arns = if resource_arns.is_empty() {
        vec!["*".to_owned()]
    } else {
        resource_arns
    };
    let results = engine
        .simulate_principal_policy(
            ctx,
            SimulationInput {
                policy_source_arn: policy_source_arn.to_owned(),
                action_names,
                resource_arns,
                context_entries,
            },
        )
        .await?;
    let items: Vec<Value> = results.iter().map(evaluation_result_json).collect();
    Ok(json!({ "EvaluationResults": items }))
}
