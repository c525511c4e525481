//! ListSecrets and ListSecretVersionIds: the filter table in
//! `tests/data/list_filter_cases.json` (every case also runs through BatchGetSecretValue,
//! which takes the same filters), sorting, paging, IncludePlannedDeletion, and what each
//! list entry carries.

use chrono::Duration;
use coffer_engine::{
    BatchGetSecretValueInput, DeleteSecretInput, ErrorCode, ListSecretVersionIdsInput,
    ListSecretsInput, RawFilter, Tag, UpdateSecretInput,
};
use serde_json::Value;

use crate::engine_support::{create, data, expect_err, get, put};
use crate::support::{TestStore, root, text, token};

fn raw_filters(v: &Value) -> Vec<RawFilter> {
    v.as_array()
        .expect("filters")
        .iter()
        .map(|f| {
            let key = f.get("key").and_then(Value::as_str).map(str::to_owned);
            let values = f.get("values").map(|vs| {
                vs.as_array()
                    .expect("values")
                    .iter()
                    .map(|s| s.as_str().expect("value").to_owned())
                    .collect()
            });
            (key, values)
        })
        .collect()
}

fn names(list: &[coffer_engine::SecretDescription]) -> Vec<String> {
    list.iter().map(|s| s.name.clone()).collect()
}

async fn list(t: &TestStore, input: ListSecretsInput) -> Vec<String> {
    names(
        &t.engine
            .list_secrets(&root(), input)
            .await
            .unwrap()
            .secret_list,
    )
}

/// Creates the given names one second apart, each with a value.
async fn seed(t: &TestStore, names: &[&str]) {
    for (i, n) in names.iter().enumerate() {
        create(t, n, &format!("s{i}")).await;
        t.clock.advance(Duration::seconds(1));
    }
}

