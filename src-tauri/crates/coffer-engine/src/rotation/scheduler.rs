//! The rotation scheduler: a background task that starts rotations whose window has come
//! and retries failed ones, with the engine's injected clock.
//!
//! It sleeps until the earliest due time (one index seek on `rotation_config_due`, one on
//! `rotation_jobs`), or until woken: the engine notifies it whenever a schedule or a job
//! changes and at unseal. It never polls: with nothing due it sleeps for the longest nap
//! (5 minutes, so a wall-clock jump after system sleep is noticed). Missed windows after
//! sleep or downtime run once, because a started rotation computes its next window from
//! *now*. While the store is sealed nothing runs: due rotations wait (and
//! `rotation_status` shows them as waiting) until unseal wakes the scheduler. Failed steps
//! are retried at the job's `next_attempt_at` (10 s doubling to 5 minutes, with jitter).
//!
//! Lifecycle: [`Scheduler::start`] returns a [`SchedulerHandle`]; `shutdown().await` stops
//! it between steps, and dropping the handle stops it too.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Engine;
use crate::error::Result;

/// The longest the scheduler sleeps without being woken.
const MAX_NAP: Duration = Duration::from_secs(300);
/// The pause after a pass that failed (e.g. the store was sealed mid-pass).
const ERROR_NAP: Duration = Duration::from_secs(10);
/// Rows handled per query in one pass.
const BATCH: i64 = 100;

/// Starts the scheduler for an engine.
#[derive(Debug)]
pub struct Scheduler;

/// What the scheduler has done, published on every pass so callers (tests, status views)
/// await a pass instead of guessing how long one takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerPasses {
    /// Passes begun.
    pub started: u64,
    /// Passes finished (a pass that was begun and then stopped does not count).
    pub completed: u64,
    /// How long the last finished pass decided to sleep (until the next due time, at most
    /// the longest nap).
    pub nap: Duration,
    /// Whether a scheduler task is running.
    pub running: bool,
}

/// Marks the scheduler stopped when its task ends, however it ends (shutdown or abort).
struct Running(Engine);

impl Drop for Running {
    fn drop(&mut self) {
        self.0
            .inner
            .rotation
            .passes
            .send_modify(|p| p.running = false);
    }
}

/// The running scheduler. Dropping it stops the task (without waiting for it).
#[derive(Debug)]
pub struct SchedulerHandle {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Scheduler {
    /// Spawns the scheduler on the current tokio runtime.
    pub fn start(engine: Engine) -> SchedulerHandle {
        let (stop, mut stopped) = watch::channel(false);
        let passes = engine.inner.rotation.passes.clone();
        passes.send_modify(|p| p.running = true);
        let task = tokio::spawn(async move {
            let _running = Running(engine.clone());
            let wake = Arc::clone(&engine.inner.rotation.wake);
            loop {
                if *stopped.borrow() {
                    break;
                }
                engine
                    .inner
                    .rotation
                    .wakeups
                    .fetch_add(1, Ordering::Relaxed);
                passes.send_modify(|p| p.started += 1);
                let nap = if engine.is_sealed() {
                    MAX_NAP
                } else {
                    match engine.rotation_pass(&stopped).await {
                        Ok(next) => next,
                        Err(_) => ERROR_NAP,
                    }
                };
                passes.send_modify(|p| {
                    p.completed = p.started;
                    p.nap = nap;
                });
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(nap) => {}
                    _ = stopped.changed() => {}
                }
            }
        });
        SchedulerHandle {
            stop,
            task: Some(task),
        }
    }
}

impl SchedulerHandle {
    /// Stops the scheduler and waits for it: a step in progress finishes first, so no
    /// rotation is cut between a step and its record.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SchedulerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            // Not awaited: the pass stops at its next check; the job state is persisted.
            task.abort();
        }
    }
}

impl Engine {
    /// How many times a scheduler of this engine has woken up (tests prove it does not
    /// busy-loop while nothing is due).
    pub fn scheduler_wakeups(&self) -> u64 {
        self.inner.rotation.wakeups.load(Ordering::Relaxed)
    }

    /// Follows the scheduler's passes ([`SchedulerPasses`]).
    pub fn scheduler_passes(&self) -> watch::Receiver<SchedulerPasses> {
        self.inner.rotation.passes.subscribe()
    }

    /// Wakes the scheduler and waits until a pass that began after the wake-up has
    /// finished, so everything due at this moment has been started or run. `None` when no
    /// scheduler runs (or it stopped meanwhile).
    pub async fn scheduler_pass_after_wake(&self) -> Option<SchedulerPasses> {
        let mut passes = self.scheduler_passes();
        let begun = passes.borrow_and_update().started;
        self.wake_scheduler();
        passes
            .wait_for(|p| !p.running || p.completed > begun)
            .await
            .ok()
            .map(|p| *p)
            .filter(|p| p.running)
    }

    /// One scheduler pass: starts every due scheduled rotation, runs every due job, and
    /// returns how long to sleep until the next due time.
    async fn rotation_pass(&self, stopped: &watch::Receiver<bool>) -> Result<Duration> {
        let now = self.now().timestamp_millis();
        loop {
            let due = {
                let mut conn = self.inner.store.read_conn().await?;
                coffer_store::due_rotations(&mut conn, now, BATCH).await?
            };
            let mut started = 0;
            for config in &due {
                if *stopped.borrow() {
                    return Ok(Duration::ZERO);
                }
                if self.start_scheduled_rotation(config.secret_id).await? {
                    started += 1;
                }
            }
            if (due.len() as i64) < BATCH || started == 0 {
                break;
            }
        }
        let jobs = {
            let mut conn = self.inner.store.read_conn().await?;
            coffer_store::due_rotation_jobs(&mut conn, now, BATCH).await?
        };
        for job in jobs {
            if *stopped.borrow() {
                return Ok(Duration::ZERO);
            }
            self.drive_job(job.secret_id, false).await?;
        }
        let next = self.next_rotation_wake().await?;
        let now = self.now().timestamp_millis();
        Ok(match next {
            None => MAX_NAP,
            Some(t) => Duration::from_millis(u64::try_from(t - now).unwrap_or(0)).min(MAX_NAP),
        })
    }

    /// The earliest time anything rotation-related is due: a window start, or a job's
    /// retry (or the end of another process's lease on it).
    pub async fn next_rotation_wake(&self) -> Result<Option<i64>> {
        let mut conn = self.inner.store.read_conn().await?;
        let config = coffer_store::next_due_rotation(&mut conn)
            .await?
            .and_then(|c| c.next_rotation_at);
        let job = coffer_store::next_job_wake(&mut conn).await?;
        Ok(match (config, job) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }
}
