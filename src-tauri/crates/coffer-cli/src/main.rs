//! `coffer`: Coffer's command line, for administrators and scripts.
//!
//! Secret actions use the AWS CLI's subcommand and flag names and print the JSON the AWS
//! API returns (`coffer create-secret --name db --secret-string '{"password":"x"}'`). The
//! store is the local file (`--store`, default in the OS data directory); the master
//! password comes from `--password-file` / `COFFER_PASSWORD_FILE` or a prompt. Identity and
//! access live under `coffer iam …` with the AWS CLI's IAM names (`coffer iam create-user
//! --user-name alice`), printing the JSON the AWS CLI prints for IAM.
//!
//! Exit codes follow the AWS CLI: 0 success, 254 an error from the service (printed as
//! "An error occurred (Code) when calling the Action operation: message"), 252 bad
//! arguments, 1 anything else (missing store, unreadable password file…), 2 usage.

mod keyring;
mod rotation_cmd;
mod shorthand;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};

/// `coffer serve` answers many small requests on several threads; glibc's allocator spent
/// a fifth of the server's time there (perf, `make bench-api`), mimalloc much less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Args, Parser, Subcommand};
use coffer_api::ApiError;
use coffer_api::audit::ExportFormat;
use coffer_engine::{
    AuditFilter, ContextEntry, Engine, InitOptions, KdfParams, Password, PrincipalKind,
    RequestContext, Source, SystemClock, Tag,
};
use serde_json::{Map, Value, json};

use shorthand::{blob_arg, parse_struct_list, text_arg};

