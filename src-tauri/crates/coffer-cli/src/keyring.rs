//! The OS keyring as a source of the master password.
//!
//! A headless `coffer serve` must unseal at boot without a person at a prompt. A password
//! file works but leaves the password on disk; the OS keyring keeps it in the operating
//! system's credential store instead. On Linux that is the kernel key retention service:
//! the entry lives in the user's keyring (`@u`), readable only by processes of the same
//! user, never written to disk, and gone at reboot — like an unseal key Vault operators
//! re-enter after a restart. (Not the "persistent" keyring: linking into it is refused in
//! containers, and the user keyring serves every session of the user alike.)
//!
//! One entry per store file: `coffer:<absolute store path>`, written only after the
//! password has been proven to unseal the store.

use std::path::Path;

use anyhow::{Context, Result};
use coffer_engine::Password;

/// The keyring entry holding one store's master password.
pub struct PasswordEntry {
    description: String,
}

impl PasswordEntry {
    /// The entry for the store at `store` (made absolute so that every working directory
    /// names the same entry).
    pub fn for_store(store: &Path) -> Result<PasswordEntry> {
        let absolute = std::path::absolute(store)
            .with_context(|| format!("cannot resolve the store path {}", store.display()))?;
        Ok(PasswordEntry {
            description: format!("coffer:{}", absolute.display()),
        })
    }

    /// The store path the entry is filed under.
    pub fn account(&self) -> &str {
        self.description.trim_start_matches("coffer:")
    }
}

#[cfg(target_os = "linux")]
impl PasswordEntry {
    fn user_keyring() -> Result<linux_keyutils::KeyRing> {
        linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::User, true)
            .map_err(|e| anyhow::anyhow!("the kernel keyring is unavailable: {e}"))
    }

    /// The stored password, or `None` when there is no entry.
    pub fn get(&self) -> Result<Option<Password>> {
        let ring = Self::user_keyring()?;
        let key = match ring.search(&self.description) {
            Ok(key) => key,
            Err(
                linux_keyutils::KeyError::KeyDoesNotExist
                | linux_keyutils::KeyError::KeyRevoked
                | linux_keyutils::KeyError::KeyExpired,
            ) => return Ok(None),
            Err(e) => anyhow::bail!("cannot read the kernel keyring: {e}"),
        };
        let bytes = key
            .read_to_vec()
            .map_err(|e| anyhow::anyhow!("cannot read the kernel keyring: {e}"))?;
        Ok(Some(Password::new(bytes)))
    }

    /// Stores `password`, replacing any previous entry.
    pub fn set(&self, password: &Password) -> Result<()> {
        let ring = Self::user_keyring()?;
        ring.add_key(&self.description, password.expose())
            .map_err(|e| anyhow::anyhow!("cannot write to the kernel keyring: {e}"))?;
        Ok(())
    }

    /// Removes the entry; returns whether there was one.
    pub fn delete(&self) -> Result<bool> {
        let ring = Self::user_keyring()?;
        match ring.search(&self.description) {
            Ok(key) => {
                key.invalidate()
                    .map_err(|e| anyhow::anyhow!("cannot remove the keyring entry: {e}"))?;
                Ok(true)
            }
            Err(linux_keyutils::KeyError::KeyDoesNotExist) => Ok(false),
            Err(e) => anyhow::bail!("cannot read the kernel keyring: {e}"),
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl PasswordEntry {
    fn unsupported<T>() -> Result<T> {
        anyhow::bail!(
            "the OS keyring is supported on Linux only in this build: use --password-file"
        )
    }

    /// The stored password, or `None` when there is no entry.
    pub fn get(&self) -> Result<Option<Password>> {
        Self::unsupported()
    }

    /// Stores `password`, replacing any previous entry.
    pub fn set(&self, _password: &Password) -> Result<()> {
        Self::unsupported()
    }

    /// Removes the entry; returns whether there was one.
    pub fn delete(&self) -> Result<bool> {
        Self::unsupported()
    }
}
