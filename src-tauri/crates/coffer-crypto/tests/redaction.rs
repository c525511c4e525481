//! Secret types never print their contents: `Debug` of every secret-bearing type, and the
//! `Display` of errors, are searched for canaries.

use coffer_crypto::{
    KdfParams, KeyMaterial, Password, SecretBytes, ValueContext, create_root, open_root,
};

use crate::{STORE, hex};

const CANARY: &str = "CANARY-7f3a9c-do-not-print";

#[test]
fn secret_bytes_and_password_debug_are_redacted() {
    let s = SecretBytes::from(CANARY.to_owned());
    let dbg = format!("{s:?} {s:#?}");
    assert!(
        !dbg.contains(CANARY) && !dbg.contains("67, 65, 78"),
        "{dbg}"
    );
    assert_eq!(
        format!("{s:?}"),
        format!("SecretBytes([REDACTED; {} bytes])", CANARY.len())
    );
    let cloned = s.clone();
    assert_eq!(cloned, s);
    assert_ne!(SecretBytes::from(b"x".to_vec()), s);

    let p = Password::from(CANARY);
    let dbg = format!("{p:?} {p:#?}");
    assert!(!dbg.contains(CANARY), "{dbg}");
    assert_eq!(format!("{p:?}"), "Password([REDACTED])");
}

#[test]
fn key_types_debug_are_redacted() {
    // Golden root key (bytes 00..1f) from the golden module's vectors.
    let root = open_root(
        &Password::from("correct horse battery staple"),
        &hex("43464b0100004c000000000200000001000102030405060708090a0b0c0d0e0f"),
        &hex("43465201444444444444444444444444e84ddd213602872f09e4fcf8bc30b534406f797c35412207544ef8bb28ebb318b75f166e62765916c257b75967ecdc63"),
        b"store-0001",
    )
    .unwrap();
    let outputs = [
        format!("{root:?} {root:#?}"),
        format!("{:?}", root.audit_mac_key()),
        format!("{:?}", root.audit_hash_key()),
        format!("{:?}", root.access_key_wrapping_key()),
        format!("{:?}", KeyMaterial::generate()),
    ];
    for out in &outputs {
        assert!(out.contains("[REDACTED]"), "{out}");
        for needle in ["0, 1, 2, 3", "000102", "00 01 02", "[0,", "[1"] {
            assert!(!out.contains(needle), "{out}");
        }
    }
    assert_eq!(outputs[0].split(' ').next().unwrap(), "RootKey([REDACTED])");
}

#[test]
fn sealed_values_and_errors_do_not_contain_plaintext() {
    let (root, _, _) = create_root(&Password::from(CANARY), KdfParams::for_tests(), STORE).unwrap();
    let material = KeyMaterial::generate();
    let ctx = ValueContext {
        secret_arn: "arn",
        version_id: "v1",
        key_id: "k",
        material_version: 1,
    };
    let sealed = material
        .seal_value(&ctx, &SecretBytes::from(CANARY.to_owned()))
        .unwrap();
    let dbg = format!("{sealed:?}");
    assert!(!dbg.contains(CANARY));
    assert!(
        !sealed
            .ciphertext
            .windows(CANARY.len())
            .any(|w| w == CANARY.as_bytes())
    );

    let wrong = ValueContext {
        version_id: "v2",
        ..ctx
    };
    let err = material
        .open_value(&wrong, &sealed.wrapped_dek, &sealed.ciphertext)
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains(CANARY));
    let err = open_root(&Password::from("x"), &[], &[], STORE).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(CANARY));
    drop(root);
}

#[test]
fn secret_types_are_zeroize_on_drop() {
    fn assert_zod<T: zeroize::ZeroizeOnDrop>() {}
    assert_zod::<SecretBytes>();
    assert_zod::<Password>();
    assert_zod::<KeyMaterial>();
    assert_zod::<coffer_crypto::RootKey>();
    assert_zod::<coffer_crypto::MacKey>();
    assert_zod::<coffer_crypto::WrappingKey>();
}
