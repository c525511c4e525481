//! End to end through the real AWS SDK for Rust (`aws-sdk-secretsmanager`): a `coffer-http`
//! server on an ephemeral port over a temp store, an IAM user allowed `secretsmanager:*`
//! with an access key, and an SDK client pointed at the server (crate-notes §5, variant (a):
//! explicit endpoint, region and static credentials, so no credential chain and no IMDS).
//!
//! Covers every Secrets Manager action the SDK offers here except rotation and replication,
//! the errors as the SDK parses them (modeled exceptions and unmodeled codes), SigV4
//! failures, and the SDK's automatic ClientRequestToken.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_secretsmanager::primitives::{Blob, DateTime};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SortOrderType, Tag};
use aws_sdk_secretsmanager::{Client, Config};
use coffer_engine::PrincipalKind;
use coffer_http::{Server, ServerConfig};
use tokio::sync::oneshot;

use crate::support::{TestStore, root, token};

const REGION: &str = "us-east-1";
const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#;
const NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";

/// A running server over a fresh store, and an SDK client for user `app`.
struct Api {
    t: TestStore,
    addr: SocketAddr,
    client: Client,
    key_id: String,
    secret: String,
    /// Dropping it stops the server.
    _stop: oneshot::Sender<()>,
}

impl Api {
    async fn start() -> Api {
        let t = TestStore::new().await;
        // SigV4 skew is checked against the engine's clock; the SDK signs with the real time.
        t.clock.set(chrono::Utc::now());
        let (key_id, secret) = user(&t, "app", Some(ALLOW_ALL)).await;
        let server = Server::bind(
            t.engine.clone(),
            ServerConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..ServerConfig::default()
            },
        )
        .await
        .expect("bind");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        let client = client(addr, &key_id, &secret);
        Api {
            t,
            addr,
            client,
            key_id,
            secret,
            _stop: stop,
        }
    }

    /// A client for another user of this store.
    async fn client_for(&self, name: &str, policy: Option<&str>) -> (Client, String) {
        let (id, secret) = user(&self.t, name, policy).await;
        (client(self.addr, &id, &secret), id)
    }

    async fn create(&self, name: &str, value: &str) -> (String, String) {
        let out = self
            .client
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await
            .expect("create_secret");
        (
            out.arn().unwrap().to_owned(),
            out.version_id().unwrap().to_owned(),
        )
    }

    async fn current(&self, id: &str) -> String {
        self.client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .expect("get_secret_value")
            .secret_string()
            .unwrap()
            .to_owned()
    }

    async fn stages(&self, id: &str) -> HashMap<String, Vec<String>> {
        let mut map = self
            .client
            .describe_secret()
            .secret_id(id)
            .send()
            .await
            .expect("describe_secret")
            .version_ids_to_stages()
            .cloned()
            .unwrap_or_default();
        for v in map.values_mut() {
            v.sort();
        }
        map
    }
}

/// Creates IAM user `name` (with an inline policy when given) and an access key for it.
async fn user(t: &TestStore, name: &str, policy: Option<&str>) -> (String, String) {
    let e = &t.engine;
    e.create_principal(&root(), PrincipalKind::User, name, None, Vec::new())
        .await
        .expect("create user");
    if let Some(doc) = policy {
        e.put_principal_policy(&root(), PrincipalKind::User, name, "sm", doc)
            .await
            .expect("put policy");
    }
    let key = e
        .create_access_key(&root(), PrincipalKind::User, name)
        .await
        .expect("create key");
    let secret = key.secret_access_key.expose_str().unwrap().to_owned();
    (key.info.access_key_id, secret)
}

/// An SDK client for `addr` with a static access key (no credential chain, no IMDS).
pub(crate) fn client(addr: SocketAddr, key_id: &str, secret: &str) -> Client {
    let creds = Credentials::new(key_id, secret, None, None, "coffer-tests");
    let conf = Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(format!("http://{addr}"))
        .credentials_provider(creds)
        .build();
    Client::from_conf(conf)
}

fn filter(key: FilterNameStringType, value: &str) -> Filter {
    Filter::builder().key(key).values(value).build()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build()
}

