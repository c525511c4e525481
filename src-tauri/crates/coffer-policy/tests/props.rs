//! Property tests: random policies and requests from a small alphabet, evaluated by the crate
//! and by a deliberately simple reference evaluator written here (differential testing); plus
//! the monotonicity invariants (adding a Deny never grants, adding an Allow never revokes,
//! an explicit Deny always wins) and determinism.
//!
//! The alphabet avoids what the table tests pin separately (ARN wildcards that would cross a
//! colon, variables, NotPrincipal), so the reference can use one whole-string glob.

use coffer_policy::{Decision, Effect, NamedPolicy, Policy, PolicyKind, RequestContext, evaluate};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{ACCOUNT, ALICE, S};

const SEC: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";
const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const ACTIONS: &[&str] = &[
    "*",
    "secretsmanager:*",
    "secretsmanager:Get*",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "SecretsManager:DESCRIBESECRET",
    "secretsmanager:?etSecretValue",
    "kms:Decrypt",
];
const RESOURCES: &[&str] = &[
    "*",
    S,
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/*",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:*db*",
];
const PRINCIPALS: &[&str] = &["*", ALICE, ACCOUNT, BOB];
const KEYS: &[&str] = &["secretsmanager:VersionStage", "aws:TagKeys", "aws:username"];
const VALUES: &[&str] = &["AWSCURRENT", "alice", "env", "a*"];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIfExists",
    "StringLike",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringEquals",
    "Null",
];
const REQ_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:DeleteSecret",
    "kms:Decrypt",
];

#[derive(Debug, Clone)]
struct Cond {
    op: usize,
    key: usize,
    values: Vec<usize>,
    null_true: bool,
}

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    not_action: bool,
    actions: Vec<usize>,
    not_resource: bool,
    resources: Vec<usize>,
    principal: usize,
    cond: Option<Cond>,
}

#[derive(Debug, Clone)]
struct Req {
    bob: bool,
    action: usize,
    resource: String,
    stage: Option<&'static str>,
    tags: Vec<&'static str>,
}

fn cond() -> impl Strategy<Value = Cond> {
    (
        0..OPERATORS.len(),
        0..KEYS.len(),
        prop::collection::vec(0..VALUES.len(), 1..3),
        any::<bool>(),
    )
        .prop_map(|(op, key, values, null_true)| Cond {
            op,
            key,
            values,
            null_true,
        })
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::collection::vec(0..ACTIONS.len(), 1..3),
        prop::bool::weighted(0.2),
        prop::collection::vec(0..RESOURCES.len(), 1..3),
        0..PRINCIPALS.len(),
        prop::option::weighted(0.5, cond()),
    )
        .prop_map(
            |(allow, not_action, actions, not_resource, resources, principal, cond)| Stmt {
                allow,
                not_action,
                actions,
                not_resource,
                resources,
                principal,
                cond,
            },
        )
}

fn req() -> impl Strategy<Value = Req> {
    let resources = prop::sample::select(vec![
        S.to_owned(),
        format!("{SEC}dev/app-Ab12Cd"),
        format!("{SEC}prod/x/db-Ab12Cd"),
        "*".to_owned(),
    ]);
    let stages = prop::sample::select(vec![None, Some("AWSCURRENT"), Some("AWSPREVIOUS")]);
    let tags = prop::sample::select(vec![vec![], vec!["env"], vec!["env", "owner"], vec!["a*"]]);
    (any::<bool>(), 0..REQ_ACTIONS.len(), resources, stages, tags).prop_map(
        |(bob, action, resource, stage, tags)| Req {
            bob,
            action,
            resource,
            stage,
            tags,
        },
    )
}

fn to_json(stmts: &[Stmt], resource_policy: bool) -> String {
    let statements: Vec<Value> = stmts
        .iter()
        .map(|s| {
            let mut o = serde_json::Map::new();
            o.insert(
                "Effect".into(),
                json!(if s.allow { "Allow" } else { "Deny" }),
            );
            let actions: Vec<&str> = s.actions.iter().map(|&i| ACTIONS[i]).collect();
            o.insert(
                if s.not_action { "NotAction" } else { "Action" }.into(),
                json!(actions),
            );
            let resources: Vec<&str> = s.resources.iter().map(|&i| RESOURCES[i]).collect();
            o.insert(
                if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }
                .into(),
                json!(resources),
            );
            if resource_policy {
                let p = PRINCIPALS[s.principal];
                o.insert(
                    "Principal".into(),
                    if p == "*" {
                        json!("*")
                    } else {
                        json!({"AWS": p})
                    },
                );
            }
            if let Some(c) = &s.cond {
                let values: Value = if OPERATORS[c.op] == "Null" {
                    json!(c.null_true.to_string())
                } else {
                    json!(c.values.iter().map(|&i| VALUES[i]).collect::<Vec<_>>())
                };
                o.insert(
                    "Condition".into(),
                    json!({ OPERATORS[c.op]: { KEYS[c.key]: values } }),
                );
            }
            Value::Object(o)
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn context(r: &Req) -> RequestContext {
    let principal = if r.bob { BOB } else { ALICE };
    let mut ctx = RequestContext::new(principal, ACCOUNT, REQ_ACTIONS[r.action], &r.resource);
    if let Some(stage) = r.stage {
        ctx.set("secretsmanager:VersionStage", stage);
    }
    ctx.set_values("aws:TagKeys", r.tags.iter().copied());
    ctx
}

// ---------------------------------------------------------------- the reference evaluator

/// Naive recursive glob (exponential, fine for these sizes).
fn rglob(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| rglob(rest, &t[i..])),
        Some(('?', rest)) => !t.is_empty() && rglob(rest, &t[1..]),
        Some((c, rest)) => t.first() == Some(c) && rglob(rest, &t[1..]),
    }
}

fn like(p: &str, t: &str) -> bool {
    rglob(
        &p.chars().collect::<Vec<_>>(),
        &t.chars().collect::<Vec<_>>(),
    )
}

fn ref_cond(c: &Cond, r: &Req) -> bool {
    let username = if r.bob { "bob" } else { "alice" };
    let request: Vec<&str> = match KEYS[c.key] {
        "secretsmanager:VersionStage" => r.stage.into_iter().collect(),
        "aws:TagKeys" => r.tags.clone(),
        _ => vec![username],
    };
    let policy: Vec<&str> = c.values.iter().map(|&i| VALUES[i]).collect();
    let equal = |v: &&str| policy.contains(v);
    match OPERATORS[c.op] {
        "StringEquals" => request.iter().any(equal),
        "StringNotEquals" => !request.iter().any(equal),
        "StringEqualsIfExists" => request.is_empty() || request.iter().any(equal),
        "StringLike" => request.iter().any(|v| policy.iter().any(|p| like(p, v))),
        "ForAllValues:StringEquals" => request.iter().all(equal),
        "ForAnyValue:StringEquals" => request.iter().any(equal),
        "Null" => request.is_empty() == c.null_true,
        other => unreachable!("{other}"),
    }
}

/// `Some(true)`: names the caller; `Some(false)`: names only the caller's account; `None`:
/// does not apply.
fn ref_applies(s: &Stmt, r: &Req, resource_policy: bool) -> Option<bool> {
    let action = REQ_ACTIONS[r.action].to_lowercase();
    let a = s
        .actions
        .iter()
        .any(|&i| like(&ACTIONS[i].to_lowercase(), &action));
    let res = s.resources.iter().any(|&i| like(RESOURCES[i], &r.resource));
    if a == s.not_action || res == s.not_resource {
        return None;
    }
    if let Some(c) = &s.cond {
        if !ref_cond(c, r) {
            return None;
        }
    }
    if !resource_policy {
        return Some(true);
    }
    let caller = if r.bob { BOB } else { ALICE };
    match PRINCIPALS[s.principal] {
        "*" => Some(true),
        ACCOUNT => Some(false),
        p if p == caller => Some(true),
        _ => None,
    }
}

fn reference(identity: &[Vec<Stmt>], resource: Option<&[Stmt]>, r: &Req) -> Decision {
    let id = identity
        .iter()
        .flatten()
        .filter_map(|s| Some((s.allow, ref_applies(s, r, false)?)));
    let rp = resource
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s.allow, ref_applies(s, r, true)?)));
    let all: Vec<(bool, bool)> = id.chain(rp).collect();
    if all.iter().any(|(allow, _)| !allow) {
        Decision::ExplicitDeny
    } else if all
        .iter()
        .any(|(allow, names_caller)| *allow && *names_caller)
    {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    }
}

// ---------------------------------------------------------------- the crate under test

fn crate_eval(
    identity: &[Vec<Stmt>],
    resource: Option<&[Stmt]>,
    r: &Req,
) -> coffer_policy::Evaluation {
    let ids: Vec<Policy> = identity
        .iter()
        .map(|p| Policy::parse(&to_json(p, false), PolicyKind::Identity).unwrap())
        .collect();
    let rp = resource.map(|p| Policy::parse(&to_json(p, true), PolicyKind::Resource).unwrap());
    let named: Vec<NamedPolicy> = ids
        .iter()
        .map(|policy| NamedPolicy { name: "id", policy })
        .collect();
    let rp_named = rp.as_ref().map(|policy| NamedPolicy { name: "rp", policy });
    evaluate(&named, rp_named, &context(r))
}

fn policies() -> impl Strategy<Value = (Vec<Vec<Stmt>>, Option<Vec<Stmt>>)> {
    (
        prop::collection::vec(prop::collection::vec(stmt(), 1..4), 0..3),
        prop::option::of(prop::collection::vec(stmt(), 1..4)),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn agrees_with_the_reference((identity, resource) in policies(), r in req()) {
        let eval = crate_eval(&identity, resource.as_deref(), &r);
        prop_assert_eq!(eval.decision, reference(&identity, resource.as_deref(), &r), "{}", eval.reason);
        match eval.decision {
            Decision::ExplicitDeny => prop_assert!(!eval.matched.is_empty() && eval.matched.iter().all(|m| m.effect == Effect::Deny)),
            Decision::Allowed => prop_assert!(!eval.matched.is_empty() && eval.matched.iter().all(|m| m.effect == Effect::Allow)),
            Decision::ImplicitDeny => prop_assert!(eval.matched.is_empty()),
        }
    }

    #[test]
    fn deterministic((identity, resource) in policies(), r in req()) {
        let a = crate_eval(&identity, resource.as_deref(), &r);
        let b = crate_eval(&identity, resource.as_deref(), &r);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn adding_a_deny_never_grants((mut identity, mut resource) in policies(), r in req(), extra in stmt(), to_rp in any::<bool>()) {
        let before = crate_eval(&identity, resource.as_deref(), &r).decision;
        let deny = Stmt { allow: false, ..extra };
        match (&mut resource, to_rp) {
            (Some(rp), true) => rp.push(deny),
            _ => identity.push(vec![deny]),
        }
        let after = crate_eval(&identity, resource.as_deref(), &r).decision;
        if before != Decision::Allowed {
            prop_assert_ne!(after, Decision::Allowed);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn adding_an_allow_never_revokes((mut identity, mut resource) in policies(), r in req(), extra in stmt(), to_rp in any::<bool>()) {
        let before = crate_eval(&identity, resource.as_deref(), &r).decision;
        let allow = Stmt { allow: true, ..extra };
        match (&mut resource, to_rp) {
            (Some(rp), true) => rp.push(allow),
            _ => identity.push(vec![allow]),
        }
        let after = crate_eval(&identity, resource.as_deref(), &r).decision;
        if before == Decision::Allowed {
            prop_assert_eq!(after, Decision::Allowed);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn an_applicable_deny_always_wins((mut identity, resource) in policies(), r in req()) {
        identity.push(vec![Stmt { allow: false, not_action: false, actions: vec![0], not_resource: false, resources: vec![0], principal: 0, cond: None }]);
        prop_assert_eq!(crate_eval(&identity, resource.as_deref(), &r).decision, Decision::ExplicitDeny);
    }
}
