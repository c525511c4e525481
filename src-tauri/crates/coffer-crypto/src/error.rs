//! The one error type of this crate.
//!
//! Messages are fixed strings plus public numbers (KDF parameters): they never carry key,
//! password or plaintext bytes, so an error can be logged or sent over the wire as is.
//! Authentication failures deliberately collapse into one variant per layer: a wrong key, a
//! wrong AAD and a forged tag are indistinguishable to the caller, as AES-GCM intends.

/// Everything that can go wrong in `coffer-crypto`.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// The master password is wrong, or the KDF header / wrapped root key was tampered with.
    /// The two cases are indistinguishable on purpose.
    #[error("wrong password or corrupt key file")]
    WrongPasswordOrCorrupt,
    /// An AEAD open failed: wrong key, wrong context (AAD) or modified ciphertext.
    #[error("decryption failed: wrong key, wrong context or modified data")]
    DecryptionFailed,
    /// A stored blob is structurally invalid: wrong format tag, unknown version or bad length.
    #[error("corrupt data: {0}")]
    Corrupt(&'static str),
    /// Argon2id parameters below the floor (a downgraded or hand-crafted header).
    #[error(
        "KDF parameters too weak (memory {memory_kib} KiB, iterations {iterations}, \
         parallelism {parallelism}); the floor is 19456 KiB, 2 iterations, 1 lane"
    )]
    KdfParamsTooWeak {
        /// Requested memory in KiB.
        memory_kib: u32,
        /// Requested iterations (time cost).
        iterations: u32,
        /// Requested lanes.
        parallelism: u32,
    },
    /// Argon2id parameters above the cap: refused before any memory is allocated, so a crafted
    /// header cannot exhaust memory or CPU.
    #[error(
        "KDF parameters too expensive (memory {memory_kib} KiB, iterations {iterations}, \
         parallelism {parallelism}); the cap is 4 GiB, 10 iterations, 16 lanes"
    )]
    KdfParamsTooExpensive {
        /// Requested memory in KiB.
        memory_kib: u32,
        /// Requested iterations (time cost).
        iterations: u32,
        /// Requested lanes.
        parallelism: u32,
    },
    /// A failure that is not the caller's fault (OS random number generator, primitive misuse).
    #[error("internal crypto error: {0}")]
    Internal(&'static str),
}
