//! Identity and access enforcement through the engine (reference §2.1–§2.6), against a
//! real store. The case table in `tests/data/enforcement_cases.json` sets up users, groups,
//! inline and managed policies, customer keys and secrets (with tags and resource policies),
//! then runs requests as those users. Every request is checked three ways: the result
//! (allowed or the error code, and explicit vs implicit deny), its audit event (decision and
//! reason), and SimulatePrincipalPolicy run just before with the same action, resource and
//! condition keys. Focused tests below cover the existence oracle, the audit reasons,
//! access keys and resource-policy operations.

use std::collections::BTreeMap;

use coffer_engine::{
    AuditFilter, ContextEntry, CreateSecretInput, DeleteSecretInput, ErrorCode,
    GetSecretValueInput, ListSecretVersionIdsInput, ListSecretsInput, PrincipalKind,
    PutSecretValueInput, RequestContext, Result, SimulationInput, Source, Tag,
};
use serde_json::Value;

use crate::engine_support::{audit_mark, audit_since, create, data, expect_err};
use crate::support::{TestStore, root, text, token};

/// The account every test store gets.
const ACCOUNT: &str = "123456789012";
/// Secret ARNs of the default region, up to the name.
pub(crate) const SM: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// A request by IAM user `name` over the API.
pub(crate) fn user(name: &str) -> RequestContext {
    RequestContext::principal(Source::Api, user_arn(name))
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn req_str<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string {key:?} in {v}"))
}

/// `{"k": "v", …}` as tags, in key order.
fn tags(v: Option<&Value>) -> Vec<Tag> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| Tag::new(k, v.as_str().expect("tag value")))
                .collect()
        })
        .unwrap_or_default()
}

/// `user/alice` or `group/devs`.
fn principal_ref(s: &str) -> (PrincipalKind, &str) {
    match s.split_once('/') {
        Some(("user", n)) => (PrincipalKind::User, n),
        Some(("group", n)) => (PrincipalKind::Group, n),
        Some(("role", n)) => (PrincipalKind::Role, n),
        _ => panic!("bad principal reference {s:?}"),
    }
}

/// A policy that lets a user call `actions` on `resource`.
fn allow(actions: &[&str], resource: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Grant", "Effect": "Allow", "Action": actions, "Resource": resource}]
    })
    .to_string()
}

/// The state one case builds: the store and what its setup named.
struct World {
    t: TestStore,
    /// Key label → key ARN.
    keys: BTreeMap<String, String>,
    /// Secret name → (ARN, customer key ARN).
    secrets: BTreeMap<String, (String, Option<String>)>,
    /// Managed policy name → ARN.
    managed: BTreeMap<String, String>,
}

impl World {
    /// Replaces `{key:LABEL}` with the key's ARN.
    fn expand(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (label, arn) in &self.keys {
            out = out.replace(&format!("{{key:{label}}}"), arn);
        }
        out
    }

    fn policy_text(&self, v: &Value) -> String {
        self.expand(&v.to_string())
    }

