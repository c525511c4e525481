//! RotateSecret, CancelRotateSecret, and the job that drives a rotator through AWS's four
//! steps (reference §6 RotateSecret/CancelRotateSecret, §7).
//!
//! A rotation is a row in `rotation_jobs` (one per secret, by primary key) holding the
//! AWSPENDING token and the next step to run. Each step runs outside any transaction (the
//! rotator makes its own engine calls, as a Lambda calls the API); its outcome is then
//! recorded in one transaction with its audit event. A process that dies between steps
//! leaves the row behind, and the next run resumes at the recorded step — steps are
//! idempotent per token, as AWS requires of a Lambda — or, when AWSPENDING was moved off
//! the token meanwhile, abandons cleanly. AWSCURRENT only ever moves in finishSecret, which
//! runs only after testSecret passed in the same job, so a failure never leaves AWSCURRENT
//! on an untested credential.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use coffer_store::{RotationConfigRow, RotationJobRow, SecretRow, VersionRow};
use rand::Rng;

use super::rotator::{RotationEvent, RotationFailure, RotationStep, Rotator};
use super::schedule::{RotationRules, Schedule};
use crate::audit::EventDraft;
use crate::error::{Error, ErrorCode, Result};
use crate::secrets::labels::LabelMap;
use crate::secrets::{AWSCURRENT, AWSPENDING, validate_token};
use crate::{Engine, Op, Principal, RequestContext, Source};

/// RotateSecret input.
#[derive(Debug, Clone, Default)]
pub struct RotateSecretInput {
    /// Name or ARN.
    pub secret_id: String,
    /// Becomes the AWSPENDING version id (SDKs always send one).
    pub client_request_token: Option<String>,
    /// `arn:aws:lambda:<region>:<account>:function:<name>`; default: the stored one.
    pub rotation_lambda_arn: Option<String>,
    /// The schedule; default: the stored one.
    pub rotation_rules: Option<RotationRules>,
    /// Rotate now (default true) or only at the next window.
    pub rotate_immediately: Option<bool>,
}

/// RotateSecret output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotateSecretOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// The AWSPENDING version's id.
    pub version_id: String,
}

/// CancelRotateSecret output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRotateSecretOutput {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// The version the cancelled rotation created (to clean up), if any.
    pub version_id: Option<String>,
}

/// How a run of a secret's rotation job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationRun {
    /// No rotation in flight for that secret.
    NoJob,
    /// finishSecret ran: AWSCURRENT is on the new version.
    Succeeded {
        /// The new AWSCURRENT version.
        version_id: String,
    },
    /// A step failed; the job waits for its retry.
    Failed {
        /// The step that failed.
        step: RotationStep,
        /// Why (never a secret value).
        error: String,
        /// When the retry is due.
        retry_at: DateTime<Utc>,
    },
    /// The job was dropped: AWSPENDING was moved off its version, or the secret is gone.
    Abandoned {
        /// Why.
        reason: String,
    },
    /// Not due yet, or another process holds it.
    NotDue {
        /// When it may run.
        at: DateTime<Utc>,
    },
    /// The configuration test of a RotateSecret with RotateImmediately=false ran
    /// (testSecret on a copy of the current value, then removed); `error` when it failed.
    Tested {
        /// Why the test failed (never a secret value); `None` = it passed.
        error: Option<String>,
    },
}

/// The first retry waits 10 s, then the wait doubles up to 5 minutes.
const BACKOFF_FIRST_MS: i64 = 10_000;
const BACKOFF_MAX_MS: i64 = 300_000;
/// How long a process may hold a job for one step before another may take it over.
const LEASE_MS: i64 = 300_000;

/// The backoff before retry number `attempts` (1 = after the first failure), without jitter.
pub fn backoff_delay(attempts: u32) -> StdDuration {
    let exp = attempts.saturating_sub(1).min(16);
    let ms = (BACKOFF_FIRST_MS << exp).min(BACKOFF_MAX_MS);
    StdDuration::from_millis(ms as u64)
}

/// The backoff with up to 10% added at random, so many failing secrets do not retry in step.
fn backoff_with_jitter(attempts: u32) -> i64 {
    let base = backoff_delay(attempts).as_millis() as i64;
    base + rand::rng().random_range(0..=base / 10)
}

/// The function name of a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>`),
/// or `None` when it is not one.
pub fn lambda_arn_function_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            name,
        ] if !partition.is_empty()
            && !region.is_empty()
            && !account.is_empty()
            && !name.is_empty() =>
        {
            // A qualified ARN (`…:function:name:alias`) names the function too.
            Some(name.split(':').next().unwrap_or(name))
        }
        _ => None,
    }
}

fn previous_rotation_incomplete() -> Error {
    Error::invalid_request("A previous rotation isn't complete. That rotation will be reattempted.")
}

fn no_lambda() -> Error {
    Error::invalid_request("No Lambda rotation function ARN is associated with this secret.")
}

async fn labels_of(op: &mut Op<'_>, secret_id: i64) -> Result<LabelMap> {
    Ok(coffer_store::list_labels(op.tx.conn(), secret_id)
        .await?
        .into_iter()
        .map(|l| (l.label, l.version_id))
        .collect())
}

