//! Access (IAM-like) for the desktop app: principals, inline policies, group membership,
//! access keys (the secret shown once) and the policy simulator.

use coffer_engine::{
    AccessKeyInfo, ContextEntry, Engine, PrincipalInfo, PrincipalKind, RequestContext,
    SimulationInput,
};
use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, rfc3339, rfc3339_opt};

/// The kinds of principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "PrincipalKind", rename_all = "lowercase")]
pub enum PrincipalKindDto {
    /// A user.
    User,
    /// A role.
    Role,
    /// A group of users.
    Group,
}

impl From<PrincipalKindDto> for PrincipalKind {
    fn from(k: PrincipalKindDto) -> PrincipalKind {
        match k {
            PrincipalKindDto::User => PrincipalKind::User,
            PrincipalKindDto::Role => PrincipalKind::Role,
            PrincipalKindDto::Group => PrincipalKind::Group,
        }
    }
}

impl From<PrincipalKind> for PrincipalKindDto {
    fn from(k: PrincipalKind) -> PrincipalKindDto {
        match k {
            PrincipalKind::User => PrincipalKindDto::User,
            PrincipalKind::Role => PrincipalKindDto::Role,
            PrincipalKind::Group => PrincipalKindDto::Group,
        }
    }
}

/// A user, role or group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PrincipalView {
    /// Kind.
    pub kind: PrincipalKindDto,
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Created.
    pub created_date: String,
}

impl From<PrincipalInfo> for PrincipalView {
    fn from(p: PrincipalInfo) -> PrincipalView {
        PrincipalView {
            kind: p.kind.into(),
            name: p.name,
            arn: p.arn,
            created_date: rfc3339(p.create_date),
        }
    }
}

/// Users, roles and groups (in that order).
pub async fn list_principals(
    engine: &Engine,
    ctx: &RequestContext,
) -> AppResult<Vec<PrincipalView>> {
    let mut all = Vec::new();
    for kind in [
        PrincipalKind::User,
        PrincipalKind::Role,
        PrincipalKind::Group,
    ] {
        all.extend(
            engine
                .list_principals(ctx, kind)
                .await?
                .into_iter()
                .map(PrincipalView::from),
        );
    }
    Ok(all)
}

/// A request naming one principal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PrincipalRequest {
    /// Kind.
    pub kind: PrincipalKindDto,
    /// Name.
    pub name: String,
}

/// Creates a principal (path `/`, no tags).
pub async fn create_principal(
    engine: &Engine,
    ctx: &RequestContext,
    req: PrincipalRequest,
) -> AppResult<PrincipalView> {
    Ok(engine
        .create_principal(ctx, req.kind.into(), &req.name, None, Vec::new())
        .await?
        .into())
}

/// Deletes a principal (refused while it has keys, policies or memberships).
pub async fn delete_principal(
    engine: &Engine,
    ctx: &RequestContext,
    req: PrincipalRequest,
) -> AppResult<()> {
    Ok(engine
        .delete_principal(ctx, req.kind.into(), &req.name)
        .await?)
}

/// An inline identity policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct InlinePolicyView {
    /// Policy name.
    pub name: String,
    /// The policy JSON.
    pub document: String,
}

/// A principal's inline policies.
pub async fn list_inline_policies(
    engine: &Engine,
    ctx: &RequestContext,
    req: PrincipalRequest,
) -> AppResult<Vec<InlinePolicyView>> {
    Ok(engine
        .list_principal_policies(ctx, req.kind.into(), &req.name)
        .await?
        .into_iter()
        .map(|(name, document)| InlinePolicyView { name, document })
        .collect())
}

/// `put_inline_policy` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct PutInlinePolicyRequest {
    /// Kind.
    pub kind: PrincipalKindDto,
    /// Principal name.
    pub name: String,
    /// Policy name.
    pub policy_name: String,
    /// The policy JSON.
    pub document: String,
}

