//! Stored-blob formats, AAD encoding and the AES-256-GCM / HKDF / HMAC primitives.
//!
//! Every blob this crate emits starts with a 4-byte header: `b"CF"`, a kind byte that differs
//! per blob kind, and a format version (1). Decoders check the header and the exact length
//! before touching any key, so a blob of the wrong kind (a wrapped DEK handed in as a wrapped
//! root key, say) or of a future version is refused with [`CryptoError::Corrupt`].
//!
//! AEAD blobs are `header || nonce (12 random bytes) || ciphertext || tag (16)`. The AAD is a
//! length-prefixed list (u32 big-endian length + bytes per field) that starts with the header
//! itself and a domain label, so `("a:b", "c")` and `("a", "b:c")` never collide and no
//! ciphertext can be replayed under another kind, label or context.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::CryptoError;

/// Length of every symmetric key in the hierarchy.
pub(crate) const KEY_LEN: usize = 32;
/// AES-GCM nonce length (96 bits, SP 800-38D's recommended size).
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length (the full 128 bits).
pub(crate) const TAG_LEN: usize = 16;
/// Length of the blob header (`b"CF"`, kind, version).
pub(crate) const HEADER_LEN: usize = 4;
/// The only format version this build writes and reads.
pub(crate) const FORMAT_VERSION: u8 = 1;

/// The kinds of stored blob, each with its own header so they cannot be confused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobKind {
    /// Argon2id parameters + salt (not encrypted).
    KdfHeader,
    /// The root key wrapped under the password-derived KEK.
    WrappedRoot,
    /// Named (KMS-like) key material wrapped under the root key.
    WrappedKeyMaterial,
    /// A per-version DEK wrapped under named key material.
    WrappedDek,
    /// A secret value encrypted under its DEK.
    ValueCiphertext,
    /// An API access-key secret encrypted under the access-key wrapping key.
    AccessKeySecret,
    /// A rotation function's environment encrypted under the environment key.
    FunctionEnvironment,
}

impl BlobKind {
    fn byte(self) -> u8 {
        match self {
            BlobKind::KdfHeader => b'K',
            BlobKind::WrappedRoot => b'R',
            BlobKind::WrappedKeyMaterial => b'M',
            BlobKind::WrappedDek => b'D',
            BlobKind::ValueCiphertext => b'V',
            BlobKind::AccessKeySecret => b'A',
            BlobKind::FunctionEnvironment => b'E',
        }
    }

    /// The 4-byte header that opens every blob of this kind.
    pub(crate) fn header(self) -> [u8; HEADER_LEN] {
        [b'C', b'F', self.byte(), FORMAT_VERSION]
    }

    /// Checks the header of `blob` and returns the rest.
    pub(crate) fn strip_header(self, blob: &[u8]) -> Result<&[u8], CryptoError> {
        let Some((head, rest)) = blob.split_first_chunk::<HEADER_LEN>() else {
            return Err(CryptoError::Corrupt("blob shorter than its header"));
        };
        if head[..2] != *b"CF" {
            return Err(CryptoError::Corrupt("not a Coffer blob (bad magic)"));
        }
        if head[2] != self.byte() {
            return Err(CryptoError::Corrupt("blob of the wrong kind"));
        }
        if head[3] != FORMAT_VERSION {
            return Err(CryptoError::Corrupt("unsupported blob format version"));
        }
        Ok(rest)
    }
}

