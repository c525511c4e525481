//! The contract between the rotation protocol and the things that rotate credentials.
//!
//! A rotator plays the part of an AWS rotation Lambda: the engine calls it once per step
//! (createSecret → setSecret → testSecret → finishSecret) with the event AWS would send, and
//! the rotator reads and writes the secret through the same engine operations a Lambda
//! makes through the Secrets Manager API (GetSecretValue, PutSecretValue with the token
//! under AWSPENDING, UpdateSecretVersionStage to move AWSCURRENT in finishSecret), with the
//! request context the engine hands it. Rotators live in `coffer-rotators`; the composition
//! root (the CLI's `serve`, the desktop shell) registers them with [`RotatorRegistry`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::{Engine, RequestContext};

/// One step of AWS's four-step rotation protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RotationStep {
    /// Make the new credential and store it as the AWSPENDING version.
    CreateSecret,
    /// Set the AWSPENDING credential on the target (the database).
    SetSecret,
    /// Prove the AWSPENDING credential works on the target.
    TestSecret,
    /// Move AWSCURRENT to the AWSPENDING version.
    FinishSecret,
}

impl RotationStep {
    /// The four steps in the order they run.
    pub const ALL: [RotationStep; 4] = [
        RotationStep::CreateSecret,
        RotationStep::SetSecret,
        RotationStep::TestSecret,
        RotationStep::FinishSecret,
    ];

    /// The name AWS puts in the event's `Step` member (`createSecret`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RotationStep::CreateSecret => "createSecret",
            RotationStep::SetSecret => "setSecret",
            RotationStep::TestSecret => "testSecret",
            RotationStep::FinishSecret => "finishSecret",
        }
    }

    /// Parses AWS's step name.
    pub fn parse(s: &str) -> Option<RotationStep> {
        RotationStep::ALL
            .into_iter()
            .find(|step| step.as_str() == s)
    }
}

impl fmt::Display for RotationStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Short-lived API credentials limited to the secret being rotated, for rotators that run
/// outside the process (custom commands) and call back through the HTTP API as a Lambda
/// would. Never printed.
#[derive(Clone)]
pub struct ApiAccess {
    /// The API endpoint URL, e.g. `http://127.0.0.1:7878`.
    pub endpoint: String,
    /// The region to sign for.
    pub region: String,
    /// A temporary access key id.
    pub access_key_id: String,
    /// Its secret (shown only to the rotator).
    pub secret_access_key: String,
}

impl fmt::Debug for ApiAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiAccess")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What the engine passes to a rotator for one step: AWS's event plus the means to act.
#[derive(Clone)]
pub struct RotationEvent {
    /// The step to run.
    pub step: RotationStep,
    /// The secret's ARN (AWS's `SecretId`).
    pub secret_id: String,
    /// The version id of the AWSPENDING version being prepared (AWS's `ClientRequestToken`).
    pub client_request_token: String,
    /// The engine, for the Secrets Manager calls a Lambda would make.
    pub engine: Engine,
    /// The context those calls run under: the function's execution role, from source
    /// `Scheduler` (never Coffer itself: a rotator may do only what its role may).
    pub ctx: RequestContext,
    /// The secret's first version with a value: the multi-user rotators take the pair of
    /// database users they may change from it, never from a later version a writer chose.
    pub first_version_id: Option<String>,
    /// API access for out-of-process rotators, when the API listener is running.
    pub api: Option<ApiAccess>,
}

impl fmt::Debug for RotationEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotationEvent")
            .field("step", &self.step)
            .field("secret_id", &self.secret_id)
            .field("client_request_token", &self.client_request_token)
            .finish_non_exhaustive()
    }
}

/// Why a step failed, in words safe to audit and show (never a secret value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationFailure {
    /// Short machine-readable kind, e.g. `TargetUnreachable`, `AuthenticationFailed`,
    /// `InvalidSecret`, `Timeout`, `CommandFailed`.
    pub kind: String,
    /// What happened and what to do, for the audit log and the UI.
    pub message: String,
    /// True when the target refused the new password itself (too weak, reused): the next
    /// attempt must generate a fresh password rather than retry the same one.
    pub password_rejected: bool,
}

impl RotationFailure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> RotationFailure {
        RotationFailure {
            kind: kind.into(),
            message: message.into(),
            password_rejected: false,
        }
    }
}

impl fmt::Display for RotationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for RotationFailure {}

impl From<crate::Error> for RotationFailure {
    fn from(e: crate::Error) -> RotationFailure {
        RotationFailure::new(e.code().as_str(), e.to_string())
    }
}

/// A rotation function: Coffer's equivalent of a rotation Lambda.
#[async_trait]
pub trait Rotator: Send + Sync {
    /// Runs one step. Must be idempotent per (step, token), as AWS requires of a Lambda:
    /// a step may be retried after a crash or a failure.
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure>;
}

/// A function registered with `coffer lambda create-function`: a command Coffer runs once
/// per step with the event JSON on stdin, or a built-in deployed under a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDefinition {
    /// The function name (the last part of its Lambda ARN).
    pub name: String,
    /// The program and its arguments (no shell).
    pub command: Vec<String>,
    /// Extra environment variables for the command.
    pub environment: BTreeMap<String, String>,
    /// How long one step may run before it is killed and fails.
    pub timeout: Duration,
    /// The execution role every call of the function acts as.
    pub role_arn: Option<String>,
    /// The built-in rotator it deploys instead of a command.
    pub template: Option<String>,
}

/// Builds the rotator for a registered custom function.
pub type CommandRotatorFactory = Arc<dyn Fn(FunctionDefinition) -> Arc<dyn Rotator> + Send + Sync>;

/// The rotators an engine can call, by function name (the last part of the Lambda ARN,
/// `arn:aws:lambda:<region>:<account>:function:<name>`).
#[derive(Clone, Default)]
pub struct RotatorRegistry {
    builtins: BTreeMap<String, Arc<dyn Rotator>>,
    command_factory: Option<CommandRotatorFactory>,
}

impl fmt::Debug for RotatorRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatorRegistry")
            .field("builtins", &self.builtins.keys().collect::<Vec<_>>())
            .field("commands", &self.command_factory.is_some())
            .finish()
    }
}

impl RotatorRegistry {
    /// An empty registry.
    pub fn new() -> RotatorRegistry {
        RotatorRegistry::default()
    }

    /// Registers a built-in rotator under `name` (e.g. `coffer-generated-value`).
    pub fn with_builtin(mut self, name: impl Into<String>, rotator: Arc<dyn Rotator>) -> Self {
        self.builtins.insert(name.into(), rotator);
        self
    }

    /// Sets how registered custom functions become rotators.
    pub fn with_command_factory(mut self, factory: CommandRotatorFactory) -> Self {
        self.command_factory = Some(factory);
        self
    }

    /// The built-in rotator called `name`.
    pub fn builtin(&self, name: &str) -> Option<Arc<dyn Rotator>> {
        self.builtins.get(name).cloned()
    }

    /// The names of the built-in rotators.
    pub fn builtin_names(&self) -> impl Iterator<Item = &str> {
        self.builtins.keys().map(String::as_str)
    }

    /// The rotator for a registered custom function, if commands are enabled.
    pub fn command(&self, def: FunctionDefinition) -> Option<Arc<dyn Rotator>> {
        self.command_factory.as_ref().map(|f| f(def))
    }
}
