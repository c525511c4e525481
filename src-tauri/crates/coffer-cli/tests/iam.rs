//! End-to-end tests of `coffer iam …` and the secret resource-policy commands: every test
//! spawns the real executable against a store in a temporary directory and reads the JSON
//! it prints, the way a script would.

use std::collections::BTreeSet;

use serde_json::{Value, json};

mod common;
use common::Store;

const ACCOUNT: &str = "123456789012";

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// The values of `member` in the list `v[list]`.
fn column(v: &Value, list: &str, member: &str) -> BTreeSet<String> {
    arr(&v[list])
        .iter()
        .map(|e| s(&e[member]).to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|x| (*x).to_owned()).collect()
}

/// An IAM timestamp as the AWS CLI prints it: `2026-01-01T00:00:00+00:00`.
fn assert_iso(v: &Value) {
    let t = s(v);
    assert_eq!(t.len(), 25, "{t}");
    assert!(t.ends_with("+00:00"), "{t}");
    assert_eq!(&t[10..11], "T", "{t}");
}

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn policy(statements: Value) -> String {
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

#[test]
fn users_roles_groups_and_inline_policies() {
    let st = Store::new();

    let u = st.ok(&[
        "iam",
        "create-user",
        "--user-name",
        "alice",
        "--tags",
        "Key=team,Value=ops",
        "Key=env,Value=prod",
    ]);
    let user = &u["User"];
    assert_eq!(user["UserName"], "alice", "{u}");
    assert_eq!(user["Path"], "/", "{u}");
    assert_eq!(user["Arn"], user_arn("alice").as_str(), "{u}");
    assert!(s(&user["UserId"]).starts_with("AIDA"), "{u}");
    assert_iso(&user["CreateDate"]);
    assert_eq!(column(user, "Tags", "Key"), set(&["team", "env"]), "{u}");

    let g = st.ok(&["iam", "get-user", "--user-name", "alice"]);
    assert_eq!(g["User"], u["User"], "get-user differs from create-user");

    // A path goes into the ARN.
    let b = st.ok(&[
        "iam",
        "create-user",
        "--user-name",
        "bob",
        "--path",
        "/eng/",
    ]);
    assert_eq!(
        b["User"]["Arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/eng/bob")
    );
    assert_eq!(b["User"]["Path"], "/eng/");
    assert!(b["User"].get("Tags").is_none(), "{b}");

    let l = st.ok(&["iam", "list-users"]);
    assert_eq!(
        column(&l, "Users", "UserName"),
        set(&["alice", "bob"]),
        "{l}"
    );
    assert!(
        arr(&l["Users"]).iter().all(|x| x.get("Tags").is_none()),
        "list-users carries no tags, as in AWS: {l}"
    );

    st.api_error(
        "EntityAlreadyExists",
        "CreateUser",
        &["iam", "create-user", "--user-name", "alice"],
    );
    st.api_error(
        "NoSuchEntity",
        "GetUser",
        &["iam", "get-user", "--user-name", "carol"],
    );
    st.api_error(
        "ValidationException",
        "CreateUser",
        &["iam", "create-user", "--user-name", "no spaces"],
    );

    let r = st.ok(&["iam", "create-role", "--role-name", "app"]);
    assert_eq!(r["Role"]["RoleName"], "app", "{r}");
    assert!(s(&r["Role"]["RoleId"]).starts_with("AROA"), "{r}");
    assert_eq!(r["Role"]["Arn"], format!("arn:aws:iam::{ACCOUNT}:role/app"));
    let r = st.ok(&["iam", "get-role", "--role-name", "app"]);
    assert_eq!(r["Role"]["RoleName"], "app");
    let l = st.ok(&["iam", "list-roles"]);
    assert_eq!(column(&l, "Roles", "RoleName"), set(&["app"]), "{l}");

    let gr = st.ok(&["iam", "create-group", "--group-name", "admins"]);
    assert_eq!(gr["Group"]["GroupName"], "admins", "{gr}");
    assert!(s(&gr["Group"]["GroupId"]).starts_with("AGPA"), "{gr}");
    assert_eq!(
        gr["Group"]["Arn"],
        format!("arn:aws:iam::{ACCOUNT}:group/admins")
    );
    st.ok(&["iam", "create-group", "--group-name", "readers"]);
    let l = st.ok(&["iam", "list-groups"]);
    assert_eq!(
        column(&l, "Groups", "GroupName"),
        set(&["admins", "readers"]),
        "{l}"
    );

    // Membership.
    let out = st.ok(&[
        "iam",
        "add-user-to-group",
        "--group-name",
        "admins",
        "--user-name",
        "alice",
    ]);
    assert_eq!(out, json!({}));
    st.ok(&[
        "iam",
        "add-user-to-group",
        "--group-name",
        "readers",
        "--user-name",
        "alice",
    ]);
    let l = st.ok(&["iam", "list-groups-for-user", "--user-name", "alice"]);
    assert_eq!(
        column(&l, "Groups", "GroupName"),
        set(&["admins", "readers"]),
        "{l}"
    );
    st.api_error(
        "NoSuchEntity",
        "AddUserToGroup",
        &[
            "iam",
            "add-user-to-group",
            "--group-name",
            "nope",
            "--user-name",
            "alice",
        ],
    );
    st.api_error(
        "DeleteConflict",
        "DeleteGroup",
        &["iam", "delete-group", "--group-name", "readers"],
    );
    st.ok(&[
        "iam",
        "remove-user-from-group",
        "--group-name",
        "readers",
        "--user-name",
        "alice",
    ]);
    let l = st.ok(&["iam", "list-groups-for-user", "--user-name", "alice"]);
    assert_eq!(column(&l, "Groups", "GroupName"), set(&["admins"]), "{l}");
    assert_eq!(
        st.ok(&["iam", "delete-group", "--group-name", "readers"]),
        json!({})
    );

    // Inline policies: text and file://.
    let read = policy(json!([{
        "Sid": "Read",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"
    }]));
    let out = st.ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "read",
        "--policy-document",
        &read,
    ]);
    assert_eq!(out, json!({}));
    let file = st.file_arg(
        "list.json",
        &policy(json!([{
            "Effect": "Allow",
            "Action": "secretsmanager:ListSecrets",
            "Resource": "*"
        }])),
    );
    st.ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "list",
        "--policy-document",
        &file,
    ]);
    let l = st.ok(&["iam", "list-user-policies", "--user-name", "alice"]);
    let names: BTreeSet<String> = arr(&l["PolicyNames"])
        .iter()
        .map(|n| s(n).to_owned())
        .collect();
    assert_eq!(names, set(&["read", "list"]), "{l}");

    let p = st.ok(&[
        "iam",
        "get-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "read",
    ]);
    assert_eq!(p["UserName"], "alice");
    assert_eq!(p["PolicyName"], "read");
    assert_eq!(
        p["PolicyDocument"],
        serde_json::from_str::<Value>(&read).unwrap(),
        "the CLI prints the document as JSON: {p}"
    );
    st.api_error(
        "NoSuchEntity",
        "GetUserPolicy",
        &[
            "iam",
            "get-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "nope",
        ],
    );

    // Replacing keeps one policy of that name.
    st.ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "list",
        "--policy-document",
        &read,
    ]);
    let l = st.ok(&["iam", "list-user-policies", "--user-name", "alice"]);
    assert_eq!(arr(&l["PolicyNames"]).len(), 2, "{l}");

    // Malformed documents.
    let e = st.api_error(
        "MalformedPolicyDocument",
        "PutUserPolicy",
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "bad",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#,
        ],
    );
    assert!(e.contains("Maybe"), "{e}");
    st.api_error(
        "MalformedPolicyDocument",
        "PutUserPolicy",
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "bad",
            "--policy-document",
            "not json",
        ],
    );
    st.api_error(
        "NoSuchEntity",
        "PutUserPolicy",
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "carol",
            "--policy-name",
            "read",
            "--policy-document",
            &read,
        ],
    );
    // A missing file:// is a usage error, not a service error.
    st.fail(
        252,
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "x",
            "--policy-document",
            "file:///nonexistent/policy.json",
        ],
    );

    // Role and group inline policies.
    st.ok(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "read",
        "--policy-document",
        &read,
    ]);
    let p = st.ok(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "read",
    ]);
    assert_eq!(p["RoleName"], "app", "{p}");
    st.ok(&[
        "iam",
        "put-group-policy",
        "--group-name",
        "admins",
        "--policy-name",
        "all",
        "--policy-document",
        &read,
    ]);
    let l = st.ok(&["iam", "list-group-policies", "--group-name", "admins"]);
    assert_eq!(l, json!({ "PolicyNames": ["all"] }));
    let p = st.ok(&[
        "iam",
        "get-group-policy",
        "--group-name",
        "admins",
        "--policy-name",
        "all",
    ]);
    assert_eq!(p["GroupName"], "admins", "{p}");

    // A user with policies and groups cannot be deleted until they are gone.
    st.api_error(
        "DeleteConflict",
        "DeleteUser",
        &["iam", "delete-user", "--user-name", "alice"],
    );
    for name in ["read", "list"] {
        assert_eq!(
            st.ok(&[
                "iam",
                "delete-user-policy",
                "--user-name",
                "alice",
                "--policy-name",
                name,
            ]),
            json!({})
        );
    }
    st.api_error(
        "NoSuchEntity",
        "DeleteUserPolicy",
        &[
            "iam",
            "delete-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "read",
        ],
    );
    st.ok(&[
        "iam",
        "remove-user-from-group",
        "--group-name",
        "admins",
        "--user-name",
        "alice",
    ]);
    assert_eq!(
        st.ok(&["iam", "delete-user", "--user-name", "alice"]),
        json!({})
    );
    st.api_error(
        "NoSuchEntity",
        "DeleteUser",
        &["iam", "delete-user", "--user-name", "alice"],
    );
    let l = st.ok(&["iam", "list-users"]);
    assert_eq!(column(&l, "Users", "UserName"), set(&["bob"]), "{l}");

    st.ok(&[
        "iam",
        "delete-role-policy",
        "--role-name",
        "app",
        "--policy-name",
        "read",
    ]);
    st.ok(&["iam", "delete-role", "--role-name", "app"]);
    st.ok(&[
        "iam",
        "delete-group-policy",
        "--group-name",
        "admins",
        "--policy-name",
        "all",
    ]);
    st.ok(&["iam", "delete-group", "--group-name", "admins"]);
    assert_eq!(st.ok(&["iam", "list-roles"]), json!({ "Roles": [] }));
    assert_eq!(st.ok(&["iam", "list-groups"]), json!({ "Groups": [] }));

    // Missing required flags are clap usage errors.
    st.fail(2, &["iam", "create-user"]);
}

