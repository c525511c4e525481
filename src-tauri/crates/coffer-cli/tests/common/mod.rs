//! Helpers shared by the CLI's integration tests: a store in a temporary directory and
//! the real `coffer` executable run against it, the way a script would.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The executable under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_coffer");
/// Every test store's master password.
pub const PASSWORD: &str = "correct horse battery staple";

/// One store in its own temporary directory.
pub struct Store {
    pub dir: TempDir,
    pub db: PathBuf,
    pub password_file: PathBuf,
}

impl Store {
    /// A directory with a password file but no store yet.
    pub fn empty() -> Store {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("s.db");
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("write password file");
        Store {
            dir,
            db,
            password_file,
        }
    }

    /// A freshly initialised store (cheap KDF so each unseal is fast).
    pub fn new() -> Store {
        let s = Store::empty();
        let v = s.ok(&[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ]);
        assert_eq!(v["AccountId"], "123456789012", "{v}");
        assert_eq!(v["Region"], "us-east-1", "{v}");
        assert!(s.db.exists(), "init did not create the store file");
        s
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the store's directory and returns its path.
    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write file");
        p
    }

    /// Runs `coffer --store … --password-file <file> args…`.
    pub fn run_with(&self, password_file: &Path, args: &[&str]) -> Output {
        let out = Command::new(BIN)
            .arg("--store")
            .arg(&self.db)
            .arg("--password-file")
            .arg(password_file)
            .args(args)
            .env_remove("COFFER_STORE")
            .env_remove("COFFER_PASSWORD_FILE")
            .env_remove("COFFER_REGION")
            .stdin(Stdio::null())
            .output()
            .expect("spawn coffer");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "coffer {args:?} panicked:\n{stderr}"
        );
        out
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(&self.password_file, args)
    }

    /// Runs `coffer --store … args…` with no password file and no terminal: the password
    /// can only come from the OS keyring.
    pub fn run_bare(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--store")
            .arg(&self.db)
            .args(args)
            .env_remove("COFFER_STORE")
            .env_remove("COFFER_PASSWORD_FILE")
            .env_remove("COFFER_REGION")
            .stdin(Stdio::null())
            .output()
            .expect("spawn coffer")
    }

    /// Writes a file in the store's directory and returns `file://<path>`.
    pub fn file_arg(&self, name: &str, contents: &str) -> String {
        let p = self.file(name, contents.as_bytes());
        format!("file://{}", p.display())
    }

    /// Runs and expects exit 0; returns stdout as text.
    pub fn ok_text(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "coffer {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and expects exit 0 and a JSON document on stdout.
    pub fn ok(&self, args: &[&str]) -> Value {
        let text = self.ok_text(args);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("coffer {args:?} printed no JSON ({e}):\n{text}"))
    }

    /// Runs and expects exit `code`; returns stderr (stdout must be empty).
    pub fn fail(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "coffer {args:?}: wrong exit code\nstdout: {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            out.stdout.is_empty(),
            "coffer {args:?} printed to stdout on failure: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }

    /// Expects an AWS-style service error (exit 254) with this code and action.
    pub fn api_error(&self, code: &str, action: &str, args: &[&str]) -> String {
        let stderr = self.fail(254, args);
        let prefix = format!("An error occurred ({code}) when calling the {action} operation: ");
        assert!(
            stderr.starts_with(&prefix),
            "expected '{prefix}…', got: {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "multi-line error: {stderr}"
        );
        assert!(
            stderr.trim_end().len() > prefix.len(),
            "empty message: {stderr}"
        );
        stderr
    }
}
