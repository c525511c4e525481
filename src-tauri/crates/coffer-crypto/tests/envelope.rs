//! Round trips and context binding of the envelope layers (root → material → DEK → value,
//! and the access-key wrapping key).

use std::collections::HashSet;

use coffer_crypto::{CryptoError, KeyMaterial, SecretBytes, ValueContext};

use crate::new_vault;

const ARN_A: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf";
const ARN_B: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:dev/db-GhIjKl";

fn ctx<'a>(arn: &'a str, version: &'a str) -> ValueContext<'a> {
    ValueContext {
        secret_arn: arn,
        version_id: version,
        key_id: "key-1",
        material_version: 1,
    }
}

fn secret(s: &str) -> SecretBytes {
    SecretBytes::from(s.to_owned())
}

#[test]
fn value_round_trips_for_many_sizes() {
    let material = KeyMaterial::generate();
    for len in [0usize, 1, 15, 16, 17, 64, 1000, 65_536] {
        let plaintext = SecretBytes::new((0..len).map(|i| (i % 251) as u8).collect());
        let c = ctx(ARN_A, "v1");
        let sealed = material.seal_value(&c, &plaintext).unwrap();
        assert_eq!(sealed.ciphertext.len(), 4 + 12 + len + 16);
        assert_eq!(sealed.wrapped_dek.len(), 4 + 12 + 32 + 16);
        let opened = material
            .open_value(&c, &sealed.wrapped_dek, &sealed.ciphertext)
            .unwrap();
        assert_eq!(opened, plaintext);
    }
}

#[test]
fn key_material_round_trips_through_root() {
    let (root, _, _) = new_vault("pw");
    let material = KeyMaterial::generate();
    let blob = root.wrap_key_material(&material, "key-1", 3);
    assert_eq!(blob.len(), 64);
    let back = root.unwrap_key_material(&blob, "key-1", 3).unwrap();
    // Same material: a value sealed with one opens with the other.
    let c = ctx(ARN_A, "v1");
    let sealed = material.seal_value(&c, &secret("x")).unwrap();
    assert_eq!(
        back.open_value(&c, &sealed.wrapped_dek, &sealed.ciphertext)
            .unwrap(),
        secret("x")
    );
    // Wrapping twice gives different blobs (fresh nonce).
    assert_ne!(blob, root.wrap_key_material(&material, "key-1", 3));
}

#[test]
fn key_material_is_bound_to_key_id_version_and_root() {
    let (root, _, _) = new_vault("pw");
    let (other_root, _, _) = new_vault("pw");
    let blob = root.wrap_key_material(&KeyMaterial::generate(), "key-1", 3);
    let cases: [(&coffer_crypto::RootKey, &str, u32); 4] = [
        (&root, "key-2", 3),
        (&root, "key-1", 4),
        (&root, "key-1\0", 3),
        (&other_root, "key-1", 3),
    ];
    for (r, id, version) in cases {
        assert_eq!(
            r.unwrap_key_material(&blob, id, version).unwrap_err(),
            CryptoError::DecryptionFailed,
            "{id} v{version}"
        );
    }
}

#[test]
fn same_plaintext_twice_gives_different_dek_and_ciphertext() {
    let material = KeyMaterial::generate();
    let c = ctx(ARN_A, "v1");
    let a = material.seal_value(&c, &secret("hunter2")).unwrap();
    let b = material.seal_value(&c, &secret("hunter2")).unwrap();
    assert_ne!(a.wrapped_dek, b.wrapped_dek);
    assert_ne!(a.ciphertext, b.ciphertext);
    // The ciphertext bodies differ too, not just the nonces: the DEKs differ.
    assert_ne!(a.ciphertext[16..], b.ciphertext[16..]);
}

#[test]
fn ten_thousand_seals_never_repeat_a_nonce_or_wrapped_dek() {
    let material = KeyMaterial::generate();
    let c = ctx(ARN_A, "v1");
    let plaintext = secret("same value every time");
    let mut dek_nonces = HashSet::new();
    let mut value_nonces = HashSet::new();
    let mut wrapped = HashSet::new();
    let mut bodies = HashSet::new();
    for _ in 0..10_000 {
        let s = material.seal_value(&c, &plaintext).unwrap();
        assert!(dek_nonces.insert(s.wrapped_dek[4..16].to_vec()));
        assert!(value_nonces.insert(s.ciphertext[4..16].to_vec()));
        assert!(wrapped.insert(s.wrapped_dek[16..].to_vec()));
        assert!(bodies.insert(s.ciphertext[16..].to_vec()));
    }
}

#[test]
fn value_is_bound_to_every_context_field() {
    let material = KeyMaterial::generate();
    let good = ctx(ARN_A, "v1");
    let sealed = material
        .seal_value(&good, &secret("prod-password"))
        .unwrap();
    let wrong = [
        ValueContext {
            secret_arn: ARN_B,
            ..good
        },
        ValueContext {
            version_id: "v2",
            ..good
        },
        ValueContext {
            key_id: "key-2",
            ..good
        },
        ValueContext {
            material_version: 2,
            ..good
        },
        // Field boundaries matter: moving a character between fields is a different context.
        ValueContext {
            secret_arn: "arn:x",
            version_id: "v1",
            ..good
        },
        ValueContext {
            secret_arn: ARN_A,
            version_id: "",
            ..good
        },
    ];
    for c in wrong {
        assert_eq!(
            material
                .open_value(&c, &sealed.wrapped_dek, &sealed.ciphertext)
                .unwrap_err(),
            CryptoError::DecryptionFailed,
            "{c:?}"
        );
    }
    let other = KeyMaterial::generate();
    assert_eq!(
        other
            .open_value(&good, &sealed.wrapped_dek, &sealed.ciphertext)
            .unwrap_err(),
        CryptoError::DecryptionFailed
    );
}