fn rules_of(c: &RotationConfigRow) -> RotationRules {
    RotationRules {
        automatically_after_days: c.automatically_after_days,
        duration: c.duration.clone(),
        schedule_expression: c.schedule_expression.clone(),
    }
}

/// The next window start after a rotation at `after`, if the rules name a schedule.
pub(crate) fn next_rotation(c: &RotationConfigRow, after: i64) -> Option<i64> {
    let schedule = Schedule::from_rules(&rules_of(c)).ok().flatten()?;
    schedule
        .next_run(crate::clock::from_millis(after))
        .map(|t| t.timestamp_millis())
}

/// The context of the rotation machinery's own bookkeeping (jobs, leases, step keys):
/// Coffer itself, from the scheduler. Never a rotator's: that acts as its execution role.
pub(crate) fn rotation_ctx(region: &str) -> RequestContext {
    RequestContext {
        principal: Principal::Coffer,
        ..RequestContext::root(Source::Scheduler)
    }
    .in_region(region)
}

impl Engine {
    /// Appends `draft` (with whatever outcome it carries) and the op's extra events, and
    /// commits the op's change with them: for rotation events that record a failure yet
    /// must keep the state change they describe.
    async fn commit_with(&self, mut op: Op<'_>, draft: EventDraft) -> Result<()> {
        let mut head = self.cached_audit_head();
        for e in std::mem::take(&mut op.extra_events) {
            head =
                Some(crate::audit::append(op.tx.conn(), &op.keys, op.ctx, op.now, e, head).await?);
        }
        let head =
            crate::audit::append(op.tx.conn(), &op.keys, op.ctx, op.now, draft, head).await?;
        op.tx.commit().await?;
        self.set_cached_audit_head(Some(head));
        Ok(())
    }

    /// Commits the op's change with only the events it already carries (a purge done by
    /// `begin`): bookkeeping such as a lease or a step reached has no event of its own.
    async fn commit_quiet(&self, mut op: Op<'_>) -> Result<()> {
        let mut head = self.cached_audit_head();
        for e in std::mem::take(&mut op.extra_events) {
            head =
                Some(crate::audit::append(op.tx.conn(), &op.keys, op.ctx, op.now, e, head).await?);
        }
        op.tx.commit().await?;
        if head.is_some() {
            self.set_cached_audit_head(head);
        }
        Ok(())
    }

    /// Resolves the rotator a Lambda ARN names: a built-in by function name, else a
    /// registered function of the secret's region, else AWS's error.
    pub(crate) async fn resolve_rotator(
        &self,
        conn: &mut coffer_store::SqliteConnection,
        region: &str,
        arn: &str,
    ) -> Result<Resolved> {
        let name = lambda_arn_function_name(arn).ok_or_else(|| {
            Error::invalid_parameter(format!(
                "Invalid RotationLambdaARN {arn}: give arn:aws:lambda:<region>:<account>:function:<name>."
            ))
        })?;
        let registry = self
            .inner
            .rotation
            .registry
            .read()
            .expect("rotators lock")
            .clone();
        if let Some(rotator) = registry.builtin(name) {
            return Ok(Resolved {
                rotator,
                custom: None,
                role: None,
            });
        }
        if let Some(def) = self.function_definition(conn, region, name).await? {
            let Some(role) = def.role_arn.clone() else {
                return Err(Error::invalid_request(format!(
                    "The function {name} has no execution role: delete it and create it again with --role <role ARN>."
                )));
            };
            let timeout = def.timeout;
            let resolved = match &def.template {
                Some(t) => registry.builtin(t).map(|rotator| Resolved {
                    rotator,
                    custom: None,
                    role: Some(role),
                }),
                None => registry.command(def).map(|rotator| Resolved {
                    rotator,
                    custom: Some(timeout),
                    role: Some(role),
                }),
            };
            if let Some(resolved) = resolved {
                return Ok(resolved);
            }
        }
        Err(Error::new(
            ErrorCode::ResourceNotFound,
            format!("The rotation function {arn} doesn't exist."),
        ))
    }

