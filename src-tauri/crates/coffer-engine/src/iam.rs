//! Identity and access: IAM-like users, roles and groups with tags, inline and managed
//! identity policies, and access keys for the API.
//!
//! IAM is global to the store (no region). Every operation here is itself authorized
//! (`iam:*` actions) and audited, like every other engine operation. Access-key secrets are
//! shown once at creation and stored sealed under a key derived from the root key; a key
//! that is deactivated or deleted fails authentication on the very next request, because
//! [`Engine::authenticate`] reads the row every time.

use chrono::{DateTime, Utc};
use coffer_crypto::SecretBytes;
use coffer_policy::{Policy, PolicyKind};
use coffer_store::{AccessKeyRow, ManagedPolicyRow, PrincipalRow};
use rand::Rng;

use crate::clock::from_millis;
use crate::error::{Error, ErrorCode, Result};
use crate::identity_cache::VerifiedKey;
use crate::keyring::Keyring;
use crate::secrets::Tag;
use crate::{Engine, Op, RequestContext};

/// The three kinds of IAM principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A person or application with long-term access keys.
    User,
    /// A role (Coffer lets roles hold access keys too, for services).
    Role,
    /// A group of users that shares policies.
    Group,
}

impl PrincipalKind {
    /// `user`, `role`, `group` (the ARN resource type and the stored kind).
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::Group => "group",
        }
    }

    pub(crate) fn id_prefix(self) -> &'static str {
        match self {
            PrincipalKind::User => "AIDA",
            PrincipalKind::Role => "AROA",
            PrincipalKind::Group => "AGPA",
        }
    }

    fn max_name(self) -> usize {
        match self {
            PrincipalKind::Group => 128,
            _ => 64,
        }
    }

    fn parse(s: &str) -> Option<PrincipalKind> {
        match s {
            "user" => Some(PrincipalKind::User),
            "role" => Some(PrincipalKind::Role),
            "group" => Some(PrincipalKind::Group),
            _ => None,
        }
    }
}

/// A principal as shown to callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInfo {
    /// Kind.
    pub kind: PrincipalKind,
    /// Name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// ARN.
    pub arn: String,
    /// Unique id (`AIDA…`).
    pub unique_id: String,
    /// Created.
    pub create_date: DateTime<Utc>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// An access key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyInfo {
    /// `AKIA…`.
    pub access_key_id: String,
    /// The owner's name.
    pub owner_name: String,
    /// The owner's kind.
    pub owner_kind: PrincipalKind,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Created.
    pub create_date: DateTime<Utc>,
    /// Last authenticated use.
    pub last_used_date: Option<DateTime<Utc>>,
    /// Region of the last use.
    pub last_used_region: Option<String>,
}

/// A new access key: the only time its secret is ever returned.
#[derive(Debug)]
pub struct NewAccessKey {
    /// The key's metadata.
    pub info: AccessKeyInfo,
    /// The secret access key (40 characters).
    pub secret_access_key: SecretBytes,
}

/// A managed policy as shown to callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// `ANPA…`.
    pub policy_id: String,
    /// Description.
    pub description: Option<String>,
    /// The JSON document.
    pub document: String,
    /// Principals it is attached to.
    pub attachment_count: i64,
    /// Created.
    pub create_date: DateTime<Utc>,
    /// Last changed.
    pub update_date: DateTime<Utc>,
}

/// An authenticated API caller: what SigV4 verification needs and what the request context
/// becomes.
#[derive(Debug)]
pub struct Credential {
    /// The principal's ARN.
    pub principal_arn: String,
    /// The secret access key, for the signature check.
    pub secret_access_key: SecretBytes,
    /// The store state the key was verified against: the request's
    /// [`RequestContext::as_of`], so that it reads the store's counters only once.
    pub as_of: crate::AsOf,
}

pub(crate) fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::rng();
    let rest: String = (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{rest}")
}