/// Coffer: a local secrets manager that speaks AWS Secrets Manager.
#[derive(Parser, Debug)]
#[command(name = "coffer", version, about, long_about = None)]
struct Cli {
    /// The store file (default: the OS data directory, e.g. ~/.local/share/coffer/coffer.db).
    #[arg(long, global = true, env = "COFFER_STORE")]
    store: Option<PathBuf>,
    /// A file whose first line is the master password (for scripts).
    #[arg(long, global = true, env = "COFFER_PASSWORD_FILE")]
    password_file: Option<PathBuf>,
    /// Region namespace (default: the store's default region).
    #[arg(long, global = true, env = "COFFER_REGION")]
    region: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new store: account id, default region, master password (at least 12
    /// characters and hard to guess, as in the desktop app), KDF cost.
    Init(InitArgs),
    /// Change the master password (re-wraps the root key only; the new one is held to the
    /// same floor as at init).
    Passwd(PasswdArgs),
    /// Re-key the store: a new root key, every value, access-key secret and function
    /// environment re-encrypted and the audit log re-MAC'd, so an old copy of the file and
    /// the master password of its day no longer open today's data. Stop `coffer serve` and
    /// the desktop app first (they would have to be unsealed again).
    Rekey,
    /// CreateSecret.
    CreateSecret(CreateSecretArgs),
    /// GetSecretValue.
    GetSecretValue(GetSecretValueArgs),
    /// BatchGetSecretValue.
    BatchGetSecretValue(BatchGetArgs),
    /// PutSecretValue.
    PutSecretValue(PutSecretValueArgs),
    /// UpdateSecret.
    UpdateSecret(UpdateSecretArgs),
    /// UpdateSecretVersionStage: move or remove a staging label.
    UpdateSecretVersionStage(UpdateStageArgs),
    /// DescribeSecret.
    DescribeSecret(SecretIdArgs),
    /// ListSecrets.
    ListSecrets(ListSecretsArgs),
    /// ListSecretVersionIds.
    ListSecretVersionIds(ListVersionsArgs),
    /// DeleteSecret (with a 7–30 day recovery window, or forced).
    DeleteSecret(DeleteSecretArgs),
    /// RestoreSecret.
    RestoreSecret(SecretIdArgs),
    /// TagResource.
    TagResource(TagArgs),
    /// UntagResource.
    UntagResource(UntagArgs),
    /// GetRandomPassword.
    GetRandomPassword(RandomPasswordArgs),
    /// PutResourcePolicy: attach a resource policy to a secret.
    PutResourcePolicy(PutResourcePolicyArgs),
    /// GetResourcePolicy.
    GetResourcePolicy(SecretIdArgs),
    /// DeleteResourcePolicy.
    DeleteResourcePolicy(SecretIdArgs),
    /// ValidateResourcePolicy: check a resource policy without attaching it.
    ValidateResourcePolicy(ValidateResourcePolicyArgs),
    /// RotateSecret: set the rotator and schedule, and rotate now (unless
    /// --no-rotate-immediately).
    RotateSecret(rotation_cmd::RotateSecretArgs),
    /// CancelRotateSecret: turn rotation off.
    CancelRotateSecret(SecretIdArgs),
    /// Rotation status, history, next run times, run now.
    #[command(subcommand)]
    Rotation(rotation_cmd::RotationCommand),
    /// Custom rotation functions (the Lambda equivalent).
    #[command(subcommand)]
    Lambda(rotation_cmd::LambdaCommand),
    /// Serve the AWS-compatible API (JSON 1.1 + SigV4, and the Secrets Manager Agent
    /// protocol) until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// The audit log: list, verify, export.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// KMS-like named keys.
    #[command(subcommand)]
    Kms(KmsCommand),
    /// IAM-like users, roles, groups, policies and access keys.
    #[command(subcommand)]
    Iam(IamCommand),
    /// The master password in the OS keyring, so `serve` can unseal without a prompt or a
    /// password file.
    #[command(subcommand)]
    Keyring(KeyringCommand),
}

/// `coffer keyring …`.
#[derive(Subcommand, Debug)]
enum KeyringCommand {
    /// Check the master password (from --password-file or a prompt) against the store and
    /// save it in the OS keyring.
    Save,
    /// Remove the store's entry from the OS keyring.
    Forget,
    /// Say whether the OS keyring holds a password for this store (never prints it).
    Status,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on; a non-loopback address needs --tls.
    #[arg(long, default_value = coffer_http::DEFAULT_LISTEN)]
    listen: std::net::SocketAddr,
    /// Serve HTTPS with a self-signed certificate made on first use (next to the store).
    #[arg(long)]
    tls: bool,
    /// Accepted clock skew of signed requests, in minutes (1–15).
    #[arg(long, default_value_t = 5)]
    max_skew_minutes: u64,
    /// Extra Host names to accept besides loopback names (DNS-rebinding guard).
    #[arg(long = "allowed-host")]
    allowed_hosts: Vec<String>,
    /// Serve the Secrets Manager Agent protocol (GET /secretsmanager/get) with the token in
    /// `<store>.agent-token` (made on first use, mode 0600).
    #[arg(long)]
    agent: bool,
    /// Whom agent requests act as, required with --agent: `root` (the account root, which
    /// may read every secret) or a user or role ARN with a narrow read-only policy.
    #[arg(long, value_name = "root|ARN")]
    agent_principal: Option<String>,
    /// Connections served at once; more are answered 503 and closed.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Seconds a client may take to send its request headers.
    #[arg(long, default_value_t = 30)]
    header_timeout_secs: u64,
    /// Seconds a client may take to send a request body.
    #[arg(long, default_value_t = 10)]
    body_timeout_secs: u64,
    /// Failed authentications a client address or access key id may have in a burst before
    /// it is answered ThrottlingException; 0 turns throttling off.
    #[arg(long, default_value_t = 20)]
    auth_failure_burst: u32,
    /// After the burst, one more failed authentication is allowed every this many seconds.
    #[arg(long, default_value_t = 1)]
    auth_failure_interval_secs: u64,
    /// Milliseconds a throttled request waits for its answer (bounds a flood's rate to
    /// max-connections per this delay).
    #[arg(long, default_value_t = 1000)]
    throttle_delay_ms: u64,
}

#[derive(Args, Debug)]
struct InitArgs {
    /// The 12-digit account id used in every ARN.
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    /// Argon2id memory in MiB (floor 19, default 64).
    #[arg(long, default_value_t = 64)]
    kdf_memory_mib: u32,
    /// Argon2id iterations (floor 2, default 3).
    #[arg(long, default_value_t = 3)]
    kdf_iterations: u32,
    /// Argon2id lanes (default 4).
    #[arg(long, default_value_t = 4)]
    kdf_parallelism: u32,
}

#[derive(Args, Debug)]
struct PasswdArgs {
    /// A file whose first line is the new password (default: prompt twice).
    #[arg(long)]
    new_password_file: Option<PathBuf>,
    /// New Argon2id memory in MiB (default: keep the current cost).
    #[arg(long)]
    kdf_memory_mib: Option<u32>,
    /// New Argon2id iterations.
    #[arg(long)]
    kdf_iterations: Option<u32>,
    /// New Argon2id lanes.
    #[arg(long)]
    kdf_parallelism: Option<u32>,
}

#[derive(Args, Debug, Default)]
struct InputJson {
    /// The whole request as AWS JSON; flags given as well override its members.
    #[arg(long)]
    cli_input_json: Option<String>,
}

#[derive(Args, Debug)]
struct CreateSecretArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    client_request_token: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    kms_key_id: Option<String>,
    /// Text value (or file://path).
    #[arg(long)]
    secret_string: Option<String>,
    /// Base64 value (or fileb://path for raw bytes).
    #[arg(long)]
    secret_binary: Option<String>,
    /// `Key=k,Value=v` … or a JSON list.
    #[arg(long, num_args = 1..)]
    tags: Vec<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct GetSecretValueArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    version_id: Option<String>,
    #[arg(long)]
    version_stage: Option<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct BatchGetArgs {
    #[arg(long, num_args = 1..)]
    secret_id_list: Vec<String>,
    /// `Key=name,Values=a,b` … or a JSON list.
    #[arg(long, num_args = 1..)]
    filters: Vec<String>,
    #[arg(long)]
    max_results: Option<i64>,
    #[arg(long)]
    next_token: Option<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct PutSecretValueArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    client_request_token: Option<String>,
    #[arg(long)]
    secret_string: Option<String>,
    #[arg(long)]
    secret_binary: Option<String>,
    #[arg(long, num_args = 1..)]
    version_stages: Vec<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct UpdateSecretArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    client_request_token: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    kms_key_id: Option<String>,
    #[arg(long)]
    secret_string: Option<String>,
    #[arg(long)]
    secret_binary: Option<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct UpdateStageArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    version_stage: Option<String>,
    #[arg(long)]
    remove_from_version_id: Option<String>,
    #[arg(long)]
    move_to_version_id: Option<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct SecretIdArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct ListSecretsArgs {
    #[arg(long, num_args = 1..)]
    filters: Vec<String>,
    #[arg(long)]
    max_results: Option<i64>,
    #[arg(long)]
    next_token: Option<String>,
    #[arg(long)]
    sort_order: Option<String>,
    #[arg(long)]
    sort_by: Option<String>,
    #[arg(long)]
    include_planned_deletion: bool,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct ListVersionsArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    max_results: Option<i64>,
    #[arg(long)]
    next_token: Option<String>,
    #[arg(long)]
    include_deprecated: bool,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct DeleteSecretArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long)]
    recovery_window_in_days: Option<i64>,
    #[arg(long)]
    force_delete_without_recovery: bool,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct TagArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long, num_args = 1..)]
    tags: Vec<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct UntagArgs {
    #[arg(long)]
    secret_id: Option<String>,
    #[arg(long, num_args = 1..)]
    tag_keys: Vec<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct RandomPasswordArgs {
    #[arg(long)]
    password_length: Option<i64>,
    #[arg(long)]
    exclude_characters: Option<String>,
    #[arg(long)]
    exclude_numbers: bool,
    #[arg(long)]
    exclude_punctuation: bool,
    #[arg(long)]
    exclude_uppercase: bool,
    #[arg(long)]
    exclude_lowercase: bool,
    #[arg(long)]
    include_space: bool,
    /// Do not require a character of every included type.
    #[arg(long)]
    no_require_each_included_type: bool,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct PutResourcePolicyArgs {
    #[arg(long)]
    secret_id: Option<String>,
    /// The policy JSON (or file://path).
    #[arg(long)]
    resource_policy: Option<String>,
    /// Refuse a policy that grants broad (public) access.
    #[arg(long, overrides_with = "no_block_public_policy")]
    block_public_policy: bool,
    /// Accept broad policies (the default).
    #[arg(long, overrides_with = "block_public_policy")]
    no_block_public_policy: bool,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Args, Debug)]
struct ValidateResourcePolicyArgs {
    #[arg(long)]
    secret_id: Option<String>,
    /// The policy JSON (or file://path).
    #[arg(long)]
    resource_policy: Option<String>,
    #[command(flatten)]
    input: InputJson,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Events, newest first, as JSON.
    List(AuditFilterArgs),
    /// Walk the MAC chain; exit 3 and report the first bad sequence number if broken.
    Verify,
    /// Every matching event, oldest first, as JSON Lines or CSV.
    Export {
        /// `jsonl` or `csv`.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        filter: AuditFilterArgs,
    },
}

#[derive(Args, Debug, Clone)]
struct AuditFilterArgs {
    /// Events at or after this RFC 3339 time.
    #[arg(long)]
    from: Option<String>,
    /// Events before this RFC 3339 time.
    #[arg(long)]
    to: Option<String>,
    /// `root`, `coffer` or a principal ARN.
    #[arg(long)]
    principal: Option<String>,
    /// Action name, e.g. GetSecretValue.
    #[arg(long)]
    action: Option<String>,
    /// A secret's name or ARN.
    #[arg(long)]
    secret_id: Option<String>,
    /// `ok` or `error`.
    #[arg(long)]
    outcome: Option<String>,
    /// `allowed` or `denied`.
    #[arg(long)]
    decision: Option<String>,
    /// Free text, case-insensitive.
    #[arg(long)]
    text: Option<String>,
    #[arg(long)]
    max_results: Option<u32>,
    #[arg(long)]
    next_token: Option<String>,
}

#[derive(Subcommand, Debug)]
enum KmsCommand {
    /// Create a customer-managed key.
    CreateKey {
        #[arg(long)]
        description: Option<String>,
        /// `alias/name` for the key.
        #[arg(long)]
        alias: Option<String>,
    },
    /// List the region's keys.
    ListKeys,
    /// Describe a key (id, ARN or alias/name).
    DescribeKey {
        #[arg(long)]
        key_id: String,
    },
    /// Enable a key.
    EnableKey {
        #[arg(long)]
        key_id: String,
    },
    /// Disable a key: its secrets can be neither written nor read until enabled again.
    DisableKey {
        #[arg(long)]
        key_id: String,
    },
    /// Rotate a key's material now (old versions still decrypt).
    #[command(alias = "rotate-key")]
    RotateKeyOnDemand {
        #[arg(long)]
        key_id: String,
    },
}

/// `coffer iam …`: the AWS CLI's IAM commands and flags. Policy documents are JSON text or
/// `file://path`.
#[derive(Subcommand, Debug)]
enum IamCommand {
    /// Create a user.
    CreateUser {
        #[arg(long)]
        user_name: String,
        /// IAM path (default `/`).
        #[arg(long)]
        path: Option<String>,
        /// `Key=k,Value=v` … or a JSON list.
        #[arg(long, num_args = 1..)]
        tags: Vec<String>,
    },
    /// Create a role (Coffer roles need no trust policy: they are used through access keys).
    CreateRole {
        #[arg(long)]
        role_name: String,
        #[arg(long)]
        path: Option<String>,
        #[arg(long, num_args = 1..)]
        tags: Vec<String>,
    },
    /// Create a group.
    CreateGroup {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        path: Option<String>,
    },
    /// Show a user.
    GetUser {
        #[arg(long)]
        user_name: String,
    },
    /// Show a role.
    GetRole {
        #[arg(long)]
        role_name: String,
    },
    /// List the users.
    ListUsers,
    /// List the roles.
    ListRoles,
    /// List the groups.
    ListGroups,
    /// Delete a user (refused while it has access keys, policies or groups).
    DeleteUser {
        #[arg(long)]
        user_name: String,
    },
    /// Delete a role (refused while it has access keys or policies).
    DeleteRole {
        #[arg(long)]
        role_name: String,
    },
    /// Delete a group (refused while it has members or policies).
    DeleteGroup {
        #[arg(long)]
        group_name: String,
    },
    /// Add a user to a group.
    AddUserToGroup {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        user_name: String,
    },
    /// Remove a user from a group.
    RemoveUserFromGroup {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        user_name: String,
    },
    /// The groups a user belongs to.
    ListGroupsForUser {
        #[arg(long)]
        user_name: String,
    },
    /// Create or replace a user's inline policy.
    PutUserPolicy {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        policy_name: String,
        /// JSON text or file://path.
        #[arg(long)]
        policy_document: String,
    },
    /// Create or replace a role's inline policy.
    PutRolePolicy {
        #[arg(long)]
        role_name: String,
        #[arg(long)]
        policy_name: String,
        #[arg(long)]
        policy_document: String,
    },
    /// Create or replace a group's inline policy.
    PutGroupPolicy {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        policy_name: String,
        #[arg(long)]
        policy_document: String,
    },
    /// Show a user's inline policy.
    GetUserPolicy {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        policy_name: String,
    },
    /// Show a role's inline policy.
    GetRolePolicy {
        #[arg(long)]
        role_name: String,
        #[arg(long)]
        policy_name: String,
    },
    /// Show a group's inline policy.
    GetGroupPolicy {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        policy_name: String,
    },
    /// Delete a user's inline policy.
    DeleteUserPolicy {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        policy_name: String,
    },
    /// Delete a role's inline policy.
    DeleteRolePolicy {
        #[arg(long)]
        role_name: String,
        #[arg(long)]
        policy_name: String,
    },
    /// Delete a group's inline policy.
    DeleteGroupPolicy {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        policy_name: String,
    },
    /// The names of a user's inline policies.
    ListUserPolicies {
        #[arg(long)]
        user_name: String,
    },
    /// The names of a role's inline policies.
    ListRolePolicies {
        #[arg(long)]
        role_name: String,
    },
    /// The names of a group's inline policies.
    ListGroupPolicies {
        #[arg(long)]
        group_name: String,
    },
    /// Create a managed policy.
    CreatePolicy {
        #[arg(long)]
        policy_name: String,
        /// JSON text or file://path.
        #[arg(long)]
        policy_document: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Show a managed policy.
    GetPolicy {
        #[arg(long)]
        policy_arn: String,
    },
    /// Show a managed policy's document (Coffer keeps one version, `v1`).
    GetPolicyVersion {
        #[arg(long)]
        policy_arn: String,
        #[arg(long)]
        version_id: String,
    },
    /// List the managed policies.
    ListPolicies,
    /// Delete a managed policy (refused while attached).
    DeletePolicy {
        #[arg(long)]
        policy_arn: String,
    },
    /// Attach a managed policy to a user.
    AttachUserPolicy {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        policy_arn: String,
    },
    /// Attach a managed policy to a role.
    AttachRolePolicy {
        #[arg(long)]
        role_name: String,
        #[arg(long)]
        policy_arn: String,
    },
    /// Attach a managed policy to a group.
    AttachGroupPolicy {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        policy_arn: String,
    },
    /// Detach a managed policy from a user.
    DetachUserPolicy {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        policy_arn: String,
    },
    /// Detach a managed policy from a role.
    DetachRolePolicy {
        #[arg(long)]
        role_name: String,
        #[arg(long)]
        policy_arn: String,
    },
    /// Detach a managed policy from a group.
    DetachGroupPolicy {
        #[arg(long)]
        group_name: String,
        #[arg(long)]
        policy_arn: String,
    },
    /// The managed policies attached to a user.
    ListAttachedUserPolicies {
        #[arg(long)]
        user_name: String,
    },
    /// The managed policies attached to a role.
    ListAttachedRolePolicies {
        #[arg(long)]
        role_name: String,
    },
    /// The managed policies attached to a group.
    ListAttachedGroupPolicies {
        #[arg(long)]
        group_name: String,
    },
    /// Create an access key for a user or a role: the only time its secret is shown.
    CreateAccessKey(KeyOwnerArgs),
    /// List a user's or role's access keys (never their secrets).
    ListAccessKeys(KeyOwnerArgs),
    /// Activate or deactivate an access key (effective on the next request).
    UpdateAccessKey {
        #[arg(long)]
        access_key_id: String,
        /// `Active` or `Inactive`.
        #[arg(long)]
        status: String,
        #[command(flatten)]
        owner: KeyOwnerArgs,
    },
    /// Delete an access key (effective on the next request).
    DeleteAccessKey {
        #[arg(long)]
        access_key_id: String,
        #[command(flatten)]
        owner: KeyOwnerArgs,
    },
    /// Evaluate a principal's policies (identity and resource) for actions and resources.
    SimulatePrincipalPolicy {
        /// The user, role or group ARN.
        #[arg(long)]
        policy_source_arn: String,
        #[arg(long, num_args = 1.., required = true)]
        action_names: Vec<String>,
        /// Default `*`.
        #[arg(long, num_args = 1..)]
        resource_arns: Vec<String>,
        /// `ContextKeyName=aws:SourceIp,ContextKeyValues=127.0.0.1,ContextKeyType=ip` … or a
        /// JSON list.
        #[arg(long, num_args = 1..)]
        context_entries: Vec<String>,
    },
}

/// The owner of access keys: a user (as in AWS) or a role (Coffer's extension).
#[derive(Args, Debug)]
struct KeyOwnerArgs {
    #[arg(long, conflicts_with = "role_name")]
    user_name: Option<String>,
    #[arg(long)]
    role_name: Option<String>,
}

impl KeyOwnerArgs {
    fn owner(&self) -> Option<(PrincipalKind, &str)> {
        match (&self.user_name, &self.role_name) {
            (Some(u), _) => Some((PrincipalKind::User, u.as_str())),
            (None, Some(r)) => Some((PrincipalKind::Role, r.as_str())),
            (None, None) => None,
        }
    }

    fn required(&self) -> Result<(PrincipalKind, &str), Failure> {
        self.owner().ok_or_else(|| {
            Failure::Usage(anyhow!(
                "pass --user-name or --role-name (the CLI runs as the account root, which has no access keys)"
            ))
        })
    }
}

/// A failure, and how the process reports it.
enum Failure {
    /// The service refused the request.
    Api { action: String, error: ApiError },
    /// Bad arguments.
    Usage(anyhow::Error),
    /// Anything else.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("coffer: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(Failure::Api { action, error }) => {
            eprintln!(
                "An error occurred ({}) when calling the {action} operation: {}",
                error.code, error.message
            );
            ExitCode::from(254)
        }
        Err(Failure::Usage(e)) => {
            eprintln!("coffer: {e:#}");
            ExitCode::from(252)
        }
        Err(Failure::Other(e)) => {
            eprintln!("coffer: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn default_store() -> Result<PathBuf> {
    let dir = dirs::data_dir().context("cannot find the OS data directory; pass --store")?;
    Ok(dir.join("coffer").join("coffer.db"))
}

/// Reads the first line of a password file (without the newline).
fn read_password_file(path: &PathBuf) -> Result<Password> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        bail!("the password file {} is empty", path.display());
    }
    Ok(Password::from(line))
}

fn prompt(label: &str) -> Result<Password> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "no master password: pass --password-file, set COFFER_PASSWORD_FILE, or save it \
             in the OS keyring with `coffer keyring save`"
        );
    }
    let p = rpassword::prompt_password(label).context("cannot read the password")?;
    if p.is_empty() {
        bail!("the password is empty");
    }
    Ok(Password::from(p))
}

