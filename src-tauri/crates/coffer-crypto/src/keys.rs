//! The key hierarchy: password → KEK → root key → named key material → DEK → value, plus the
//! HKDF subkeys of the root key (audit MAC, audit keyed hash, access-key secrets).
//!
//! Every wrap binds the ciphertext to its place with a domain label and the identifiers of
//! its row (see `format` for the AAD encoding), so swapping blobs between rows, secrets,
//! versions or keys fails authentication instead of returning someone else's plaintext.

use std::fmt;

use zeroize::ZeroizeOnDrop;

use crate::format::{BlobKind, KEY_LEN, Key32};
use crate::kdf::{KdfHeader, KdfParams};
use crate::{CryptoError, Password, SecretBytes};

/// AAD label of the root-key wrap.
const LABEL_ROOT: &str = "coffer/v1/root";
/// AAD label of named-key-material wraps.
const LABEL_KMS: &str = "coffer/v1/kms";
/// AAD label of DEK wraps.
const LABEL_DEK: &str = "coffer/v1/dek";
/// AAD label of secret-value encryption.
const LABEL_VALUE: &str = "coffer/v1/value";
/// AAD label of stored access-key secrets.
const LABEL_ACCESS_KEY: &str = "coffer/v1/access-key-secret";
/// HKDF info of the audit-chain MAC key.
const HKDF_AUDIT: &str = "coffer/v1/audit";
/// HKDF info of the keyed hash used for audit details.
const HKDF_AUDIT_HASH: &str = "coffer/v1/audit-hash";
/// HKDF info of the access-key-secret wrapping key.
const HKDF_API_KEYS: &str = "coffer/v1/api-keys";
/// HKDF info of the key that seals the rows deciding access.
const HKDF_ROW_SEALS: &str = "coffer/v1/row-seals";
/// HKDF info of the key that encrypts rotation-function environments.
const HKDF_FUNCTION_ENV: &str = "coffer/v1/function-env";
/// AAD label of rotation-function environments.
const LABEL_FUNCTION_ENV: &str = "coffer/v1/function-environment";

/// The vault's root key: 32 random bytes, stored only wrapped under the password KEK.
///
/// Invariant: zeroized on drop; `Debug` is redacted; not `Clone` (one owner, the unsealed
/// engine). Changing the password re-wraps it; it changes only on a vault re-key.
pub struct RootKey(Key32);

/// The inner key wipes itself when dropped.
impl ZeroizeOnDrop for RootKey {}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey([REDACTED])")
    }
}

/// Creates a new vault key hierarchy root.
///
/// Returns the root key, the encoded [`KdfHeader`] and the wrapped root blob; store both blobs
/// (they are useless without the password). `store_id` is an immutable vault identifier that
/// the wrap is bound to.
///
/// # Errors
/// `params` outside floor/cap (before any allocation), or an RNG/primitive failure.
pub fn create_root(
    password: &Password,
    params: KdfParams,
    store_id: &[u8],
) -> Result<(RootKey, Vec<u8>, Vec<u8>), CryptoError> {
    let root = RootKey(Key32::random()?);
    let (header, wrapped) = rewrap_root(&root, password, params, store_id)?;
    Ok((root, header, wrapped))
}

/// Unlocks the vault: derives the KEK from `password` and unwraps the root key.
///
/// The blobs' structure is checked before the (expensive) KDF runs.
///
/// # Errors
/// [`CryptoError::WrongPasswordOrCorrupt`] for a wrong password *or* a modified header, salt,
/// nonce, ciphertext or store id (indistinguishable by design); [`CryptoError::Corrupt`] for a
/// structurally invalid blob; the `KdfParams*` errors for parameters outside floor/cap.
pub fn open_root(
    password: &Password,
    kdf_header: &[u8],
    wrapped_root: &[u8],
    store_id: &[u8],
) -> Result<RootKey, CryptoError> {
    let header = KdfHeader::decode(kdf_header)?;
    crate::format::split_aead_blob(BlobKind::WrappedRoot, wrapped_root, Some(KEY_LEN))?;
    let kek = header.derive_kek(password)?;
    let encoded_header = header.encode();
    let bytes = kek
        .open(
            BlobKind::WrappedRoot,
            LABEL_ROOT,
            &[store_id, &encoded_header],
            wrapped_root,
            Some(KEY_LEN),
        )
        .map_err(|e| match e {
            CryptoError::DecryptionFailed => CryptoError::WrongPasswordOrCorrupt,
            other => other,
        })?;
    Ok(RootKey(Key32::from_slice(&bytes)?))
}

