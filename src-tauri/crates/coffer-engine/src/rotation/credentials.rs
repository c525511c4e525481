//! Execution roles: the identity a rotation function acts under, as an AWS rotation Lambda
//! acts under its execution role.
//!
//! A rotator never acts as Coffer. Each of its reads and writes — the rotated secret, and
//! the `masterarn` admin secret of the alternating-users strategy — passes the one
//! enforcement point as its execution role, so it can do no more than that role may:
//!
//! - a function registered with `coffer lambda create-function --role …` (a command, or a
//!   built-in deployed with `--template`) acts under the role it names (registering it needs
//!   `iam:PassRole` on that role, as on AWS);
//! - a built-in rotator named directly in RotateSecret acts under a role Coffer makes for
//!   that secret alone (path [`ROTATION_ROLE_PATH`]), allowed only the rotation actions on
//!   that secret. Reading another secret (an admin `masterarn`) needs a grant to that role —
//!   a policy attached to it, or the other secret's resource policy naming it — exactly as an
//!   AWS rotation Lambda's role needs one.
//!
//! A command runs in another process and calls back through the API, so each of its steps
//! gets a fresh access key of its role that expires a minute after the function's timeout
//! and is deleted when the step returns (the next mint deletes keys a stopped process left).

use std::time::Duration;

use coffer_store::{PrincipalRow, SecretRow};
use serde_json::json;

use super::rotator::ApiAccess;
use crate::audit::EventDraft;
use crate::error::{Error, Result};
use crate::iam::{PrincipalKind, new_access_key, random_id};
use crate::{Engine, Op};

/// The IAM path of the roles Coffer makes for secrets rotated by a built-in rotator.
pub const ROTATION_ROLE_PATH: &str = "/coffer-rotation/";
/// How long a minted key outlives the function's timeout.
const GRACE: Duration = Duration::from_secs(60);
/// The inline policy's name on a role Coffer makes.
const POLICY_NAME: &str = "rotate-this-secret";

/// The actions a rotation function calls on its own secret (AWS's rotation templates call
/// the same; GetRandomPassword has no resource).
const ROTATION_ACTIONS: [&str; 4] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
];

/// The policy document that lets a role rotate `secret_arn` and nothing else.
fn rotation_policy_document(secret_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RotateThisSecret",
                "Effect": "Allow",
                "Action": ROTATION_ACTIONS,
                "Resource": secret_arn,
            },
            {
                "Sid": "GeneratePasswords",
                "Effect": "Allow",
                "Action": "secretsmanager:GetRandomPassword",
                "Resource": "*",
            }
        ]
    })
    .to_string()
}

/// A role name for `secret_name`'s rotations: readable, at most 64 characters of IAM's
/// role-name alphabet, and unique by its random tail.
fn role_name(secret_name: &str) -> String {
    let readable: String = secret_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let tail = uuid::Uuid::new_v4().simple().to_string();
    format!("rotation-{readable}-{}", &tail[..12])
}

impl Engine {
    /// The role a built-in rotator named directly acts under for `secret`: `recorded` (the
    /// rotation configuration's) while it still exists, else a new role allowed only the
    /// rotation actions on this secret, made in the op's transaction with its own
    /// CreateRole event.
    pub(crate) async fn ensure_rotation_role(
        &self,
        op: &mut Op<'_>,
        secret: &SecretRow,
        recorded: Option<&str>,
    ) -> Result<String> {
        if let Some(arn) = recorded {
            if coffer_store::find_principal_by_arn(op.tx.conn(), arn)
                .await?
                .is_some_and(|p| p.kind == PrincipalKind::Role.as_str())
            {
                return Ok(arn.to_owned());
            }
        }
        let kind = PrincipalKind::Role;
        let name = role_name(&secret.name);
        let role = PrincipalRow {
            id: 0,
            kind: kind.as_str().into(),
            name: name.clone(),
            path: ROTATION_ROLE_PATH.into(),
            arn: self.principal_arn(kind, ROTATION_ROLE_PATH, &name),
            unique_id: random_id(kind.id_prefix()),
            description: Some(format!(
                "Execution role of the built-in rotation of {}",
                secret.arn
            )),
            created_at: op.now,
        };
        let role_id = coffer_store::insert_principal(op.tx.conn(), &role).await?;
        coffer_store::put_inline_policy(
            op.tx.conn(),
            role_id,
            POLICY_NAME,
            &rotation_policy_document(&secret.arn),
        )
        .await?;
        let mut e = EventDraft::new("CreateRole");
        e.region = Some(secret.region.clone());
        e.resource_arn = Some(role.arn.clone());
        e.principal = Some("coffer".into());
        e.allow("execution role of a built-in rotation");
        e.detail("secretArn", secret.arn.as_str());
        op.extra_events.push(e.ok());
        Ok(role.arn)
    }

