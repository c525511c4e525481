//! `ValidateResourcePolicy` checks (syntax, broad access, lock-out, unknown actions), the
//! broad-access rule's edges, and the AWS-shaped denial messages.

use coffer_policy::{
    CHECK_BROAD_ACCESS, CHECK_LOCKOUT, CHECK_SYNTAX, CHECK_UNKNOWN_ACTION, Decision,
    MAX_RESOURCE_POLICY_CHARS, NamedPolicy, Policy, PolicyKind, RequestContext, Severity, evaluate,
    is_broad, validate_resource_policy, validation_passed,
};

use crate::{ACCOUNT, ALICE, S};

fn rp(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

fn alice(action: &str) -> RequestContext {
    RequestContext::new(ALICE, ACCOUNT, format!("secretsmanager:{action}"), S)
}

/// (statement, broad?) — the deterministic rule of reference §2.5 at its edges.
const BROAD_CASES: &[(&str, bool)] = &[
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*"}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","*"]},"Action":"secretsmanager:*","Resource":"*"}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"secretsmanager:*","Resource":"*"}"#,
        true,
    ),
    (
        r#"{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*"}"#,
        false,
    ),
    (
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"secretsmanager:*","Resource":"*"}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"secretsmanager:*","Resource":"*"}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"secretsmanager:*","Resource":"*"}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:user/bob"]}}}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"AWS:PrincipalAccount":"111122223333"}}}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"}}}"#,
        false,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"${aws:username}"}}}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}}"#,
        true,
    ),
    (
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.1"}}}"#,
        true,
    ),
];

#[test]
fn broad_access_rule() {
    let mut failures = Vec::new();
    for (i, (stmt, want)) in BROAD_CASES.iter().enumerate() {
        let policy = Policy::parse(&rp(stmt), PolicyKind::Resource).unwrap();
        if is_broad(&policy) != *want {
            failures.push(format!("case {}: want broad={want}: {stmt}", i + 1));
        }
        let findings = validate_resource_policy(&rp(stmt), None, S);
        let flagged = findings.iter().any(|f| f.check_name == CHECK_BROAD_ACCESS);
        if flagged != *want || validation_passed(&findings) == *want {
            failures.push(format!("case {}: findings {findings:?}", i + 1));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn broad_finding_names_the_statement() {
    let text = rp(
        r#"{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}"#,
    );
    let findings = validate_resource_policy(&text, None, S);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].check_name, CHECK_BROAD_ACCESS);
    assert_eq!(findings[0].severity, Severity::Error);
    assert!(
        findings[0]
            .message
            .starts_with("Statement 'Public' grants broad access"),
        "{findings:?}"
    );
}

#[test]
fn syntax_findings_stop_the_other_checks() {
    let findings = validate_resource_policy(r#"{"Statement":[{"Effect":"Allow"}]}"#, None, S);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].check_name, CHECK_SYNTAX);
    assert_eq!(
        findings[0].message,
        "Statement 1: missing Action or NotAction"
    );
    assert!(!validation_passed(&findings));
}

#[test]
fn size_limit_is_20480_characters() {
    let stmt = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}"#;
    // Pad with a multi-byte character: the limit counts characters, not bytes.
    let with_id =
        |id: &str| format!(r#"{{"Id":"{id}","Version":"2012-10-17","Statement":[{stmt}]}}"#);
    let pad = |n: usize| with_id(&"é".repeat(n - with_id("").chars().count()));
    let at_limit = pad(MAX_RESOURCE_POLICY_CHARS);
    assert_eq!(at_limit.chars().count(), MAX_RESOURCE_POLICY_CHARS);
    assert!(at_limit.len() > MAX_RESOURCE_POLICY_CHARS);
    assert!(validate_resource_policy(&at_limit, None, S).is_empty());
    let over = pad(MAX_RESOURCE_POLICY_CHARS + 1);
    let findings = validate_resource_policy(&over, None, S);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].check_name, CHECK_SYNTAX);
    assert_eq!(
        findings[0].message,
        "The policy document is 20481 characters; the limit is 20480"
    );
}

#[test]
fn lockout_of_the_caller_is_reported() {
    let text = rp(
        r#"{"Sid":"NoChanges","Effect":"Deny","Principal":"*","Action":["secretsmanager:PutResourcePolicy","secretsmanager:DeleteResourcePolicy"],"Resource":"*"}"#,
    );
    let caller = alice("ValidateResourcePolicy");
    let findings = validate_resource_policy(&text, Some(&caller), S);
    let lockouts: Vec<_> = findings
        .iter()
        .filter(|f| f.check_name == CHECK_LOCKOUT)
        .collect();
    assert_eq!(lockouts.len(), 2, "{findings:?}");
    assert_eq!(
        lockouts[0].message,
        "The policy would explicitly deny the caller arn:aws:iam::111122223333:user/alice the action secretsmanager:PutResourcePolicy on this secret (statement 'NoChanges')"
    );
    assert!(!validation_passed(&findings));
    // Without a caller there is no one to lock out.
    assert!(validate_resource_policy(&text, None, S).is_empty());
}

