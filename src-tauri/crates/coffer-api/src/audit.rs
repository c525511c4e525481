//! The audit log for people and tools: JSON pages, chain verification, and exports as
//! JSON Lines or CSV.

use std::io::Write;

use coffer_engine::{AuditEvent, AuditFilter, ChainReport, Engine, RequestContext};
use serde_json::{Value, json};

use crate::wire::ApiError;

/// One event as JSON (RFC 3339 time, so exports read well and sort as text).
pub fn event_json(e: &AuditEvent) -> Value {
    let details: Value =
        serde_json::from_str(&e.details).unwrap_or(Value::String(e.details.clone()));
    let mut v = json!({
        "Seq": e.seq,
        "Time": e.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "RequestId": e.request_id,
        "Source": e.source,
        "Principal": e.principal,
        "Action": e.action,
        "Decision": e.decision,
        "Reason": e.reason,
        "Outcome": e.outcome,
        "Details": details,
        "Mac": e.mac,
    });
    for (k, val) in [
        ("AccessKeyId", &e.access_key_id),
        ("Region", &e.region),
        ("ResourceArn", &e.resource_arn),
        ("VersionId", &e.version_id),
        ("ErrorCode", &e.error_code),
        ("ClientAddress", &e.client_addr),
    ] {
        if let Some(s) = val {
            v[k] = json!(s);
        }
    }
    v
}

/// One page of events, newest first: `{"Events": […], "NextToken": …}`.
pub async fn list(
    engine: &Engine,
    ctx: &RequestContext,
    filter: &AuditFilter,
) -> Result<Value, ApiError> {
    let page = engine.query_audit(ctx, filter).await?;
    let mut v = json!({ "Events": page.events.iter().map(event_json).collect::<Vec<_>>() });
    if let Some(t) = page.next_token {
        v["NextToken"] = json!(t);
    }
    Ok(v)
}

/// Verifies the chain: `{"Intact": bool, "EventsChecked": n, "FirstBadSeq": …, "Problem": …}`.
pub async fn verify(
    engine: &Engine,
    ctx: &RequestContext,
) -> Result<(ChainReport, Value), ApiError> {
    let r = engine.verify_audit(ctx).await?;
    let mut v = json!({ "Intact": r.is_intact(), "EventsChecked": r.events });
    if let Some(s) = r.first_bad_seq {
        v["FirstBadSeq"] = json!(s);
    }
    if let Some(p) = &r.problem {
        v["Problem"] = json!(p);
    }
    if !r.tampered_rows.is_empty() {
        v["TamperedRows"] = json!(r.tampered_rows);
    }
    Ok((r, v))
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line.
    JsonLines,
    /// RFC 4180 CSV with a header row.
    Csv,
}

const CSV_COLUMNS: &[&str] = &[
    "seq",
    "time",
    "request_id",
    "source",
    "principal",
    "access_key_id",
    "action",
    "region",
    "resource_arn",
    "version_id",
    "decision",
    "reason",
    "outcome",
    "error_code",
    "client_addr",
    "details",
    "mac",
];

/// Characters that make a spreadsheet read a cell as a formula when they come first.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One RFC 4180 cell. Logged text is partly the caller's (a failed login's `Credential=`
/// becomes the access key id), so a cell that a spreadsheet would evaluate as a formula
/// (`=HYPERLINK(…)`) gets a leading `'`, as OWASP's CSV-injection advice says; JSON Lines
/// keep every value exactly.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(FORMULA_STARTS) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_row(e: &AuditEvent) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = e.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let cells = [
        e.seq.to_string(),
        time,
        e.request_id.clone(),
        e.source.clone(),
        e.principal.clone(),
        o(&e.access_key_id),
        e.action.clone(),
        o(&e.region),
        o(&e.resource_arn),
        o(&e.version_id),
        e.decision.clone(),
        e.reason.clone(),
        e.outcome.clone(),
        o(&e.error_code),
        o(&e.client_addr),
        e.details.clone(),
        e.mac.clone(),
    ];
    cells
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes every event matching `filter` (oldest first) to `out`; returns the count.
pub async fn export(
    engine: &Engine,
    ctx: &RequestContext,
    filter: &AuditFilter,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize, ApiError> {
    let io = |e: std::io::Error| {
        ApiError::client("ExportFailed", format!("cannot write the export: {e}"))
    };
    let mut all = Vec::new();
    let mut f = AuditFilter {
        limit: Some(10_000),
        next_token: None,
        ..filter.clone()
    };
    loop {
        let page = engine.query_audit(ctx, &f).await?;
        all.extend(page.events);
        match page.next_token {
            Some(t) => f.next_token = Some(t),
            None => break,
        }
    }
    all.reverse();
    if format == ExportFormat::Csv {
        writeln!(out, "{}", CSV_COLUMNS.join(",")).map_err(io)?;
    }
    for e in &all {
        match format {
            ExportFormat::JsonLines => writeln!(out, "{}", event_json(e)).map_err(io)?,
            ExportFormat::Csv => writeln!(out, "{}", csv_row(e)).map_err(io)?,
        }
    }
    out.flush().map_err(io)?;
    Ok(all.len())
}