/// Wraps an existing root key under a new password (password change): fresh salt, possibly
/// new parameters, same root key, so nothing below the root needs re-encrypting.
///
/// Returns the new encoded [`KdfHeader`] and wrapped root blob; replace both atomically.
///
/// # Errors
/// `params` outside floor/cap, or an RNG/primitive failure.
pub fn rewrap_root(
    root: &RootKey,
    new_password: &Password,
    params: KdfParams,
    store_id: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let header = KdfHeader::generate(params)?;
    let kek = header.derive_kek(new_password)?;
    let encoded_header = header.encode();
    let wrapped = kek.seal(
        BlobKind::WrappedRoot,
        LABEL_ROOT,
        &[store_id, &encoded_header],
        root.0.bytes(),
    )?;
    Ok((encoded_header, wrapped))
}

impl RootKey {
    /// Wraps named key material for storage, bound to `(key_id, material_version)`.
    ///
    /// # Panics
    /// Only if the OS random number generator fails (no safe way to continue).
    pub fn wrap_key_material(
        &self,
        m: &KeyMaterial,
        key_id: &str,
        material_version: u32,
    ) -> Vec<u8> {
        self.0
            .seal(
                BlobKind::WrappedKeyMaterial,
                LABEL_KMS,
                &[key_id.as_bytes(), &material_version.to_be_bytes()],
                m.0.bytes(),
            )
            .expect("OS random number generator failed while wrapping key material")
    }

    /// Unwraps named key material stored by [`RootKey::wrap_key_material`].
    ///
    /// # Errors
    /// [`CryptoError::Corrupt`] for a malformed blob, [`CryptoError::DecryptionFailed`] for a
    /// wrong root key, key id, material version or any modification.
    pub fn unwrap_key_material(
        &self,
        blob: &[u8],
        key_id: &str,
        material_version: u32,
    ) -> Result<KeyMaterial, CryptoError> {
        let bytes = self.0.open(
            BlobKind::WrappedKeyMaterial,
            LABEL_KMS,
            &[key_id.as_bytes(), &material_version.to_be_bytes()],
            blob,
            Some(KEY_LEN),
        )?;
        Ok(KeyMaterial(Key32::from_slice(&bytes)?))
    }

    /// The key that MACs the audit hash chain (HKDF-SHA256, info `coffer/v1/audit`).
    pub fn audit_mac_key(&self) -> MacKey {
        MacKey(self.0.derive(HKDF_AUDIT))
    }

    /// The key for keyed hashes of audit details (HKDF-SHA256, info `coffer/v1/audit-hash`),
    /// so the log can show "same value as before" without a guessable plain hash.
    pub fn audit_hash_key(&self) -> MacKey {
        MacKey(self.0.derive(HKDF_AUDIT_HASH))
    }

    /// The key that MACs the rows deciding access (policies, access keys, labels, key
    /// state, rotation settings and functions; HKDF-SHA256, info `coffer/v1/row-seals`), so
    /// an edit of the store file is detected instead of obeyed.
    pub fn row_seal_key(&self) -> MacKey {
        MacKey(self.0.derive(HKDF_ROW_SEALS))
    }

    /// The key that encrypts rotation functions' environments (HKDF-SHA256, info
    /// `coffer/v1/function-env`): they often carry connection strings or tokens.
    pub fn function_environment_key(&self) -> EnvironmentKey {
        EnvironmentKey(self.0.derive(HKDF_FUNCTION_ENV))
    }

    /// The key that encrypts stored API access-key secrets (HKDF-SHA256, info
    /// `coffer/v1/api-keys`). SigV4 needs the raw secret, so it is encrypted, not hashed.
    pub fn access_key_wrapping_key(&self) -> WrappingKey {
        WrappingKey(self.0.derive(HKDF_API_KEYS))
    }
}