/// A new master password (from `file`, or asked twice), held to the floor the desktop app
/// applies ([`coffer_api::app::new_master_password`]): `member` names it in the refusal and
/// the store's path counts as a guessable word.
fn new_password(file: Option<&PathBuf>, member: &str, store: &Path) -> Result<Password> {
    let password = match file {
        Some(f) => read_password_file(f)?,
        None => {
            let a = prompt("New master password: ")?;
            let b = prompt("Repeat it: ")?;
            if a != b {
                bail!("the passwords do not match");
            }
            a
        }
    };
    let text = std::str::from_utf8(password.expose()).context("the password is not UTF-8")?;
    let shown = store.display().to_string();
    coffer_api::app::new_master_password(member, text, &[&shown]).map_err(|e| anyhow!(e.message))
}

fn api(action: &str) -> impl Fn(ApiError) -> Failure + '_ {
    move |error| Failure::Api {
        action: action.to_owned(),
        error,
    }
}

fn print(v: &Value) -> Result<ExitCode, Failure> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Failure::Other(e.into()))?;
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn kdf_mib(mib: u32) -> u32 {
    mib.saturating_mul(1024)
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let store = match &cli.store {
        Some(p) => p.clone(),
        None => default_store()?,
    };
    let clock = Arc::new(SystemClock);
    let mut ctx = RequestContext::root(Source::Cli);
    ctx.region = cli.region.clone();

    if let Command::Init(a) = &cli.command {
        let password = new_password(cli.password_file.as_ref(), "master password", &store)?;
        let options = InitOptions {
            account_id: a.account_id.clone(),
            region: cli.region.clone().unwrap_or_else(|| "us-east-1".into()),
            kdf: KdfParams {
                memory_kib: kdf_mib(a.kdf_memory_mib),
                iterations: a.kdf_iterations,
                parallelism: a.kdf_parallelism,
            },
        };
        let engine = Engine::init(&store, &password, options, clock)
            .await
            .map_err(|e| Failure::Other(anyhow!("{}", e.message())))?;
        let out = json!({
            "Store": store.display().to_string(),
            "AccountId": engine.account_id(),
            "Region": engine.default_region(),
        });
        engine.close().await;
        return print(&out);
    }

    if let Command::Keyring(k) = &cli.command {
        return keyring_command(&store, cli.password_file.as_ref(), k, clock).await;
    }

    let engine = Engine::open(&store, clock)
        .await
        .map_err(|e| Failure::Other(anyhow!("{}", e.message())))?;
    let (password, from_keyring) = match &cli.password_file {
        Some(f) => (read_password_file(f)?, false),
        None => match keyring_password(&store) {
            Some(p) => (p, true),
            None => (prompt("Master password: ")?, false),
        },
    };
    engine.unseal(&password).await.map_err(|e| {
        if from_keyring {
            Failure::Other(anyhow!(
                "{} (the password comes from the OS keyring: run `coffer keyring save` again)",
                e.message()
            ))
        } else {
            Failure::Other(anyhow!("{}", e.message()))
        }
    })?;
    let result = dispatch(&engine, &ctx, cli.command, &password).await;
    engine.close().await;
    result
}

