//! End-to-end tests of the `coffer` binary: every test spawns the real executable against a
//! store in a temporary directory and reads the JSON it prints, the way a script would.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

mod common;
use common::Store;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn names(list: &Value) -> BTreeSet<String> {
    list["SecretList"]
        .as_array()
        .unwrap_or_else(|| panic!("no SecretList: {list}"))
        .iter()
        .map(|e| s(&e["Name"]).to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|x| (*x).to_owned()).collect()
}

fn tags(desc: &Value) -> BTreeSet<(String, String)> {
    desc["Tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| (s(&t["Key"]).to_owned(), s(&t["Value"]).to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Standard base64 (the test's own, to check `SecretBinary` independently of the CLI).
fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Number of CSV records (newlines inside quoted fields do not end a record).
fn csv_records(text: &str) -> usize {
    let mut in_quotes = false;
    let mut records = 0;
    let mut pending = false;
    for c in text.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                pending = true;
            }
            '\n' if !in_quotes => {
                records += 1;
                pending = false;
            }
            _ => pending = true,
        }
    }
    records + usize::from(pending)
}

#[test]
fn b64_helper_is_right() {
    assert_eq!(b64(b""), "");
    assert_eq!(b64(b"f"), "Zg==");
    assert_eq!(b64(b"fo"), "Zm8=");
    assert_eq!(b64(b"foo"), "Zm9v");
    assert_eq!(b64(b"foobar"), "Zm9vYmFy");
    assert_eq!(csv_records("a,b\n1,\"x\ny\"\n2,z\n"), 3);
}

