//! Rotation rows: per-secret configuration, in-flight jobs, and custom functions.
//!
//! The engine owns the meaning (schedules, the four steps, leases); these functions only
//! read and write rows inside the caller's transaction.

use sqlx::{FromRow, SqliteConnection};

use crate::Result;

/// A secret's rotation configuration.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RotationConfigRow {
    /// Owning secret row id.
    pub secret_id: i64,
    /// RotationEnabled.
    pub enabled: bool,
    /// RotationLambdaARN.
    pub lambda_arn: Option<String>,
    /// RotationRules.AutomaticallyAfterDays.
    pub automatically_after_days: Option<i64>,
    /// RotationRules.Duration.
    pub duration: Option<String>,
    /// RotationRules.ScheduleExpression.
    pub schedule_expression: Option<String>,
    /// LastRotatedDate (ms).
    pub last_rotated_at: Option<i64>,
    /// NextRotationDate (ms): the next window start.
    pub next_rotation_at: Option<i64>,
    /// Last change of this row (ms).
    pub updated_at: i64,
    /// The role Coffer made for this secret's rotations by a built-in rotator named
    /// directly (a deployed function brings its own role instead).
    pub role_arn: Option<String>,
}

const CONFIG_COLUMNS: &str = "secret_id, enabled, lambda_arn, automatically_after_days, duration, \
     schedule_expression, last_rotated_at, next_rotation_at, updated_at, role_arn";

/// Inserts or replaces a secret's rotation configuration.
pub async fn upsert_rotation_config(c: &mut SqliteConnection, r: &RotationConfigRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO rotation_config (secret_id, enabled, lambda_arn, automatically_after_days, \
         duration, schedule_expression, last_rotated_at, next_rotation_at, updated_at, role_arn) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (secret_id) DO UPDATE SET enabled = excluded.enabled, \
         lambda_arn = excluded.lambda_arn, automatically_after_days = excluded.automatically_after_days, \
         duration = excluded.duration, schedule_expression = excluded.schedule_expression, \
         last_rotated_at = excluded.last_rotated_at, next_rotation_at = excluded.next_rotation_at, \
         updated_at = excluded.updated_at, role_arn = excluded.role_arn",
    )
    .bind(r.secret_id)
    .bind(r.enabled)
    .bind(&r.lambda_arn)
    .bind(r.automatically_after_days)
    .bind(&r.duration)
    .bind(&r.schedule_expression)
    .bind(r.last_rotated_at)
    .bind(r.next_rotation_at)
    .bind(r.updated_at)
    .bind(&r.role_arn)
    .execute(c)
    .await?;
    Ok(())
}

/// A secret's rotation configuration, if rotation was ever configured.
pub async fn find_rotation_config(
    c: &mut SqliteConnection,
    secret_id: i64,
) -> Result<Option<RotationConfigRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONFIG_COLUMNS} FROM rotation_config WHERE secret_id = ?"
    )))
    .bind(secret_id)
    .fetch_optional(c)
    .await?)
}

/// Rotation configurations of many secrets at once (ListSecrets pages).
pub async fn rotation_configs_of(
    c: &mut SqliteConnection,
    secret_ids: &[i64],
) -> Result<Vec<RotationConfigRow>> {
    if secret_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = secret_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONFIG_COLUMNS} FROM rotation_config WHERE secret_id IN ({ids})"
    )))
    .fetch_all(c)
    .await?)
}

/// The enabled configuration with the earliest `next_rotation_at` that has no job in
/// flight (an index seek on `rotation_config_due`).
pub async fn next_due_rotation(c: &mut SqliteConnection) -> Result<Option<RotationConfigRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONFIG_COLUMNS} FROM rotation_config r WHERE enabled = 1 AND next_rotation_at IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM rotation_jobs j WHERE j.secret_id = r.secret_id) \
         ORDER BY next_rotation_at LIMIT 1"
    )))
    .fetch_optional(c)
    .await?)
}

