//! Staging labels (reference §4). The model cases live in `tests/data/label_cases.json`:
//! each is a sequence of operations and the expected `VersionIdsToStages`. Every case runs
//! twice — against a real store and against the pure rules in `coffer_engine::labels` — so
//! a drift between the rules and the way the engine applies them shows up as one failing
//! runner. Focused tests below cover what a table expresses badly: outputs of the calls,
//! reading by label, and deprecated versions in the listings.

use std::collections::{BTreeMap, BTreeSet};

use coffer_engine::labels::{self, LabelMap};
use coffer_engine::{
    AWSCURRENT, CreateSecretInput, ErrorCode, GetSecretValueInput, ListSecretVersionIdsInput,
    PutSecretValueInput, Result, UpdateSecretInput, UpdateSecretVersionStageInput,
};
use serde_json::Value;

use crate::engine_support::{create, data, expect_err, put, put_with, stages};
use crate::support::{TestStore, root, text, token};

/// One step of a label case.
struct Step {
    op: String,
    version: Option<String>,
    stages: Option<Vec<String>>,
    label: Option<String>,
    remove_from: Option<String>,
    move_to: Option<String>,
    error: Option<(String, Option<String>)>,
}

struct Case {
    name: String,
    steps: Vec<Step>,
    expect: BTreeMap<String, Vec<String>>,
    deprecated: BTreeSet<String>,
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

/// Replaces `{vN}` in a message with the token of version `vN`.
fn expand(message: &str) -> String {
    let mut out = message.to_owned();
    while let Some(start) = out.find('{') {
        let end = start + out[start..].find('}').expect("closing brace");
        let tag = out[start + 1..end].to_owned();
        out.replace_range(start..=end, &token(&tag));
    }
    out
}

fn cases() -> Vec<Case> {
    let d = data("label_cases.json");
    d["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: string(c, "name").expect("name"),
            steps: c["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .map(|s| Step {
                    op: string(s, "op").expect("op"),
                    version: string(s, "version"),
                    stages: s.get("stages").map(strings),
                    label: string(s, "label"),
                    remove_from: string(s, "remove_from"),
                    move_to: string(s, "move_to"),
                    error: s.get("error").map(|e| {
                        (
                            string(e, "code").expect("error code"),
                            string(e, "message").map(|m| expand(&m)),
                        )
                    }),
                })
                .collect(),
            expect: c["expect"]
                .as_object()
                .expect("expect")
                .iter()
                .map(|(v, ls)| {
                    let mut ls = strings(ls);
                    ls.sort();
                    (token(v), ls)
                })
                .collect(),
            deprecated: strings(&c["deprecated"]).iter().map(|v| token(v)).collect(),
        })
        .collect()
}

/// Checks one step's outcome against its expectation; returns a description of a mismatch.
fn check_outcome<T>(step: &Step, i: usize, r: Result<T>) -> Option<String> {
    match (&step.error, r) {
        (None, Ok(_)) => None,
        (None, Err(e)) => Some(format!("step {i} ({}) failed: {e}", step.op)),
        (Some((code, _)), Ok(_)) => {
            Some(format!("step {i} ({}) succeeded, expected {code}", step.op))
        }
        (Some((code, msg)), Err(e)) => {
            if e.code().as_str() != code {
                Some(format!("step {i} ({}): got {e}, expected {code}", step.op))
            } else if msg.as_ref().is_some_and(|m| m != e.message()) {
                Some(format!(
                    "step {i} ({}): message {:?}, expected {:?}",
                    step.op,
                    e.message(),
                    msg
                ))
            } else {
                None
            }
        }
    }
}

fn sorted(map: BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    map.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect()
}

