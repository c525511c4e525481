//! The single enforcement point: every operation is authorized here, before it looks up
//! (or reveals the absence of) the resource it names.
//!
//! The account root (the desktop operator, the CLI admin with the master password) and
//! Coffer's own maintenance are allowed everything. Any other principal is evaluated by
//! `coffer-policy` against its identity policies (inline, attached managed policies, and
//! those of its groups) and the secret's resource policy, with the condition keys of the
//! request filled in. The decision and its reason go into the operation's audit event.

use std::collections::BTreeMap;

use coffer_policy::{Decision, Evaluation, NamedPolicy, Policy, PolicyKind, keys};
use coffer_store::{PrincipalRow, SecretRow};

use crate::error::{Error, ErrorCode, Result};
use crate::{Engine, Op, Principal};

/// Condition keys of one request beyond those the engine always fills.
pub(crate) type ExtraKeys = Vec<(String, Vec<String>)>;

/// One condition key with one value.
pub(crate) fn key(name: &str, value: impl Into<String>) -> (String, Vec<String>) {
    (name.to_owned(), vec![value.into()])
}

/// The service prefix of an action name as the engine logs it.
pub(crate) fn qualified_action(action: &str) -> String {
    const KMS: &[&str] = &[
        "CreateKey",
        "ListKeys",
        "DescribeKey",
        "EnableKey",
        "DisableKey",
        "RotateKeyOnDemand",
        "Decrypt",
    ];
    const SECRETS: &[&str] = &[
        "BatchGetSecretValue",
        "CancelRotateSecret",
        "CreateSecret",
        "DeleteResourcePolicy",
        "DeleteSecret",
        "DescribeSecret",
        "GetRandomPassword",
        "GetResourcePolicy",
        "GetSecretValue",
        "ListSecretVersionIds",
        "ListSecrets",
        "PutResourcePolicy",
        "PutSecretValue",
        "RestoreSecret",
        "RotateSecret",
        "TagResource",
        "UntagResource",
        "UpdateSecret",
        "UpdateSecretVersionStage",
        "ValidateResourcePolicy",
    ];
    let service = if SECRETS.contains(&action) {
        "secretsmanager"
    } else if KMS.contains(&action) {
        "kms"
    } else if action.contains("Audit")
        || action.starts_with("Purge")
        || action == "InitStore"
        || action == "SealStoreRows"
        || action == "ChangeMasterPassword"
        || action == "RekeyStore"
    {
        "coffer"
    } else {
        "iam"
    };
    format!("{service}:{action}")
}

/// Parses a stored identity policy, keeping a failure as its message.
fn parse_identity_policy(doc: &str) -> std::result::Result<Policy, String> {
    Policy::parse(doc, PolicyKind::Identity).map_err(|e| e.message)
}

/// The identity-side facts about a caller: its row, tags and every identity policy that
/// applies to it, parsed (a document that no longer parses is kept as its error, which
/// denies access when evaluated). Cached per identity generation (`identity_cache`).
pub(crate) struct Caller {
    row: PrincipalRow,
    tags: Vec<(String, String)>,
    policies: Vec<(String, std::result::Result<Policy, String>)>,
}

impl Engine {
    /// The principal `arn` with every identity policy that applies to it, from the cache
    /// when the identity tables have not changed since it was loaded.
    pub(crate) async fn load_caller(
        &self,
        op: &mut Op<'_>,
        arn: &str,
    ) -> Result<Option<std::sync::Arc<Caller>>> {
        // A read knows its snapshot's generations; a cached read has no snapshot to load in.
        let generation = match op.generations {
            Some(g) => g.iam,
            None => coffer_store::iam_generation(op.tx.conn()).await?,
        };
        if let Some(caller) = self.inner.identity_cache.caller(generation, arn) {
            return Ok(Some(caller));
        }
        if matches!(op.tx, crate::OpConn::Cached) {
            return Err(crate::read_cache::cache_miss());
        }
        let Some(caller) = self.load_caller_uncached(op, arn).await? else {
            return Ok(None);
        };
        let caller = std::sync::Arc::new(caller);
        self.inner
            .identity_cache
            .put_caller(generation, arn, caller.clone());
        Ok(Some(caller))
    }

