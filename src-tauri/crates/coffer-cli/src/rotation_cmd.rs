//! The rotation commands: `coffer rotate-secret` and `coffer cancel-rotate-secret` with the
//! AWS CLI's flags, `coffer rotation status|history|next|run`, and `coffer lambda
//! create-function|list-functions|delete-function` for custom rotators.
//!
//! The CLI has no scheduler running, so after a RotateSecret it drives the rotation (or,
//! with `--no-rotate-immediately`, the configuration test) itself — what `coffer serve`'s
//! scheduler does in the background — and says on stderr how it ended; stdout carries
//! AWS's response only.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::anyhow;
use clap::{Args, Subcommand};
use coffer_engine::rotation::CreateFunctionInput;
use coffer_engine::{Engine, RequestContext};
use serde_json::{Map, Value, json};

use super::shorthand::{parse_struct, text_arg};
use super::{Failure, InputJson, SecretIdArgs, api, body, call, print, set};

/// `coffer rotate-secret`.
#[derive(Args, Debug)]
pub(crate) struct RotateSecretArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    client_request_token: Option<String>,
    /// `arn:aws:lambda:<region>:<account>:function:<name>` (e.g. coffer-generated-value).
    #[arg(long)]
    rotation_lambda_arn: Option<String>,
    /// JSON (`{"ScheduleExpression":"rate(10 days)","Duration":"2h"}`) or shorthand
    /// (`AutomaticallyAfterDays=30,Duration=3h`).
    #[arg(long)]
    rotation_rules: Option<String>,
    /// Rotate now (the default).
    #[arg(long, conflicts_with = "no_rotate_immediately")]
    rotate_immediately: bool,
    /// Only schedule: the first rotation waits for the next window.
    #[arg(long)]
    no_rotate_immediately: bool,
    #[command(flatten)]
    input: InputJson,
}

/// `coffer rotation …`.
#[derive(Subcommand, Debug)]
pub(crate) enum RotationCommand {
    /// A secret's rotation: state, step, last error, next five runs.
    Status(SecretIdArgs),
    /// A secret's rotation history from the audit log, newest first.
    History(SecretIdArgs),
    /// The next run times of a schedule expression, as the engine computes them.
    Next(NextArgs),
    /// Runs a secret's in-flight rotation now (retries a failed one without waiting).
    Run(SecretIdArgs),
}

/// `coffer rotation next`.
#[derive(Args, Debug)]
pub(crate) struct NextArgs {
    /// `rate(N hours|days)` or `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
    #[arg(long)]
    schedule_expression: String,
    /// The rotation window, e.g. `3h`.
    #[arg(long)]
    duration: Option<String>,
    /// How many run times (default 5).
    #[arg(long, default_value_t = 5)]
    count: usize,
}

/// `coffer lambda …`: custom rotation functions.
#[derive(Subcommand, Debug)]
pub(crate) enum LambdaCommand {
    /// Registers a command as a rotation function: it runs once per step with the event
    /// JSON (Step, SecretId, ClientRequestToken) on stdin; a non-zero exit fails the step.
    CreateFunction(CreateFunctionArgs),
    /// The registered functions and the built-in rotators.
    ListFunctions,
    /// Removes a registered function.
    DeleteFunction(DeleteFunctionArgs),
}

/// `coffer lambda create-function`.
#[derive(Args, Debug)]
pub(crate) struct CreateFunctionArgs {
    #[arg(long)]
    function_name: String,
    /// The execution role's ARN: every call the function makes acts as this role, so it
    /// needs the rotation actions on the secrets it rotates (and GetSecretValue on an admin
    /// secret it reads).
    #[arg(long, required = true)]
    role: String,
    /// The program and its arguments (no shell), e.g. `--command /usr/local/bin/rotate --verbose`.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, required_unless_present = "template", conflicts_with = "template")]
    command: Vec<String>,
    /// A built-in rotator to deploy under `--role` instead of a command, e.g.
    /// `coffer-postgresql-multi-user`.
    #[arg(long)]
    template: Option<String>,
    /// Seconds one step may run (1–900, default 30).
    #[arg(long)]
    timeout: Option<u64>,
    /// `K=V` (repeatable), or the AWS CLI's `Variables={K=V,K2=V2}`.
    #[arg(long)]
    environment: Vec<String>,
}

/// `coffer lambda delete-function`.
#[derive(Args, Debug)]
pub(crate) struct DeleteFunctionArgs {
    #[arg(long)]
    function_name: String,
}

/// `--rotation-rules` as JSON or shorthand; numbers in shorthand become numbers.
fn rotation_rules(text: &str) -> Result<Value, Failure> {
    let text = text_arg(text).map_err(Failure::Usage)?;
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(&text)
            .map_err(|e| Failure::Usage(anyhow!("--rotation-rules is not valid JSON: {e}")));
    }
    let mut m = parse_struct(&text, &[]).map_err(Failure::Usage)?;
    if let Some(Value::String(days)) = m.get("AutomaticallyAfterDays") {
        let n: i64 = days.parse().map_err(|_| {
            Failure::Usage(anyhow!(
                "AutomaticallyAfterDays must be a whole number of days"
            ))
        })?;
        m.insert("AutomaticallyAfterDays".into(), json!(n));
    }
    Ok(Value::Object(m))
}

