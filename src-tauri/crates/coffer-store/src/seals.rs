//! Integrity seals over the rows that decide who may do what.
//!
//! Ciphertext is bound to its row by AAD, but policies, access-key status, staging labels,
//! key state, rotation settings and rotation functions are plain rows: someone who can write
//! the file could re-activate a revoked key or move AWSCURRENT back to a leaked value. So
//! those rows are grouped into *units* ([`Unit`]), and each unit's canonical encoding is
//! MAC'd under a key the store never sees ([`RowSealer`], implemented by the engine with a
//! key derived from the root key). The seal lives in `row_seals`, keyed by the unit's name,
//! which is also inside the MAC, so a seal cannot be moved to another unit.
//!
//! *Sealing is automatic.* Temporary triggers on the writer connection (installed by
//! [`install_dirty_tracking`]; they exist only in this process, never in the file) note
//! every unit a statement changes, and [`crate::WriteTx::commit`] re-seals those units in
//! the same transaction. A change made by any other program (the `sqlite3` shell, a sync
//! client restoring an old copy) notes nothing, so its unit no longer matches its seal.
//!
//! *Verification is the engine's*: it calls [`verify_unit`] on every read whose rows decide
//! something (a caller's policies, a secret's labels and resource policy, a key's state, a
//! rotation function), and refuses a unit that fails with [`StoreError::Tampered`].
//!
//! *Older copies.* A unit copied back from an older file together with its (then valid)
//! seal passes that check, so the seals themselves are registered: the `register` row holds
//! a counter and the XOR of a keyed hash of every (unit, seal), MAC'd. Each re-seal updates
//! it in the same transaction; [`check_register`] recomputes it (on unseal and in `coffer
//! audit verify`), and the engine records the counter in the audit anchor outside the file,
//! so rolling the register back with the rows is caught too. XOR of keyed hashes (not of
//! the seals, which the file shows) leaves an attacker nothing to solve for.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::{Either, Executor, Row, SqliteConnection, TypeInfo, ValueRef};

use crate::{Result, StoreError};

/// Computes and checks MACs under a key the store never holds (the engine's is derived
/// from the root key), so neither the store nor anyone reading the file can forge a seal.
/// The store separates its uses by a domain prefix in `data`.
pub trait RowSealer: Send + Sync {
    /// HMAC of `data`.
    fn mac(&self, data: &[u8]) -> [u8; 32];
    /// Whether `tag` is the HMAC of `data` (constant time).
    fn verify(&self, data: &[u8], tag: &[u8]) -> bool;
}

/// What a unit's seal is a MAC of: a domain label, the unit's name (so a seal moved to
/// another unit fails) and its encoding.
fn seal_message(unit: &str, encoded: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(32 + unit.len() + encoded.len());
    m.extend_from_slice(b"coffer/v1/row-seal\0");
    m.extend_from_slice(&(unit.len() as u64).to_be_bytes());
    m.extend_from_slice(unit.as_bytes());
    m.extend_from_slice(encoded);
    m
}

/// A (unit, seal) pair's contribution to the register.
fn element(sealer: &dyn RowSealer, unit: &str, seal: &[u8]) -> [u8; 32] {
    let mut m = b"coffer/v1/row-seal-element\0".to_vec();
    m.extend_from_slice(&(unit.len() as u64).to_be_bytes());
    m.extend_from_slice(unit.as_bytes());
    m.extend_from_slice(seal);
    sealer.mac(&m)
}

/// The `row_seals` key of the register (not a unit name: units never contain `*`).
const REGISTER: &str = "*register";

/// The register: how many re-seals the store has seen, and the XOR of every unit's element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    /// Incremented by every transaction that re-seals; never goes back.
    pub counter: i64,
    digest: [u8; 32],
}

impl Register {
    fn message(counter: i64, digest: &[u8; 32]) -> Vec<u8> {
        let mut m = b"coffer/v1/row-seal-register\0".to_vec();
        m.extend_from_slice(&counter.to_be_bytes());
        m.extend_from_slice(digest);
        m
    }

    fn encode(&self, sealer: &dyn RowSealer) -> Vec<u8> {
        let mut blob = self.counter.to_be_bytes().to_vec();
        blob.extend_from_slice(&self.digest);
        blob.extend_from_slice(&sealer.mac(&Self::message(self.counter, &self.digest)));
        blob
    }

