//! Golden blobs: stored bytes produced by an independent implementation (Python
//! `cryptography` AES-GCM + HKDF and argon2-cffi's reference Argon2id) from fixed keys and
//! nonces. If any label, AAD field order, length prefix, header byte or KDF binding changes,
//! these stop opening: existing vaults would too.
//!
//! Inputs: password "correct horse battery staple", store id "store-0001", salt 00..0f,
//! m = 19456 KiB, t = 2, p = 1; root key = 00..1f; key "key-1" material version 7 = 20..3f;
//! DEK = 32×42; value "golden-plaintext" for the ARN and version id below.

use coffer_crypto::{KdfHeader, KdfParams, Password, SecretBytes, ValueContext, open_root};

use crate::hex;

const KDF_HEADER: &str = "43464b0100004c000000000200000001000102030405060708090a0b0c0d0e0f";
const WRAPPED_ROOT: &str = "43465201444444444444444444444444e84ddd213602872f09e4fcf8bc30b534406f797c35412207544ef8bb28ebb318b75f166e62765916c257b75967ecdc63";
const WRAPPED_MATERIAL: &str = "43464d01111111111111111111111111a041b69c9c25098940560f296d083e95d32eb2962104a65e15e2a13d145efd6d33e7ef2768eb04a41533430207431094";
const WRAPPED_DEK: &str = "43464401222222222222222222222222de07fe2123d56e6480c28e1b8234a4f52616ca96513485e0a24e73061b03ec74b62e815264192c59d67733a5935b0376";
const VALUE_CT: &str = "434656013333333333333333333333337d7171f9c0b9c7679f5677616b1db461b2240ab09ff77980e990c6fbc6245d3f";
const ACCESS_KEY_BLOB: &str = "43464101555555555555555555555555d6351f423c51725118f38201660039a9f978fb20ae1b25c6f145710b18a914557f2a5d46d321b7a8eaaaf97108fa95ca2f6879dcf22a0bf5";
/// HMAC-SHA256("hello") under HKDF(root, "coffer/v1/audit").
const AUDIT_MAC_HELLO: &str = "0dcad02ac619d912f633ab647c2b44429bd59d5c3991f4c40e0056b87805dcc0";
/// HMAC-SHA256("hello") under HKDF(root, "coffer/v1/audit-hash").
const AUDIT_HASH_HELLO: &str = "f57d67dc636644a0db1c7c7f70d13db7c159fc78c1756b6f2c2fe2e24649266f";

const ARN: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf";

#[test]
fn golden_kdf_header_decodes() {
    let header = KdfHeader::decode(&hex(KDF_HEADER)).unwrap();
    assert_eq!(header.params, KdfParams::for_tests());
    assert_eq!(header.salt.to_vec(), (0u8..16).collect::<Vec<_>>());
    assert_eq!(header.encode(), hex(KDF_HEADER));
}

#[test]
fn golden_hierarchy_opens_end_to_end() {
    let password = Password::from("correct horse battery staple");
    let root = open_root(
        &password,
        &hex(KDF_HEADER),
        &hex(WRAPPED_ROOT),
        b"store-0001",
    )
    .unwrap();

    assert_eq!(
        root.audit_mac_key().mac(b"hello").to_vec(),
        hex(AUDIT_MAC_HELLO)
    );
    assert_eq!(
        root.audit_hash_key().mac(b"hello").to_vec(),
        hex(AUDIT_HASH_HELLO)
    );
    assert!(root.audit_mac_key().verify(b"hello", &hex(AUDIT_MAC_HELLO)));

    let material = root
        .unwrap_key_material(&hex(WRAPPED_MATERIAL), "key-1", 7)
        .unwrap();
    let ctx = ValueContext {
        secret_arn: ARN,
        version_id: "v-0001",
        key_id: "key-1",
        material_version: 7,
    };
    let value = material
        .open_value(&ctx, &hex(WRAPPED_DEK), &hex(VALUE_CT))
        .unwrap();
    assert_eq!(value, SecretBytes::from("golden-plaintext".to_owned()));

    let secret = root
        .access_key_wrapping_key()
        .decrypt("AKIAIOSFODNN7EXAMPLE", &hex(ACCESS_KEY_BLOB))
        .unwrap();
    assert_eq!(secret.expose(), b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}
