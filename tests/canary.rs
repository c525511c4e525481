//! No plaintext at rest, in logs or in debug output (security reference §6 A.13–A.15).
//!
//! A workload stores values that carry a random canary, reads them every way the engine
//! offers, changes the master password to one that carries a second canary, and closes.
//! Then every byte Coffer wrote — the database, its `-wal` and `-shm` (scanned while open
//! and after close), the audit anchor, anything else in the store's directory — and every
//! piece of output the test captured (errors, `Debug` of inputs and outputs, the audit log)
//! is searched for either canary, raw, hex or base64 at any alignment.

use std::path::Path;

use coffer_engine::{
    AuditFilter, BatchGetSecretValueInput, CreateSecretInput, DeleteSecretInput, Engine,
    GetSecretValueInput, ListSecretVersionIdsInput, ListSecretsInput, Password,
    PutSecretValueInput, SecretBytes, SecretValue, UpdateSecretInput,
    UpdateSecretVersionStageInput,
};
use rand::Rng;

use crate::support::{PASSWORD, TestStore, root, token};

/// RFC 4648 base64, standard or URL-safe alphabet, with padding.
fn base64(bytes: &[u8], url_safe: bool) -> String {
    let alphabet: &[u8; 64] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= n {
                out.push(alphabet[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every form in which `canary` could leak: raw, hex (both cases), and base64 (both
/// alphabets) at each of the three alignments it can have inside a longer encoded buffer —
/// for each, the run of characters that depends on the canary bytes alone.
fn leak_forms(canary: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut forms = vec![
        ("raw".to_owned(), canary.to_vec()),
        (
            "hex".to_owned(),
            canary
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
        ),
        (
            "HEX".to_owned(),
            canary
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<String>()
                .into_bytes(),
        ),
    ];
    for url_safe in [false, true] {
        for shift in 0..3usize {
            let mut buf = vec![0u8; shift];
            buf.extend_from_slice(canary);
            let enc = base64(&buf, url_safe);
            let start = if shift == 0 { 0 } else { 4 };
            let stable = &enc[start..enc.len() - 4];
            assert!(stable.len() >= 24, "canary too short for a base64 probe");
            forms.push((
                format!("base64(url={url_safe}, shift={shift})"),
                stable.as_bytes().to_vec(),
            ));
        }
    }
    forms
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Fails if any canary form appears in any file under `dir` or in `log`. Returns the names
/// of the files scanned.
fn scan(dir: &Path, log: &str, canaries: &[&[u8]], when: &str) -> Vec<String> {
    let mut scanned = Vec::new();
    let mut sources: Vec<(String, Vec<u8>)> = files_under(dir)
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            scanned.push(name.clone());
            (name, std::fs::read(&p).unwrap_or_default())
        })
        .collect();
    sources.push(("captured output".into(), log.as_bytes().to_vec()));
    for canary in canaries {
        for (form, needle) in leak_forms(canary) {
            for (name, bytes) in &sources {
                if let Some(at) = find(bytes, &needle) {
                    panic!("{when}: canary ({form}) found in {name} at byte {at}");
                }
            }
        }
    }
    scanned
}

fn random_canary(prefix: &str) -> String {
    let mut rng = rand::rng();
    let tail: String = (0..24)
        .map(|_| format!("{:x}", rng.random_range(0..16u8)))
        .collect();
    format!("{prefix}{tail}")
}

/// Self-check of the scanner: the canary planted in a file and in the log, raw and
/// encoded, is found — so a clean scan means something.
#[test]
fn scanner_finds_planted_canaries() {
    let canary = random_canary("CANARY-");
    for (form, needle) in leak_forms(canary.as_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        let mut planted = b"some prefix bytes".to_vec();
        planted.extend_from_slice(&needle);
        std::fs::write(dir.path().join("f"), &planted).unwrap();
        let found =
            std::panic::catch_unwind(|| scan(dir.path(), "", &[canary.as_bytes()], "self-check"));
        assert!(found.is_err(), "planted {form} not found");
    }
    // Base64 of a longer buffer, at every offset, is caught too.
    for offset in 0..3 {
        let mut buf = vec![b'x'; offset + 5];
        buf.extend_from_slice(canary.as_bytes());
        buf.extend_from_slice(b"tail");
        let log = base64(&buf, false);
        let dir = tempfile::tempdir().unwrap();
        let found =
            std::panic::catch_unwind(|| scan(dir.path(), &log, &[canary.as_bytes()], "self-check"));
        assert!(found.is_err(), "base64 at offset {offset} not found");
    }
    assert_eq!(base64(b"foobar", false), "Zm9vYmFy");
    assert_eq!(base64(b"fooba", false), "Zm9vYmE=");
    assert_eq!(base64(&[0xfb, 0xff], true), "-_8=");
}

/// Records `Debug` of anything, and the canaries must not be in it.
struct Capture {
    log: String,
    canaries: Vec<String>,
}

impl Capture {
    fn debug(&mut self, what: &str, v: &impl std::fmt::Debug) {
        let shown = format!("{v:?}");
        for c in &self.canaries {
            assert!(
                !shown.contains(c.as_str()),
                "Debug of {what} shows the canary: {shown}"
            );
        }
        self.log.push_str(what);
        self.log.push_str(": ");
        self.log.push_str(&shown);
        self.log.push('\n');
    }

    fn result<T: std::fmt::Debug>(&mut self, what: &str, r: &coffer_engine::Result<T>) {
        if let Err(e) = r {
            self.log.push_str(&format!("{what}: error {e}\n"));
        }
        self.debug(what, r);
    }
}

/// A.13/A.14/A.15: after a full workload, no canary byte sequence is anywhere on disk, in
/// the audit log or in any captured output, and `Debug` of every type holding a secret is
/// redacted.
#[tokio::test]
async fn canary_never_appears_at_rest_or_in_output() {
    let canary = random_canary("CANARY-");
    let pw_canary = random_canary("PWCANARY-");
    let mut cap = Capture {
        log: String::new(),
        canaries: vec![canary.clone(), pw_canary.clone()],
    };
    let t = TestStore::new().await;
    let e: &Engine = &t.engine;
    let ctx = root();

    // Secret types themselves.
    let string_value = SecretValue::string(format!(
        "{{\"username\":\"admin\",\"password\":\"{canary}\"}}"
    ));
    let mut bin = vec![0x00, 0xff, 0x10];
    bin.extend_from_slice(canary.as_bytes());
    bin.extend_from_slice(&[0x80, 0x01]);
    let binary_value = SecretValue::binary(bin);
    cap.debug("SecretValue::String", &string_value);
    cap.debug("SecretValue::Binary", &binary_value);
    cap.debug("SecretBytes", &SecretBytes::from(canary.clone()));
    cap.debug("Password", &Password::from(pw_canary.as_str()));

    // Create: a string, a binary, and a secret whose value comes later.
    let create_string = CreateSecretInput {
        name: "canary/string".into(),
        client_request_token: Some(token("c1")),
        description: Some("a database login".into()),
        value: Some(string_value.clone()),
        ..Default::default()
    };
    cap.debug("CreateSecretInput", &create_string);
    let r = e.create_secret(&ctx, create_string).await;
    cap.result("create string", &r);
    r.unwrap();
    let r = e
        .create_secret(
            &ctx,
            CreateSecretInput {
                name: "canary/binary".into(),
                value: Some(binary_value.clone()),
                ..Default::default()
            },
        )
        .await;
    cap.result("create binary", &r);
    r.unwrap();
    let r = e
        .create_secret(
            &ctx,
            CreateSecretInput {
                name: "canary/later".into(),
                ..Default::default()
            },
        )
        .await;
    cap.result("create empty", &r);
    r.unwrap();

    // Put versions: AWSCURRENT, a pending one, and a conflicting token (an error whose
    // message must not carry the value).
    for (i, name) in ["canary/string", "canary/binary", "canary/later"]
        .iter()
        .enumerate()
    {
        let input = PutSecretValueInput {
            secret_id: (*name).into(),
            client_request_token: Some(token(&format!("p{i}"))),
            value: Some(SecretValue::string(format!("v2-{canary}-{i}"))),
            ..Default::default()
        };
        cap.debug("PutSecretValueInput", &input);
        let r = e.put_secret_value(&ctx, input).await;
        cap.result("put", &r);
        r.unwrap();
    }
    let pending = e
        .put_secret_value(
            &ctx,
            PutSecretValueInput {
                secret_id: "canary/string".into(),
                client_request_token: Some(token("pending")),
                value: Some(SecretValue::string(format!("pending-{canary}"))),
                version_stages: Some(vec!["AWSPENDING".into()]),
                ..Default::default()
            },
        )
        .await;
    cap.result("put pending", &pending);
    let pending = pending.unwrap();
    let conflict = e
        .put_secret_value(
            &ctx,
            PutSecretValueInput {
                secret_id: "canary/string".into(),
                client_request_token: Some(token("pending")),
                value: Some(SecretValue::string(format!("conflict-{canary}"))),
                ..Default::default()
            },
        )
        .await;
    cap.result("put conflicting token", &conflict);
    assert!(conflict.is_err());

    // Update: a new value, then a new key (re-encrypts the labelled versions).
    let update = UpdateSecretInput {
        secret_id: "canary/binary".into(),
        description: Some("updated".into()),
        value: Some(SecretValue::binary(
            format!("upd\u{0}{canary}").into_bytes(),
        )),
        ..Default::default()
    };
    cap.debug("UpdateSecretInput", &update);
    let r = e.update_secret(&ctx, update).await;
    cap.result("update", &r);
    r.unwrap();
    let key = e
        .create_key(&ctx, Some("canary key".into()), Some("alias/canary".into()))
        .await;
    cap.result("create key", &key);
    let r = e
        .update_secret(
            &ctx,
            UpdateSecretInput {
                secret_id: "canary/string".into(),
                kms_key_id: Some("alias/canary".into()),
                ..Default::default()
            },
        )
        .await;
    cap.result("update key", &r);
    r.unwrap();
    let r = e
        .update_secret_version_stage(
            &ctx,
            UpdateSecretVersionStageInput {
                secret_id: "canary/string".into(),
                version_stage: "AWSCURRENT".into(),
                remove_from_version_id: Some(token("p0")),
                move_to_version_id: Some(pending.version_id.clone()),
            },
        )
        .await;
    cap.result("stage", &r);
    r.unwrap();

    // Read every way.
    for (name, stage) in [
        ("canary/string", None),
        ("canary/string", Some("AWSPREVIOUS")),
        ("canary/binary", None),
        ("canary/later", None),
    ] {
        let r = e
            .get_secret_value(
                &ctx,
                GetSecretValueInput {
                    secret_id: name.into(),
                    version_id: None,
                    version_stage: stage.map(str::to_owned),
                },
            )
            .await;
        cap.result("get", &r);
        let out = r.unwrap();
        assert!(
            out.value
                .bytes()
                .expose()
                .windows(canary.len())
                .any(|w| w == canary.as_bytes()),
            "the value read back holds the canary"
        );
    }
    let r = e
        .get_secret_value(
            &ctx,
            GetSecretValueInput {
                secret_id: "canary/string".into(),
                version_id: Some(token("c1")),
                version_stage: Some("AWSCURRENT".into()),
            },
        )
        .await;
    cap.result("get with a mismatched stage", &r);
    let r = e.list_secrets(&ctx, ListSecretsInput::default()).await;
    cap.result("list", &r);
    let r = e
        .batch_get_secret_value(
            &ctx,
            BatchGetSecretValueInput {
                secret_id_list: Some(vec![
                    "canary/string".into(),
                    "canary/binary".into(),
                    "canary/missing".into(),
                ]),
                ..Default::default()
            },
        )
        .await;
    cap.result("batch get", &r);
    assert_eq!(r.unwrap().secret_values.len(), 2);
    let r = e
        .batch_get_secret_value(
            &ctx,
            BatchGetSecretValueInput {
                filters: Some(vec![(Some("name".into()), Some(vec!["canary/".into()]))]),
                ..Default::default()
            },
        )
        .await;
    cap.result("batch get by filter", &r);
    let r = e
        .list_secret_version_ids(
            &ctx,
            ListSecretVersionIdsInput {
                secret_id: "canary/string".into(),
                include_deprecated: true,
                ..Default::default()
            },
        )
        .await;
    cap.result("list versions", &r);
    let r = e.describe_secret(&ctx, "canary/string").await;
    cap.result("describe", &r);
    let r = e
        .delete_secret(
            &ctx,
            DeleteSecretInput {
                secret_id: "canary/later".into(),
                ..Default::default()
            },
        )
        .await;
    cap.result("delete", &r);
    let r = e.restore_secret(&ctx, "canary/later").await;
    cap.result("restore", &r);

    // While open: the WAL (and SHM) hold the newest pages.
    let open_files = scan(
        t.dir.path(),
        &cap.log,
        &[canary.as_bytes(), pw_canary.as_bytes()],
        "while open",
    );
    assert!(
        open_files.iter().any(|f| f.ends_with("-wal")),
        "no WAL scanned while open: {open_files:?}"
    );

    // Change the master password to one carrying the second canary, and back through it.
    let r = e
        .change_password(
            &ctx,
            &Password::from(PASSWORD),
            &Password::from(pw_canary.as_str()),
            None,
        )
        .await;
    cap.result("change password", &r);
    r.unwrap();
    e.seal();
    e.unseal(&Password::from(pw_canary.as_str())).await.unwrap();
    let audit = e
        .query_audit(
            &ctx,
            &AuditFilter {
                limit: Some(10_000),
                ..Default::default()
            },
        )
        .await;
    cap.result("audit log", &audit);
    assert!(audit.unwrap().events.len() > 20);
    let r = e.verify_audit(&ctx).await;
    cap.result("verify audit", &r);
    assert!(r.unwrap().is_intact());
    let open_files = scan(
        t.dir.path(),
        &cap.log,
        &[canary.as_bytes(), pw_canary.as_bytes()],
        "after the password change",
    );
    assert!(
        open_files.iter().any(|f| f.ends_with("-wal")),
        "{open_files:?}"
    );

    e.close().await;
    let closed_files = scan(
        t.dir.path(),
        &cap.log,
        &[canary.as_bytes(), pw_canary.as_bytes()],
        "after close",
    );
    assert!(
        closed_files.iter().any(|f| f == "coffer.db"),
        "{closed_files:?}"
    );
    assert!(
        closed_files.iter().any(|f| f.ends_with(".audit-anchor")),
        "{closed_files:?}"
    );
}
