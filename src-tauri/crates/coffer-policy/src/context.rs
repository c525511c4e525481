//! The request as the evaluator sees it: who, what, on which resource, and the condition keys.
//!
//! Every key value is a string, as on the wire; each operator parses the values it reads
//! (`NumericLessThan` a decimal, `DateGreaterThan` ISO 8601 or epoch seconds, `IpAddress` an
//! address, `Bool` `true`/`false`). A value that does not parse as the operator's type matches no
//! policy value, so the positive operator is false and its negated twin is true.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};

/// Names of the condition keys Coffer fills (case as AWS documents them; lookups ignore case).
pub mod keys {
    /// ARN of the caller (`arn:aws:iam::111122223333:user/alice`).
    pub const PRINCIPAL_ARN: &str = "aws:PrincipalArn";
    /// Account id of the caller.
    pub const PRINCIPAL_ACCOUNT: &str = "aws:PrincipalAccount";
    /// `User`, `Account` (root), `AssumedRole`, …
    pub const PRINCIPAL_TYPE: &str = "aws:PrincipalType";
    /// `aws:PrincipalTag/<key>`: prefix of the caller's tags.
    pub const PRINCIPAL_TAG_PREFIX: &str = "aws:PrincipalTag/";
    /// The IAM user name (users only).
    pub const USERNAME: &str = "aws:username";
    /// The caller's unique id.
    pub const USERID: &str = "aws:userid";
    /// Request time, ISO 8601 UTC.
    pub const CURRENT_TIME: &str = "aws:CurrentTime";
    /// Request time, epoch seconds.
    pub const EPOCH_TIME: &str = "aws:EpochTime";
    /// The client's IP address.
    pub const SOURCE_IP: &str = "aws:SourceIp";
    /// `true` when the request came over TLS.
    pub const SECURE_TRANSPORT: &str = "aws:SecureTransport";
    /// When temporary credentials were issued.
    pub const TOKEN_ISSUE_TIME: &str = "aws:TokenIssueTime";
    /// `aws:RequestTag/<key>`: prefix of the tags in the request.
    pub const REQUEST_TAG_PREFIX: &str = "aws:RequestTag/";
    /// The tag keys in the request (multi-valued).
    pub const TAG_KEYS: &str = "aws:TagKeys";
    /// `aws:ResourceTag/<key>`: prefix of the secret's tags (global form).
    pub const AWS_RESOURCE_TAG_PREFIX: &str = "aws:ResourceTag/";
    /// `secretsmanager:ResourceTag/<key>`: prefix of the secret's tags.
    pub const RESOURCE_TAG_PREFIX: &str = "secretsmanager:ResourceTag/";
    /// The secret's ARN (ARN-typed).
    pub const SECRET_ID: &str = "secretsmanager:SecretId";
    /// `Name` of CreateSecret.
    pub const NAME: &str = "secretsmanager:Name";
    /// `Description` of CreateSecret/UpdateSecret.
    pub const DESCRIPTION: &str = "secretsmanager:Description";
    /// `KmsKeyId` of CreateSecret/UpdateSecret.
    pub const KMS_KEY_ID: &str = "secretsmanager:KmsKeyId";
    /// `VersionId` of GetSecretValue.
    pub const VERSION_ID: &str = "secretsmanager:VersionId";
    /// `VersionStage` of GetSecretValue/UpdateSecretVersionStage.
    pub const VERSION_STAGE: &str = "secretsmanager:VersionStage";
    /// The secret's rotation function (for Coffer: its rotation strategy/connector id).
    pub const ALLOW_ROTATION_LAMBDA_ARN: &str = "secretsmanager:resource/AllowRotationLambdaArn";
    /// `RotationLambdaARN` of RotateSecret (ARN-typed).
    pub const ROTATION_LAMBDA_ARN: &str = "secretsmanager:RotationLambdaARN";
    /// `RecoveryWindowInDays` of DeleteSecret (numeric).
    pub const RECOVERY_WINDOW_IN_DAYS: &str = "secretsmanager:RecoveryWindowInDays";
    /// `ForceDeleteWithoutRecovery` of DeleteSecret (bool).
    pub const FORCE_DELETE_WITHOUT_RECOVERY: &str = "secretsmanager:ForceDeleteWithoutRecovery";
    /// `BlockPublicPolicy` of PutResourcePolicy (bool).
    pub const BLOCK_PUBLIC_POLICY: &str = "secretsmanager:BlockPublicPolicy";
    /// `AddReplicaRegions` of CreateSecret (multi-valued).
    pub const ADD_REPLICA_REGIONS: &str = "secretsmanager:AddReplicaRegions";
    /// `ForceOverwriteReplicaSecret` of CreateSecret (bool).
    pub const FORCE_OVERWRITE_REPLICA_SECRET: &str = "secretsmanager:ForceOverwriteReplicaSecret";
    /// `RotationRules` given to RotateSecret (string).
    pub const MODIFY_ROTATION_RULES: &str = "secretsmanager:ModifyRotationRules";
    /// `RotateImmediately` of RotateSecret (bool).
    pub const ROTATE_IMMEDIATELY: &str = "secretsmanager:RotateImmediately";
}