    async fn setup(case: &Value) -> World {
        let mut w = World {
            t: TestStore::new().await,
            keys: BTreeMap::new(),
            secrets: BTreeMap::new(),
            managed: BTreeMap::new(),
        };
        let e = &w.t.engine;
        for u in case["users"].as_array().expect("users") {
            let (name, tags) = match u {
                Value::String(n) => (n.clone(), Vec::new()),
                _ => (req_str(u, "name").to_owned(), tags(u.get("tags"))),
            };
            e.create_principal(&root(), PrincipalKind::User, &name, None, tags)
                .await
                .unwrap_or_else(|e| panic!("create user {name}: {e}"));
        }
        if let Some(groups) = case.get("groups").and_then(Value::as_object) {
            for (g, members) in groups {
                e.create_principal(&root(), PrincipalKind::Group, g, None, Vec::new())
                    .await
                    .unwrap_or_else(|e| panic!("create group {g}: {e}"));
                for m in members.as_array().expect("members") {
                    let m = m.as_str().expect("member");
                    e.set_group_membership(&root(), g, m, true)
                        .await
                        .unwrap_or_else(|e| panic!("add {m} to {g}: {e}"));
                }
            }
        }
        for k in case
            .get("keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let label = k.as_str().expect("key label");
            let meta = e
                .create_key(&root(), Some(format!("test key {label}")), None)
                .await
                .unwrap_or_else(|e| panic!("create key {label}: {e}"));
            w.keys.insert(label.to_owned(), meta.arn);
        }
        for p in case
            .get("inline")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (kind, name) = principal_ref(req_str(p, "on"));
            let doc = w.policy_text(&p["policy"]);
            e.put_principal_policy(&root(), kind, name, req_str(p, "name"), &doc)
                .await
                .unwrap_or_else(|e| panic!("put inline policy on {name}: {e}\n{doc}"));
        }
        for m in case
            .get("managed")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = req_str(m, "name");
            let doc = w.policy_text(&m["policy"]);
            let info = e
                .create_policy(&root(), name, &doc, None)
                .await
                .unwrap_or_else(|e| panic!("create policy {name}: {e}\n{doc}"));
            for to in m["attach"].as_array().expect("attach") {
                let (kind, who) = principal_ref(to.as_str().expect("attach target"));
                e.set_policy_attachment(&root(), kind, who, &info.arn, true)
                    .await
                    .unwrap_or_else(|e| panic!("attach {name} to {who}: {e}"));
            }
            w.managed.insert(name.to_owned(), info.arn);
        }
        for s in case["secrets"].as_array().expect("secrets") {
            let name = req_str(s, "name");
            let key_arn = string(s, "kms_key").map(|k| w.keys[&k].clone());
            let out = e
                .create_secret(
                    &root(),
                    CreateSecretInput {
                        name: name.into(),
                        client_request_token: string(s, "version").map(|v| token(&v)),
                        value: Some(text(&format!("value of {name}"))),
                        kms_key_id: key_arn.clone(),
                        tags: tags(s.get("tags")),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("create secret {name}: {e}"));
            if let Some(p) = s.get("policy") {
                let doc = w.policy_text(p);
                e.put_resource_policy(&root(), name, &doc, false)
                    .await
                    .unwrap_or_else(|e| panic!("put resource policy on {name}: {e}\n{doc}"));
            }
            w.secrets.insert(name.to_owned(), (out.arn, key_arn));
        }
        w
    }

    /// Runs an admin step (as root).
    async fn admin(&mut self, step: &Value) {
        let e = &self.t.engine;
        let what = req_str(step, "admin");
        let r = match what {
            "put_inline" => {
                let (kind, name) = principal_ref(req_str(step, "on"));
                let doc = self.policy_text(&step["policy"]);
                e.put_principal_policy(&root(), kind, name, req_str(step, "name"), &doc)
                    .await
            }
            "delete_inline" => {
                let (kind, name) = principal_ref(req_str(step, "on"));
                e.delete_principal_policy(&root(), kind, name, req_str(step, "name"))
                    .await
            }
            "attach" | "detach" => {
                let target = if what == "attach" { "to" } else { "from" };
                let (kind, name) = principal_ref(req_str(step, target));
                let arn = &self.managed[req_str(step, "policy")];
                e.set_policy_attachment(&root(), kind, name, arn, what == "attach")
                    .await
            }
            "join" | "leave" => {
                e.set_group_membership(
                    &root(),
                    req_str(step, "group"),
                    req_str(step, "user"),
                    what == "join",
                )
                .await
            }
            "clock" => {
                let to = req_str(step, "to").parse().expect("clock time");
                self.t.clock.set(to);
                Ok(())
            }
            other => panic!("unknown admin step {other:?}"),
        };
        r.unwrap_or_else(|e| panic!("admin step {step}: {e}"));
    }

    /// The service-qualified action, the resource it is evaluated on, and the request's own
    /// condition keys, as the engine builds them for `step`.
    fn request_shape(&self, step: &Value) -> (String, String, Vec<ContextEntry>) {
        let op = req_str(step, "op");
        let mut keys: Vec<ContextEntry> = Vec::new();
        let mut entry = |k: &str, values: Vec<String>| {
            keys.push(ContextEntry {
                key: k.to_owned(),
                values,
            })
        };
        let action = match op {
            "get" => "GetSecretValue",
            "put" => "PutSecretValue",
            "describe" => "DescribeSecret",
            "delete" => "DeleteSecret",
            "list" => "ListSecrets",
            "list_versions" => "ListSecretVersionIds",
            "tag" => "TagResource",
            "create" => "CreateSecret",
            other => panic!("unknown op {other:?}"),
        };
        let resource = match op {
            "list" => "*".to_owned(),
            // Any 6-character suffix: the engine authorizes against the ARN the new secret
            // would get, whose suffix is random.
            "create" => format!("{SM}{}-AbCdEf", req_str(step, "name")),
            _ => {
                let id = req_str(step, "secret");
                match self.secrets.get(id) {
                    Some((arn, _)) => arn.clone(),
                    None => format!("{SM}{id}"),
                }
            }
        };
        if let Some(v) = string(step, "version_id") {
            entry("secretsmanager:VersionId", vec![token(&v)]);
        }
        if let Some(v) = string(step, "version_stage") {
            entry("secretsmanager:VersionStage", vec![v]);
        }
        if op == "delete" {
            entry(
                "secretsmanager:ForceDeleteWithoutRecovery",
                vec!["false".into()],
            );
        }
        if op == "create" {
            entry("secretsmanager:Name", vec![req_str(step, "name").into()]);
            if let Some(k) = string(step, "kms_key") {
                entry("secretsmanager:KmsKeyId", vec![self.keys[&k].clone()]);
            }
        }
        let request_tags = tags(step.get("tags"));
        for t in &request_tags {
            entry(&format!("aws:RequestTag/{}", t.key), vec![t.value.clone()]);
        }
        if !request_tags.is_empty() {
            entry(
                "aws:TagKeys",
                request_tags.iter().map(|t| t.key.clone()).collect(),
            );
        }
        let context = step.get("context");
        let secure = context
            .and_then(|c| c.get("secure_transport"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        entry("aws:SecureTransport", vec![secure.to_string()]);
        if let Some(addr) = context.and_then(|c| string(c, "client_addr")) {
            entry("aws:SourceIp", vec![addr]);
        }
        (format!("secretsmanager:{action}"), resource, keys)
    }

    /// The request context of a request step.
    fn context(step: &Value) -> RequestContext {
        let mut ctx = user(req_str(step, "as"));
        if let Some(c) = step.get("context") {
            ctx.client_addr = string(c, "client_addr");
            ctx.secure_transport = c
                .get("secure_transport")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        }
        ctx
    }

    /// Runs a request step through the engine.
    async fn request(&self, ctx: &RequestContext, step: &Value) -> Result<()> {
        let e = &self.t.engine;
        let secret = || req_str(step, "secret").to_owned();
        match req_str(step, "op") {
            "get" => e
                .get_secret_value(
                    ctx,
                    GetSecretValueInput {
                        secret_id: secret(),
                        version_id: string(step, "version_id").map(|v| token(&v)),
                        version_stage: string(step, "version_stage"),
                    },
                )
                .await
                .map(drop),
            "put" => e
                .put_secret_value(
                    ctx,
                    PutSecretValueInput {
                        secret_id: secret(),
                        value: Some(text("a newer value")),
                        ..Default::default()
                    },
                )
                .await
                .map(drop),
            "describe" => e.describe_secret(ctx, &secret()).await.map(drop),
            "delete" => e
                .delete_secret(
                    ctx,
                    DeleteSecretInput {
                        secret_id: secret(),
                        ..Default::default()
                    },
                )
                .await
                .map(drop),
            "list" => e
                .list_secrets(ctx, ListSecretsInput::default())
                .await
                .map(drop),
            "list_versions" => e
                .list_secret_version_ids(
                    ctx,
                    ListSecretVersionIdsInput {
                        secret_id: secret(),
                        ..Default::default()
                    },
                )
                .await
                .map(drop),
            "tag" => e.tag_resource(ctx, &secret(), tags(step.get("tags"))).await,
            "create" => e
                .create_secret(
                    ctx,
                    CreateSecretInput {
                        name: req_str(step, "name").into(),
                        value: Some(text("created by a user")),
                        kms_key_id: string(step, "kms_key").map(|k| self.keys[&k].clone()),
                        tags: tags(step.get("tags")),
                        ..Default::default()
                    },
                )
                .await
                .map(drop),
            other => panic!("unknown op {other:?}"),
        }
    }

    /// SimulatePrincipalPolicy for `step`: the decision (`allowed`, `explicitDeny`,
    /// `implicitDeny`) on the operation's own action, and the decision enforcement must
    /// reach overall: a GetSecretValue on a secret under a customer key also needs
    /// kms:Decrypt on that key. An unknown caller is denied.
    async fn simulate(&self, step: &Value) -> (String, String) {
        let (action, resource, context_entries) = self.request_shape(step);
        let mut asks = vec![(action, resource)];
        if req_str(step, "op") == "get" {
            if let Some((_, Some(key))) = self.secrets.get(req_str(step, "secret")) {
                asks.push(("kms:Decrypt".to_owned(), key.clone()));
            }
        }
        let mut decisions = Vec::new();
        for (action, resource) in asks {
            let out = self
                .t
                .engine
                .simulate_principal_policy(
                    &root(),
                    SimulationInput {
                        policy_source_arn: user_arn(req_str(step, "as")),
                        action_names: vec![action.clone()],
                        resource_arns: vec![resource.clone()],
                        context_entries: context_entries.clone(),
                    },
                )
                .await;
            let d = match out {
                Ok(results) => {
                    assert_eq!(results.len(), 1, "one result per (action, resource)");
                    assert_eq!(results[0].action, action);
                    assert_eq!(results[0].resource, resource);
                    results[0].decision.clone()
                }
                Err(e) if e.code() == ErrorCode::NoSuchEntity => "implicitDeny".to_owned(),
                Err(e) => panic!("simulate {action} on {resource}: {e}"),
            };
            decisions.push(d);
        }
        let overall = decisions
            .iter()
            .find(|d| *d != "allowed")
            .unwrap_or(&decisions[0])
            .clone();
        (decisions[0].clone(), overall)
    }

    /// Runs one request step and returns what disagrees with its expectation.
    async fn check_request(&self, step: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let expect = req_str(step, "expect");
        let (own, simulated) = self.simulate(step).await;
        let ctx = Self::context(step);
        let mark = audit_mark(&self.t).await;
        let result = self.request(&ctx, step).await;
        let got = match &result {
            Ok(()) => "allowed".to_owned(),
            Err(e) => e.code().as_str().to_owned(),
        };
        if got != expect {
            let message = result.as_ref().err().map(|e| e.message()).unwrap_or("");
            problems.push(format!("expected {expect}, got {got} ({message})"));
        }
        let denied = matches!(&result, Err(e) if e.code() == ErrorCode::AccessDenied);
        let deny = string(step, "deny");
        if let Err(e) = &result {
            if e.code() == ErrorCode::AccessDenied {
                let explicit = e.message().contains("explicit deny");
                let implicit = e
                    .message()
                    .contains("because no identity-based policy allows")
                    || e.message()
                        .ends_with("because the principal does not exist");
                let kind = match (explicit, implicit) {
                    (true, false) => "explicit",
                    (false, true) => "implicit",
                    _ => "unclear",
                };
                if deny.as_deref() != Some(kind) {
                    problems.push(format!(
                        "expected a {deny:?} deny, the message says {kind}: {}",
                        e.message()
                    ));
                }
            }
        }
        // Authorization passed ⇔ the simulation allows (a later failure such as
        // ResourceNotFound is still an authorized request).
        let want_sim = match (denied, deny.as_deref()) {
            (false, _) => "allowed",
            (true, Some("explicit")) => "explicitDeny",
            (true, _) => "implicitDeny",
        };
        if simulated != want_sim {
            problems.push(format!(
                "SimulatePrincipalPolicy says {simulated}, enforcement {}",
                if denied { "denied" } else { "authorized" }
            ));
        }
        let events: Vec<_> = audit_since(&self.t, mark)
            .await
            .into_iter()
            .filter(|ev| ev.request_id == ctx.request_id)
            .collect();
        match events.as_slice() {
            [ev] => {
                // The event records the decision: on the operation's own action, or the
                // kms:Decrypt refusal that stopped an allowed read (see also
                // `kms_decrypt_denial_is_audited_as_denied`).
                let kms_denied = own == "allowed" && denied;
                let own_denied = own != "allowed" || kms_denied;
                let decision = if own_denied { "denied" } else { "allowed" };
                if ev.decision != decision {
                    problems.push(format!(
                        "audit decision {} (reason {:?}), expected {decision}",
                        ev.decision, ev.reason
                    ));
                }
                let reason_ok = match (own_denied, deny.as_deref()) {
                    _ if kms_denied => ev.reason.starts_with("kms:Decrypt on "),
                    (false, _) => ev.reason.starts_with("allowed by statement"),
                    (true, Some("explicit")) => ev.reason.starts_with("explicitly denied by"),
                    (true, _) => {
                        ev.reason.starts_with("no identity-based policy allows")
                            || ev.reason == "the principal does not exist"
                    }
                };
                if !reason_ok {
                    problems.push(format!("audit reason {:?}", ev.reason));
                }
                if ev.principal != user_arn(req_str(step, "as")) {
                    problems.push(format!("audit principal {}", ev.principal));
                }
                let outcome = if result.is_ok() { "ok" } else { "error" };
                if ev.outcome != outcome
                    || ev.error_code.as_deref() != result.as_ref().err().map(|e| e.code().as_str())
                {
                    problems.push(format!("audit outcome {} {:?}", ev.outcome, ev.error_code));
                }
            }
            other => problems.push(format!("{} audit events for the request", other.len())),
        }
        problems
    }
}

#[tokio::test]
async fn enforcement_table() {
    let table = data("enforcement_cases.json");
    let cases = table["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut requests = 0;
    for case in cases {
        let name = req_str(case, "name");
        let mut w = World::setup(case).await;
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            if step.get("admin").is_some() {
                w.admin(step).await;
                continue;
            }
            requests += 1;
            for p in w.check_request(step).await {
                failures.push(format!("{name} — step {} {step}: {p}", i + 1));
            }
        }
    }
    assert!(requests >= 100, "the table runs {requests} requests");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The table carries a row for every §2.6 example the enforcement point must reproduce.
#[test]
fn table_covers_the_reference_rows() {
    let table = data("enforcement_cases.json");
    let refs: Vec<String> = table["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| string(c, "ref"))
        .collect();
    for row in [1, 2, 3, 4, 5, 6, 9, 14, 15, 16, 20, 23, 30, 31, 45, 47] {
        let tag = format!("#{row}");
        assert!(
            refs.iter().any(|r| r.split_whitespace().any(|w| w == tag)),
            "no case for §2.6 {tag}"
        );
    }
}

/// A user with inline policy `doc` (none when `None`).
pub(crate) async fn add_user(t: &TestStore, name: &str, doc: Option<String>) {
    t.engine
        .create_principal(&root(), PrincipalKind::User, name, None, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("create user {name}: {e}"));
    if let Some(doc) = doc {
        t.engine
            .put_principal_policy(&root(), PrincipalKind::User, name, "p", &doc)
            .await
            .unwrap_or_else(|e| panic!("policy for {name}: {e}"));
    }
}

/// Every operation that names a secret, run as `ctx` on `id`: `(action, result)`.
async fn secret_ops(
    t: &TestStore,
    ctx: &RequestContext,
    id: &str,
) -> Vec<(&'static str, Result<()>)> {
    let e = &t.engine;
    let get = GetSecretValueInput {
        secret_id: id.into(),
        ..Default::default()
    };
    let put = PutSecretValueInput {
        secret_id: id.into(),
        value: Some(text("x")),
        ..Default::default()
    };
    let delete = |force: Option<bool>| DeleteSecretInput {
        secret_id: id.into(),
        force_delete_without_recovery: force,
        ..Default::default()
    };
    let versions = ListSecretVersionIdsInput {
        secret_id: id.into(),
        ..Default::default()
    };
    let pinned = allow(&["secretsmanager:GetSecretValue"], "*");
    vec![
        (
            "GetSecretValue",
            e.get_secret_value(ctx, get).await.map(drop),
        ),
        (
            "PutSecretValue",
            e.put_secret_value(ctx, put).await.map(drop),
        ),
        ("DescribeSecret", e.describe_secret(ctx, id).await.map(drop)),
        (
            "DeleteSecret",
            e.delete_secret(ctx, delete(None)).await.map(drop),
        ),
        (
            "DeleteSecret(force)",
            e.delete_secret(ctx, delete(Some(true))).await.map(drop),
        ),
        (
            "ListSecretVersionIds",
            e.list_secret_version_ids(ctx, versions).await.map(drop),
        ),
        (
            "TagResource",
            e.tag_resource(ctx, id, vec![Tag::new("k", "v")]).await,
        ),
        ("RestoreSecret", e.restore_secret(ctx, id).await.map(drop)),
        (
            "GetResourcePolicy",
            e.get_resource_policy(ctx, id).await.map(drop),
        ),
        (
            "PutResourcePolicy",
            e.put_resource_policy(ctx, id, &pinned, false)
                .await
                .map(drop),
        ),
        (
            "DeleteResourcePolicy",
            e.delete_resource_policy(ctx, id).await.map(drop),
        ),
    ]
}

/// §2.1: authorize before looking up existence. An unauthorized caller gets the same code
/// for an existing and a missing secret, on every operation; an authorized one learns that
/// the secret is missing.
#[tokio::test]
async fn unauthorized_callers_cannot_tell_existing_from_missing_secrets() {
    let t = TestStore::new().await;
    add_user(&t, "alice", None).await;
    let reads = [
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
    ];
    add_user(&t, "bob", Some(allow(&reads, &format!("{SM}prod/*")))).await;
    let arn = create(&t, "prod/db", "v1").await.arn;

    let existing = secret_ops(&t, &user("alice"), "prod/db").await;
    let missing = secret_ops(&t, &user("alice"), "prod/missing").await;
    let by_arn = secret_ops(&t, &user("alice"), &format!("{SM}prod/missing-AbCdEf")).await;
    for ((op, a), ((_, b), (_, c))) in existing.iter().zip(missing.iter().zip(by_arn.iter())) {
        for (what, r) in [("existing", a), ("missing", b), ("missing, by ARN", c)] {
            match r {
                Err(e) => assert_eq!(
                    e.code(),
                    ErrorCode::AccessDenied,
                    "{op} on a {what} secret: {}",
                    e.message()
                ),
                Ok(()) => panic!("{op} on a {what} secret was allowed"),
            }
        }
    }
    // Nothing above changed the secret.
    let described = t.engine.describe_secret(&root(), "prod/db").await.unwrap();
    assert_eq!(described.arn, arn);
    assert!(described.deleted_date.is_none());

    let bob = user("bob");
    let missing = GetSecretValueInput {
        secret_id: "prod/missing".into(),
        ..Default::default()
    };
    expect_err(
        t.engine.get_secret_value(&bob, missing).await,
        ErrorCode::ResourceNotFound,
        None,
    );
    expect_err(
        t.engine.describe_secret(&bob, "prod/missing").await,
        ErrorCode::ResourceNotFound,
        None,
    );
    // Outside bob's grant the missing secret is again indistinguishable.
    expect_err(
        t.engine.describe_secret(&bob, "other/missing").await,
        ErrorCode::AccessDenied,
        None,
    );
    let got = t
        .engine
        .get_secret_value(
            &bob,
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(got.value.as_str(), Some("value-v1"));
}

/// The AccessDenied message names the resource as the caller asked for it (as AWS does:
/// `… on resource: <SecretId> …`), so it carries no more than the code does: not the
/// existing secret's full ARN with its random suffix.
#[tokio::test]
async fn denial_messages_do_not_reveal_existence() {
    let t = TestStore::new().await;
    add_user(&t, "alice", None).await;
    let arn = create(&t, "prod/db", "v1").await.arn;
    let existing = secret_ops(&t, &user("alice"), "prod/db").await;
    let missing = secret_ops(&t, &user("alice"), "prod/dc").await;
    for ((op, a), (_, b)) in existing.iter().zip(missing.iter()) {
        let a = a.as_ref().expect_err("denied").message().to_owned();
        let b = b.as_ref().expect_err("denied").message().to_owned();
        assert!(!a.contains(&arn), "{op}: the message reveals the ARN: {a}");
        assert_eq!(
            a.replace("prod/db", "NAME"),
            b.replace("prod/dc", "NAME"),
            "{op}: messages for an existing and a missing secret differ"
        );
    }
}

/// Every decision is audited with the statement that decided it, or why none did.
#[tokio::test]
async fn every_decision_is_audited_with_its_reason() {
    let t = TestStore::new().await;
    let e = &t.engine;
    add_user(&t, "alice", None).await;
    let read = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowReadProd", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": format!("{SM}prod/*")}]});
    let no_legacy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyLegacy", "Effect": "Deny", "Action": "*",
         "Resource": format!("{SM}prod/legacy-??????")}]});
    for (name, doc) in [("ReadProd", read), ("NoLegacy", no_legacy)] {
        e.put_principal_policy(
            &root(),
            PrincipalKind::User,
            "alice",
            name,
            &doc.to_string(),
        )
        .await
        .unwrap();
    }
    let db = create(&t, "prod/db", "v1").await.arn;
    create(&t, "prod/legacy", "v1").await;
    create(&t, "prod/locked", "v1").await;
    let lock = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "LockAlice", "Effect": "Deny", "Principal": {"AWS": user_arn("alice")},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
    e.put_resource_policy(&root(), "prod/locked", &lock.to_string(), true)
        .await
        .unwrap();

    let get = |id: &str| GetSecretValueInput {
        secret_id: id.into(),
        ..Default::default()
    };
    let mark = audit_mark(&t).await;
    e.get_secret_value(&user("alice"), get("prod/db"))
        .await
        .unwrap();
    let put = PutSecretValueInput {
        secret_id: "prod/db".into(),
        value: Some(text("x")),
        ..Default::default()
    };
    expect_err(
        e.put_secret_value(&user("alice"), put).await,
        ErrorCode::AccessDenied,
        Some(&format!(
            "User: {} is not authorized to perform: secretsmanager:PutSecretValue on resource: prod/db because no identity-based policy allows the secretsmanager:PutSecretValue action",
            user_arn("alice")
        )),
    );
    expect_err(
        e.get_secret_value(&user("alice"), get("prod/legacy")).await,
        ErrorCode::AccessDenied,
        None,
    );
    let locked = expect_err(
        e.get_secret_value(&user("alice"), get("prod/locked")).await,
        ErrorCode::AccessDenied,
        None,
    );
    assert!(
        locked
            .message()
            .ends_with("with an explicit deny in a resource-based policy"),
        "{}",
        locked.message()
    );

    let events = audit_since(&t, mark).await;
    let seen: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .map(|ev| {
            (
                ev.action.as_str(),
                ev.decision.as_str(),
                ev.outcome.as_str(),
                ev.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "GetSecretValue",
                "allowed",
                "ok",
                "allowed by statement 'AllowReadProd' of policy ReadProd"
            ),
            (
                "PutSecretValue",
                "denied",
                "error",
                "no identity-based policy allows the secretsmanager:PutSecretValue action"
            ),
            (
                "GetSecretValue",
                "denied",
                "error",
                "explicitly denied by statement 'DenyLegacy' of policy NoLegacy"
            ),
            (
                "GetSecretValue",
                "denied",
                "error",
                "explicitly denied by statement 'LockAlice' of resource policy ResourcePolicy"
            ),
        ]
    );
    for ev in &events {
        assert_eq!(ev.principal, user_arn("alice"));
        assert_eq!(ev.source, "api");
    }
    assert_eq!(events[0].resource_arn.as_deref(), Some(db.as_str()));
    assert!(
        events[0].details.contains("ReadProd#1"),
        "{}",
        events[0].details
    );
    assert_eq!(
        events[1].error_code.as_deref(),
        Some("AccessDeniedException")
    );
    assert!(events[1].details.contains("\"secretId\":\"prod/db\""));

    // The decision filter finds them.
    let query = |decision: &str| AuditFilter {
        principal: Some(user_arn("alice")),
        decision: Some(decision.into()),
        ..Default::default()
    };
    let denied = e.query_audit(&root(), &query("denied")).await.unwrap();
    assert_eq!(denied.events.len(), 3);
    let allowed = e.query_audit(&root(), &query("allowed")).await.unwrap();
    assert_eq!(allowed.events.len(), 1);
    assert_eq!(allowed.events[0].seq, events[0].seq);
}