/// The store's master password from the OS keyring, when it holds one. A keyring that is
/// unavailable counts as empty: the caller falls back to a prompt.
fn keyring_password(store: &std::path::Path) -> Option<Password> {
    keyring::PasswordEntry::for_store(store)
        .and_then(|entry| entry.get())
        .ok()
        .flatten()
}

/// `coffer keyring save | forget | status`.
async fn keyring_command(
    store: &std::path::Path,
    password_file: Option<&PathBuf>,
    command: &KeyringCommand,
    clock: Arc<SystemClock>,
) -> Result<ExitCode, Failure> {
    let entry = keyring::PasswordEntry::for_store(store)?;
    match command {
        KeyringCommand::Save => {
            let password = match password_file {
                Some(f) => read_password_file(f)?,
                None => prompt("Master password: ")?,
            };
            // Save only a password that unseals this store.
            let engine = Engine::open(store, clock)
                .await
                .map_err(|e| Failure::Other(anyhow!("{}", e.message())))?;
            let unsealed = engine.unseal(&password).await;
            engine.close().await;
            unsealed.map_err(|e| Failure::Other(anyhow!("{}", e.message())))?;
            entry.set(&password)?;
            print(&json!({ "Saved": true, "Store": entry.account() }))
        }
        KeyringCommand::Forget => {
            let removed = entry.delete()?;
            print(&json!({ "Removed": removed, "Store": entry.account() }))
        }
        KeyringCommand::Status => {
            let present = entry.get()?.is_some();
            print(&json!({ "Present": present, "Store": entry.account() }))
        }
    }
}

/// Starts a request body from `--cli-input-json`.
fn body(input: &InputJson) -> Result<Map<String, Value>, Failure> {
    match &input.cli_input_json {
        None => Ok(Map::new()),
        Some(text) => {
            let text = text_arg(text).map_err(Failure::Usage)?;
            match serde_json::from_str(&text) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(Failure::Usage(anyhow!(
                    "--cli-input-json must be a JSON object"
                ))),
            }
        }
    }
}