    /// RotateSecret: stores the rotator and schedule, turns rotation on, and (by default)
    /// starts a rotation now: a value-less AWSPENDING version whose id is the token, and a
    /// job the scheduler (or [`Engine::run_rotation`]) drives through the four steps.
    pub async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        input: RotateSecretInput,
    ) -> Result<RotateSecretOutput> {
        let mut op = self.begin(ctx, "RotateSecret").await?;
        let result = self.rotate_secret_in(&mut op, input).await;
        let out = self.finish(op, result).await?;
        self.wake_scheduler();
        Ok(out)
    }

    async fn rotate_secret_in(
        &self,
        op: &mut Op<'_>,
        input: RotateSecretInput,
    ) -> Result<RotateSecretOutput> {
        if let Some(t) = &input.client_request_token {
            validate_token(t)?;
        }
        if let Some(a) = &input.rotation_lambda_arn {
            if a.chars().count() > 2048 {
                return Err(Error::validation(
                    "rotationLambdaARN",
                    "Member must have length less than or equal to 2048",
                ));
            }
        }
        if let Some(rules) = &input.rotation_rules {
            Schedule::from_rules(rules)?;
        }
        let immediately = input.rotate_immediately.unwrap_or(true);
        let mut keys = vec![
            crate::authz::key(
                coffer_policy::keys::ROTATE_IMMEDIATELY,
                immediately.to_string(),
            ),
            crate::authz::key(
                coffer_policy::keys::MODIFY_ROTATION_RULES,
                input.rotation_rules.is_some().to_string(),
            ),
        ];
        if let Some(a) = &input.rotation_lambda_arn {
            keys.push(crate::authz::key(
                coffer_policy::keys::ROTATION_LAMBDA_ARN,
                a.clone(),
            ));
        }
        let secret = self.require_secret_with(op, &input.secret_id, keys).await?;
        if secret.deleted_at.is_some() {
            return Err(Error::marked_for_deletion());
        }
        let existing = coffer_store::find_rotation_config(op.tx.conn(), secret.id).await?;
        let lambda_arn = input
            .rotation_lambda_arn
            .clone()
            .filter(|a| !a.is_empty())
            .or_else(|| existing.as_ref().and_then(|c| c.lambda_arn.clone()))
            .ok_or_else(no_lambda)?;
        op.event.detail("rotationLambdaARN", lambda_arn.as_str());
        op.event.detail("rotateImmediately", immediately);
        let job = coffer_store::find_rotation_job(op.tx.conn(), secret.id).await?;
        if let (Some(j), Some(t)) = (&job, &input.client_request_token) {
            if &j.token == t {
                // The same request again (an SDK retry): the rotation it started stands.
                op.event.version_id = Some(t.clone());
                return Ok(RotateSecretOutput {
                    arn: secret.arn,
                    name: secret.name,
                    version_id: t.clone(),
                });
            }
        }
        let labels = labels_of(op, secret.id).await?;
        if job.is_some() || pending_elsewhere(&labels) {
            return Err(previous_rotation_incomplete());
        }
        let region = secret.region.clone();
        let resolved = self
            .resolve_rotator(op.tx.conn(), &region, &lambda_arn)
            .await?;
        // Starting a rotation invokes the function: AWS asks the caller for
        // lambda:InvokeFunction on it, whatever the caller may do to the secret.
        self.authorize_action(
            op,
            "lambda:InvokeFunction",
            &lambda_arn,
            None,
            &Vec::new(),
            false,
        )
        .await?;
        // A built-in named directly acts under a role made for this secret alone.
        let role_arn = match &resolved.role {
            Some(role) => {
                op.event.detail("executionRoleArn", role.as_str());
                None
            }
            None => {
                let recorded = existing.as_ref().and_then(|c| c.role_arn.clone());
                let role = self
                    .ensure_rotation_role(op, &secret, recorded.as_deref())
                    .await?;
                op.event.detail("executionRoleArn", role.as_str());
                Some(role)
            }
        };
        let token = input
            .client_request_token
            .clone()
            .unwrap_or_else(crate::secrets::new_token);
        if coffer_store::find_version(op.tx.conn(), secret.id, &token)
            .await?
            .is_some()
        {
            return Err(Error::new(
                ErrorCode::ResourceExists,
                format!(
                    "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {}.",
                    secret.arn
                ),
            ));
        }
        let rules = match &input.rotation_rules {
            Some(r) => r.clone(),
            None => existing.as_ref().map(rules_of).unwrap_or_default(),
        };
        let mut config = RotationConfigRow {
            secret_id: secret.id,
            enabled: true,
            lambda_arn: Some(lambda_arn.clone()),
            automatically_after_days: rules.automatically_after_days,
            duration: rules.duration.clone(),
            schedule_expression: rules.schedule_expression.clone(),
            last_rotated_at: existing.as_ref().and_then(|c| c.last_rotated_at),
            next_rotation_at: None,
            updated_at: op.now,
            role_arn,
        };
        let base = if immediately {
            op.now
        } else {
            config.last_rotated_at.unwrap_or(op.now)
        };
        config.next_rotation_at = next_rotation(&config, base);
        coffer_store::upsert_rotation_config(op.tx.conn(), &config).await?;
        if let Some(rules) = &input.rotation_rules {
            if let Some(e) = &rules.schedule_expression {
                op.event.detail("scheduleExpression", e.as_str());
            }
            if let Some(d) = rules.automatically_after_days {
                op.event.detail("automaticallyAfterDays", d);
            }
        }
        op.event.version_id = Some(token.clone());
        if immediately {
            self.start_job(op, &secret, &token, &lambda_arn).await?;
        } else {
            self.start_trial(op, &secret, &labels, &token, &lambda_arn)
                .await?;
        }
        Ok(RotateSecretOutput {
            arn: secret.arn,
            name: secret.name,
            version_id: token,
        })
    }

    /// Creates the AWSPENDING placeholder and the job, with a RotationStarted event in the
    /// same transaction.
    async fn start_job(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        token: &str,
        lambda_arn: &str,
    ) -> Result<()> {
        insert_placeholder(op, secret.id, token).await?;
        insert_job(op, secret, token, lambda_arn, false).await
    }

    /// RotateImmediately=false: AWS tests the configuration instead of rotating, running
    /// only testSecret on an AWSPENDING version that it removes afterwards. Here that
    /// version holds a copy of the current value (a database rotator then proves it can
    /// reach the server and log in), and a trial job runs the one step. A secret without a
    /// current value has nothing to test.
    async fn start_trial(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        labels: &LabelMap,
        token: &str,
        lambda_arn: &str,
    ) -> Result<()> {
        let Some(current) = labels.get(AWSCURRENT).cloned() else {
            return Ok(());
        };
        let Some(version) = coffer_store::find_version(op.tx.conn(), secret.id, &current).await?
        else {
            return Ok(());
        };
        let Some(value) = self.open_value(op, secret, &version).await? else {
            return Ok(());
        };
        let copy = self.seal_value(op, secret, token, &value).await?;
        insert_pending(op, &copy).await?;
        insert_job(op, secret, token, lambda_arn, true).await
    }

    /// Records the outcome of a configuration test: removes its AWSPENDING version and the
    /// job (a failed test is not retried: the schedule stands) with TestRotationSucceeded or
    /// TestRotationFailed.
    async fn record_trial(
        &self,
        mut op: Op<'_>,
        job: RotationJobRow,
        secret: &SecretRow,
        outcome: std::result::Result<(), RotationFailure>,
    ) -> Result<Option<RotationRun>> {
        let labels = labels_of(&mut op, secret.id).await?;
        if labels.get(AWSPENDING) == Some(&job.token) {
            coffer_store::remove_label(op.tx.conn(), secret.id, AWSPENDING).await?;
        }
        coffer_store::delete_unlabelled_version(op.tx.conn(), secret.id, &job.token).await?;
        coffer_store::delete_rotation_job(op.tx.conn(), secret.id).await?;
        let action = if outcome.is_ok() {
            "TestRotationSucceeded"
        } else {
            "TestRotationFailed"
        };
        let mut e = rotation_event(action, secret, &job.token);
        e.detail("rotationLambdaARN", job.lambda_arn.as_str());
        let (draft, error) = match outcome {
            Ok(()) => (e.ok(), None),
            Err(failure) => {
                e.detail("errorKind", failure.kind.as_str());
                let error = failure.to_string();
                (e.failed_with(&failure.kind, &failure.message), Some(error))
            }
        };
        self.commit_with(op, draft).await?;
        Ok(Some(RotationRun::Tested { error }))
    }

    /// CancelRotateSecret: turns rotation off and drops an in-flight rotation. The rotator
    /// and rules stay visible; the AWSPENDING version it created is left for the caller
    /// to clean up, as on AWS.
    pub async fn cancel_rotate_secret(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<CancelRotateSecretOutput> {
        let mut op = self.begin(ctx, "CancelRotateSecret").await?;
        let result = async {
            let secret = self.require_secret(&mut op, secret_id).await?;
            if secret.deleted_at.is_some() {
                return Err(Error::marked_for_deletion());
            }
            let Some(mut config) =
                coffer_store::find_rotation_config(op.tx.conn(), secret.id).await?
            else {
                return Err(Error::invalid_request(
                    "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
                ));
            };
            config.enabled = false;
            config.next_rotation_at = None;
            config.updated_at = op.now;
            coffer_store::upsert_rotation_config(op.tx.conn(), &config).await?;
            let labels = labels_of(&mut op, secret.id).await?;
            let mut version_id = pending_elsewhere(&labels)
                .then(|| labels.get(AWSPENDING).cloned())
                .flatten();
            if let Some(job) = coffer_store::find_rotation_job(op.tx.conn(), secret.id).await? {
                coffer_store::delete_rotation_job(op.tx.conn(), secret.id).await?;
                let mut e = EventDraft::new("RotationAbandoned");
                e.region = Some(secret.region.clone());
                e.resource_arn = Some(secret.arn.clone());
                e.version_id = Some(job.token.clone());
                e.principal = Some("coffer".into());
                e.allow("rotation cancelled");
                e.detail("reason", "CancelRotateSecret");
                e.detail("step", job.step.as_str());
                op.extra_events.push(e.ok());
                version_id = Some(job.token);
            }
            op.event.version_id = version_id.clone();
            Ok(CancelRotateSecretOutput {
                arn: secret.arn,
                name: secret.name,
                version_id,
            })
        }
        .await;
        let out = self.finish(op, result).await?;
        self.wake_scheduler();
        Ok(out)
    }

    /// Starts the rotation of a secret whose scheduled window has come (the scheduler).
    /// Returns false when there was nothing to start.
    pub(crate) async fn start_scheduled_rotation(&self, secret_id: i64) -> Result<bool> {
        let ctx = rotation_ctx(self.default_region());
        let mut op = self.begin(&ctx, "RotationStarted").await?;
        let result: Result<Option<EventDraft>> = async {
            op.event.allow("scheduled rotation");
            op.event.principal = Some("coffer".into());
            let Some(mut config) =
                coffer_store::find_rotation_config(op.tx.conn(), secret_id).await?
            else {
                return Ok(None);
            };
            let due = config.enabled && config.next_rotation_at.is_some_and(|t| t <= op.now);
            if !due
                || coffer_store::find_rotation_job(op.tx.conn(), secret_id)
                    .await?
                    .is_some()
            {
                return Ok(None);
            }
            let Some(secret) = find_secret_by_id(&mut op, secret_id).await? else {
                return Ok(None);
            };
            op.event.region = Some(secret.region.clone());
            op.event.resource_arn = Some(secret.arn.clone());
            // Missed windows (sleep, downtime) run once: the next window counts from now.
            config.next_rotation_at = next_rotation(&config, op.now);
            config.updated_at = op.now;
            coffer_store::upsert_rotation_config(op.tx.conn(), &config).await?;
            if secret.deleted_at.is_some() {
                return Ok(None);
            }
            let labels = labels_of(&mut op, secret_id).await?;
            let Some(lambda) = config.lambda_arn.clone() else {
                return Ok(None);
            };
            if pending_elsewhere(&labels) {
                let mut e = EventDraft::new("RotationFailed");
                e.region = Some(secret.region.clone());
                e.resource_arn = Some(secret.arn.clone());
                e.principal = Some("coffer".into());
                e.allow("scheduled rotation");
                let err = previous_rotation_incomplete();
                e.detail("step", "start");
                return Ok(Some(e.failed(&err)));
            }
            let token = crate::secrets::new_token();
            insert_placeholder(&mut op, secret.id, &token).await?;
            let job = job_row(secret.id, &token, &lambda, false, op.now);
            coffer_store::insert_rotation_job(op.tx.conn(), &job).await?;
            op.event.version_id = Some(token);
            op.event.detail("rotationLambdaARN", lambda);
            op.event.detail("trigger", "schedule");
            Ok(Some(op.event.clone().ok()))
        }
        .await;
        match result {
            Ok(Some(draft)) => {
                self.commit_with(op, draft).await?;
                Ok(true)
            }
            Ok(None) => {
                // Nothing to start: keep the schedule change, log nothing of its own.
                self.commit_quiet(op).await?;
                Ok(false)
            }
            Err(e) => self.finish(op, Err(e)).await,
        }
    }

    /// Runs the rotation in flight for secret `secret_id` (name or ARN) now, step after
    /// step, until it succeeds, fails (the retry is then scheduled) or is abandoned. Used
    /// by the scheduler, by the CLI (which has no scheduler running), and by tests.
    pub async fn run_rotation(&self, ctx: &RequestContext, secret_id: &str) -> Result<RotationRun> {
        let mut op = self.begin_read(ctx, "RunRotation").await?;
        let result = self
            .secret_for(&mut op, secret_id, "secretsmanager:RotateSecret")
            .await;
        let secret = self.finish(op, result).await?;
        self.drive_job(secret.id, true).await
    }

    /// Drives a secret's job. `force` runs it even before its retry is due (an explicit
    /// request), but never while another process holds its lease.
    pub(crate) async fn drive_job(&self, secret_id: i64, force: bool) -> Result<RotationRun> {
        let lease_owner = format!("{}/{}", self.inner.rotation.instance, uuid::Uuid::new_v4());
        loop {
            let claimed = self.claim_job(secret_id, &lease_owner, force).await?;
            let ClaimedRun {
                job,
                secret,
                resolved,
                role,
                first_version_id,
            } = match claimed {
                Claim::Run(run) => *run,
                Claim::Done(done) => return Ok(done),
            };
            let step = RotationStep::parse(&job.step).unwrap_or(RotationStep::CreateSecret);
            let api = match resolved.custom {
                Some(timeout) => self.mint_api_access(&role, &secret, timeout).await?,
                None => None,
            };
            let event = RotationEvent {
                step,
                secret_id: secret.arn.clone(),
                client_request_token: job.token.clone(),
                engine: self.clone(),
                ctx: RequestContext::principal(Source::Scheduler, role.clone())
                    .in_region(secret.region.clone()),
                first_version_id,
                api: api.clone(),
            };
            let outcome = resolved.rotator.run_step(&event).await;
            if let Some(access) = api {
                self.revoke_api_access(&access).await;
            }
            match self
                .record_step(secret_id, &lease_owner, step, outcome, Some(&role))
                .await?
            {
                Some(run) => return Ok(run),
                None => continue,
            }
        }
    }

    /// Takes the job's lease for one step, or says why there is nothing to run.
    async fn claim_job(&self, secret_id: i64, owner: &str, force: bool) -> Result<Claim> {
        let ctx = rotation_ctx(self.default_region());
        let mut op = self.begin(&ctx, "RotationAbandoned").await?;
        let result: Result<ClaimStep> = async {
            let Some(mut job) = coffer_store::find_rotation_job(op.tx.conn(), secret_id).await?
            else {
                return Ok(ClaimStep::Quiet(Claim::Done(RotationRun::NoJob)));
            };
            if job
                .lease_until
                .is_some_and(|t| t > op.now && job.lease_owner.as_deref() != Some(owner))
            {
                return Ok(ClaimStep::Quiet(Claim::Done(RotationRun::NotDue {
                    at: crate::clock::from_millis(job.lease_until.unwrap_or(op.now)),
                })));
            }
            if !force && job.next_attempt_at > op.now {
                return Ok(ClaimStep::Quiet(Claim::Done(RotationRun::NotDue {
                    at: crate::clock::from_millis(job.next_attempt_at),
                })));
            }
            let secret = find_secret_by_id(&mut op, secret_id).await?;
            let abandon = |reason: &str| Ok(ClaimStep::Abandon(reason.to_owned()));
            let Some(secret) = secret else {
                return abandon("the secret no longer exists");
            };
            op.event.region = Some(secret.region.clone());
            op.event.resource_arn = Some(secret.arn.clone());
            op.event.version_id = Some(job.token.clone());
            if secret.deleted_at.is_some() {
                return abandon("the secret is scheduled for deletion");
            }
            let labels = labels_of(&mut op, secret_id).await?;
            let pending = labels.get(AWSPENDING).map(String::as_str);
            let current = labels.get(AWSCURRENT).map(String::as_str);
            if current == Some(job.token.as_str()) {
                // finishSecret moved AWSCURRENT but the process stopped before recording it.
                return Ok(ClaimStep::Finished);
            }
            if pending != Some(job.token.as_str()) {
                return abandon("AWSPENDING was moved off the rotation's version");
            }
            let step = RotationStep::parse(&job.step).unwrap_or(RotationStep::CreateSecret);
            let resolved = match self
                .resolve_rotator(op.tx.conn(), &secret.region, &job.lambda_arn)
                .await
            {
                Ok(r) => r,
                Err(e) => return Ok(ClaimStep::Unresolved(step, e)),
            };
            let role = match &resolved.role {
                Some(role) => role.clone(),
                // A built-in named directly: the secret's own role, made again if it is
                // gone (or the rotation was configured before execution roles existed).
                None => {
                    let config =
                        coffer_store::find_rotation_config(op.tx.conn(), secret_id).await?;
                    let recorded = config.as_ref().and_then(|c| c.role_arn.clone());
                    let role = self
                        .ensure_rotation_role(&mut op, &secret, recorded.as_deref())
                        .await?;
                    if let Some(mut config) = config.filter(|_| recorded.as_ref() != Some(&role)) {
                        config.role_arn = Some(role.clone());
                        coffer_store::upsert_rotation_config(op.tx.conn(), &config).await?;
                    }
                    role
                }
            };
            let first_version_id = coffer_store::first_version_id(op.tx.conn(), secret_id).await?;
            job.lease_owner = Some(owner.to_owned());
            job.lease_until = Some(op.now + LEASE_MS);
            job.state = "running".into();
            job.updated_at = op.now;
            coffer_store::update_rotation_job(op.tx.conn(), &job).await?;
            Ok(ClaimStep::Quiet(Claim::Run(Box::new(ClaimedRun {
                job,
                secret,
                resolved,
                role,
                first_version_id,
            }))))
        }
        .await;
        match result {
            Ok(ClaimStep::Quiet(claim)) => {
                self.commit_quiet(op).await?;
                Ok(claim)
            }
            Ok(ClaimStep::Abandon(reason)) => {
                coffer_store::delete_rotation_job(op.tx.conn(), secret_id).await?;
                op.event.principal = Some("coffer".into());
                op.event.allow("rotation abandoned");
                op.event.detail("reason", reason.as_str());
                let draft = op.event.clone().ok();
                self.commit_with(op, draft).await?;
                Ok(Claim::Done(RotationRun::Abandoned { reason }))
            }
            Ok(ClaimStep::Finished) => {
                op.tx.rollback().await?;
                match self
                    .record_step(secret_id, owner, RotationStep::FinishSecret, Ok(()), None)
                    .await?
                {
                    Some(run) => Ok(Claim::Done(run)),
                    None => Ok(Claim::Done(RotationRun::NoJob)),
                }
            }
            Ok(ClaimStep::Unresolved(step, e)) => {
                op.tx.rollback().await?;
                let failure = RotationFailure::new(e.code().as_str(), e.message());
                let run = self
                    .record_step(secret_id, owner, step, Err(failure), None)
                    .await?;
                Ok(Claim::Done(run.unwrap_or(RotationRun::NoJob)))
            }
            Err(e) => self.finish(op, Err(e)).await,
        }
    }

    /// Records a step's outcome with its audit event, which names the execution `role` the
    /// step acted as. `None` = go on with the next step.
    async fn record_step(
        &self,
        secret_id: i64,
        owner: &str,
        step: RotationStep,
        outcome: std::result::Result<(), RotationFailure>,
        role: Option<&str>,
    ) -> Result<Option<RotationRun>> {
        let ctx = rotation_ctx(self.default_region());
        let action = match (&outcome, step) {
            (Ok(()), RotationStep::FinishSecret) => "RotationSucceeded",
            (Ok(()), _) => "RotationStepCompleted",
            (Err(_), _) => "RotationFailed",
        };
        let mut op = self.begin(&ctx, action).await?;
        op.event.principal = Some("coffer".into());
        op.event.allow("rotation");
        let Some(mut job) = coffer_store::find_rotation_job(op.tx.conn(), secret_id).await? else {
            // Cancelled meanwhile: nothing to record.
            op.tx.rollback().await?;
            return Ok(Some(RotationRun::NoJob));
        };
        let taken_over = job.lease_owner.as_deref().is_some_and(|o| o != owner)
            && job.lease_until.is_some_and(|t| t > op.now);
        if taken_over {
            // Another process took the job over (our lease expired): it records.
            op.tx.rollback().await?;
            return Ok(Some(RotationRun::NotDue {
                at: crate::clock::from_millis(job.lease_until.unwrap_or(op.now)),
            }));
        }
        let Some(secret) = find_secret_by_id(&mut op, secret_id).await? else {
            op.tx.rollback().await?;
            return Ok(Some(RotationRun::NoJob));
        };
        if job.trial {
            return self.record_trial(op, job, &secret, outcome).await;
        }
        op.event.region = Some(secret.region.clone());
        op.event.resource_arn = Some(secret.arn.clone());
        op.event.version_id = Some(job.token.clone());
        op.event.detail("step", step.as_str());
        if let Some(role) = role {
            op.event.detail("executionRoleArn", role);
        }
        job.updated_at = op.now;
        match outcome {
            Ok(()) if step == RotationStep::FinishSecret => {
                let labels = labels_of(&mut op, secret_id).await?;
                if labels.get(AWSCURRENT) != Some(&job.token) {
                    op.tx.rollback().await?;
                    let failure = RotationFailure::new(
                        "FinishIncomplete",
                        "finishSecret returned without moving AWSCURRENT to the AWSPENDING version.",
                    );
                    return Box::pin(self.record_step(
                        secret_id,
                        owner,
                        RotationStep::FinishSecret,
                        Err(failure),
                        role,
                    ))
                    .await;
                }
                // AWS removes AWSPENDING once the rotation succeeded (outside the Lambda).
                if labels.get(AWSPENDING) == Some(&job.token) {
                    coffer_store::remove_label(op.tx.conn(), secret_id, AWSPENDING).await?;
                }
                coffer_store::delete_rotation_job(op.tx.conn(), secret_id).await?;
                if let Some(mut config) =
                    coffer_store::find_rotation_config(op.tx.conn(), secret_id).await?
                {
                    config.last_rotated_at = Some(op.now);
                    config.next_rotation_at = if config.enabled {
                        next_rotation(&config, op.now)
                    } else {
                        None
                    };
                    config.updated_at = op.now;
                    coffer_store::upsert_rotation_config(op.tx.conn(), &config).await?;
                }
                let mut s = secret.clone();
                s.last_changed_at = op.now;
                coffer_store::update_secret(op.tx.conn(), &s).await?;
                op.event.detail("attempts", job.attempts + 1);
                let draft = op.event.clone().ok();
                let token = job.token.clone();
                self.commit_with(op, draft).await?;
                self.wake_scheduler();
                Ok(Some(RotationRun::Succeeded { version_id: token }))
            }
            Ok(()) => {
                // A step done: remember where to resume, with an event that names the role
                // it acted as (the rotator's own calls are audited under that role too).
                let next = RotationStep::ALL
                    .iter()
                    .position(|s| *s == step)
                    .and_then(|i| RotationStep::ALL.get(i + 1))
                    .copied()
                    .unwrap_or(RotationStep::FinishSecret);
                job.step = next.as_str().to_owned();
                coffer_store::update_rotation_job(op.tx.conn(), &job).await?;
                let draft = op.event.clone().ok();
                self.commit_with(op, draft).await?;
                Ok(None)
            }
            Err(failure) => {
                job.attempts += 1;
                job.state = "failed".into();
                job.last_error = Some(format!("{step}: {failure}"));
                job.next_attempt_at =
                    op.now + backoff_with_jitter(u32::try_from(job.attempts).unwrap_or(u32::MAX));
                job.lease_owner = None;
                job.lease_until = None;
                if failure.password_rejected {
                    // The target refused the password itself: the retry makes a new one,
                    // in a new AWSPENDING version (versions are immutable).
                    let token = crate::secrets::new_token();
                    insert_placeholder(&mut op, secret_id, &token).await?;
                    op.event.detail("newPendingVersionId", token.as_str());
                    job.token = token;
                    job.step = RotationStep::CreateSecret.as_str().to_owned();
                } else if step == RotationStep::FinishSecret {
                    // finishSecret is retried alone: the credential passed testSecret.
                } else if step != RotationStep::CreateSecret {
                    // setSecret/testSecret are retried from setSecret: the value stays.
                    job.step = RotationStep::SetSecret.as_str().to_owned();
                }
                coffer_store::update_rotation_job(op.tx.conn(), &job).await?;
                op.event.detail("attempt", job.attempts);
                op.event.detail("errorKind", failure.kind.as_str());
                op.event.detail(
                    "retryAt",
                    crate::clock::from_millis(job.next_attempt_at).to_rfc3339(),
                );
                let draft = op
                    .event
                    .clone()
                    .failed_with(&failure.kind, &failure.message);
                let retry_at = crate::clock::from_millis(job.next_attempt_at);
                self.commit_with(op, draft).await?;
                self.wake_scheduler();
                Ok(Some(RotationRun::Failed {
                    step,
                    error: failure.to_string(),
                    retry_at,
                }))
            }
        }
    }
}