/// A date within two minutes of the real time (the engine clock is set to it at start).
fn assert_near_now(date: Option<&DateTime>, what: &str) {
    let secs = date.unwrap_or_else(|| panic!("{what} missing")).secs();
    let now = chrono::Utc::now().timestamp();
    assert!((secs - now).abs() < 120, "{what}: {secs} vs now {now}");
}

fn labels(l: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = l.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

// ------------------------------------------------------------------ values

#[tokio::test]
async fn create_and_get_by_every_identifier() {
    let api = Api::start().await;
    let c = &api.client;

    let out = c
        .create_secret()
        .name("db/prod")
        .description("the prod db")
        .secret_string("hunter2")
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let arn = out.arn().unwrap().to_owned();
    let v1 = out.version_id().unwrap().to_owned();
    assert_eq!(out.name(), Some("db/prod"));
    assert!(
        arn.starts_with(&format!("arn:aws:secretsmanager:{REGION}:"))
            && arn.contains(":secret:db/prod-"),
        "{arn}"
    );
    // The random suffix is '-' plus 6 characters.
    let partial = &arn[..arn.len() - 7];
    assert!(partial.ends_with(":secret:db/prod"), "{partial}");

    for id in ["db/prod", arn.as_str(), partial] {
        let got = c.get_secret_value().secret_id(id).send().await.unwrap();
        assert_eq!(got.secret_string(), Some("hunter2"), "by {id}");
        assert_eq!(got.arn(), Some(arn.as_str()), "by {id}");
        assert_eq!(got.name(), Some("db/prod"));
        assert_eq!(got.version_id(), Some(v1.as_str()));
        assert_eq!(got.version_stages(), ["AWSCURRENT".to_owned()]);
        assert_near_now(got.created_date(), "GetSecretValue CreatedDate");
        assert!(got.secret_binary().is_none());
    }

    let v2 = c
        .put_secret_value()
        .secret_id("db/prod")
        .secret_string("hunter3")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned();
    assert_ne!(v1, v2);
    let by_version = c
        .get_secret_value()
        .secret_id("db/prod")
        .version_id(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(by_version.secret_string(), Some("hunter2"));
    assert_eq!(by_version.version_stages(), ["AWSPREVIOUS".to_owned()]);
    let by_stage = c
        .get_secret_value()
        .secret_id("db/prod")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(by_stage.version_id(), Some(v1.as_str()));
    assert_eq!(api.current(&arn).await, "hunter3");

    // Binary values round-trip byte for byte (all 256 byte values, so base64 matters).
    let bytes: Vec<u8> = (0..=255u8).collect();
    let out = c
        .create_secret()
        .name("blob")
        .secret_binary(Blob::new(bytes.clone()))
        .send()
        .await
        .unwrap();
    assert!(out.version_id().is_some());
    let got = c.get_secret_value().secret_id("blob").send().await.unwrap();
    assert_eq!(got.secret_binary().map(|b| b.as_ref()), Some(&bytes[..]));
    assert!(got.secret_string().is_none());

    // A secret created without a value has no version and no readable value.
    let out = c.create_secret().name("empty").send().await.unwrap();
    assert!(out.version_id().is_none());
    let err = c
        .get_secret_value()
        .secret_id("empty")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}

#[tokio::test]
async fn batch_get_secret_value_ids_and_filters() {
    let api = Api::start().await;
    let c = &api.client;
    let (arn_a, _) = api.create("batch/a", "A").await;
    api.create("batch/b", "B").await;
    api.create("other/c", "C").await;

    let out = c
        .batch_get_secret_value()
        .secret_id_list(&arn_a)
        .secret_id_list("batch/b")
        .secret_id_list("batch/missing")
        .send()
        .await
        .unwrap();
    let mut values: Vec<(&str, &str)> = out
        .secret_values()
        .iter()
        .map(|v| (v.name().unwrap(), v.secret_string().unwrap()))
        .collect();
    values.sort();
    assert_eq!(values, [("batch/a", "A"), ("batch/b", "B")]);
    for v in out.secret_values() {
        assert_eq!(v.version_stages(), ["AWSCURRENT".to_owned()]);
        assert!(v.arn().is_some() && v.version_id().is_some());
        assert_near_now(v.created_date(), "BatchGet CreatedDate");
    }
    assert_eq!(out.errors().len(), 1, "{:?}", out.errors());
    let e = &out.errors()[0];
    assert_eq!(e.secret_id(), Some("batch/missing"));
    assert_eq!(e.error_code(), Some("ResourceNotFoundException"));

    let out = c
        .batch_get_secret_value()
        .filters(filter(FilterNameStringType::Name, "batch/"))
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = out
        .secret_values()
        .iter()
        .filter_map(|v| v.name())
        .collect();
    names.sort();
    assert_eq!(names, ["batch/a", "batch/b"]);
    assert!(out.errors().is_empty());

    // Both an id list and filters: the call itself fails.
    let err = c
        .batch_get_secret_value()
        .secret_id_list("batch/a")
        .filters(filter(FilterNameStringType::Name, "batch/"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
}

#[tokio::test]
async fn put_secret_value_idempotency_and_update_secret() {
    let api = Api::start().await;
    let c = &api.client;
    let (_, v1) = api.create("app/key", "one").await;

    let tok = token("put-1");
    let first = c
        .put_secret_value()
        .secret_id("app/key")
        .client_request_token(&tok)
        .secret_string("two")
        .send()
        .await
        .unwrap();
    assert_eq!(first.version_id(), Some(tok.as_str()));
    assert_eq!(first.version_stages(), ["AWSCURRENT".to_owned()]);
    // Same token, same value: the same version back, nothing new.
    let again = c
        .put_secret_value()
        .secret_id("app/key")
        .client_request_token(&tok)
        .secret_string("two")
        .send()
        .await
        .unwrap();
    assert_eq!(again.version_id(), first.version_id());
    // Same token, different value: ResourceExistsException.
    let err = c
        .put_secret_value()
        .secret_id("app/key")
        .client_request_token(&tok)
        .secret_string("three")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("already in use for a version of secret"),
        "{err:?}"
    );
    assert!(err.into_service_error().is_resource_exists_exception());
    let versions = c
        .list_secret_version_ids()
        .secret_id("app/key")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 2);

    // Metadata-only update: no new version.
    let out = c
        .update_secret()
        .secret_id("app/key")
        .description("now described")
        .send()
        .await
        .unwrap();
    assert_eq!(out.name(), Some("app/key"));
    assert!(out.version_id().is_none());
    let d = c
        .describe_secret()
        .secret_id("app/key")
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("now described"));
    assert_eq!(api.current("app/key").await, "two");

    // A value update: a new version that takes AWSCURRENT; AWSPREVIOUS follows.
    let out = c
        .update_secret()
        .secret_id("app/key")
        .secret_string("four")
        .send()
        .await
        .unwrap();
    let v3 = out.version_id().expect("a new version").to_owned();
    assert_eq!(api.current("app/key").await, "four");
    let stages = api.stages("app/key").await;
    assert_eq!(stages.get(&v3), Some(&labels(&["AWSCURRENT"])));
    assert_eq!(stages.get(&tok), Some(&labels(&["AWSPREVIOUS"])));
    assert!(!stages.contains_key(&v1), "v1 is deprecated: {stages:?}");
}

#[tokio::test]
async fn update_secret_version_stage_moves_labels() {
    let api = Api::start().await;
    let c = &api.client;
    let (_, v1) = api.create("stage/s", "one").await;
    let v2 = c
        .put_secret_value()
        .secret_id("stage/s")
        .secret_string("two")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned();

    // Without RemoveFromVersionId the move is refused.
    let err = c
        .update_secret_version_stage()
        .secret_id("stage/s")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&v1)
        .send()
        .await
        .unwrap_err();
    let msg = err.message().unwrap_or_default().to_owned();
    assert!(err.into_service_error().is_invalid_parameter_exception());
    assert!(
        msg.contains("RemoveFromVersionId") && msg.contains(&v2),
        "{msg}"
    );
    assert_eq!(api.current("stage/s").await, "two");

    // Roll back: AWSCURRENT to v1, AWSPREVIOUS follows to v2.
    let out = c
        .update_secret_version_stage()
        .secret_id("stage/s")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&v1)
        .remove_from_version_id(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.name(), Some("stage/s"));
    assert_eq!(api.current("stage/s").await, "one");
    let stages = api.stages("stage/s").await;
    assert_eq!(stages.get(&v1), Some(&labels(&["AWSCURRENT"])));
    assert_eq!(stages.get(&v2), Some(&labels(&["AWSPREVIOUS"])));

    // A custom label: attach, then detach with remove only.
    c.update_secret_version_stage()
        .secret_id("stage/s")
        .version_stage("blue")
        .move_to_version_id(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        api.stages("stage/s").await.get(&v2),
        Some(&labels(&["AWSPREVIOUS", "blue"]))
    );
    let got = c
        .get_secret_value()
        .secret_id("stage/s")
        .version_stage("blue")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("two"));
    c.update_secret_version_stage()
        .secret_id("stage/s")
        .version_stage("blue")
        .remove_from_version_id(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        api.stages("stage/s").await.get(&v2),
        Some(&labels(&["AWSPREVIOUS"]))
    );
}

