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
    /// The IAM role every rotation step acts as (absent until there is one).
    pub role_arn: Option<String>,
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

/// A secret's rotation configuration and state, with the execution role its steps act as:
/// the role Coffer made for the secret's built-in rotator (the engine's status names it), or
/// the role of the registered function the rotation names.
pub async fn get_rotation(
    engine: &Engine,
    ctx: &RequestContext,
    req: SecretIdRequest,
) -> AppResult<RotationView> {
    let s = engine.rotation_status(ctx, &req.secret_id).await?;
    let role_arn = match (s.role_arn, &s.lambda_arn) {
        (Some(role), _) => Some(role),
        (None, Some(lambda_arn)) => function_role(engine, ctx, lambda_arn).await?,
        (None, None) => None,
    };
    Ok(RotationView {
        enabled: s.enabled.unwrap_or(false),
        lambda_arn: s.lambda_arn,
        role_arn,
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

/// The execution role of the registered function `lambda_arn` names; `None` for a built-in
/// (whose role the engine's status names) or a function that is not registered.
async fn function_role(
    engine: &Engine,
    ctx: &RequestContext,
    lambda_arn: &str,
) -> AppResult<Option<String>> {
    let builtin = lambda_arn
        .rsplit_once(":function:")
        .is_some_and(|(_, name)| engine.builtin_rotators().iter().any(|b| b == name));
    if builtin {
        return Ok(None);
    }
    Ok(engine
        .list_functions(ctx)
        .await?
        .into_iter()
        .find(|f| f.function_arn == lambda_arn)
        .and_then(|f| f.role))
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use coffer_engine::rotation::{
        CreateFunctionInput, RotationEvent, RotationFailure, Rotator, RotatorRegistry,
    };
    use coffer_engine::{InitOptions, KdfParams, Password, PrincipalKind, Source, SystemClock};

    use super::*;
    use crate::app::{CreateSecretRequest, create_secret};

    /// A built-in that is never run: these tests only configure rotation.
    struct Unused;

    #[async_trait::async_trait]
    impl Rotator for Unused {
        async fn run_step(&self, _: &RotationEvent) -> Result<(), RotationFailure> {
            Err(RotationFailure::new("Unused", "not run in these tests"))
        }
    }

    async fn engine(dir: &std::path::Path) -> Engine {
        let options = InitOptions {
            kdf: KdfParams {
                memory_kib: KdfParams::FLOOR_MEMORY_KIB,
                iterations: KdfParams::FLOOR_ITERATIONS,
                parallelism: 1,
            },
            ..InitOptions::default()
        };
        let pw = Password::from("correct horse battery staple");
        let engine = Engine::init(&dir.join("c.db"), &pw, options, Arc::new(SystemClock))
            .await
            .unwrap();
        engine.set_rotators(RotatorRegistry::new().with_builtin("test-builtin", Arc::new(Unused)));
        engine
    }

    async fn secret_with_rotator(engine: &Engine, ctx: &RequestContext, name: &str, arn: &str) {
        let req = CreateSecretRequest {
            name: name.into(),
            secret_string: Some("v".into()),
            ..CreateSecretRequest::default()
        };
        create_secret(engine, ctx, req).await.unwrap();
        let req = RotateSecretRequest {
            secret_id: name.into(),
            lambda_arn: Some(arn.into()),
            schedule_expression: None,
            automatically_after_days: Some(30),
            duration: None,
            rotate_immediately: false,
        };
        rotate_secret(engine, ctx, req).await.unwrap();
    }

    async fn role_of(engine: &Engine, ctx: &RequestContext, name: &str) -> Option<String> {
        let req = SecretIdRequest {
            secret_id: name.into(),
        };
        get_rotation(engine, ctx, req).await.unwrap().role_arn
    }

    /// The UI explains a rotation step under its execution role, so the rotation it reads
    /// must name that role: Coffer's own for a built-in, the function's for a function.
    #[tokio::test]
    async fn get_rotation_names_the_role_each_step_acts_as() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path()).await;
        let ctx = RequestContext::root(Source::Ui);

        let builtin = engine.rotator_arn("us-east-1", "test-builtin");
        secret_with_rotator(&engine, &ctx, "db", &builtin).await;
        let made = role_of(&engine, &ctx, "db").await.expect("Coffer's role");
        assert!(
            made.starts_with("arn:aws:iam::123456789012:role/coffer-rotation/rotation-db-"),
            "{made}"
        );

        let role = engine
            .create_principal(&ctx, PrincipalKind::Role, "pg-rotator", None, Vec::new())
            .await
            .unwrap();
        let function = engine
            .create_function(
                &ctx,
                CreateFunctionInput {
                    function_name: "pg".into(),
                    command: Vec::new(),
                    template: Some("test-builtin".into()),
                    role: Some(role.arn.clone()),
                    timeout_secs: None,
                    environment: Default::default(),
                },
            )
            .await
            .unwrap();
        secret_with_rotator(&engine, &ctx, "app", &function.function_arn).await;
        assert_eq!(role_of(&engine, &ctx, "app").await, Some(role.arn));

        let req = CreateSecretRequest {
            name: "plain".into(),
            secret_string: Some("v".into()),
            ..CreateSecretRequest::default()
        };
        create_secret(&engine, &ctx, req).await.unwrap();
        assert_eq!(role_of(&engine, &ctx, "plain").await, None);
        engine.close().await;
    }
}