    /// Mints an access key of `role_arn` for one step of a custom rotator on `secret`,
    /// valid for at most `timeout` plus a minute; `None` when no API endpoint is running to
    /// use it with.
    pub(crate) async fn mint_api_access(
        &self,
        role_arn: &str,
        secret: &SecretRow,
        timeout: Duration,
    ) -> Result<Option<ApiAccess>> {
        let endpoint = self
            .inner
            .rotation
            .api_endpoint
            .read()
            .expect("endpoint lock")
            .clone();
        let Some(endpoint) = endpoint else {
            return Ok(None);
        };
        let ctx = super::protocol::rotation_ctx(&secret.region);
        let mut op = self.begin(&ctx, "CreateAccessKey").await?;
        let result = async {
            op.event.allow("rotation step credentials");
            op.event.resource_arn = Some(role_arn.to_owned());
            // What a stopped process left behind no longer authenticates; it goes.
            coffer_store::delete_expired_access_keys(op.tx.conn(), op.now).await?;
            let role = coffer_store::find_principal_by_arn(op.tx.conn(), role_arn)
                .await?
                .filter(|p| p.kind == PrincipalKind::Role.as_str())
                .ok_or_else(|| {
                    Error::invalid_request(format!(
                        "The execution role {role_arn} doesn't exist: give the function an existing role."
                    ))
                })?;
            let lifetime = i64::try_from((timeout + GRACE).as_millis()).unwrap_or(i64::MAX);
            let expires_at = op.now.saturating_add(lifetime);
            let (key, secret_access_key) =
                new_access_key(&op.keys, role.id, op.now, Some(expires_at))?;
            let access_key_id = key.access_key_id.clone();
            coffer_store::insert_access_key(op.tx.conn(), &key).await?;
            op.event.detail("accessKeyId", access_key_id.as_str());
            op.event.detail("secretArn", secret.arn.as_str());
            op.event.detail(
                "expiresAt",
                crate::clock::from_millis(expires_at).to_rfc3339(),
            );
            let secret_access_key = secret_access_key
                .expose_str()
                .map_err(Error::internal)?
                .to_owned();
            Ok(Some(ApiAccess {
                endpoint,
                region: secret.region.clone(),
                access_key_id,
                secret_access_key,
            }))
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes the key minted for one step. A failure (the store sealed meanwhile) is not
    /// the step's failure: its audit event records it, the key expires by itself and the
    /// next mint removes it.
    pub(crate) async fn revoke_api_access(&self, access: &ApiAccess) {
        let _ = self.delete_step_key(access).await;
    }

    async fn delete_step_key(&self, access: &ApiAccess) -> Result<()> {
        let ctx = super::protocol::rotation_ctx(&access.region);
        let mut op = self.begin(&ctx, "DeleteAccessKey").await?;
        let result = async {
            op.event.allow("rotation step credentials");
            op.event
                .detail("accessKeyId", access.access_key_id.as_str());
            // Only a minted (expiring) key: never a key someone made by hand.
            if let Some(key) =
                coffer_store::find_access_key(op.tx.conn(), &access.access_key_id).await?
            {
                if key.expires_at.is_some() {
                    coffer_store::delete_access_key(op.tx.conn(), &key.access_key_id).await?;
                }
            }
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }
}