// ------------------------------------------------------------------ metadata and listing

#[tokio::test]
async fn describe_tags_and_version_ids() {
    let api = Api::start().await;
    let c = &api.client;
    let (arn, v1) = api.create("meta/s", "one").await;

    c.tag_resource()
        .secret_id("meta/s")
        .tags(tag("team", "core"))
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap();
    // Merge: an existing key's value is overwritten.
    c.tag_resource()
        .secret_id(&arn)
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    let d = c
        .describe_secret()
        .secret_id("meta/s")
        .send()
        .await
        .unwrap();
    assert_eq!(d.arn(), Some(arn.as_str()));
    assert_eq!(d.name(), Some("meta/s"));
    let mut tags: Vec<(&str, &str)> = d
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    tags.sort();
    assert_eq!(tags, [("env", "prod"), ("team", "core")]);
    // Dates are epoch seconds on the wire; the SDK must read them as about now (a server
    // sending milliseconds would put them ~56,000 years out).
    assert_near_now(d.created_date(), "CreatedDate");
    assert_near_now(d.last_changed_date(), "LastChangedDate");
    assert!(d.deleted_date().is_none());
    // GetSecretValue sets LastAccessedDate (day resolution).
    api.current("meta/s").await;
    let accessed = c
        .describe_secret()
        .secret_id("meta/s")
        .send()
        .await
        .unwrap()
        .last_accessed_date()
        .copied();
    let secs = accessed.expect("LastAccessedDate after a read").secs();
    let now = chrono::Utc::now().timestamp();
    assert!(
        secs <= now && now - secs <= 24 * 3600,
        "LastAccessedDate {secs} vs now {now}"
    );
    assert!(d.kms_key_id().is_none(), "default key is omitted");
    assert_eq!(
        d.version_ids_to_stages().unwrap().get(&v1),
        Some(&vec!["AWSCURRENT".to_owned()])
    );

    // Untag: missing keys are ignored.
    c.untag_resource()
        .secret_id("meta/s")
        .tag_keys("team")
        .tag_keys("nope")
        .send()
        .await
        .unwrap();
    let d = c
        .describe_secret()
        .secret_id("meta/s")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = d.tags().iter().filter_map(|t| t.key()).collect();
    assert_eq!(keys, ["env"]);

    // Three versions; the first loses all labels and becomes deprecated.
    let v2 = c
        .put_secret_value()
        .secret_id("meta/s")
        .secret_string("two")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned();
    let v3 = c
        .put_secret_value()
        .secret_id("meta/s")
        .secret_string("three")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_owned();
    let listed = c
        .list_secret_version_ids()
        .secret_id("meta/s")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.arn(), Some(arn.as_str()));
    assert_eq!(listed.name(), Some("meta/s"));
    let ids: HashSet<&str> = listed
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    assert_eq!(ids, HashSet::from([v2.as_str(), v3.as_str()]));
    for v in listed.versions() {
        assert_near_now(v.created_date(), "version CreatedDate");
        let want = if v.version_id() == Some(v3.as_str()) {
            "AWSCURRENT"
        } else {
            "AWSPREVIOUS"
        };
        assert_eq!(v.version_stages(), [want.to_owned()]);
    }
    let all = c
        .list_secret_version_ids()
        .secret_id("meta/s")
        .include_deprecated(true)
        .send()
        .await
        .unwrap();
    let ids: HashSet<&str> = all
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    assert_eq!(ids, HashSet::from([v1.as_str(), v2.as_str(), v3.as_str()]));
    let deprecated = all
        .versions()
        .iter()
        .find(|v| v.version_id() == Some(v1.as_str()))
        .unwrap();
    assert!(deprecated.version_stages().is_empty());
}

