//! The agent protocol's token file: `<store>.agent-token`, shared by `coffer serve --agent`
//! and the desktop app's listener, so an application keeps one token whichever serves it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use coffer_engine::SecretBytes;

/// The shortest token accepted from the file; a shorter one is replaced.
const MIN_TOKEN_LEN: usize = 16;

/// How `coffer serve --agent-principal` and the desktop's Settings name the account root.
/// Agent requests carry no signature, so whoever can read the token file reads what this
/// principal may read: acting as the account root (every secret) is therefore never a
/// default, but this word given on purpose; anything else is a user or role ARN.
pub const ACCOUNT_ROOT: &str = "root";

/// [`crate::ServerConfig::agent_principal`] for an explicit choice: `None` (the account root)
/// for [`ACCOUNT_ROOT`], else the ARN.
pub fn principal_arn(choice: &str) -> Option<String> {
    (choice != ACCOUNT_ROOT).then(|| choice.to_owned())
}

/// The token file beside a store: `<store>.agent-token`.
pub fn token_path(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".agent-token");
    PathBuf::from(p)
}

/// Reads the token in `path`, or makes one (48 random letters and digits) and writes it
/// there, mode 0600, synced before it is used.
///
/// The token is the agent protocol's only credential, so a file someone else could have
/// written or read is not used: unless it is a regular file (not a link) owned by this
/// process's user that no other account may read or write, it is removed and a new token
/// is written in a new file (which also makes its owner and mode ours: rewriting the file in
/// place would keep both).
///
/// # Errors
/// When the file can be neither read nor written.
pub fn load_or_create_token(path: &Path) -> std::io::Result<SecretBytes> {
    if let Some(token) = read_trusted(path) {
        return Ok(token);
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let rules = coffer_engine::password::PasswordRules {
        length: 48,
        exclude_punctuation: true,
        ..Default::default()
    };
    let token = coffer_engine::password::random_password(&rules)
        .map_err(|e| std::io::Error::other(format!("cannot make an agent token: {e}")))?;
    // create_new (O_EXCL): fails rather than follow a link or reuse a file planted after
    // the removal above.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
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

/// The token in `path` if the file may be trusted (see [`load_or_create_token`]) and holds
/// one of at least [`MIN_TOKEN_LEN`] characters.
fn read_trusted(path: &Path) -> Option<SecretBytes> {
    let before = std::fs::symlink_metadata(path).ok()?;
    if !before.file_type().is_file() || !private_to_us(&before) {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    // The file opened is the one checked (not one swapped in since).
    if !same_file(&before, &file.metadata().ok()?) {
        return None;
    }
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    let text = zeroize::Zeroizing::new(text);
    let token = text.trim();
    (token.len() >= MIN_TOKEN_LEN).then(|| SecretBytes::from(token.to_owned()))
}

/// Owned by this process's user, and no permission bits for group or others.
#[cfg(unix)]
fn private_to_us(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == nix::unistd::geteuid().as_raw() && meta.mode() & 0o077 == 0
}

#[cfg(not(unix))]
fn private_to_us(_meta: &std::fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_a: &std::fs::Metadata, _b: &std::fs::Metadata) -> bool {
    true
}