    async fn load_caller_uncached(&self, op: &mut Op<'_>, arn: &str) -> Result<Option<Caller>> {
        let conn = op.tx.conn();
        // The policies about to decide must be the ones Coffer wrote.
        crate::integrity::verify(conn, &op.keys, &coffer_store::Unit::Iam).await?;
        let Some(row) = coffer_store::find_principal_by_arn(conn, arn).await? else {
            return Ok(None);
        };
        let tags = coffer_store::list_principal_tags(conn, row.id).await?;
        let mut policies = Vec::new();
        let mut holders = vec![row.clone()];
        if row.kind == "user" {
            holders.extend(coffer_store::groups_of(conn, row.id).await?);
        }
        for holder in &holders {
            for (name, doc) in coffer_store::list_inline_policies(conn, holder.id).await? {
                let label = if holder.id == row.id {
                    name
                } else {
                    format!("{}/{}", holder.arn, name)
                };
                policies.push((label, parse_identity_policy(&doc)));
            }
            for m in coffer_store::attached_policies(conn, holder.id).await? {
                policies.push((m.arn, parse_identity_policy(&m.document)));
            }
        }
        Ok(Some(Caller {
            row,
            tags,
            policies,
        }))
    }

    /// Evaluates `action` on `resource` for `caller`, with `secret`'s resource policy and tags.
    pub(crate) fn evaluate(
        &self,
        op: &Op<'_>,
        caller: &Caller,
        action: &str,
        resource: &str,
        secret: Option<(&SecretRow, &[(String, String)])>,
        extra: &ExtraKeys,
    ) -> Result<(Evaluation, coffer_policy::RequestContext)> {
        let mut req = coffer_policy::RequestContext::new(
            caller.row.arn.clone(),
            self.inner.account_id.clone(),
            action.to_owned(),
            resource.to_owned(),
        );
        req.set(keys::PRINCIPAL_ARN, caller.row.arn.clone());
        req.set(keys::PRINCIPAL_ACCOUNT, self.inner.account_id.clone());
        req.set(keys::USERID, caller.row.unique_id.clone());
        req.set(
            keys::PRINCIPAL_TYPE,
            if caller.row.kind == "role" {
                "AssumedRole"
            } else {
                "User"
            },
        );
        if caller.row.kind == "user" {
            req.set(keys::USERNAME, caller.row.name.clone());
        }
        // Tags are added, not set: tag keys that differ only in case are one condition key
        // (see `RequestContext::add`).
        for (k, v) in &caller.tags {
            req.add(&format!("{}{k}", keys::PRINCIPAL_TAG_PREFIX), v.clone());
        }
        req.set_time(crate::clock::from_millis(op.now));
        req.set_bool(keys::SECURE_TRANSPORT, op.ctx.secure_transport);
        if let Some(addr) = &op.ctx.client_addr {
            req.set(keys::SOURCE_IP, addr.clone());
        }
        if let Some((s, tags)) = secret {
            req.set(keys::SECRET_ID, s.arn.clone());
            for (k, v) in tags {
                req.add(&format!("{}{k}", keys::RESOURCE_TAG_PREFIX), v.clone());
                req.add(&format!("{}{k}", keys::AWS_RESOURCE_TAG_PREFIX), v.clone());
            }
        } else if action.starts_with("secretsmanager:") && resource != "*" {
            req.set(keys::SECRET_ID, resource.to_owned());
        }
        for (k, values) in extra {
            req.set_values(k, values.iter().cloned());
        }
        let mut named = Vec::with_capacity(caller.policies.len());
        for (name, parsed) in &caller.policies {
            let policy = parsed.as_ref().map_err(|message| {
                Error::new(
                    ErrorCode::AccessDenied,
                    format!("The identity policy {name} no longer parses ({message}); access is denied until it is fixed."),
                )
            })?;
            named.push(NamedPolicy { name, policy });
        }
        let resource_policy = match secret.and_then(|(s, _)| s.resource_policy.as_deref()) {
            Some(doc) => Some(Policy::parse(doc, PolicyKind::Resource).map_err(|e| {
                Error::new(
                    ErrorCode::AccessDenied,
                    format!("The secret's resource policy no longer parses ({}); access is denied until it is replaced.", e.message),
                )
            })?),
            None => None,
        };
        let rp = resource_policy.as_ref().map(|policy| NamedPolicy {
            name: "ResourcePolicy",
            policy,
        });
        Ok((coffer_policy::evaluate(&named, rp, &req), req))
    }