/// Adds or replaces an inline policy (MalformedPolicyDocument when it does not parse).
pub async fn put_inline_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: PutInlinePolicyRequest,
) -> AppResult<()> {
    Ok(engine
        .put_principal_policy(
            ctx,
            req.kind.into(),
            &req.name,
            &req.policy_name,
            &req.document,
        )
        .await?)
}

/// `delete_inline_policy` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DeleteInlinePolicyRequest {
    /// Kind.
    pub kind: PrincipalKindDto,
    /// Principal name.
    pub name: String,
    /// Policy name.
    pub policy_name: String,
}

/// Removes an inline policy.
pub async fn delete_inline_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: DeleteInlinePolicyRequest,
) -> AppResult<()> {
    Ok(engine
        .delete_principal_policy(ctx, req.kind.into(), &req.name, &req.policy_name)
        .await?)
}

/// `list_group_members` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct GroupRequest {
    /// Group name.
    pub group: String,
}

/// The user names in a group. The engine answers "which groups is this user in", so this
/// asks that of every user (a desktop has few users; each question is audited).
pub async fn list_group_members(
    engine: &Engine,
    ctx: &RequestContext,
    req: GroupRequest,
) -> AppResult<Vec<String>> {
    // Existence and authorization first, so a missing group is NoSuchEntity.
    engine
        .get_principal(ctx, PrincipalKind::Group, &req.group)
        .await?;
    let mut members = Vec::new();
    for user in engine.list_principals(ctx, PrincipalKind::User).await? {
        let groups = engine.groups_for_user(ctx, &user.name).await?;
        if groups.iter().any(|g| g.name == req.group) {
            members.push(user.name);
        }
    }
    Ok(members)
}

/// `set_group_membership` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SetGroupMembershipRequest {
    /// User name.
    pub user: String,
    /// Group name.
    pub group: String,
    /// Add (true) or remove (false).
    pub member: bool,
}

/// Adds a user to a group or removes them.
pub async fn set_group_membership(
    engine: &Engine,
    ctx: &RequestContext,
    req: SetGroupMembershipRequest,
) -> AppResult<()> {
    Ok(engine
        .set_group_membership(ctx, &req.group, &req.user, req.member)
        .await?)
}

/// Access key status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum AccessKeyStatus {
    /// Usable.
    Active,
    /// Refused until re-activated.
    Inactive,
}

/// An access key's metadata (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyView {
    /// Access key id.
    pub access_key_id: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Created.
    pub created_date: String,
    /// Last used (minute resolution).
    pub last_used_date: Option<String>,
}

impl From<AccessKeyInfo> for AccessKeyView {
    fn from(k: AccessKeyInfo) -> AccessKeyView {
        AccessKeyView {
            access_key_id: k.access_key_id,
            status: if k.status == "Active" {
                AccessKeyStatus::Active
            } else {
                AccessKeyStatus::Inactive
            },
            created_date: rfc3339(k.create_date),
            last_used_date: rfc3339_opt(k.last_used_date),
        }
    }
}

/// A request naming a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UserNameRequest {
    /// User name.
    pub user_name: String,
}

/// A user's access keys.
pub async fn list_access_keys(
    engine: &Engine,
    ctx: &RequestContext,
    req: UserNameRequest,
) -> AppResult<Vec<AccessKeyView>> {
    Ok(engine
        .list_access_keys(ctx, PrincipalKind::User, &req.user_name)
        .await?
        .into_iter()
        .map(AccessKeyView::from)
        .collect())
}

/// A new access key, with its secret: shown once, never again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NewAccessKeyView {
    /// Access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Created.
    pub created_date: String,
}

impl std::fmt::Debug for NewAccessKeyView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKeyView")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Creates an access key for a user.
pub async fn create_access_key(
    engine: &Engine,
    ctx: &RequestContext,
    req: UserNameRequest,
) -> AppResult<NewAccessKeyView> {
    let k = engine
        .create_access_key(ctx, PrincipalKind::User, &req.user_name)
        .await?;
    Ok(NewAccessKeyView {
        access_key_id: k.info.access_key_id.clone(),
        secret_access_key: String::from_utf8_lossy(k.secret_access_key.expose()).into_owned(),
        created_date: rfc3339(k.info.create_date),
    })
}

