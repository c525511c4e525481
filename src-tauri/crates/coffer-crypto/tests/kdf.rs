//! KDF parameters (floor, cap, checked before allocation), the KDF header, wrong passwords
//! and password change.

use std::time::{Duration, Instant};

use coffer_crypto::{
    CryptoError, KdfHeader, KdfParams, KeyMaterial, Password, create_root, open_root, rewrap_root,
};

use crate::{STORE, new_vault};

fn p(memory_kib: u32, iterations: u32, parallelism: u32) -> KdfParams {
    KdfParams {
        memory_kib,
        iterations,
        parallelism,
    }
}

/// Expected outcome of [`KdfParams::check`].
#[derive(Debug, PartialEq)]
enum Want {
    Ok,
    Weak,
    Expensive,
}

#[test]
fn params_check_table() {
    let cases = [
        (KdfParams::DEFAULT, Want::Ok),
        (KdfParams::for_tests(), Want::Ok),
        (p(19 * 1024, 2, 1), Want::Ok),
        (p(19 * 1024 - 1, 2, 1), Want::Weak),
        (p(19 * 1024, 1, 1), Want::Weak),
        (p(19 * 1024, 2, 0), Want::Weak),
        (p(0, 0, 0), Want::Weak),
        (p(4 * 1024 * 1024, 10, 16), Want::Ok),
        (p(4 * 1024 * 1024 + 1, 3, 4), Want::Expensive),
        (p(u32::MAX, 3, 4), Want::Expensive),
        (p(65536, 11, 4), Want::Expensive),
        (p(65536, u32::MAX, 4), Want::Expensive),
        (p(65536, 3, 17), Want::Expensive),
        (p(65536, 3, u32::MAX), Want::Expensive),
    ];
    for (params, want) in cases {
        let got = match params.check() {
            Ok(()) => Want::Ok,
            Err(CryptoError::KdfParamsTooWeak { .. }) => Want::Weak,
            Err(CryptoError::KdfParamsTooExpensive { .. }) => Want::Expensive,
            Err(e) => panic!("unexpected {e:?}"),
        };
        assert_eq!(got, want, "{params:?}");
    }
    assert_eq!(KdfParams::DEFAULT, p(65536, 3, 4));
    assert_eq!(KdfParams::default(), KdfParams::DEFAULT);
    assert_eq!(KdfParams::for_tests(), p(19 * 1024, 2, 1));
}