/// §2.6 #47: a GetSecretValue refused because the caller may not use the secret's
/// customer-managed key is a denial, and the audit log must say so — not "allowed".
#[tokio::test]
async fn kms_decrypt_denial_is_audited_as_denied() {
    let t = TestStore::new().await;
    let e = &t.engine;
    add_user(
        &t,
        "alice",
        Some(allow(
            &["secretsmanager:GetSecretValue"],
            &format!("{SM}prod/*"),
        )),
    )
    .await;
    let key = e.create_key(&root(), None, None).await.unwrap();
    e.create_secret(
        &root(),
        CreateSecretInput {
            name: "prod/db".into(),
            value: Some(text("v")),
            kms_key_id: Some(key.key_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mark = audit_mark(&t).await;
    let err = expect_err(
        e.get_secret_value(
            &user("alice"),
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                ..Default::default()
            },
        )
        .await,
        ErrorCode::AccessDenied,
        None,
    );
    assert!(err.message().contains("kms:Decrypt"), "{}", err.message());
    assert!(err.message().contains(&key.arn), "{}", err.message());
    let events = audit_since(&t, mark).await;
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(
        (ev.outcome.as_str(), ev.error_code.as_deref()),
        ("error", Some("AccessDeniedException"))
    );
    assert_eq!(
        ev.decision, "denied",
        "a request refused for lack of kms:Decrypt is logged as {} ({:?}; details {})",
        ev.decision, ev.reason, ev.details
    );
    assert!(ev.reason.contains("kms:Decrypt"), "{}", ev.reason);
}

/// Access keys: the secret is returned once and never listed or logged; authentication
/// reads the key on every call, so status changes and deletion act at once; two keys per
/// user; a user with keys cannot be deleted.
#[tokio::test]
async fn access_keys_authenticate_until_deactivated_or_deleted() {
    let t = TestStore::new().await;
    let e = &t.engine;
    add_user(&t, "alice", None).await;
    let k1 = e
        .create_access_key(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    let id1 = k1.info.access_key_id.clone();
    let secret1 = k1
        .secret_access_key
        .expose_str()
        .expect("text secret")
        .to_owned();
    assert_eq!(secret1.len(), 40);
    assert!(id1.starts_with("AKIA") && id1.len() == 20, "{id1}");
    assert_eq!(k1.info.status, "Active");
    assert_eq!(k1.info.owner_name, "alice");

    let listed = e
        .list_access_keys(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].access_key_id, id1);
    assert!(!format!("{listed:?}").contains(&secret1));

    let cred = e.authenticate(&id1).await.unwrap().expect("active key");
    assert_eq!(cred.principal_arn, user_arn("alice"));
    assert_eq!(cred.secret_access_key.expose(), secret1.as_bytes());

    e.update_access_key(&root(), &id1, "Inactive")
        .await
        .unwrap();
    assert!(e.authenticate(&id1).await.unwrap().is_none());
    let listed = e
        .list_access_keys(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    assert_eq!(listed[0].status, "Inactive");
    e.update_access_key(&root(), &id1, "Active").await.unwrap();
    let again = e.authenticate(&id1).await.unwrap().expect("active again");
    assert_eq!(again.secret_access_key.expose(), secret1.as_bytes());
    expect_err(
        e.update_access_key(&root(), &id1, "Disabled").await,
        ErrorCode::Validation,
        None,
    );

    let k2 = e
        .create_access_key(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    let id2 = k2.info.access_key_id.clone();
    assert_ne!(id1, id2);
    assert_ne!(k2.secret_access_key.expose(), secret1.as_bytes());
    expect_err(
        e.create_access_key(&root(), PrincipalKind::User, "alice")
            .await,
        ErrorCode::LimitExceeded,
        None,
    );
    assert_eq!(
        e.list_access_keys(&root(), PrincipalKind::User, "alice")
            .await
            .unwrap()
            .len(),
        2
    );
    expect_err(
        e.delete_principal(&root(), PrincipalKind::User, "alice")
            .await,
        ErrorCode::DeleteConflict,
        None,
    );
    assert!(e.authenticate(&id1).await.unwrap().is_some());

    e.delete_access_key(&root(), &id1).await.unwrap();
    assert!(e.authenticate(&id1).await.unwrap().is_none());
    assert!(e.authenticate(&id2).await.unwrap().is_some());
    expect_err(
        e.delete_access_key(&root(), &id1).await,
        ErrorCode::NoSuchEntity,
        None,
    );
    expect_err(
        e.update_access_key(&root(), &id1, "Active").await,
        ErrorCode::NoSuchEntity,
        None,
    );
    assert!(
        e.authenticate("AKIAAAAAAAAAAAAAAAAA")
            .await
            .unwrap()
            .is_none()
    );

    e.delete_access_key(&root(), &id2).await.unwrap();
    e.delete_principal(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    assert!(e.authenticate(&id2).await.unwrap().is_none());

    // Neither secret ever reached the audit log.
    let log = format!("{:?}", crate::engine_support::audit_log(&t).await);
    assert!(!log.contains(&secret1));
    let secret2 = k2.secret_access_key.expose_str().unwrap();
    assert!(!log.contains(secret2));
}

/// IAM operations are enforced like secret operations. AWS's "manage your own access keys"
/// policy (`iam:*AccessKey*` on `user/${aws:username}`) lets a user manage their own keys
/// and nobody else's.
#[tokio::test]
async fn users_manage_their_own_access_keys_only() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let own = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:DeleteAccessKey"],
         "Resource": format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")}]})
    .to_string();
    add_user(&t, "alice", Some(own.clone())).await;
    add_user(&t, "bob", Some(own)).await;
    let alice = user("alice");
    let mine = e
        .create_access_key(&alice, PrincipalKind::User, "alice")
        .await
        .unwrap();
    let bobs = e
        .create_access_key(&root(), PrincipalKind::User, "bob")
        .await
        .unwrap();
    expect_err(
        e.create_access_key(&alice, PrincipalKind::User, "bob")
            .await,
        ErrorCode::AccessDenied,
        None,
    );
    expect_err(
        e.list_access_keys(&alice, PrincipalKind::User, "bob").await,
        ErrorCode::AccessDenied,
        None,
    );
    expect_err(
        e.update_access_key(&alice, &bobs.info.access_key_id, "Inactive")
            .await,
        ErrorCode::AccessDenied,
        None,
    );
    expect_err(
        e.delete_access_key(&alice, &bobs.info.access_key_id).await,
        ErrorCode::AccessDenied,
        None,
    );
    assert!(
        e.authenticate(&bobs.info.access_key_id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        e.list_access_keys(&alice, PrincipalKind::User, "alice")
            .await
            .unwrap()
            .len(),
        1
    );
    e.update_access_key(&alice, &mine.info.access_key_id, "Inactive")
        .await
        .expect("alice deactivates her own key");
    e.delete_access_key(&alice, &mine.info.access_key_id)
        .await
        .expect("alice deletes her own key");
    // Without the policy, not even her own.
    e.delete_principal_policy(&root(), PrincipalKind::User, "alice", "p")
        .await
        .unwrap();
    expect_err(
        e.create_access_key(&alice, PrincipalKind::User, "alice")
            .await,
        ErrorCode::AccessDenied,
        None,
    );
}

/// GetSecretValue of `prod/db` as user `who`.
async fn get_db(t: &TestStore, who: &str) -> Result<()> {
    t.engine
        .get_secret_value(
            &user(who),
            GetSecretValueInput {
                secret_id: "prod/db".into(),
                ..Default::default()
            },
        )
        .await
        .map(drop)
}

/// The resource policy stored on `prod/db`.
async fn stored_policy(t: &TestStore) -> Option<String> {
    t.engine
        .get_resource_policy(&root(), "prod/db")
        .await
        .unwrap()
        .resource_policy
}

/// Resource policies: BlockPublicPolicy, malformed documents, a policy naming a user
/// (§2.6 #4/#5), an explicit Deny in it (#6), validation, deletion.
#[tokio::test]
async fn resource_policies_grant_deny_and_block_public_access() {
    let t = TestStore::new().await;
    let e = &t.engine;
    add_user(&t, "alice", None).await;
    add_user(&t, "bob", None).await;
    create(&t, "prod/db", "v1").await;
    let statement = |effect: &str, principal: Value| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": effect, "Principal": principal,
             "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
        .to_string()
    };
    let pinned = statement("Allow", serde_json::json!({"AWS": user_arn("alice")}));
    let public = statement("Allow", Value::from("*"));
    expect_err(get_db(&t, "alice").await, ErrorCode::AccessDenied, None);
    e.put_resource_policy(&root(), "prod/db", &pinned, true)
        .await
        .expect("a policy naming one user is not public");
    get_db(&t, "alice").await.expect("§2.6 #4");
    expect_err(get_db(&t, "bob").await, ErrorCode::AccessDenied, None);

    expect_err(
        e.put_resource_policy(&root(), "prod/db", &public, true)
            .await,
        ErrorCode::PublicPolicy,
        Some(
            "The BlockPublicPolicy parameter is set to true and the resource policy did not prevent broad access to the secret.",
        ),
    );
    assert_eq!(stored_policy(&t).await.as_deref(), Some(pinned.as_str()));
    expect_err(get_db(&t, "bob").await, ErrorCode::AccessDenied, None);

    let unknown_operator = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn("bob")}, "Action": "secretsmanager:GetSecretValue",
         "Resource": "*", "Condition": {"StringEqualz": {"aws:username": "bob"}}}]})
    .to_string();
    let no_principal = allow(&["secretsmanager:GetSecretValue"], "*");
    for bad in [
        "{not json",
        unknown_operator.as_str(),
        no_principal.as_str(),
    ] {
        expect_err(
            e.put_resource_policy(&root(), "prod/db", bad, false).await,
            ErrorCode::MalformedPolicyDocument,
            None,
        );
        assert_eq!(stored_policy(&t).await.as_deref(), Some(pinned.as_str()));
    }
    expect_err(get_db(&t, "bob").await, ErrorCode::AccessDenied, None);

    let report = e
        .validate_resource_policy(&root(), Some("prod/db"), &public)
        .await
        .unwrap();
    assert!(!report.passed, "{report:?}");
    assert!(
        report
            .errors
            .iter()
            .any(|f| f.check_name == "BROAD_ACCESS_CHECKING"),
        "{report:?}"
    );
    let report = e
        .validate_resource_policy(&root(), Some("prod/db"), &pinned)
        .await
        .unwrap();
    assert!(report.passed, "{report:?}");
    assert!(
        report
            .errors
            .iter()
            .all(|f| f.check_name != "BROAD_ACCESS_CHECKING"),
        "{report:?}"
    );

    // Without BlockPublicPolicy a public policy is accepted and does grant everyone.
    e.put_resource_policy(&root(), "prod/db", &public, false)
        .await
        .unwrap();
    get_db(&t, "bob").await.expect("public policy");

    e.delete_resource_policy(&root(), "prod/db").await.unwrap();
    assert_eq!(stored_policy(&t).await, None);
    expect_err(get_db(&t, "alice").await, ErrorCode::AccessDenied, None);
    expect_err(get_db(&t, "bob").await, ErrorCode::AccessDenied, None);

    // §2.6 #6: an explicit Deny in the resource policy beats an identity Allow.
    e.put_principal_policy(
        &root(),
        PrincipalKind::User,
        "alice",
        "read",
        &allow(&["secretsmanager:GetSecretValue"], "*"),
    )
    .await
    .unwrap();
    get_db(&t, "alice").await.expect("identity allow");
    let deny_all = statement("Deny", Value::from("*"));
    e.put_resource_policy(&root(), "prod/db", &deny_all, true)
        .await
        .expect("a Deny for everyone is not public");
    let err = expect_err(get_db(&t, "alice").await, ErrorCode::AccessDenied, None);
    assert!(
        err.message()
            .ends_with("with an explicit deny in a resource-based policy"),
        "{}",
        err.message()
    );
    // The root is not subject to policies.
    e.get_secret_value(
        &root(),
        GetSecretValueInput {
            secret_id: "prod/db".into(),
            ..Default::default()
        },
    )
    .await
    .expect("root");
}