fn set(m: &mut Map<String, Value>, key: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(key.to_owned(), v.into());
    }
}

fn set_flag(m: &mut Map<String, Value>, key: &str, on: bool) {
    if on {
        m.insert(key.to_owned(), Value::Bool(true));
    }
}

fn set_list(
    m: &mut Map<String, Value>,
    key: &str,
    items: &[String],
    list_keys: &[&str],
) -> Result<(), Failure> {
    if !items.is_empty() {
        let v = parse_struct_list(items, list_keys).map_err(Failure::Usage)?;
        m.insert(key.to_owned(), v);
    }
    Ok(())
}

fn set_strings(m: &mut Map<String, Value>, key: &str, items: &[String]) {
    if !items.is_empty() {
        m.insert(key.to_owned(), json!(items));
    }
}

fn set_value(
    m: &mut Map<String, Value>,
    string: &Option<String>,
    binary: &Option<String>,
) -> Result<(), Failure> {
    if let Some(s) = string {
        m.insert(
            "SecretString".into(),
            json!(text_arg(s).map_err(Failure::Usage)?),
        );
    }
    if let Some(b) = binary {
        m.insert(
            "SecretBinary".into(),
            json!(blob_arg(b).map_err(Failure::Usage)?),
        );
    }
    Ok(())
}

fn set_text(m: &mut Map<String, Value>, key: &str, v: &Option<String>) -> Result<(), Failure> {
    if let Some(v) = v {
        m.insert(key.to_owned(), json!(text_arg(v).map_err(Failure::Usage)?));
    }
    Ok(())
}

async fn call(
    engine: &Engine,
    ctx: &RequestContext,
    action: &str,
    m: Map<String, Value>,
) -> Result<ExitCode, Failure> {
    let body = serde_json::to_vec(&Value::Object(m)).map_err(|e| Failure::Other(e.into()))?;
    let out = coffer_api::secretsmanager::call(engine, ctx, action, &body)
        .await
        .map_err(api(action))?;
    print(&out)
}

fn parse_time(s: &Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, Failure> {
    s.as_deref()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&chrono::Utc))
                .map_err(|_| {
                    Failure::Usage(anyhow!(
                        "'{t}' is not an RFC 3339 time (e.g. 2026-01-31T00:00:00Z)"
                    ))
                })
        })
        .transpose()
}

fn audit_filter(a: &AuditFilterArgs) -> Result<AuditFilter, Failure> {
    Ok(AuditFilter {
        from: parse_time(&a.from)?,
        to: parse_time(&a.to)?,
        principal: a.principal.clone(),
        action: a.action.clone(),
        secret: a.secret_id.clone(),
        outcome: a.outcome.clone(),
        decision: a.decision.clone(),
        text: a.text.clone(),
        limit: a.max_results,
        next_token: a.next_token.clone(),
    })
}