/// What the claim transaction decided.
enum ClaimStep {
    /// Commit (lease taken, or nothing to do) and return this.
    Quiet(Claim),
    /// Drop the job with a RotationAbandoned event.
    Abandon(String),
    /// AWSCURRENT is already on the token: record success.
    Finished,
    /// The rotator cannot be found: record a failure of this step.
    Unresolved(RotationStep, Error),
}

enum Claim {
    Run(Box<ClaimedRun>),
    Done(RotationRun),
}

/// A step this process holds the lease for, with everything it runs with.
struct ClaimedRun {
    job: RotationJobRow,
    secret: SecretRow,
    resolved: Resolved,
    /// The execution role the step acts as.
    role: String,
    first_version_id: Option<String>,
}

/// The rotator a Lambda ARN names, and how it runs.
pub(crate) struct Resolved {
    pub(crate) rotator: Arc<dyn Rotator>,
    /// The step timeout of a custom (out-of-process) rotator; `None` for a built-in.
    pub(crate) custom: Option<StdDuration>,
    /// The function's execution role; `None` for a built-in named directly, which acts
    /// under the role recorded in the secret's rotation configuration.
    pub(crate) role: Option<String>,
}

/// True when AWSPENDING is on a version other than AWSCURRENT's: a rotation is unfinished.
fn pending_elsewhere(labels: &LabelMap) -> bool {
    match labels.get(AWSPENDING) {
        None => false,
        Some(p) => labels.get(AWSCURRENT) != Some(p),
    }
}

