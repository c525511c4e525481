//! The desktop app's operations: typed request/response DTOs and one async function per
//! IPC command of the desktop contract (`brief/ipc-contract.md`).
//!
//! The Tauri shell forwards each command here unchanged, so every command body is a plain
//! function a test can call without a window. DTOs are serde camelCase and, behind the
//! `specta` feature, derive `specta::Type` so the shell can generate the TypeScript
//! bindings from them. Times cross as RFC 3339 strings; no 64-bit integer crosses the wire
//! (counts are `u32`/`f64`, ids are strings). Errors cross as [`AppError`] `{code, message}`.

pub mod access;
pub mod audit;
pub mod diff;
pub mod keys;
pub mod rotation;
pub mod secrets;
pub mod session;

use chrono::{DateTime, SecondsFormat, Utc};
use coffer_engine::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

pub use access::*;
pub use audit::*;
pub use diff::*;
pub use keys::*;
pub use rotation::*;
pub use secrets::*;
pub use session::*;

/// An error as the UI sees it: a code it can branch on and a message it can show.
///
/// `code` is AWS's error code (`ResourceNotFoundException`, …) or one of Coffer's own:
/// `Locked` (the UI is locked), `Sealed`, `NoStore`, `WrongPassword`, `Internal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "IpcError")]
#[error("{code}: {message}")]
pub struct AppError {
    /// What happened, as a stable code.
    pub code: String,
    /// What happened, in words (never a secret value).
    pub message: String,
}

impl AppError {
    /// An error with a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The UI is locked: data commands wait for `unlock`.
    pub fn locked() -> AppError {
        AppError::new(
            "Locked",
            "Coffer is locked. Unlock it with the master password.",
        )
    }

    /// No store exists yet at the configured path.
    pub fn no_store(path: &str) -> AppError {
        AppError::new(
            "NoStore",
            format!("There is no Coffer store at {path} yet. Create one first."),
        )
    }

    /// An unexpected fault; the detail stays out of the message.
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new("Internal", message)
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> AppError {
        let code = match e.code() {
            ErrorCode::StoreSealed => "Sealed",
            ErrorCode::WrongPassword => "WrongPassword",
            ErrorCode::InternalServiceError => "Internal",
            other => other.as_str(),
        };
        AppError::new(code, e.message())
    }
}

impl From<crate::ApiError> for AppError {
    fn from(e: crate::ApiError) -> AppError {
        AppError::new(e.code, e.message)
    }
}

/// Result alias for the app operations.
pub type AppResult<T> = Result<T, AppError>;

/// A tag on a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// Key, 1–128 characters.
    pub key: String,
    /// Value, 0–256 characters.
    pub value: String,
}

impl From<coffer_engine::Tag> for Tag {
    fn from(t: coffer_engine::Tag) -> Tag {
        Tag {
            key: t.key,
            value: t.value,
        }
    }
}

impl From<Tag> for coffer_engine::Tag {
    fn from(t: Tag) -> coffer_engine::Tag {
        coffer_engine::Tag::new(t.key, t.value)
    }
}

/// A time as the wire carries it: RFC 3339 in UTC with milliseconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn rfc3339_opt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(rfc3339)
}

/// Parses an RFC 3339 time from a request member.
fn parse_time(member: &str, s: &str) -> AppResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            AppError::new(
                "ValidationException",
                format!("{member} must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z"),
            )
        })
}
