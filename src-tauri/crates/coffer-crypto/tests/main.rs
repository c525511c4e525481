//! Public-API tests of `coffer-crypto`: one test binary, one module per concern.
//!
//! Argon2 runs with [`KdfParams::for_tests`] (the floor) everywhere except where a test is
//! about parameters; the workspace builds dependencies optimised, so one derivation costs
//! tens of milliseconds.

mod envelope;
mod golden;
mod kdf;
mod redaction;
mod tamper;

use coffer_crypto::{KdfParams, Password, RootKey, create_root};

/// Store id used by most tests.
pub const STORE: &[u8] = b"store-test";

/// Decodes lowercase hex (test vectors).
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A fresh vault at the test parameters: (root, kdf header, wrapped root).
pub fn new_vault(password: &str) -> (RootKey, Vec<u8>, Vec<u8>) {
    create_root(&Password::from(password), KdfParams::for_tests(), STORE).unwrap()
}
