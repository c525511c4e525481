//! Rotation: AWS's four-step protocol, schedules, and the background scheduler.
//!
//! - [`schedule`]: `rate(…)`, `cron(…)`, AutomaticallyAfterDays and the Duration window;
//! - `protocol.rs`: RotateSecret / CancelRotateSecret and the job that drives a rotator
//!   through createSecret → setSecret → testSecret → finishSecret, with its state persisted
//!   in `rotation_jobs` so a crash between steps resumes at the right step;
//! - `status.rs`: what the desktop and the CLI show (state, last error, next runs, history);
//! - [`scheduler`]: the background task that starts due rotations and retries failed ones;
//! - `functions.rs`: registered custom rotation functions (the Lambda equivalent);
//! - `credentials.rs`: the short-lived, one-secret API credentials a custom function's
//!   step gets (its "execution role").

mod credentials;
pub(crate) mod functions;
mod protocol;
mod rotator;
pub mod schedule;
pub mod scheduler;
mod status;

pub use credentials::ROTATION_ROLE_PATH;
pub use functions::{CreateFunctionInput, FunctionInfo};
pub use protocol::{
    CancelRotateSecretOutput, RotateSecretInput, RotateSecretOutput, RotationRun, backoff_delay,
    lambda_arn_function_name,
};
pub use rotator::{
    ApiAccess, CommandRotatorFactory, FunctionDefinition, RotationEvent, RotationFailure,
    RotationStep, Rotator, RotatorRegistry,
};
pub use schedule::{RotationRules, Schedule};
pub use scheduler::{Scheduler, SchedulerHandle, SchedulerPasses};
pub use status::{HISTORY_ACTIONS, RotationDescription, RotationState, RotationStatus};

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

use tokio::sync::Notify;

/// The engine's rotation state that is not in the store: the rotators it may call, the
/// API endpoint out-of-process rotators are told about, and the scheduler's wake-up.
pub(crate) struct RotationRuntime {
    pub(crate) registry: RwLock<RotatorRegistry>,
    pub(crate) api_endpoint: RwLock<Option<String>>,
    /// Woken whenever a schedule or job changes, and at unseal, so the scheduler re-plans.
    pub(crate) wake: Arc<Notify>,
    /// This process's identity in job leases.
    pub(crate) instance: String,
    /// How many times the scheduler woke up (tests prove it does not busy-loop).
    pub(crate) wakeups: AtomicU64,
    /// The scheduler's passes, published as they start and end (see [`SchedulerPasses`]).
    pub(crate) passes: tokio::sync::watch::Sender<SchedulerPasses>,
}

impl Default for RotationRuntime {
    fn default() -> Self {
        RotationRuntime {
            registry: RwLock::new(RotatorRegistry::new()),
            api_endpoint: RwLock::new(None),
            wake: Arc::new(Notify::new()),
            instance: uuid::Uuid::new_v4().to_string(),
            wakeups: AtomicU64::new(0),
            passes: tokio::sync::watch::Sender::new(SchedulerPasses::default()),
        }
    }
}

impl std::fmt::Debug for RotationRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotationRuntime")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl crate::Engine {
    /// Sets the rotators this engine may call (the composition root passes
    /// `coffer_rotators::registry()`).
    pub fn set_rotators(&self, registry: RotatorRegistry) {
        *self.inner.rotation.registry.write().expect("rotators lock") = registry;
    }

    /// Tells the engine where the API listens, so custom rotators get an endpoint and
    /// short-lived credentials limited to their secret (`None` = no API running).
    pub fn set_api_endpoint(&self, endpoint: Option<String>) {
        *self
            .inner
            .rotation
            .api_endpoint
            .write()
            .expect("endpoint lock") = endpoint;
    }

    /// The names of the built-in rotators (the function part of their Lambda ARNs).
    pub fn builtin_rotators(&self) -> Vec<String> {
        self.inner
            .rotation
            .registry
            .read()
            .expect("rotators lock")
            .builtin_names()
            .map(str::to_owned)
            .collect()
    }

    /// The Lambda ARN that names rotator `name` in `region` of this account.
    pub fn rotator_arn(&self, region: &str, name: &str) -> String {
        format!(
            "arn:aws:lambda:{region}:{}:function:{name}",
            self.inner.account_id
        )
    }

    /// Wakes the scheduler so it re-plans (a schedule or job changed, or the store unsealed).
    pub fn wake_scheduler(&self) {
        self.inner.rotation.wake.notify_one();
    }
}