#[tokio::test]
async fn list_secrets_filters_sort_and_pagination() {
    let api = Api::start().await;
    let c = &api.client;
    for i in 0..25 {
        let mut req = c
            .create_secret()
            .name(format!("page/s{i:02}"))
            .secret_string("v");
        if i % 5 == 0 {
            req = req.tags(tag("fifth", "yes"));
        }
        req.send().await.unwrap();
    }
    c.create_secret()
        .name("other/Thing")
        .description("Quarterly Report")
        .secret_string("v")
        .send()
        .await
        .unwrap();

    // The paginator over pages of 10: every secret exactly once, in three pages.
    let pages: Vec<_> = c
        .list_secrets()
        .max_results(10)
        .filters(filter(FilterNameStringType::Name, "page/"))
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut seen = Vec::new();
    let mut non_empty = 0;
    for page in pages {
        let page = page.expect("page");
        assert!(page.secret_list().len() <= 10);
        if !page.secret_list().is_empty() {
            non_empty += 1;
        }
        seen.extend(
            page.secret_list()
                .iter()
                .map(|s| s.name().unwrap().to_owned()),
        );
    }
    assert_eq!(non_empty, 3);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 25, "{seen:?}");
    assert_eq!(unique.len(), 25);

    // Across all secrets with another page size.
    let pages = c
        .list_secrets()
        .max_results(7)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut names = Vec::new();
    for page in pages {
        names.extend(
            page.expect("page")
                .secret_list()
                .iter()
                .map(|s| s.name().unwrap().to_owned()),
        );
    }
    assert_eq!(names.len(), 26, "{names:?}");
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), 26);

    // Sort by name, both directions.
    let asc = c
        .list_secrets()
        .filters(filter(FilterNameStringType::Name, "page/"))
        .sort_order(SortOrderType::Asc)
        .sort_by(aws_sdk_secretsmanager::types::SortByType::Name)
        .send()
        .await
        .unwrap();
    let asc: Vec<String> = asc
        .secret_list()
        .iter()
        .map(|s| s.name().unwrap().to_owned())
        .collect();
    let mut want: Vec<String> = (0..25).map(|i| format!("page/s{i:02}")).collect();
    assert_eq!(asc, want);
    let desc = c
        .list_secrets()
        .filters(filter(FilterNameStringType::Name, "page/"))
        .sort_order(SortOrderType::Desc)
        .sort_by(aws_sdk_secretsmanager::types::SortByType::Name)
        .send()
        .await
        .unwrap();
    let desc: Vec<String> = desc
        .secret_list()
        .iter()
        .map(|s| s.name().unwrap().to_owned())
        .collect();
    want.reverse();
    assert_eq!(desc, want);

    // tag-key and all.
    let out = c
        .list_secrets()
        .filters(filter(FilterNameStringType::TagKey, "fif"))
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = out.secret_list().iter().filter_map(|s| s.name()).collect();
    names.sort();
    assert_eq!(
        names,
        ["page/s00", "page/s05", "page/s10", "page/s15", "page/s20"]
    );
    let out = c
        .list_secrets()
        .filters(filter(FilterNameStringType::All, "quarter"))
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = out.secret_list().iter().filter_map(|s| s.name()).collect();
    assert_eq!(names, ["other/Thing"]);
    let entry = &out.secret_list()[0];
    assert_eq!(entry.description(), Some("Quarterly Report"));
    assert_near_now(entry.created_date(), "ListSecrets CreatedDate");
    assert_eq!(
        entry.secret_versions_to_stages().map(|m| m
            .values()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()),
        Some(vec!["AWSCURRENT".to_owned()])
    );

    // Planned deletion: hidden unless asked for.
    c.delete_secret()
        .secret_id("other/Thing")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    let out = c
        .list_secrets()
        .filters(filter(FilterNameStringType::Name, "other/"))
        .send()
        .await
        .unwrap();
    assert!(out.secret_list().is_empty(), "{:?}", out.secret_list());
    let out = c
        .list_secrets()
        .filters(filter(FilterNameStringType::Name, "other/"))
        .include_planned_deletion(true)
        .send()
        .await
        .unwrap();
    assert_eq!(out.secret_list().len(), 1);
    assert!(out.secret_list()[0].deleted_date().is_some());
}