/// Identity policies are parsed when stored: a malformed one is refused (§2.6 #50).
#[tokio::test]
async fn malformed_identity_policies_are_refused() {
    let t = TestStore::new().await;
    add_user(&t, "alice", None).await;
    let with_principal = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}]})
    .to_string();
    let both = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:*", "NotAction": "secretsmanager:DeleteSecret",
         "Resource": "*"}]})
    .to_string();
    for bad in ["[]", "{not json", with_principal.as_str(), both.as_str()] {
        expect_err(
            t.engine
                .put_principal_policy(&root(), PrincipalKind::User, "alice", "p", bad)
                .await,
            ErrorCode::MalformedIamPolicy,
            None,
        );
        expect_err(
            t.engine.create_policy(&root(), "Bad", bad, None).await,
            ErrorCode::MalformedIamPolicy,
            None,
        );
    }
    let listed = t
        .engine
        .list_principal_policies(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    assert!(listed.is_empty());
}

/// SimulatePrincipalPolicy names the resource policy that decided, and is itself an
/// authorized action.
#[tokio::test]
async fn simulation_reports_the_deciding_policy_and_is_authorized() {
    let t = TestStore::new().await;
    let e = &t.engine;
    add_user(&t, "alice", None).await;
    add_user(&t, "bob", None).await;
    let arn = create(&t, "prod/db", "v1").await.arn;
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AliceReads", "Effect": "Allow", "Principal": {"AWS": user_arn("alice")},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
    e.put_resource_policy(&root(), "prod/db", &doc.to_string(), true)
        .await
        .unwrap();
    let input = |who: &str| SimulationInput {
        policy_source_arn: user_arn(who),
        action_names: vec![
            "secretsmanager:GetSecretValue".into(),
            "secretsmanager:PutSecretValue".into(),
        ],
        resource_arns: vec![arn.clone()],
        context_entries: Vec::new(),
    };
    let out = e
        .simulate_principal_policy(&root(), input("alice"))
        .await
        .unwrap();
    let decisions: Vec<&str> = out.iter().map(|r| r.decision.as_str()).collect();
    assert_eq!(decisions, ["allowed", "implicitDeny"]);
    let m = &out[0].matched;
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].source_policy_type, "Resource Policy");
    assert_eq!(m[0].source_policy_id, "ResourcePolicy");
    assert_eq!(m[0].sid.as_deref(), Some("AliceReads"));
    assert_eq!(m[0].statement_index, 1);
    let out = e
        .simulate_principal_policy(&root(), input("bob"))
        .await
        .unwrap();
    assert_eq!(out[0].decision, "implicitDeny");

    // bob may not run simulations; once allowed to, he may.
    expect_err(
        e.simulate_principal_policy(&user("bob"), input("alice"))
            .await,
        ErrorCode::AccessDenied,
        None,
    );
    e.put_principal_policy(
        &root(),
        PrincipalKind::User,
        "bob",
        "sim",
        &allow(&["iam:SimulatePrincipalPolicy"], "*"),
    )
    .await
    .unwrap();
    let out = e
        .simulate_principal_policy(&user("bob"), input("alice"))
        .await
        .unwrap();
    assert_eq!(out[0].decision, "allowed");
}

