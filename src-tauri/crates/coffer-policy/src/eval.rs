//! The decision for one request within one account (IAM User Guide, "Policy evaluation
//! logic", single-account case).
//!
//! 1. Any applicable `Deny` in any policy → explicit deny.
//! 2. The account root user → allowed.
//! 3. An applicable `Allow` in an identity policy, or in the resource policy with a `Principal`
//!    that names the caller (user or role ARN, `*`, or a `NotPrincipal` that leaves the caller
//!    out) → allowed. A resource-policy `Principal` naming the *account* only delegates: the
//!    identity policies must allow.
//! 4. Otherwise → implicit deny.
//!
//! Parsing already rejected everything malformed, so evaluation cannot fail.

use crate::policy::{PrincipalId, PrincipalSpec, Statement};
use crate::template;
use crate::{Effect, Policy, RequestContext};

/// A policy with the name the reason and audit log use for it.
#[derive(Debug, Clone, Copy)]
pub struct NamedPolicy<'a> {
    /// E.g. `user/alice inline:read`, a managed policy ARN, or the secret's name.
    pub name: &'a str,
    /// The parsed policy.
    pub policy: &'a Policy,
}

/// The outcome, in the IAM policy simulator's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Some applicable statement allows and none denies.
    Allowed,
    /// An applicable statement denies.
    ExplicitDeny,
    /// Nothing allows.
    ImplicitDeny,
}

impl Decision {
    /// `"allowed"`, `"explicitDeny"` or `"implicitDeny"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }

    /// Whether access is granted.
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// Which kind of policy a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySource {
    /// An identity-based policy of the caller.
    Identity,
    /// The secret's resource policy.
    Resource,
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// [`NamedPolicy::name`] of its policy.
    pub policy_name: String,
    /// 1-based position in its policy.
    pub statement_index: usize,
    /// Its `Sid`, if any.
    pub sid: Option<String>,
    /// Its `Effect`.
    pub effect: Effect,
    /// Identity or resource policy.
    pub source: PolicySource,
}

/// The decision with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The outcome.
    pub decision: Decision,
    /// For an explicit deny, every applicable `Deny`; for an allow, every applicable `Allow`
    /// (identity policies first); empty for an implicit deny.
    pub matched: Vec<MatchedStatement>,
    /// One sentence, e.g. `explicitly denied by statement 'DenyProd' of policy user/alice`.
    pub reason: String,
}

impl Evaluation {
    /// AWS's `AccessDeniedException` message for a denied request; `None` when allowed.
    pub fn access_denied_message(&self, req: &RequestContext) -> Option<String> {
        let because = match self.decision {
            Decision::Allowed => return None,
            Decision::ExplicitDeny => match self.matched.first().map(|m| m.source) {
                Some(PolicySource::Resource) => {
                    "with an explicit deny in a resource-based policy".to_owned()
                }
                _ => "with an explicit deny in an identity-based policy".to_owned(),
            },
            Decision::ImplicitDeny => {
                format!(
                    "because no identity-based policy allows the {} action",
                    req.action
                )
            }
        };
        Some(format!(
            "User: {} is not authorized to perform: {} on resource: {} {because}",
            req.principal_arn, req.action, req.resource
        ))
    }
}

/// How a statement's principal element relates to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Named {
    No,
    /// The caller's account is named: delegates to identity policies.
    Account,
    /// The caller is named (or everyone is).
    Caller,
}

/// Evaluates `req` against the caller's identity policies and the secret's resource policy.
pub fn evaluate(
    identity: &[NamedPolicy],
    resource: Option<NamedPolicy>,
    req: &RequestContext,
) -> Evaluation {
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    let mut delegated = false;
    let sources = identity
        .iter()
        .map(|p| (p, PolicySource::Identity))
        .chain(resource.as_ref().map(|p| (p, PolicySource::Resource)));
    for (named, source) in sources {
        for stmt in named.policy.statements() {
            let Some(who) = applies(stmt, req) else {
                continue;
            };
            let matched = || MatchedStatement {
                policy_name: named.name.to_owned(),
                statement_index: stmt.index(),
                sid: stmt.sid().map(str::to_owned),
                effect: stmt.effect(),
                source,
            };
            match (stmt.effect(), source, who) {
                (Effect::Deny, _, Named::Caller | Named::Account) => denies.push(matched()),
                (Effect::Allow, PolicySource::Resource, Named::Account) => delegated = true,
                // Identity statements have no Principal (`Caller`); an account principal only
                // delegates when it appears in the resource policy.
                (Effect::Allow, _, Named::Caller | Named::Account) => allows.push(matched()),
                (_, _, Named::No) => {}
            }
        }
    }
    if let Some(first) = denies.first() {
        let reason = format!("explicitly denied by {}", describe(first));
        return Evaluation {
            decision: Decision::ExplicitDeny,
            matched: denies,
            reason,
        };
    }
    if let Some(first) = allows.first() {
        let reason = format!("allowed by {}", describe(first));
        return Evaluation {
            decision: Decision::Allowed,
            matched: allows,
            reason,
        };
    }
    if req.is_account_root() {
        let reason = "allowed because the caller is the account root user".to_owned();
        return Evaluation {
            decision: Decision::Allowed,
            matched: allows,
            reason,
        };
    }
    let mut reason = format!("no identity-based policy allows the {} action", req.action);
    if delegated {
        reason.push_str(" (the resource policy names the account, which only delegates)");
    }
    Evaluation {
        decision: Decision::ImplicitDeny,
        matched: Vec::new(),
        reason,
    }
}