// ------------------------------------------------------------------ deletion

#[tokio::test]
async fn delete_restore_and_force_delete() {
    let api = Api::start().await;
    let c = &api.client;
    let (arn, _) = api.create("del/s", "v").await;

    let out = c
        .delete_secret()
        .secret_id("del/s")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some(arn.as_str()));
    let when = out.deletion_date().expect("deletion date");
    let now = chrono::Utc::now().timestamp();
    let week = 7 * 24 * 3600;
    assert!(
        (when.secs() - (now + week)).abs() < 120,
        "{when:?} is not a week from now"
    );
    let err = c
        .get_secret_value()
        .secret_id("del/s")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("marked for deletion"),
        "{err:?}"
    );
    assert!(err.into_service_error().is_invalid_request_exception());
    let err = c
        .put_secret_value()
        .secret_id("del/s")
        .secret_string("w")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");
    let d = c.describe_secret().secret_id("del/s").send().await.unwrap();
    assert!(d.deleted_date().is_some());
    // The name can't be reused while scheduled.
    let err = c
        .create_secret()
        .name("del/s")
        .secret_string("x")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");

    let out = c.restore_secret().secret_id("del/s").send().await.unwrap();
    assert_eq!(out.name(), Some("del/s"));
    assert_eq!(api.current("del/s").await, "v");
    assert!(
        c.describe_secret()
            .secret_id("del/s")
            .send()
            .await
            .unwrap()
            .deleted_date()
            .is_none()
    );

    // Both a window and force: refused.
    let err = c
        .delete_secret()
        .secret_id("del/s")
        .recovery_window_in_days(7)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
    // A window out of range: refused.
    let err = c
        .delete_secret()
        .secret_id("del/s")
        .recovery_window_in_days(3)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    // Force: gone at once, and the name is free again.
    let out = c
        .delete_secret()
        .secret_id("del/s")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    assert!(out.deletion_date().is_some());
    let err = c
        .describe_secret()
        .secret_id("del/s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.message(), Some(NOT_FOUND));
    assert!(err.into_service_error().is_resource_not_found_exception());
    api.create("del/s", "again").await;
    assert_eq!(api.current("del/s").await, "again");
}

