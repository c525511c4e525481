//! Coffer's cryptography: the key hierarchy, envelope encryption of secret values, keyed
//! MACs for the audit chain, and the `GetRandomPassword` generator.
//!
//! ```text
//! master password ─Argon2id(salt, params)─► KEK (never stored)
//! KEK ─AES-256-GCM, AAD("coffer/v1/root", store id, KDF header)─► root key (random 32 B)
//! root key ─AAD("coffer/v1/kms", key id, material version)─► named key material
//! named key ─AAD("coffer/v1/dek", ARN, version id, key id, material version)─► DEK
//! DEK (fresh per version) ─AAD("coffer/v1/value", ARN, version id)─► value
//! root key ─HKDF-SHA256─► audit MAC key, audit keyed-hash key, access-key wrapping key
//! ```
//!
//! Invariants the rest of Coffer relies on:
//! - Every stored blob starts with `b"CF"`, a kind byte and a version byte; decoders refuse a
//!   wrong kind, version or length with [`CryptoError::Corrupt`] and never panic.
//! - Every AAD is a length-prefixed list that starts with a domain label, so a ciphertext only
//!   opens in the exact place it was written.
//! - Authentication failures are one opaque error per layer
//!   ([`CryptoError::WrongPasswordOrCorrupt`] for the root, [`CryptoError::DecryptionFailed`]
//!   below it).
//! - KDF parameters are checked against a floor and a cap before Argon2 allocates.
//! - Secret types zeroize on drop, have redacted `Debug`, and implement neither `Display` nor
//!   `Serialize`.
//!
//! Everything here is synchronous and does no I/O; the engine stores the blobs.

mod error;
mod format;
mod kdf;
mod keys;
pub mod password;
mod secret;

pub use error::CryptoError;
pub use kdf::{KdfHeader, KdfParams, SALT_LEN};
pub use keys::{
    EnvironmentKey, KeyMaterial, MacKey, RootKey, SealedValue, ValueContext, WrappingKey,
    create_root, open_root, rewrap_root,
};
pub use secret::{Password, SecretBytes};

#[cfg(test)]
mod kat;
