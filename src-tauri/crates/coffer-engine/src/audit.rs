//! The tamper-evident audit log.
//!
//! Each event is MAC-chained to the one before it:
//! `mac = HMAC(audit key, canonical(prev_mac, seq, fields…))`, where the audit key is derived
//! from the root key, so someone with the database file but not the master password cannot
//! forge, edit, insert, delete or reorder events without [`Engine::verify_audit`] reporting
//! the first bad sequence number. Deleting the newest events is caught by the anchor file
//! (`<store>.audit-anchor`), which records the head of the chain: written when the store is
//! made, a moment after commits (the [`AnchorWriter`] task) and when the engine closes,
//! with a MAC under the audit key over the store id and the head, so it cannot be forged
//! or moved back. A missing anchor, or one that does not verify, is a finding, never
//! repaired silently: the writer then leaves it as it is.
//!
//! Events never hold secret values: details carry keyed hashes only.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use coffer_store::{AuditQuery, AuditRow};

use crate::clock::from_millis;
use crate::error::{Error, ErrorCode, Result};
use crate::keyring::{Keyring, hex};
use crate::{Engine, Principal, RequestContext};

const GENESIS: [u8; 32] = [0; 32];

/// The audit event an operation fills in as it runs.
#[derive(Debug, Clone)]
pub(crate) struct EventDraft {
    pub(crate) action: &'static str,
    pub(crate) region: Option<String>,
    pub(crate) resource_arn: Option<String>,
    pub(crate) version_id: Option<String>,
    /// Who acted, when not the request's principal (Coffer's own purges inside a request).
    pub(crate) principal: Option<String>,
    decision: Option<(bool, String)>,
    outcome: Option<(String, Option<String>)>,
    details: serde_json::Map<String, serde_json::Value>,
}

impl EventDraft {
    pub(crate) fn new(action: &'static str) -> EventDraft {
        EventDraft {
            action,
            region: None,
            resource_arn: None,
            version_id: None,
            principal: None,
            decision: None,
            outcome: None,
            details: serde_json::Map::new(),
        }
    }

    pub(crate) fn allow(&mut self, reason: &str) {
        self.decision = Some((true, reason.to_owned()));
    }

    pub(crate) fn deny(&mut self, reason: &str) {
        self.decision = Some((false, reason.to_owned()));
    }

    /// Adds a detail. Callers pass identifiers and keyed hashes, never values.
    pub(crate) fn detail(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.details.insert(key.to_owned(), value.into());
    }

    pub(crate) fn ok(mut self) -> EventDraft {
        self.outcome = Some(("ok".into(), None));
        self
    }

    /// A failure that is not an AWS error of the request (a rotation step that failed):
    /// `code` is the failure's own kind.
    pub(crate) fn failed_with(mut self, code: &str, message: &str) -> EventDraft {
        self.outcome = Some(("error".into(), Some(code.to_owned())));
        self.detail("errorMessage", message);
        self
    }

    pub(crate) fn failed(mut self, err: &Error) -> EventDraft {
        self.outcome = Some(("error".into(), Some(err.code().as_str().to_owned())));
        if err.code() != ErrorCode::InternalServiceError {
            self.detail("errorMessage", err.message());
        }
        self
    }
}

/// Appends one event to the chain inside the caller's transaction.
///
/// `head` is the chain head this process last committed, if it knows it: then no read is
/// needed. If another process appended since, the insert hits the `seq` primary key, and
/// the head is read and the event re-chained (optimistic, like a compare-and-swap).
/// Returns the new head.
pub(crate) async fn append(
    conn: &mut coffer_store::SqliteConnection,
    keys: &Keyring,
    ctx: &RequestContext,
    now: i64,
    draft: EventDraft,
    head: Option<(i64, Vec<u8>)>,
) -> Result<(i64, Vec<u8>)> {
    let event = Queued {
        keys,
        ctx,
        now,
        draft: &draft,
    };
    let head = append_batch(conn, std::slice::from_ref(&event), head).await?;
    Ok(head.expect("one event was appended"))
}