// ------------------------------------------------------------------ policies and passwords

#[tokio::test]
async fn resource_policies_and_random_password() {
    let api = Api::start().await;
    let c = &api.client;
    let (arn, _) = api.create("pol/s", "v").await;
    let account = arn.split(':').nth(4).unwrap().to_owned();

    let none = c
        .get_resource_policy()
        .secret_id("pol/s")
        .send()
        .await
        .unwrap();
    assert!(none.resource_policy().is_none());

    let narrow = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/app"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
    );
    let out = c
        .put_resource_policy()
        .secret_id("pol/s")
        .resource_policy(&narrow)
        .block_public_policy(true)
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some(arn.as_str()));
    let got = c
        .get_resource_policy()
        .secret_id("pol/s")
        .send()
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(got.resource_policy().unwrap()).unwrap();
    assert_eq!(
        doc,
        serde_json::from_str::<serde_json::Value>(&narrow).unwrap()
    );

    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    let err = c
        .put_resource_policy()
        .secret_id("pol/s")
        .resource_policy(public)
        .block_public_policy(true)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_public_policy_exception(), "{err:?}");
    let err = c
        .put_resource_policy()
        .secret_id("pol/s")
        .resource_policy("{not json")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_malformed_policy_document_exception(), "{err:?}");

    let ok = c
        .validate_resource_policy()
        .secret_id("pol/s")
        .resource_policy(&narrow)
        .send()
        .await
        .unwrap();
    assert!(ok.policy_validation_passed());
    assert!(ok.validation_errors().is_empty());
    let bad = c
        .validate_resource_policy()
        .resource_policy(public)
        .send()
        .await
        .unwrap();
    assert!(!bad.policy_validation_passed());
    assert!(
        bad.validation_errors()
            .iter()
            .any(|e| e.check_name() == Some("BROAD_ACCESS_CHECKING")),
        "{:?}",
        bad.validation_errors()
    );

    let out = c
        .delete_resource_policy()
        .secret_id("pol/s")
        .send()
        .await
        .unwrap();
    assert_eq!(out.name(), Some("pol/s"));
    let none = c
        .get_resource_policy()
        .secret_id("pol/s")
        .send()
        .await
        .unwrap();
    assert!(none.resource_policy().is_none());

    // GetRandomPassword: the default length and alphabet, and exclusions.
    let pw = c.get_random_password().send().await.unwrap();
    let pw = pw.random_password().unwrap();
    assert_eq!(pw.chars().count(), 32);
    assert!(pw.chars().all(|ch| ch.is_ascii_graphic()), "{pw}");
    let pw = c
        .get_random_password()
        .password_length(50)
        .exclude_punctuation(true)
        .exclude_characters("abc")
        .send()
        .await
        .unwrap();
    let pw = pw.random_password().unwrap();
    assert_eq!(pw.len(), 50);
    assert!(pw.chars().all(|ch| ch.is_ascii_alphanumeric()), "{pw}");
    assert!(!pw.contains(['a', 'b', 'c']), "{pw}");
    assert!(pw.chars().any(|ch| ch.is_ascii_uppercase()));
    assert!(pw.chars().any(|ch| ch.is_ascii_lowercase()));
    assert!(pw.chars().any(|ch| ch.is_ascii_digit()));
    let err = c
        .get_random_password()
        .password_length(2)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");
}

