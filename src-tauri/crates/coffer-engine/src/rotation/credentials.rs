//! Short-lived API credentials for one step of a custom rotator, as AWS gives a rotation
//! Lambda its execution role.
//!
//! Each step gets a role of its own under the path `/coffer-rotation/`, with one inline
//! policy that allows only what a rotation function needs on *that* secret
//! (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage, and
//! GetRandomPassword, which has no resource), and one access key that expires a minute after
//! the function's timeout. The role is deleted as soon as the step returns; if the process
//! stops mid-step the key still stops authenticating at its expiry, and the next mint
//! deletes what is left. Minting and revoking are audited (CreateAccessKey, DeleteRole).

use std::time::Duration;

use coffer_store::{PrincipalRow, SecretRow};
use serde_json::json;

use super::rotator::ApiAccess;
use crate::Engine;
use crate::error::{Error, Result};
use crate::iam::{PrincipalKind, new_access_key, random_id};

/// The IAM path of minted rotation roles.
pub const ROTATION_ROLE_PATH: &str = "/coffer-rotation/";
/// How long a minted key outlives the function's timeout.
const GRACE: Duration = Duration::from_secs(60);
/// The inline policy's name.
const POLICY_NAME: &str = "rotation-step";

/// The actions a rotation function may call on its secret.
const SECRET_ACTIONS: [&str; 4] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
];

/// The policy document of a rotation role for `secret_arn`.
fn policy_document(secret_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RotateThisSecret",
                "Effect": "Allow",
                "Action": SECRET_ACTIONS,
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

impl Engine {
    /// Mints credentials for one step of a custom rotator on `secret`, valid for at most
    /// `timeout` plus a minute; `None` when no API endpoint is running to use them with.
    pub(crate) async fn mint_api_access(
        &self,
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
            // What a stopped process left behind: its keys no longer authenticate.
            for id in
                coffer_store::principals_with_expired_keys(op.tx.conn(), ROTATION_ROLE_PATH, op.now)
                    .await?
            {
                coffer_store::delete_principal(op.tx.conn(), id).await?;
            }
            let name = format!("rotation-{}", uuid::Uuid::new_v4().simple());
            let kind = PrincipalKind::Role;
            let role = PrincipalRow {
                id: 0,
                kind: kind.as_str().into(),
                name: name.clone(),
                path: ROTATION_ROLE_PATH.into(),
                arn: self.principal_arn(kind, ROTATION_ROLE_PATH, &name),
                unique_id: random_id(kind.id_prefix()),
                description: Some(format!("Rotation step of {}", secret.arn)),
                created_at: op.now,
            };
            let role_id = coffer_store::insert_principal(op.tx.conn(), &role).await?;
            coffer_store::put_inline_policy(
                op.tx.conn(),
                role_id,
                POLICY_NAME,
                &policy_document(&secret.arn),
            )
            .await?;
            let lifetime = i64::try_from((timeout + GRACE).as_millis()).unwrap_or(i64::MAX);
            let expires_at = op.now.saturating_add(lifetime);
            let (key, secret_access_key) =
                new_access_key(&op.keys, role_id, op.now, Some(expires_at))?;
            let access_key_id = key.access_key_id.clone();
            coffer_store::insert_access_key(op.tx.conn(), &key).await?;
            op.event.resource_arn = Some(role.arn.clone());
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

    /// Deletes the role (with its key and policy) minted for one step. A failure (the
    /// store sealed meanwhile) is not the step's failure: its audit event records it, the
    /// key expires by itself and the next mint removes what is left.
    pub(crate) async fn revoke_api_access(&self, access: &ApiAccess) {
        let _ = self.delete_rotation_role(access).await;
    }

    async fn delete_rotation_role(&self, access: &ApiAccess) -> Result<()> {
        let ctx = super::protocol::rotation_ctx(&access.region);
        let mut op = self.begin(&ctx, "DeleteRole").await?;
        let result = async {
            op.event.allow("rotation step credentials");
            op.event
                .detail("accessKeyId", access.access_key_id.as_str());
            let Some(key) =
                coffer_store::find_access_key(op.tx.conn(), &access.access_key_id).await?
            else {
                return Ok(());
            };
            let Some(role) = coffer_store::find_principal_by_id(op.tx.conn(), key.principal_id)
                .await?
                .filter(|p| p.path == ROTATION_ROLE_PATH)
            else {
                return Ok(());
            };
            op.event.resource_arn = Some(role.arn.clone());
            coffer_store::delete_principal(op.tx.conn(), role.id).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }
}