async fn dispatch(
    engine: &Engine,
    ctx: &RequestContext,
    command: Command,
    current: &Password,
) -> Result<ExitCode, Failure> {
    match command {
        Command::Init(_) => unreachable!("handled before the store is opened"),
        Command::Passwd(a) => {
            let new = new_password(
                a.new_password_file.as_ref(),
                "new password",
                &engine.store_path(),
            )?;
            let kdf = match (a.kdf_memory_mib, a.kdf_iterations, a.kdf_parallelism) {
                (None, None, None) => None,
                (m, t, p) => {
                    // Flags not given keep the store's current cost.
                    let now = engine
                        .kdf_params()
                        .await
                        .map_err(|e| api("ChangeMasterPassword")(e.into()))?;
                    Some(KdfParams {
                        memory_kib: m.map(kdf_mib).unwrap_or(now.memory_kib),
                        iterations: t.unwrap_or(now.iterations),
                        parallelism: p.unwrap_or(now.parallelism),
                    })
                }
            };
            engine
                .change_password(ctx, current, &new, kdf)
                .await
                .map_err(|e| api("ChangeMasterPassword")(e.into()))?;
            // A keyring entry holding the old password would stop unsealing: keep it true.
            if let Ok(entry) = keyring::PasswordEntry::for_store(&engine.store_path()) {
                if matches!(entry.get(), Ok(Some(_))) {
                    entry.set(&new).map_err(Failure::Other)?;
                }
            }
            print(&json!({ "PasswordChanged": true }))
        }
        Command::Rekey => {
            let report = engine
                .rekey(ctx, current)
                .await
                .map_err(|e| api("RekeyStore")(e.into()))?;
            print(&json!({
                "Rekeyed": true,
                "KmsKeys": report.keys,
                "SecretVersions": report.versions,
                "AccessKeys": report.access_keys,
                "Functions": report.functions,
                "AuditEvents": report.audit_events,
            }))
        }
        Command::CreateSecret(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "Name", a.name);
            set(&mut m, "ClientRequestToken", a.client_request_token);
            set(&mut m, "Description", a.description);
            set(&mut m, "KmsKeyId", a.kms_key_id);
            set_value(&mut m, &a.secret_string, &a.secret_binary)?;
            set_list(&mut m, "Tags", &a.tags, &[])?;
            call(engine, ctx, "CreateSecret", m).await
        }
        Command::GetSecretValue(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set(&mut m, "VersionId", a.version_id);
            set(&mut m, "VersionStage", a.version_stage);
            call(engine, ctx, "GetSecretValue", m).await
        }
        Command::BatchGetSecretValue(a) => {
            let mut m = body(&a.input)?;
            set_strings(&mut m, "SecretIdList", &a.secret_id_list);
            set_list(&mut m, "Filters", &a.filters, &["Values"])?;
            set(&mut m, "MaxResults", a.max_results);
            set(&mut m, "NextToken", a.next_token);
            call(engine, ctx, "BatchGetSecretValue", m).await
        }
        Command::PutSecretValue(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set(&mut m, "ClientRequestToken", a.client_request_token);
            set_value(&mut m, &a.secret_string, &a.secret_binary)?;
            set_strings(&mut m, "VersionStages", &a.version_stages);
            call(engine, ctx, "PutSecretValue", m).await
        }
        Command::UpdateSecret(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set(&mut m, "ClientRequestToken", a.client_request_token);
            set(&mut m, "Description", a.description);
            set(&mut m, "KmsKeyId", a.kms_key_id);
            set_value(&mut m, &a.secret_string, &a.secret_binary)?;
            call(engine, ctx, "UpdateSecret", m).await
        }
        Command::UpdateSecretVersionStage(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set(&mut m, "VersionStage", a.version_stage);
            set(&mut m, "RemoveFromVersionId", a.remove_from_version_id);
            set(&mut m, "MoveToVersionId", a.move_to_version_id);
            call(engine, ctx, "UpdateSecretVersionStage", m).await
        }
        Command::DescribeSecret(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            call(engine, ctx, "DescribeSecret", m).await
        }
        Command::RestoreSecret(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            call(engine, ctx, "RestoreSecret", m).await
        }
        Command::ListSecrets(a) => {
            let mut m = body(&a.input)?;
            set_list(&mut m, "Filters", &a.filters, &["Values"])?;
            set(&mut m, "MaxResults", a.max_results);
            set(&mut m, "NextToken", a.next_token);
            set(&mut m, "SortOrder", a.sort_order);
            set(&mut m, "SortBy", a.sort_by);
            set_flag(&mut m, "IncludePlannedDeletion", a.include_planned_deletion);
            call(engine, ctx, "ListSecrets", m).await
        }
        Command::ListSecretVersionIds(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set(&mut m, "MaxResults", a.max_results);
            set(&mut m, "NextToken", a.next_token);
            set_flag(&mut m, "IncludeDeprecated", a.include_deprecated);
            call(engine, ctx, "ListSecretVersionIds", m).await
        }
        Command::DeleteSecret(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set(&mut m, "RecoveryWindowInDays", a.recovery_window_in_days);
            set_flag(
                &mut m,
                "ForceDeleteWithoutRecovery",
                a.force_delete_without_recovery,
            );
            call(engine, ctx, "DeleteSecret", m).await
        }
        Command::TagResource(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set_list(&mut m, "Tags", &a.tags, &[])?;
            call(engine, ctx, "TagResource", m).await
        }
        Command::UntagResource(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set_strings(&mut m, "TagKeys", &a.tag_keys);
            call(engine, ctx, "UntagResource", m).await
        }
        Command::GetRandomPassword(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "PasswordLength", a.password_length);
            set(&mut m, "ExcludeCharacters", a.exclude_characters);
            set_flag(&mut m, "ExcludeNumbers", a.exclude_numbers);
            set_flag(&mut m, "ExcludePunctuation", a.exclude_punctuation);
            set_flag(&mut m, "ExcludeUppercase", a.exclude_uppercase);
            set_flag(&mut m, "ExcludeLowercase", a.exclude_lowercase);
            set_flag(&mut m, "IncludeSpace", a.include_space);
            if a.no_require_each_included_type {
                m.insert("RequireEachIncludedType".into(), Value::Bool(false));
            }
            call(engine, ctx, "GetRandomPassword", m).await
        }
        Command::PutResourcePolicy(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set_text(&mut m, "ResourcePolicy", &a.resource_policy)?;
            if a.block_public_policy {
                m.insert("BlockPublicPolicy".into(), Value::Bool(true));
            } else if a.no_block_public_policy {
                m.insert("BlockPublicPolicy".into(), Value::Bool(false));
            }
            call(engine, ctx, "PutResourcePolicy", m).await
        }
        Command::GetResourcePolicy(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            call(engine, ctx, "GetResourcePolicy", m).await
        }
        Command::DeleteResourcePolicy(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            call(engine, ctx, "DeleteResourcePolicy", m).await
        }
        Command::ValidateResourcePolicy(a) => {
            let mut m = body(&a.input)?;
            set(&mut m, "SecretId", a.secret_id);
            set_text(&mut m, "ResourcePolicy", &a.resource_policy)?;
            call(engine, ctx, "ValidateResourcePolicy", m).await
        }
        Command::Iam(c) => iam(engine, ctx, c).await,
        Command::RotateSecret(a) => rotation_cmd::rotate_secret(engine, ctx, a).await,
        Command::CancelRotateSecret(a) => rotation_cmd::cancel_rotate_secret(engine, ctx, a).await,
        Command::Rotation(c) => rotation_cmd::rotation(engine, ctx, c).await,
        Command::Lambda(c) => rotation_cmd::lambda(engine, ctx, c).await,
        Command::Keyring(_) => unreachable!("handled before the store is unsealed"),
        Command::Serve(a) => serve(engine, a).await,
        Command::Audit(AuditCommand::List(f)) => {
            let out = coffer_api::audit::list(engine, ctx, &audit_filter(&f)?)
                .await
                .map_err(api("ListAuditEvents"))?;
            print(&out)
        }
        Command::Audit(AuditCommand::Verify) => {
            let (report, out) = coffer_api::audit::verify(engine, ctx)
                .await
                .map_err(api("VerifyAuditLog"))?;
            print(&out)?;
            Ok(if report.is_intact() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
        Command::Audit(AuditCommand::Export {
            format,
            output,
            filter,
        }) => {
            let format = match format.as_str() {
                "jsonl" | "json-lines" => ExportFormat::JsonLines,
                "csv" => ExportFormat::Csv,
                other => {
                    return Err(Failure::Usage(anyhow!(
                        "unknown export format '{other}' (use jsonl or csv)"
                    )));
                }
            };
            let filter = audit_filter(&filter)?;
            let count = match &output {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("cannot create {}", path.display()))?,
                    );
                    coffer_api::audit::export(engine, ctx, &filter, format, &mut file).await
                }
                None => {
                    coffer_api::audit::export(
                        engine,
                        ctx,
                        &filter,
                        format,
                        &mut std::io::stdout().lock(),
                    )
                    .await
                }
            }
            .map_err(api("ExportAuditEvents"))?;
            if output.is_some() {
                eprintln!("exported {count} events");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Kms(k) => {
            let (action, out) = match k {
                KmsCommand::CreateKey { description, alias } => (
                    "CreateKey",
                    coffer_api::kms::create_key(engine, ctx, description, alias).await,
                ),
                KmsCommand::ListKeys => ("ListKeys", coffer_api::kms::list_keys(engine, ctx).await),
                KmsCommand::DescribeKey { key_id } => (
                    "DescribeKey",
                    coffer_api::kms::describe_key(engine, ctx, &key_id).await,
                ),
                KmsCommand::EnableKey { key_id } => (
                    "EnableKey",
                    coffer_api::kms::set_key_enabled(engine, ctx, &key_id, true).await,
                ),
                KmsCommand::DisableKey { key_id } => (
                    "DisableKey",
                    coffer_api::kms::set_key_enabled(engine, ctx, &key_id, false).await,
                ),
                KmsCommand::RotateKeyOnDemand { key_id } => (
                    "RotateKeyOnDemand",
                    coffer_api::kms::rotate_key(engine, ctx, &key_id).await,
                ),
            };
            print(&out.map_err(api(action))?)
        }
    }
}

/// `--tags Key=k,Value=v …` (or a JSON list) as engine tags.
fn tags_arg(items: &[String]) -> Result<Vec<Tag>, Failure> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let v = parse_struct_list(items, &[]).map_err(Failure::Usage)?;
    let list = v.as_array().cloned().unwrap_or_default();
    list.iter()
        .map(
            |t| match (t.get("Key").and_then(Value::as_str), t.get("Value")) {
                (Some(k), None) => Ok(Tag::new(k, "")),
                (Some(k), Some(Value::String(v))) => Ok(Tag::new(k, v.as_str())),
                _ => Err(Failure::Usage(anyhow!(
                    "--tags takes Key=k,Value=v items (or a JSON list of {{\"Key\",\"Value\"}})"
                ))),
            },
        )
        .collect()
}

