//! The session: the store's state as the UI sees it (absent, sealed, locked, open), first-run
//! creation, unsealing, the master password, and the app's settings file.
//!
//! Lock and seal differ on purpose: locking only hides the UI (the engine keeps serving the
//! API and rotations), sealing drops every key. The shell owns the lock flag; this module
//! gives it the operations and shapes.

use std::path::Path;
use std::sync::Arc;

use coffer_engine::{Engine, InitOptions, Password, RequestContext, SystemClock};
use serde::{Deserialize, Serialize};

use super::{AppError, AppResult};

/// What the UI needs to pick its first screen (create, unlock, or the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StoreStatus {
    /// The store file.
    pub path: String,
    /// False before the first run.
    pub exists: bool,
    /// True while no keys are in memory (also true when there is no store).
    pub sealed: bool,
    /// True while the UI is locked (always true while sealed).
    pub locked: bool,
    /// The 12-digit account id in every ARN (once the store is open).
    pub account_id: Option<String>,
    /// The default region (once the store is open).
    pub region: Option<String>,
}

/// The state of a store as the shell holds it.
pub fn store_status(path: &Path, engine: Option<&Engine>, ui_locked: bool) -> StoreStatus {
    let exists = engine.is_some() || path.exists();
    let sealed = engine.is_none_or(Engine::is_sealed);
    StoreStatus {
        path: path.display().to_string(),
        exists,
        sealed,
        locked: sealed || ui_locked,
        account_id: engine.map(|e| e.account_id().to_owned()),
        region: engine.map(|e| e.default_region().to_owned()),
    }
}

/// `create_store` request: the new master password (the UI has checked both entries match).
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CreateStoreRequest {
    /// The master password.
    pub password: String,
}

impl std::fmt::Debug for CreateStoreRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreateStoreRequest { password: [redacted] }")
    }
}

/// `unlock` request: the master password.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UnlockRequest {
    /// The master password.
    pub password: String,
}

impl std::fmt::Debug for UnlockRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockRequest { password: [redacted] }")
    }
}

/// `change_master_password` request.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChangeMasterPasswordRequest {
    /// The current master password.
    pub old_password: String,
    /// The new one.
    pub new_password: String,
}

impl std::fmt::Debug for ChangeMasterPasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeMasterPasswordRequest { [redacted] }")
    }
}

fn password(member: &str, s: &str) -> AppResult<Password> {
    if s.is_empty() {
        return Err(AppError::new(
            "ValidationException",
            format!("The {member} must not be empty."),
        ));
    }
    Ok(Password::from(s.to_owned()))
}

/// The shortest master password accepted (the UI's `minimumLength`).
pub const MIN_MASTER_PASSWORD_CHARS: usize = 12;
/// The lowest zxcvbn score accepted, "strong" (the UI's `minimumScore`).
pub const MIN_MASTER_PASSWORD_SCORE: u8 = 3;

/// A new master password, held to the floor the UI shows (`ui/src/features/session/
/// strength.ts`): at least [`MIN_MASTER_PASSWORD_CHARS`] characters and a zxcvbn score of
/// [`MIN_MASTER_PASSWORD_SCORE`]. Checked here too because the webview is less trusted than
/// the core: a script calling the command directly must not get a guessable password past
/// it. `user_inputs` (the store path, say) count as guessable words, as in the UI.
///
/// # Errors
/// `WeakPassword`, saying what to change.
pub fn new_master_password(member: &str, s: &str, user_inputs: &[&str]) -> AppResult<Password> {
    let pw = password(member, s)?;
    let weak = |why: &str| Err(AppError::new("WeakPassword", format!("The {member} {why}")));
    if s.chars().count() < MIN_MASTER_PASSWORD_CHARS {
        return weak(&format!(
            "needs at least {MIN_MASTER_PASSWORD_CHARS} characters."
        ));
    }
    if u8::from(zxcvbn::zxcvbn(s, user_inputs).score()) < MIN_MASTER_PASSWORD_SCORE {
        return weak("is too easy to guess: add more words or characters.");
    }
    Ok(pw)
}

/// Opens the store at `path` (sealed), or `None` when there is none yet.
pub async fn open_store(path: &Path) -> AppResult<Option<Engine>> {
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(Engine::open(path, Arc::new(SystemClock)).await?))
}

/// First run: creates the store at `path` (and its folder) and returns it unsealed. The
/// password must pass [`new_master_password`].
pub async fn create_store(path: &Path, req: CreateStoreRequest) -> AppResult<Engine> {
    let shown = path.display().to_string();
    let pw = new_master_password("master password", &req.password, &[&shown])?;
    if path.exists() {
        return Err(AppError::new(
            "StoreUnavailableException",
            format!("A store already exists at {}.", path.display()),
        ));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::new(
                "StoreUnavailableException",
                format!("Cannot create the folder {}: {e}", dir.display()),
            )
        })?;
    }
    Ok(Engine::init(path, &pw, InitOptions::default(), Arc::new(SystemClock)).await?)
}