/// A new active access key for `principal_id` (the row to insert, with its secret sealed
/// under the root key) and the secret itself, to show once.
pub(crate) fn new_access_key(
    keys: &Keyring,
    principal_id: i64,
    now: i64,
    expires_at: Option<i64>,
) -> Result<(AccessKeyRow, SecretBytes)> {
    let id = random_id("AKIA");
    let secret = random_secret();
    let sealed = keys
        .root()
        .access_key_wrapping_key()
        .encrypt(&id, &secret)
        .map_err(Error::internal)?;
    let row = AccessKeyRow {
        access_key_id: id,
        principal_id,
        sealed_secret: sealed,
        status: "Active".into(),
        created_at: now,
        last_used_at: None,
        last_used_region: None,
        last_used_service: None,
        expires_at,
    };
    Ok((row, secret))
}

fn random_secret() -> SecretBytes {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    SecretBytes::new(
        (0..40)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect(),
    )
}

fn validate_entity_name(kind: PrincipalKind, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= kind.max_name()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !ok {
        return Err(Error::validation(
            &format!("{}Name", kind.as_str()),
            &format!(
                "Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and {}",
                kind.max_name()
            ),
        ));
    }
    Ok(())
}

fn validate_policy_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !ok {
        return Err(Error::validation(
            "policyName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 128",
        ));
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<()> {
    let ok = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !ok {
        return Err(Error::validation(
            "path",
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ));
    }
    Ok(())
}

/// Checks an identity policy document (IAM's limit is 6,144 characters for a user's inline
/// policies; Coffer applies it per document).
pub(crate) fn parse_identity_policy(document: &str) -> Result<Policy> {
    if document.chars().count() > 6144 {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            "Cannot exceed quota for PolicySize: 6144",
        ));
    }
    Policy::parse(document, PolicyKind::Identity)
        .map_err(|e| Error::new(ErrorCode::MalformedIamPolicy, e.message))
}

fn no_such(kind: &str, name: &str) -> Error {
    Error::new(
        ErrorCode::NoSuchEntity,
        format!("The {kind} with name {name} cannot be found."),
    )
}

impl Engine {
    fn principal_info(&self, row: PrincipalRow, tags: Vec<(String, String)>) -> PrincipalInfo {
        PrincipalInfo {
            kind: PrincipalKind::parse(&row.kind).unwrap_or(PrincipalKind::User),
            name: row.name,
            path: row.path,
            arn: row.arn,
            unique_id: row.unique_id,
            create_date: from_millis(row.created_at),
            tags: tags.into_iter().map(|(k, v)| Tag::new(k, v)).collect(),
        }
    }

    async fn require_principal(
        &self,
        op: &mut Op<'_>,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<PrincipalRow> {
        let row = coffer_store::find_principal(op.tx.conn(), kind.as_str(), name)
            .await?
            .ok_or_else(|| no_such(kind.as_str(), name))?;
        op.event.resource_arn = Some(row.arn.clone());
        Ok(row)
    }

    /// The ARN a request about principal `name` is authorized against: the principal's
    /// own (with its path) when it exists, else the one it would have at path `/`.
    async fn principal_resource(
        &self,
        op: &mut Op<'_>,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<String> {
        Ok(
            match coffer_store::find_principal(op.tx.conn(), kind.as_str(), name).await? {
                Some(row) => row.arn,
                None => self.principal_arn(kind, "/", name),
            },
        )
    }

    pub(crate) fn principal_arn(&self, kind: PrincipalKind, path: &str, name: &str) -> String {
        format!(
            "arn:aws:iam::{}:{}{}{}",
            self.inner.account_id,
            kind.as_str(),
            path,
            name
        )
    }