// ------------------------------------------------------------------ errors

#[tokio::test]
async fn modeled_and_unmodeled_errors() {
    let api = Api::start().await;
    let c = &api.client;
    api.create("err/s", "v").await;

    // ResourceNotFoundException, with AWS's message.
    let err = c
        .get_secret_value()
        .secret_id("err/missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(err.message(), Some(NOT_FOUND));
    assert!(err.into_service_error().is_resource_not_found_exception());
    let err = c
        .describe_secret()
        .secret_id("err/missing")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // InvalidParameterException: a client request token of the wrong length.
    let err = c
        .put_secret_value()
        .secret_id("err/s")
        .client_request_token("short")
        .secret_string("w")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    // InvalidRequestException: PutSecretValue with no value.
    let err = c
        .put_secret_value()
        .secret_id("err/s")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_request_exception(), "{err:?}");

    // ValidationException is not modeled: an unhandled error whose code the SDK reads.
    let err = c
        .create_secret()
        .name("has space")
        .secret_string("v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"), "{err:?}");
    assert!(
        err.message().unwrap_or_default().contains("name"),
        "{err:?}"
    );
    let svc = err.into_service_error();
    assert!(svc.meta().code() == Some("ValidationException"));
    assert!(!svc.is_invalid_parameter_exception());

    // A version stage that names no version.
    let err = c
        .get_secret_value()
        .secret_id("err/s")
        .version_stage("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert!(
        err.message().unwrap_or_default().contains("staging label"),
        "{err:?}"
    );
}