/// IAM's "last used": recorded on use, at most once a minute, and shown by ListAccessKeys.
#[tokio::test]
async fn access_key_last_use_is_recorded() {
    let t = TestStore::new().await;
    let e = &t.engine;
    e.create_principal(&root(), PrincipalKind::User, "app", None, Vec::new())
        .await
        .unwrap();
    let key = e
        .create_access_key(&root(), PrincipalKind::User, "app")
        .await
        .unwrap();
    let id = key.info.access_key_id.clone();
    let listed = |t: &TestStore| {
        let e = t.engine.clone();
        async move {
            e.list_access_keys(&root(), PrincipalKind::User, "app")
                .await
                .unwrap()
                .remove(0)
        }
    };
    assert_eq!(listed(&t).await.last_used_date, None);
    e.record_access_key_use(&id, "eu-west-1", "secretsmanager")
        .await
        .unwrap();
    let first = listed(&t).await;
    assert_eq!(
        first.last_used_date,
        Some(coffer_engine::Clock::now(&t.clock))
    );
    assert_eq!(first.last_used_region.as_deref(), Some("eu-west-1"));
    // Within the minute: not written again.
    t.clock.advance(chrono::Duration::seconds(30));
    e.record_access_key_use(&id, "us-east-1", "secretsmanager")
        .await
        .unwrap();
    assert_eq!(
        listed(&t).await.last_used_region.as_deref(),
        Some("eu-west-1")
    );
    t.clock.advance(chrono::Duration::seconds(31));
    e.record_access_key_use(&id, "us-east-1", "secretsmanager")
        .await
        .unwrap();
    assert_eq!(
        listed(&t).await.last_used_region.as_deref(),
        Some("us-east-1")
    );
}

