//! The agent protocol's token file: `<store>.agent-token`, shared by `coffer serve --agent`
//! and the desktop app's listener, so an application keeps one token whichever serves it.

use std::io::Write;
use std::path::{Path, PathBuf};

use coffer_engine::SecretBytes;

/// The shortest token accepted from the file; a shorter one is replaced.
const MIN_TOKEN_LEN: usize = 16;

/// The token file beside a store: `<store>.agent-token`.
pub fn token_path(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".agent-token");
    PathBuf::from(p)
}

/// Reads the token in `path`, or makes one (48 random letters and digits) and writes it
/// there, mode 0600, synced before it is used.
///
/// # Errors
/// When the file can be neither read nor written.
pub fn load_or_create_token(path: &Path) -> std::io::Result<SecretBytes> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let token = text.trim();
        if token.len() >= MIN_TOKEN_LEN {
            return Ok(SecretBytes::from(token.to_owned()));
        }
    }
    let rules = coffer_engine::password::PasswordRules {
        length: 48,
        exclude_punctuation: true,
        ..Default::default()
    };
    let token = coffer_engine::password::random_password(&rules)
        .map_err(|e| std::io::Error::other(format!("cannot make an agent token: {e}")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(token.expose())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(token)
}