#[test]
fn access_keys_secret_shown_once() {
    let st = Store::new();
    st.ok(&["iam", "create-user", "--user-name", "alice"]);

    let text = st.ok_text(&["iam", "create-access-key", "--user-name", "alice"]);
    let k: Value = serde_json::from_str(&text).unwrap();
    let key = &k["AccessKey"];
    assert_eq!(key["UserName"], "alice", "{k}");
    assert_eq!(key["Status"], "Active", "{k}");
    assert_iso(&key["CreateDate"]);
    let id = s(&key["AccessKeyId"]).to_owned();
    assert!(id.starts_with("AKIA") && id.len() == 20, "{id}");
    let secret = s(&key["SecretAccessKey"]).to_owned();
    assert_eq!(secret.len(), 40, "{secret}");

    // Never again: not in list-access-keys, get-user, nor the audit log.
    let text = st.ok_text(&["iam", "list-access-keys", "--user-name", "alice"]);
    assert!(
        !text.contains(&secret),
        "list-access-keys leaked the secret"
    );
    assert!(!text.contains("SecretAccessKey"), "{text}");
    let l: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        l["AccessKeyMetadata"],
        json!([{
            "UserName": "alice",
            "AccessKeyId": id,
            "Status": "Active",
            "CreateDate": key["CreateDate"],
        }])
    );
    let text = st.ok_text(&["iam", "get-user", "--user-name", "alice"]);
    assert!(!text.contains(&secret), "get-user leaked the secret");
    let audit = st.ok_text(&["audit", "export"]);
    assert!(audit.contains(&id), "the key id should be audited");
    assert!(!audit.contains(&secret), "the audit log holds the secret");

    // Deactivate and reactivate.
    assert_eq!(
        st.ok(&[
            "iam",
            "update-access-key",
            "--access-key-id",
            &id,
            "--status",
            "Inactive",
        ]),
        json!({})
    );
    let l = st.ok(&["iam", "list-access-keys", "--user-name", "alice"]);
    assert_eq!(l["AccessKeyMetadata"][0]["Status"], "Inactive", "{l}");
    st.ok(&[
        "iam",
        "update-access-key",
        "--access-key-id",
        &id,
        "--status",
        "Active",
        "--user-name",
        "alice",
    ]);
    let l = st.ok(&["iam", "list-access-keys", "--user-name", "alice"]);
    assert_eq!(l["AccessKeyMetadata"][0]["Status"], "Active", "{l}");
    st.api_error(
        "ValidationException",
        "UpdateAccessKey",
        &[
            "iam",
            "update-access-key",
            "--access-key-id",
            &id,
            "--status",
            "Paused",
        ],
    );
    st.api_error(
        "NoSuchEntity",
        "UpdateAccessKey",
        &[
            "iam",
            "update-access-key",
            "--access-key-id",
            "AKIAAAAAAAAAAAAAAAAA",
            "--status",
            "Inactive",
        ],
    );

    // Two keys at most.
    let k2 = st.ok(&["iam", "create-access-key", "--user-name", "alice"]);
    let id2 = s(&k2["AccessKey"]["AccessKeyId"]).to_owned();
    assert_ne!(id, id2);
    assert_ne!(k2["AccessKey"]["SecretAccessKey"], secret.as_str());
    st.api_error(
        "LimitExceededException",
        "CreateAccessKey",
        &["iam", "create-access-key", "--user-name", "alice"],
    );
    let l = st.ok(&["iam", "list-access-keys", "--user-name", "alice"]);
    assert_eq!(
        column(&l, "AccessKeyMetadata", "AccessKeyId"),
        set(&[&id, &id2])
    );

    // A user with keys cannot be deleted.
    let e = st.api_error(
        "DeleteConflict",
        "DeleteUser",
        &["iam", "delete-user", "--user-name", "alice"],
    );
    assert!(e.contains("access keys"), "{e}");

    // A key named with the wrong owner is not found.
    st.ok(&["iam", "create-user", "--user-name", "bob"]);
    st.api_error(
        "NoSuchEntity",
        "DeleteAccessKey",
        &[
            "iam",
            "delete-access-key",
            "--access-key-id",
            &id,
            "--user-name",
            "bob",
        ],
    );
    for k in [&id, &id2] {
        assert_eq!(
            st.ok(&["iam", "delete-access-key", "--access-key-id", k]),
            json!({})
        );
    }
    st.api_error(
        "NoSuchEntity",
        "DeleteAccessKey",
        &["iam", "delete-access-key", "--access-key-id", &id],
    );
    assert_eq!(
        st.ok(&["iam", "list-access-keys", "--user-name", "alice"]),
        json!({ "AccessKeyMetadata": [] })
    );
    st.ok(&["iam", "delete-user", "--user-name", "alice"]);

    // Roles may hold keys too (Coffer's extension): the owner is RoleName.
    st.ok(&["iam", "create-role", "--role-name", "svc"]);
    let k = st.ok(&["iam", "create-access-key", "--role-name", "svc"]);
    assert_eq!(k["AccessKey"]["RoleName"], "svc", "{k}");
    assert!(k["AccessKey"].get("UserName").is_none(), "{k}");
    let l = st.ok(&["iam", "list-access-keys", "--role-name", "svc"]);
    assert_eq!(l["AccessKeyMetadata"][0]["RoleName"], "svc", "{l}");

    // Groups hold no keys; no owner at all is a usage error; both owners is clap's.
    st.ok(&["iam", "create-group", "--group-name", "g"]);
    st.fail(252, &["iam", "create-access-key"]);
    st.fail(
        2,
        &[
            "iam",
            "create-access-key",
            "--user-name",
            "bob",
            "--role-name",
            "svc",
        ],
    );
    st.api_error(
        "NoSuchEntity",
        "CreateAccessKey",
        &["iam", "create-access-key", "--user-name", "nobody"],
    );
}

