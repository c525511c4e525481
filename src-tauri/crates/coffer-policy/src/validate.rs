//! `ValidateResourcePolicy` and `BlockPublicPolicy`: syntax, broad access, lock-out, and
//! unknown actions.
//!
//! We have no Zelkova, so "broad" is a deterministic rule (reference §2.5): an `Allow` statement
//! is broad when its `Principal` is `"*"` or `{"AWS": "*"}` (alone or in a list), or it uses
//! `NotPrincipal`, **unless** its `Condition` pins the caller with a plain `StringEquals` or
//! `ArnEquals` (no `IfExists`, no set qualifier) on `aws:PrincipalArn`, `aws:userid`,
//! `aws:username` or `aws:PrincipalAccount` whose values are all free of `*`, `?` and policy
//! variables. `Deny` statements are never broad.

use crate::condition::{Base, Value};
use crate::policy::{MAX_RESOURCE_POLICY_CHARS, PrincipalId, Statement};
use crate::template;
use crate::{Decision, Effect, NamedPolicy, Policy, PolicyKind, RequestContext, evaluate};

/// `CheckName` of a finding about malformed documents (errors).
pub const CHECK_SYNTAX: &str = "SYNTAX_CHECKING";
/// `CheckName` of a finding about a statement that grants broad (public) access (errors).
pub const CHECK_BROAD_ACCESS: &str = "BROAD_ACCESS_CHECKING";
/// `CheckName` of a finding about a policy that would lock the caller out (errors).
pub const CHECK_LOCKOUT: &str = "LOCKOUT_CHECKING";
/// `CheckName` of a finding about an action Secrets Manager does not have (warnings).
pub const CHECK_UNKNOWN_ACTION: &str = "UNKNOWN_ACTION_CHECKING";

/// Every Secrets Manager action, as AWS spells it.
pub const SECRETS_MANAGER_ACTIONS: &[&str] = &[
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
    "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions",
    "RestoreSecret",
    "RotateSecret",
    "StopReplicationToReplica",
    "TagResource",
    "UntagResource",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "ValidateResourcePolicy",
];

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Fails validation (`PolicyValidationPassed: false`).
    Error,
    /// Reported but does not fail validation.
    Warning,
}

/// One entry of `ValidationErrors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationFinding {
    /// One of [`CHECK_SYNTAX`], [`CHECK_BROAD_ACCESS`], [`CHECK_LOCKOUT`],
    /// [`CHECK_UNKNOWN_ACTION`].
    pub check_name: String,
    /// What is wrong, precise enough to fix.
    pub message: String,
    /// Whether it fails validation.
    pub severity: Severity,
}

impl ValidationFinding {
    fn error(check: &str, message: String) -> Self {
        ValidationFinding {
            check_name: check.to_owned(),
            message,
            severity: Severity::Error,
        }
    }
}

/// `PolicyValidationPassed`: no finding is an error.
pub fn validation_passed(findings: &[ValidationFinding]) -> bool {
    findings.iter().all(|f| f.severity != Severity::Error)
}

/// Whether the policy grants broad access (the rule in this module's doc).
/// `PutResourcePolicy` with `BlockPublicPolicy=true` refuses such a policy.
pub fn is_broad(policy: &Policy) -> bool {
    !broad_statements(policy).is_empty()
}

/// The statements that make the policy broad.
pub fn broad_statements(policy: &Policy) -> Vec<&Statement> {
    policy
        .statements()
        .iter()
        .filter(|s| statement_is_broad(s))
        .collect()
}

fn statement_is_broad(stmt: &Statement) -> bool {
    let Some(spec) = &stmt.principal else {
        return false;
    };
    if stmt.effect != Effect::Allow {
        return false;
    }
    let open = spec.negated || spec.ids.contains(&PrincipalId::Everyone);
    open && !pins_caller(stmt)
}