fn describe(m: &MatchedStatement) -> String {
    let stmt = match &m.sid {
        Some(sid) if !sid.is_empty() => format!("statement '{sid}'"),
        _ => format!("statement {}", m.statement_index),
    };
    let policy = match (m.source, m.policy_name.is_empty()) {
        (PolicySource::Identity, _) => format!("policy {}", m.policy_name),
        (PolicySource::Resource, true) => "resource policy".to_owned(),
        (PolicySource::Resource, false) => format!("resource policy {}", m.policy_name),
    };
    format!("{stmt} of {policy}")
}

/// Whether the statement applies to the request (action, resource, principal, conditions), and
/// how its principal names the caller (`Caller` for statements without one).
fn applies(stmt: &Statement, req: &RequestContext) -> Option<Named> {
    let action = req.action.to_lowercase().chars().collect::<Vec<_>>();
    let action_hit = stmt
        .actions
        .iter()
        .any(|a| template::glob(&a.tokens, &action));
    if action_hit == stmt.not_action {
        return None;
    }
    let resource_hit = stmt.resources.iter().any(|r| {
        r.tokens(req, true)
            .is_some_and(|tokens| template::arn_match(&tokens, &req.resource))
    });
    if resource_hit == stmt.not_resource {
        return None;
    }
    let named = match &stmt.principal {
        None => Named::Caller,
        Some(spec) => principal_named(spec, stmt.effect, req),
    };
    if named == Named::No {
        return None;
    }
    stmt.conditions
        .iter()
        .all(|c| c.matches(req))
        .then_some(named)
}

/// How one principal id relates to the caller.
fn id_names(id: &PrincipalId, req: &RequestContext) -> Named {
    match id {
        PrincipalId::Everyone => Named::Caller,
        PrincipalId::Account(a) if *a == req.account_id => {
            if req.is_account_root() {
                Named::Caller
            } else {
                Named::Account
            }
        }
        PrincipalId::Account(_) => Named::No,
        PrincipalId::Arn(arn) if *arn == req.principal_arn => Named::Caller,
        PrincipalId::Arn(arn) if is_session_of(&req.principal_arn, arn) => Named::Caller,
        PrincipalId::Arn(_) => Named::No,
        PrincipalId::Service(s) if *s == req.principal_arn => Named::Caller,
        PrincipalId::Service(_) => Named::No,
    }
}

/// `arn:aws:sts::A:assumed-role/R/session` is a session of `arn:aws:iam::A:role/R`.
fn is_session_of(caller: &str, role_arn: &str) -> bool {
    let role: Vec<&str> = role_arn.splitn(6, ':').collect();
    let session: Vec<&str> = caller.splitn(6, ':').collect();
    if role.len() != 6 || session.len() != 6 || role[2] != "iam" || session[2] != "sts" {
        return false;
    }
    let Some(role_name) = role[5].strip_prefix("role/") else {
        return false;
    };
    let role_name = role_name.rsplit('/').next().unwrap_or(role_name);
    let Some(rest) = session[5].strip_prefix("assumed-role/") else {
        return false;
    };
    role[1] == session[1]
        && role[4] == session[4]
        && rest
            .split_once('/')
            .is_some_and(|(name, _)| name == role_name)
}

/// `Principal`: the best way any listed id names the caller. `NotPrincipal`: AWS evaluates the
/// caller as both itself and its account, so a `Deny` spares the caller only when both are
/// listed (or the caller is the listed root, or `*` is listed); an `Allow` spares the caller when
/// either is listed (and then names everyone else, which is why it is broad).
fn principal_named(spec: &PrincipalSpec, effect: Effect, req: &RequestContext) -> Named {
    let each = spec.ids.iter().map(|id| (id, id_names(id, req)));
    if !spec.negated {
        return each.map(|(_, n)| n).max().unwrap_or(Named::No);
    }
    let mut everyone = false;
    let mut caller = false;
    let mut account = false;
    for (id, named) in each {
        match (id, named) {
            (PrincipalId::Everyone, _) => everyone = true,
            (PrincipalId::Account(_), Named::Caller | Named::Account) => account = true,
            (_, Named::Caller) => caller = true,
            _ => {}
        }
    }
    let spared = match effect {
        Effect::Deny => everyone || (account && (caller || req.is_account_root())),
        Effect::Allow => everyone || account || caller,
    };
    if spared { Named::No } else { Named::Caller }
}
