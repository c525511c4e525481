//! Malformed policies from `tests/data/parse_errors.json`, each with its exact message.

use crate::data;
use coffer_policy::{Policy, PolicyKind};

#[test]
fn malformed_policies_are_rejected_with_exact_messages() {
    let doc = data("parse_errors.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let kind = match case["kind"].as_str().unwrap() {
            "identity" => PolicyKind::Identity,
            _ => PolicyKind::Resource,
        };
        let text = case["policy"].as_str().unwrap();
        let want = case["error"].as_str().unwrap_or("<missing>");
        match Policy::parse(text, kind) {
            Ok(_) => failures.push(format!("case {}: parsed, want {want:?}", i + 1)),
            Err(e) if e.message == want => {}
            Err(e) => failures.push(format!(
                "case {}: want {want:?}\n           got {:?}",
                i + 1,
                e.message
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_error_displays_its_message() {
    let err = Policy::parse("{}", PolicyKind::Identity).unwrap_err();
    assert_eq!(err.to_string(), "Missing required element Statement");
    let _: &dyn std::error::Error = &err;
}

#[test]
fn valid_variants_parse() {
    // A single statement object, string or list values, JSON scalars in conditions, Id.
    let text = r#"{"Id":"x","Version":"2008-10-17","Statement":{"Effect":"Allow",
        "Action":["secretsmanager:Get*","kms:Decrypt"],"Resource":"*",
        "Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"coffer:n":[1,2.5]}}}}"#;
    let p = Policy::parse(text, PolicyKind::Identity).unwrap();
    assert_eq!(p.statements().len(), 1);
    assert_eq!(p.version(), Some("2008-10-17"));
    assert!(!p.uses_variables());
    assert_eq!(p.id(), Some("x"));
    let s = &p.statements()[0];
    assert_eq!(
        s.action_patterns().collect::<Vec<_>>(),
        ["secretsmanager:Get*", "kms:Decrypt"]
    );
    assert_eq!(s.label(), "statement 1");
}