#[test]
fn managed_policies_attach_and_detach() {
    let st = Store::new();
    st.ok(&["iam", "create-user", "--user-name", "alice"]);
    st.ok(&["iam", "create-role", "--role-name", "app"]);
    st.ok(&["iam", "create-group", "--group-name", "devs"]);

    let doc = policy(json!([{
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": "*"
    }]));
    let p = st.ok(&[
        "iam",
        "create-policy",
        "--policy-name",
        "ReadSecrets",
        "--policy-document",
        &doc,
        "--description",
        "read every secret",
    ]);
    let pol = &p["Policy"];
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/ReadSecrets");
    assert_eq!(pol["PolicyName"], "ReadSecrets", "{p}");
    assert_eq!(pol["Arn"], arn.as_str(), "{p}");
    assert!(s(&pol["PolicyId"]).starts_with("ANPA"), "{p}");
    assert_eq!(pol["Path"], "/");
    assert_eq!(pol["DefaultVersionId"], "v1");
    assert_eq!(pol["AttachmentCount"], 0);
    assert_eq!(pol["IsAttachable"], true);
    assert_eq!(pol["Description"], "read every secret");
    assert_iso(&pol["CreateDate"]);
    assert_iso(&pol["UpdateDate"]);

    st.api_error(
        "EntityAlreadyExists",
        "CreatePolicy",
        &[
            "iam",
            "create-policy",
            "--policy-name",
            "ReadSecrets",
            "--policy-document",
            &doc,
        ],
    );
    st.api_error(
        "MalformedPolicyDocument",
        "CreatePolicy",
        &[
            "iam",
            "create-policy",
            "--policy-name",
            "Broken",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        ],
    );

    let g = st.ok(&["iam", "get-policy", "--policy-arn", &arn]);
    assert_eq!(g["Policy"]["PolicyId"], pol["PolicyId"]);
    let v = st.ok(&[
        "iam",
        "get-policy-version",
        "--policy-arn",
        &arn,
        "--version-id",
        "v1",
    ]);
    assert_eq!(
        v["PolicyVersion"]["Document"],
        serde_json::from_str::<Value>(&doc).unwrap()
    );
    assert_eq!(v["PolicyVersion"]["IsDefaultVersion"], true);

    for (flag, name, kind) in [
        ("--user-name", "alice", "user"),
        ("--role-name", "app", "role"),
        ("--group-name", "devs", "group"),
    ] {
        let cmd = format!("attach-{kind}-policy");
        assert_eq!(
            st.ok(&["iam", &cmd, flag, name, "--policy-arn", &arn]),
            json!({})
        );
        let l = st.ok(&["iam", &format!("list-attached-{kind}-policies"), flag, name]);
        assert_eq!(
            l,
            json!({ "AttachedPolicies": [{ "PolicyName": "ReadSecrets", "PolicyArn": arn }] })
        );
    }
    let l = st.ok(&["iam", "list-policies"]);
    let list = arr(&l["Policies"]);
    assert_eq!(list.len(), 1, "{l}");
    assert_eq!(list[0]["AttachmentCount"], 3, "{l}");
    assert!(list[0].get("Description").is_none(), "{l}");

    st.api_error(
        "NoSuchEntity",
        "AttachUserPolicy",
        &[
            "iam",
            "attach-user-policy",
            "--user-name",
            "alice",
            "--policy-arn",
            &format!("arn:aws:iam::{ACCOUNT}:policy/Nope"),
        ],
    );
    st.api_error(
        "NoSuchEntity",
        "AttachUserPolicy",
        &[
            "iam",
            "attach-user-policy",
            "--user-name",
            "nobody",
            "--policy-arn",
            &arn,
        ],
    );
    st.api_error(
        "DeleteConflict",
        "DeletePolicy",
        &["iam", "delete-policy", "--policy-arn", &arn],
    );
    st.api_error(
        "DeleteConflict",
        "DeleteUser",
        &["iam", "delete-user", "--user-name", "alice"],
    );

    for (flag, name, kind) in [
        ("--user-name", "alice", "user"),
        ("--role-name", "app", "role"),
        ("--group-name", "devs", "group"),
    ] {
        let cmd = format!("detach-{kind}-policy");
        assert_eq!(
            st.ok(&["iam", &cmd, flag, name, "--policy-arn", &arn]),
            json!({})
        );
        let l = st.ok(&["iam", &format!("list-attached-{kind}-policies"), flag, name]);
        assert_eq!(l, json!({ "AttachedPolicies": [] }));
    }
    st.api_error(
        "NoSuchEntity",
        "DetachUserPolicy",
        &[
            "iam",
            "detach-user-policy",
            "--user-name",
            "alice",
            "--policy-arn",
            &arn,
        ],
    );
    assert_eq!(
        st.ok(&["iam", "delete-policy", "--policy-arn", &arn]),
        json!({})
    );
    st.api_error(
        "NoSuchEntity",
        "GetPolicy",
        &["iam", "get-policy", "--policy-arn", &arn],
    );
    st.api_error(
        "NoSuchEntity",
        "DeletePolicy",
        &["iam", "delete-policy", "--policy-arn", &arn],
    );
    assert_eq!(st.ok(&["iam", "list-policies"]), json!({ "Policies": [] }));
    st.ok(&["iam", "delete-user", "--user-name", "alice"]);
}