#[test]
fn admin_flow_create_get_put_and_move_labels() {
    let st = Store::new();

    let c = st.ok(&[
        "create-secret",
        "--name",
        "prod/db",
        "--description",
        "primary database",
        "--secret-string",
        r#"{"user":"app","password":"p1"}"#,
        "--tags",
        "Key=env,Value=prod",
        "Key=team,Value=ops",
    ]);
    assert_eq!(c["Name"], "prod/db");
    let arn = s(&c["ARN"]).to_owned();
    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-"),
        "{arn}"
    );
    assert_eq!(
        arn.len(),
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-".len() + 6,
        "{arn}"
    );
    let v1 = s(&c["VersionId"]).to_owned();

    let g = st.ok(&["get-secret-value", "--secret-id", "prod/db"]);
    assert_eq!(g["SecretString"], r#"{"user":"app","password":"p1"}"#);
    assert_eq!(g["VersionStages"], json!(["AWSCURRENT"]));
    assert_eq!(g["VersionId"], v1.as_str());
    assert_eq!(g["ARN"], arn.as_str());
    assert!(g.get("SecretBinary").is_none(), "{g}");
    assert!(num(&g["CreatedDate"]) > 1.0e9, "{g}");

    // by ARN as well
    let g = st.ok(&["get-secret-value", "--secret-id", &arn]);
    assert_eq!(g["VersionId"], v1.as_str());

    let p = st.ok(&[
        "put-secret-value",
        "--secret-id",
        "prod/db",
        "--secret-string",
        "p2",
    ]);
    let v2 = s(&p["VersionId"]).to_owned();
    assert_ne!(v1, v2);
    assert_eq!(p["VersionStages"], json!(["AWSCURRENT"]));
    assert_eq!(p["ARN"], arn.as_str());

    let g = st.ok(&["get-secret-value", "--secret-id", "prod/db"]);
    assert_eq!(g["SecretString"], "p2");
    assert_eq!(g["VersionId"], v2.as_str());
    let g = st.ok(&[
        "get-secret-value",
        "--secret-id",
        "prod/db",
        "--version-stage",
        "AWSPREVIOUS",
    ]);
    assert_eq!(g["VersionId"], v1.as_str());
    assert_eq!(g["VersionStages"], json!(["AWSPREVIOUS"]));

    let d = st.ok(&["describe-secret", "--secret-id", "prod/db"]);
    assert_eq!(
        d["VersionIdsToStages"],
        json!({ v1.clone(): ["AWSPREVIOUS"], v2.clone(): ["AWSCURRENT"] })
    );

    // Moving AWSCURRENT without naming its current holder is refused.
    let e = st.api_error(
        "InvalidParameterException",
        "UpdateSecretVersionStage",
        &[
            "update-secret-version-stage",
            "--secret-id",
            "prod/db",
            "--version-stage",
            "AWSCURRENT",
            "--move-to-version-id",
            &v1,
        ],
    );
    assert!(
        e.contains(&v2),
        "the message should name the holder {v2}: {e}"
    );

    // Roll back: AWSCURRENT to v1, AWSPREVIOUS follows to v2.
    let u = st.ok(&[
        "update-secret-version-stage",
        "--secret-id",
        "prod/db",
        "--version-stage",
        "AWSCURRENT",
        "--move-to-version-id",
        &v1,
        "--remove-from-version-id",
        &v2,
    ]);
    assert_eq!(u, json!({ "ARN": arn, "Name": "prod/db" }));
    let g = st.ok(&["get-secret-value", "--secret-id", "prod/db"]);
    assert_eq!(g["VersionId"], v1.as_str());
    assert_eq!(g["SecretString"], r#"{"user":"app","password":"p1"}"#);
    assert_eq!(g["VersionStages"], json!(["AWSCURRENT"]));

    let d = st.ok(&["describe-secret", "--secret-id", "prod/db"]);
    assert_eq!(
        d["VersionIdsToStages"],
        json!({ v1.clone(): ["AWSCURRENT"], v2.clone(): ["AWSPREVIOUS"] })
    );
    assert_eq!(d["Name"], "prod/db");
    assert_eq!(d["Description"], "primary database");
    assert_eq!(
        tags(&d),
        [("env".into(), "prod".into()), ("team".into(), "ops".into())].into()
    );
    assert!(d.get("DeletedDate").is_none(), "{d}");
    assert!(
        d.get("KmsKeyId").is_none(),
        "default key must be omitted: {d}"
    );
    assert!(d.get("SecretVersionsToStages").is_none(), "{d}");

    // A third value: v1 becomes AWSPREVIOUS and v2 loses every label (deprecated).
    let p = st.ok(&[
        "put-secret-value",
        "--secret-id",
        "prod/db",
        "--secret-string",
        "p3",
    ]);
    let v3 = s(&p["VersionId"]).to_owned();
    let d = st.ok(&["describe-secret", "--secret-id", "prod/db"]);
    assert_eq!(
        d["VersionIdsToStages"],
        json!({ v1.clone(): ["AWSPREVIOUS"], v3.clone(): ["AWSCURRENT"] })
    );

    let l = st.ok(&["list-secret-version-ids", "--secret-id", "prod/db"]);
    let ids: BTreeSet<String> = l["Versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| s(&v["VersionId"]).to_owned())
        .collect();
    assert_eq!(ids, set(&[&v1, &v3]), "{l}");
    assert_eq!(l["ARN"], arn.as_str());
    assert_eq!(l["Name"], "prod/db");

    let l = st.ok(&[
        "list-secret-version-ids",
        "--secret-id",
        "prod/db",
        "--include-deprecated",
    ]);
    let versions = l["Versions"].as_array().unwrap();
    let ids: BTreeSet<String> = versions
        .iter()
        .map(|v| s(&v["VersionId"]).to_owned())
        .collect();
    assert_eq!(ids, set(&[&v1, &v2, &v3]), "{l}");
    let deprecated = versions
        .iter()
        .find(|v| v["VersionId"] == v2.as_str())
        .unwrap();
    assert!(
        deprecated
            .get("VersionStages")
            .is_none_or(|x| x == &json!([])),
        "deprecated version still has labels: {deprecated}"
    );
    for v in versions {
        assert!(num(&v["CreatedDate"]) > 1.0e9, "{v}");
    }

    // The deprecated version is still readable by id.
    let g = st.ok(&[
        "get-secret-value",
        "--secret-id",
        "prod/db",
        "--version-id",
        &v2,
    ]);
    assert_eq!(g["SecretString"], "p2");
}

#[test]
fn list_secrets_filters_and_tags() {
    let st = Store::new();
    st.ok(&[
        "create-secret",
        "--name",
        "prod/db",
        "--secret-string",
        "a",
        "--tags",
        "Key=env,Value=production",
    ]);
    st.ok(&[
        "create-secret",
        "--name",
        "prod/api",
        "--secret-string",
        "b",
        "--description",
        "Payments gateway",
    ]);
    st.ok(&[
        "create-secret",
        "--name",
        "dev/db",
        "--secret-string",
        "c",
        "--tags",
        "Key=owner,Value=alice",
    ]);

    let all = st.ok(&["list-secrets"]);
    assert_eq!(names(&all), set(&["prod/db", "prod/api", "dev/db"]));
    for e in all["SecretList"].as_array().unwrap() {
        assert!(
            e.get("SecretVersionsToStages").is_some(),
            "list entries use SecretVersionsToStages: {e}"
        );
        assert!(e.get("VersionIdsToStages").is_none(), "{e}");
    }

    let l = st.ok(&["list-secrets", "--filters", "Key=name,Values=prod/"]);
    assert_eq!(names(&l), set(&["prod/db", "prod/api"]));
    let l = st.ok(&["list-secrets", "--filters", "Key=name,Values=dev,prod/api"]);
    assert_eq!(names(&l), set(&["dev/db", "prod/api"]));
    // Two filters are AND-ed.
    let l = st.ok(&[
        "list-secrets",
        "--filters",
        "Key=name,Values=prod",
        "Key=tag-key,Values=env",
    ]);
    assert_eq!(names(&l), set(&["prod/db"]));
    let l = st.ok(&["list-secrets", "--filters", "Key=all,Values=payments"]);
    assert_eq!(names(&l), set(&["prod/api"]));
    let l = st.ok(&["list-secrets", "--filters", "Key=all,Values=alice"]);
    assert_eq!(names(&l), set(&["dev/db"]));
    let l = st.ok(&["list-secrets", "--filters", "Key=all,Values=db"]);
    assert_eq!(names(&l), set(&["prod/db", "dev/db"]));
    let l = st.ok(&[
        "list-secrets",
        "--filters",
        r#"[{"Key":"name","Values":["dev"]}]"#,
    ]);
    assert_eq!(names(&l), set(&["dev/db"]));
    let l = st.ok(&["list-secrets", "--filters", "Key=name,Values=nothing-here"]);
    assert_eq!(names(&l), set(&[]));

    // tag-resource merges and overwrites; untag-resource removes.
    let t = st.ok(&[
        "tag-resource",
        "--secret-id",
        "prod/db",
        "--tags",
        "Key=owner,Value=bob",
        "Key=env,Value=prod",
    ]);
    assert_eq!(t, json!({}));
    let d = st.ok(&["describe-secret", "--secret-id", "prod/db"]);
    assert_eq!(
        tags(&d),
        [
            ("env".into(), "prod".into()),
            ("owner".into(), "bob".into())
        ]
        .into()
    );
    let u = st.ok(&[
        "untag-resource",
        "--secret-id",
        "prod/db",
        "--tag-keys",
        "env",
        "not-there",
    ]);
    assert_eq!(u, json!({}));
    let d = st.ok(&["describe-secret", "--secret-id", "prod/db"]);
    assert_eq!(tags(&d), [("owner".into(), "bob".into())].into());
    let l = st.ok(&["list-secrets", "--filters", "Key=tag-value,Values=bob"]);
    assert_eq!(names(&l), set(&["prod/db"]));
    // JSON form of --tags
    st.ok(&[
        "tag-resource",
        "--secret-id",
        "dev/db",
        "--tags",
        r#"[{"Key":"tier","Value":"gold"}]"#,
    ]);
    let d = st.ok(&["describe-secret", "--secret-id", "dev/db"]);
    assert_eq!(
        tags(&d),
        [
            ("owner".into(), "alice".into()),
            ("tier".into(), "gold".into())
        ]
        .into()
    );
}

#[test]
fn delete_restore_and_force_delete() {
    let st = Store::new();
    st.ok(&[
        "create-secret",
        "--name",
        "app/token",
        "--secret-string",
        "t0k3n",
    ]);

    let d = st.ok(&[
        "delete-secret",
        "--secret-id",
        "app/token",
        "--recovery-window-in-days",
        "7",
    ]);
    assert_eq!(d["Name"], "app/token");
    let deletion = num(&d["DeletionDate"]);

    let e = st.fail(254, &["get-secret-value", "--secret-id", "app/token"]);
    assert!(
        e.starts_with("An error occurred (InvalidRequestException) when calling the GetSecretValue operation: "),
        "{e}"
    );
    assert!(e.contains("marked for deletion"), "{e}");

    let desc = st.ok(&["describe-secret", "--secret-id", "app/token"]);
    let deleted = num(&desc["DeletedDate"]);
    let window = deletion - deleted;
    assert!(
        (window - 7.0 * 86400.0).abs() < 5.0,
        "DeletionDate - DeletedDate = {window}s, want 7 days"
    );

    assert_eq!(names(&st.ok(&["list-secrets"])), set(&[]));
    assert_eq!(
        names(&st.ok(&["list-secrets", "--include-planned-deletion"])),
        set(&["app/token"])
    );

    st.api_error(
        "InvalidParameterException",
        "DeleteSecret",
        &[
            "delete-secret",
            "--secret-id",
            "app/token",
            "--recovery-window-in-days",
            "3",
        ],
    );

    let r = st.ok(&["restore-secret", "--secret-id", "app/token"]);
    assert_eq!(r["Name"], "app/token");
    let g = st.ok(&["get-secret-value", "--secret-id", "app/token"]);
    assert_eq!(g["SecretString"], "t0k3n");
    assert!(
        st.ok(&["describe-secret", "--secret-id", "app/token"])
            .get("DeletedDate")
            .is_none()
    );

    let f = st.ok(&[
        "delete-secret",
        "--secret-id",
        "app/token",
        "--force-delete-without-recovery",
    ]);
    assert_eq!(f["Name"], "app/token");
    st.api_error(
        "ResourceNotFoundException",
        "DescribeSecret",
        &["describe-secret", "--secret-id", "app/token"],
    );
    st.api_error(
        "ResourceNotFoundException",
        "GetSecretValue",
        &["get-secret-value", "--secret-id", "app/token"],
    );
    assert_eq!(
        names(&st.ok(&["list-secrets", "--include-planned-deletion"])),
        set(&[])
    );
    // The name is free again.
    st.ok(&[
        "create-secret",
        "--name",
        "app/token",
        "--secret-string",
        "new",
    ]);
}

#[test]
fn random_password_batch_get_binary_and_cli_input_json() {
    let st = Store::new();

    let p = st.ok(&[
        "get-random-password",
        "--password-length",
        "20",
        "--exclude-punctuation",
    ]);
    let pw = s(&p["RandomPassword"]);
    assert_eq!(pw.chars().count(), 20, "{pw}");
    assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{pw}");
    let p = st.ok(&["get-random-password"]);
    assert_eq!(s(&p["RandomPassword"]).len(), 32);
    st.api_error(
        "ValidationException",
        "GetRandomPassword",
        &["get-random-password", "--password-length", "5000"],
    );

    st.ok(&["create-secret", "--name", "a", "--secret-string", "alpha"]);
    st.ok(&["create-secret", "--name", "b", "--secret-string", "bravo"]);
    let b = st.ok(&[
        "batch-get-secret-value",
        "--secret-id-list",
        "a",
        "b",
        "missing",
    ]);
    let values: BTreeSet<(String, String)> = b["SecretValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (s(&v["Name"]).to_owned(), s(&v["SecretString"]).to_owned()))
        .collect();
    assert_eq!(
        values,
        [("a".into(), "alpha".into()), ("b".into(), "bravo".into())].into()
    );
    for v in b["SecretValues"].as_array().unwrap() {
        assert_eq!(v["VersionStages"], json!(["AWSCURRENT"]));
    }
    let errors = b["Errors"].as_array().expect("Errors");
    assert_eq!(errors.len(), 1, "{b}");
    assert_eq!(errors[0]["SecretId"], "missing");
    assert_eq!(errors[0]["ErrorCode"], "ResourceNotFoundException");
    let b = st.ok(&["batch-get-secret-value", "--filters", "Key=name,Values=b"]);
    assert_eq!(b["SecretValues"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["SecretValues"][0]["SecretString"], "bravo");
    assert!(b.get("Errors").is_none(), "{b}");

    // Binary: raw bytes in via fileb://, base64 out.
    let bytes: Vec<u8> = (0u8..=255).chain([0, 0xff, 0x0a, 0x0d]).collect();
    let path = st.file("blob.bin", &bytes);
    let arg = format!("fileb://{}", path.display());
    let c = st.ok(&["create-secret", "--name", "bin", "--secret-binary", &arg]);
    let g = st.ok(&["get-secret-value", "--secret-id", "bin"]);
    assert_eq!(g["SecretBinary"], b64(&bytes).as_str());
    assert!(g.get("SecretString").is_none(), "{g}");
    assert_eq!(g["VersionId"], c["VersionId"]);
    // A base64 argument is taken as-is.
    st.ok(&[
        "put-secret-value",
        "--secret-id",
        "bin",
        "--secret-binary",
        &b64(b"\x01\x02hi"),
    ]);
    let g = st.ok(&["get-secret-value", "--secret-id", "bin"]);
    assert_eq!(g["SecretBinary"], b64(b"\x01\x02hi").as_str());
    let e = st.fail(
        252,
        &[
            "put-secret-value",
            "--secret-id",
            "bin",
            "--secret-binary",
            "not base64!",
        ],
    );
    assert!(e.starts_with("coffer: "), "{e}");

    // --secret-string file://
    let text = st.file("value.json", br#"{"k": "from a file"}"#);
    st.ok(&[
        "put-secret-value",
        "--secret-id",
        "a",
        "--secret-string",
        &format!("file://{}", text.display()),
    ]);
    assert_eq!(
        st.ok(&["get-secret-value", "--secret-id", "a"])["SecretString"],
        r#"{"k": "from a file"}"#
    );

    // --cli-input-json: inline, with a flag overriding a member; and from a file.
    let req = json!({
        "Name": "from-json",
        "Description": "in json",
        "SecretString": "json-value",
        "Tags": [{"Key": "src", "Value": "json"}],
    });
    let c = st.ok(&[
        "create-secret",
        "--cli-input-json",
        &req.to_string(),
        "--description",
        "from flag",
    ]);
    assert_eq!(c["Name"], "from-json");
    let d = st.ok(&[
        "describe-secret",
        "--cli-input-json",
        r#"{"SecretId":"from-json"}"#,
    ]);
    assert_eq!(d["Description"], "from flag");
    assert_eq!(tags(&d), [("src".into(), "json".into())].into());
    let f = st.file(
        "req.json",
        br#"{"SecretId": "from-json", "VersionStage": "AWSCURRENT"}"#,
    );
    let g = st.ok(&[
        "get-secret-value",
        "--cli-input-json",
        &format!("file://{}", f.display()),
    ]);
    assert_eq!(g["SecretString"], "json-value");
    st.fail(252, &["get-secret-value", "--cli-input-json", "[1,2]"]);
    st.fail(252, &["get-secret-value", "--cli-input-json", "{not json"]);
}

#[test]
fn errors_are_one_line_with_aws_exit_codes() {
    let st = Store::new();
    st.ok(&["create-secret", "--name", "x", "--secret-string", "v"]);

    // Wrong password.
    let wrong = st.file("wrong", b"not the password\n");
    let out = st.run_with(&wrong, &["get-secret-value", "--secret-id", "x"]);
    assert!(!out.status.success());
    assert_ne!(out.status.code(), Some(101), "panic exit code");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.to_lowercase().contains("password"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());

    // Missing or empty password file.
    let out = st.run_with(Path::new("/nonexistent/pw"), &["list-secrets"]);
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(e.contains("/nonexistent/pw"), "{e}");
    let empty = st.file("empty", b"");
    let out = st.run_with(&empty, &["list-secrets"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));

    // Missing store.
    let missing = Store::empty();
    let e = missing.fail(1, &["list-secrets"]);
    assert!(e.contains("coffer init"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(
        !missing.db.exists(),
        "a read command must not create the store"
    );

    // init refuses to overwrite.
    let e = st.fail(
        1,
        &[
            "init",
            "--kdf-memory-mib",
            "19",
            "--kdf-iterations",
            "2",
            "--kdf-parallelism",
            "1",
        ],
    );
    assert!(!e.is_empty());
    assert_eq!(
        st.ok(&["get-secret-value", "--secret-id", "x"])["SecretString"],
        "v"
    );

    // Bad arguments.
    let e = st.fail(
        252,
        &[
            "create-secret",
            "--name",
            "y",
            "--secret-string",
            "v",
            "--tags",
            "novalue",
        ],
    );
    assert!(e.starts_with("coffer: ") && e.contains("novalue"), "{e}");
    st.fail(252, &["list-secrets", "--filters", "[not json"]);
    st.api_error(
        "ResourceNotFoundException",
        "DescribeSecret",
        &["describe-secret", "--secret-id", "y"],
    );
    st.fail(2, &["no-such-command"]);

    // Service errors.
    let e = st.api_error(
        "ResourceNotFoundException",
        "GetSecretValue",
        &["get-secret-value", "--secret-id", "nope"],
    );
    assert!(e.contains("can't find the specified secret"), "{e}");
    st.api_error(
        "ValidationException",
        "CreateSecret",
        &[
            "create-secret",
            "--name",
            "has space",
            "--secret-string",
            "v",
        ],
    );
    st.api_error(
        "ResourceExistsException",
        "CreateSecret",
        &["create-secret", "--name", "x", "--secret-string", "v"],
    );
    st.api_error(
        "ResourceNotFoundException",
        "GetSecretValue",
        &[
            "get-secret-value",
            "--secret-id",
            "x",
            "--version-stage",
            "NOPE",
        ],
    );
}

/// `coffer init` and `coffer passwd` took any password of eight characters: the strength
/// floor (issue 13) held only in the desktop app. They now refuse what the app refuses, in
/// words that say what to change, and leave the store as it was.
#[test]
fn a_weak_master_password_is_refused_by_init_and_passwd() {
    let st = Store::empty();
    for (weak, why) in [
        ("password1", "needs at least 12 characters"),
        ("aaaaaaaaaaaaaaaa", "is too easy to guess"),
        ("qwertyuiop123", "is too easy to guess"),
    ] {
        let file = st.file("weak", format!("{weak}\n").as_bytes());
        let out = st.run_with(
            &file,
            &["init", "--kdf-memory-mib", "19", "--kdf-iterations", "2"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{weak}: {stderr}");
        assert!(
            stderr.contains(&format!("The master password {why}")),
            "{weak}: {stderr}"
        );
        assert!(!st.db.exists(), "{weak}: init made a store");
    }

    let st = Store::new();
    let weak = st.file("weak", b"qwertyuiop123\n");
    let e = st.fail(
        1,
        &["passwd", "--new-password-file", weak.to_str().unwrap()],
    );
    assert!(e.contains("The new password is too easy to guess"), "{e}");
    // The store still opens with the old password, and not with the refused one.
    st.ok(&["list-secrets"]);
    let out = st.run_with(&weak, &["list-secrets"]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn passwd_changes_the_master_password() {
    let st = Store::new();
    st.ok(&[
        "create-secret",
        "--name",
        "keep",
        "--secret-string",
        "still here",
    ]);
    st.ok(&[
        "put-secret-value",
        "--secret-id",
        "keep",
        "--secret-string",
        "v2",
    ]);

    let new = st.file("new-password", b"an entirely new passphrase\n");
    let out = st.ok(&["passwd", "--new-password-file", new.to_str().unwrap()]);
    assert_eq!(out["PasswordChanged"], true);

    let e = st.fail(1, &["get-secret-value", "--secret-id", "keep"]);
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(e.to_lowercase().contains("password"), "{e}");

    let out = st.run_with(&new, &["get-secret-value", "--secret-id", "keep"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let g: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(g["SecretString"], "v2");
    let out = st.run_with(
        &new,
        &[
            "get-secret-value",
            "--secret-id",
            "keep",
            "--version-stage",
            "AWSPREVIOUS",
        ],
    );
    let g: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(g["SecretString"], "still here");

    // Writes work under the new password, and the audit chain survived the re-wrap.
    let out = st.run_with(
        &new,
        &["create-secret", "--name", "after", "--secret-string", "z"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = st.run_with(&new, &["audit", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Intact"], true);

    // passwd itself needs the current password.
    let out = st.run(&["passwd", "--new-password-file", new.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn audit_list_verify_and_export() {
    let st = Store::new();
    st.ok(&["create-secret", "--name", "audited", "--secret-string", "v"]);
    for _ in 0..3 {
        st.ok(&["get-secret-value", "--secret-id", "audited"]);
    }
    st.fail(254, &["get-secret-value", "--secret-id", "ghost"]);
    st.ok(&["describe-secret", "--secret-id", "audited"]);

    let l = st.ok(&["audit", "list", "--action", "GetSecretValue"]);
    let events = l["Events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "{l}");
    assert!(
        events
            .iter()
            .all(|e| e["Action"] == "GetSecretValue" && e["Source"] == "cli"),
        "{l}"
    );
    let ok: Vec<&Value> = events.iter().filter(|e| e["Outcome"] == "ok").collect();
    assert_eq!(ok.len(), 3, "{l}");
    assert!(
        ok.iter()
            .all(|e| s(&e["ResourceArn"]).contains(":secret:audited-")),
        "{l}"
    );
    let err: Vec<&Value> = events.iter().filter(|e| e["Outcome"] == "error").collect();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0]["ErrorCode"], "ResourceNotFoundException");
    // newest first
    let seqs: Vec<i64> = events.iter().map(|e| e["Seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");

    let l = st.ok(&[
        "audit",
        "list",
        "--action",
        "GetSecretValue",
        "--outcome",
        "error",
    ]);
    assert_eq!(l["Events"].as_array().unwrap().len(), 1, "{l}");

    // Paging.
    let p1 = st.ok(&[
        "audit",
        "list",
        "--action",
        "GetSecretValue",
        "--max-results",
        "3",
    ]);
    assert_eq!(p1["Events"].as_array().unwrap().len(), 3);
    let token = s(&p1["NextToken"]).to_owned();
    let p2 = st.ok(&[
        "audit",
        "list",
        "--action",
        "GetSecretValue",
        "--max-results",
        "3",
        "--next-token",
        &token,
    ]);
    assert_eq!(p2["Events"].as_array().unwrap().len(), 1, "{p2}");
    assert!(p2.get("NextToken").is_none(), "{p2}");

    let v = st.ok(&["audit", "verify"]);
    assert_eq!(v["Intact"], true, "{v}");
    assert!(v["EventsChecked"].as_u64().unwrap() >= 6, "{v}");
    assert!(v.get("FirstBadSeq").is_none());

    // Filtered export matches the filtered list exactly.
    let out = st.run(&[
        "audit",
        "export",
        "--format",
        "jsonl",
        "--action",
        "GetSecretValue",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect();
    assert_eq!(lines.len(), 4);
    // oldest first
    let mut exp: Vec<i64> = lines.iter().map(|e| e["Seq"].as_i64().unwrap()).collect();
    assert!(exp.windows(2).all(|w| w[0] < w[1]), "{exp:?}");
    exp.reverse();
    assert_eq!(exp, seqs);

    // Unfiltered: export to a file, then list everything; every audit call records itself.
    let csv = st.path("audit.csv");
    let out = st.run(&[
        "audit",
        "export",
        "--format",
        "csv",
        "--output",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let csv_events = csv_records(&csv_text) - 1;
    assert!(csv_text.starts_with("seq,time,request_id,"), "{csv_text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("exported {csv_events} events")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let jsonl = st.path("audit.jsonl");
    let out = st.run(&[
        "audit",
        "export",
        "--format",
        "jsonl",
        "--output",
        jsonl.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let jsonl_text = std::fs::read_to_string(&jsonl).unwrap();
    let jsonl_seqs: Vec<i64> = jsonl_text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["Seq"]
                .as_i64()
                .unwrap()
        })
        .collect();

    let all = st.ok(&["audit", "list", "--max-results", "10000"]);
    assert!(all.get("NextToken").is_none());
    let all_events = all["Events"].as_array().unwrap();
    let total = all_events.len();
    // export csv (n) → export jsonl (n+1) → list (n+2): each run appends its own event.
    assert_eq!(
        jsonl_seqs.len(),
        csv_events + 1,
        "csv {csv_events} vs jsonl {}",
        jsonl_seqs.len()
    );
    assert_eq!(
        total,
        jsonl_seqs.len() + 1,
        "list {total} vs jsonl {}",
        jsonl_seqs.len()
    );
    let mut list_seqs: Vec<i64> = all_events
        .iter()
        .map(|e| e["Seq"].as_i64().unwrap())
        .collect();
    list_seqs.reverse();
    assert_eq!(&list_seqs[..jsonl_seqs.len()], &jsonl_seqs[..]);
    assert_eq!(list_seqs, (1..=total as i64).collect::<Vec<_>>());

    st.fail(252, &["audit", "export", "--format", "xml"]);
    st.fail(252, &["audit", "list", "--from", "yesterday"]);
}

#[test]
fn kms_keys_disable_enable_rotate() {
    let st = Store::new();
    let k = st.ok(&[
        "kms",
        "create-key",
        "--alias",
        "alias/app",
        "--description",
        "app key",
    ]);
    let md = &k["KeyMetadata"];
    assert_eq!(md["AliasName"], "alias/app");
    assert_eq!(md["Enabled"], true);
    assert_eq!(md["KeyState"], "Enabled");
    assert_eq!(md["CurrentKeyMaterialVersion"], 1);
    let key_id = s(&md["KeyId"]).to_owned();
    let key_arn = s(&md["Arn"]).to_owned();
    assert!(
        key_arn.starts_with("arn:aws:kms:us-east-1:123456789012:key/"),
        "{key_arn}"
    );
    let other = st.ok(&["kms", "create-key", "--alias", "alias/other"]);
    let other_id = s(&other["KeyMetadata"]["KeyId"]).to_owned();

    st.ok(&[
        "create-secret",
        "--name",
        "kms/secret",
        "--kms-key-id",
        "alias/app",
        "--secret-string",
        "first",
    ]);
    st.ok(&[
        "create-secret",
        "--name",
        "plain",
        "--secret-string",
        "unaffected",
    ]);
    let d = st.ok(&["describe-secret", "--secret-id", "kms/secret"]);
    assert!(
        d["KmsKeyId"]
            .as_str()
            .is_some_and(|x| x == "alias/app" || x == key_id || x == key_arn),
        "{d}"
    );
    let versions = st.ok(&["list-secret-version-ids", "--secret-id", "kms/secret"]);
    let kms_ids = versions["Versions"][0]["KmsKeyIds"].to_string();
    assert!(!kms_ids.contains("DEFAULT"), "{kms_ids}");

    assert_eq!(
        st.ok(&["kms", "disable-key", "--key-id", "alias/app"]),
        json!({})
    );
    let dk = st.ok(&["kms", "describe-key", "--key-id", &key_id]);
    assert_eq!(dk["KeyMetadata"]["Enabled"], false);
    assert_eq!(dk["KeyMetadata"]["KeyState"], "Disabled");
    st.api_error(
        "DecryptionFailure",
        "GetSecretValue",
        &["get-secret-value", "--secret-id", "kms/secret"],
    );
    st.api_error(
        "EncryptionFailure",
        "PutSecretValue",
        &[
            "put-secret-value",
            "--secret-id",
            "kms/secret",
            "--secret-string",
            "x",
        ],
    );
    let b = st.ok(&[
        "batch-get-secret-value",
        "--secret-id-list",
        "kms/secret",
        "plain",
    ]);
    assert_eq!(b["SecretValues"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["Errors"][0]["ErrorCode"], "DecryptionFailure", "{b}");
    assert_eq!(
        st.ok(&["get-secret-value", "--secret-id", "plain"])["SecretString"],
        "unaffected"
    );

    st.ok(&["kms", "enable-key", "--key-id", &key_arn]);
    assert_eq!(
        st.ok(&["get-secret-value", "--secret-id", "kms/secret"])["SecretString"],
        "first"
    );

    let r = st.ok(&["kms", "rotate-key-on-demand", "--key-id", "alias/app"]);
    assert_eq!(r["KeyId"], key_id.as_str());
    assert_eq!(r["CurrentKeyMaterialVersion"], 2);
    assert_eq!(
        st.ok(&["get-secret-value", "--secret-id", "kms/secret"])["SecretString"],
        "first"
    );
    st.ok(&[
        "put-secret-value",
        "--secret-id",
        "kms/secret",
        "--secret-string",
        "second",
    ]);
    assert_eq!(
        st.ok(&["get-secret-value", "--secret-id", "kms/secret"])["SecretString"],
        "second"
    );
    let prev = st.ok(&[
        "get-secret-value",
        "--secret-id",
        "kms/secret",
        "--version-stage",
        "AWSPREVIOUS",
    ]);
    assert_eq!(prev["SecretString"], "first");
    let dk = st.ok(&["kms", "describe-key", "--key-id", "alias/app"]);
    assert_eq!(dk["KeyMetadata"]["CurrentKeyMaterialVersion"], 2);
    assert!(dk["KeyMetadata"].get("LastRotationDate").is_some(), "{dk}");

    let keys = st.ok(&["kms", "list-keys"]);
    let listed: BTreeSet<String> = keys["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| s(&k["KeyId"]).to_owned())
        .collect();
    assert!(
        listed.contains(&key_id) && listed.contains(&other_id),
        "{keys}"
    );
    let aliases: BTreeSet<String> = keys["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["AliasName"].as_str().map(str::to_owned))
        .collect();
    assert!(
        aliases.contains("alias/app") && aliases.contains("alias/other"),
        "{keys}"
    );

    // AWS KMS says NotFoundException; Coffer says ResourceNotFoundException. Either is fine here.
    let e = st.fail(254, &["kms", "disable-key", "--key-id", "alias/none"]);
    assert!(
        e.starts_with("An error occurred (")
            && e.contains("NotFoundException) when calling the DisableKey operation: "),
        "{e}"
    );
    st.ok(&["kms", "describe-key", "--key-id", &other_id]);
}

/// Removes the store's OS keyring entry when a test ends, pass or fail, so no password
/// outlives the test in the user's persistent keyring.
struct KeyringCleanup<'a>(&'a Store);

impl Drop for KeyringCleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["keyring", "forget"]);
    }
}

#[test]
fn keyring_unseals_without_a_password_file_and_follows_password_changes() {
    let store = Store::new();
    let _cleanup = KeyringCleanup(&store);
    store.ok(&["create-secret", "--name", "kr/app", "--secret-string", "v1"]);

    // Nothing saved yet: no password anywhere, no terminal.
    assert_eq!(store.ok(&["keyring", "status"])["Present"], false);
    let out = store.run_bare(&["list-secrets"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("coffer keyring save"), "{err}");

    // A wrong password is refused and not saved.
    let wrong = store.file("wrong", b"not the password\n");
    let out = store.run_with(&wrong, &["keyring", "save"]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(store.ok(&["keyring", "status"])["Present"], false);

    // The right one is saved and unseals later runs.
    let v = store.ok(&["keyring", "save"]);
    assert_eq!(v["Saved"], true, "{v}");
    assert_eq!(store.ok(&["keyring", "status"])["Present"], true);
    let out = store.run_bare(&["get-secret-value", "--secret-id", "kr/app"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["SecretString"], "v1");

    // A password change keeps the keyring entry true.
    let new = store.file("new-password", b"a brand new master password\n");
    store.ok(&["passwd", "--new-password-file", new.to_str().unwrap()]);
    let out = store.run_bare(&["list-secrets"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Forgotten: back to no password.
    assert_eq!(
        store.run_with(&new, &["keyring", "forget"]).status.code(),
        Some(0)
    );
    let out = store.run_bare(&["list-secrets"]);
    assert_eq!(out.status.code(), Some(1));
}

/// Issue 13 §3: `coffer serve --agent` served the agent protocol as the account root unless
/// told otherwise, so anyone with the token file read every secret. Root must be asked for
/// (`--agent-principal root`); without a choice the server refuses to start.
#[test]
fn serve_agent_without_a_principal_choice_refuses_to_act_as_root() {
    use std::io::BufRead;
    let st = Store::new();
    let mut child = std::process::Command::new(common::BIN)
        .arg("--store")
        .arg(&st.db)
        .arg("--password-file")
        .arg(&st.password_file)
        .args(["serve", "--listen", "127.0.0.1:0", "--agent"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn coffer serve");
    // A server prints its address when it listens; a refusal closes stdout at once.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    if !first.is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("coffer serve --agent started as the account root: {first}");
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(252), "{stderr}");
    assert!(stderr.contains("--agent-principal root"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        !st.path("s.db.agent-token").exists(),
        "a refused start made a token"
    );
}

#[test]
fn rekey_replaces_the_root_key_and_keeps_every_value() {
    let st = Store::new();
    st.ok(&["create-secret", "--name", "keep", "--secret-string", "v1"]);
    st.ok(&[
        "put-secret-value",
        "--secret-id",
        "keep",
        "--secret-string",
        "v2",
    ]);
    let out = st.ok(&["rekey"]);
    assert_eq!(out["Rekeyed"], true, "{out}");
    assert_eq!(out["SecretVersions"], 2, "{out}");
    assert_eq!(out["KmsKeys"], 1, "{out}");
    let g = st.ok(&["get-secret-value", "--secret-id", "keep"]);
    assert_eq!(g["SecretString"], "v2");
    let g = st.ok(&[
        "get-secret-value",
        "--secret-id",
        "keep",
        "--version-stage",
        "AWSPREVIOUS",
    ]);
    assert_eq!(g["SecretString"], "v1");
    let v = st.ok(&["audit", "verify"]);
    assert_eq!(v["Intact"], true, "{v}");
}