/// Enabled configurations due at or before `now` with no job in flight, earliest first.
pub async fn due_rotations(
    c: &mut SqliteConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<RotationConfigRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CONFIG_COLUMNS} FROM rotation_config r WHERE enabled = 1 AND next_rotation_at IS NOT NULL \
         AND next_rotation_at <= ? \
         AND NOT EXISTS (SELECT 1 FROM rotation_jobs j WHERE j.secret_id = r.secret_id) \
         ORDER BY next_rotation_at LIMIT ?"
    )))
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// A secret by row id (the scheduler knows secrets by id).
pub async fn find_secret_by_id(
    c: &mut SqliteConnection,
    id: i64,
) -> Result<Option<crate::SecretRow>> {
    Ok(sqlx::query_as(
        "SELECT id, region, name, arn, description, kms_key_id, key_id, secret_type, \
         owning_service, resource_policy, created_at, last_changed_at, last_accessed_at, deleted_at, \
         deletion_date FROM secrets WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(c)
    .await?)
}

/// An in-flight rotation.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RotationJobRow {
    /// Owning secret row id.
    pub secret_id: i64,
    /// The AWSPENDING version id.
    pub token: String,
    /// The rotator's Lambda ARN.
    pub lambda_arn: String,
    /// The next step to run (`createSecret` … `finishSecret`).
    pub step: String,
    /// `running` or `failed` (waiting for a retry).
    pub state: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// When the next attempt may start (ms).
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The process that holds the job now.
    pub lease_owner: Option<String>,
    /// Until when (ms) it holds it.
    pub lease_until: Option<i64>,
    /// When the rotation started (ms).
    pub started_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// A configuration test (RotateImmediately=false): testSecret once on a copy of the
    /// current value, then the pending version is removed. Set at insert, never changed.
    pub trial: bool,
}

const JOB_COLUMNS: &str = "secret_id, token, lambda_arn, step, state, attempts, next_attempt_at, \
     last_error, lease_owner, lease_until, started_at, updated_at, trial";

/// Inserts a job; fails with a unique violation when the secret already has one.
pub async fn insert_rotation_job(c: &mut SqliteConnection, j: &RotationJobRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO rotation_jobs (secret_id, token, lambda_arn, step, state, attempts, \
         next_attempt_at, last_error, lease_owner, lease_until, started_at, updated_at, trial) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(j.secret_id)
    .bind(&j.token)
    .bind(&j.lambda_arn)
    .bind(&j.step)
    .bind(&j.state)
    .bind(j.attempts)
    .bind(j.next_attempt_at)
    .bind(&j.last_error)
    .bind(&j.lease_owner)
    .bind(j.lease_until)
    .bind(j.started_at)
    .bind(j.updated_at)
    .bind(j.trial)
    .execute(c)
    .await?;
    Ok(())
}

/// Writes back every mutable column of a job.
pub async fn update_rotation_job(c: &mut SqliteConnection, j: &RotationJobRow) -> Result<()> {
    sqlx::query(
        "UPDATE rotation_jobs SET token = ?, lambda_arn = ?, step = ?, state = ?, attempts = ?, \
         next_attempt_at = ?, last_error = ?, lease_owner = ?, lease_until = ?, updated_at = ? \
         WHERE secret_id = ?",
    )
    .bind(&j.token)
    .bind(&j.lambda_arn)
    .bind(&j.step)
    .bind(&j.state)
    .bind(j.attempts)
    .bind(j.next_attempt_at)
    .bind(&j.last_error)
    .bind(&j.lease_owner)
    .bind(j.lease_until)
    .bind(j.updated_at)
    .bind(j.secret_id)
    .execute(c)
    .await?;
    Ok(())
}

/// A secret's in-flight job.
pub async fn find_rotation_job(
    c: &mut SqliteConnection,
    secret_id: i64,
) -> Result<Option<RotationJobRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM rotation_jobs WHERE secret_id = ?"
    )))
    .bind(secret_id)
    .fetch_optional(c)
    .await?)
}

