//! Argon2id: the master password becomes the key-encryption key (KEK).
//!
//! The parameters are stored in a [`KdfHeader`] next to the wrapped root key. They are checked
//! against a floor (OWASP's 19 MiB / t=2, so a downgraded copy of the header is refused) and a
//! cap (4 GiB / t=10 / p=16, so a crafted header cannot make us allocate or spin without
//! bound) *before* Argon2 allocates anything. The header bytes are also part of the root-key
//! wrap AAD, and are inputs to the KEK, so any edit makes the unwrap fail.

use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};

use crate::format::{BlobKind, HEADER_LEN, Key32, fill_random};
use crate::{CryptoError, Password};

/// Salt length: RFC 9106's recommended 128 bits.
pub const SALT_LEN: usize = 16;

/// Argon2id cost parameters (Argon2 version 0x13, 32-byte output).
///
/// Invariant once stored: never changes for a given header; changing any field changes the KEK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Time cost (passes over memory).
    pub iterations: u32,
    /// Lanes. Fixed once chosen: it changes the derived key.
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended setting: 64 MiB, t=3, p=4 (what Bitwarden uses).
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };
    /// Floor for memory: OWASP's 19 MiB.
    pub const FLOOR_MEMORY_KIB: u32 = 19 * 1024;
    /// Floor for iterations: OWASP's t=2 at 19 MiB.
    pub const FLOOR_ITERATIONS: u32 = 2;
    /// Cap for memory: 4 GiB.
    pub const CAP_MEMORY_KIB: u32 = 4 * 1024 * 1024;
    /// Cap for iterations.
    pub const CAP_ITERATIONS: u32 = 10;
    /// Floor for lanes.
    pub const FLOOR_PARALLELISM: u32 = 1;
    /// Cap for lanes.
    pub const CAP_PARALLELISM: u32 = 16;

    /// The cheapest accepted parameters (19 MiB, t=2, p=1), for tests. Never use in production.
    pub fn for_tests() -> Self {
        KdfParams {
            memory_kib: Self::FLOOR_MEMORY_KIB,
            iterations: Self::FLOOR_ITERATIONS,
            parallelism: Self::FLOOR_PARALLELISM,
        }
    }

    /// Checks floor and cap. Pure arithmetic: it runs before any Argon2 allocation.
    ///
    /// # Errors
    /// [`CryptoError::KdfParamsTooWeak`] below the floor, [`CryptoError::KdfParamsTooExpensive`]
    /// above the cap (the floor is checked first).
    pub fn check(&self) -> Result<(), CryptoError> {
        let KdfParams {
            memory_kib,
            iterations,
            parallelism,
        } = *self;
        if memory_kib < Self::FLOOR_MEMORY_KIB
            || iterations < Self::FLOOR_ITERATIONS
            || parallelism < Self::FLOOR_PARALLELISM
        {
            return Err(CryptoError::KdfParamsTooWeak {
                memory_kib,
                iterations,
                parallelism,
            });
        }
        if memory_kib > Self::CAP_MEMORY_KIB
            || iterations > Self::CAP_ITERATIONS
            || parallelism > Self::CAP_PARALLELISM
        {
            return Err(CryptoError::KdfParamsTooExpensive {
                memory_kib,
                iterations,
                parallelism,
            });
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The stored KDF record: parameters and salt. Not secret, but authenticated (it is in the
/// root-key wrap AAD and an input to the KEK).
///
/// Encoding (32 bytes): `b"CFK\x01"`, memory KiB, iterations, parallelism (u32 big-endian
/// each), 16-byte salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfHeader {
    /// Argon2id parameters.
    pub params: KdfParams,
    /// Random per-wrap salt; a password change draws a fresh one.
    pub salt: [u8; SALT_LEN],
}

/// Encoded length of a [`KdfHeader`].
const KDF_HEADER_LEN: usize = HEADER_LEN + 12 + SALT_LEN;

impl KdfHeader {
    /// A header with a fresh random salt, after checking `params`.
    ///
    /// # Errors
    /// Parameters outside floor/cap, or the OS RNG failed.
    pub fn generate(params: KdfParams) -> Result<Self, CryptoError> {
        params.check()?;
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt)?;
        Ok(KdfHeader { params, salt })
    }

    /// The stored form (see the type docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(KDF_HEADER_LEN);
        out.extend_from_slice(&BlobKind::KdfHeader.header());
        out.extend_from_slice(&self.params.memory_kib.to_be_bytes());
        out.extend_from_slice(&self.params.iterations.to_be_bytes());
        out.extend_from_slice(&self.params.parallelism.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out
    }

    /// Parses and validates a stored header, including [`KdfParams::check`].
    ///
    /// # Errors
    /// [`CryptoError::Corrupt`] for a wrong tag, version or length; the `KdfParams*` errors for
    /// parameters outside floor/cap.
    pub fn decode(bytes: &[u8]) -> Result<Self, CryptoError> {
        let rest = BlobKind::KdfHeader.strip_header(bytes)?;
        if bytes.len() != KDF_HEADER_LEN {
            return Err(CryptoError::Corrupt("KDF header has the wrong length"));
        }
        let word = |i: usize| u32::from_be_bytes([rest[i], rest[i + 1], rest[i + 2], rest[i + 3]]);
        let params = KdfParams {
            memory_kib: word(0),
            iterations: word(4),
            parallelism: word(8),
        };
        params.check()?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&rest[12..]);
        Ok(KdfHeader { params, salt })
    }

    /// Derives the KEK from `password` (checks the parameters again first).
    pub(crate) fn derive_kek(&self, password: &Password) -> Result<Key32, CryptoError> {
        self.params.check()?;
        let mut kek = Key32::zero();
        argon2id(
            password.expose(),
            &self.salt,
            self.params,
            &[],
            &[],
            kek.bytes_mut(),
        )?;
        Ok(kek)
    }
}

/// Argon2id v0x13 with optional secret and associated data (both empty in Coffer; exposed to
/// the tests so the RFC 9106 vector, which uses them, runs through this very function).
///
/// Does not check floor/cap: callers do.
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    params: KdfParams,
    secret: &[u8],
    associated_data: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    let data = AssociatedData::new(associated_data)
        .map_err(|_| CryptoError::Internal("Argon2 associated data too long"))?;
    let argon_params = ParamsBuilder::new()
        .m_cost(params.memory_kib)
        .t_cost(params.iterations)
        .p_cost(params.parallelism)
        .data(data)
        .output_len(out.len())
        .build()
        .map_err(|_| CryptoError::Internal("Argon2 parameters rejected"))?;
    let kdf = if secret.is_empty() {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
    } else {
        Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, argon_params)
            .map_err(|_| CryptoError::Internal("Argon2 secret too long"))?
    };
    kdf.hash_password_into(password, salt, out)
        .map_err(|_| CryptoError::Internal("Argon2 derivation failed"))
}