/// The single result for one action.
fn result<'a>(sim: &'a Value, action: &str) -> &'a Value {
    arr(&sim["EvaluationResults"])
        .iter()
        .find(|r| r["EvalActionName"] == action)
        .unwrap_or_else(|| panic!("no result for {action}: {sim}"))
}

fn matched(r: &Value) -> Vec<(String, String)> {
    arr(&r["MatchedStatements"])
        .iter()
        .map(|m| {
            (
                s(&m["SourcePolicyId"]).to_owned(),
                s(&m["SourcePolicyType"]).to_owned(),
            )
        })
        .collect()
}

#[test]
fn simulate_principal_policy_decisions() {
    let st = Store::new();
    st.ok(&["iam", "create-user", "--user-name", "alice"]);
    st.ok(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "alice",
        "--policy-name",
        "mixed",
        "--policy-document",
        &policy(json!([
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret"],
                "Resource": "*"
            },
            {
                "Sid": "NoDelete",
                "Effect": "Deny",
                "Action": "secretsmanager:DeleteSecret",
                "Resource": "*"
            },
            {
                "Sid": "OfficeOnly",
                "Effect": "Allow",
                "Action": "secretsmanager:ListSecrets",
                "Resource": "*",
                "Condition": { "IpAddress": { "aws:SourceIp": "10.0.0.0/8" } }
            }
        ])),
    ]);
    let alice = user_arn("alice");

    let sim = st.ok(&[
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        &alice,
        "--action-names",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DeleteSecret",
        "secretsmanager:PutSecretValue",
    ]);
    assert_eq!(arr(&sim["EvaluationResults"]).len(), 3, "{sim}");

    let r = result(&sim, "secretsmanager:GetSecretValue");
    assert_eq!(r["EvalDecision"], "allowed", "{r}");
    assert_eq!(r["EvalResourceName"], "*", "no resource means *: {r}");
    assert_eq!(matched(r), vec![("mixed".into(), "IAM Policy".into())]);
    assert_eq!(r["MissingContextValues"], json!([]));
    assert!(s(&r["Reason"]).contains("Read"), "{r}");

    let r = result(&sim, "secretsmanager:DeleteSecret");
    assert_eq!(r["EvalDecision"], "explicitDeny", "{r}");
    assert_eq!(matched(r), vec![("mixed".into(), "IAM Policy".into())]);
    assert!(s(&r["Reason"]).contains("NoDelete"), "{r}");

    let r = result(&sim, "secretsmanager:PutSecretValue");
    assert_eq!(r["EvalDecision"], "implicitDeny", "{r}");
    assert_eq!(r["MatchedStatements"], json!([]), "{r}");
    assert!(!s(&r["Reason"]).is_empty(), "{r}");

    // Context entries feed the conditions.
    let office = |ip: &str| {
        let sim = st.ok(&[
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            &alice,
            "--action-names",
            "secretsmanager:ListSecrets",
            "--context-entries",
            &format!("ContextKeyName=aws:SourceIp,ContextKeyValues={ip},ContextKeyType=ip"),
        ]);
        s(&result(&sim, "secretsmanager:ListSecrets")["EvalDecision"]).to_owned()
    };
    assert_eq!(office("10.1.2.3"), "allowed");
    assert_eq!(office("127.0.0.1"), "implicitDeny");
    let sim = st.ok(&[
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        &alice,
        "--action-names",
        "secretsmanager:ListSecrets",
        "--context-entries",
        r#"[{"ContextKeyName":"aws:SourceIp","ContextKeyValues":["10.9.9.9"],"ContextKeyType":"ip"}]"#,
    ]);
    assert_eq!(
        result(&sim, "secretsmanager:ListSecrets")["EvalDecision"],
        "allowed"
    );
    st.fail(
        252,
        &[
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            &alice,
            "--action-names",
            "secretsmanager:ListSecrets",
            "--context-entries",
            "ContextKeyName=aws:SourceIp,ContextKeyValues=1.2.3.4,ContextKeyType=color",
        ],
    );

    // Group and managed policies count, and are named as their sources.
    st.ok(&["iam", "create-group", "--group-name", "writers"]);
    st.ok(&[
        "iam",
        "add-user-to-group",
        "--group-name",
        "writers",
        "--user-name",
        "alice",
    ]);
    st.ok(&[
        "iam",
        "put-group-policy",
        "--group-name",
        "writers",
        "--policy-name",
        "write",
        "--policy-document",
        &policy(json!([{
            "Effect": "Allow",
            "Action": "secretsmanager:PutSecretValue",
            "Resource": "*"
        }])),
    ]);
    let p = st.ok(&[
        "iam",
        "create-policy",
        "--policy-name",
        "Tagging",
        "--policy-document",
        &policy(json!([{
            "Effect": "Allow",
            "Action": "secretsmanager:TagResource",
            "Resource": "*"
        }])),
    ]);
    let tagging = s(&p["Policy"]["Arn"]).to_owned();
    st.ok(&[
        "iam",
        "attach-user-policy",
        "--user-name",
        "alice",
        "--policy-arn",
        &tagging,
    ]);
    let sim = st.ok(&[
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        &alice,
        "--action-names",
        "secretsmanager:PutSecretValue",
        "secretsmanager:TagResource",
    ]);
    let r = result(&sim, "secretsmanager:PutSecretValue");
    assert_eq!(r["EvalDecision"], "allowed", "{r}");
    let (id, kind) = &matched(r)[0];
    assert!(id.contains("writers") && id.contains("write"), "{r}");
    assert_eq!(kind, "IAM Policy");
    let r = result(&sim, "secretsmanager:TagResource");
    assert_eq!(r["EvalDecision"], "allowed", "{r}");
    assert_eq!(matched(r), vec![(tagging.clone(), "IAM Policy".into())]);

    // A secret's resource policy is part of the evaluation when its ARN is the resource.
    let c = st.ok(&["create-secret", "--name", "db", "--secret-string", "x"]);
    let secret = s(&c["ARN"]).to_owned();
    st.ok(&[
        "put-resource-policy",
        "--secret-id",
        "db",
        "--resource-policy",
        &policy(json!([{
            "Sid": "AliceRotates",
            "Effect": "Allow",
            "Principal": { "AWS": alice },
            "Action": "secretsmanager:UpdateSecret",
            "Resource": "*"
        }])),
    ]);
    let sim = st.ok(&[
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        &alice,
        "--action-names",
        "secretsmanager:UpdateSecret",
        "--resource-arns",
        &secret,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-abcdef",
    ]);
    let results = arr(&sim["EvaluationResults"]);
    assert_eq!(results.len(), 2, "{sim}");
    let on = |res: &str| {
        results
            .iter()
            .find(|r| r["EvalResourceName"] == res)
            .unwrap_or_else(|| panic!("no result for {res}: {sim}"))
    };
    let r = on(&secret);
    assert_eq!(r["EvalDecision"], "allowed", "{r}");
    assert_eq!(matched(r)[0].1, "Resource Policy", "{r}");
    let r = on("arn:aws:secretsmanager:us-east-1:123456789012:secret:other-abcdef");
    assert_eq!(r["EvalDecision"], "implicitDeny", "{r}");

    st.api_error(
        "NoSuchEntity",
        "SimulatePrincipalPolicy",
        &[
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            &user_arn("nobody"),
            "--action-names",
            "secretsmanager:GetSecretValue",
        ],
    );
    st.fail(
        2,
        &[
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            &alice,
        ],
    );
}

