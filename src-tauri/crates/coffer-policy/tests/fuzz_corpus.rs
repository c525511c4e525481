//! Replays every file of the fuzz corpus (`fuzz/corpus/parse_and_evaluate/`) through
//! `coffer_policy::fuzz_one`, the fuzz target's body, so `cargo test` catches regressions
//! without nightly or cargo-fuzz. A crash found by the fuzzer becomes a file here.

use crate::crate_path;

#[test]
fn corpus_replays_without_panics() {
    let dir = crate_path("fuzz/corpus/parse_and_evaluate");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 30, "corpus shrank to {} files", files.len());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| coffer_policy::fuzz_one(&data));
        assert!(outcome.is_ok(), "fuzz_one panicked on {}", path.display());
    }
}

#[test]
fn corpus_has_policies_that_parse_and_that_do_not() {
    use coffer_policy::{Policy, PolicyKind};
    let dir = crate_path("fuzz/corpus/parse_and_evaluate");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert!(Policy::parse(&read("valid_conditions_all.json"), PolicyKind::Identity).is_ok());
    assert!(Policy::parse(&read("valid_variables.json"), PolicyKind::Identity).is_ok());
    assert!(Policy::parse(&read("valid_rp_notprincipal.json"), PolicyKind::Resource).is_ok());
    assert!(Policy::parse(&read("many_stars.json"), PolicyKind::Identity).is_ok());
    for broken in [
        "deep_nesting_arrays.json",
        "huge_number.json",
        "duplicate_keys_top.json",
    ] {
        assert!(
            Policy::parse(&read(broken), PolicyKind::Identity).is_err(),
            "{broken}"
        );
    }
}
