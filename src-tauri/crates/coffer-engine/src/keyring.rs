//! The unsealed keys: the root key, the keys derived from it, and a cache of unwrapped
//! named-key material. Exists only while the store is unsealed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use coffer_crypto::{CryptoError, KeyMaterial, MacKey, RootKey};

use crate::error::{Error, ErrorCode, Result};

/// Keys held in memory while the store is unsealed. Every field zeroizes on drop.
#[derive(Debug)]
pub(crate) struct Keyring {
    root: RootKey,
    pub(crate) audit_mac: MacKey,
    pub(crate) audit_hash: MacKey,
    /// Seals and checks the rows that decide access (see `integrity`).
    pub(crate) row_seals: Arc<crate::integrity::RowSeals>,
    /// Set when the register of seals was found broken at unseal (see `integrity`).
    pub(crate) seals_broken: std::sync::OnceLock<String>,
    materials: Mutex<HashMap<(String, i64), Arc<KeyMaterial>>>,
    /// The store's `root_generation` this root key belongs to (see `rekey`).
    pub(crate) root_generation: i64,
}

impl Keyring {
    pub(crate) fn new(root: RootKey, root_generation: i64) -> Keyring {
        Keyring {
            root_generation,
            audit_mac: root.audit_mac_key(),
            audit_hash: root.audit_hash_key(),
            row_seals: Arc::new(crate::integrity::RowSeals::new(root.row_seal_key())),
            seals_broken: std::sync::OnceLock::new(),
            root,
            materials: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn root(&self) -> &RootKey {
        &self.root
    }

    /// The unwrapped material of key `key_id` at `version` if it is cached (material
    /// versions never change once written).
    pub(crate) fn cached_material(&self, key_id: &str, version: i64) -> Option<Arc<KeyMaterial>> {
        let cache = self.materials.lock().expect("cache lock");
        cache.get(&(key_id.to_owned(), version)).cloned()
    }

    /// The unwrapped material of key `key_id` at `version`, from the cache or the store.
    pub(crate) async fn material(
        &self,
        conn: &mut coffer_store::SqliteConnection,
        key_id: &str,
        version: i64,
    ) -> Result<Arc<KeyMaterial>> {
        if let Some(m) = self.cached_material(key_id, version) {
            return Ok(m);
        }
        let cache_key = (key_id.to_owned(), version);
        let row = coffer_store::find_material(conn, key_id, version)
            .await?
            .ok_or_else(decryption_failure)?;
        let v = u32::try_from(version).map_err(|_| decryption_failure())?;
        let material = Arc::new(
            self.root
                .unwrap_key_material(&row.wrapped_material, key_id, v)
                .map_err(|_| decryption_failure())?,
        );
        self.materials
            .lock()
            .expect("cache lock")
            .insert(cache_key, material.clone());
        Ok(material)
    }

    /// A keyed hash for audit details: lets an auditor check "was this the value?" without
    /// the log ever holding the value.
    pub(crate) fn audit_hash(&self, data: &[u8]) -> String {
        let tag = self.audit_hash.mac(data);
        format!("hmac-sha256:{}", hex(&tag))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn decryption_failure() -> Error {
    Error::new(
        ErrorCode::DecryptionFailure,
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    )
}

/// Maps an unseal failure to the caller's error: a wrong password and a tampered root key
/// look the same on purpose.
pub(crate) fn unseal_error(e: CryptoError) -> Error {
    match e {
        CryptoError::WrongPasswordOrCorrupt | CryptoError::DecryptionFailed => Error::new(
            ErrorCode::WrongPassword,
            "The master password is wrong, or the store's sealed root key was altered.",
        ),
        CryptoError::KdfParamsTooWeak { .. } | CryptoError::KdfParamsTooExpensive { .. } => {
            Error::new(
                ErrorCode::StoreCorrupt,
                format!("The store's key-derivation parameters are refused: {e}"),
            )
        }
        CryptoError::Corrupt(what) => Error::new(
            ErrorCode::StoreCorrupt,
            format!("The store's sealed root key is corrupt ({what})."),
        ),
        CryptoError::Internal(_) => Error::internal(e),
    }
}
