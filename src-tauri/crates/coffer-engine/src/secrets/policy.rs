//! Resource policies on secrets: PutResourcePolicy (with BlockPublicPolicy),
//! GetResourcePolicy, DeleteResourcePolicy and ValidateResourcePolicy.

use coffer_policy::{MAX_RESOURCE_POLICY_CHARS, Policy, PolicyKind, Severity, keys};

use super::SecretRef;
use crate::authz::key;
use crate::error::{Error, ErrorCode, Result};
use crate::{Engine, Principal, RequestContext};

/// GetResourcePolicy output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicyOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// The policy JSON, when there is one.
    pub resource_policy: Option<String>,
}

/// One problem ValidateResourcePolicy found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFinding {
    /// `SYNTAX_CHECKING`, `BROAD_ACCESS_CHECKING`, `LOCKOUT_CHECKING` or
    /// `UNKNOWN_ACTION_CHECKING` (a warning).
    pub check_name: String,
    /// What is wrong.
    pub error_message: String,
}

/// ValidateResourcePolicy output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyValidation {
    /// True when no check failed (warnings do not fail it).
    pub passed: bool,
    /// Every finding, errors and warnings.
    pub errors: Vec<PolicyFinding>,
}

fn check_size(policy: &str) -> Result<()> {
    let n = policy.chars().count();
    if n == 0 || n > MAX_RESOURCE_POLICY_CHARS {
        return Err(Error::validation(
            "resourcePolicy",
            "Member must have length between 1 and 20480",
        ));
    }
    Ok(())
}

impl Engine {
    /// PutResourcePolicy. With `block_public_policy`, a policy that grants broad access is
    /// refused with PublicPolicyException and the previous policy stays.
    pub async fn put_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        policy: &str,
        block_public_policy: bool,
    ) -> Result<SecretRef> {
        let mut op = self.begin(ctx, "PutResourcePolicy").await?;
        let result = async {
            let condition = vec![key(keys::BLOCK_PUBLIC_POLICY, block_public_policy.to_string())];
            let mut secret = self.require_secret_with(&mut op, secret_id, condition).await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            check_size(policy)?;
            let parsed = Policy::parse(policy, PolicyKind::Resource)
                .map_err(|e| Error::new(ErrorCode::MalformedPolicyDocument, e.message))?;
            if block_public_policy && coffer_policy::is_broad(&parsed) {
                return Err(Error::new(
                    ErrorCode::PublicPolicy,
                    "The BlockPublicPolicy parameter is set to true and the resource policy did not prevent broad access to the secret.",
                ));
            }
            op.event.detail("blockPublicPolicy", block_public_policy);
            op.event.detail("policyHash", op.keys.audit_hash(policy.as_bytes()));
            secret.resource_policy = Some(policy.to_owned());
            secret.last_changed_at = op.now;
            coffer_store::update_secret(op.tx.conn(), &secret).await?;
            Ok(SecretRef {
                arn: secret.arn,
                name: secret.name,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// GetResourcePolicy.
    pub async fn get_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<ResourcePolicyOutput> {
        let mut op = self.begin_read(ctx, "GetResourcePolicy").await?;
        let result = async {
            let secret = self.require_secret(&mut op, secret_id).await?;
            Ok(ResourcePolicyOutput {
                arn: secret.arn,
                name: secret.name,
                resource_policy: secret.resource_policy,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// DeleteResourcePolicy (fine when there is none).
    pub async fn delete_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<SecretRef> {
        let mut op = self.begin(ctx, "DeleteResourcePolicy").await?;
        let result = async {
            let mut secret = self.require_secret(&mut op, secret_id).await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            if secret.resource_policy.take().is_some() {
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

    /// ValidateResourcePolicy: syntax, broad access, and whether the policy would lock the
    /// caller out of changing it again.
    pub async fn validate_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: Option<&str>,
        policy: &str,
    ) -> Result<PolicyValidation> {
        let mut op = self.begin(ctx, "ValidateResourcePolicy").await?;
        let result = async {
            let arn = match secret_id {
                Some(id) => self.require_secret(&mut op, id).await?.arn,
                None => {
                    self.authorize_on(&mut op, "*", None, &Vec::new()).await?;
                    "*".to_owned()
                }
            };
            check_size(policy)?;
            let caller_arn = match &op.ctx.principal {
                Principal::Arn(a) => a.clone(),
                Principal::Root | Principal::Coffer => {
                    format!("arn:aws:iam::{}:root", self.inner.account_id)
                }
            };
            let caller = coffer_policy::RequestContext::new(
                caller_arn,
                self.inner.account_id.clone(),
                "secretsmanager:PutResourcePolicy".to_owned(),
                arn.clone(),
            );
            let findings = coffer_policy::validate_resource_policy(policy, Some(&caller), &arn);
            let passed = coffer_policy::validation_passed(&findings);
            op.event.detail("passed", passed);
            Ok(PolicyValidation {
                passed,
                errors: findings
                    .into_iter()
                    .map(|f| PolicyFinding {
                        check_name: f.check_name,
                        error_message: match f.severity {
                            Severity::Error => f.message,
                            Severity::Warning => format!("Warning: {}", f.message),
                        },
                    })
                    .collect(),
            })
        }
        .await;
        self.finish(op, result).await
    }
}