/// Inserts a value-less version `token` and puts AWSPENDING on it.
async fn insert_placeholder(op: &mut Op<'_>, secret_id: i64, token: &str) -> Result<()> {
    let row = VersionRow {
        secret_id,
        version_id: token.to_owned(),
        created_at: op.now,
        last_accessed_at: None,
        key_id: None,
        material_version: None,
        wrapped_dek: None,
        ciphertext: None,
    };
    insert_pending(op, &row).await
}

/// Inserts a rotation's new version and puts AWSPENDING on it.
async fn insert_pending(op: &mut Op<'_>, row: &VersionRow) -> Result<()> {
    let token = &row.version_id;
    if coffer_store::insert_version_if_absent(op.tx.conn(), row)
        .await?
        .is_none()
    {
        return Err(Error::new(
            ErrorCode::ResourceExists,
            format!(
                "You can't use ClientRequestToken {token} because that value is already in use for a version of this secret."
            ),
        ));
    }
    coffer_store::set_labels(op.tx.conn(), row.secret_id, &[(AWSPENDING, token)]).await?;
    Ok(())
}

/// Records the job that drives a rotation (or, for a `trial`, the configuration test: its
/// one step is testSecret), with its RotationStarted / TestRotationStarted event.
async fn insert_job(
    op: &mut Op<'_>,
    secret: &SecretRow,
    token: &str,
    lambda_arn: &str,
    trial: bool,
) -> Result<()> {
    let action = if trial {
        "TestRotationStarted"
    } else {
        "RotationStarted"
    };
    let job = job_row(secret.id, token, lambda_arn, trial, op.now);
    coffer_store::insert_rotation_job(op.tx.conn(), &job)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                previous_rotation_incomplete()
            } else {
                e.into()
            }
        })?;
    let mut e = rotation_event(action, secret, token);
    e.detail("rotationLambdaARN", lambda_arn);
    op.extra_events.push(e.ok());
    Ok(())
}