/// `set_access_key_status` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SetAccessKeyStatusRequest {
    /// Owner.
    pub user_name: String,
    /// Access key id.
    pub access_key_id: String,
    /// Active or not.
    pub active: bool,
}

/// A request naming one access key of a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyRequest {
    /// Owner.
    pub user_name: String,
    /// Access key id.
    pub access_key_id: String,
}

/// Activates or deactivates a user's access key.
pub async fn set_access_key_status(
    engine: &Engine,
    ctx: &RequestContext,
    req: SetAccessKeyStatusRequest,
) -> AppResult<()> {
    let status = if req.active { "Active" } else { "Inactive" };
    crate::iam::update_access_key(
        engine,
        ctx,
        Some((PrincipalKind::User, &req.user_name)),
        &req.access_key_id,
        status,
    )
    .await?;
    Ok(())
}

/// Deletes a user's access key.
pub async fn delete_access_key(
    engine: &Engine,
    ctx: &RequestContext,
    req: AccessKeyRequest,
) -> AppResult<()> {
    crate::iam::delete_access_key(
        engine,
        ctx,
        Some((PrincipalKind::User, &req.user_name)),
        &req.access_key_id,
    )
    .await?;
    Ok(())
}

/// A condition key for the simulator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "ContextEntry", rename_all = "camelCase")]
pub struct ContextEntryDto {
    /// The key, e.g. `aws:SourceIp`.
    pub key: String,
    /// Its values.
    pub values: Vec<String>,
}

/// `simulate_policy` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SimulatePolicyRequest {
    /// The user or role whose policies are evaluated.
    pub principal_arn: String,
    /// E.g. `secretsmanager:GetSecretValue`.
    pub action: String,
    /// A secret ARN, or `*`.
    pub resource_arn: String,
    /// Condition keys to set.
    #[serde(default)]
    pub context: Vec<ContextEntryDto>,
}

/// The simulator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum SimulationDecision {
    /// An Allow matched and no Deny did.
    Allowed,
    /// A Deny matched.
    ExplicitDeny,
    /// Nothing allowed it.
    ImplicitDeny,
}

/// A statement that decided a simulated request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MatchedStatement {
    /// The policy: an inline policy's name, a managed policy's ARN, or `ResourcePolicy`.
    pub policy: String,
    /// The statement's Sid.
    pub sid: Option<String>,
    /// `Allow` or `Deny` (as the decision implies).
    pub effect: String,
}

/// The simulator's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SimulationView {
    /// The decision.
    pub decision: SimulationDecision,
    /// Why, in words.
    pub explanation: String,
    /// The statements that decided it.
    pub matched_statements: Vec<MatchedStatement>,
}

/// Evaluates one request exactly as enforcement would.
pub async fn simulate_policy(
    engine: &Engine,
    ctx: &RequestContext,
    req: SimulatePolicyRequest,
) -> AppResult<SimulationView> {
    let results = engine
        .simulate_principal_policy(
            ctx,
            SimulationInput {
                policy_source_arn: req.principal_arn,
                action_names: vec![req.action],
                resource_arns: vec![req.resource_arn],
                context_entries: req
                    .context
                    .into_iter()
                    .map(|c| ContextEntry {
                        key: c.key,
                        values: c.values,
                    })
                    .collect(),
            },
        )
        .await?;
    let r = results
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal("The simulator returned no result."))?;
    let decision = match r.decision.as_str() {
        "allowed" => SimulationDecision::Allowed,
        "explicitDeny" => SimulationDecision::ExplicitDeny,
        _ => SimulationDecision::ImplicitDeny,
    };
    let effect = if decision == SimulationDecision::Allowed {
        "Allow"
    } else {
        "Deny"
    };
    Ok(SimulationView {
        decision,
        explanation: r.reason,
        matched_statements: r
            .matched
            .into_iter()
            .map(|m| MatchedStatement {
                policy: m.source_policy_id,
                sid: m.sid,
                effect: effect.to_owned(),
            })
            .collect(),
    })
}
