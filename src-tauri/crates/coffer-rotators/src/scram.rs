//! PostgreSQL SCRAM-SHA-256 password verifiers, computed on Coffer's side.
//!
//! `ALTER ROLE … PASSWORD 'plaintext'` puts the new password into the server's statement log
//! (with `log_statement = all`), its `pg_stat_activity` and any proxy in between. Sending the
//! verifier instead — the form the server stores anyway, `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`
//! (RFC 5802/7677, PostgreSQL's `scram_build_secret`) — keeps the plaintext inside Coffer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// PostgreSQL's default iteration count (`scram_iterations`).
pub const ITERATIONS: u32 = 4096;

/// The salt length PostgreSQL uses.
const SALT_LEN: usize = 16;

/// The keys derived from a password and salt.
struct Keys {
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn salted_password(password: &str, salt: &[u8], iterations: u32) -> Zeroizing<[u8; 32]> {
    // SASLprep is the identity for the printable ASCII passwords Coffer generates; for other
    // text PostgreSQL itself falls back to the raw bytes when normalisation fails, and the
    // rotators refuse non-ASCII passwords before they get here.
    let mut salted = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, salted.as_mut());
    salted
}

fn derive(password: &str, salt: &[u8], iterations: u32) -> Keys {
    let salted = salted_password(password, salt, iterations);
    let client_key = Zeroizing::new(hmac(salted.as_ref(), b"Client Key"));
    let stored_key: [u8; 32] = Sha256::digest(client_key.as_ref()).into();
    let server_key = hmac(salted.as_ref(), b"Server Key");
    Keys {
        stored_key,
        server_key,
    }
}

/// The verifier for `password` with a fresh random salt, ready to be quoted into
/// `ALTER ROLE … PASSWORD '…'`.
pub fn verifier(password: &str) -> String {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).expect("the OS random source");
    verifier_with_salt(password, &salt, ITERATIONS)
}

/// The verifier for `password` with a given salt and iteration count.
pub fn verifier_with_salt(password: &str, salt: &[u8], iterations: u32) -> String {
    let keys = derive(password, salt, iterations);
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        STANDARD.encode(salt),
        STANDARD.encode(keys.stored_key),
        STANDARD.encode(keys.server_key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3: user "user", password "pencil". The verifier's keys must reproduce the
    /// example's client proof and server signature.
    #[test]
    fn rfc7677_example() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let keys = derive("pencil", &salt, 4096);
        let auth = "n=user,r=rOprNGfwEbeRWgbNEkqO,\
                    r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,\
                    c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let client_signature = hmac(&keys.stored_key, auth.as_bytes());
        let client_key = hmac(
            salted_password("pencil", &salt, 4096).as_ref(),
            b"Client Key",
        );
        let proof: Vec<u8> = client_key
            .iter()
            .zip(client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        assert_eq!(
            STANDARD.encode(proof),
            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            STANDARD.encode(hmac(&keys.server_key, auth.as_bytes())),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let v = verifier_with_salt("pencil", &salt, 4096);
        assert!(v.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"));
        assert!(!v.contains("pencil"));
    }

    #[test]
    fn fresh_salt_each_time() {
        assert_ne!(verifier("same"), verifier("same"));
    }
}