    /// CreateUser / CreateRole / CreateGroup.
    pub async fn create_principal(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
        path: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<PrincipalInfo> {
        let action = match kind {
            PrincipalKind::User => "CreateUser",
            PrincipalKind::Role => "CreateRole",
            PrincipalKind::Group => "CreateGroup",
        };
        let mut op = self.begin(ctx, action).await?;
        let result = async {
            let path = path.unwrap_or("/");
            let arn = self.principal_arn(kind, path, name);
            self.authorize(&mut op, Some(&arn)).await?;
            validate_entity_name(kind, name)?;
            validate_path(path)?;
            crate::secrets::validate_tags(&tags)?;
            if kind == PrincipalKind::Group && !tags.is_empty() {
                return Err(Error::invalid_parameter("Groups cannot be tagged."));
            }
            if coffer_store::find_principal(op.tx.conn(), kind.as_str(), name)
                .await?
                .is_some()
            {
                return Err(Error::new(
                    ErrorCode::EntityAlreadyExists,
                    format!(
                        "{} with name {name} already exists.",
                        capitalize(kind.as_str())
                    ),
                ));
            }
            let row = PrincipalRow {
                id: 0,
                kind: kind.as_str().into(),
                name: name.into(),
                path: path.into(),
                arn,
                unique_id: random_id(kind.id_prefix()),
                description: None,
                created_at: op.now,
            };
            let id = coffer_store::insert_principal(op.tx.conn(), &row).await?;
            for t in &tags {
                coffer_store::upsert_principal_tag(op.tx.conn(), id, &t.key, &t.value).await?;
            }
            op.event.resource_arn = Some(row.arn.clone());
            let tags = coffer_store::list_principal_tags(op.tx.conn(), id).await?;
            Ok(self.principal_info(row, tags))
        }
        .await;
        self.finish(op, result).await
    }

    /// GetUser / GetRole / GetGroup.
    pub async fn get_principal(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<PrincipalInfo> {
        let mut op = self.begin(ctx, "GetPrincipal").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let row = self.require_principal(&mut op, kind, name).await?;
            let tags = coffer_store::list_principal_tags(op.tx.conn(), row.id).await?;
            Ok(self.principal_info(row, tags))
        }
        .await;
        self.finish(op, result).await
    }

    /// ListUsers / ListRoles / ListGroups.
    pub async fn list_principals(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
    ) -> Result<Vec<PrincipalInfo>> {
        let mut op = self.begin(ctx, "ListPrincipals").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let rows = coffer_store::list_principals(op.tx.conn(), kind.as_str()).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let tags = coffer_store::list_principal_tags(op.tx.conn(), r.id).await?;
                out.push(self.principal_info(r, tags));
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// DeleteUser / DeleteRole / DeleteGroup. Like IAM, refuses while access keys, inline
    /// policies or attached policies remain (DeleteConflict), so nothing is lost silently.
    pub async fn delete_principal(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<()> {
        let mut op = self.begin(ctx, "DeletePrincipal").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let row = self.require_principal(&mut op, kind, name).await?;
            let conn = op.tx.conn();
            let busy = !coffer_store::list_access_keys(conn, row.id).await?.is_empty()
                || !coffer_store::list_inline_policies(conn, row.id).await?.is_empty()
                || !coffer_store::attached_policies(conn, row.id).await?.is_empty()
                || (kind == PrincipalKind::Group && !coffer_store::members_of(conn, row.id).await?.is_empty());
            if busy {
                return Err(Error::new(
                    ErrorCode::DeleteConflict,
                    format!(
                        "Cannot delete entity, must delete access keys, policies and group memberships first ({} {name}).",
                        kind.as_str()
                    ),
                ));
            }
            coffer_store::delete_principal(op.tx.conn(), row.id).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// AddUserToGroup / RemoveUserFromGroup.
    pub async fn set_group_membership(
        &self,
        ctx: &RequestContext,
        group: &str,
        user: &str,
        member: bool,
    ) -> Result<()> {
        let action = if member {
            "AddUserToGroup"
        } else {
            "RemoveUserFromGroup"
        };
        let mut op = self.begin(ctx, action).await?;
        let result = async {
            let arn = self
                .principal_resource(&mut op, PrincipalKind::Group, group)
                .await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let u = self
                .require_principal(&mut op, PrincipalKind::User, user)
                .await?;
            let g = self
                .require_principal(&mut op, PrincipalKind::Group, group)
                .await?;
            op.event.detail("userArn", u.arn.clone());
            if member {
                coffer_store::add_group_member(op.tx.conn(), g.id, u.id).await?;
            } else {
                coffer_store::remove_group_member(op.tx.conn(), g.id, u.id).await?;
            }
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// The groups a user belongs to (ListGroupsForUser).
    pub async fn groups_for_user(
        &self,
        ctx: &RequestContext,
        user: &str,
    ) -> Result<Vec<PrincipalInfo>> {
        let mut op = self.begin(ctx, "ListGroupsForUser").await?;
        let result = async {
            let arn = self
                .principal_resource(&mut op, PrincipalKind::User, user)
                .await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let u = self
                .require_principal(&mut op, PrincipalKind::User, user)
                .await?;
            let rows = coffer_store::groups_of(op.tx.conn(), u.id).await?;
            Ok(rows
                .into_iter()
                .map(|r| self.principal_info(r, Vec::new()))
                .collect())
        }
        .await;
        self.finish(op, result).await
    }

    /// PutUserPolicy / PutRolePolicy / PutGroupPolicy: creates or replaces an inline policy.
    pub async fn put_principal_policy(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<()> {
        let mut op = self.begin(ctx, "PutPrincipalPolicy").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            validate_policy_name(policy_name)?;
            parse_identity_policy(document)?;
            let row = self.require_principal(&mut op, kind, name).await?;
            op.event.detail("policyName", policy_name);
            coffer_store::put_inline_policy(op.tx.conn(), row.id, policy_name, document).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// DeleteUserPolicy / DeleteRolePolicy / DeleteGroupPolicy.
    pub async fn delete_principal_policy(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
        policy_name: &str,
    ) -> Result<()> {
        let mut op = self.begin(ctx, "DeletePrincipalPolicy").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let row = self.require_principal(&mut op, kind, name).await?;
            op.event.detail("policyName", policy_name);
            if !coffer_store::delete_inline_policy(op.tx.conn(), row.id, policy_name).await? {
                return Err(no_such("policy", policy_name));
            }
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// A principal's inline policies: `(name, document)`.
    pub async fn list_principal_policies(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Vec<(String, String)>> {
        let mut op = self.begin(ctx, "ListPrincipalPolicies").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let row = self.require_principal(&mut op, kind, name).await?;
            Ok(coffer_store::list_inline_policies(op.tx.conn(), row.id).await?)
        }
        .await;
        self.finish(op, result).await
    }

    fn policy_info(row: ManagedPolicyRow, attachment_count: i64) -> ManagedPolicyInfo {
        ManagedPolicyInfo {
            name: row.name,
            arn: row.arn,
            policy_id: row.policy_id,
            description: row.description,
            document: row.document,
            attachment_count,
            create_date: from_millis(row.created_at),
            update_date: from_millis(row.updated_at),
        }
    }

    /// CreatePolicy: a managed policy that can be attached to many principals.
    pub async fn create_policy(
        &self,
        ctx: &RequestContext,
        name: &str,
        document: &str,
        description: Option<String>,
    ) -> Result<ManagedPolicyInfo> {
        let mut op = self.begin(ctx, "CreatePolicy").await?;
        let result = async {
            let arn = format!("arn:aws:iam::{}:policy/{name}", self.inner.account_id);
            self.authorize(&mut op, Some(&arn)).await?;
            validate_policy_name(name)?;
            parse_identity_policy(document)?;
            if coffer_store::find_managed_policy(op.tx.conn(), &arn)
                .await?
                .is_some()
            {
                return Err(Error::new(
                    ErrorCode::EntityAlreadyExists,
                    format!(
                        "A policy called {name} already exists. Duplicate names are not allowed."
                    ),
                ));
            }
            let mut row = ManagedPolicyRow {
                id: 0,
                name: name.into(),
                arn: arn.clone(),
                policy_id: random_id("ANPA"),
                description,
                document: document.into(),
                created_at: op.now,
                updated_at: op.now,
            };
            row.id = coffer_store::insert_managed_policy(op.tx.conn(), &row).await?;
            op.event.resource_arn = Some(arn);
            Ok(Self::policy_info(row, 0))
        }
        .await;
        self.finish(op, result).await
    }

    /// ListPolicies (the store's managed policies).
    pub async fn list_policies(&self, ctx: &RequestContext) -> Result<Vec<ManagedPolicyInfo>> {
        let mut op = self.begin(ctx, "ListPolicies").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let rows = coffer_store::list_managed_policies(op.tx.conn()).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let n = coffer_store::attachment_count(op.tx.conn(), r.id).await?;
                out.push(Self::policy_info(r, n));
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// DeletePolicy (refused while attached).
    pub async fn delete_policy(&self, ctx: &RequestContext, policy_arn: &str) -> Result<()> {
        let mut op = self.begin(ctx, "DeletePolicy").await?;
        let result = async {
            self.authorize(&mut op, Some(policy_arn)).await?;
            let row = coffer_store::find_managed_policy(op.tx.conn(), policy_arn)
                .await?
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::NoSuchEntity,
                        format!("Policy {policy_arn} was not found."),
                    )
                })?;
            op.event.resource_arn = Some(row.arn.clone());
            if coffer_store::attachment_count(op.tx.conn(), row.id).await? > 0 {
                return Err(Error::new(
                    ErrorCode::DeleteConflict,
                    "Cannot delete a policy attached to entities.",
                ));
            }
            coffer_store::delete_managed_policy(op.tx.conn(), row.id).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// AttachUserPolicy / AttachRolePolicy / AttachGroupPolicy (and Detach…).
    pub async fn set_policy_attachment(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
        policy_arn: &str,
        attached: bool,
    ) -> Result<()> {
        let action = if attached {
            "AttachPrincipalPolicy"
        } else {
            "DetachPrincipalPolicy"
        };
        let mut op = self.begin(ctx, action).await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let row = self.require_principal(&mut op, kind, name).await?;
            let policy = coffer_store::find_managed_policy(op.tx.conn(), policy_arn)
                .await?
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::NoSuchEntity,
                        format!("Policy {policy_arn} does not exist or is not attachable."),
                    )
                })?;
            op.event.detail("policyArn", policy.arn.clone());
            if attached {
                coffer_store::attach_policy(op.tx.conn(), policy.id, row.id).await?;
            } else if !coffer_store::detach_policy(op.tx.conn(), policy.id, row.id).await? {
                return Err(Error::new(
                    ErrorCode::NoSuchEntity,
                    format!("Policy {policy_arn} was not found."),
                ));
            }
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// The managed policies attached to a principal.
    pub async fn attached_policies(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Vec<ManagedPolicyInfo>> {
        let mut op = self.begin(ctx, "ListAttachedPolicies").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let row = self.require_principal(&mut op, kind, name).await?;
            let rows = coffer_store::attached_policies(op.tx.conn(), row.id).await?;
            Ok(rows.into_iter().map(|r| Self::policy_info(r, 1)).collect())
        }
        .await;
        self.finish(op, result).await
    }

    fn key_info(row: AccessKeyRow, owner: &PrincipalRow) -> AccessKeyInfo {
        AccessKeyInfo {
            access_key_id: row.access_key_id,
            owner_name: owner.name.clone(),
            owner_kind: PrincipalKind::parse(&owner.kind).unwrap_or(PrincipalKind::User),
            status: row.status,
            create_date: from_millis(row.created_at),
            last_used_date: row.last_used_at.map(from_millis),
            last_used_region: row.last_used_region,
        }
    }

    /// CreateAccessKey for a user or role. The secret is returned here and never again.
    /// At most two keys per principal, as in IAM.
    pub async fn create_access_key(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<NewAccessKey> {
        let mut op = self.begin(ctx, "CreateAccessKey").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            if kind == PrincipalKind::Group {
                return Err(Error::invalid_parameter("Groups cannot have access keys."));
            }
            let owner = self.require_principal(&mut op, kind, name).await?;
            if coffer_store::list_access_keys(op.tx.conn(), owner.id)
                .await?
                .len()
                >= 2
            {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    "Cannot exceed quota for AccessKeysPerUser: 2",
                ));
            }
            let (row, secret) = new_access_key(&op.keys, owner.id, op.now, None)?;
            coffer_store::insert_access_key(op.tx.conn(), &row).await?;
            op.event.detail("accessKeyId", row.access_key_id.as_str());
            Ok(NewAccessKey {
                info: Self::key_info(row, &owner),
                secret_access_key: secret,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// ListAccessKeys of a user or role.
    pub async fn list_access_keys(
        &self,
        ctx: &RequestContext,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Vec<AccessKeyInfo>> {
        let mut op = self.begin(ctx, "ListAccessKeys").await?;
        let result = async {
            let arn = self.principal_resource(&mut op, kind, name).await?;
            self.authorize(&mut op, Some(&arn)).await?;
            let owner = self.require_principal(&mut op, kind, name).await?;
            let rows = coffer_store::list_access_keys(op.tx.conn(), owner.id).await?;
            Ok(rows
                .into_iter()
                .map(|r| Self::key_info(r, &owner))
                .collect())
        }
        .await;
        self.finish(op, result).await
    }

    /// Finds access key `id` and authorizes the operation on its owner (or, for a key that
    /// does not exist, on the caller itself), so "manage your own access keys" policies on
    /// `user/${aws:username}` work as in IAM.
    async fn require_key(&self, op: &mut Op<'_>, id: &str) -> Result<(AccessKeyRow, PrincipalRow)> {
        let missing = || {
            Error::new(
                ErrorCode::NoSuchEntity,
                format!("The Access Key with id {id} cannot be found."),
            )
        };
        let key = coffer_store::find_access_key(op.tx.conn(), id).await?;
        let owner = match &key {
            Some(k) => coffer_store::find_principal_by_id(op.tx.conn(), k.principal_id).await?,
            None => None,
        };
        let resource = match (&owner, &op.ctx.principal) {
            (Some(o), _) => o.arn.clone(),
            (None, crate::Principal::Arn(me)) => me.clone(),
            (None, _) => "*".to_owned(),
        };
        op.event.detail("accessKeyId", id);
        self.authorize_on(op, &resource, None, &Vec::new()).await?;
        let (Some(key), Some(owner)) = (key, owner) else {
            return Err(missing());
        };
        op.event.resource_arn = Some(owner.arn.clone());
        Ok((key, owner))
    }

    /// UpdateAccessKey: `Active` or `Inactive`. Takes effect on the next request.
    pub async fn update_access_key(
        &self,
        ctx: &RequestContext,
        access_key_id: &str,
        status: &str,
    ) -> Result<()> {
        let mut op = self.begin(ctx, "UpdateAccessKey").await?;
        let result = async {
            if status != "Active" && status != "Inactive" {
                return Err(Error::new(
                    ErrorCode::Validation,
                    format!("1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"),
                ));
            }
            self.require_key(&mut op, access_key_id).await?;
            coffer_store::set_access_key_status(op.tx.conn(), access_key_id, status).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// DeleteAccessKey. Takes effect on the next request.
    pub async fn delete_access_key(&self, ctx: &RequestContext, access_key_id: &str) -> Result<()> {
        let mut op = self.begin(ctx, "DeleteAccessKey").await?;
        let result = async {
            self.require_key(&mut op, access_key_id).await?;
            coffer_store::delete_access_key(op.tx.conn(), access_key_id).await?;
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// Records an authenticated use of an access key (IAM's "last used"), at most once a
    /// minute per key so that a busy client does not turn every request into a write.
    pub async fn record_access_key_use(
        &self,
        access_key_id: &str,
        region: &str,
        service: &str,
    ) -> Result<()> {
        const EVERY_MS: i64 = 60_000;
        let now = self.inner.clock.now().timestamp_millis();
        let recent = |t: i64| now - t < EVERY_MS;
        let known = self.key_last_used(access_key_id);
        if known.is_some_and(recent) {
            return Ok(());
        }
        let mut conn = self.inner.store.read_conn().await?;
        let Some(key) = coffer_store::find_access_key(&mut conn, access_key_id).await? else {
            return Ok(());
        };
        if let Some(t) = key.last_used_at.filter(|t| recent(*t)) {
            self.set_key_last_used(access_key_id, t);
            return Ok(());
        }
        drop(conn);
        let mut tx = self.inner.store.begin_write().await?;
        coffer_store::touch_access_key(tx.conn(), access_key_id, now, region, service).await?;
        tx.commit().await?;
        self.set_key_last_used(access_key_id, now);
        Ok(())
    }

    fn key_last_used(&self, access_key_id: &str) -> Option<i64> {
        let uses = self.inner.key_last_used.lock();
        uses.unwrap_or_else(|p| p.into_inner())
            .get(access_key_id)
            .copied()
    }

    fn set_key_last_used(&self, access_key_id: &str, at: i64) {
        let mut uses = self
            .inner
            .key_last_used
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // Unbounded distinct ids must not grow memory: forgetting costs one query each.
        if uses.len() >= 10_000 {
            uses.clear();
        }
        uses.insert(access_key_id.to_owned(), at);
    }

    /// Looks up an active access key for request signing: the owner's ARN and the secret.
    /// An expired key (minted rotation credentials) does not authenticate.
    /// A deactivated or deleted key fails on the next request: the verification is cached
    /// only for the identity generation it was made under (see `identity_cache`). `None`
    /// for an unknown or inactive key (the caller answers UnrecognizedClientException).
    pub async fn authenticate(&self, access_key_id: &str) -> Result<Option<Credential>> {
        let cache = &self.inner.identity_cache;
        // Before the keys: a seal after this point makes the cache refuse what we add.
        let epoch = cache.epoch();
        let mut attempts = 0;
        let (verified, generations) = loop {
            let keys = self.keyring()?;
            let generations = self.current_generations().await?;
            if !self
                .keys_match(&keys, generations.root, &mut attempts)
                .await?
            {
                continue;
            }
            if let Some(verified) = cache.key(generations.iam, access_key_id) {
                break (verified, generations);
            }
            // The generation and the key must come from one snapshot.
            let mut tx = self.inner.store.begin_read().await?;
            let generations = coffer_store::generations(&mut tx).await?;
            if !self
                .keys_match(&keys, generations.root, &mut attempts)
                .await?
            {
                continue;
            }
            let verified = self
                .verify_access_key(&mut tx, &keys, access_key_id)
                .await?;
            tx.commit().await.map_err(Error::internal)?;
            cache.put_key(epoch, generations.iam, access_key_id, verified.clone());
            break (verified, generations);
        };
        let now = self.inner.clock.now().timestamp_millis();
        let verified = verified.filter(|v| v.expires_at.is_none_or(|t| now < t));
        Ok(verified.map(|v| Credential {
            principal_arn: v.principal_arn,
            secret_access_key: v.secret,
            as_of: crate::AsOf(generations),
        }))
    }

    /// Loads and unseals an access key; `None` when it does not authenticate.
    async fn verify_access_key(
        &self,
        conn: &mut coffer_store::SqliteConnection,
        keys: &Keyring,
        access_key_id: &str,
    ) -> Result<Option<VerifiedKey>> {
        let Some(key) = coffer_store::find_access_key(conn, access_key_id).await? else {
            return Ok(None);
        };
        // Its status and owner must be the ones Coffer wrote (a revoked key copied back
        // from an older file does not match the identity tables' seal).
        crate::integrity::verify(conn, keys, &coffer_store::Unit::Iam).await?;
        if key.status != "Active" {
            return Ok(None);
        }
        let Some(owner) = coffer_store::find_principal_by_id(conn, key.principal_id).await? else {
            return Ok(None);
        };
        let secret = keys
            .root()
            .access_key_wrapping_key()
            .decrypt(access_key_id, &key.sealed_secret)
            .map_err(|_| {
                Error::new(
                    ErrorCode::StoreCorrupt,
                    "An access key's sealed secret does not decrypt.",
                )
            })?;
        Ok(Some(VerifiedKey {
            principal_arn: owner.arn,
            secret,
            expires_at: key.expires_at,
        }))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
