//! Custom rotators: a registered command run once per step, as AWS runs a rotation Lambda.
//!
//! The command (no shell) gets AWS's event JSON (`Step`, `SecretId`, `ClientRequestToken`)
//! on stdin, and an environment made only of the definition's variables plus, when the API
//! is running, the endpoint and short-lived credentials limited to the secret (the variables
//! the AWS SDKs and CLI read). Nothing else of Coffer's own environment is passed on except
//! `PATH`, `HOME`, `LANG` and `TMPDIR`, so a master password in the parent's environment
//! never reaches a rotator. The command runs in its own process group, which is killed at the
//! timeout or when the step is dropped.
//!
//! A non-zero exit fails the step with its exit status and a short excerpt of its stderr.
//! That message is stored in `rotation_jobs` and the audit log, and a script traced with
//! `set -x` prints every password it handles, so the excerpt never holds raw output: every
//! environment value the command was given and every value of the secret it could have read
//! or written (AWSCURRENT, AWSPREVIOUS, the token's version — whole, and each string and
//! number inside a JSON value) is masked. When those values cannot be read, the excerpt is
//! left out.

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use coffer_engine::rotation::{FunctionDefinition, RotationEvent, RotationFailure, Rotator};
use coffer_engine::{AWSCURRENT, AWSPREVIOUS, ErrorCode, GetSecretValueInput, SecretValue};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use zeroize::Zeroizing;

/// How many trailing stderr lines a failure reports.
const STDERR_LINES: usize = 10;
/// At most this many bytes of them.
const STDERR_BYTES: usize = 1024;
/// Shorter values are not masked: blanking every `1` or `on` would leave nothing to read,
/// and a value this short protects nothing.
const MIN_MASKED: usize = 3;
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
/// Masks before it cuts, so a value across the cut cannot leave a fragment behind; longer
/// values first, so one that contains another is masked whole.
fn stderr_tail(stderr: &[u8], hidden: &[&str]) -> String {
    let mut text = Zeroizing::new(String::from_utf8_lossy(stderr).into_owned());
    let mut hidden: Vec<&str> = hidden
        .iter()
        .copied()
        .filter(|h| h.len() >= MIN_MASKED)
        .collect();
    hidden.sort_unstable_by_key(|h| std::cmp::Reverse(h.len()));
    for h in hidden {
        if text.contains(h) {
            *text = text.replace(h, "***");
        }
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

/// The texts under which `value` can appear in a command's output: the whole value, and for
/// a JSON value each string and number in it, also JSON-escaped (as `jq` or an SDK's debug
/// log prints it). A binary value also as base64, the way the API carries it.
fn masked_forms(value: &SecretValue, out: &mut Vec<Zeroizing<String>>) {
    let bytes = value.bytes().expose();
    if matches!(value, SecretValue::Binary(_)) {
        out.push(Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    out.push(Zeroizing::new(text.to_owned()));
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        json_leaves(&json, out);
    }
}

fn json_leaves(json: &serde_json::Value, out: &mut Vec<Zeroizing<String>>) {
    match json {
        serde_json::Value::String(s) => {
            out.push(Zeroizing::new(s.clone()));
            let quoted = Zeroizing::new(json.to_string());
            let escaped = &quoted[1..quoted.len() - 1];
            if escaped != s {
                out.push(Zeroizing::new(escaped.to_owned()));
            }
        }
        serde_json::Value::Number(n) => out.push(Zeroizing::new(n.to_string())),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_leaves(v, out)),
        serde_json::Value::Object(members) => members.values().for_each(|v| json_leaves(v, out)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// Every form of every value of the secret the step could have read or written (see
/// [`masked_forms`]): AWSCURRENT, AWSPREVIOUS and the token's version, those that exist.
/// Read as the step itself reads (`event.ctx`). `None` when one of them could not be read:
/// the caller then leaves the excerpt out rather than show it unmasked.
async fn secret_values(event: &RotationEvent) -> Option<Vec<Zeroizing<String>>> {
    let mut out = Vec::new();
    for (version_id, version_stage) in [
        (None, Some(AWSCURRENT)),
        (None, Some(AWSPREVIOUS)),
        (Some(event.client_request_token.clone()), None),
    ] {
        let read = event
            .engine
            .get_secret_value(
                &event.ctx,
                GetSecretValueInput {
                    secret_id: event.secret_id.clone(),
                    version_id,
                    version_stage: version_stage.map(str::to_owned),
                },
            )
            .await;
        match read {
            Ok(v) => masked_forms(&v.value, &mut out),
            Err(e) if e.code() == ErrorCode::ResourceNotFound => {}
            Err(_) => return None,
        }
    }
    Some(out)
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
        let err = Zeroizing::new(err);
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_owned(),
        };
        let failed = format!("Function {} {how} at {}.", self.def.name, event.step);
        let Some(values) = secret_values(event).await else {
            return Err(RotationFailure::new(
                kind::COMMAND_FAILED,
                format!(
                    "{failed} Its stderr is left out: the secret's values to mask in it could not be read."
                ),
            ));
        };
        let hidden: Vec<&str> = env
            .iter()
            .filter(|(k, _)| !INHERITED.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
            .chain(values.iter().map(|v| v.as_str()))
            .collect();
        let tail = stderr_tail(&err, &hidden);
        Err(RotationFailure::new(
            kind::COMMAND_FAILED,
            if tail.is_empty() {
                failed
            } else {
                format!("{failed} Its stderr ended with (values masked):\n{tail}")
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

    #[test]
    fn a_json_value_is_masked_whole_and_by_leaf_also_escaped() {
        let value =
            SecretValue::string(r#"{"user":"app","password":"p\"w\\d-1","port":5432,"tls":true}"#);
        let mut forms = Vec::new();
        masked_forms(&value, &mut forms);
        let forms: Vec<&str> = forms.iter().map(|f| f.as_str()).collect();
        let err = format!(
            "+ psql -p 5432 -U app\nset to p\"w\\d-1 ({{\"password\":\"p\\\"w\\\\d-1\"}})\n{}\ntls=true\n",
            value.as_str().unwrap()
        );
        let t = stderr_tail(err.as_bytes(), &forms);
        assert_eq!(
            t,
            "+ psql -p *** -U ***\nset to *** ({\"password\":\"***\"})\n***\ntls=true"
        );
    }
}