/// Material of one version of a named (KMS-like) key: 32 random bytes, stored wrapped under
/// the root key. It only ever wraps DEKs.
///
/// Invariant: zeroized on drop; `Debug` is redacted; not `Clone`.
pub struct KeyMaterial(Key32);

/// The inner key wipes itself when dropped.
impl ZeroizeOnDrop for KeyMaterial {}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial([REDACTED])")
    }
}

/// Where a secret value lives; every field goes into the AAD, so a value (or its wrapped
/// DEK) moved to another secret, version, key or key version fails to decrypt.
///
/// Use immutable identifiers (the ARN with its random suffix, the version UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueContext<'a> {
    /// The secret's full ARN.
    pub secret_arn: &'a str,
    /// The version id (ClientRequestToken).
    pub version_id: &'a str,
    /// The named key's id (not its alias, which can move).
    pub key_id: &'a str,
    /// The named key's material version used for this value.
    pub material_version: u32,
}

impl<'a> ValueContext<'a> {
    /// DEK-wrap AAD fields: ARN, version id, key id, material version (u32 big-endian, passed
    /// in so the caller owns the bytes).
    fn dek_fields<'b>(&'b self, material_version: &'b [u8; 4]) -> [&'b [u8]; 4] {
        [
            self.secret_arn.as_bytes(),
            self.version_id.as_bytes(),
            self.key_id.as_bytes(),
            material_version,
        ]
    }

    /// Value AAD fields: ARN and version id.
    fn value_fields(&self) -> [&'a [u8]; 2] {
        [self.secret_arn.as_bytes(), self.version_id.as_bytes()]
    }
}

/// One encrypted secret version: the wrapped DEK and the value ciphertext. Not secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    /// The version's DEK wrapped under the named key material.
    pub wrapped_dek: Vec<u8>,
    /// The value encrypted under the DEK.
    pub ciphertext: Vec<u8>,
}

impl KeyMaterial {
    /// Fresh random key material.
    ///
    /// # Panics
    /// Only if the OS random number generator fails (no safe way to continue).
    pub fn generate() -> Self {
        KeyMaterial(Key32::random().expect("OS random number generator failed"))
    }

    /// Encrypts a secret value under a fresh random DEK (one DEK per call, used once, so GCM
    /// nonce limits never apply to it), and wraps the DEK under this material.
    ///
    /// # Errors
    /// RNG failure, or a value larger than AES-GCM allows (~64 GiB).
    pub fn seal_value(
        &self,
        ctx: &ValueContext<'_>,
        plaintext: &SecretBytes,
    ) -> Result<SealedValue, CryptoError> {
        let dek = Key32::random()?;
        let version = ctx.material_version.to_be_bytes();
        let dek_fields = ctx.dek_fields(&version);
        let wrapped_dek = self
            .0
            .seal(BlobKind::WrappedDek, LABEL_DEK, &dek_fields, dek.bytes())?;
        let ciphertext = dek.seal(
            BlobKind::ValueCiphertext,
            LABEL_VALUE,
            &ctx.value_fields(),
            plaintext.expose(),
        )?;
        Ok(SealedValue {
            wrapped_dek,
            ciphertext,
        })
    }

    /// Decrypts a value sealed by [`KeyMaterial::seal_value`] with the same context.
    ///
    /// # Errors
    /// [`CryptoError::Corrupt`] for a malformed blob, [`CryptoError::DecryptionFailed`] for a
    /// wrong key, wrong context, swapped blobs or any modification. No partial plaintext.
    pub fn open_value(
        &self,
        ctx: &ValueContext<'_>,
        wrapped_dek: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, CryptoError> {
        let version = ctx.material_version.to_be_bytes();
        let dek_fields = ctx.dek_fields(&version);
        // Check the value blob's structure first so a malformed row fails without key work.
        crate::format::split_aead_blob(BlobKind::ValueCiphertext, ciphertext, None)?;
        let dek_bytes = self.0.open(
            BlobKind::WrappedDek,
            LABEL_DEK,
            &dek_fields,
            wrapped_dek,
            Some(KEY_LEN),
        )?;
        let dek = Key32::from_slice(&dek_bytes)?;
        let mut plaintext = dek.open(
            BlobKind::ValueCiphertext,
            LABEL_VALUE,
            &ctx.value_fields(),
            ciphertext,
            None,
        )?;
        Ok(SecretBytes::new(std::mem::take(&mut *plaintext)))
    }
}

/// An HMAC-SHA256 key derived from the root key (audit chain MAC, audit keyed hash).
///
/// Invariant: zeroized on drop; `Debug` is redacted.
pub struct MacKey(Key32);

/// The inner key wipes itself when dropped.
impl ZeroizeOnDrop for MacKey {}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey([REDACTED])")
    }
}