/// Unseals `engine` with the master password. On an unsealed engine this re-derives the
/// key and so checks the password (what unlocking a locked UI needs).
pub async fn unseal(engine: &Engine, req: UnlockRequest) -> AppResult<()> {
    let pw = password("master password", &req.password)?;
    Ok(engine.unseal(&pw).await?)
}

/// Changes the master password (only the root-key wrap changes); the new one must pass
/// [`new_master_password`].
pub async fn change_master_password(
    engine: &Engine,
    ctx: &RequestContext,
    req: ChangeMasterPasswordRequest,
) -> AppResult<()> {
    let old = password("current password", &req.old_password)?;
    let shown = engine.store_path().display().to_string();
    let new = new_master_password("new password", &req.new_password, &[&shown])?;
    Ok(engine.change_password(ctx, &old, &new, None).await?)
}

/// `rekey_store` request: the current master password (the new root key is wrapped
/// under it).
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RekeyStoreRequest {
    /// The current master password.
    pub password: String,
}

impl std::fmt::Debug for RekeyStoreRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RekeyStoreRequest { [redacted] }")
    }
}

/// What a re-key rewrote, for the person who asked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RekeyResult {
    /// KMS keys given fresh material.
    pub kms_keys: u32,
    /// Secret versions re-encrypted.
    pub secret_versions: u32,
    /// Access keys whose secret was re-encrypted.
    pub access_keys: u32,
    /// Rotation functions whose environment was re-encrypted.
    pub functions: u32,
    /// Audit events re-MAC'd.
    pub audit_events: u32,
}

/// Re-keys the store: a new root key (see `Engine::rekey`).
pub async fn rekey_store(
    engine: &Engine,
    ctx: &RequestContext,
    req: RekeyStoreRequest,
) -> AppResult<RekeyResult> {
    let pw = password("current password", &req.password)?;
    let r = engine.rekey(ctx, &pw).await?;
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(RekeyResult {
        kms_keys: n(r.keys),
        secret_versions: n(r.versions),
        access_keys: n(r.access_keys),
        functions: n(r.functions),
        audit_events: n(r.audit_events),
    })
}

/// `copy_secret_text` request: the value to put on the clipboard.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CopyTextRequest {
    /// The text.
    pub text: String,
}

impl std::fmt::Debug for CopyTextRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CopyTextRequest { text: [redacted] }")
    }
}

/// The UI's colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the OS.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

// Every field is required on the wire; a file missing one reads as the defaults (see
// `load_settings`).
/// The app's settings, kept as JSON in the app's config folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Lock the UI after this many idle minutes (0 = never).
    pub auto_lock_minutes: u32,
    /// Clear a copied value from the clipboard after this many seconds.
    pub clipboard_clear_seconds: u32,
    /// Colour scheme.
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_lock_minutes: 5,
            clipboard_clear_seconds: 30,
            theme: Theme::System,
        }
    }
}

impl Settings {
    /// Checks the ranges the UI offers: auto-lock ≤ 24 h, clipboard clearing 5 s – 10 min.
    pub fn validate(&self) -> AppResult<()> {
        if self.auto_lock_minutes > 24 * 60 {
            return Err(AppError::new(
                "ValidationException",
                "autoLockMinutes must be between 0 (never) and 1440.",
            ));
        }
        if !(5..=600).contains(&self.clipboard_clear_seconds) {
            return Err(AppError::new(
                "ValidationException",
                "clipboardClearSeconds must be between 5 and 600.",
            ));
        }
        Ok(())
    }
}

/// Reads the settings file; the defaults when it is missing or unreadable (a broken
/// settings file must never keep the app from starting).
pub fn load_settings(path: &Path) -> Settings {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Validates and writes the settings file (atomically: a temp file renamed over it).
pub fn save_settings(path: &Path, settings: &Settings) -> AppResult<()> {
    settings.validate()?;
    let io = |e: std::io::Error| AppError::internal(format!("Cannot save the settings: {e}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let json = serde_json::to_vec_pretty(settings)
        .map_err(|e| AppError::internal(format!("Cannot save the settings: {e}")))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/settings.json");
        assert_eq!(load_settings(&path), Settings::default());
        let s = Settings {
            auto_lock_minutes: 0,
            clipboard_clear_seconds: 10,
            theme: Theme::Dark,
        };
        save_settings(&path, &s).unwrap();
        assert_eq!(load_settings(&path), s);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"autoLockMinutes\": 0"), "{text}");
        assert!(text.contains("\"theme\": \"dark\""), "{text}");
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(load_settings(&path), Settings::default());
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let bad = Settings {
            clipboard_clear_seconds: 1,
            ..Settings::default()
        };
        assert_eq!(
            save_settings(&path, &bad).unwrap_err().code,
            "ValidationException"
        );
        assert!(!path.exists());
    }
}