    /// Authorizes the operation's own action on `resource` (`*` for none), recording the
    /// decision in the audit event. Denied → `AccessDeniedException`.
    pub(crate) async fn authorize_on(
        &self,
        op: &mut Op<'_>,
        resource: &str,
        secret: Option<&SecretRow>,
        extra: &ExtraKeys,
    ) -> Result<()> {
        let action = qualified_action(op.event.action);
        self.authorize_action(op, &action, resource, secret, extra, true)
            .await
    }

    /// Authorizes `action` (service-qualified) for the caller. With `record`, the decision
    /// becomes the audit event's decision; otherwise it is added to the event's details
    /// (for a secondary check such as `kms:Decrypt`).
    pub(crate) async fn authorize_action(
        &self,
        op: &mut Op<'_>,
        action: &str,
        resource: &str,
        secret: Option<&SecretRow>,
        extra: &ExtraKeys,
        record: bool,
    ) -> Result<()> {
        let arn = match &op.ctx.principal {
            Principal::Root => {
                if record {
                    op.event.allow("account root");
                }
                return Ok(());
            }
            Principal::Coffer => {
                if record {
                    op.event.allow("coffer maintenance");
                }
                return Ok(());
            }
            Principal::Arn(arn) => arn.clone(),
        };
        let Some(caller) = self.load_caller(op, &arn).await? else {
            if record {
                op.event.deny("the principal does not exist");
            }
            return Err(Error::new(
                ErrorCode::AccessDenied,
                format!(
                    "User: {arn} is not authorized to perform: {action} on resource: {resource} because the principal does not exist"
                ),
            ));
        };
        let tags = match secret {
            Some(s) => {
                self.cached(
                    op,
                    crate::read_cache::tags,
                    s.id,
                    crate::read_cache::small,
                    async |c| Ok(coffer_store::list_tags(c, s.id).await?),
                )
                .await?
            }
            None => Vec::new(),
        };
        let (eval, req) = self.evaluate(
            op,
            &caller,
            action,
            resource,
            secret.map(|s| (s, tags.as_slice())),
            extra,
        )?;
        let matched: Vec<String> = eval
            .matched
            .iter()
            .map(|m| format!("{}#{}", m.policy_name, m.statement_index))
            .collect();
        if eval.decision == Decision::Allowed {
            if record {
                op.event.allow(&eval.reason);
                op.event.detail("matchedStatements", matched);
            }
            return Ok(());
        }
        if record {
            op.event.deny(&eval.reason);
            op.event.detail("matchedStatements", matched);
        }
        let message = eval.access_denied_message(&req).unwrap_or_else(|| {
            format!("User: {arn} is not authorized to perform: {action} on resource: {resource}")
        });
        Err(Error::new(ErrorCode::AccessDenied, message))
    }

    /// The ARN a request for secret `id` is evaluated against: the secret's if it exists,
    /// else what the id names (an ARN as given, or the partial ARN of a name), so that an
    /// unauthorized caller learns nothing about existence.
    pub(crate) fn secret_resource(
        &self,
        op: &Op<'_>,
        id: &str,
        found: Option<&SecretRow>,
    ) -> String {
        match found {
            Some(s) => s.arn.clone(),
            None if id.starts_with("arn:") => id.to_owned(),
            None => format!(
                "arn:aws:secretsmanager:{}:{}:secret:{id}",
                op.region, self.inner.account_id
            ),
        }
    }
}

/// `aws:RequestTag/<k>` and `aws:TagKeys` for tags given in a request. Tags whose keys
/// differ only in case (`Env`, `env`) share one `aws:RequestTag/env` key with both values,
/// as in [`Engine::evaluate`], so neither hides the other.
pub(crate) fn request_tag_keys(tags: &[crate::Tag]) -> ExtraKeys {
    let mut by_key: BTreeMap<&str, &str> = BTreeMap::new();
    for t in tags {
        by_key.insert(&t.key, &t.value);
    }
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &by_key {
        values
            .entry(k.to_ascii_lowercase())
            .or_default()
            .push((*v).to_owned());
    }
    let mut out: ExtraKeys = values
        .into_iter()
        .map(|(k, v)| (format!("{}{k}", keys::REQUEST_TAG_PREFIX), v))
        .collect();
    if !by_key.is_empty() {
        out.push((
            keys::TAG_KEYS.to_owned(),
            by_key.keys().map(|k| (*k).to_owned()).collect(),
        ));
    }
    out
}

