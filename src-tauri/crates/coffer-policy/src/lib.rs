//! IAM policy documents for Coffer: parse, validate and evaluate them exactly as AWS does
//! within one account.
//!
//! ```text
//! JSON text ─Policy::parse(kind)─► Policy ─┐
//!                     RequestContext ──────┼─► evaluate(identity, resource, req) ─► Evaluation
//!                                          └─► is_broad / validate_resource_policy ─► findings
//! ```
//!
//! Invariants the rest of Coffer relies on:
//! - Pure: no I/O, no clock, no randomness. Time reaches conditions only through
//!   `aws:CurrentTime`/`aws:EpochTime` in the [`RequestContext`], filled by the engine.
//! - [`Policy::parse`] rejects everything malformed (including duplicate JSON keys), so
//!   [`evaluate`] cannot fail; it is deterministic and fails closed (a missing key never
//!   satisfies a positive condition).
//! - An explicit `Deny` always wins; adding an `Allow` never removes access and adding a `Deny`
//!   never adds access (property-tested against a reference evaluator).
//!
//! Product decisions where AWS's documentation is silent or inconsistent:
//! - `?` in an action name is a one-character wildcard, like `*` (AWS documents only `*`).
//! - `Bool` does not accept policy variables (the variables page forbids them); such a value
//!   is a parse error.
//! - A resource-policy `Principal` naming the account (id or `:root`) only delegates to the
//!   identity policies, as in KMS key policies.
//! - Request values are strings; each operator parses them (see [`RequestContext`]).

mod condition;
mod context;
mod error;
mod eval;
mod json;
mod policy;
mod template;
mod validate;

pub use context::{RequestContext, keys};
pub use error::PolicyError;
pub use eval::{Decision, Evaluation, MatchedStatement, NamedPolicy, PolicySource, evaluate};
pub use policy::{
    Effect, MAX_RESOURCE_POLICY_CHARS, Policy, PolicyKind, Statement, VERSION_2008, VERSION_2012,
};
pub use validate::{
    CHECK_BROAD_ACCESS, CHECK_LOCKOUT, CHECK_SYNTAX, CHECK_UNKNOWN_ACTION, SECRETS_MANAGER_ACTIONS,
    Severity, ValidationFinding, broad_statements, is_broad, unknown_actions,
    validate_resource_policy, validation_passed,
};

/// The fuzz target's body, shared with the corpus replay in `cargo test`: parses `data` as
/// both kinds of policy and, when it parses, evaluates it twice against a fixed request and
/// checks the two results are equal. Panics on any invariant violation.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut req = RequestContext::new(
        "arn:aws:iam::111122223333:user/alice",
        "111122223333",
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
    );
    req.set(keys::SOURCE_IP, "127.0.0.1")
        .set_bool(keys::SECURE_TRANSPORT, true)
        .set(keys::CURRENT_TIME, "2020-05-01T00:00:00Z")
        .set(keys::EPOCH_TIME, "1588291200")
        .set_values(keys::TAG_KEYS, ["owner", "env"])
        .set("aws:PrincipalTag/team", "blue");
    for kind in [PolicyKind::Identity, PolicyKind::Resource] {
        let Ok(policy) = Policy::parse(text, kind) else {
            continue;
        };
        let named = NamedPolicy {
            name: "fuzz",
            policy: &policy,
        };
        let (first, second) = match kind {
            PolicyKind::Identity => (
                evaluate(&[named], None, &req),
                evaluate(&[named], None, &req),
            ),
            PolicyKind::Resource => (
                evaluate(&[], Some(named), &req),
                evaluate(&[], Some(named), &req),
            ),
        };
        assert_eq!(first, second, "evaluation is not deterministic");
        if first.decision == Decision::ExplicitDeny {
            assert!(first.matched.iter().all(|m| m.effect == Effect::Deny));
        }
        if kind == PolicyKind::Resource {
            let _ = is_broad(&policy);
            let findings = validate_resource_policy(text, Some(&req), &req.resource);
            if text.chars().count() <= MAX_RESOURCE_POLICY_CHARS {
                assert!(findings.iter().all(|f| f.check_name != CHECK_SYNTAX));
            }
        }
    }
}
