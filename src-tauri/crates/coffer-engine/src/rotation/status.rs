//! What the desktop app and the CLI show about a secret's rotation: its state (idle,
//! running, waiting, failed), the last error, the next five window starts (the engine is
//! the authority on run times), and the rotation history from the audit log.

use chrono::{DateTime, Utc};
use coffer_store::{RotationConfigRow, RotationJobRow, SecretRow};

use super::protocol::next_rotation;
use super::rotator::RotationStep;
use super::schedule::{RotationRules, Schedule};
use crate::audit::AuditEvent;
use crate::clock::from_millis;
use crate::error::{Error, Result};
use crate::{Engine, Op, RequestContext};

/// The audit actions that make up a secret's rotation history.
pub const HISTORY_ACTIONS: &[&str] = &[
    "RotateSecret",
    "CancelRotateSecret",
    "RotationStarted",
    "RotationSucceeded",
    "RotationFailed",
    "RotationAbandoned",
    "TestRotationStarted",
    "TestRotationSucceeded",
    "TestRotationFailed",
];

/// Where a secret's rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationState {
    /// Nothing in flight and nothing overdue.
    Idle,
    /// A rotation is in flight (a step is running or about to).
    Running,
    /// A rotation is due but cannot run yet (the store is sealed, or the scheduler has not
    /// picked it up).
    Waiting,
    /// The last attempt failed; a retry is scheduled.
    Failed,
}

impl RotationState {
    /// `idle`, `running`, `waiting` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RotationState::Idle => "idle",
            RotationState::Running => "running",
            RotationState::Waiting => "waiting",
            RotationState::Failed => "failed",
        }
    }
}

/// A secret's rotation, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationStatus {
    /// The secret's ARN.
    pub arn: String,
    /// The secret's name.
    pub name: String,
    /// `None` when rotation was never configured (DescribeSecret omits RotationEnabled).
    pub enabled: Option<bool>,
    /// RotationLambdaARN.
    pub lambda_arn: Option<String>,
    /// The execution role Coffer made for this secret's built-in rotator (the rotation
    /// configuration's). `None` for a registered function, which acts under its own role
    /// ([`super::FunctionInfo::role`]), and until a built-in's role has been made.
    pub role_arn: Option<String>,
    /// RotationRules.
    pub rules: RotationRules,
    /// LastRotatedDate.
    pub last_rotated_date: Option<DateTime<Utc>>,
    /// NextRotationDate.
    pub next_rotation_date: Option<DateTime<Utc>>,
    /// Idle, running, waiting or failed.
    pub state: RotationState,
    /// The step the in-flight rotation runs next.
    pub step: Option<RotationStep>,
    /// The AWSPENDING version of the in-flight rotation.
    pub pending_version_id: Option<String>,
    /// Failed attempts of the in-flight rotation.
    pub attempts: u32,
    /// Why the last attempt failed (never a secret value).
    pub last_error: Option<String>,
    /// When the next attempt is due.
    pub next_attempt_date: Option<DateTime<Utc>>,
    /// The next five window starts.
    pub next_runs: Vec<DateTime<Utc>>,
}

/// Rotation members of DescribeSecret / ListSecrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationDescription {
    /// RotationEnabled.
    pub enabled: bool,
    /// RotationLambdaARN.
    pub lambda_arn: Option<String>,
    /// RotationRules (kept after CancelRotateSecret).
    pub rules: RotationRules,
    /// LastRotatedDate.
    pub last_rotated_date: Option<DateTime<Utc>>,
    /// NextRotationDate.
    pub next_rotation_date: Option<DateTime<Utc>>,
}

impl From<&RotationConfigRow> for RotationDescription {
    fn from(c: &RotationConfigRow) -> Self {
        RotationDescription {
            enabled: c.enabled,
            lambda_arn: c.lambda_arn.clone(),
            rules: RotationRules {
                automatically_after_days: c.automatically_after_days,
                duration: c.duration.clone(),
                schedule_expression: c.schedule_expression.clone(),
            },
            last_rotated_date: c.last_rotated_at.map(from_millis),
            next_rotation_date: c.next_rotation_at.map(from_millis),
        }
    }
}

fn status_of(
    secret: &SecretRow,
    config: Option<&RotationConfigRow>,
    job: Option<&RotationJobRow>,
    now: i64,
    sealed: bool,
) -> RotationStatus {
    let rules = config
        .map(|c| RotationDescription::from(c).rules)
        .unwrap_or_default();
    let due = config.is_some_and(|c| c.enabled && c.next_rotation_at.is_some_and(|t| t <= now));
    let state = match job {
        Some(_) if sealed => RotationState::Waiting,
        Some(j) if j.state == "failed" => RotationState::Failed,
        Some(_) => RotationState::Running,
        None if due => RotationState::Waiting,
        None => RotationState::Idle,
    };
    let mut next_runs = Vec::new();
    if let Some(c) = config.filter(|c| c.enabled) {
        if let Some(first) = c.next_rotation_at {
            next_runs.push(from_millis(first));
            // Successive windows, as they will be computed after each rotation.
            let mut t = first;
            while next_runs.len() < 5 {
                match next_rotation(c, t).filter(|n| *n > t) {
                    Some(n) => {
                        next_runs.push(from_millis(n));
                        t = n;
                    }
                    None => break,
                }
            }
        }
    }
    RotationStatus {
        arn: secret.arn.clone(),
        name: secret.name.clone(),
        enabled: config.map(|c| c.enabled),
        lambda_arn: config.and_then(|c| c.lambda_arn.clone()),
        role_arn: config.and_then(|c| c.role_arn.clone()),
        rules,
        last_rotated_date: config.and_then(|c| c.last_rotated_at).map(from_millis),
        next_rotation_date: config.and_then(|c| c.next_rotation_at).map(from_millis),
        state,
        step: job.and_then(|j| RotationStep::parse(&j.step)),
        pending_version_id: job.map(|j| j.token.clone()),
        attempts: job.map_or(0, |j| u32::try_from(j.attempts).unwrap_or(u32::MAX)),
        last_error: job.and_then(|j| j.last_error.clone()),
        next_attempt_date: job.map(|j| from_millis(j.next_attempt_at)),
        next_runs,
    }
}

