//! Version diff: what changed between two versions of a secret.
//!
//! JSON-object secrets are compared key by key (added, removed, changed, unchanged, by
//! `serde_json` value equality, so key order and whitespace do not count as changes);
//! anything else is one text (or binary) value whose before/after texts the UI renders with
//! CodeMirror's merge view. Values and texts are included only when the caller asked to
//! reveal them; otherwise the UI learns which keys changed, never what they hold.

use std::collections::BTreeSet;

use base64::Engine as _;
use coffer_engine::{Engine, GetSecretValueInput, RequestContext, SecretValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::AppResult;

/// The key of the single entry that stands for a whole text or binary value.
pub const WHOLE_VALUE_KEY: &str = "(value)";

/// `diff_versions` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DiffVersionsRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// The older side.
    pub from_version_id: String,
    /// The newer side.
    pub to_version_id: String,
    /// Include values and texts (audited as reads either way).
    #[serde(default)]
    pub reveal: bool,
}

/// How the two versions were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum DiffKind {
    /// Both are JSON objects: compared by key.
    Json,
    /// Text (at least one side is not a JSON object).
    Text,
    /// At least one side is binary.
    Binary,
}

/// What happened to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum DiffChange {
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
    /// In both, with different values.
    Changed,
    /// In both, equal.
    Unchanged,
}

/// One key of a diff.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DiffEntry {
    /// The JSON key, or `(value)` for a whole text/binary value.
    pub key: String,
    /// What happened to it.
    pub change: DiffChange,
    /// The older value (JSON text for JSON secrets, base64 for binary), when revealed.
    pub before: Option<String>,
    /// The newer value, when revealed.
    pub after: Option<String>,
}

impl std::fmt::Debug for DiffEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffEntry")
            .field("key", &self.key)
            .field("change", &self.change)
            .finish_non_exhaustive()
    }
}

/// The difference between two versions.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VersionDiff {
    /// How they were compared.
    pub kind: DiffKind,
    /// Per key (JSON); one `(value)` entry for binary, and for text when not revealed.
    pub entries: Vec<DiffEntry>,
    /// The older text, when revealed (text diffs only).
    pub before_text: Option<String>,
    /// The newer text, when revealed (text diffs only).
    pub after_text: Option<String>,
}

impl std::fmt::Debug for VersionDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionDiff")
            .field("kind", &self.kind)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// One side of a diff, as plain data.
#[derive(Clone, Copy)]
pub enum DiffSide<'a> {
    /// A string value.
    Text(&'a str),
    /// A binary value.
    Binary(&'a [u8]),
}

fn json_object(s: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

fn change_of(equal: bool) -> DiffChange {
    if equal {
        DiffChange::Unchanged
    } else {
        DiffChange::Changed
    }
}

/// Compares two values (pure: no store, no audit).
pub fn diff_values(before: DiffSide<'_>, after: DiffSide<'_>, reveal: bool) -> VersionDiff {
    let shown = |s: String| reveal.then_some(s);
    match (before, after) {
        (DiffSide::Text(a), DiffSide::Text(b)) => match (json_object(a), json_object(b)) {
            (Some(ma), Some(mb)) => {
                let keys: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
                let entries = keys
                    .into_iter()
                    .map(|k| {
                        let (va, vb) = (ma.get(k), mb.get(k));
                        let change = match (va, vb) {
                            (None, Some(_)) => DiffChange::Added,
                            (Some(_), None) => DiffChange::Removed,
                            (x, y) => change_of(x == y),
                        };
                        DiffEntry {
                            key: k.clone(),
                            change,
                            before: va.map(Value::to_string).and_then(shown),
                            after: vb.map(Value::to_string).and_then(shown),
                        }
                    })
                    .collect();
                VersionDiff {
                    kind: DiffKind::Json,
                    entries,
                    before_text: None,
                    after_text: None,
                }
            }
            _ => VersionDiff {
                kind: DiffKind::Text,
                entries: if reveal {
                    Vec::new()
                } else {
                    vec![DiffEntry {
                        key: WHOLE_VALUE_KEY.into(),
                        change: change_of(a == b),
                        before: None,
                        after: None,
                    }]
                },
                before_text: shown(a.to_owned()),
                after_text: shown(b.to_owned()),
            },
        },
        (a, b) => {
            let bytes = |s: DiffSide<'_>| match s {
                DiffSide::Text(t) => t.as_bytes().to_vec(),
                DiffSide::Binary(b) => b.to_vec(),
            };
            let (ba, bb) = (bytes(a), bytes(b));
            let b64 = |v: &[u8]| base64::engine::general_purpose::STANDARD.encode(v);
            VersionDiff {
                kind: DiffKind::Binary,
                entries: vec![DiffEntry {
                    key: WHOLE_VALUE_KEY.into(),
                    change: change_of(ba == bb),
                    before: shown(b64(&ba)),
                    after: shown(b64(&bb)),
                }],
                before_text: None,
                after_text: None,
            }
        }
    }
}

async fn read_version(
    engine: &Engine,
    ctx: &RequestContext,
    secret_id: &str,
    version_id: &str,
) -> AppResult<SecretValue> {
    Ok(engine
        .get_secret_value(
            ctx,
            GetSecretValueInput {
                secret_id: secret_id.to_owned(),
                version_id: Some(version_id.to_owned()),
                version_stage: None,
            },
        )
        .await?
        .value)
}

fn side(v: &SecretValue) -> DiffSide<'_> {
    match v {
        SecretValue::String(b) => match b.expose_str() {
            Ok(s) => DiffSide::Text(s),
            Err(_) => DiffSide::Binary(b.expose()),
        },
        SecretValue::Binary(b) => DiffSide::Binary(b.expose()),
    }
}