/// Deletes a secret's job (done, cancelled or abandoned).
pub async fn delete_rotation_job(c: &mut SqliteConnection, secret_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM rotation_jobs WHERE secret_id = ?")
        .bind(secret_id)
        .execute(c)
        .await?;
    Ok(())
}

/// The earliest time a job may run: its next attempt, or the end of the lease another
/// process holds on it.
pub async fn next_job_wake(c: &mut SqliteConnection) -> Result<Option<i64>> {
    let row: (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, 0))) FROM rotation_jobs",
    )
    .fetch_one(c)
    .await?;
    Ok(row.0)
}

/// Jobs whose next attempt is due at `now`, earliest first.
pub async fn due_rotation_jobs(
    c: &mut SqliteConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<RotationJobRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM rotation_jobs WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?"
    )))
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// A registered custom rotation function.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LambdaFunctionRow {
    /// Region namespace.
    pub region: String,
    /// Function name.
    pub name: String,
    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub arn: String,
    /// JSON array: the program and its arguments.
    pub command: String,
    /// JSON object of extra environment variables.
    pub environment: String,
    /// Step timeout (ms).
    pub timeout_ms: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// The execution role's ARN (`None` only for functions registered before roles).
    pub role_arn: Option<String>,
    /// The built-in rotator this function deploys, instead of a command.
    pub template: Option<String>,
}

const FUNCTION_COLUMNS: &str =
    "region, name, arn, command, environment, timeout_ms, created_at, role_arn, template";

/// Inserts a function; a unique violation when the name is taken in the region.
pub async fn insert_lambda_function(c: &mut SqliteConnection, f: &LambdaFunctionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO lambda_functions (region, name, arn, command, environment, timeout_ms, \
         created_at, role_arn, template) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&f.region)
    .bind(&f.name)
    .bind(&f.arn)
    .bind(&f.command)
    .bind(&f.environment)
    .bind(f.timeout_ms)
    .bind(f.created_at)
    .bind(&f.role_arn)
    .bind(&f.template)
    .execute(c)
    .await?;
    Ok(())
}

/// A function by name in a region.
pub async fn find_lambda_function(
    c: &mut SqliteConnection,
    region: &str,
    name: &str,
) -> Result<Option<LambdaFunctionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FUNCTION_COLUMNS} FROM lambda_functions WHERE region = ? AND name = ?"
    )))
    .bind(region)
    .bind(name)
    .fetch_optional(c)
    .await?)
}

/// The functions of a region, by name.
pub async fn list_lambda_functions(
    c: &mut SqliteConnection,
    region: &str,
) -> Result<Vec<LambdaFunctionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FUNCTION_COLUMNS} FROM lambda_functions WHERE region = ? ORDER BY name"
    )))
    .bind(region)
    .fetch_all(c)
    .await?)
}

/// Every registered function, in every region (sealing their environments on upgrade).
pub async fn all_lambda_functions(c: &mut SqliteConnection) -> Result<Vec<LambdaFunctionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FUNCTION_COLUMNS} FROM lambda_functions ORDER BY arn"
    )))
    .fetch_all(c)
    .await?)
}

/// Replaces a function's stored environment.
pub async fn set_function_environment(
    c: &mut SqliteConnection,
    arn: &str,
    environment: &str,
) -> Result<()> {
    sqlx::query("UPDATE lambda_functions SET environment = ? WHERE arn = ?")
        .bind(environment)
        .bind(arn)
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes a function; true when one was deleted.
pub async fn delete_lambda_function(
    c: &mut SqliteConnection,
    region: &str,
    name: &str,
) -> Result<bool> {
    let r = sqlx::query("DELETE FROM lambda_functions WHERE region = ? AND name = ?")
        .bind(region)
        .bind(name)
        .execute(c)
        .await?;
    Ok(r.rows_affected() > 0)
}
