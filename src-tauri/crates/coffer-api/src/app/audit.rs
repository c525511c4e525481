//! The audit log for the desktop app: filtered pages of events (newest first), chain
//! verification, and exports to a file the user picked in a save dialog.

use coffer_engine::{AuditEvent, AuditFilter, Engine, RequestContext};
use serde::{Deserialize, Serialize};

use super::{AppError, AppResult, parse_time, rfc3339};
use crate::audit::ExportFormat;

/// Audit filters; every member set narrows the result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct AuditQuery {
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub to: Option<String>,
    /// Exact principal (`root`, `coffer` or an ARN).
    pub principal: Option<String>,
    /// Exact action name.
    pub action: Option<String>,
    /// A secret's name or ARN.
    pub secret: Option<String>,
    /// `ok` or `error`.
    pub outcome: Option<String>,
    /// `allowed` or `denied`.
    pub decision: Option<String>,
    /// Case-insensitive free text.
    pub text: Option<String>,
    /// Page size (default 100, at most 10,000).
    pub limit: Option<u32>,
    /// Token from the previous page.
    pub next_token: Option<String>,
}

impl AuditQuery {
    fn to_filter(&self) -> AppResult<AuditFilter> {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        Ok(AuditFilter {
            from: nonempty(&self.from)
                .map(|s| parse_time("from", &s))
                .transpose()?,
            to: nonempty(&self.to)
                .map(|s| parse_time("to", &s))
                .transpose()?,
            principal: nonempty(&self.principal),
            action: nonempty(&self.action),
            secret: nonempty(&self.secret),
            outcome: nonempty(&self.outcome),
            decision: nonempty(&self.decision),
            text: nonempty(&self.text),
            limit: self.limit,
            next_token: nonempty(&self.next_token),
        })
    }
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AuditEventView {
    /// Sequence number (exact below 2^53).
    pub seq: f64,
    /// When (RFC 3339).
    pub time: String,
    /// Request id.
    pub request_id: String,
    /// `ui`, `api`, `cli` or `scheduler`.
    pub source: String,
    /// `root`, `coffer` or an ARN.
    pub principal: String,
    /// The access key that signed the request.
    pub access_key_id: Option<String>,
    /// Action.
    pub action: String,
    /// Region.
    pub region: Option<String>,
    /// Resource ARN.
    pub resource_arn: Option<String>,
    /// Version id.
    pub version_id: Option<String>,
    /// `allowed` or `denied`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// `ok` or `error`.
    pub outcome: String,
    /// The error code of a failed request.
    pub error_code: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Details as JSON text (never a secret value: keyed hashes only).
    pub details: String,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> AuditEventView {
        AuditEventView {
            seq: e.seq as f64,
            time: rfc3339(e.time),
            request_id: e.request_id,
            source: e.source,
            principal: e.principal,
            access_key_id: e.access_key_id,
            action: e.action,
            region: e.region,
            resource_arn: e.resource_arn,
            version_id: e.version_id,
            decision: e.decision,
            reason: e.reason,
            outcome: e.outcome,
            error_code: e.error_code,
            client_addr: e.client_addr,
            details: e.details,
        }
    }
}

/// A page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AuditPageView {
    /// The events.
    pub events: Vec<AuditEventView>,
    /// Token for the next (older) page.
    pub next_token: Option<String>,
}

/// One page of events.
pub async fn list_audit_events(
    engine: &Engine,
    ctx: &RequestContext,
    req: AuditQuery,
) -> AppResult<AuditPageView> {
    let page = engine.query_audit(ctx, &req.to_filter()?).await?;
    Ok(AuditPageView {
        events: page.events.into_iter().map(AuditEventView::from).collect(),
        next_token: page.next_token,
    })
}

/// The result of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChainStatus {
    /// True when every event verified.
    pub ok: bool,
    /// Events checked.
    pub events_checked: f64,
    /// The first sequence number where the chain breaks.
    pub first_bad_seq: Option<f64>,
    /// What the UI says about it.
    pub message: String,
}

/// Verifies the whole chain.
pub async fn verify_audit_chain(engine: &Engine, ctx: &RequestContext) -> AppResult<ChainStatus> {
    let r = engine.verify_audit(ctx).await?;
    let mut message = match (&r.first_bad_seq, &r.problem) {
        (None, _) => format!("The audit chain is intact ({} events verified).", r.events),
        (Some(seq), Some(p)) => format!("The audit chain is broken at event {seq}: {p}"),
        (Some(seq), None) => format!("The audit chain is broken at event {seq}."),
    };
    if !r.tampered_rows.is_empty() {
        message.push_str(&format!(
            " Rows that decide access were edited outside Coffer: {}. Restore the store from a backup.",
            r.tampered_rows.join("; ")
        ));
    }
    Ok(ChainStatus {
        ok: r.is_intact(),
        events_checked: r.events as f64,
        first_bad_seq: r.first_bad_seq.map(|s| s as f64),
        message,
    })
}

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "ExportFormat", rename_all = "lowercase")]
pub enum ExportFormatDto {
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `export_audit` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExportAuditRequest {
    /// Which events (paging members are ignored: every match is written).
    pub query: AuditQuery,
    /// File format.
    pub format: ExportFormatDto,
    /// The file to write: the one the shell's save dialog just returned
    /// (`choose_audit_export_path`); the shell refuses any other.
    pub path: String,
}

/// `choose_audit_export_path` request: the format, which names the dialog's title and filter.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChooseExportPathRequest {
    /// The format the file will hold.
    pub format: ExportFormatDto,
}

/// Writes every matching event (oldest first) to `path`; returns how many. Needs a
/// multi-threaded Tokio runtime (the desktop's is).
pub async fn export_audit(
    engine: &Engine,
    ctx: &RequestContext,
    req: ExportAuditRequest,
) -> AppResult<u32> {
    let filter = req.query.to_filter()?;
    let format = match req.format {
        ExportFormatDto::Csv => ExportFormat::Csv,
        ExportFormatDto::Jsonl => ExportFormat::JsonLines,
    };
    let io = |e: std::io::Error| {
        AppError::new(
            "ExportFailed",
            format!("Cannot write the export to {}: {e}", req.path),
        )
    };
    let tmp = format!("{}.part", req.path);
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    // `audit::export` writes through `&mut dyn Write`, so its future is not `Send`: run it
    // to completion on this worker (the same runtime and reactor) instead of awaiting it.
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        handle.block_on(crate::audit::export(engine, ctx, &filter, format, &mut out))
    });
    let n = match result {
        Ok(n) => n,
        Err(e) => {
            drop(out);
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    drop(out);
    std::fs::rename(&tmp, &req.path).map_err(io)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
