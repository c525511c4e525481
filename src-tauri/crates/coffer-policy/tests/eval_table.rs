//! The evaluation table of reference §2.6 plus our own rows, run from
//! `tests/data/eval_cases.json`. One test reports every failing row at once.

use coffer_policy::{
    NamedPolicy, Policy, PolicyKind, RequestContext, evaluate, is_broad, unknown_actions,
};
use serde_json::Value;

use crate::{ACCOUNT, data, policy_text};

fn alias<'a>(aliases: &'a Value, s: &'a str) -> &'a str {
    aliases.get(s).and_then(Value::as_str).unwrap_or(s)
}

fn request(aliases: &Value, r: &Value) -> RequestContext {
    let action = r["action"].as_str().unwrap();
    let action = if action.contains(':') {
        action.to_owned()
    } else {
        format!("secretsmanager:{action}")
    };
    let mut req = RequestContext::new(
        alias(aliases, r["principal"].as_str().unwrap()),
        ACCOUNT,
        action,
        alias(aliases, r["resource"].as_str().unwrap()),
    );
    if let Some(keys) = r.get("keys").and_then(Value::as_object) {
        for (k, v) in keys {
            match v {
                Value::String(s) => req.set(k, s.as_str()),
                Value::Array(items) => req.set_values(k, items.iter().map(|i| i.as_str().unwrap())),
                other => panic!("bad key value {other}"),
            };
        }
    }
    req
}

/// Runs one case; returns a description of every mismatch.
fn run_case(aliases: &Value, case: &Value) -> Vec<String> {
    let row = case["row"].as_str().unwrap();
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    let mut parse_error = None;
    let identity = case["identity"].as_array().unwrap();
    for p in identity {
        match Policy::parse(&policy_text(p), PolicyKind::Identity) {
            Ok(policy) => parsed.push(policy),
            Err(e) => parse_error = Some(e.message),
        }
    }
    let resource = match case.get("resource") {
        Some(p) => match Policy::parse(&policy_text(p), PolicyKind::Resource) {
            Ok(policy) => Some(policy),
            Err(e) => {
                parse_error = Some(e.message);
                None
            }
        },
        None => None,
    };
    match (
        case.get("parse_error").and_then(Value::as_str),
        &parse_error,
    ) {
        (Some(want), Some(got)) if want == got => {}
        (Some(want), got) => failures.push(format!("row {row}: want error {want:?}, got {got:?}")),
        (None, Some(got)) => failures.push(format!("row {row}: unexpected parse error {got:?}")),
        (None, None) => {}
    }
    if let Some(want) = case.get("broad").and_then(Value::as_bool) {
        let got = resource.as_ref().map(is_broad);
        if got != Some(want) {
            failures.push(format!("row {row}: broad want {want}, got {got:?}"));
        }
    }
    if let Some(want) = case.get("unknown_actions") {
        let want: Vec<String> = serde_json::from_value(want.clone()).unwrap();
        let got: Vec<String> = parsed.iter().flat_map(unknown_actions).collect();
        if got != want {
            failures.push(format!(
                "row {row}: unknown actions want {want:?}, got {got:?}"
            ));
        }
    }
    let names: Vec<String> = (0..parsed.len()).map(|i| format!("id{i}")).collect();
    let named: Vec<NamedPolicy> = parsed
        .iter()
        .zip(&names)
        .map(|(policy, name)| NamedPolicy { name, policy })
        .collect();
    let rp = resource
        .as_ref()
        .map(|policy| NamedPolicy { name: "rp", policy });
    for (i, r) in case
        .get("requests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let req = request(aliases, r);
        let eval = evaluate(&named, rp, &req);
        let at = format!(
            "row {row} request {} ({} {})",
            i + 1,
            req.action,
            req.principal_arn
        );
        let want = r["expect"].as_str().unwrap();
        if eval.decision.as_str() != want {
            failures.push(format!(
                "{at}: want {want}, got {} ({})",
                eval.decision.as_str(),
                eval.reason
            ));
        }
        if let Some(fragment) = r.get("reason").and_then(Value::as_str) {
            if !eval.reason.contains(fragment) {
                failures.push(format!("{at}: reason {:?} lacks {fragment:?}", eval.reason));
            }
        }
        if let Some(want) = r.get("matched") {
            let want: Vec<usize> = serde_json::from_value(want.clone()).unwrap();
            let got: Vec<usize> = eval.matched.iter().map(|m| m.statement_index).collect();
            if got != want {
                failures.push(format!("{at}: matched want {want:?}, got {got:?}"));
            }
        }
    }
    failures
}

#[test]
fn evaluation_table() {
    let doc = data("eval_cases.json");
    let aliases = &doc["aliases"];
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 60, "the table lost rows");
    let failures: Vec<String> = cases.iter().flat_map(|c| run_case(aliases, c)).collect();
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