/// `--context-entries ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=t …` (or a JSON
/// list) as engine context entries. The type is checked for being one of IAM's names, then
/// left to the policy's condition operators.
fn context_entries_arg(items: &[String]) -> Result<Vec<ContextEntry>, Failure> {
    const TYPES: &[&str] = &[
        "string",
        "stringList",
        "numeric",
        "numericList",
        "boolean",
        "booleanList",
        "ip",
        "ipList",
        "binary",
        "binaryList",
        "date",
        "dateList",
    ];
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let v = parse_struct_list(items, &["ContextKeyValues"]).map_err(Failure::Usage)?;
    let bad = || {
        Failure::Usage(anyhow!(
            "--context-entries takes ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=t items (or a JSON list)"
        ))
    };
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|e| {
            let key = e
                .get("ContextKeyName")
                .and_then(Value::as_str)
                .ok_or_else(bad)?;
            let values = match e.get("ContextKeyValues") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_owned).ok_or_else(bad))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(Value::String(s)) => vec![s.clone()],
                _ => return Err(bad()),
            };
            if let Some(t) = e.get("ContextKeyType") {
                let t = t.as_str().ok_or_else(bad)?;
                if !TYPES.contains(&t) {
                    return Err(Failure::Usage(anyhow!(
                        "unknown ContextKeyType '{t}' (one of {})",
                        TYPES.join(", ")
                    )));
                }
            }
            Ok(ContextEntry {
                key: key.to_owned(),
                values,
            })
        })
        .collect()
}

fn doc_arg(v: &str) -> Result<String, Failure> {
    text_arg(v).map_err(Failure::Usage)
}

/// `coffer iam …`: each command goes through `coffer_api::iam` and prints the JSON the AWS
/// CLI prints; errors name IAM's action (`CreateUser`, `PutUserPolicy`…).
async fn iam(engine: &Engine, ctx: &RequestContext, c: IamCommand) -> Result<ExitCode, Failure> {
    use PrincipalKind::{Group, Role, User};
    use coffer_api::iam as x;
    let (action, out) = match c {
        IamCommand::CreateUser {
            user_name,
            path,
            tags,
        } => {
            let tags = tags_arg(&tags)?;
            let out = x::create_principal(engine, ctx, User, &user_name, path.as_deref(), tags);
            ("CreateUser", out.await)
        }
        IamCommand::CreateRole {
            role_name,
            path,
            tags,
        } => {
            let tags = tags_arg(&tags)?;
            let out = x::create_principal(engine, ctx, Role, &role_name, path.as_deref(), tags);
            ("CreateRole", out.await)
        }
        IamCommand::CreateGroup { group_name, path } => {
            let out =
                x::create_principal(engine, ctx, Group, &group_name, path.as_deref(), Vec::new());
            ("CreateGroup", out.await)
        }
        IamCommand::GetUser { user_name } => (
            "GetUser",
            x::get_principal(engine, ctx, User, &user_name).await,
        ),
        IamCommand::GetRole { role_name } => (
            "GetRole",
            x::get_principal(engine, ctx, Role, &role_name).await,
        ),
        IamCommand::ListUsers => ("ListUsers", x::list_principals(engine, ctx, User).await),
        IamCommand::ListRoles => ("ListRoles", x::list_principals(engine, ctx, Role).await),
        IamCommand::ListGroups => ("ListGroups", x::list_principals(engine, ctx, Group).await),
        IamCommand::DeleteUser { user_name } => (
            "DeleteUser",
            x::delete_principal(engine, ctx, User, &user_name).await,
        ),
        IamCommand::DeleteRole { role_name } => (
            "DeleteRole",
            x::delete_principal(engine, ctx, Role, &role_name).await,
        ),
        IamCommand::DeleteGroup { group_name } => (
            "DeleteGroup",
            x::delete_principal(engine, ctx, Group, &group_name).await,
        ),
        IamCommand::AddUserToGroup {
            group_name,
            user_name,
        } => (
            "AddUserToGroup",
            x::set_group_membership(engine, ctx, &group_name, &user_name, true).await,
        ),
        IamCommand::RemoveUserFromGroup {
            group_name,
            user_name,
        } => (
            "RemoveUserFromGroup",
            x::set_group_membership(engine, ctx, &group_name, &user_name, false).await,
        ),
        IamCommand::ListGroupsForUser { user_name } => (
            "ListGroupsForUser",
            x::list_groups_for_user(engine, ctx, &user_name).await,
        ),
        IamCommand::PutUserPolicy {
            user_name,
            policy_name,
            policy_document,
        } => {
            let doc = doc_arg(&policy_document)?;
            let out = x::put_principal_policy(engine, ctx, User, &user_name, &policy_name, &doc);
            ("PutUserPolicy", out.await)
        }
        IamCommand::PutRolePolicy {
            role_name,
            policy_name,
            policy_document,
        } => {
            let doc = doc_arg(&policy_document)?;
            let out = x::put_principal_policy(engine, ctx, Role, &role_name, &policy_name, &doc);
            ("PutRolePolicy", out.await)
        }
        IamCommand::PutGroupPolicy {
            group_name,
            policy_name,
            policy_document,
        } => {
            let doc = doc_arg(&policy_document)?;
            let out = x::put_principal_policy(engine, ctx, Group, &group_name, &policy_name, &doc);
            ("PutGroupPolicy", out.await)
        }
        IamCommand::GetUserPolicy {
            user_name,
            policy_name,
        } => (
            "GetUserPolicy",
            x::get_principal_policy(engine, ctx, User, &user_name, &policy_name).await,
        ),
        IamCommand::GetRolePolicy {
            role_name,
            policy_name,
        } => (
            "GetRolePolicy",
            x::get_principal_policy(engine, ctx, Role, &role_name, &policy_name).await,
        ),
        IamCommand::GetGroupPolicy {
            group_name,
            policy_name,
        } => (
            "GetGroupPolicy",
            x::get_principal_policy(engine, ctx, Group, &group_name, &policy_name).await,
        ),
        IamCommand::DeleteUserPolicy {
            user_name,
            policy_name,
        } => (
            "DeleteUserPolicy",
            x::delete_principal_policy(engine, ctx, User, &user_name, &policy_name).await,
        ),
        IamCommand::DeleteRolePolicy {
            role_name,
            policy_name,
        } => (
            "DeleteRolePolicy",
            x::delete_principal_policy(engine, ctx, Role, &role_name, &policy_name).await,
        ),
        IamCommand::DeleteGroupPolicy {
            group_name,
            policy_name,
        } => (
            "DeleteGroupPolicy",
            x::delete_principal_policy(engine, ctx, Group, &group_name, &policy_name).await,
        ),
        IamCommand::ListUserPolicies { user_name } => (
            "ListUserPolicies",
            x::list_principal_policies(engine, ctx, User, &user_name).await,
        ),
        IamCommand::ListRolePolicies { role_name } => (
            "ListRolePolicies",
            x::list_principal_policies(engine, ctx, Role, &role_name).await,
        ),
        IamCommand::ListGroupPolicies { group_name } => (
            "ListGroupPolicies",
            x::list_principal_policies(engine, ctx, Group, &group_name).await,
        ),
        IamCommand::CreatePolicy {
            policy_name,
            policy_document,
            description,
        } => {
            let doc = doc_arg(&policy_document)?;
            let out = x::create_policy(engine, ctx, &policy_name, &doc, description);
            ("CreatePolicy", out.await)
        }
        IamCommand::GetPolicy { policy_arn } => {
            ("GetPolicy", x::get_policy(engine, ctx, &policy_arn).await)
        }
        IamCommand::GetPolicyVersion {
            policy_arn,
            version_id,
        } => (
            "GetPolicyVersion",
            x::get_policy_version(engine, ctx, &policy_arn, &version_id).await,
        ),
        IamCommand::ListPolicies => ("ListPolicies", x::list_policies(engine, ctx).await),
        IamCommand::DeletePolicy { policy_arn } => (
            "DeletePolicy",
            x::delete_policy(engine, ctx, &policy_arn).await,
        ),
        IamCommand::AttachUserPolicy {
            user_name,
            policy_arn,
        } => (
            "AttachUserPolicy",
            x::set_policy_attachment(engine, ctx, User, &user_name, &policy_arn, true).await,
        ),
        IamCommand::AttachRolePolicy {
            role_name,
            policy_arn,
        } => (
            "AttachRolePolicy",
            x::set_policy_attachment(engine, ctx, Role, &role_name, &policy_arn, true).await,
        ),
        IamCommand::AttachGroupPolicy {
            group_name,
            policy_arn,
        } => (
            "AttachGroupPolicy",
            x::set_policy_attachment(engine, ctx, Group, &group_name, &policy_arn, true).await,
        ),
        IamCommand::DetachUserPolicy {
            user_name,
            policy_arn,
        } => (
            "DetachUserPolicy",
            x::set_policy_attachment(engine, ctx, User, &user_name, &policy_arn, false).await,
        ),
        IamCommand::DetachRolePolicy {
            role_name,
            policy_arn,
        } => (
            "DetachRolePolicy",
            x::set_policy_attachment(engine, ctx, Role, &role_name, &policy_arn, false).await,
        ),
        IamCommand::DetachGroupPolicy {
            group_name,
            policy_arn,
        } => (
            "DetachGroupPolicy",
            x::set_policy_attachment(engine, ctx, Group, &group_name, &policy_arn, false).await,
        ),
        IamCommand::ListAttachedUserPolicies { user_name } => (
            "ListAttachedUserPolicies",
            x::list_attached_policies(engine, ctx, User, &user_name).await,
        ),
        IamCommand::ListAttachedRolePolicies { role_name } => (
            "ListAttachedRolePolicies",
            x::list_attached_policies(engine, ctx, Role, &role_name).await,
        ),
        IamCommand::ListAttachedGroupPolicies { group_name } => (
            "ListAttachedGroupPolicies",
            x::list_attached_policies(engine, ctx, Group, &group_name).await,
        ),
        IamCommand::CreateAccessKey(o) => {
            let (kind, name) = o.required()?;
            (
                "CreateAccessKey",
                x::create_access_key(engine, ctx, kind, name).await,
            )
        }
        IamCommand::ListAccessKeys(o) => {
            let (kind, name) = o.required()?;
            (
                "ListAccessKeys",
                x::list_access_keys(engine, ctx, kind, name).await,
            )
        }
        IamCommand::UpdateAccessKey {
            access_key_id,
            status,
            owner,
        } => (
            "UpdateAccessKey",
            x::update_access_key(engine, ctx, owner.owner(), &access_key_id, &status).await,
        ),
        IamCommand::DeleteAccessKey {
            access_key_id,
            owner,
        } => (
            "DeleteAccessKey",
            x::delete_access_key(engine, ctx, owner.owner(), &access_key_id).await,
        ),
        IamCommand::SimulatePrincipalPolicy {
            policy_source_arn,
            action_names,
            resource_arns,
            context_entries,
        } => {
            let entries = context_entries_arg(&context_entries)?;
            let out = x::simulate_principal_policy(
                engine,
                ctx,
                &policy_source_arn,
                action_names,
                resource_arns,
                entries,
            );
            ("SimulatePrincipalPolicy", out.await)
        }
    };
    print(&out.map_err(api(action))?)
}