/// One request to authorize.
///
/// `keys` maps **lowercased** condition-key names to their values: empty or absent means the
/// key is not in the request (what `Null: true` tests); several values make a multi-valued key
/// such as `aws:TagKeys`. Use the setters, which lowercase the name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    /// The caller's ARN: `arn:aws:iam::<account>:user/<name>`, `…:root`, a role session, or a
    /// service principal name such as `secretsmanager.amazonaws.com`.
    pub principal_arn: String,
    /// The account the request is evaluated in (the caller's and the secret's).
    pub account_id: String,
    /// `service:Action`, e.g. `secretsmanager:GetSecretValue`.
    pub action: String,
    /// The secret's ARN, or `*` for actions without a resource (ListSecrets).
    pub resource: String,
    /// Condition keys: lowercased name → values.
    pub keys: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    /// A request with the principal keys filled from `principal_arn`: `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType` and, for IAM users, `aws:username`.
    pub fn new(
        principal_arn: impl Into<String>,
        account_id: impl Into<String>,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> RequestContext {
        let mut ctx = RequestContext {
            principal_arn: principal_arn.into(),
            account_id: account_id.into(),
            action: action.into(),
            resource: resource.into(),
            keys: BTreeMap::new(),
        };
        let arn = ctx.principal_arn.clone();
        ctx.set(keys::PRINCIPAL_ARN, arn.clone());
        ctx.set(keys::PRINCIPAL_ACCOUNT, ctx.account_id.clone());
        let rest = arn.splitn(6, ':').nth(5).unwrap_or("");
        if rest == "root" {
            ctx.set(keys::PRINCIPAL_TYPE, "Account");
        } else if let Some(path) = rest.strip_prefix("user/") {
            ctx.set(keys::PRINCIPAL_TYPE, "User");
            ctx.set(keys::USERNAME, path.rsplit('/').next().unwrap_or(path));
        } else if rest.starts_with("assumed-role/") {
            ctx.set(keys::PRINCIPAL_TYPE, "AssumedRole");
        }
        ctx
    }

    /// Sets a single-valued key (replacing earlier values). Key names are case-insensitive.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }

    /// Sets a multi-valued key; an empty list removes the key.
    pub fn set_values<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        if values.is_empty() {
            self.keys.remove(&key.to_ascii_lowercase());
        } else {
            self.keys.insert(key.to_ascii_lowercase(), values);
        }
        self
    }

    /// Adds a value to a key, keeping the values it has. Key names are case-insensitive
    /// while tag keys are not, so the tags `env` and `Env` both land in
    /// `aws:ResourceTag/env`: the key then has both values, and a condition on either one
    /// matches (setting one after the other would let the second hide the first).
    pub fn add(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
        self
    }

    /// Sets a boolean key as `true`/`false`.
    pub fn set_bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.set(key, if value { "true" } else { "false" })
    }

    /// Sets a numeric key.
    pub fn set_number(&mut self, key: &str, value: i64) -> &mut Self {
        self.set(key, value.to_string())
    }

    /// Sets `aws:CurrentTime` (ISO 8601, seconds, `Z`) and `aws:EpochTime` from `now`.
    pub fn set_time(&mut self, now: DateTime<Utc>) -> &mut Self {
        self.set(
            keys::CURRENT_TIME,
            now.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
        self.set(keys::EPOCH_TIME, now.timestamp().to_string())
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        self.keys.remove(&key.to_ascii_lowercase());
        self
    }

    /// A key's values (empty when absent). Key names are case-insensitive.
    pub fn get(&self, key: &str) -> &[String] {
        let found = match self.keys.get(key) {
            Some(v) => Some(v),
            None => self.keys.get(&key.to_ascii_lowercase()),
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// Whether the caller is the account root user of `account_id`.
    pub fn is_account_root(&self) -> bool {
        self.principal_arn == format!("arn:aws:iam::{}:root", self.account_id)
    }
}