/// One event waiting to be appended: the draft with who asked and when.
pub(crate) struct Queued<'a> {
    pub(crate) keys: &'a Keyring,
    pub(crate) ctx: &'a RequestContext,
    pub(crate) now: i64,
    pub(crate) draft: &'a EventDraft,
}

/// Appends `events` to the chain, in order, with as few statements as the batch allows
/// (group commit), inside the caller's transaction or as one self-committing statement.
/// Same optimistic head as [`append`]: another process's append shows up as a `seq`
/// conflict on the first row, and the batch is re-chained after the real head (a few times
/// at most: outside a transaction, the other process may append again in between).
/// Returns the new head (`head` for no events).
pub(crate) async fn append_batch(
    conn: &mut coffer_store::SqliteConnection,
    events: &[Queued<'_>],
    head: Option<(i64, Vec<u8>)>,
) -> Result<Option<(i64, Vec<u8>)>> {
    if events.is_empty() {
        return Ok(head);
    }
    let mut start = match head {
        Some(h) => h,
        None => read_head(conn).await?,
    };
    let mut attempts = 0;
    loop {
        let rows = chain(events, start);
        let head = rows.last().map(|r| (r.seq, r.mac.clone()));
        match coffer_store::insert_audit_batch(conn, rows).await {
            Ok(()) => return Ok(head),
            Err(e) if e.is_unique_violation() && attempts < 3 => {
                attempts += 1;
                start = read_head(conn).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn read_head(conn: &mut coffer_store::SqliteConnection) -> Result<(i64, Vec<u8>)> {
    Ok(coffer_store::audit_head(conn)
        .await?
        .unwrap_or((0, GENESIS.to_vec())))
}

/// The stored rows for `events`, MAC-chained after `(prev_seq, prev_mac)`.
fn chain(events: &[Queued<'_>], (mut prev_seq, mut prev_mac): (i64, Vec<u8>)) -> Vec<AuditRow> {
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let row = seal_row(e, prev_seq, prev_mac);
        prev_seq = row.seq;
        prev_mac = row.mac.clone();
        rows.push(row);
    }
    rows
}

/// The row for one event, chained after `prev_seq`/`prev_mac`, with its MAC.
fn seal_row(e: &Queued<'_>, prev_seq: i64, prev_mac: Vec<u8>) -> AuditRow {
    let draft = e.draft;
    let (decision, reason) = match &draft.decision {
        Some((true, r)) => ("allowed", r.clone()),
        Some((false, r)) => ("denied", r.clone()),
        // Failed before authorization (bad input, sealed region…): nothing was allowed.
        None => ("denied", "request rejected before authorization".to_owned()),
    };
    let (outcome, error_code) = draft.outcome.clone().unwrap_or_else(|| ("ok".into(), None));
    let mut row = AuditRow {
        seq: prev_seq + 1,
        time: e.now,
        request_id: e.ctx.request_id.clone(),
        source: e.ctx.source.as_str().to_owned(),
        principal: draft
            .principal
            .clone()
            .unwrap_or_else(|| principal_name(&e.ctx.principal)),
        access_key_id: e.ctx.access_key_id.clone(),
        action: draft.action.to_owned(),
        region: draft.region.clone(),
        resource_arn: draft.resource_arn.clone(),
        version_id: draft.version_id.clone(),
        decision: decision.to_owned(),
        reason,
        outcome,
        error_code,
        client_addr: e.ctx.client_addr.clone(),
        details: serde_json::Value::Object(draft.details.clone()).to_string(),
        prev_mac,
        mac: Vec::new(),
    };
    row.mac = e.keys.audit_mac.mac(&canonical(&row)).to_vec();
    row
}

fn principal_name(p: &Principal) -> String {
    match p {
        Principal::Root => "root".into(),
        Principal::Coffer => "coffer".into(),
        Principal::Arn(a) => a.clone(),
    }
}

/// The bytes the MAC covers: every column but `mac`, each length-prefixed, so no two
/// different rows encode alike.
pub(crate) fn canonical(r: &AuditRow) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    fn opt(out: &mut Vec<u8>, v: &Option<String>) {
        match v {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                field(out, s.as_bytes());
            }
        }
    }
    let mut out = Vec::with_capacity(256 + r.details.len());
    field(&mut out, b"coffer/v1/audit-event");
    field(&mut out, &r.prev_mac);
    out.extend_from_slice(&r.seq.to_be_bytes());
    out.extend_from_slice(&r.time.to_be_bytes());
    field(&mut out, r.request_id.as_bytes());
    field(&mut out, r.source.as_bytes());
    field(&mut out, r.principal.as_bytes());
    opt(&mut out, &r.access_key_id);
    field(&mut out, r.action.as_bytes());
    opt(&mut out, &r.region);
    opt(&mut out, &r.resource_arn);
    opt(&mut out, &r.version_id);
    field(&mut out, r.decision.as_bytes());
    field(&mut out, r.reason.as_bytes());
    field(&mut out, r.outcome.as_bytes());
    opt(&mut out, &r.error_code);
    opt(&mut out, &r.client_addr);
    field(&mut out, r.details.as_bytes());
    out
}

/// One audit event, as shown to a person or exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Request id.
    pub request_id: String,
    /// ui / api / cli / scheduler.
    pub source: String,
    /// `root`, `coffer` or a principal ARN.
    pub principal: String,
    /// Access key id for API requests.
    pub access_key_id: Option<String>,
    /// AWS action name (`GetSecretValue`…) or Coffer's own (`ChangeMasterPassword`…).
    pub action: String,
    /// Region namespace.
    pub region: Option<String>,
    /// The secret or key involved.
    pub resource_arn: Option<String>,
    /// The version involved.
    pub version_id: Option<String>,
    /// `allowed` or `denied`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// `ok` or `error`.
    pub outcome: String,
    /// The AWS error code of a failed operation.
    pub error_code: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// JSON object text with identifiers and keyed hashes.
    pub details: String,
    /// Hex of the event's MAC.
    pub mac: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            seq: r.seq,
            time: from_millis(r.time),
            request_id: r.request_id,
            source: r.source,
            principal: r.principal,
            access_key_id: r.access_key_id,
            action: r.action,
            region: r.region,
            resource_arn: r.resource_arn,
            version_id: r.version_id,
            decision: r.decision,
            reason: r.reason,
            outcome: r.outcome,
            error_code: r.error_code,
            client_addr: r.client_addr,
            details: r.details,
            mac: hex(&r.mac),
        }
    }
}