/// Runs a case against a fresh store; `Err` describes the first mismatch.
async fn run_on_engine(case: &Case) -> std::result::Result<(), String> {
    let t = TestStore::new().await;
    let e = &t.engine;
    let id = "label-case";
    for (i, s) in case.steps.iter().enumerate() {
        let value = s.version.as_deref().map(|v| text(&format!("value-{v}")));
        let tok = s.version.as_deref().map(token);
        let problem = match s.op.as_str() {
            "create" => check_outcome(
                s,
                i,
                e.create_secret(
                    &root(),
                    CreateSecretInput {
                        name: id.into(),
                        client_request_token: tok,
                        value,
                        ..Default::default()
                    },
                )
                .await,
            ),
            "put" => check_outcome(
                s,
                i,
                e.put_secret_value(
                    &root(),
                    PutSecretValueInput {
                        secret_id: id.into(),
                        client_request_token: tok,
                        value,
                        version_stages: s.stages.clone(),
                        ..Default::default()
                    },
                )
                .await,
            ),
            "update" => check_outcome(
                s,
                i,
                e.update_secret(
                    &root(),
                    UpdateSecretInput {
                        secret_id: id.into(),
                        client_request_token: tok,
                        value,
                        ..Default::default()
                    },
                )
                .await,
            ),
            "stage" => check_outcome(
                s,
                i,
                e.update_secret_version_stage(
                    &root(),
                    UpdateSecretVersionStageInput {
                        secret_id: id.into(),
                        version_stage: s.label.clone().expect("label"),
                        remove_from_version_id: s.remove_from.as_deref().map(token),
                        move_to_version_id: s.move_to.as_deref().map(token),
                    },
                )
                .await,
            ),
            other => panic!("unknown op {other}"),
        };
        if let Some(p) = problem {
            return Err(p);
        }
    }
    let got = sorted(stages(&t, id).await);
    if got != case.expect {
        return Err(format!(
            "VersionIdsToStages {got:?}, expected {:?}",
            case.expect
        ));
    }
    let listed = e
        .list_secret_version_ids(
            &root(),
            ListSecretVersionIdsInput {
                secret_id: id.into(),
                include_deprecated: true,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let deprecated: BTreeSet<String> = listed
        .versions
        .iter()
        .filter(|v| v.version_stages.is_empty())
        .map(|v| v.version_id.clone())
        .collect();
    if deprecated != case.deprecated {
        return Err(format!(
            "deprecated {deprecated:?}, expected {:?}",
            case.deprecated
        ));
    }
    Ok(())
}

/// Runs a case against the pure label functions.
fn run_on_rules(case: &Case) -> std::result::Result<(), String> {
    let mut map = LabelMap::new();
    let mut versions: BTreeSet<String> = BTreeSet::new();
    let current = vec![AWSCURRENT.to_owned()];
    for (i, s) in case.steps.iter().enumerate() {
        let tok = s.version.as_deref().map(token);
        let result = match s.op.as_str() {
            "create" => match &tok {
                Some(v) => labels::attach(&map, v, &current).map(|m| (m, Some(v.clone()))),
                None => Ok((map.clone(), None)),
            },
            "put" | "update" => {
                let v = tok.clone().expect("version");
                let st = if s.op == "put" {
                    s.stages.clone().unwrap_or_else(|| current.clone())
                } else {
                    current.clone()
                };
                labels::attach(&map, &v, &st).map(|m| (m, Some(v)))
            }
            "stage" => labels::update_stage(
                &map,
                s.label.as_deref().expect("label"),
                s.remove_from.as_deref().map(token).as_deref(),
                s.move_to.as_deref().map(token).as_deref(),
                |id| versions.contains(id),
            )
            .map(|m| (m, None)),
            other => panic!("unknown op {other}"),
        };
        let (outcome, applied) = match result {
            Ok(x) => (Ok(()), Some(x)),
            Err(e) => (Err(e), None),
        };
        if let Some(p) = check_outcome(s, i, outcome) {
            return Err(p);
        }
        if let Some((m, created)) = applied {
            map = m;
            versions.extend(created);
        }
    }
    let got: BTreeMap<String, Vec<String>> = labels::by_version(&map)
        .into_iter()
        .map(|(v, ls)| (v.to_owned(), ls.into_iter().map(str::to_owned).collect()))
        .collect();
    let got = sorted(got);
    if got != case.expect {
        return Err(format!("labels {got:?}, expected {:?}", case.expect));
    }
    let deprecated: BTreeSet<String> = versions
        .iter()
        .filter(|v| labels::labels_of(&map, v).is_empty())
        .cloned()
        .collect();
    if deprecated != case.deprecated {
        return Err(format!(
            "deprecated {deprecated:?}, expected {:?}",
            case.deprecated
        ));
    }
    Ok(())
}

#[tokio::test]
async fn label_cases_on_the_engine() {
    let cases = cases();
    assert!(cases.len() >= 20, "the case table went missing");
    let mut failures = Vec::new();
    for c in &cases {
        if let Err(why) = run_on_engine(c).await {
            failures.push(format!("{}: {why}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn label_cases_on_the_pure_rules() {
    let cases = cases();
    assert!(cases.len() >= 20, "the case table went missing");
    let mut failures = Vec::new();
    for c in &cases {
        if let Err(why) = run_on_rules(c) {
            failures.push(format!("{}: {why}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn labels_of_and_by_version_agree() {
    let mut map = LabelMap::new();
    map.insert("AWSCURRENT".into(), "b".into());
    map.insert("AWSPREVIOUS".into(), "a".into());
    map.insert("AWSPENDING".into(), "b".into());
    map.insert("zeta".into(), "b".into());
    assert_eq!(
        labels::labels_of(&map, "b"),
        vec!["AWSCURRENT", "AWSPENDING", "zeta"]
    );
    assert_eq!(labels::labels_of(&map, "a"), vec!["AWSPREVIOUS"]);
    assert!(labels::labels_of(&map, "c").is_empty());
    let by = labels::by_version(&map);
    assert_eq!(by.len(), 2);
    assert_eq!(by["b"], vec!["AWSCURRENT", "AWSPENDING", "zeta"]);
}

#[test]
fn attach_does_not_change_its_input() {
    let mut map = LabelMap::new();
    map.insert("AWSCURRENT".into(), "a".into());
    let before = map.clone();
    let next = labels::attach(&map, "b", &["AWSCURRENT".to_owned()]).unwrap();
    assert_eq!(map, before);
    assert_eq!(next.get("AWSCURRENT").map(String::as_str), Some("b"));
    assert_eq!(next.get("AWSPREVIOUS").map(String::as_str), Some("a"));
}

#[tokio::test]
async fn put_secret_value_returns_the_labels_the_version_ends_with() {
    let t = TestStore::new().await;
    create(&t, "out", "v1").await;
    let out = put_with(&t, "out", "v2", Some(&["AWSCURRENT", "blue"]))
        .await
        .unwrap();
    assert_eq!(out.version_id, token("v2"));
    assert_eq!(out.version_stages, vec!["AWSCURRENT", "blue"]);
    let out = put_with(&t, "out", "v3", Some(&["AWSPENDING"]))
        .await
        .unwrap();
    assert_eq!(out.version_stages, vec!["AWSPENDING"]);
}

#[tokio::test]
async fn get_secret_value_reads_by_label_and_reports_the_version_labels() {
    let t = TestStore::new().await;
    create(&t, "read", "v1").await;
    put(&t, "read", "v2").await;
    put_with(&t, "read", "v3", Some(&["AWSPENDING"]))
        .await
        .unwrap();
    let by_stage = |stage: &str| GetSecretValueInput {
        secret_id: "read".into(),
        version_stage: Some(stage.into()),
        ..Default::default()
    };
    let prev = t
        .engine
        .get_secret_value(&root(), by_stage("AWSPREVIOUS"))
        .await
        .unwrap();
    assert_eq!(prev.version_id, token("v1"));
    assert_eq!(prev.value.as_str(), Some("value-v1"));
    assert_eq!(prev.version_stages, vec!["AWSPREVIOUS"]);
    let pending = t
        .engine
        .get_secret_value(&root(), by_stage("AWSPENDING"))
        .await
        .unwrap();
    assert_eq!(pending.value.as_str(), Some("value-v3"));
    let cur = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "read".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cur.version_id, token("v2"));
    assert_eq!(cur.version_stages, vec!["AWSCURRENT"]);
}

#[tokio::test]
async fn deprecated_versions_are_hidden_unless_include_deprecated() {
    let t = TestStore::new().await;
    create(&t, "dep", "v1").await;
    put(&t, "dep", "v2").await;
    put(&t, "dep", "v3").await;
    let list = |include_deprecated| ListSecretVersionIdsInput {
        secret_id: "dep".into(),
        include_deprecated,
        ..Default::default()
    };
    let shown: Vec<String> = t
        .engine
        .list_secret_version_ids(&root(), list(false))
        .await
        .unwrap()
        .versions
        .into_iter()
        .map(|v| v.version_id)
        .collect();
    assert_eq!(shown, vec![token("v3"), token("v2")]);
    let all = t
        .engine
        .list_secret_version_ids(&root(), list(true))
        .await
        .unwrap()
        .versions;
    assert_eq!(all.len(), 3);
    let v1 = all
        .iter()
        .find(|v| v.version_id == token("v1"))
        .expect("v1 listed");
    assert!(v1.version_stages.is_empty());
    assert!(!stages(&t, "dep").await.contains_key(&token("v1")));
    // A deprecated version is still readable by its id.
    let old = t
        .engine
        .get_secret_value(
            &root(),
            GetSecretValueInput {
                secret_id: "dep".into(),
                version_id: Some(token("v1")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(old.value.as_str(), Some("value-v1"));
    assert!(old.version_stages.is_empty());
}

#[tokio::test]
async fn version_stages_list_is_limited_to_20_entries_and_256_characters() {
    let t = TestStore::new().await;
    create(&t, "stages", "v1").await;
    let many: Vec<String> = (0..21).map(|i| format!("s{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    expect_err(
        put_with(&t, "stages", "v2", Some(&many)).await,
        ErrorCode::Validation,
        None,
    );
    expect_err(
        put_with(&t, "stages", "v2", Some(&[])).await,
        ErrorCode::Validation,
        None,
    );
    let long = "x".repeat(257);
    expect_err(
        put_with(&t, "stages", "v2", Some(&[&long])).await,
        ErrorCode::Validation,
        None,
    );
    let ok = "x".repeat(256);
    put_with(&t, "stages", "v2", Some(&[&ok])).await.unwrap();
    expect_err(
        t.engine
            .update_secret_version_stage(
                &root(),
                UpdateSecretVersionStageInput {
                    secret_id: "stages".into(),
                    version_stage: String::new(),
                    move_to_version_id: Some(token("v1")),
                    ..Default::default()
                },
            )
            .await,
        ErrorCode::Validation,
        None,
    );
}
