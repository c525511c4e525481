//! Public-API tests of `coffer-policy`: one test binary, one module per concern. Case tables
//! live in `tests/data/`; the fuzz corpus in `fuzz/corpus/` is replayed here.

mod eval_table;
mod fuzz_corpus;
mod parse_errors;
mod props;
mod validation;

use std::path::PathBuf;

/// The account every case runs in.
pub const ACCOUNT: &str = "111122223333";
/// `alice`'s ARN.
pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
/// The secret most cases are about.
pub const S: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";

/// A path under the crate directory.
pub fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Reads a JSON file under `tests/data/`.
pub fn data(name: &str) -> serde_json::Value {
    let path = crate_path("tests/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A policy given in a data file: an object (serialized back to text) or raw text.
pub fn policy_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap(),
    }
}