impl Engine {
    /// Finds secret `id` and authorizes `action` (service-qualified) on it, recording the
    /// decision in the op's event: the single enforcement point, for operations whose own
    /// name is not an IAM action (status, history, run now).
    pub(crate) async fn secret_for(
        &self,
        op: &mut Op<'_>,
        id: &str,
        action: &str,
    ) -> Result<SecretRow> {
        let found = self.find_secret(op, id).await?;
        let resource = self.secret_resource(op, id, found.as_ref());
        if let Err(e) = self
            .authorize_action(op, action, &resource, found.as_ref(), &Vec::new(), true)
            .await
        {
            op.event.detail("secretId", id);
            return Err(Error::new(e.code(), e.message().replace(&resource, id)));
        }
        let secret = found.ok_or_else(Error::not_found)?;
        op.event.resource_arn = Some(secret.arn.clone());
        Ok(secret)
    }

    /// A secret's rotation: state, last error, next five window starts. While the store is
    /// sealed the account root still sees it (due rotations show as waiting); nothing in
    /// it is secret, and it is read without keys.
    pub async fn rotation_status(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<RotationStatus> {
        if self.is_sealed() && ctx.principal == crate::Principal::Root {
            return self.rotation_status_sealed(ctx, secret_id).await;
        }
        let mut op = self.begin_read(ctx, "GetRotationStatus").await?;
        let result = async {
            let secret = self
                .secret_for(&mut op, secret_id, "secretsmanager:DescribeSecret")
                .await?;
            let config = coffer_store::find_rotation_config(op.tx.conn(), secret.id).await?;
            let job = coffer_store::find_rotation_job(op.tx.conn(), secret.id).await?;
            Ok(status_of(
                &secret,
                config.as_ref(),
                job.as_ref(),
                op.now,
                false,
            ))
        }
        .await;
        self.finish(op, result).await
    }

    async fn rotation_status_sealed(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<RotationStatus> {
        let region = ctx
            .region
            .clone()
            .unwrap_or_else(|| self.default_region().to_owned());
        let mut conn = self.inner.store.read_conn().await?;
        let secret = if secret_id.starts_with("arn:") {
            coffer_store::find_secret_by_arn(&mut conn, secret_id).await?
        } else {
            coffer_store::find_secret_by_name(&mut conn, &region, secret_id).await?
        }
        .ok_or_else(Error::not_found)?;
        let config = coffer_store::find_rotation_config(&mut conn, secret.id).await?;
        let job = coffer_store::find_rotation_job(&mut conn, secret.id).await?;
        let now = self.now().timestamp_millis();
        Ok(status_of(&secret, config.as_ref(), job.as_ref(), now, true))
    }

    /// A secret's rotation history from the audit log, newest first: RotateSecret and
    /// CancelRotateSecret calls, the RotationStarted / RotationSucceeded / RotationFailed /
    /// RotationAbandoned events, and the configuration tests' TestRotationStarted /
    /// TestRotationSucceeded / TestRotationFailed.
    pub async fn rotation_history(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<Vec<AuditEvent>> {
        let mut op = self.begin_read(ctx, "GetRotationHistory").await?;
        let result = async {
            let secret = self
                .secret_for(&mut op, secret_id, "secretsmanager:DescribeSecret")
                .await?;
            let mut out = Vec::new();
            let mut before = None;
            loop {
                let q = coffer_store::AuditQuery {
                    resource: Some(secret.arn.clone()),
                    before_seq: before,
                    limit: 1000,
                    ..Default::default()
                };
                let rows = coffer_store::query_audit(op.tx.conn(), &q).await?;
                let last = rows.last().map(|r| r.seq);
                let n = rows.len();
                out.extend(
                    rows.into_iter()
                        .filter(|r| HISTORY_ACTIONS.contains(&r.action.as_str()))
                        .map(AuditEvent::from),
                );
                if n < 1000 || out.len() >= 1000 {
                    break;
                }
                before = last;
            }
            op.event.detail("returned", out.len());
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// The next `count` window starts of a schedule expression after `after` (the CLI's
    /// `coffer rotation next`, the UI's schedule builder). Pure: no store access.
    pub fn next_rotation_runs(
        expression: &str,
        duration: Option<&str>,
        after: DateTime<Utc>,
        count: usize,
    ) -> Result<Vec<DateTime<Utc>>> {
        let rules = RotationRules {
            schedule_expression: Some(expression.to_owned()),
            duration: duration.map(str::to_owned),
            automatically_after_days: None,
        };
        let schedule = Schedule::from_rules(&rules)?.expect("an expression gives a schedule");
        Ok(schedule.next_runs(after, count))
    }

    /// The rotation members of DescribeSecret for one secret, if rotation was configured.
    pub(crate) async fn rotation_description(
        conn: &mut coffer_store::SqliteConnection,
        secret_id: i64,
    ) -> Result<Option<RotationDescription>> {
        Ok(coffer_store::find_rotation_config(conn, secret_id)
            .await?
            .as_ref()
            .map(RotationDescription::from))
    }
}