    fn decode(sealer: &dyn RowSealer, blob: &[u8]) -> Option<Register> {
        let (counter, rest) = blob.split_first_chunk::<8>()?;
        let (digest, tag) = rest.split_first_chunk::<32>()?;
        let counter = i64::from_be_bytes(*counter);
        sealer
            .verify(&Self::message(counter, digest), tag)
            .then_some(Register {
                counter,
                digest: *digest,
            })
    }

    fn toggle(&mut self, e: [u8; 32]) {
        self.digest.iter_mut().zip(e).for_each(|(d, e)| *d ^= e);
    }
}

fn register_tampered() -> StoreError {
    StoreError::Tampered {
        unit: "the register of integrity seals".to_owned(),
    }
}

/// The register, authenticated; `None` while the store's rows predate seals.
pub async fn current_register(
    c: &mut SqliteConnection,
    sealer: &dyn RowSealer,
) -> Result<Option<Register>> {
    if seals_pending(c).await? {
        return Ok(None);
    }
    read_register(c, sealer).await.map(Some)
}

/// Reads and authenticates the register.
async fn read_register(c: &mut SqliteConnection, sealer: &dyn RowSealer) -> Result<Register> {
    let blob = get_seal(c, REGISTER).await?;
    blob.and_then(|b| Register::decode(sealer, &b))
        .ok_or_else(register_tampered)
}

/// One row of `row_seals`, if present.
async fn get_seal(c: &mut SqliteConnection, unit: &str) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT mac FROM row_seals WHERE unit = ?1")
            .bind(unit)
            .fetch_optional(&mut *c)
            .await?,
    )
}

/// The register as it stands, and whether it matches the seals in the file (`false`: a
/// seal was added, removed or replaced by an older copy outside Coffer). A register that
/// is missing or does not authenticate is [`StoreError::Tampered`].
pub async fn check_register(
    c: &mut SqliteConnection,
    sealer: &dyn RowSealer,
) -> Result<(Register, bool)> {
    let register = read_register(c, sealer).await?;
    let seals: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT unit, mac FROM row_seals WHERE unit NOT IN (?1, ?2)")
            .bind(REGISTER)
            .bind(UPGRADE_MARKER)
            .fetch_all(&mut *c)
            .await?;
    let mut recomputed = Register {
        counter: register.counter,
        digest: [0; 32],
    };
    for (unit, seal) in &seals {
        recomputed.toggle(element(sealer, unit, seal));
    }
    Ok((register, recomputed == register))
}

