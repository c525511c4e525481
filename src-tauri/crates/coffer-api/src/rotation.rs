//! Rotation beyond the Secrets Manager actions, as JSON for the CLI and the desktop app:
//! a secret's rotation status and history, the next run times of a schedule, running an
//! in-flight rotation now, and the custom rotation functions (`coffer lambda …`, in the
//! shapes the AWS CLI prints for Lambda).

use chrono::{DateTime, Utc};
use coffer_engine::rotation::{CreateFunctionInput, FunctionInfo, RotationRun, RotationStatus};
use coffer_engine::{AuditEvent, Engine, RequestContext};
use serde_json::{Value, json};

use crate::wire::{ApiError, epoch};

fn opt_epoch(t: Option<DateTime<Utc>>) -> Value {
    t.map(epoch).unwrap_or(Value::Null)
}

/// Removes null members, as AWS omits empty members.
fn compact(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
    }
    v
}

/// A rotation status as JSON.
pub fn status_json(s: &RotationStatus) -> Value {
    let rules = compact(json!({
        "AutomaticallyAfterDays": s.rules.automatically_after_days,
        "Duration": s.rules.duration,
        "ScheduleExpression": s.rules.schedule_expression,
    }));
    compact(json!({
        "ARN": s.arn,
        "Name": s.name,
        "RotationEnabled": s.enabled,
        "RotationLambdaARN": s.lambda_arn,
        "RotationRules": if rules.as_object().is_some_and(|m| m.is_empty()) { Value::Null } else { rules },
        "LastRotatedDate": opt_epoch(s.last_rotated_date),
        "NextRotationDate": opt_epoch(s.next_rotation_date),
        "State": s.state.as_str(),
        "Step": s.step.map(|x| x.as_str()),
        "PendingVersionId": s.pending_version_id,
        "Attempts": s.attempts,
        "LastError": s.last_error,
        "NextAttemptDate": opt_epoch(s.next_attempt_date),
        "NextRuns": s.next_runs.iter().map(|t| t.to_rfc3339()).collect::<Vec<_>>(),
    }))
}

/// `coffer rotation status --secret-id …`.
pub async fn status(
    engine: &Engine,
    ctx: &RequestContext,
    secret_id: &str,
) -> Result<Value, ApiError> {
    Ok(status_json(&engine.rotation_status(ctx, secret_id).await?))
}

fn event_json(e: &AuditEvent) -> Value {
    let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
    compact(json!({
        "Seq": e.seq,
        "Time": e.time.to_rfc3339(),
        "Action": e.action,
        "Source": e.source,
        "Principal": e.principal,
        "VersionId": e.version_id,
        "Outcome": e.outcome,
        "ErrorCode": e.error_code,
        "Details": details,
    }))
}

/// `coffer rotation history --secret-id …`: newest first.
pub async fn history(
    engine: &Engine,
    ctx: &RequestContext,
    secret_id: &str,
) -> Result<Value, ApiError> {
    let events = engine.rotation_history(ctx, secret_id).await?;
    Ok(json!({ "Events": events.iter().map(event_json).collect::<Vec<_>>() }))
}

/// `coffer rotation next --schedule-expression … [--duration …] [--count N]`.
pub fn next_runs(
    expression: &str,
    duration: Option<&str>,
    after: DateTime<Utc>,
    count: usize,
) -> Result<Value, ApiError> {
    let runs = Engine::next_rotation_runs(expression, duration, after, count)?;
    Ok(json!({
        "ScheduleExpression": expression,
        "NextRuns": runs.iter().map(|t| t.to_rfc3339()).collect::<Vec<_>>(),
    }))
}

/// A run's outcome as JSON.
pub fn run_json(run: &RotationRun) -> Value {
    match run {
        RotationRun::NoJob => json!({ "Outcome": "NoRotationInProgress" }),
        RotationRun::Succeeded { version_id } => {
            json!({ "Outcome": "Succeeded", "VersionId": version_id })
        }
        RotationRun::Failed {
            step,
            error,
            retry_at,
        } => json!({
            "Outcome": "Failed",
            "Step": step.as_str(),
            "Error": error,
            "RetryDate": retry_at.to_rfc3339(),
        }),
        RotationRun::Abandoned { reason } => json!({ "Outcome": "Abandoned", "Reason": reason }),
        RotationRun::NotDue { at } => json!({ "Outcome": "NotDue", "Date": at.to_rfc3339() }),
        RotationRun::Tested { error: None } => json!({ "Outcome": "TestSucceeded" }),
        RotationRun::Tested { error: Some(e) } => json!({ "Outcome": "TestFailed", "Error": e }),
    }
}

/// Runs the secret's in-flight rotation now (the CLI has no scheduler running).
pub async fn run_now(
    engine: &Engine,
    ctx: &RequestContext,
    secret_id: &str,
) -> Result<Value, ApiError> {
    Ok(run_json(&engine.run_rotation(ctx, secret_id).await?))
}

fn function_json(f: &FunctionInfo) -> Value {
    json!({
        "FunctionName": f.function_name,
        "FunctionArn": f.function_arn,
        "Command": f.command,
        "Template": f.template,
        "Role": f.role,
        "Timeout": f.timeout_secs,
        // Values may be credentials: only their names are shown back.
        "Environment": { "VariableNames": f.environment.keys().collect::<Vec<_>>() },
        "LastModified": f.created_date.to_rfc3339(),
    })
}

/// `coffer lambda create-function`.
pub async fn create_function(
    engine: &Engine,
    ctx: &RequestContext,
    input: CreateFunctionInput,
) -> Result<Value, ApiError> {
    let f = engine.create_function(ctx, input).await?;
    Ok(function_json(&f))
}

/// `coffer lambda list-functions`: the registered functions, then the built-ins.
pub async fn list_functions(engine: &Engine, ctx: &RequestContext) -> Result<Value, ApiError> {
    let fs = engine.list_functions(ctx).await?;
    let region = ctx
        .region
        .clone()
        .unwrap_or_else(|| engine.default_region().to_owned());
    let builtins: Vec<Value> = engine
        .builtin_rotators()
        .iter()
        .map(|n| json!({ "FunctionName": n, "FunctionArn": engine.rotator_arn(&region, n), "BuiltIn": true }))
        .collect();
    let mut all: Vec<Value> = fs.iter().map(function_json).collect();
    all.extend(builtins);
    Ok(json!({ "Functions": all }))
}

/// `coffer lambda delete-function`.
pub async fn delete_function(
    engine: &Engine,
    ctx: &RequestContext,
    name: &str,
) -> Result<Value, ApiError> {
    engine.delete_function(ctx, name).await?;
    Ok(json!({}))
}
