//! Rotation operations of the desktop contract, and the API listener's DTOs.
//!
//! Rotation forwards to the engine's protocol, status and schedule (the engine is the
//! authority on next run times). The API listener itself runs in the shell (it needs the
//! HTTP crate, which this crate must not depend on); only its request and status live here.

use coffer_engine::rotation::{RotateSecretInput, RotationRules, Schedule};
use coffer_engine::{Engine, RequestContext};
use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, SecretIdRequest, SecretRefView, rfc3339};

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
    /// `RotationStarted`, `RotationSucceeded`, `RotationFailed`, `RotationAbandoned`, or a
    /// configuration test's `TestRotationStarted`, `TestRotationSucceeded`,
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
    /// Also serve the Secrets Manager Agent protocol, with the token in `<store>.agent-token`.
    #[serde(default)]
    pub agent: bool,
    /// Whom agent requests act as, required with `agent`: `"root"` (the account root, which
    /// may read every secret) or a user or role ARN. There is no default.
    #[serde(default)]
    pub agent_principal: Option<String>,
}

/// RotationRules as one line of text for the detail screen.
pub fn rules_text(rules: &RotationRules) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(e) = &rules.schedule_expression {
        parts.push(e.clone());
    }
    if let Some(d) = rules.automatically_after_days {
        parts.push(format!("every {d} days"));
    }
    if let Some(w) = &rules.duration {
        parts.push(format!("window {w}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn state_of(s: coffer_engine::rotation::RotationState) -> RotationState {
    use coffer_engine::rotation::RotationState as S;
    match s {
        S::Idle => RotationState::Idle,
        S::Running => RotationState::Running,
        S::Waiting => RotationState::Waiting,
        S::Failed => RotationState::Failed,
    }
}

/// A secret's rotation configuration and state.
pub async fn get_rotation(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<RotationView> {
    let s = engine.rotation_status(ctx, &req.secret_id).await?;
    Ok(RotationView {
        enabled: s.enabled.unwrap_or(false),
        lambda_arn: s.lambda_arn,
        schedule_expression: s.rules.schedule_expression,
        automatically_after_days: s
            .rules
            .automatically_after_days
            .and_then(|d| u32::try_from(d).ok()),
        duration: s.rules.duration,
        last_rotated_date: s.last_rotated_date.map(rfc3339),
        next_rotation_date: s.next_rotation_date.map(rfc3339),
        state: state_of(s.state),
        last_error: s.last_error,
        next_runs: s.next_runs.into_iter().map(rfc3339).collect(),
    })
}

/// RotateSecret: configures rotation and/or rotates now. The rotation itself runs in the
/// background scheduler (the UI polls `get_rotation`).
pub async fn rotate_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: RotateSecretRequest,
) -> AppResult<SecretRefView> {
    let rules = (req.schedule_expression.is_some()
        || req.automatically_after_days.is_some()
        || req.duration.is_some())
    .then(|| RotationRules {
        automatically_after_days: req.automatically_after_days.map(i64::from),
        duration: req.duration,
        schedule_expression: req.schedule_expression,
    });
    let out = engine
        .rotate_secret(
            ctx,
            RotateSecretInput {
                secret_id: req.secret_id,
                // The engine makes the AWSPENDING version id.
                client_request_token: None,
                rotation_lambda_arn: req.lambda_arn,
                rotation_rules: rules,
                rotate_immediately: Some(req.rotate_immediately),
            },
        )
        .await?;
    Ok(SecretRefView {
        arn: out.arn,
        name: out.name,
        version_id: Some(out.version_id),
    })
}

/// CancelRotateSecret.
pub async fn cancel_rotate_secret(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<()> {
    engine.cancel_rotate_secret(ctx, &req.secret_id).await?;
    Ok(())
}

/// A secret's rotation runs, newest first.
pub async fn rotation_history(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<Vec<RotationRunView>> {
    let events = engine.rotation_history(ctx, &req.secret_id).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let details: serde_json::Value =
                serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null);
            let text = |k: &str| details.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let message = text("message")
                .or_else(|| text("error"))
                .or_else(|| e.error_code.clone());
            RotationRunView {
                time: rfc3339(e.time),
                action: e.action,
                version_id: e.version_id,
                step: text("step"),
                message,
            }
        })
        .collect())
}

/// The next run times of a schedule (the engine is the authority).
pub async fn next_rotation_times(
    engine: &Engine,
    _ctx: &RequestContext,
    req: NextRotationTimesRequest,
) -> AppResult<Vec<String>> {
    let rules = RotationRules {
        automatically_after_days: req.automatically_after_days.map(i64::from),
        duration: None,
        schedule_expression: req.schedule_expression,
    };
    let Some(schedule) = Schedule::from_rules(&rules)? else {
        return Err(AppError::new(
            "InvalidParameterException",
            "Give a schedule expression or AutomaticallyAfterDays.",
        ));
    };
    let count = req.count.clamp(1, 50) as usize;
    Ok(schedule
        .next_runs(engine.now(), count)
        .into_iter()
        .map(rfc3339)
        .collect())
}

/// The rotators the engine knows: the built-ins and the registered custom functions.
pub async fn list_rotators(engine: &Engine, ctx: &RequestContext) -> AppResult<Vec<RotatorView>> {
    let region = ctx
        .region
        .clone()
        .unwrap_or_else(|| engine.default_region().to_owned());
    let mut out: Vec<RotatorView> = engine
        .builtin_rotators()
        .into_iter()
        .map(|name| RotatorView {
            arn: engine.rotator_arn(&region, &name),
            name,
            kind: RotatorKind::Builtin,
        })
        .collect();
    out.extend(
        engine
            .list_functions(ctx)
            .await?
            .into_iter()
            .map(|f| RotatorView {
                name: f.function_name,
                arn: f.function_arn,
                kind: RotatorKind::Command,
            }),
    );
    Ok(out)
}