#[tokio::test]
async fn access_denied_for_user_without_policies() {
    let api = Api::start().await;
    api.create("deny/s", "v").await;
    let (nobody, _) = api.client_for("nobody", None).await;
    let err = nobody
        .get_secret_value()
        .secret_id("deny/s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
    assert!(
        err.message().unwrap_or_default().contains("nobody"),
        "names the caller: {err:?}"
    );
    let err = nobody.list_secrets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
    let err = nobody
        .create_secret()
        .name("deny/new")
        .secret_string("v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"), "{err:?}");
    // Nothing was created.
    let err = api
        .client
        .describe_secret()
        .secret_id("deny/new")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception());
}

#[tokio::test]
async fn sigv4_failures_as_the_sdk_sees_them() {
    let api = Api::start().await;
    api.create("sig/s", "v").await;

    // The right key id with the wrong secret.
    let mut wrong = api.secret.clone();
    let last = if wrong.ends_with('A') { "B" } else { "A" };
    wrong.replace_range(wrong.len() - 1.., last);
    let forged = client(api.addr, &api.key_id, &wrong);
    let err = forged
        .get_secret_value()
        .secret_id("sig/s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("signature we calculated does not match"),
        "{err:?}"
    );
    // A client error (AWS's status for it is unverified), so the SDK does not retry it.
    assert!(
        err.raw_response()
            .is_some_and(|r| r.status().is_client_error()),
        "{err:?}"
    );

    // An unknown key id.
    let stranger = client(api.addr, "AKIAUNKNOWNKEY000000", &api.secret);
    let err = stranger.list_secrets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");

    // A key deactivated between two calls is refused on the very next one.
    let (other, other_key) = api.client_for("other", Some(ALLOW_ALL)).await;
    assert_eq!(
        other
            .get_secret_value()
            .secret_id("sig/s")
            .send()
            .await
            .unwrap()
            .secret_string(),
        Some("v")
    );
    api.t
        .engine
        .update_access_key(&root(), &other_key, "Inactive")
        .await
        .unwrap();
    let err = other
        .get_secret_value()
        .secret_id("sig/s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    // And back again.
    api.t
        .engine
        .update_access_key(&root(), &other_key, "Active")
        .await
        .unwrap();
    other
        .get_secret_value()
        .secret_id("sig/s")
        .send()
        .await
        .unwrap();

    // The good client is unaffected throughout.
    assert_eq!(api.current("sig/s").await, "v");
}

#[tokio::test]
async fn automatic_client_request_token() {
    let api = Api::start().await;
    let c = &api.client;
    // No explicit token: the SDK generates one per call (a UUID, which becomes the VersionId).
    let first = c
        .create_secret()
        .name("idem/s")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let v1 = first.version_id().unwrap();
    assert_eq!(v1.len(), 36, "{v1}");
    let err = c
        .create_secret()
        .name("idem/s")
        .secret_string("v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("The operation failed because the secret idem/s already exists.")
    );
    assert!(err.into_service_error().is_resource_exists_exception());

    // The same explicit token and value: the first call's result again.
    let tok = token("idem");
    let a = c
        .create_secret()
        .name("idem/t")
        .client_request_token(&tok)
        .secret_string("v")
        .send()
        .await
        .unwrap();
    let b = c
        .create_secret()
        .name("idem/t")
        .client_request_token(&tok)
        .secret_string("v")
        .send()
        .await
        .unwrap();
    assert_eq!(a.arn(), b.arn());
    assert_eq!(a.version_id(), Some(tok.as_str()));
    assert_eq!(b.version_id(), Some(tok.as_str()));

    // Automatic tokens on PutSecretValue: each call a new version.
    let p1 = c
        .put_secret_value()
        .secret_id("idem/s")
        .secret_string("w")
        .send()
        .await
        .unwrap();
    let p2 = c
        .put_secret_value()
        .secret_id("idem/s")
        .secret_string("w")
        .send()
        .await
        .unwrap();
    assert_ne!(p1.version_id(), p2.version_id());
    let stages = api.stages("idem/s").await;
    assert_eq!(
        stages.get(p2.version_id().unwrap()),
        Some(&labels(&["AWSCURRENT"]))
    );
}