/// The units whose rows do not match their seals, described for a person (`coffer audit
/// verify`: every unit's rows are read).
pub async fn tampered_units(
    c: &mut SqliteConnection,
    sealer: &dyn RowSealer,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for unit in all_units(c).await? {
        match verify_unit(c, sealer, &unit).await {
            Ok(_) => {}
            Err(StoreError::Tampered { unit }) => found.push(unit),
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

/// A group of rows sealed together. A unit is as large as the rows that must change
/// together: moving a label rewrites two label rows, and deactivating a key must not be
/// undone by copying that one row back from an older file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    /// Every identity table: principals, their tags, group members, inline and managed
    /// policies, attachments and access keys (without their last-used bookkeeping).
    Iam,
    /// One secret's security state: its row (ARN, key, resource policy, deletion), its
    /// staging labels, its rotation configuration and its rotation job.
    Secret(i64),
    /// One KMS key's state (enabled, current material) and its material versions.
    Key(String),
    /// One rotation function (command, environment, timeout, execution role), by ARN.
    Function(String),
}

/// Marks a store whose rows predate seals: the engine seals them all on the first unseal
/// (see [`seal_all`]); the migration that made `row_seals` inserts it.
const UPGRADE_MARKER: &str = "pending-upgrade";

impl Unit {
    /// The unit's name in `row_seals` and in the MAC.
    pub fn name(&self) -> String {
        match self {
            Unit::Iam => "iam".to_owned(),
            Unit::Secret(id) => format!("secret:{id}"),
            Unit::Key(id) => format!("key:{id}"),
            Unit::Function(arn) => format!("fn:{arn}"),
        }
    }

    fn parse(name: &str) -> Option<Unit> {
        if name == "iam" {
            return Some(Unit::Iam);
        }
        let (kind, id) = name.split_once(':')?;
        match kind {
            "secret" => id.parse().ok().map(Unit::Secret),
            "key" => Some(Unit::Key(id.to_owned())),
            "fn" => Some(Unit::Function(id.to_owned())),
            _ => None,
        }
    }

    /// The statements whose rows make up the unit, in a fixed order; `?1` is the unit's id.
    /// The first statement selects the unit's own row (none: the unit does not exist).
    fn statements(&self) -> &'static [&'static str] {
        match self {
            Unit::Iam => &[
                "SELECT id, kind, name, path, arn, unique_id FROM principals ORDER BY id",
                "SELECT principal_id, key, value FROM principal_tags ORDER BY principal_id, key",
                "SELECT group_id, user_id FROM group_members ORDER BY group_id, user_id",
                "SELECT principal_id, name, document FROM inline_policies ORDER BY principal_id, name",
                "SELECT id, name, arn, policy_id, document FROM managed_policies ORDER BY id",
                "SELECT policy_id, principal_id FROM policy_attachments ORDER BY policy_id, principal_id",
                "SELECT access_key_id, principal_id, sealed_secret, status, expires_at FROM access_keys ORDER BY access_key_id",
            ],
            Unit::Secret(_) => &[
                "SELECT id, region, name, arn, kms_key_id, key_id, resource_policy, owning_service, deleted_at, deletion_date FROM secrets WHERE id = ?1",
                "SELECT label, version_id FROM staging_labels WHERE secret_id = ?1 ORDER BY label",
                "SELECT enabled, lambda_arn, role_arn, automatically_after_days, duration, schedule_expression, next_rotation_at FROM rotation_config WHERE secret_id = ?1",
                "SELECT token, lambda_arn, step, state, trial FROM rotation_jobs WHERE secret_id = ?1",
            ],
            Unit::Key(_) => &[
                "SELECT key_id, region, arn, alias, enabled, managed, current_material FROM kms_keys WHERE key_id = ?1",
                "SELECT material_version FROM kms_key_materials WHERE key_id = ?1 ORDER BY material_version",
            ],
            Unit::Function(_) => &[
                "SELECT region, name, arn, command, environment, timeout_ms, role_arn, template FROM lambda_functions WHERE arn = ?1",
            ],
        }
    }

    /// [`Unit::statements`] as one batch (one round trip), with the unit's id spelled in:
    /// a batch takes no parameters.
    fn batch(&self) -> String {
        let id = match self {
            Unit::Iam => String::new(),
            Unit::Secret(id) => id.to_string(),
            Unit::Key(id) | Unit::Function(id) => text_literal(id),
        };
        let mut sql = String::new();
        for statement in self.statements() {
            sql.push_str(&statement.replace("?1", &id));
            sql.push_str(";\n");
        }
        sql
    }

    /// What a person would call the unit, for the refusal's message.
    pub fn describe(&self) -> String {
        match self {
            Unit::Iam => {
                "the identity tables (users, roles, groups, policies, access keys)".to_owned()
            }
            Unit::Secret(id) => {
                format!("secret #{id}'s settings (resource policy, staging labels, key, rotation)")
            }
            Unit::Key(id) => format!("KMS key {id}"),
            Unit::Function(arn) => format!("rotation function {arn}"),
        }
    }
}

/// Which tables belong to which unit, for the dirty-tracking triggers: the table, the SQL
/// expression naming the unit from a row (`X` stands for `NEW` or `OLD`), and the columns
/// whose update changes the unit (`None`: any column).
const TRACKED: &[(&str, &str, Option<&str>)] = &[
    (
        "principals",
        "'iam'",
        Some("id, kind, name, path, arn, unique_id"),
    ),
    ("principal_tags", "'iam'", None),
    ("group_members", "'iam'", None),
    ("inline_policies", "'iam'", None),
    (
        "managed_policies",
        "'iam'",
        Some("id, name, arn, policy_id, document"),
    ),
    ("policy_attachments", "'iam'", None),
    (
        "access_keys",
        "'iam'",
        Some("access_key_id, principal_id, sealed_secret, status, expires_at"),
    ),
    (
        "secrets",
        "'secret:' || X.id",
        Some(
            "id, region, name, arn, kms_key_id, key_id, resource_policy, owning_service, deleted_at, deletion_date",
        ),
    ),
    ("staging_labels", "'secret:' || X.secret_id", None),
    (
        "rotation_config",
        "'secret:' || X.secret_id",
        Some(
            "secret_id, enabled, lambda_arn, role_arn, automatically_after_days, duration, schedule_expression, next_rotation_at",
        ),
    ),
    (
        "rotation_jobs",
        "'secret:' || X.secret_id",
        Some("secret_id, token, lambda_arn, step, state, trial"),
    ),
    (
        "kms_keys",
        "'key:' || X.key_id",
        Some("key_id, region, arn, alias, enabled, managed, current_material"),
    ),
    (
        "kms_key_materials",
        "'key:' || X.key_id",
        Some("key_id, material_version"),
    ),
    ("lambda_functions", "'fn:' || X.arn", None),
];

/// The temporary table of units changed by the connection's transaction; on readers it
/// stays empty (it exists so [`verify_unit`] runs the same on every connection).
// No key: inside a trigger, an `OR IGNORE` is overridden by the conflict clause of the
// statement that fired it (an upsert), so duplicates are kept and read with DISTINCT.
const DIRTY_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS dirty_units (unit TEXT NOT NULL);";

/// Installs the empty `dirty_units` table on a reader connection.
pub(crate) async fn install_dirty_table(c: &mut SqliteConnection) -> Result<()> {
    sqlx::raw_sql(DIRTY_TABLE).execute(&mut *c).await?;
    Ok(())
}

/// Installs the temporary table and triggers that note changed units on `c` (the writer
/// connection). They live in the connection's `temp` schema, not in the file.
pub(crate) async fn install_dirty_tracking(c: &mut SqliteConnection) -> Result<()> {
    let mut sql = format!("{DIRTY_TABLE}\n");
    for (table, unit, columns) in TRACKED {
        let new = unit.replace("X.", "NEW.");
        let old = unit.replace("X.", "OLD.");
        let of = columns.map(|c| format!(" OF {c}")).unwrap_or_default();
        sql.push_str(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS seal_{table}_i AFTER INSERT ON main.{table} \
             BEGIN INSERT INTO dirty_units VALUES ({new}); END;\n\
             CREATE TEMP TRIGGER IF NOT EXISTS seal_{table}_u AFTER UPDATE{of} ON main.{table} \
             BEGIN INSERT INTO dirty_units VALUES ({new}); \
             INSERT INTO dirty_units VALUES ({old}); END;\n\
             CREATE TEMP TRIGGER IF NOT EXISTS seal_{table}_d AFTER DELETE ON main.{table} \
             BEGIN INSERT INTO dirty_units VALUES ({old}); END;\n"
        ));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Re-seals every unit the transaction on `c` changed. Called by [`crate::WriteTx::commit`]
/// just before `COMMIT`; without a sealer (the store is sealed) a change to a protected row
/// is refused rather than left unsealed.
///
/// Each unit is first verified as it was before the transaction, on a connection of `pool`
/// (the writer lock is held, so that is the last committed state): a change must never
/// re-seal, and so bless, an edit made outside Coffer.
///
/// `checked` are units the transaction already compared with their seals before changing
/// them (the engine checks a secret when it looks it up): they need no second look.
pub(crate) async fn reseal_dirty(
    c: &mut SqliteConnection,
    pool: &sqlx::SqlitePool,
    sealer: Option<&dyn RowSealer>,
    checked: &[Unit],
) -> Result<()> {
    // One statement: the changed units with their seals as they were, and the register.
    let rows: Vec<(String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT d.unit, s.mac FROM (SELECT DISTINCT unit FROM dirty_units UNION ALL SELECT ?1) AS d \
         LEFT JOIN row_seals AS s ON s.unit = d.unit",
    )
    .bind(REGISTER)
    .fetch_all(&mut *c)
    .await?;
    if rows.len() <= 1 {
        return Ok(());
    }
    let sealer = sealer.ok_or(StoreError::SealerMissing)?;
    let mut register = None;
    let mut units = Vec::with_capacity(rows.len() - 1);
    for (name, seal) in rows {
        if name == REGISTER {
            register = seal;
            continue;
        }
        let unit = Unit::parse(&name).ok_or_else(|| StoreError::Tampered {
            unit: format!("an unknown unit '{name}'"),
        })?;
        units.push((unit, seal));
    }
    let unchecked: Vec<&Unit> = units
        .iter()
        .map(|(unit, _)| unit)
        .filter(|u| !checked.contains(u))
        .collect();
    if !unchecked.is_empty() {
        let mut before = pool.begin().await?;
        if !seals_pending(&mut before).await? {
            for unit in unchecked {
                verify_unit(&mut before, sealer, unit).await?;
            }
        }
        before.rollback().await?;
    }
    let mut register = register
        .and_then(|b| Register::decode(sealer, &b))
        .ok_or_else(register_tampered)?;
    register.counter += 1;
    let mut changes = SealChanges::default();
    for (unit, old) in &units {
        let encoded = encode(c, unit).await?;
        changes.reseal(sealer, unit, old.as_deref(), encoded, &mut register);
    }
    changes.write(c, sealer, &register).await
}

/// The `row_seals` rows a transaction replaces and removes, written in one round trip.
#[derive(Default)]
struct SealChanges {
    put: Vec<(String, Vec<u8>)>,
    removed: Vec<String>,
}

impl SealChanges {
    /// Seals `unit` as `encoded` (its rows now; `None`: the unit no longer exists, so its
    /// seal goes), and moves the register from the `old` seal to the new one.
    fn reseal(
        &mut self,
        sealer: &dyn RowSealer,
        unit: &Unit,
        old: Option<&[u8]>,
        encoded: Option<Vec<u8>>,
        register: &mut Register,
    ) {
        let name = unit.name();
        if let Some(old) = old {
            register.toggle(element(sealer, &name, old));
        }
        match encoded {
            Some(encoded) => {
                let mac = sealer.mac(&seal_message(&name, &encoded));
                register.toggle(element(sealer, &name, &mac));
                self.put.push((name, mac.to_vec()));
            }
            None => self.removed.push(name),
        }
    }

    /// Writes the seals and the `register`, and empties `dirty_units` (what it noted is
    /// sealed now). Chunked, so sealing a whole store stays within SQLite's statement size.
    async fn write(
        mut self,
        c: &mut SqliteConnection,
        sealer: &dyn RowSealer,
        register: &Register,
    ) -> Result<()> {
        const CHUNK: usize = 500;
        self.put
            .push((REGISTER.to_owned(), register.encode(sealer)));
        let mut sql = String::new();
        for chunk in self.removed.chunks(CHUNK) {
            let names: Vec<String> = chunk.iter().map(|n| text_literal(n)).collect();
            sql.push_str(&format!(
                "DELETE FROM row_seals WHERE unit IN ({});\n",
                names.join(", ")
            ));
        }
        for chunk in self.put.chunks(CHUNK) {
            let rows: Vec<String> = chunk
                .iter()
                .map(|(name, mac)| format!("({}, {})", text_literal(name), blob_literal(mac)))
                .collect();
            sql.push_str(&format!(
                "INSERT OR REPLACE INTO row_seals (unit, mac) VALUES {};\n",
                rows.join(", ")
            ));
        }
        sql.push_str("DELETE FROM dirty_units;");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await?;
        Ok(())
    }
}

/// `bytes` as an SQL blob literal.
fn blob_literal(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(3 + 2 * bytes.len());
    s.push_str("X'");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('\'');
    s
}

/// `text` as an SQL text literal, spelled in hex: no character of it (a quote, a NUL from
/// a row someone wrote into the file) can end the literal or the statement.
fn text_literal(text: &str) -> String {
    format!("CAST({} AS TEXT)", blob_literal(text.as_bytes()))
}

/// Runs several statements in one round trip to the connection's worker thread and
/// returns each one's rows, in order.
async fn fetch_statements(c: &mut SqliteConnection, sql: String) -> Result<Vec<Vec<SqliteRow>>> {
    let mut results = vec![Vec::new()];
    let mut stream = c.fetch_many(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)));
    while let Some(item) = stream.try_next().await? {
        match item {
            // A statement finished: the next rows are the next one's.
            Either::Left(_) => results.push(Vec::new()),
            Either::Right(row) => results.last_mut().expect("never empty").push(row),
        }
    }
    results.pop();
    Ok(results)
}