#[tokio::test]
async fn list_filter_cases() {
    let d = data("list_filter_cases.json");
    let t = TestStore::new().await;
    for s in d["secrets"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let tags = s
            .get("tags")
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| Tag::new(k, v.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        t.engine
            .create_secret(
                &root(),
                coffer_engine::CreateSecretInput {
                    name: name.into(),
                    description: s
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    value: Some(text(&format!("value of {name}"))),
                    tags,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        t.clock.advance(Duration::seconds(1));
    }
    let cases = d["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "the filter table went missing");
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let filters = raw_filters(&c["filters"]);
        let label = format!("case {i} {}", c["filters"]);
        let listed = t
            .engine
            .list_secrets(
                &root(),
                ListSecretsInput {
                    filters: filters.clone(),
                    ..Default::default()
                },
            )
            .await;
        match (c.get("error"), listed) {
            (Some(err), Ok(out)) => failures.push(format!(
                "{label}: expected {err}, got {:?}",
                names(&out.secret_list)
            )),
            (Some(err), Err(e)) => {
                if e.code().as_str() != err["code"].as_str().unwrap() {
                    failures.push(format!("{label}: got {e}, expected {err}"));
                } else if let Some(m) = err.get("message").and_then(Value::as_str) {
                    if m != e.message() {
                        failures.push(format!(
                            "{label}: message {:?}, expected {m:?}",
                            e.message()
                        ));
                    }
                }
            }
            (None, Err(e)) => failures.push(format!("{label}: failed: {e}")),
            (None, Ok(out)) => {
                let want: Vec<String> = c["expect"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect();
                let got = names(&out.secret_list);
                if got != want {
                    failures.push(format!("{label}: got {got:?}, expected {want:?}"));
                }
                // BatchGetSecretValue takes the same filters (not an empty list).
                if !filters.is_empty() {
                    let batch = t
                        .engine
                        .batch_get_secret_value(
                            &root(),
                            BatchGetSecretValueInput {
                                filters: Some(filters),
                                ..Default::default()
                            },
                        )
                        .await;
                    match batch {
                        Ok(b) => {
                            let got: Vec<String> =
                                b.secret_values.iter().map(|v| v.name.clone()).collect();
                            if got != want {
                                failures
                                    .push(format!("{label}: batch got {got:?}, expected {want:?}"));
                            }
                        }
                        Err(e) => failures.push(format!("{label}: batch failed: {e}")),
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn list_secrets_sorts_by_each_key_in_both_directions() {
    let t = TestStore::new().await;
    seed(&t, &["charlie", "alpha", "bravo"]).await;
    let sorted = |by: Option<&str>, order: Option<&str>| ListSecretsInput {
        sort_by: by.map(str::to_owned),
        sort_order: order.map(str::to_owned),
        ..Default::default()
    };
    assert_eq!(
        list(&t, sorted(None, None)).await,
        ["charlie", "alpha", "bravo"]
    );
    assert_eq!(
        list(&t, sorted(Some("created-date"), Some("asc"))).await,
        ["charlie", "alpha", "bravo"]
    );
    assert_eq!(
        list(&t, sorted(None, Some("desc"))).await,
        ["bravo", "alpha", "charlie"]
    );
    assert_eq!(
        list(&t, sorted(Some("name"), None)).await,
        ["alpha", "bravo", "charlie"]
    );
    assert_eq!(
        list(&t, sorted(Some("name"), Some("desc"))).await,
        ["charlie", "bravo", "alpha"]
    );
    // Change alpha, then charlie: last-changed-date order is bravo, alpha, charlie.
    for n in ["alpha", "charlie"] {
        t.clock.advance(Duration::minutes(1));
        t.engine
            .update_secret(
                &root(),
                UpdateSecretInput {
                    secret_id: n.into(),
                    description: Some("touched".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        list(&t, sorted(Some("last-changed-date"), None)).await,
        ["bravo", "alpha", "charlie"]
    );
    assert_eq!(
        list(&t, sorted(Some("last-changed-date"), Some("desc"))).await,
        ["charlie", "alpha", "bravo"]
    );
    // Read bravo on a later day, alpha today: never-read charlie comes first ascending.
    get(&t, "alpha").await.unwrap();
    t.clock.advance(Duration::days(2));
    get(&t, "bravo").await.unwrap();
    assert_eq!(
        list(&t, sorted(Some("last-accessed-date"), None)).await,
        ["charlie", "alpha", "bravo"]
    );
    assert_eq!(
        list(&t, sorted(Some("last-accessed-date"), Some("desc"))).await,
        ["bravo", "alpha", "charlie"]
    );
    // Bad values.
    let r = t
        .engine
        .list_secrets(&root(), sorted(Some("size"), None))
        .await;
    expect_err(r, ErrorCode::Validation, None);
    let r = t
        .engine
        .list_secrets(&root(), sorted(None, Some("up")))
        .await;
    expect_err(r, ErrorCode::Validation, None);
}

/// Sorting by name reads the (region, name) index when there is no filter, and sorts in
/// memory otherwise: both give the same byte-wise order, page after page.
#[tokio::test]
async fn name_order_is_the_same_with_and_without_filters() {
    let t = TestStore::new().await;
    let names = [
        "b/x", "Zeta", "a-b", "alpha", "a_b", "a/b", "Alpha", "a+b", "a.b", "a=b", "a@b", "b",
    ];
    seed(&t, &names).await;
    let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    expected.sort();
    for descending in [false, true] {
        if descending {
            expected.reverse();
        }
        let order = Some(if descending { "desc" } else { "asc" }.to_owned());
        let indexed = ListSecretsInput {
            max_results: Some(5),
            sort_by: Some("name".into()),
            sort_order: order.clone(),
            ..Default::default()
        };
        let filtered = ListSecretsInput {
            filters: vec![(Some("all".into()), Some(vec!["!zzz-no-such".into()]))],
            ..indexed.clone()
        };
        for (path, input) in [("indexed", indexed), ("filtered", filtered)] {
            let all: Vec<String> = pages(&t, input).await.concat();
            assert_eq!(all, expected, "{path} path, descending: {descending}");
        }
    }
}

/// Follows NextToken to the end; returns the pages.
async fn pages(t: &TestStore, base: ListSecretsInput) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut next = None;
    loop {
        let page = t
            .engine
            .list_secrets(
                &root(),
                ListSecretsInput {
                    next_token: next.clone(),
                    ..base.clone()
                },
            )
            .await
            .unwrap();
        out.push(names(&page.secret_list));
        match page.next_token {
            Some(tok) => next = Some(tok),
            None => return out,
        }
        assert!(out.len() < 100, "paging does not end");
    }
}

#[tokio::test]
async fn list_secrets_pages_with_next_token() {
    let t = TestStore::new().await;
    seed(&t, &["p1", "p2", "p3", "p4", "p5", "q1"]).await;
    let plain = ListSecretsInput {
        max_results: Some(2),
        ..Default::default()
    };
    assert_eq!(
        pages(&t, plain).await,
        vec![vec!["p1", "p2"], vec!["p3", "p4"], vec!["p5", "q1"]]
    );
    let desc = ListSecretsInput {
        max_results: Some(4),
        sort_order: Some("desc".into()),
        ..Default::default()
    };
    assert_eq!(
        pages(&t, desc).await,
        vec![vec!["q1", "p5", "p4", "p3"], vec!["p2", "p1"]]
    );
    let filtered = ListSecretsInput {
        max_results: Some(2),
        filters: vec![(Some("name".into()), Some(vec!["p".into()]))],
        ..Default::default()
    };
    assert_eq!(
        pages(&t, filtered).await,
        vec![vec!["p1", "p2"], vec!["p3", "p4"], vec!["p5"]]
    );
    let by_name = ListSecretsInput {
        max_results: Some(5),
        sort_by: Some("name".into()),
        sort_order: Some("desc".into()),
        ..Default::default()
    };
    assert_eq!(
        pages(&t, by_name).await,
        vec![vec!["q1", "p5", "p4", "p3", "p2"], vec!["p1"]]
    );
    // The default page holds them all, with no token.
    let all = t
        .engine
        .list_secrets(&root(), ListSecretsInput::default())
        .await
        .unwrap();
    assert_eq!(all.secret_list.len(), 6);
    assert_eq!(all.next_token, None);
}

#[tokio::test]
async fn list_secrets_checks_max_results_and_next_token() {
    let t = TestStore::new().await;
    seed(&t, &["a"]).await;
    for bad in [0, -1, 101] {
        let r = t
            .engine
            .list_secrets(
                &root(),
                ListSecretsInput {
                    max_results: Some(bad),
                    ..Default::default()
                },
            )
            .await;
        expect_err(r, ErrorCode::Validation, None);
    }
    for n in [1, 100] {
        let r = t
            .engine
            .list_secrets(
                &root(),
                ListSecretsInput {
                    max_results: Some(n),
                    ..Default::default()
                },
            )
            .await;
        assert_eq!(r.unwrap().secret_list.len(), 1);
    }
    for bad in ["garbage", "", "Y29mZmVyOnYxOng"] {
        let r = t
            .engine
            .list_secrets(
                &root(),
                ListSecretsInput {
                    next_token: Some(bad.into()),
                    ..Default::default()
                },
            )
            .await;
        expect_err(
            r,
            ErrorCode::InvalidNextToken,
            Some("The NextToken value is invalid."),
        );
    }
}

#[tokio::test]
async fn include_planned_deletion_shows_secrets_scheduled_for_deletion() {
    let t = TestStore::new().await;
    seed(&t, &["keep", "drop", "purge"]).await;
    let delete = |id: &str, force| DeleteSecretInput {
        secret_id: id.into(),
        force_delete_without_recovery: Some(force),
        ..Default::default()
    };
    t.engine
        .delete_secret(&root(), delete("drop", false))
        .await
        .unwrap();
    t.engine
        .delete_secret(&root(), delete("purge", true))
        .await
        .unwrap();
    assert_eq!(list(&t, ListSecretsInput::default()).await, ["keep"]);
    let planned = ListSecretsInput {
        include_planned_deletion: true,
        ..Default::default()
    };
    let out = t
        .engine
        .list_secrets(&root(), planned.clone())
        .await
        .unwrap();
    assert_eq!(names(&out.secret_list), ["keep", "drop"]);
    assert!(out.secret_list[1].deleted_date.is_some());
    assert!(out.secret_list[0].deleted_date.is_none());
    // The same through the filtered path.
    let with_filter = |include_planned_deletion| ListSecretsInput {
        include_planned_deletion,
        filters: vec![(Some("all".into()), Some(vec!["drop".into()]))],
        ..Default::default()
    };
    assert!(list(&t, with_filter(false)).await.is_empty());
    assert_eq!(list(&t, with_filter(true)).await, ["drop"]);
    // Restored secrets come back.
    t.engine.restore_secret(&root(), "drop").await.unwrap();
    assert_eq!(
        list(&t, ListSecretsInput::default()).await,
        ["keep", "drop"]
    );
}

#[tokio::test]
async fn list_entries_carry_metadata_and_labelled_versions() {
    let t = TestStore::new().await;
    t.engine
        .create_secret(
            &root(),
            coffer_engine::CreateSecretInput {
                name: "meta".into(),
                client_request_token: Some(token("v1")),
                description: Some("about meta".into()),
                value: Some(text("one")),
                tags: vec![Tag::new("b", "2"), Tag::new("a", "1")],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    put(&t, "meta", "v2").await;
    put(&t, "meta", "v3").await;
    let out = t
        .engine
        .list_secrets(&root(), ListSecretsInput::default())
        .await
        .unwrap();
    let e = &out.secret_list[0];
    assert_eq!(e.description.as_deref(), Some("about meta"));
    let mut tags: Vec<(String, String)> = e
        .tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(
        e.version_ids_to_stages.len(),
        2,
        "deprecated v1 is not listed"
    );
    assert_eq!(e.version_ids_to_stages[&token("v3")], ["AWSCURRENT"]);
    assert_eq!(e.version_ids_to_stages[&token("v2")], ["AWSPREVIOUS"]);
    assert_eq!(e.kms_key_id, None, "the default key is not echoed");
    assert_eq!(*e, t.engine.describe_secret(&root(), "meta").await.unwrap());
}

#[tokio::test]
async fn list_secret_version_ids_is_newest_first_and_pages() {
    let t = TestStore::new().await;
    let c = create(&t, "vers", "v1").await;
    for v in ["v2", "v3", "v4", "v5"] {
        t.clock.advance(Duration::seconds(1));
        put(&t, "vers", v).await;
    }
    let input = |max_results, next_token, include_deprecated| ListSecretVersionIdsInput {
        secret_id: "vers".into(),
        max_results,
        next_token,
        include_deprecated,
    };
    let all = t
        .engine
        .list_secret_version_ids(&root(), input(None, None, true))
        .await
        .unwrap();
    assert_eq!(all.arn, c.arn);
    assert_eq!(all.name, "vers");
    let ids: Vec<String> = all.versions.iter().map(|v| v.version_id.clone()).collect();
    assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"].map(token));
    assert_eq!(
        all.versions[0].created_date - all.versions[4].created_date,
        Duration::seconds(4)
    );
    assert_eq!(all.versions[0].kms_key_ids, ["DEFAULT"]);
    // Paging over the deprecated-inclusive list.
    let p1 = t
        .engine
        .list_secret_version_ids(&root(), input(Some(2), None, true))
        .await
        .unwrap();
    assert_eq!(p1.versions.len(), 2);
    let p2 = t
        .engine
        .list_secret_version_ids(&root(), input(Some(2), p1.next_token.clone(), true))
        .await
        .unwrap();
    let p3 = t
        .engine
        .list_secret_version_ids(&root(), input(Some(2), p2.next_token.clone(), true))
        .await
        .unwrap();
    assert_eq!(p3.versions.len(), 1);
    assert_eq!(p3.next_token, None);
    let paged: Vec<String> = [p1, p2, p3]
        .into_iter()
        .flat_map(|p| p.versions)
        .map(|v| v.version_id)
        .collect();
    assert_eq!(paged, ids);
    // Without deprecated versions only the two labelled ones.
    let labelled = t
        .engine
        .list_secret_version_ids(&root(), input(None, None, false))
        .await
        .unwrap();
    assert_eq!(labelled.versions.len(), 2);
    assert_eq!(labelled.next_token, None);
    for bad in [0, 101] {
        let r = t
            .engine
            .list_secret_version_ids(&root(), input(Some(bad), None, false))
            .await;
        expect_err(r, ErrorCode::Validation, None);
    }
    let r = t
        .engine
        .list_secret_version_ids(&root(), input(None, Some("nope".into()), false))
        .await;
    expect_err(r, ErrorCode::InvalidNextToken, None);
}

/// A made-up NextToken is `InvalidNextTokenException` on every paginated operation, never a
/// page and never a panic: an offset near `usize::MAX` overflowed `offset + page size` (a
/// debug build panicked inside the request), one past `i64::MAX` became a negative SQL
/// OFFSET, and `seq:-1` or `seq:0` was taken as an audit position. The table is
/// `tests/data/forged_next_tokens.json`.
#[tokio::test]
async fn forged_next_tokens_are_refused_by_every_paginated_operation() {
    let d = data("forged_next_tokens.json");
    let t = TestStore::new().await;
    seed(&t, &["a", "b", "c"]).await;
    put(&t, "a", "second").await;
    let by_name = || vec![(Some("name".to_owned()), Some(vec!["a".to_owned()]))];
    let invalid = "The NextToken value is invalid.";
    for case in d["list_tokens"].as_array().unwrap() {
        let tok = case["token"].as_str().unwrap().to_owned();
        let means = case["means"].as_str().unwrap();
        let lists = [
            (
                "ListSecrets by last change",
                Some("last-changed-date"),
                Vec::new(),
            ),
            ("ListSecrets with a filter", None, by_name()),
            ("ListSecrets by creation (indexed)", None, Vec::new()),
            ("ListSecrets by name (indexed)", Some("name"), Vec::new()),
        ];
        for (what, sort_by, filters) in lists {
            for max_results in [None, Some(1)] {
                let r = t
                    .engine
                    .list_secrets(
                        &root(),
                        ListSecretsInput {
                            next_token: Some(tok.clone()),
                            sort_by: sort_by.map(str::to_owned),
                            filters: filters.clone(),
                            max_results,
                            ..Default::default()
                        },
                    )
                    .await;
                assert!(
                    matches!(&r, Err(e) if e.code() == ErrorCode::InvalidNextToken && e.message() == invalid),
                    "{what}, MaxResults {max_results:?}, {means}: {r:?}"
                );
            }
        }
        let r = t
            .engine
            .list_secret_version_ids(
                &root(),
                ListSecretVersionIdsInput {
                    secret_id: "a".into(),
                    next_token: Some(tok.clone()),
                    max_results: Some(1),
                    include_deprecated: true,
                },
            )
            .await;
        assert!(
            matches!(&r, Err(e) if e.code() == ErrorCode::InvalidNextToken && e.message() == invalid),
            "ListSecretVersionIds, {means}: {r:?}"
        );
        for (what, ids, filters) in [
            ("by id", Some(vec!["a".to_owned(), "b".to_owned()]), None),
            ("with a filter", None, Some(by_name())),
        ] {
            let r = t
                .engine
                .batch_get_secret_value(
                    &root(),
                    BatchGetSecretValueInput {
                        secret_id_list: ids,
                        filters,
                        next_token: Some(tok.clone()),
                        ..Default::default()
                    },
                )
                .await;
            assert!(
                matches!(&r, Err(e) if e.code() == ErrorCode::InvalidNextToken && e.message() == invalid),
                "BatchGetSecretValue {what}, {means}: {:?}",
                r.map(|o| o.errors)
            );
        }
    }
    for case in d["audit_tokens"].as_array().unwrap() {
        let tok = case["token"].as_str().unwrap().to_owned();
        let r = t
            .engine
            .query_audit(
                &root(),
                &coffer_engine::AuditFilter {
                    next_token: Some(tok),
                    ..Default::default()
                },
            )
            .await;
        assert!(
            matches!(&r, Err(e) if e.code() == ErrorCode::InvalidNextToken && e.message() == invalid),
            "audit log, {}: {:?}",
            case["means"],
            r.map(|p| p.events.len())
        );
    }
}

/// The desktop's search box: every word must appear (in any case, anywhere in the name,
/// description or tags), and any text a person types is taken — more than 10 words, `#`,
/// `,` — where the API's `all` filter ORs its values and refuses those.
#[tokio::test]
async fn search_words_and_across_the_secret_and_take_any_text() {
    let t = TestStore::new().await;
    seed(&t, &["prod/db", "prod/cache", "dev/db", "team/notes"]).await;
    t.engine
        .update_secret(
            &root(),
            UpdateSecretInput {
                secret_id: "team/notes".into(),
                description: Some("ticket #7, due 2026".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.engine
        .tag_resource(
            &root(),
            "prod/cache",
            vec![Tag {
                key: "kind".into(),
                value: "db-replica".into(),
            }],
        )
        .await
        .unwrap();
    let search = |s: &str| ListSecretsInput {
        search: Some(s.into()),
        ..Default::default()
    };
    // AND: "prod db" is prod/db (both in the name) and prod/cache (db in a tag value).
    assert_eq!(list(&t, search("prod db")).await, ["prod/db", "prod/cache"]);
    assert_eq!(list(&t, search("DB dev")).await, ["dev/db"]);
    assert_eq!(
        list(&t, search("prod nothing-like-this")).await,
        Vec::<String>::new()
    );
    // The API's `all` filter with the same words ORs them.
    let or = ListSecretsInput {
        filters: vec![(Some("all".into()), Some(vec!["prod".into(), "db".into()]))],
        ..Default::default()
    };
    assert_eq!(list(&t, or).await, ["prod/db", "prod/cache", "dev/db"]);
    // Any text: punctuation matches as typed, eleven words are not "too many filters",
    // and a word matches inside another ("ache" in cache).
    assert_eq!(list(&t, search("ACHE")).await, ["prod/cache"]);
    assert_eq!(list(&t, search("#")).await, ["team/notes"]);
    assert_eq!(list(&t, search(", due")).await, ["team/notes"]);
    let eleven = "p pr pro prod d db / p pr pro prod";
    assert_eq!(list(&t, search(eleven)).await, ["prod/db", "prod/cache"]);
    // Blank search is no search.
    assert_eq!(list(&t, search("   ")).await.len(), 4);
}