#[test]
fn lockout_only_counts_the_caller_and_this_secret() {
    let deny_bob = rp(
        r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"secretsmanager:*","Resource":"*"}"#,
    );
    assert!(validate_resource_policy(&deny_bob, Some(&alice("X")), S).is_empty());
    let deny_other = rp(
        r#"{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:other-Ab12Cd"}"#,
    );
    assert!(validate_resource_policy(&deny_other, Some(&alice("X")), S).is_empty());
    let deny_delete_via_not_action = rp(
        r#"{"Effect":"Deny","Principal":"*","NotAction":"secretsmanager:PutResourcePolicy","Resource":"*"}"#,
    );
    let findings = validate_resource_policy(&deny_delete_via_not_action, Some(&alice("X")), S);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].message.contains("DeleteResourcePolicy"));
    // Conditions see the caller's keys: over TLS the deny does not apply.
    let deny_http = rp(
        r#"{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
    );
    let mut caller = alice("X");
    caller.set_bool("aws:SecureTransport", true);
    assert!(validate_resource_policy(&deny_http, Some(&caller), S).is_empty());
    caller.set_bool("aws:SecureTransport", false);
    assert_eq!(
        validate_resource_policy(&deny_http, Some(&caller), S).len(),
        2
    );
}

#[test]
fn unknown_actions_are_warnings() {
    let text = rp(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["secretsmanager:GetSecretVaule","secretsmanager:Get*","secretsmanager:Frob*","kms:Decrypt"],"Resource":"*"}"#,
    );
    let findings = validate_resource_policy(&text, None, S);
    let msgs: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Unknown action \"secretsmanager:GetSecretVaule\": Secrets Manager has no such action",
            "Unknown action \"secretsmanager:Frob*\": Secrets Manager has no such action",
        ]
    );
    assert!(
        findings
            .iter()
            .all(|f| f.check_name == CHECK_UNKNOWN_ACTION)
    );
    assert!(validation_passed(&findings));
}

#[test]
fn access_denied_messages_have_aws_shape() {
    let req = alice("GetSecretValue");
    let none = evaluate(&[], None, &req);
    assert_eq!(
        none.access_denied_message(&req).unwrap(),
        format!(
            "User: {ALICE} is not authorized to perform: secretsmanager:GetSecretValue on resource: {S} because no identity-based policy allows the secretsmanager:GetSecretValue action"
        )
    );
    let deny = Policy::parse(
        &rp(r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#),
        PolicyKind::Resource,
    )
    .unwrap();
    let eval = evaluate(
        &[],
        Some(NamedPolicy {
            name: "prod/db",
            policy: &deny,
        }),
        &req,
    );
    assert_eq!(eval.decision, Decision::ExplicitDeny);
    assert_eq!(
        eval.reason,
        "explicitly denied by statement 1 of resource policy prod/db"
    );
    assert!(
        eval.access_denied_message(&req)
            .unwrap()
            .ends_with("with an explicit deny in a resource-based policy")
    );
    let id = Policy::parse(
        r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    let eval = evaluate(
        &[NamedPolicy {
            name: "p",
            policy: &id,
        }],
        None,
        &req,
    );
    assert!(
        eval.access_denied_message(&req)
            .unwrap()
            .ends_with("with an explicit deny in an identity-based policy")
    );
    let allow = Policy::parse(
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    let eval = evaluate(
        &[NamedPolicy {
            name: "p",
            policy: &allow,
        }],
        None,
        &req,
    );
    assert_eq!(eval.access_denied_message(&req), None);
    assert_eq!(
        [
            Decision::Allowed,
            Decision::ExplicitDeny,
            Decision::ImplicitDeny
        ]
        .map(Decision::as_str),
        ["allowed", "explicitDeny", "implicitDeny"]
    );
}

#[test]
fn request_context_fills_principal_keys_and_ignores_key_case() {
    let mut req = alice("GetSecretValue");
    assert_eq!(req.get("AWS:USERNAME"), ["alice"]);
    assert_eq!(req.get("aws:principaltype"), ["User"]);
    assert_eq!(req.get("aws:PrincipalAccount"), [ACCOUNT]);
    req.set("aws:ResourceTag/Env", "prod");
    assert_eq!(req.get("aws:resourcetag/ENV"), ["prod"]);
    req.set_values("aws:TagKeys", Vec::<String>::new());
    assert!(req.get("aws:TagKeys").is_empty());
    req.set_time(chrono::DateTime::from_timestamp(1_588_291_200, 0).unwrap());
    assert_eq!(req.get("aws:CurrentTime"), ["2020-05-01T00:00:00Z"]);
    assert_eq!(req.get("aws:EpochTime"), ["1588291200"]);
    let root = RequestContext::new("arn:aws:iam::111122223333:root", ACCOUNT, "x:y", "*");
    assert!(root.is_account_root());
    assert_eq!(root.get("aws:PrincipalType"), ["Account"]);
}
