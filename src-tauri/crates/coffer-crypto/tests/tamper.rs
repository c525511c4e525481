//! Tampering: every bit (or byte, where each attempt costs an Argon2 run) of every stored
//! blob flipped, every truncation, and an appended byte → a clean error, never a panic and
//! never plaintext.

use coffer_crypto::{CryptoError, KeyMaterial, Password, SecretBytes, ValueContext, open_root};

use crate::{STORE, new_vault};

const CTX: ValueContext<'static> = ValueContext {
    secret_arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf",
    version_id: "v1",
    key_id: "key-1",
    material_version: 1,
};

/// Every variant of `blob` with one bit flipped (`every_bit`) or each byte xor 0x01, every
/// strict prefix, and the blob with a byte appended.
fn mutations(blob: &[u8], every_bit: bool) -> Vec<Vec<u8>> {
    let masks: &[u8] = if every_bit {
        &[1, 2, 4, 8, 16, 32, 64, 128]
    } else {
        &[1]
    };
    let mut out = Vec::new();
    for i in 0..blob.len() {
        for &m in masks {
            let mut b = blob.to_vec();
            b[i] ^= m;
            out.push(b);
        }
    }
    for len in 0..blob.len() {
        out.push(blob[..len].to_vec());
    }
    let mut longer = blob.to_vec();
    longer.push(0);
    out.push(longer);
    out
}

fn assert_clean(result: Result<impl Sized, CryptoError>, what: &str, allowed: &[CryptoError]) {
    match result {
        Ok(_) => panic!("{what}: tampered blob accepted"),
        Err(CryptoError::Corrupt(_)) => {}
        Err(e) => assert!(allowed.contains(&e), "{what}: unexpected {e:?}"),
    }
}

#[test]
fn wrapped_key_material() {
    let (root, _, _) = new_vault("pw");
    let blob = root.wrap_key_material(&KeyMaterial::generate(), "key-1", 1);
    for bad in mutations(&blob, true) {
        assert_clean(
            root.unwrap_key_material(&bad, "key-1", 1),
            "material",
            &[CryptoError::DecryptionFailed],
        );
    }
}

#[test]
fn wrapped_dek_and_value_ciphertext() {
    let material = KeyMaterial::generate();
    let plaintext = SecretBytes::from("a secret value of some length".to_owned());
    let sealed = material.seal_value(&CTX, &plaintext).unwrap();
    for bad in mutations(&sealed.wrapped_dek, true) {
        assert_clean(
            material.open_value(&CTX, &bad, &sealed.ciphertext),
            "dek",
            &[CryptoError::DecryptionFailed],
        );
    }
    for bad in mutations(&sealed.ciphertext, true) {
        assert_clean(
            material.open_value(&CTX, &sealed.wrapped_dek, &bad),
            "value",
            &[CryptoError::DecryptionFailed],
        );
    }
    assert_eq!(
        material
            .open_value(&CTX, &sealed.wrapped_dek, &sealed.ciphertext)
            .unwrap(),
        plaintext
    );
}

#[test]
fn access_key_secret() {
    let (root, _, _) = new_vault("pw");
    let key = root.access_key_wrapping_key();
    let blob = key
        .encrypt("AKID", &SecretBytes::from("secret".to_owned()))
        .unwrap();
    for bad in mutations(&blob, true) {
        assert_clean(
            key.decrypt("AKID", &bad),
            "access key",
            &[CryptoError::DecryptionFailed],
        );
    }
}

#[test]
fn wrapped_root_every_byte() {
    let password = Password::from("pw");
    let (_, header, wrapped) = new_vault("pw");
    // Flips run Argon2 once each (~64 runs); truncations fail before the KDF.
    for bad in mutations(&wrapped, false) {
        assert_clean(
            open_root(&password, &header, &bad, STORE),
            "root",
            &[CryptoError::WrongPasswordOrCorrupt],
        );
    }
}

#[test]
fn kdf_header_every_byte() {
    let password = Password::from("pw");
    let (_, header, wrapped) = new_vault("pw");
    for bad in mutations(&header, false) {
        match open_root(&password, &bad, &wrapped, STORE) {
            Ok(_) => panic!("tampered header accepted"),
            Err(
                CryptoError::Corrupt(_)
                | CryptoError::WrongPasswordOrCorrupt
                | CryptoError::KdfParamsTooWeak { .. }
                | CryptoError::KdfParamsTooExpensive { .. },
            ) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
}