/// GetSecretValue runs from a cache of the rows it reads (secret, tags, labels, sealed
/// versions, key rows), keyed by the secrets generation the store's triggers maintain. A
/// change another process makes to any of them applies to the very next read, and every
/// read, cached or not, is audited once.
#[tokio::test]
async fn secret_changes_from_another_process_apply_to_the_next_read() {
    let t = TestStore::new().await;
    let e = &t.engine;
    let key = e
        .create_key(&root(), None, Some("team".into()))
        .await
        .unwrap();
    e.create_secret(
        &root(),
        CreateSecretInput {
            name: "shared/db".into(),
            client_request_token: Some(token("v1")),
            value: Some(text("value-v1")),
            kms_key_id: Some("alias/team".into()),
            tags: vec![Tag {
                key: "team".into(),
                value: "blue".into(),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
             "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}}},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
        ]
    })
    .to_string();
    add_user(&t, "alice", Some(policy)).await;
    let alice = user("alice");
    let read = |ctx: RequestContext, stage: Option<&str>| {
        let input = GetSecretValueInput {
            secret_id: "shared/db".into(),
            version_stage: stage.map(str::to_owned),
            ..Default::default()
        };
        async move { e.get_secret_value(&ctx, input).await }
    };
    let value = |r: Result<coffer_engine::SecretValueOutput>| {
        let out = r.unwrap();
        out.value.as_str().expect("string value").to_owned()
    };
    let mark = audit_mark(&t).await;
    let mut reads = 0;
    // Warm the cache.
    for _ in 0..3 {
        assert_eq!(value(read(root(), None).await), "value-v1");
        assert_eq!(value(read(alice.clone(), None).await), "value-v1");
        reads += 2;
    }

    // A second engine on the same file plays the other process (the CLI next to a server).
    let other = coffer_engine::Engine::open(&t.path(), std::sync::Arc::new(t.clock.clone()))
        .await
        .unwrap();
    other
        .unseal(&coffer_engine::Password::from(crate::support::PASSWORD))
        .await
        .unwrap();

    // A new version moves AWSCURRENT.
    other
        .put_secret_value(
            &root(),
            PutSecretValueInput {
                secret_id: "shared/db".into(),
                client_request_token: Some(token("v2")),
                value: Some(text("value-v2")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(value(read(alice.clone(), None).await), "value-v2");
    assert_eq!(value(read(root(), Some("AWSPREVIOUS")).await), "value-v1");
    reads += 2;

    // A label moved back.
    other
        .update_secret_version_stage(
            &root(),
            coffer_engine::UpdateSecretVersionStageInput {
                secret_id: "shared/db".into(),
                version_stage: "AWSCURRENT".into(),
                remove_from_version_id: Some(token("v2")),
                move_to_version_id: Some(token("v1")),
            },
        )
        .await
        .unwrap();
    assert_eq!(value(read(alice.clone(), None).await), "value-v1");
    reads += 1;

    // The tag the policy's condition needs, removed and put back.
    other
        .untag_resource(&root(), "shared/db", vec!["team".into()])
        .await
        .unwrap();
    expect_err(
        read(alice.clone(), None).await,
        ErrorCode::AccessDenied,
        None,
    );
    assert_eq!(value(read(root(), None).await), "value-v1");
    other
        .tag_resource(
            &root(),
            "shared/db",
            vec![Tag {
                key: "team".into(),
                value: "blue".into(),
            }],
        )
        .await
        .unwrap();
    assert_eq!(value(read(alice.clone(), None).await), "value-v1");
    reads += 3;

    // The secret's key disabled, then enabled.
    other
        .set_key_enabled(&root(), &key.key_id, false)
        .await
        .unwrap();
    expect_err(read(root(), None).await, ErrorCode::DecryptionFailure, None);
    other
        .set_key_enabled(&root(), &key.key_id, true)
        .await
        .unwrap();
    assert_eq!(value(read(root(), None).await), "value-v1");
    reads += 2;

    // Deleted, then restored.
    other
        .delete_secret(
            &root(),
            DeleteSecretInput {
                secret_id: "shared/db".into(),
                recovery_window_in_days: Some(7),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    expect_err(
        read(alice.clone(), None).await,
        ErrorCode::InvalidRequest,
        None,
    );
    other.restore_secret(&root(), "shared/db").await.unwrap();
    assert_eq!(value(read(alice.clone(), None).await), "value-v1");
    reads += 2;

    // Force-deleted: gone for the next read.
    other
        .delete_secret(
            &root(),
            DeleteSecretInput {
                secret_id: "shared/db".into(),
                force_delete_without_recovery: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    expect_err(read(root(), None).await, ErrorCode::ResourceNotFound, None);
    reads += 1;

    let audited = audit_since(&t, mark)
        .await
        .into_iter()
        .filter(|ev| ev.action == "GetSecretValue")
        .count();
    assert_eq!(audited, reads, "every read audited exactly once");
    assert!(e.verify_audit(&root()).await.unwrap().is_intact());
    other.close().await;
}

/// The engine caches verified access keys and callers with their parsed policies. A change
/// made by another process on the same store file (the CLI next to a running server) must
/// still take effect on the very next request: the cache is keyed by the identity
/// generation the store's triggers maintain, read in the request's own snapshot.
#[tokio::test]
async fn identity_changes_from_another_process_apply_to_the_next_request() {
    let t = TestStore::new().await;
    let e = &t.engine;
    create(&t, "shared/db", "v1").await;
    let read = allow(&["secretsmanager:GetSecretValue"], "*");
    add_user(&t, "alice", Some(read.clone())).await;
    let key = e
        .create_access_key(&root(), PrincipalKind::User, "alice")
        .await
        .unwrap();
    let id = key.info.access_key_id.clone();
    let get = || GetSecretValueInput {
        secret_id: "shared/db".into(),
        ..Default::default()
    };

    // Warm the caches.
    for _ in 0..3 {
        assert!(e.authenticate(&id).await.unwrap().is_some());
        e.get_secret_value(&user("alice"), get()).await.unwrap();
    }

    // A second engine on the same file plays the other process.
    let other = coffer_engine::Engine::open(&t.path(), std::sync::Arc::new(t.clock.clone()))
        .await
        .unwrap();
    other
        .unseal(&coffer_engine::Password::from(crate::support::PASSWORD))
        .await
        .unwrap();

    other
        .delete_principal_policy(&root(), PrincipalKind::User, "alice", "p")
        .await
        .unwrap();
    expect_err(
        e.get_secret_value(&user("alice"), get()).await,
        ErrorCode::AccessDenied,
        None,
    );
    other
        .put_principal_policy(&root(), PrincipalKind::User, "alice", "p", &read)
        .await
        .unwrap();
    e.get_secret_value(&user("alice"), get()).await.unwrap();

    other
        .update_access_key(&root(), &id, "Inactive")
        .await
        .unwrap();
    assert!(e.authenticate(&id).await.unwrap().is_none());
    other
        .update_access_key(&root(), &id, "Active")
        .await
        .unwrap();
    assert!(e.authenticate(&id).await.unwrap().is_some());

    // Recording "last used" is not a change of access and keeps the cache warm; sealing
    // drops the unsealed secrets with the keys.
    e.record_access_key_use(&id, "us-east-1", "secretsmanager")
        .await
        .unwrap();
    assert!(e.authenticate(&id).await.unwrap().is_some());
    e.seal();
    assert!(e.authenticate(&id).await.is_err());
    other.close().await;
}