/// Filters for [`Engine::query_audit`]. Every `Some` narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// Exact principal (`root`, `coffer` or an ARN).
    pub principal: Option<String>,
    /// Exact action name.
    pub action: Option<String>,
    /// A secret: its name, full ARN or partial ARN (resolved to its ARN prefix).
    pub secret: Option<String>,
    /// `ok` or `error`.
    pub outcome: Option<String>,
    /// `allowed` or `denied`.
    pub decision: Option<String>,
    /// Case-insensitive free text.
    pub text: Option<String>,
    /// Page size (default 100, at most 10,000).
    pub limit: Option<u32>,
    /// Page token from the previous page.
    pub next_token: Option<String>,
}

/// A page of events, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEvent>,
    /// Token for the next (older) page.
    pub next_token: Option<String>,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events checked.
    pub events: i64,
    /// The first sequence number at which the chain breaks; `None` when intact.
    pub first_bad_seq: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
    /// Rows that decide access and do not match their integrity seals (see `integrity`),
    /// each said for a person; empty when every seal verified.
    pub tampered_rows: Vec<String>,
}

impl ChainReport {
    /// True when the whole chain and every row seal verified.
    pub fn is_intact(&self) -> bool {
        self.first_bad_seq.is_none() && self.tampered_rows.is_empty()
    }
}