/// Checks `unit` against its seal. A unit that exists without a seal, or whose rows do not
/// match it, is [`StoreError::Tampered`]; a unit that does not exist passes (its absence is
/// the caller's "not found"). A unit the current write transaction changed passes too: its
/// new rows are this process's own, and the commit checks the state they replace.
/// `true` when the unit's rows were compared with its seal (and matched).
pub async fn verify_unit(
    c: &mut SqliteConnection,
    sealer: &dyn RowSealer,
    unit: &Unit,
) -> Result<bool> {
    let name = unit.name();
    let literal = text_literal(&name);
    // One round trip: whether this transaction changed the unit, its seal, its rows.
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM dirty_units WHERE unit = {literal});\n\
         SELECT mac FROM row_seals WHERE unit = {literal};\n{}",
        unit.batch()
    );
    let mut results = fetch_statements(c, sql).await?;
    let rows = results.split_off(2);
    let changed: bool = match results[0].first() {
        Some(row) => row.try_get(0)?,
        None => false,
    };
    if changed {
        return Ok(false);
    }
    let Some(encoded) = encode_results(unit, &rows)? else {
        return Ok(false);
    };
    let seal: Option<Vec<u8>> = results[1].first().map(|row| row.try_get(0)).transpose()?;
    match seal {
        Some(tag) if sealer.verify(&seal_message(&name, &encoded), &tag) => Ok(true),
        _ => Err(StoreError::Tampered {
            unit: unit.describe(),
        }),
    }
}