#[test]
fn resource_policies_put_get_delete_validate() {
    let st = Store::new();
    let c = st.ok(&["create-secret", "--name", "db", "--secret-string", "x"]);
    let arn = s(&c["ARN"]).to_owned();
    let alice = user_arn("alice");

    // No policy yet: ARN and Name only.
    let g = st.ok(&["get-resource-policy", "--secret-id", "db"]);
    assert_eq!(g, json!({ "ARN": arn, "Name": "db" }));

    let narrow = policy(json!([{
        "Effect": "Allow",
        "Principal": { "AWS": alice },
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"
    }]));
    let file = st.file_arg("narrow.json", &narrow);
    let p = st.ok(&[
        "put-resource-policy",
        "--secret-id",
        "db",
        "--resource-policy",
        &file,
        "--block-public-policy",
    ]);
    assert_eq!(p, json!({ "ARN": arn, "Name": "db" }));
    let g = st.ok(&["get-resource-policy", "--secret-id", &arn]);
    assert_eq!(g["ResourcePolicy"], narrow.as_str(), "{g}");
    assert_eq!(g["Name"], "db");

    // A public policy is refused with --block-public-policy, and the old one stays.
    let public = policy(json!([{
        "Effect": "Allow",
        "Principal": "*",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"
    }]));
    st.api_error(
        "PublicPolicyException",
        "PutResourcePolicy",
        &[
            "put-resource-policy",
            "--secret-id",
            "db",
            "--resource-policy",
            &public,
            "--block-public-policy",
        ],
    );
    let g = st.ok(&["get-resource-policy", "--secret-id", "db"]);
    assert_eq!(g["ResourcePolicy"], narrow.as_str(), "{g}");

    // Malformed policies are refused too, and the old one stays.
    st.api_error(
        "MalformedPolicyDocumentException",
        "PutResourcePolicy",
        &[
            "put-resource-policy",
            "--secret-id",
            "db",
            "--resource-policy",
            "{not json",
        ],
    );
    let g = st.ok(&["get-resource-policy", "--secret-id", "db"]);
    assert_eq!(g["ResourcePolicy"], narrow.as_str(), "{g}");

    // Validation: a public policy fails broad-access checking; a narrow one passes.
    let v = st.ok(&["validate-resource-policy", "--resource-policy", &public]);
    assert_eq!(v["PolicyValidationPassed"], false, "{v}");
    let checks: BTreeSet<String> = arr(&v["ValidationErrors"])
        .iter()
        .map(|e| {
            assert!(!s(&e["ErrorMessage"]).is_empty(), "{v}");
            s(&e["CheckName"]).to_owned()
        })
        .collect();
    assert!(checks.contains("BROAD_ACCESS_CHECKING"), "{v}");
    let v = st.ok(&[
        "validate-resource-policy",
        "--secret-id",
        "db",
        "--resource-policy",
        &narrow,
    ]);
    assert_eq!(
        v,
        json!({ "PolicyValidationPassed": true, "ValidationErrors": [] })
    );
    let v = st.ok(&["validate-resource-policy", "--resource-policy", "[1,2"]);
    assert_eq!(v["PolicyValidationPassed"], false, "{v}");

    // Without --block-public-policy (or with --no-block-public-policy) the public one goes in.
    st.ok(&[
        "put-resource-policy",
        "--secret-id",
        "db",
        "--resource-policy",
        &public,
        "--no-block-public-policy",
    ]);
    let g = st.ok(&["get-resource-policy", "--secret-id", "db"]);
    assert_eq!(g["ResourcePolicy"], public.as_str(), "{g}");

    let d = st.ok(&["delete-resource-policy", "--secret-id", "db"]);
    assert_eq!(d, json!({ "ARN": arn, "Name": "db" }));
    let g = st.ok(&["get-resource-policy", "--secret-id", "db"]);
    assert!(g.get("ResourcePolicy").is_none(), "{g}");

    st.api_error(
        "ResourceNotFoundException",
        "GetResourcePolicy",
        &["get-resource-policy", "--secret-id", "nope"],
    );
    st.api_error(
        "ResourceNotFoundException",
        "PutResourcePolicy",
        &[
            "put-resource-policy",
            "--secret-id",
            "nope",
            "--resource-policy",
            &narrow,
        ],
    );

    // --cli-input-json works as for the other secret commands.
    let input = json!({ "SecretId": "db", "ResourcePolicy": narrow, "BlockPublicPolicy": true })
        .to_string();
    st.ok(&["put-resource-policy", "--cli-input-json", &input]);
    let g = st.ok(&["get-resource-policy", "--secret-id", "db"]);
    assert_eq!(g["ResourcePolicy"], narrow.as_str(), "{g}");
}