/// Length-prefixed canonical encoding: for each field, its length as u32 big-endian, then
/// its bytes. Injective, so distinct field lists always give distinct AADs.
///
/// # Panics
/// If a field is longer than `u32::MAX` bytes (ids and ARNs are validated far below that).
pub(crate) fn encode_fields(fields: &[&[u8]]) -> Vec<u8> {
    let total = fields.iter().map(|f| 4 + f.len()).sum();
    let mut out = Vec::with_capacity(total);
    for field in fields {
        let len = u32::try_from(field.len()).expect("AAD field longer than u32::MAX bytes");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

/// The AAD of an AEAD blob: its header, then the domain label, then the context fields.
fn blob_aad(kind: BlobKind, label: &str, context: &[&[u8]]) -> Vec<u8> {
    let header = kind.header();
    let mut fields: Vec<&[u8]> = Vec::with_capacity(context.len() + 2);
    fields.push(&header);
    fields.push(label.as_bytes());
    fields.extend_from_slice(context);
    encode_fields(&fields)
}

/// A 32-byte symmetric key on the heap, zeroized on drop.
///
/// Boxed so moves of the owning struct do not leave stack copies of the key bytes.
pub(crate) struct Key32(Box<[u8; KEY_LEN]>);

impl Drop for Key32 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Key32 {
    /// A fresh key from the OS CSPRNG, filled in place.
    pub(crate) fn random() -> Result<Self, CryptoError> {
        let mut key = Self::zero();
        fill_random(&mut key.0[..])?;
        Ok(key)
    }

    /// An all-zero key to be filled in place (by a KDF or a copy).
    pub(crate) fn zero() -> Self {
        Key32(Box::new([0u8; KEY_LEN]))
    }

    /// Copies exactly 32 bytes into a new key.
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != KEY_LEN {
            return Err(CryptoError::Corrupt("key has the wrong length"));
        }
        let mut key = Self::zero();
        key.0.copy_from_slice(bytes);
        Ok(key)
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut [u8; KEY_LEN] {
        &mut self.0
    }

    /// HKDF-SHA256 subkey with an empty salt (the root key is already uniformly random) and
    /// `info` as the domain label.
    pub(crate) fn derive(&self, info: &str) -> Key32 {
        let mut out = Key32::zero();
        hkdf_sha256(None, self.bytes(), info.as_bytes(), &mut out.0[..])
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }

    /// Encrypts `plaintext` into a blob of `kind` bound to `label` and `context`.
    pub(crate) fn seal(
        &self,
        kind: BlobKind,
        label: &str,
        context: &[&[u8]],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let aad = blob_aad(kind, label, context);
        let ct = aes256gcm_encrypt(self.bytes(), &nonce, &aad, plaintext)?;
        let mut blob = Vec::with_capacity(HEADER_LEN + NONCE_LEN + ct.len());
        blob.extend_from_slice(&kind.header());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ct);
        Ok(blob)
    }

    /// Opens a blob made by [`Key32::seal`] with the same kind, label and context.
    ///
    /// `plaintext_len`, when known, is checked before decryption (fixed-size key blobs).
    /// Structural problems give [`CryptoError::Corrupt`]; any authentication failure gives
    /// [`CryptoError::DecryptionFailed`], and no plaintext is released.
    pub(crate) fn open(
        &self,
        kind: BlobKind,
        label: &str,
        context: &[&[u8]],
        blob: &[u8],
        plaintext_len: Option<usize>,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (nonce, ct) = split_aead_blob(kind, blob, plaintext_len)?;
        let aad = blob_aad(kind, label, context);
        aes256gcm_decrypt(self.bytes(), nonce, &aad, ct)
    }
}

/// Checks the structure of an AEAD blob and returns its nonce and ciphertext+tag.
pub(crate) fn split_aead_blob(
    kind: BlobKind,
    blob: &[u8],
    plaintext_len: Option<usize>,
) -> Result<(&[u8; NONCE_LEN], &[u8]), CryptoError> {
    let rest = kind.strip_header(blob)?;
    let Some((nonce, ct)) = rest.split_first_chunk::<NONCE_LEN>() else {
        return Err(CryptoError::Corrupt("blob truncated inside the nonce"));
    };
    match plaintext_len {
        Some(n) if ct.len() != n + TAG_LEN => {
            return Err(CryptoError::Corrupt("blob has the wrong length"));
        }
        None if ct.len() < TAG_LEN => {
            return Err(CryptoError::Corrupt("blob shorter than its tag"));
        }
        _ => {}
    }
    Ok((nonce, ct))
}

/// Fills `buf` from the OS CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|_| CryptoError::Internal("OS random number generator failed"))
}

/// Raw AES-256-GCM encryption: returns ciphertext || 16-byte tag.
pub(crate) fn aes256gcm_encrypt(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Internal("AES-256 key length"))?;
    let nonce = Nonce::<Aes256Gcm>::from(*nonce);
    cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::Internal("plaintext too large for AES-GCM"))
}

/// Raw AES-256-GCM decryption of ciphertext || tag. Any failure is the one opaque
/// [`CryptoError::DecryptionFailed`].
pub(crate) fn aes256gcm_decrypt(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Internal("AES-256 key length"))?;
    let nonce = Nonce::<Aes256Gcm>::from(*nonce);
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::DecryptionFailed)
}

/// HKDF-SHA256 (RFC 5869) extract-and-expand into `out`.
pub(crate) fn hkdf_sha256(
    salt: Option<&[u8]>,
    ikm: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, out)
        .map_err(|_| CryptoError::Internal("HKDF output length"))
}

/// HMAC-SHA256 (RFC 2104) of `data` under a key of any length.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time HMAC-SHA256 check; a tag of the wrong length is simply wrong.
pub(crate) fn hmac_sha256_verify(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.verify_slice(tag).is_ok()
}