/// Every unit the store holds now.
pub async fn all_units(c: &mut SqliteConnection) -> Result<Vec<Unit>> {
    let mut units = BTreeSet::from([Unit::Iam]);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM secrets")
        .fetch_all(&mut *c)
        .await?;
    units.extend(ids.into_iter().map(Unit::Secret));
    let keys: Vec<String> = sqlx::query_scalar("SELECT key_id FROM kms_keys")
        .fetch_all(&mut *c)
        .await?;
    units.extend(keys.into_iter().map(Unit::Key));
    let fns: Vec<String> = sqlx::query_scalar("SELECT arn FROM lambda_functions")
        .fetch_all(&mut *c)
        .await?;
    units.extend(fns.into_iter().map(Unit::Function));
    Ok(units.into_iter().collect())
}

/// Whether the store's rows predate seals (the upgrade marker is present).
pub async fn seals_pending(c: &mut SqliteConnection) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM row_seals WHERE unit = ?1")
        .bind(UPGRADE_MARKER)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// Seals every unit as it is now, starts the register at `counter` and removes the upgrade
/// marker: the first unseal after the upgrade that introduced seals and `init` (counter 1),
/// and a re-key (under the new key, counting on from the old register, so the counter the
/// audit anchor recorded is never ahead of it). The engine audits it, so a forged marker
/// (which would bless an edit) leaves its trace in the tamper-evident log.
pub async fn seal_all(
    c: &mut SqliteConnection,
    sealer: &dyn RowSealer,
    counter: i64,
) -> Result<usize> {
    sqlx::query("DELETE FROM row_seals")
        .execute(&mut *c)
        .await?;
    let mut register = Register {
        counter,
        digest: [0; 32],
    };
    let units = all_units(c).await?;
    let mut changes = SealChanges::default();
    for unit in &units {
        let encoded = encode(c, unit).await?;
        changes.reseal(sealer, unit, None, encoded, &mut register);
    }
    // What the triggers noted while this ran is sealed now.
    changes.write(c, sealer, &register).await?;
    Ok(units.len())
}

