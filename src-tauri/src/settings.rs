//! Where the app's settings live: `settings.json` beside the store when `$COFFER_STORE`
//! names one (tests and e2e runs stay hermetic), else in the app's config folder
//! (`$XDG_CONFIG_HOME/dev.coffer.desktop/` on Linux, as Tauri's `app_config_dir`).
//! Reading and validation are in coffer-api.

use std::path::{Path, PathBuf};

/// The app identifier (`tauri.conf.json > identifier`), which names the config folder.
pub const IDENTIFIER: &str = "dev.coffer.desktop";

/// The settings file for this app. Computed before any window exists, so the state is
/// managed before the first command can arrive.
pub fn settings_path() -> PathBuf {
    match std::env::var_os("COFFER_STORE") {
        Some(p) if !p.is_empty() => Path::new(&p)
            .parent()
            .unwrap_or(Path::new("."))
            .join("settings.json"),
        _ => dirs::config_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(IDENTIFIER)
            .join("settings.json"),
    }
}