/// A new job, due now: a rotation starts at createSecret, a trial runs testSecret alone.
fn job_row(secret_id: i64, token: &str, lambda_arn: &str, trial: bool, now: i64) -> RotationJobRow {
    let step = if trial {
        RotationStep::TestSecret
    } else {
        RotationStep::CreateSecret
    };
    RotationJobRow {
        secret_id,
        token: token.to_owned(),
        lambda_arn: lambda_arn.to_owned(),
        step: step.as_str().to_owned(),
        state: "running".into(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        lease_owner: None,
        lease_until: None,
        started_at: now,
        updated_at: now,
        trial,
    }
}

/// An audit event of the rotation machinery itself (principal `coffer`) about `secret`'s
/// version `token`.
fn rotation_event(action: &'static str, secret: &SecretRow, token: &str) -> EventDraft {
    let mut e = EventDraft::new(action);
    e.region = Some(secret.region.clone());
    e.resource_arn = Some(secret.arn.clone());
    e.version_id = Some(token.to_owned());
    e.principal = Some("coffer".into());
    e.allow("rotation");
    e
}

/// The secret being rotated, checked against its seal: its labels and rotation settings
/// decide what the step does.
async fn find_secret_by_id(op: &mut Op<'_>, secret_id: i64) -> Result<Option<SecretRow>> {
    let found = coffer_store::find_secret_by_id(op.tx.conn(), secret_id).await?;
    if found.is_some() {
        let unit = coffer_store::Unit::Secret(secret_id);
        crate::integrity::verify(op.tx.conn(), &op.keys, &unit).await?;
    }
    Ok(found)
}