#[test]
fn swapped_rows_fail() {
    let material = KeyMaterial::generate();
    let (ca, cb, cc) = (ctx(ARN_A, "v1"), ctx(ARN_A, "v2"), ctx(ARN_B, "v1"));
    let a = material.seal_value(&ca, &secret("value A")).unwrap();
    let b = material.seal_value(&cb, &secret("value B")).unwrap();
    let c = material.seal_value(&cc, &secret("value C")).unwrap();
    // Whole row of B (DEK + ciphertext) read as A: version rollback/swap.
    assert!(
        material
            .open_value(&ca, &b.wrapped_dek, &b.ciphertext)
            .is_err()
    );
    // Cross-secret move.
    assert!(
        material
            .open_value(&ca, &c.wrapped_dek, &c.ciphertext)
            .is_err()
    );
    // Only the wrapped DEK swapped.
    assert!(
        material
            .open_value(&ca, &b.wrapped_dek, &a.ciphertext)
            .is_err()
    );
    // Only the ciphertext swapped.
    assert!(
        material
            .open_value(&ca, &a.wrapped_dek, &b.ciphertext)
            .is_err()
    );
    // Same secret+version, re-sealed: mixing halves of two seals fails (different DEKs).
    let a2 = material.seal_value(&ca, &secret("value A")).unwrap();
    assert!(
        material
            .open_value(&ca, &a2.wrapped_dek, &a.ciphertext)
            .is_err()
    );
    assert_eq!(
        material
            .open_value(&ca, &a.wrapped_dek, &a.ciphertext)
            .unwrap(),
        secret("value A")
    );
}

#[test]
fn blobs_of_one_kind_are_refused_as_another() {
    let (root, header, wrapped_root) = new_vault("pw");
    let material = KeyMaterial::generate();
    let wrapped_material = root.wrap_key_material(&material, "key-1", 1);
    let sealed = material
        .seal_value(&ctx(ARN_A, "v1"), &secret("v"))
        .unwrap();
    let access = root
        .access_key_wrapping_key()
        .encrypt("AKID", &secret("s"))
        .unwrap();

    // Wrapped DEK, wrapped root and access-key blobs as key material: wrong kind.
    for blob in [&sealed.wrapped_dek, &wrapped_root, &access, &header] {
        assert!(matches!(
            root.unwrap_key_material(blob, "key-1", 1),
            Err(CryptoError::Corrupt(_))
        ));
    }
    // Wrapped material as a DEK, ciphertext as a DEK, DEK as a ciphertext.
    let c = ctx(ARN_A, "v1");
    assert!(matches!(
        material.open_value(&c, &wrapped_material, &sealed.ciphertext),
        Err(CryptoError::Corrupt(_))
    ));
    assert!(matches!(
        material.open_value(&c, &sealed.ciphertext, &sealed.ciphertext),
        Err(CryptoError::Corrupt(_))
    ));
    assert!(matches!(
        material.open_value(&c, &sealed.wrapped_dek, &sealed.wrapped_dek),
        Err(CryptoError::Corrupt(_))
    ));
}

#[test]
fn access_key_secrets_round_trip_and_bind_to_the_id() {
    let (root, _, _) = new_vault("pw");
    let key = root.access_key_wrapping_key();
    let blob = key.encrypt("AKIA0001", &secret("s3cr3t/key")).unwrap();
    assert_eq!(
        key.decrypt("AKIA0001", &blob).unwrap(),
        secret("s3cr3t/key")
    );
    // Derivation is deterministic per root.
    assert_eq!(
        root.access_key_wrapping_key()
            .decrypt("AKIA0001", &blob)
            .unwrap(),
        secret("s3cr3t/key")
    );
    assert_eq!(
        key.decrypt("AKIA0002", &blob).unwrap_err(),
        CryptoError::DecryptionFailed
    );
    let (other, _, _) = new_vault("pw");
    assert!(
        other
            .access_key_wrapping_key()
            .decrypt("AKIA0001", &blob)
            .is_err()
    );
}

#[test]
fn subkeys_are_distinct_and_deterministic() {
    let (root, _, _) = new_vault("pw");
    let data = b"audit event";
    let mac = root.audit_mac_key().mac(data);
    assert_eq!(mac, root.audit_mac_key().mac(data));
    assert_ne!(mac, root.audit_hash_key().mac(data));
    assert!(root.audit_mac_key().verify(data, &mac));
    assert!(!root.audit_hash_key().verify(data, &mac));
    assert!(!root.audit_mac_key().verify(b"audit evenT", &mac));
    assert!(!root.audit_mac_key().verify(data, &mac[..16]));
    assert!(!root.audit_mac_key().verify(data, &[]));
    let (other, _, _) = new_vault("pw");
    assert_ne!(mac, other.audit_mac_key().mac(data));
}
