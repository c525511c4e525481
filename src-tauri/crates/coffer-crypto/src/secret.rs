//! Secret containers: [`SecretBytes`] for values and keys in transit, [`Password`] for the
//! master password.
//!
//! Both zeroize their heap buffer on drop, print only a redaction marker in `Debug`, implement
//! neither `Display` nor `Serialize`, and compare in constant time. `zeroize` only guarantees
//! that the final buffer is wiped: copies made before the bytes got here (moves of the source
//! `String`, reallocations) are out of its reach, so construct these as early as possible.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// A secret byte string (a secret value, a generated password, an access-key secret).
///
/// Invariant: the bytes live in one heap buffer that is zeroized when dropped (clones are
/// zeroized too). The only way to read them is [`SecretBytes::expose`], which makes every
/// access greppable.
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes` without copying them.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes. Call only where the value must leave the type (encryption, reveal).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as UTF-8 text (secret strings, generated passwords).
    ///
    /// # Errors
    /// The bytes are not valid UTF-8 (the error carries only a position, never the bytes).
    pub fn expose_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.0)
    }

    /// Length in bytes (not secret: ciphertext length reveals it anyway).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<String> for SecretBytes {
    /// Reuses the string's buffer (no copy left behind).
    fn from(s: String) -> Self {
        Self::new(s.into_bytes())
    }
}

/// The buffer is wiped when dropped (`Zeroizing`).
impl ZeroizeOnDrop for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {} bytes])", self.0.len())
    }
}

impl PartialEq for SecretBytes {
    /// Constant time in the contents (the length is not secret).
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for SecretBytes {}

/// The master password. Only ever fed to Argon2id; never stored, printed or compared.
///
/// Invariant: zeroized on drop; `Debug` does not reveal even the length.
#[derive(Clone)]
pub struct Password(Zeroizing<Vec<u8>>);

impl Password {
    /// Takes ownership of the password bytes (any bytes: the KDF does not require UTF-8).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The password bytes, for the KDF.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (for a UI strength hint; avoid logging it).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Password {
    /// Reuses the string's buffer (no copy left behind).
    fn from(s: String) -> Self {
        Self::new(s.into_bytes())
    }
}

impl From<Vec<u8>> for Password {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<&str> for Password {
    /// Copies the text; the caller still owns (and should wipe) the original.
    fn from(s: &str) -> Self {
        Self::new(s.as_bytes().to_vec())
    }
}

/// The buffer is wiped when dropped (`Zeroizing`).
impl ZeroizeOnDrop for Password {}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

impl PartialEq for Password {
    /// Constant time in the contents.
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for Password {}