fn pins_caller(stmt: &Statement) -> bool {
    const PIN_KEYS: [&str; 4] = [
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "aws:principalaccount",
    ];
    stmt.conditions.iter().any(|c| {
        let op = &c.operator;
        matches!(op.base, Base::StringEquals | Base::ArnEquals)
            && !op.if_exists
            && op.set.is_none()
            && PIN_KEYS.contains(&c.key_lc.as_str())
            && c.values.iter().all(|v| match v {
                Value::Text(t) => !t.has_variables() && !t.raw().contains(['*', '?']),
                _ => false,
            })
    })
}

/// Action patterns of the policy that name `secretsmanager:` but match no Secrets Manager
/// action (e.g. the misspelt `secretsmanager:GetSecretVaule`).
pub fn unknown_actions(policy: &Policy) -> Vec<String> {
    let known: Vec<Vec<char>> = SECRETS_MANAGER_ACTIONS
        .iter()
        .map(|a| {
            format!("secretsmanager:{a}")
                .to_lowercase()
                .chars()
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for stmt in policy.statements() {
        for action in &stmt.actions {
            let is_sm = action.raw.to_lowercase().starts_with("secretsmanager:");
            if is_sm && !known.iter().any(|k| template::glob(&action.tokens, k)) {
                out.push(action.raw.clone());
            }
        }
    }
    out
}

/// `ValidateResourcePolicy`: checks a resource policy for `secret_arn`.
///
/// Syntax (size limit and everything [`Policy::parse`] rejects) stops the other checks. Then
/// every broad statement is an error, the caller (when given) must not be explicitly denied
/// `PutResourcePolicy` or `DeleteResourcePolicy` on the secret by the policy, and unknown
/// Secrets Manager actions are warnings. The caller's condition keys are used as given; its
/// action and resource are replaced.
pub fn validate_resource_policy(
    json: &str,
    caller: Option<&RequestContext>,
    secret_arn: &str,
) -> Vec<ValidationFinding> {
    let chars = json.chars().count();
    if chars > MAX_RESOURCE_POLICY_CHARS {
        return vec![ValidationFinding::error(
            CHECK_SYNTAX,
            format!(
                "The policy document is {chars} characters; the limit is {MAX_RESOURCE_POLICY_CHARS}"
            ),
        )];
    }
    let policy = match Policy::parse(json, PolicyKind::Resource) {
        Ok(p) => p,
        Err(e) => return vec![ValidationFinding::error(CHECK_SYNTAX, e.message)],
    };
    let mut findings = Vec::new();
    for stmt in broad_statements(&policy) {
        let principal = if stmt.is_not_principal() {
            "NotPrincipal"
        } else {
            "Principal \"*\""
        };
        findings.push(ValidationFinding::error(
            CHECK_BROAD_ACCESS,
            format!(
                "{} grants broad access: it allows {principal} without pinning the caller with \
                 StringEquals or ArnEquals on aws:PrincipalArn, aws:userid, aws:username or \
                 aws:PrincipalAccount",
                capitalize(&stmt.label())
            ),
        ));
    }
    if let Some(caller) = caller {
        for action in ["PutResourcePolicy", "DeleteResourcePolicy"] {
            let mut req = caller.clone();
            req.action = format!("secretsmanager:{action}");
            req.resource = secret_arn.to_owned();
            let eval = evaluate(
                &[],
                Some(NamedPolicy {
                    name: "",
                    policy: &policy,
                }),
                &req,
            );
            if eval.decision == Decision::ExplicitDeny {
                let by = eval
                    .matched
                    .first()
                    .map_or(String::new(), |m| match &m.sid {
                        Some(sid) if !sid.is_empty() => format!(" (statement '{sid}')"),
                        _ => format!(" (statement {})", m.statement_index),
                    });
                findings.push(ValidationFinding::error(
                    CHECK_LOCKOUT,
                    format!(
                        "The policy would explicitly deny the caller {} the action \
                         secretsmanager:{action} on this secret{by}",
                        caller.principal_arn
                    ),
                ));
            }
        }
    }
    for action in unknown_actions(&policy) {
        findings.push(ValidationFinding {
            check_name: CHECK_UNKNOWN_ACTION.to_owned(),
            message: format!("Unknown action \"{action}\": Secrets Manager has no such action"),
            severity: Severity::Warning,
        });
    }
    findings
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}
