//! The staging-label rules of AWS Secrets Manager (reference §4), as pure functions over a
//! secret's label map. The engine computes the new map here, checks the quota, and writes
//! only the difference — so the rules are tested without a store.
//!
//! 1. A label is on at most one version (the map's keys are unique).
//! 2. A secret that has no `AWSCURRENT` gives it to the first version stored.
//! 3. When `AWSCURRENT` moves from version A to B, `AWSPREVIOUS` moves to A.
//! 4. Attaching a label with PutSecretValue moves it; UpdateSecretVersionStage moves a label
//!    only when `RemoveFromVersionId` names the version that has it.
//! 5. Moving `AWSCURRENT` leaves the target's other labels alone.
//! 6. At most 20 labels per secret.

use std::collections::BTreeMap;

use super::{AWSCURRENT, AWSPREVIOUS, MAX_LABELS};
use crate::error::{Error, ErrorCode, Result};

/// label → version id.
pub type LabelMap = BTreeMap<String, String>;

fn quota(map: LabelMap) -> Result<LabelMap> {
    if map.len() > MAX_LABELS {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            "You exceeded the maximum number of staging labels allowed on a secret.",
        ));
    }
    Ok(map)
}

/// Moves `AWSCURRENT` to `version`, and `AWSPREVIOUS` to the version that had it.
fn move_current(map: &mut LabelMap, version: &str) {
    if let Some(old) = map.insert(AWSCURRENT.to_owned(), version.to_owned()) {
        if old != version {
            map.insert(AWSPREVIOUS.to_owned(), old);
        }
    }
}

/// The labels after storing a value in `version` with `stages` (PutSecretValue,
/// CreateSecret, UpdateSecret, filling a rotation placeholder).
pub fn attach(map: &LabelMap, version: &str, stages: &[String]) -> Result<LabelMap> {
    let mut next = map.clone();
    if !next.contains_key(AWSCURRENT) || stages.iter().any(|s| s == AWSCURRENT) {
        move_current(&mut next, version);
    }
    for s in stages.iter().filter(|s| *s != AWSCURRENT) {
        next.insert(s.clone(), version.to_owned());
    }
    quota(next)
}

/// The labels after UpdateSecretVersionStage. `exists` tells whether a version id belongs
/// to the secret.
pub fn update_stage(
    map: &LabelMap,
    label: &str,
    remove_from: Option<&str>,
    move_to: Option<&str>,
    exists: impl Fn(&str) -> bool,
) -> Result<LabelMap> {
    for id in remove_from.iter().chain(move_to.iter()) {
        if !exists(id) {
            return Err(Error::invalid_parameter(format!(
                "Not a valid version: {id}"
            )));
        }
    }
    let holder = map.get(label).map(String::as_str);
    let mut next = map.clone();
    match (move_to, holder) {
        (Some(to), Some(h)) if h == to => {
            // Already there: nothing moves.
        }
        (Some(to), Some(h)) => {
            if remove_from != Some(h) {
                return Err(Error::invalid_parameter(match remove_from {
                    None => format!(
                        "The parameter RemoveFromVersionId can't be empty. Staging label {label} is currently attached to version {h}, so you must explicitly reference that version in RemoveFromVersionId."
                    ),
                    Some(r) => format!(
                        "The parameter RemoveFromVersionId ({r}) does not match the version that has staging label {label}. Staging label {label} is currently attached to version {h}, so you must explicitly reference that version in RemoveFromVersionId."
                    ),
                }));
            }
            if label == AWSCURRENT {
                move_current(&mut next, to);
            } else {
                next.insert(label.to_owned(), to.to_owned());
            }
        }
        (Some(to), None) => {
            if let Some(r) = remove_from {
                return Err(Error::invalid_parameter(format!(
                    "Staging label {label} is not attached to version {r}."
                )));
            }
            next.insert(label.to_owned(), to.to_owned());
        }
        (None, holder) => {
            let Some(r) = remove_from else {
                return Err(Error::invalid_parameter(
                    "You must specify MoveToVersionId, RemoveFromVersionId, or both.",
                ));
            };
            if holder != Some(r) {
                return Err(Error::invalid_parameter(format!(
                    "Staging label {label} is not attached to version {r}."
                )));
            }
            if label == AWSCURRENT {
                return Err(Error::invalid_parameter(
                    "You can't remove the staging label AWSCURRENT from a version. Move it to another version with MoveToVersionId instead.",
                ));
            }
            next.remove(label);
        }
    }
    quota(next)
}

/// The labels of one version, in byte order of the label (the map's order).
pub fn labels_of<'a>(map: &'a LabelMap, version: &str) -> Vec<&'a str> {
    map.iter()
        .filter(|(_, v)| v.as_str() == version)
        .map(|(k, _)| k.as_str())
        .collect()
}

/// `version → labels` for every labelled version.
pub fn by_version(map: &LabelMap) -> BTreeMap<&str, Vec<&str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (label, version) in map {
        out.entry(version.as_str())
            .or_default()
            .push(label.as_str());
    }
    out
}