/// A file next to the store: `<store><suffix>`.
fn beside_store(engine: &Engine, suffix: &str) -> PathBuf {
    let mut p = engine.store_path().into_os_string();
    p.push(suffix);
    PathBuf::from(p)
}

async fn serve(engine: &Engine, a: ServeArgs) -> Result<ExitCode, Failure> {
    if !(1..=15).contains(&a.max_skew_minutes) {
        return Err(Failure::Usage(anyhow!(
            "--max-skew-minutes must be between 1 and 15"
        )));
    }
    let tls = a.tls.then(|| coffer_http::TlsConfig {
        cert_path: beside_store(engine, ".tls-cert.pem"),
        key_path: beside_store(engine, ".tls-key.pem"),
    });
    let fingerprint = match &tls {
        Some(t) => Some(
            coffer_http::tls::ensure_certificate(t, &a.allowed_hosts)
                .map_err(|e| Failure::Other(anyhow!("{e}")))?,
        ),
        None => None,
    };
    let agent_principal = match (a.agent, a.agent_principal.as_deref().map(str::trim)) {
        (false, _) => None,
        (true, Some(choice)) if !choice.is_empty() => coffer_http::agent::principal_arn(choice),
        (true, _) => {
            return Err(Failure::Usage(anyhow!(
                "--agent needs --agent-principal: agent requests carry no signature, so say whom they act as: --agent-principal root (the account root, which may read every secret) or --agent-principal <user or role ARN> with a read-only policy"
            )));
        }
    };
    let agent_token = if a.agent {
        let path = coffer_http::agent::token_path(&engine.store_path());
        let token = coffer_http::agent::load_or_create_token(&path)
            .with_context(|| format!("cannot read or write {}", path.display()))?;
        eprintln!("coffer: agent token in {}", path.display());
        Some(token)
    } else {
        None
    };
    let config = coffer_http::ServerConfig {
        listen: a.listen,
        max_skew: std::time::Duration::from_secs(a.max_skew_minutes * 60),
        allowed_hosts: a.allowed_hosts,
        agent_token,
        agent_principal,
        tls,
        limits: coffer_http::Limits {
            max_connections: a.max_connections,
            header_read_timeout: std::time::Duration::from_secs(a.header_timeout_secs),
            body_read_timeout: std::time::Duration::from_secs(a.body_timeout_secs),
            auth_failure_burst: a.auth_failure_burst,
            auth_failure_interval: std::time::Duration::from_secs(a.auth_failure_interval_secs),
            throttled_answer_delay: std::time::Duration::from_millis(a.throttle_delay_ms),
        },
        ..Default::default()
    };
    let server = coffer_http::Server::bind(engine.clone(), config)
        .await
        .map_err(|e| Failure::Other(anyhow!("{e}")))?;
    let scheme = if server.is_tls() { "https" } else { "http" };
    // Rotation runs in the background while the API serves.
    engine.set_rotators(coffer_rotators::registry());
    engine.set_api_endpoint(Some(format!("{scheme}://{}", server.local_addr())));
    let scheduler = coffer_engine::rotation::Scheduler::start(engine.clone());
    let mut ready = json!({ "Listening": format!("{scheme}://{}", server.local_addr()) });
    if let Some(f) = fingerprint {
        ready["CertificateSha256"] = json!(f);
    }
    // One line on stdout when ready, so scripts (and tests) learn the address.
    println!("{ready}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    server
        .run(shutdown_signal())
        .await
        .map_err(|e| Failure::Other(anyhow!("{e}")))?;
    scheduler.shutdown().await;
    eprintln!("coffer: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