/// Reads both versions (two audited GetSecretValue reads) and compares them.
pub async fn diff_versions(
    engine: &Engine,
    ctx: &RequestContext,
    req: DiffVersionsRequest,
) -> AppResult<VersionDiff> {
    let a = read_version(engine, ctx, &req.secret_id, &req.from_version_id).await?;
    let b = read_version(engine, ctx, &req.secret_id, &req.to_version_id).await?;
    Ok(diff_values(side(&a), side(&b), req.reveal))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(d: &VersionDiff, key: &str) -> DiffEntry {
        d.entries.iter().find(|e| e.key == key).cloned().unwrap()
    }

    #[test]
    fn json_by_key_masked() {
        let d = diff_values(
            DiffSide::Text(r#"{"user":"app","password":"old","port":5432,"gone":1}"#),
            DiffSide::Text(r#"{"password":"new", "user":"app","port":5432,"host":"db"}"#),
            false,
        );
        assert_eq!(d.kind, DiffKind::Json);
        let keys: Vec<_> = d.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["gone", "host", "password", "port", "user"]);
        assert_eq!(entry(&d, "gone").change, DiffChange::Removed);
        assert_eq!(entry(&d, "host").change, DiffChange::Added);
        assert_eq!(entry(&d, "password").change, DiffChange::Changed);
        assert_eq!(entry(&d, "port").change, DiffChange::Unchanged);
        assert_eq!(entry(&d, "user").change, DiffChange::Unchanged);
        assert!(
            d.entries
                .iter()
                .all(|e| e.before.is_none() && e.after.is_none())
        );
        let wire = serde_json::to_string(&d).unwrap();
        assert!(!wire.contains("old") && !wire.contains("new"), "{wire}");
    }

    #[test]
    fn json_revealed_values_are_json_text() {
        let d = diff_values(
            DiffSide::Text(r#"{"a":"x","n":{"k":1}}"#),
            DiffSide::Text(r#"{"a":"y","n":{"k":1}}"#),
            true,
        );
        let a = entry(&d, "a");
        assert_eq!(a.change, DiffChange::Changed);
        assert_eq!(a.before.as_deref(), Some("\"x\""));
        assert_eq!(a.after.as_deref(), Some("\"y\""));
        assert_eq!(entry(&d, "n").change, DiffChange::Unchanged);
        assert_eq!(entry(&d, "n").after.as_deref(), Some(r#"{"k":1}"#));
    }

    #[test]
    fn text_masked_and_revealed() {
        let d = diff_values(
            DiffSide::Text("line1\nold"),
            DiffSide::Text("line1\nnew"),
            false,
        );
        assert_eq!(d.kind, DiffKind::Text);
        assert_eq!(d.entries.len(), 1);
        assert_eq!(d.entries[0].key, WHOLE_VALUE_KEY);
        assert_eq!(d.entries[0].change, DiffChange::Changed);
        assert!(d.before_text.is_none() && d.after_text.is_none());

        let same = diff_values(DiffSide::Text("same"), DiffSide::Text("same"), false);
        assert_eq!(same.entries[0].change, DiffChange::Unchanged);

        let d = diff_values(
            DiffSide::Text("line1\nold"),
            DiffSide::Text("line1\nnew"),
            true,
        );
        assert!(d.entries.is_empty());
        assert_eq!(d.before_text.as_deref(), Some("line1\nold"));
        assert_eq!(d.after_text.as_deref(), Some("line1\nnew"));
    }

    #[test]
    fn json_against_non_object_is_text() {
        let d = diff_values(DiffSide::Text(r#"{"a":1}"#), DiffSide::Text("[1,2]"), false);
        assert_eq!(d.kind, DiffKind::Text);
        let d = diff_values(
            DiffSide::Text("not json"),
            DiffSide::Text(r#"{"a":1}"#),
            true,
        );
        assert_eq!(d.kind, DiffKind::Text);
        assert_eq!(d.after_text.as_deref(), Some(r#"{"a":1}"#));
    }

    #[test]
    fn binary_compares_bytes() {
        let d = diff_values(DiffSide::Binary(&[1, 2]), DiffSide::Binary(&[1, 2]), false);
        assert_eq!(d.kind, DiffKind::Binary);
        assert_eq!(d.entries[0].change, DiffChange::Unchanged);
        assert!(d.entries[0].before.is_none());
        let d = diff_values(DiffSide::Text("a"), DiffSide::Binary(&[0xff]), true);
        assert_eq!(d.kind, DiffKind::Binary);
        assert_eq!(d.entries[0].change, DiffChange::Changed);
        assert_eq!(d.entries[0].before.as_deref(), Some("YQ=="));
        assert_eq!(d.entries[0].after.as_deref(), Some("/w=="));
    }
}
