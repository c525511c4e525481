//! Fuzz target: arbitrary bytes → `Policy::parse` (both kinds) → `evaluate` twice with a fixed
//! request. Fails on any panic or on two evaluations that differ (see `coffer_policy::fuzz_one`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| coffer_policy::fuzz_one(data));
