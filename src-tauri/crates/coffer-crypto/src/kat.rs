//! Known-answer tests of the primitives, run through this crate's own wrappers (the functions
//! the key hierarchy calls), so a wrong binding or a changed dependency fails byte-exactly.
//!
//! Vectors: RFC 4231 (HMAC-SHA256) cases 1–2, RFC 5869 (HKDF-SHA256) case 1, the GCM spec's
//! AES-256 test case 16 (McGrew & Viega, also in NIST's CAVS set), RFC 9106 §5.3 (Argon2id,
//! with secret and associated data). Each was re-checked with an independent implementation
//! (Python `hmac`, `cryptography`, and argon2-cffi's reference C code).

use crate::format::{
    KEY_LEN, Key32, aes256gcm_decrypt, aes256gcm_encrypt, encode_fields, hkdf_sha256, hmac_sha256,
    hmac_sha256_verify,
};
use crate::kdf::{KdfParams, argon2id};

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn hmac_sha256_rfc4231() {
    // (key, data, HMAC-SHA256)
    let cases: [(Vec<u8>, &[u8], &str); 2] = [
        (
            vec![0x0b; 20],
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe".to_vec(),
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
    ];
    for (key, data, want) in cases {
        let tag = hmac_sha256(&key, data);
        assert_eq!(tag.to_vec(), hex(want));
        assert!(hmac_sha256_verify(&key, data, &tag));
        let mut bad = tag;
        bad[31] ^= 1;
        assert!(!hmac_sha256_verify(&key, data, &bad));
        assert!(!hmac_sha256_verify(&key, data, &tag[..31]));
    }
}

#[test]
fn hkdf_sha256_rfc5869_case1() {
    let ikm = vec![0x0b; 22];
    let salt = hex("000102030405060708090a0b0c");
    let info = hex("f0f1f2f3f4f5f6f7f8f9");
    let mut okm = [0u8; 42];
    hkdf_sha256(Some(&salt), &ikm, &info, &mut okm).unwrap();
    assert_eq!(
        okm.to_vec(),
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
    // PRK = HMAC(salt, IKM): checks the extract step through our HMAC wrapper.
    assert_eq!(
        hmac_sha256(&salt, &ikm).to_vec(),
        hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    );
}

#[test]
fn subkeys_are_hkdf_with_empty_salt_and_the_label() {
    let root = Key32::from_slice(&[7u8; KEY_LEN]).unwrap();
    for label in [
        "coffer/v1/audit",
        "coffer/v1/audit-hash",
        "coffer/v1/api-keys",
    ] {
        let mut want = [0u8; 32];
        hkdf_sha256(None, &[7u8; KEY_LEN], label.as_bytes(), &mut want).unwrap();
        assert_eq!(root.derive(label).bytes(), &want);
    }
    assert_ne!(
        root.derive("coffer/v1/audit").bytes(),
        root.derive("coffer/v1/audit-hash").bytes()
    );
}

#[test]
fn aes256gcm_gcm_spec_test_case_16() {
    let key: [u8; 32] = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        .try_into()
        .unwrap();
    let nonce: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let pt = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let want = hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
         8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662\
         76fc6ece0f4e1768cddf8853bb2d551b",
    );
    let ct = aes256gcm_encrypt(&key, &nonce, &aad, &pt).unwrap();
    assert_eq!(ct, want);
    assert_eq!(*aes256gcm_decrypt(&key, &nonce, &aad, &ct).unwrap(), pt);
    // Any change to key, nonce, AAD or ciphertext: the same opaque error.
    let mut k2 = key;
    k2[0] ^= 1;
    let mut n2 = nonce;
    n2[11] ^= 1;
    let mut c2 = ct.clone();
    c2[0] ^= 1;
    let mut t2 = ct.clone();
    *t2.last_mut().unwrap() ^= 1;
    let errs = [
        aes256gcm_decrypt(&k2, &nonce, &aad, &ct),
        aes256gcm_decrypt(&key, &n2, &aad, &ct),
        aes256gcm_decrypt(&key, &nonce, b"other", &ct),
        aes256gcm_decrypt(&key, &nonce, &aad, &c2),
        aes256gcm_decrypt(&key, &nonce, &aad, &t2),
    ];
    for e in errs {
        assert_eq!(e.unwrap_err(), crate::CryptoError::DecryptionFailed);
    }
}

#[test]
fn argon2id_rfc9106() {
    // RFC 9106 §5.3: m = 32 KiB, t = 3, p = 4, password 32×01, salt 16×02, secret 8×03,
    // associated data 12×04. (Below our floor on purpose: argon2id() itself does not check.)
    let params = KdfParams {
        memory_kib: 32,
        iterations: 3,
        parallelism: 4,
    };
    let mut out = [0u8; 32];
    argon2id(&[1; 32], &[2; 16], params, &[3; 8], &[4; 12], &mut out).unwrap();
    assert_eq!(
        out.to_vec(),
        hex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")
    );
}

#[test]
fn argon2id_floor_params_match_reference_c() {
    // Computed with argon2-cffi 25.1 (`hash_secret_raw`, the reference C implementation):
    // Argon2id v19, m = 19456, t = 2, p = 1, 32-byte output.
    let mut out = [0u8; 32];
    let salt: Vec<u8> = (0u8..16).collect();
    argon2id(
        b"correct horse battery staple",
        &salt,
        KdfParams::for_tests(),
        &[],
        &[],
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.to_vec(),
        hex("818259b6310026a8e0dbac5d2e6927abcfdb07b32258fac4f61b18b80f929085")
    );
}

#[test]
fn aad_encoding_is_length_prefixed_and_injective() {
    assert_eq!(
        encode_fields(&[b"ab", b""]),
        [0, 0, 0, 2, b'a', b'b', 0, 0, 0, 0]
    );
    /// A list of AAD fields.
    type Fields<'a> = &'a [&'a [u8]];
    let pairs: [(Fields, Fields); 4] = [
        (&[b"a:b", b"c"], &[b"a", b"b:c"]),
        (&[b"ab", b""], &[b"a", b"b"]),
        (&[b""], &[]),
        (&[b"abc"], &[b"ab", b"c"]),
    ];
    for (x, y) in pairs {
        assert_ne!(encode_fields(x), encode_fields(y), "{x:?} vs {y:?}");
    }
}