impl MacKey {
    /// HMAC-SHA256 of `data`.
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        crate::format::hmac_sha256(self.0.bytes(), data)
    }

    /// Whether `tag` is the MAC of `data`, compared in constant time. A tag of the wrong
    /// length is simply `false`.
    pub fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        crate::format::hmac_sha256_verify(self.0.bytes(), data, tag)
    }
}

/// An AES-256-GCM key derived from the root key that encrypts small stored secrets (API
/// access-key secrets), each bound to its access key id.
///
/// Invariant: zeroized on drop; `Debug` is redacted.
pub struct WrappingKey(Key32);

/// The inner key wipes itself when dropped.
impl ZeroizeOnDrop for WrappingKey {}

impl fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WrappingKey([REDACTED])")
    }
}

impl WrappingKey {
    /// Encrypts an access-key secret, bound to `access_key_id` (AAD
    /// `("coffer/v1/access-key-secret", access_key_id)`).
    ///
    /// # Errors
    /// RNG failure or an absurdly large secret.
    pub fn encrypt(
        &self,
        access_key_id: &str,
        secret: &SecretBytes,
    ) -> Result<Vec<u8>, CryptoError> {
        self.0.seal(
            BlobKind::AccessKeySecret,
            LABEL_ACCESS_KEY,
            &[access_key_id.as_bytes()],
            secret.expose(),
        )
    }

    /// Decrypts a blob made by [`WrappingKey::encrypt`] for the same `access_key_id`.
    ///
    /// # Errors
    /// [`CryptoError::Corrupt`] for a malformed blob, [`CryptoError::DecryptionFailed`] for a
    /// wrong key or id or any modification.
    pub fn decrypt(&self, access_key_id: &str, blob: &[u8]) -> Result<SecretBytes, CryptoError> {
        let mut plaintext = self.0.open(
            BlobKind::AccessKeySecret,
            LABEL_ACCESS_KEY,
            &[access_key_id.as_bytes()],
            blob,
            None,
        )?;
        Ok(SecretBytes::new(std::mem::take(&mut *plaintext)))
    }
}

/// An AES-256-GCM key derived from the root key that encrypts rotation functions'
/// environments, each bound to its function's ARN.
///
/// Invariant: zeroized on drop; `Debug` is redacted.
pub struct EnvironmentKey(Key32);

/// The inner key wipes itself when dropped.
impl ZeroizeOnDrop for EnvironmentKey {}

impl fmt::Debug for EnvironmentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvironmentKey([REDACTED])")
    }
}

impl EnvironmentKey {
    /// Encrypts a function's environment, bound to `function_arn` (AAD
    /// `("coffer/v1/function-environment", function_arn)`).
    ///
    /// # Errors
    /// RNG failure or an absurdly large environment.
    pub fn encrypt(&self, function_arn: &str, env: &SecretBytes) -> Result<Vec<u8>, CryptoError> {
        self.0.seal(
            BlobKind::FunctionEnvironment,
            LABEL_FUNCTION_ENV,
            &[function_arn.as_bytes()],
            env.expose(),
        )
    }

    /// Decrypts a blob made by [`EnvironmentKey::encrypt`] for the same `function_arn`.
    ///
    /// # Errors
    /// [`CryptoError::Corrupt`] for a malformed blob, [`CryptoError::DecryptionFailed`] for a
    /// wrong key or ARN or any modification.
    pub fn decrypt(&self, function_arn: &str, blob: &[u8]) -> Result<SecretBytes, CryptoError> {
        let mut plaintext = self.0.open(
            BlobKind::FunctionEnvironment,
            LABEL_FUNCTION_ENV,
            &[function_arn.as_bytes()],
            blob,
            None,
        )?;
        Ok(SecretBytes::new(std::mem::take(&mut *plaintext)))
    }
}