#[test]
fn excessive_params_are_refused_before_allocating() {
    let password = Password::from("pw");
    let start = Instant::now();
    let err = create_root(&password, p(u32::MAX, 3, 4), STORE).unwrap_err();
    assert!(matches!(
        err,
        CryptoError::KdfParamsTooExpensive {
            memory_kib: u32::MAX,
            ..
        }
    ));
    assert!(matches!(
        rewrap_root(&new_vault("pw").0, &password, p(65536, u32::MAX, 4), STORE),
        Err(CryptoError::KdfParamsTooExpensive { .. })
    ));

    // A crafted stored header asking for 4 TiB: refused by decode and by open_root.
    let crafted = KdfHeader {
        params: p(u32::MAX, 3, 4),
        salt: [0; 16],
    }
    .encode();
    assert!(matches!(
        KdfHeader::decode(&crafted),
        Err(CryptoError::KdfParamsTooExpensive { .. })
    ));
    let (_, _, wrapped) = new_vault("pw");
    let start_open = Instant::now();
    assert!(matches!(
        open_root(&password, &crafted, &wrapped, STORE),
        Err(CryptoError::KdfParamsTooExpensive { .. })
    ));
    assert!(start_open.elapsed() < Duration::from_millis(50));
    // The create_root calls above never ran Argon2 (new_vault's one run is ~40 ms optimised).
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn weak_params_are_refused_everywhere() {
    let password = Password::from("pw");
    assert!(matches!(
        create_root(&password, p(8 * 1024, 1, 1), STORE),
        Err(CryptoError::KdfParamsTooWeak { .. })
    ));
    let downgraded = KdfHeader {
        params: p(8 * 1024, 1, 1),
        salt: [0; 16],
    }
    .encode();
    assert!(matches!(
        KdfHeader::decode(&downgraded),
        Err(CryptoError::KdfParamsTooWeak { .. })
    ));
    assert!(matches!(
        KdfHeader::generate(p(8 * 1024, 1, 1)),
        Err(CryptoError::KdfParamsTooWeak { .. })
    ));
}

#[test]
fn header_round_trips_and_rejects_bad_framing() {
    let header = KdfHeader::generate(KdfParams::DEFAULT).unwrap();
    let bytes = header.encode();
    assert_eq!(bytes.len(), 32);
    assert_eq!(&bytes[..4], b"CFK\x01");
    assert_eq!(KdfHeader::decode(&bytes).unwrap(), header);
    assert_ne!(
        KdfHeader::generate(KdfParams::DEFAULT).unwrap().salt,
        header.salt
    );

    let mut wrong_version = bytes.clone();
    wrong_version[3] = 2;
    let mut wrong_kind = bytes.clone();
    wrong_kind[2] = b'R';
    let mut wrong_magic = bytes.clone();
    wrong_magic[0] = b'X';
    let mut longer = bytes.clone();
    longer.push(0);
    for bad in [
        wrong_version,
        wrong_kind,
        wrong_magic,
        longer,
        bytes[..31].to_vec(),
        vec![],
    ] {
        assert!(matches!(
            KdfHeader::decode(&bad),
            Err(CryptoError::Corrupt(_))
        ));
    }
}

#[test]
fn wrong_password_and_wrong_store_are_one_error() {
    let (_, header, wrapped) = new_vault("correct password");
    for (password, store) in [
        ("wrong password", STORE),
        ("", STORE),
        ("correct password ", STORE),
        ("correct password", b"other-store".as_slice()),
    ] {
        let err = open_root(&Password::from(password), &header, &wrapped, store).unwrap_err();
        assert_eq!(err, CryptoError::WrongPasswordOrCorrupt);
        assert_eq!(err.to_string(), "wrong password or corrupt key file");
    }
    assert!(
        open_root(
            &Password::from("correct password"),
            &header,
            &wrapped,
            STORE
        )
        .is_ok()
    );
}

#[test]
fn tampered_kdf_header_fails_to_open() {
    let password = Password::from("pw");
    // Created above the floor so that lowering memory stays a valid header.
    let (_, header, wrapped) = create_root(&password, p(20 * 1024, 3, 1), STORE).unwrap();
    let decoded = KdfHeader::decode(&header).unwrap();
    let mut other_salt = decoded;
    other_salt.salt[0] ^= 1;
    let variants = [
        KdfHeader {
            params: p(19 * 1024, 3, 1),
            ..decoded
        },
        KdfHeader {
            params: p(20 * 1024, 2, 1),
            ..decoded
        },
        KdfHeader {
            params: p(20 * 1024, 3, 2),
            ..decoded
        },
        other_salt,
    ];
    for v in variants {
        assert_eq!(
            open_root(&password, &v.encode(), &wrapped, STORE).unwrap_err(),
            CryptoError::WrongPasswordOrCorrupt,
            "{v:?}"
        );
    }
    // Another vault's header with this wrapped root (same password): fails too.
    let (_, header2, _) = new_vault("pw");
    assert!(open_root(&password, &header2, &wrapped, STORE).is_err());
    assert!(open_root(&password, &header, &wrapped, STORE).is_ok());
}

#[test]
fn rewrap_changes_the_password_but_not_the_root_key() {
    let old = Password::from("old password");
    let new = Password::from("new password");
    let (root, header, wrapped) = create_root(&old, KdfParams::for_tests(), STORE).unwrap();
    let material_blob = root.wrap_key_material(&KeyMaterial::generate(), "key-1", 1);
    let mac = root.audit_mac_key().mac(b"x");

    let (header2, wrapped2) = rewrap_root(&root, &new, p(20 * 1024, 2, 1), STORE).unwrap();
    assert_ne!(header2, header);
    assert_ne!(
        KdfHeader::decode(&header2).unwrap().salt,
        KdfHeader::decode(&header).unwrap().salt
    );
    assert_eq!(
        KdfHeader::decode(&header2).unwrap().params,
        p(20 * 1024, 2, 1)
    );

    assert_eq!(
        open_root(&old, &header2, &wrapped2, STORE).unwrap_err(),
        CryptoError::WrongPasswordOrCorrupt
    );
    let reopened = open_root(&new, &header2, &wrapped2, STORE).unwrap();
    assert!(
        reopened
            .unwrap_key_material(&material_blob, "key-1", 1)
            .is_ok()
    );
    assert_eq!(reopened.audit_mac_key().mac(b"x"), mac);
    // Mixing old header with new wrap (or vice versa) fails.
    assert!(open_root(&new, &header, &wrapped2, STORE).is_err());
    assert!(open_root(&new, &header2, &wrapped, STORE).is_err());
    // The old pair still opens with the old password (documented: a copied DB stays openable).
    assert!(open_root(&old, &header, &wrapped, STORE).is_ok());
}

#[test]
fn create_root_gives_a_fresh_root_each_time() {
    let (a, ha, _) = new_vault("pw");
    let (b, hb, _) = new_vault("pw");
    assert_ne!(a.audit_mac_key().mac(b"x"), b.audit_mac_key().mac(b"x"));
    assert_ne!(ha, hb);
}