/// The sequence number in an audit token, `seq:<n>` ("older than event n"). Clients keep
/// and resend these (the UI refetches pages it dropped), so any event's number is valid;
/// zero, negative or differently written numbers are not, since Coffer never wrote them.
fn decode_seq_token(token: &str) -> Result<i64> {
    token
        .strip_prefix("seq:")
        .and_then(|n| {
            n.parse::<i64>()
                .ok()
                .filter(|s| *s > 0 && s.to_string() == n)
        })
        .ok_or_else(Error::invalid_next_token)
}

impl Engine {
    /// Queries the audit log, newest first.
    pub async fn query_audit(
        &self,
        ctx: &RequestContext,
        filter: &AuditFilter,
    ) -> Result<AuditPage> {
        let mut op = self.begin(ctx, "ListAuditEvents").await?;
        let result = async {
            self.authorize(&mut op, None).await?;
            let limit = i64::from(filter.limit.unwrap_or(100).clamp(1, 10_000));
            let before_seq = match &filter.next_token {
                None => None,
                Some(t) => Some(decode_seq_token(t)?),
            };
            let resource = match &filter.secret {
                None => None,
                Some(id) => Some(self.audit_resource(&mut op, id).await?),
            };
            let q = AuditQuery {
                from: filter.from.map(|t| t.timestamp_millis()),
                to: filter.to.map(|t| t.timestamp_millis()),
                principal: filter.principal.clone(),
                action: filter.action.clone(),
                resource,
                outcome: filter.outcome.clone(),
                decision: filter.decision.clone(),
                text: filter.text.clone().filter(|t| !t.is_empty()),
                before_seq,
                limit: limit + 1,
            };
            let mut rows = coffer_store::query_audit(op.tx.conn(), &q).await?;
            let next_token = if rows.len() as i64 > limit {
                rows.truncate(limit as usize);
                rows.last().map(|r| format!("seq:{}", r.seq))
            } else {
                None
            };
            op.event.detail("returned", rows.len());
            Ok(AuditPage {
                events: rows.into_iter().map(AuditEvent::from).collect(),
                next_token,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The ARN to search the log for: a live secret's ARN, else the partial ARN the name
    /// would have (so events of deleted and re-created secrets are found too).
    async fn audit_resource(&self, op: &mut crate::Op<'_>, id: &str) -> Result<String> {
        if id.starts_with("arn:") {
            return Ok(id.to_owned());
        }
        if let Some(s) = coffer_store::find_secret_by_name(op.tx.conn(), &op.region, id).await? {
            return Ok(s.arn);
        }
        Ok(format!(
            "arn:aws:secretsmanager:{}:{}:secret:{}",
            op.region, self.inner.account_id, id
        ))
    }

    /// Audits a request that failed authentication (bad signature, unknown or inactive key,
    /// expired request): there is no principal to authorize, but the attempt is logged with
    /// what the caller claimed (`ctx.access_key_id`) and where it came from.
    pub async fn audit_authentication_failure(
        &self,
        ctx: &RequestContext,
        action: &'static str,
        error_code: &str,
        reason: &str,
    ) -> Result<()> {
        self.audit_refusal(ctx, action, Some("anonymous"), error_code, reason)
            .await
    }

    /// Audits a request of an authenticated caller that was refused before any operation
    /// ran (an unknown target, a wrong content type, a body that is not the action's JSON):
    /// no operation logs it, yet it is an attempt by that caller. The event names the
    /// caller and key from `ctx`, `action` (the action asked for when it is one), and
    /// `error_code`.
    pub async fn audit_refused_request(
        &self,
        ctx: &RequestContext,
        action: &'static str,
        error_code: &str,
        reason: &str,
    ) -> Result<()> {
        self.audit_refusal(ctx, action, None, error_code, reason)
            .await
    }

    /// Appends a denied, failed event outside any operation; `principal` overrides the
    /// one in `ctx`. The event goes through group commit (see `group_commit`): a flood of
    /// refused requests shares commits instead of each taking the writer lock and an fsync,
    /// and each caller still returns only once its event is durable.
    async fn audit_refusal(
        &self,
        ctx: &RequestContext,
        action: &'static str,
        principal: Option<&str>,
        error_code: &str,
        reason: &str,
    ) -> Result<()> {
        let keys = self.keyring()?;
        let mut draft = EventDraft::new(action);
        draft.region = ctx.region.clone();
        draft.deny(reason);
        draft.principal = principal.map(str::to_owned);
        draft.outcome = Some(("error".into(), Some(error_code.to_owned())));
        let now = self.inner.clock.now().timestamp_millis();
        self.commit_read_events(ctx, now, keys, vec![draft], Vec::new())
            .await
    }

    /// Walks the whole chain and reports the first event that does not verify: an edited,
    /// inserted, deleted or reordered row, or a tail shorter than the anchor file says.
    pub async fn verify_audit(&self, ctx: &RequestContext) -> Result<ChainReport> {
        let mut op = self.begin(ctx, "VerifyAuditLog").await?;
        if let Err(e) = self.authorize(&mut op, None).await {
            return self.finish(op, Err(e)).await;
        }
        let report = match self.walk_audit_chain().await {
            Ok(mut r) => match self.seal_findings().await {
                Ok(found) => {
                    r.tampered_rows = found;
                    Ok(r)
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        if let Ok(r) = &report {
            if !r.tampered_rows.is_empty() {
                op.event.detail("tamperedRows", r.tampered_rows.len());
            }
            op.event.detail("eventsChecked", r.events);
            op.event.detail("intact", r.is_intact());
            if let Some(seq) = r.first_bad_seq {
                op.event.detail("firstBadSeq", seq);
            }
        }
        self.finish(op, report).await
    }

    /// The chain walk behind [`Engine::verify_audit`]. Reads committed rows through the
    /// pool, so the verification's own (uncommitted) event is not part of what it checks.
    pub(crate) async fn walk_audit_chain(&self) -> Result<ChainReport> {
        let keys = self.keyring()?;
        let mut conn = self.inner.store.read_conn().await?;
        let mut expected_seq = 1i64;
        let mut prev_mac = GENESIS.to_vec();
        let mut checked = 0i64;
        let mut report = None;
        'walk: loop {
            let batch = coffer_store::audit_chain_batch(&mut conn, expected_seq - 1, 1000).await?;
            if batch.is_empty() {
                break;
            }
            for row in batch {
                let problem = if row.seq != expected_seq {
                    Some((expected_seq, format!("event {expected_seq} is missing")))
                } else if row.prev_mac != prev_mac {
                    Some((row.seq, "does not link to the previous event".to_owned()))
                } else if !keys.audit_mac.verify(&canonical(&row), &row.mac) {
                    Some((row.seq, "its contents do not match its MAC".to_owned()))
                } else {
                    None
                };
                if let Some((seq, what)) = problem {
                    report = Some(ChainReport {
                        events: checked,
                        first_bad_seq: Some(seq),
                        problem: Some(what),
                        tampered_rows: Vec::new(),
                    });
                    break 'walk;
                }
                checked += 1;
                expected_seq += 1;
                prev_mac = row.mac;
            }
        }
        drop(conn);
        let ok = |problem: Option<(i64, String)>| ChainReport {
            events: checked,
            first_bad_seq: problem.as_ref().map(|p| p.0),
            problem: problem.map(|p| p.1),
            tampered_rows: Vec::new(),
        };
        let report = match report {
            Some(r) => r,
            None => match self.read_audit_anchor(&keys) {
                // A store with events always has an anchor (written when it was made).
                Anchor::Missing if checked > 0 => ok(Some((
                    expected_seq,
                    format!(
                        "the anchor file {} is missing: events at the end of the log may have been deleted",
                        self.anchor_path().display()
                    ),
                ))),
                Anchor::Missing => ok(None),
                Anchor::Forged => ok(Some((
                    expected_seq,
                    "the anchor file was edited: its MAC does not verify".into(),
                ))),
                Anchor::Head { seq, .. } if seq >= expected_seq => ok(Some((
                    expected_seq,
                    format!(
                        "the log ends at event {} but the anchor recorded event {seq}: events were deleted",
                        expected_seq - 1
                    ),
                ))),
                Anchor::Head { seq, mac_hex, .. } => {
                    let mut conn = self.inner.store.read_conn().await?;
                    let row = coffer_store::audit_chain_batch(&mut conn, seq - 1, 1).await?;
                    match row.first() {
                        Some(r) if r.seq == seq && hex(&r.mac) != mac_hex => ok(Some((
                            seq,
                            "the chain was rewritten after the anchor was recorded".into(),
                        ))),
                        _ => ok(None),
                    }
                }
            },
        };
        Ok(report)
    }

    fn anchor_path(&self) -> PathBuf {
        let mut p = self.inner.store.path().as_os_str().to_owned();
        p.push(".audit-anchor");
        PathBuf::from(p)
    }

    /// Where a re-key puts the anchor of its new chain before it commits (`rekey`): if the
    /// process dies between the commit and the anchor's replacement, the anchor file still
    /// verifies only under the old key, and this one under the new.
    fn rekeyed_anchor_path(&self) -> PathBuf {
        let mut p = self.anchor_path().into_os_string();
        p.push(".rekeyed");
        PathBuf::from(p)
    }

    /// The anchor file as it stands (or, when it does not verify under `keys`, the one a
    /// re-key staged and that does).
    fn read_audit_anchor(&self, keys: &Keyring) -> Anchor {
        let anchor = self.parse_anchor(keys, &self.anchor_path());
        if matches!(anchor, Anchor::Head { .. }) {
            return anchor;
        }
        match self.parse_anchor(keys, &self.rekeyed_anchor_path()) {
            staged @ Anchor::Head { .. } => staged,
            Anchor::Forged | Anchor::Missing => anchor,
        }
    }

    /// An anchor file's line for head `(seq, mac)` and the seal register's counter.
    fn anchor_text(&self, keys: &Keyring, seq: i64, mac: &[u8], seals: i64) -> String {
        let mac_hex = hex(mac);
        let tag = hex(&self.anchor_tag(keys, seq, &mac_hex, Some(seals)));
        format!("{seq} {mac_hex} {seals} {tag}\n")
    }

    /// Stages the anchor of a re-key's new chain (see [`Engine::rekeyed_anchor_path`]).
    pub(crate) async fn stage_rekeyed_anchor(
        &self,
        keys: &Keyring,
        (seq, mac): &(i64, Vec<u8>),
        seals: i64,
    ) -> Result<()> {
        let text = self.anchor_text(keys, *seq, mac, seals);
        let path = self.rekeyed_anchor_path();
        tokio::task::spawn_blocking(move || write_atomically(&path, text.as_bytes()))
            .await
            .map_err(Error::internal)?
            .map_err(Error::internal)
    }

    /// An anchor file: `<seq> <event MAC> <seals> <anchor MAC>`, or `<seq> <event MAC>
    /// <anchor MAC>` as written before row seals existed.
    fn parse_anchor(&self, keys: &Keyring, path: &std::path::Path) -> Anchor {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Anchor::Missing;
        };
        let fields: Vec<&str> = text.split_whitespace().collect();
        let parse = |n: &str| n.parse::<i64>().ok();
        let (seq, mac_hex, seals, tag) = match fields.as_slice() {
            [seq, mac_hex, tag] => (parse(seq), *mac_hex, None, *tag),
            [seq, mac_hex, seals, tag] => match parse(seals) {
                Some(n) => (parse(seq), *mac_hex, Some(n), *tag),
                None => return Anchor::Forged,
            },
            _ => return Anchor::Forged,
        };
        match seq {
            Some(seq) if hex(&self.anchor_tag(keys, seq, mac_hex, seals)) == tag => Anchor::Head {
                seq,
                mac_hex: mac_hex.to_owned(),
                seals: seals.unwrap_or(0),
            },
            _ => Anchor::Forged,
        }
    }

    /// The counter of the register of row seals the anchor recorded (see `integrity`).
    pub(crate) fn anchored_seal_counter(&self, keys: &Keyring) -> Option<i64> {
        match self.read_audit_anchor(keys) {
            Anchor::Head { seals, .. } => Some(seals),
            Anchor::Missing | Anchor::Forged => None,
        }
    }

    /// The anchor's MAC: the audit key over a domain label, the store id, the head and the
    /// seal register's counter (absent in the older three-field form).
    fn anchor_tag(&self, keys: &Keyring, seq: i64, mac_hex: &str, seals: Option<i64>) -> [u8; 32] {
        let mut data = b"coffer/v1/audit-anchor\0".to_vec();
        data.extend_from_slice(&self.inner.store_id);
        data.extend_from_slice(format!("\0{seq}\0{mac_hex}").as_bytes());
        if let Some(n) = seals {
            data.extend_from_slice(format!("\0seals\0{n}").as_bytes());
        }
        keys.audit_mac.mac(&data)
    }

    /// Records the chain head outside the database (write temp, fsync, rename, fsync dir),
    /// so that deleting the newest events, or rolling the file back, is detectable. Never
    /// moves the anchor back, and never replaces a missing anchor (unless `creating`, when
    /// the store is made) or one that does not verify: those are findings to report.
    pub async fn write_audit_anchor(&self) -> Result<()> {
        self.write_anchor(false).await
    }

    pub(crate) async fn write_anchor(&self, creating: bool) -> Result<()> {
        // One writer at a time, with keys and a snapshot of one root generation: an anchor
        // MAC'd with the keys a re-key just replaced would read as forged from then on.
        let _writing = self.inner.anchor_writer.lock.lock().await;
        let keys = self.keyring()?;
        let mut conn = self.inner.store.begin_read().await?;
        if coffer_store::generations(&mut conn).await?.root != keys.root_generation {
            return Ok(());
        }
        let Some((seq, mac)) = coffer_store::audit_head(&mut conn).await? else {
            return Ok(());
        };
        let previous_seals = match self.read_audit_anchor(&keys) {
            Anchor::Missing if creating => 0,
            Anchor::Missing | Anchor::Forged => return Ok(()),
            // Never backwards: that would hide a truncation.
            Anchor::Head { seq: old, .. } if old > seq => return Ok(()),
            Anchor::Head { seals, .. } => seals,
        };
        // The seal register's counter, never moved back either (a register that does not
        // authenticate is a finding for `check_seal_register`, not a reason to forget).
        let seals = match coffer_store::current_register(&mut conn, keys.row_seals.as_ref()).await {
            Ok(Some(r)) => r.counter.max(previous_seals),
            Ok(None) | Err(coffer_store::StoreError::Tampered { .. }) => previous_seals,
            Err(e) => return Err(e.into()),
        };
        drop(conn);
        let text = self.anchor_text(&keys, seq, &mac, seals);
        let path = self.anchor_path();
        self.anchor_file_io(seq, move || write_atomically(&path, text.as_bytes()))
            .await
    }

    /// Runs a blocking change of the anchor file, then tells followers (see
    /// [`Engine::anchored`]) that it records event `seq`.
    async fn anchor_file_io(
        &self,
        seq: i64,
        io: impl FnOnce() -> std::io::Result<()> + Send + 'static,
    ) -> Result<()> {
        tokio::task::spawn_blocking(io)
            .await
            .map_err(Error::internal)?
            .map_err(Error::internal)?;
        self.inner
            .anchor_writer
            .written
            .send_if_modified(|w| std::mem::replace(w, seq) != seq);
        Ok(())
    }

    /// Makes a committed re-key's staged anchor the anchor (under the writers' lock, so an
    /// anchor write that began with the old keys cannot land after it).
    pub(crate) async fn promote_rekeyed_anchor(&self, seq: i64) -> Result<()> {
        let _writing = self.inner.anchor_writer.lock.lock().await;
        let (staged, path) = (self.rekeyed_anchor_path(), self.anchor_path());
        self.anchor_file_io(seq, move || {
            std::fs::rename(&staged, &path)?;
            if let Some(dir) = path.parent().and_then(|d| std::fs::File::open(d).ok()) {
                dir.sync_all()?;
            }
            Ok(())
        })
        .await
    }

    /// Follows the anchor file: the sequence number of the last head written to it.
    pub fn anchored(&self) -> tokio::sync::watch::Receiver<i64> {
        self.inner.anchor_writer.written.subscribe()
    }
}

/// What the anchor file says.
enum Anchor {
    /// No anchor file.
    Missing,
    /// An anchor whose MAC does not verify, or that does not parse.
    Forged,
    /// The recorded head, and the counter of the register of row seals at that time (0 in
    /// an anchor written before seals existed).
    Head {
        seq: i64,
        mac_hex: String,
        seals: i64,
    },
}

/// Keeps the anchor file a moment behind the chain's head while the engine runs, so that
/// deleting the newest events is caught even when the process never closes cleanly. Woken
/// after each commit of audit events; writes at most once per [`ANCHOR_DELAY`].
pub(crate) struct AnchorWriter {
    wake: std::sync::Mutex<Option<tokio::sync::mpsc::Sender<()>>>,
    /// The sequence number of the last head written (0: none), so tests await a write.
    written: tokio::sync::watch::Sender<i64>,
    /// Held while the anchor file is written.
    lock: tokio::sync::Mutex<()>,
}

impl Default for AnchorWriter {
    fn default() -> Self {
        AnchorWriter {
            wake: Default::default(),
            written: tokio::sync::watch::Sender::new(0),
            lock: tokio::sync::Mutex::new(()),
        }
    }
}

/// How long after a commit the anchor is written: commits in that time share one write.
const ANCHOR_DELAY: std::time::Duration = std::time::Duration::from_millis(100);

impl std::fmt::Debug for AnchorWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorWriter").finish_non_exhaustive()
    }
}

impl Engine {
    /// Asks for the anchor to be written soon; called after audit events commit. Never
    /// waits. The task holds the engine weakly and ends with it.
    pub(crate) fn anchor_soon(&self) {
        let writer = &self.inner.anchor_writer;
        let mut wake = writer.wake.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = wake.as_ref() {
            match sender.try_send(()) {
                Ok(()) | Err(tokio::sync::mpsc::error::TrySendError::Full(())) => return,
                Err(tokio::sync::mpsc::error::TrySendError::Closed(())) => {}
            }
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        let _ = sender.try_send(());
        let engine = std::sync::Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            while receiver.recv().await.is_some() {
                tokio::time::sleep(ANCHOR_DELAY).await;
                let Some(inner) = engine.upgrade() else {
                    return;
                };
                let engine = Engine { inner };
                if engine.is_sealed() {
                    continue;
                }
                // A failure (the store closing) loses nothing: the next commit asks again,
                // and close writes the anchor too.
                let _ = engine.write_anchor(false).await;
            }
        });
        *wake = Some(sender);
    }
}

/// Crash-safe file replacement: temp file, fsync, rename, fsync the directory.
pub(crate) fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
