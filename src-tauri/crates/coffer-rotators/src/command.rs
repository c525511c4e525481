//! Custom rotators: a registered command run once per step, as AWS runs a rotation Lambda.
//!
//! The command (no shell) gets AWS's event JSON (`Step`, `SecretId`, `ClientRequestToken`)
//! on stdin, and an environment made only of the definition's variables plus, when the API
//! is running, the endpoint and short-lived credentials limited to the secret (the variables
//! the AWS SDKs and CLI read). Nothing else of Coffer's own environment is passed on except
//! `PATH`, `HOME`, `LANG` and `TMPDIR`, so a master password in the parent's environment
//! never reaches a rotator. The command runs in its own process group, which is killed at the
//! timeout or when the step is dropped. A non-zero exit fails the step with the last lines of
//! its stderr, with every environment value it was given blanked out.

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use coffer_engine::rotation::{FunctionDefinition, RotationEvent, RotationFailure, Rotator};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// How many trailing stderr lines a failure reports.
const STDERR_LINES: usize = 10;
/// At most this many bytes of them.
const STDERR_BYTES: usize = 2000;
/// Parent environment variables passed on (none of them can hold a secret of Coffer's).
const INHERITED: [&str; 4] = ["PATH", "HOME", "LANG", "TMPDIR"];

/// Failure kinds of the command rotator.
pub mod kind {
    /// The command could not be started.
    pub const COMMAND_NOT_STARTED: &str = "CommandNotStarted";
    /// The command exited non-zero or was killed by a signal.
    pub const COMMAND_FAILED: &str = "CommandFailed";
    /// The command ran past the function's timeout and was killed.
    pub const TIMEOUT: &str = "Timeout";
}

/// Runs a [`FunctionDefinition`]'s command for each step.
#[derive(Debug, Clone)]
pub struct CommandRotator {
    def: FunctionDefinition,
}

impl CommandRotator {
    /// The rotator for `def`.
    pub fn new(def: FunctionDefinition) -> CommandRotator {
        CommandRotator { def }
    }

    fn environment(&self, event: &RotationEvent) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = INHERITED
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| ((*k).to_owned(), v)))
            .collect();
        env.extend(
            self.def
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        if let Some(api) = &event.api {
            for (k, v) in [
                ("AWS_ENDPOINT_URL", &api.endpoint),
                ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &api.endpoint),
                ("AWS_ACCESS_KEY_ID", &api.access_key_id),
                ("AWS_SECRET_ACCESS_KEY", &api.secret_access_key),
                ("AWS_REGION", &api.region),
                ("AWS_DEFAULT_REGION", &api.region),
            ] {
                env.push((k.to_owned(), v.clone()));
            }
        }
        env
    }
}

/// The last lines of `stderr`, truncated, with each of `hidden` replaced by `***`.
fn stderr_tail(stderr: &[u8], hidden: &[&str]) -> String {
    let mut text = String::from_utf8_lossy(stderr).into_owned();
    for h in hidden.iter().filter(|h| h.len() >= 3) {
        text = text.replace(*h, "***");
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut tail = lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n");
    if tail.len() > STDERR_BYTES {
        let mut cut = tail.len() - STDERR_BYTES;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = format!("…{}", &tail[cut..]);
    }
    tail
}

/// Kills the whole process group (the command and anything it started).
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

#[async_trait]
impl Rotator for CommandRotator {
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let Some((program, args)) = self.def.command.split_first() else {
            return Err(RotationFailure::new(
                kind::COMMAND_NOT_STARTED,
                format!("Function {} has an empty command.", self.def.name),
            ));
        };
        let env = self.environment(event);
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| {
            RotationFailure::new(
                kind::COMMAND_NOT_STARTED,
                format!("Function {} could not start {program}: {e}", self.def.name),
            )
        })?;
        let pid = child.id();
        // Kill the group also when this future is dropped mid-step (cancellation).
        struct GroupGuard(Option<u32>);
        impl Drop for GroupGuard {
            fn drop(&mut self) {
                kill_group(self.0.take());
            }
        }
        let mut guard = GroupGuard(pid);

        let payload = serde_json::json!({
            "Step": event.step.as_str(),
            "SecretId": event.secret_id,
            "ClientRequestToken": event.client_request_token,
        })
        .to_string();
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let run = async {
            // A command that never reads stdin must not fail the step: ignore EPIPE.
            let _ = stdin.write_all(payload.as_bytes()).await;
            drop(stdin);
            let mut err = Vec::new();
            let (_, status) = tokio::join!(stderr.read_to_end(&mut err), child.wait());
            (err, status)
        };
        let (err, status) = match tokio::time::timeout(self.def.timeout, run).await {
            Ok(done) => done,
            Err(_) => {
                kill_group(guard.0.take());
                return Err(RotationFailure::new(
                    kind::TIMEOUT,
                    format!(
                        "Function {} ran longer than its timeout of {} and was killed at {}.",
                        self.def.name,
                        human(self.def.timeout),
                        event.step
                    ),
                ));
            }
        };
        // The command has exited; anything it left running in its group goes too.
        kill_group(guard.0.take());
        let status = status.map_err(|e| {
            RotationFailure::new(
                kind::COMMAND_FAILED,
                format!(
                    "Function {}: waiting for the command failed: {e}",
                    self.def.name
                ),
            )
        })?;
        if status.success() {
            return Ok(());
        }
        let hidden: Vec<&str> = env
            .iter()
            .filter(|(k, _)| !INHERITED.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
            .collect();
        let tail = stderr_tail(&err, &hidden);
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_owned(),
        };
        Err(RotationFailure::new(
            kind::COMMAND_FAILED,
            if tail.is_empty() {
                format!("Function {} {how} at {}.", self.def.name, event.step)
            } else {
                format!(
                    "Function {} {how} at {}. Its stderr ended with:\n{tail}",
                    self.def.name, event.step
                )
            },
        ))
    }
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_hides_values_and_truncates() {
        let mut err = String::new();
        for i in 0..30 {
            err.push_str(&format!("line {i} key=abc123secret\n"));
        }
        let t = stderr_tail(err.as_bytes(), &["abc123secret"]);
        assert_eq!(t.lines().count(), STDERR_LINES);
        assert!(t.starts_with("line 20"));
        assert!(!t.contains("abc123secret"));
        let long = "x".repeat(10_000);
        assert!(stderr_tail(long.as_bytes(), &[]).len() <= STDERR_BYTES + '…'.len_utf8());
    }
}