fn environment(items: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut out = BTreeMap::new();
    for item in items {
        let inner = item
            .strip_prefix("Variables={")
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(item);
        for pair in inner.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| Failure::Usage(anyhow!("--environment takes K=V, got {pair}")))?;
            out.insert(k.trim().to_owned(), v.to_owned());
        }
    }
    Ok(out)
}

/// `coffer rotate-secret`: RotateSecret, then (when rotating now) the rotation itself.
pub(crate) async fn rotate_secret(
    engine: &Engine,
    ctx: &RequestContext,
    a: RotateSecretArgs,
) -> Result<ExitCode, Failure> {
    engine.set_rotators(coffer_rotators::registry());
    let mut m: Map<String, Value> = body(&a.input)?;
    set(&mut m, "SecretId", a.secret_id);
    set(&mut m, "ClientRequestToken", a.client_request_token);
    set(&mut m, "RotationLambdaARN", a.rotation_lambda_arn);
    if let Some(r) = &a.rotation_rules {
        m.insert("RotationRules".into(), rotation_rules(r)?);
    }
    if a.rotate_immediately {
        m.insert("RotateImmediately".into(), Value::Bool(true));
    } else if a.no_rotate_immediately {
        m.insert("RotateImmediately".into(), Value::Bool(false));
    }
    let immediately = m
        .get("RotateImmediately")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let body = serde_json::to_vec(&Value::Object(m)).map_err(|e| Failure::Other(e.into()))?;
    let out = coffer_api::secretsmanager::call(engine, ctx, "RotateSecret", &body)
        .await
        .map_err(api("RotateSecret"))?;
    let code = print(&out)?;
    // A rotation that starts now runs to its end; with --no-rotate-immediately the
    // configuration test (testSecret alone) runs instead.
    let arn = out["ARN"].as_str().unwrap_or_default().to_owned();
    let run = coffer_api::rotation::run_now(engine, ctx, &arn)
        .await
        .map_err(api("RotateSecret"))?;
    let what = if immediately {
        "rotation"
    } else {
        "rotation test"
    };
    eprintln!("coffer: {what} {run}");
    if run["Outcome"] == "Failed" || run["Outcome"] == "TestFailed" {
        return Ok(ExitCode::from(3));
    }
    Ok(code)
}

/// `coffer cancel-rotate-secret`.
pub(crate) async fn cancel_rotate_secret(
    engine: &Engine,
    ctx: &RequestContext,
    a: SecretIdArgs,
) -> Result<ExitCode, Failure> {
    let mut m = body(&a.input)?;
    set(&mut m, "SecretId", a.secret_id);
    call(engine, ctx, "CancelRotateSecret", m).await
}

fn secret_id(a: &SecretIdArgs) -> Result<String, Failure> {
    a.secret_id
        .clone()
        .ok_or_else(|| Failure::Usage(anyhow!("--secret-id is required")))
}

/// `coffer rotation …`.
pub(crate) async fn rotation(
    engine: &Engine,
    ctx: &RequestContext,
    c: RotationCommand,
) -> Result<ExitCode, Failure> {
    engine.set_rotators(coffer_rotators::registry());
    let out = match c {
        RotationCommand::Status(a) => coffer_api::rotation::status(engine, ctx, &secret_id(&a)?)
            .await
            .map_err(api("GetRotationStatus"))?,
        RotationCommand::History(a) => coffer_api::rotation::history(engine, ctx, &secret_id(&a)?)
            .await
            .map_err(api("GetRotationHistory"))?,
        RotationCommand::Run(a) => coffer_api::rotation::run_now(engine, ctx, &secret_id(&a)?)
            .await
            .map_err(api("RotateSecret"))?,
        RotationCommand::Next(a) => coffer_api::rotation::next_runs(
            &a.schedule_expression,
            a.duration.as_deref(),
            engine.now(),
            a.count.clamp(1, 100),
        )
        .map_err(api("RotateSecret"))?,
    };
    print(&out)
}

/// `coffer lambda …`.
pub(crate) async fn lambda(
    engine: &Engine,
    ctx: &RequestContext,
    c: LambdaCommand,
) -> Result<ExitCode, Failure> {
    engine.set_rotators(coffer_rotators::registry());
    let out = match c {
        LambdaCommand::CreateFunction(a) => coffer_api::rotation::create_function(
            engine,
            ctx,
            CreateFunctionInput {
                function_name: a.function_name,
                command: a.command,
                template: a.template,
                role: Some(a.role),
                timeout_secs: a.timeout,
                environment: environment(&a.environment)?,
            },
        )
        .await
        .map_err(api("CreateFunction"))?,
        LambdaCommand::ListFunctions => coffer_api::rotation::list_functions(engine, ctx)
            .await
            .map_err(api("ListFunctions"))?,
        LambdaCommand::DeleteFunction(a) => {
            coffer_api::rotation::delete_function(engine, ctx, &a.function_name)
                .await
                .map_err(api("DeleteFunction"))?
        }
    };
    print(&out)
}