/// The unit's canonical encoding: for each statement a marker, then each row's values,
/// each tagged with its type and length-prefixed. `None` when the unit's own row is absent.
async fn encode(c: &mut SqliteConnection, unit: &Unit) -> Result<Option<Vec<u8>>> {
    let results = fetch_statements(c, unit.batch()).await?;
    encode_results(unit, &results)
}

/// The encoding of the rows [`Unit::batch`] returned, one list per statement.
fn encode_results(unit: &Unit, results: &[Vec<SqliteRow>]) -> Result<Option<Vec<u8>>> {
    debug_assert_eq!(results.len(), unit.statements().len());
    let mut out = Vec::with_capacity(256);
    for (i, rows) in results.iter().enumerate() {
        if i == 0 && rows.is_empty() && *unit != Unit::Iam {
            return Ok(None);
        }
        out.push(b'S');
        for row in rows {
            out.push(b'R');
            encode_row(row, &mut out)?;
        }
    }
    Ok(Some(out))
}

fn encode_row(row: &SqliteRow, out: &mut Vec<u8>) -> Result<()> {
    for i in 0..row.len() {
        let value = row.try_get_raw(i)?;
        if value.is_null() {
            out.push(0);
            continue;
        }
        let kind = value.type_info().name().to_owned();
        let put = |out: &mut Vec<u8>, tag: u8, bytes: &[u8]| {
            out.push(tag);
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        match kind.as_str() {
            "INTEGER" | "BOOLEAN" => {
                put(out, 1, &row.try_get_unchecked::<i64, _>(i)?.to_be_bytes())
            }
            "TEXT" => put(out, 2, &row.try_get_unchecked::<Vec<u8>, _>(i)?),
            "REAL" => put(
                out,
                4,
                &row.try_get_unchecked::<f64, _>(i)?.to_bits().to_be_bytes(),
            ),
            _ => put(out, 3, &row.try_get_unchecked::<Vec<u8>, _>(i)?),
        }
    }
    Ok(())
}