/// A condition key and its values for a simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    /// The key, e.g. `aws:SourceIp`.
    pub key: String,
    /// Its values.
    pub values: Vec<String>,
}

/// SimulatePrincipalPolicy input.
#[derive(Debug, Clone, Default)]
pub struct SimulationInput {
    /// The user or role whose policies are evaluated.
    pub policy_source_arn: String,
    /// Service-qualified actions, e.g. `secretsmanager:GetSecretValue`.
    pub action_names: Vec<String>,
    /// Resources (default `*`). A secret ARN of this store brings its resource policy and tags.
    pub resource_arns: Vec<String>,
    /// Condition keys to set (they override what the engine would fill).
    pub context_entries: Vec<ContextEntry>,
}

/// A statement that decided a simulated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatementInfo {
    /// The policy: an inline policy's name, a managed policy's ARN, or `ResourcePolicy`.
    pub source_policy_id: String,
    /// `IAM Policy` or `Resource Policy`.
    pub source_policy_type: String,
    /// 1-based statement position.
    pub statement_index: usize,
    /// The statement's Sid.
    pub sid: Option<String>,
}

/// One simulated (action, resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationResult {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub decision: String,
    /// The statements that decided it.
    pub matched: Vec<MatchedStatementInfo>,
    /// Why, in words.
    pub reason: String,
}

impl Engine {
    /// SimulatePrincipalPolicy: evaluates exactly as enforcement does, the secret's
    /// resource policy included.
    pub async fn simulate_principal_policy(
        &self,
        ctx: &crate::RequestContext,
        input: SimulationInput,
    ) -> Result<Vec<SimulationResult>> {
        let mut op = self.begin(ctx, "SimulatePrincipalPolicy").await?;
        let result = async {
            self.authorize_on(&mut op, &input.policy_source_arn, None, &Vec::new())
                .await?;
            op.event.resource_arn = Some(input.policy_source_arn.clone());
            if input.action_names.is_empty() {
                return Err(Error::validation(
                    "actionNames",
                    "Member must have length greater than or equal to 1",
                ));
            }
            let caller = self
                .load_caller(&mut op, &input.policy_source_arn)
                .await?
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::NoSuchEntity,
                        format!("No principal with ARN {} exists.", input.policy_source_arn),
                    )
                })?;
            let resources = if input.resource_arns.is_empty() {
                vec!["*".to_owned()]
            } else {
                input.resource_arns.clone()
            };
            let extra: ExtraKeys = input
                .context_entries
                .iter()
                .map(|e| (e.key.clone(), e.values.clone()))
                .collect();
            let mut out = Vec::new();
            for resource in &resources {
                let secret = match coffer_store::find_secret_by_arn(op.tx.conn(), resource).await? {
                    Some(s) => {
                        let unit = coffer_store::Unit::Secret(s.id);
                        crate::integrity::verify(op.tx.conn(), &op.keys, &unit).await?;
                        let tags = coffer_store::list_tags(op.tx.conn(), s.id).await?;
                        Some((s, tags))
                    }
                    None => None,
                };
                for action in &input.action_names {
                    let (eval, _) = self.evaluate(
                        &op,
                        &caller,
                        action,
                        resource,
                        secret.as_ref().map(|(s, t)| (s, t.as_slice())),
                        &extra,
                    )?;
                    out.push(SimulationResult {
                        action: action.clone(),
                        resource: resource.clone(),
                        decision: eval.decision.as_str().to_owned(),
                        matched: eval
                            .matched
                            .iter()
                            .map(|m| MatchedStatementInfo {
                                source_policy_id: m.policy_name.clone(),
                                source_policy_type: match m.source {
                                    coffer_policy::PolicySource::Identity => "IAM Policy".into(),
                                    coffer_policy::PolicySource::Resource => {
                                        "Resource Policy".into()
                                    }
                                },
                                statement_index: m.statement_index,
                                sid: m.sid.clone(),
                            })
                            .collect(),
                        reason: eval.reason.clone(),
                    });
                }
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }
}
