//! Rotation and API-listener shapes of the desktop contract, fixed ahead of the engine
//! work that fills them so the UI can be written against them.
//!
//! Until the rotation engine (and the desktop's API listener) land, their operations answer
//! [`not_available`]: an honest `NotAvailable` error the UI shows in place ("arrives with
//! …"), rather than made-up data.

use coffer_engine::{Engine, RequestContext};
use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, SecretIdRequest, SecretRefView};

/// The error every operation here returns until its engine part exists.
pub fn not_available(what: &str) -> AppError {
    AppError::new(
        "NotAvailable",
        format!("{what} is not available in this build of Coffer yet."),
    )
}

/// A secret's rotation state and schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RotationView {
    /// Rotation is configured and on.
    pub enabled: bool,
    /// The rotator's ARN.
    pub lambda_arn: Option<String>,
    /// `rate(…)` or `cron(…)`.
    pub schedule_expression: Option<String>,
    /// The AutomaticallyAfterDays rule.
    pub automatically_after_days: Option<u32>,
    /// The window, e.g. `3h`.
    pub duration: Option<String>,
    /// Last successful rotation.
    pub last_rotated_date: Option<String>,
    /// Next scheduled rotation.
    pub next_rotation_date: Option<String>,
    /// What the scheduler is doing with it.
    pub state: RotationState,
    /// The last failure, in words.
    pub last_error: Option<String>,
    /// The next five run times (RFC 3339).
    pub next_runs: Vec<String>,
}

/// What the scheduler is doing with a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum RotationState {
    /// Nothing running.
    Idle,
    /// A rotation is in progress.
    Running,
    /// Waiting to retry.
    Waiting,
    /// The last rotation failed.
    Failed,
}

/// `rotate_secret` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RotateSecretRequest {
    /// Name or ARN.
    pub secret_id: String,
    /// The rotator's ARN.
    #[serde(default)]
    pub lambda_arn: Option<String>,
    /// `rate(…)` or `cron(…)`.
    #[serde(default)]
    pub schedule_expression: Option<String>,
    /// Days between rotations.
    #[serde(default)]
    pub automatically_after_days: Option<u32>,
    /// The rotation window.
    #[serde(default)]
    pub duration: Option<String>,
    /// Rotate now as well.
    #[serde(default)]
    pub rotate_immediately: bool,
}

/// One rotation event of a secret's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RotationRunView {
    /// When.
    pub time: String,
    /// `RotationStarted`, `RotationSucceeded`, `RotationFailed`, `RotationAbandoned` or
    /// `TestRotationFailed`.
    pub action: String,
    /// The version being rotated in.
    pub version_id: Option<String>,
    /// The step (`createSecret`, …).
    pub step: Option<String>,
    /// What happened.
    pub message: Option<String>,
}

/// `next_rotation_times` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NextRotationTimesRequest {
    /// `rate(…)` or `cron(…)`.
    #[serde(default)]
    pub schedule_expression: Option<String>,
    /// Days between rotations.
    #[serde(default)]
    pub automatically_after_days: Option<u32>,
    /// How many times to list.
    pub count: u32,
}

/// A rotator the engine knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RotatorView {
    /// Name.
    pub name: String,
    /// ARN to configure on a secret.
    pub arn: String,
    /// Built in or an external command.
    pub kind: RotatorKind,
}

/// Where a rotator comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum RotatorKind {
    /// Shipped with Coffer (generated value, PostgreSQL, MariaDB/MySQL).
    Builtin,
    /// An external command (the Lambda equivalent).
    Command,
}

/// The desktop's AWS-compatible API listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ApiStatus {
    /// True while listening.
    pub running: bool,
    /// `http(s)://host:port` while listening.
    pub endpoint: Option<String>,
    /// The agent token file for the Secrets Manager Agent protocol.
    pub agent_token_file: Option<String>,
}

/// `start_api` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct StartApiRequest {
    /// `host:port` to listen on.
    pub listen: String,
}

const ROTATION: &str = "Rotation";
const API: &str = "The API listener in the desktop app";

/// A secret's rotation configuration and state.
pub async fn get_rotation(
    _engine: &Engine,
    _ctx: &RequestContext,
    _req: SecretIdRequest,
) -> AppResult<RotationView> {
    Err(not_available(ROTATION))
}

/// RotateSecret: configures rotation and/or rotates now.
pub async fn rotate_secret(
    _engine: &Engine,
    _ctx: &RequestContext,
    _req: RotateSecretRequest,
) -> AppResult<SecretRefView> {
    Err(not_available(ROTATION))
}

/// CancelRotateSecret.
pub async fn cancel_rotate_secret(
    _engine: &Engine,
    _ctx: &RequestContext,
    _req: SecretIdRequest,
) -> AppResult<()> {
    Err(not_available(ROTATION))
}

/// A secret's rotation runs.
pub async fn rotation_history(
    _engine: &Engine,
    _ctx: &RequestContext,
    _req: SecretIdRequest,
) -> AppResult<Vec<RotationRunView>> {
    Err(not_available(ROTATION))
}

/// The next run times of a schedule (the engine is the authority).
pub async fn next_rotation_times(
    _engine: &Engine,
    _ctx: &RequestContext,
    _req: NextRotationTimesRequest,
) -> AppResult<Vec<String>> {
    Err(not_available(ROTATION))
}

/// The rotators the engine knows.
pub async fn list_rotators(_engine: &Engine, _ctx: &RequestContext) -> AppResult<Vec<RotatorView>> {
    Err(not_available(ROTATION))
}

/// The API listener's state.
pub async fn get_api_status(_engine: &Engine, _ctx: &RequestContext) -> AppResult<ApiStatus> {
    Err(not_available(API))
}

/// Starts the API listener.
pub async fn start_api(
    _engine: &Engine,
    _ctx: &RequestContext,
    _req: StartApiRequest,
) -> AppResult<ApiStatus> {
    Err(not_available(API))
}

/// Stops the API listener.
pub async fn stop_api(_engine: &Engine, _ctx: &RequestContext) -> AppResult<ApiStatus> {
    Err(not_available(API))
}
