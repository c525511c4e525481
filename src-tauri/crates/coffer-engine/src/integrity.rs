//! The engine's side of the store's integrity seals (`coffer_store::seals`): the key that
//! makes and checks them, and the checks on the reads whose rows decide access.
//!
//! The store re-seals what a transaction changed when it commits, after checking the state
//! it changes. The engine checks a unit whenever it is about to rely on it: a caller's
//! policies and access keys (the identity tables, on each identity-cache miss), a secret's
//! row with its labels and rotation settings (when it is looked up), a KMS key (before it
//! wraps or unwraps) and a rotation function (before it runs). A unit that fails is refused
//! with `StoreCorruptException` naming what was edited; the operation's audit event records
//! the refusal.

use std::sync::Arc;

use coffer_crypto::MacKey;
use coffer_store::{RowSealer, SqliteConnection, Unit};

use crate::error::{Error, ErrorCode, Result};
use crate::keyring::Keyring;
use crate::{Engine, Op, RequestContext, Source};

/// The MAC key of the seals, `HKDF(root, "coffer/v1/row-seals")`.
#[derive(Debug)]
pub(crate) struct RowSeals(MacKey);

impl RowSeals {
    pub(crate) fn new(key: MacKey) -> RowSeals {
        RowSeals(key)
    }
}

impl RowSealer for RowSeals {
    fn mac(&self, data: &[u8]) -> [u8; 32] {
        self.0.mac(data)
    }

    fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        self.0.verify(data, tag)
    }
}

/// Checks `unit` on `c` with the keys of an unsealed store. While the register of seals is
/// known to be broken (see [`Engine::check_seal_register`]) every unit is refused: which
/// one was rolled back cannot be told, so none is trusted. `true` when the unit was
/// compared with its seal (see `coffer_store::verify_unit`).
pub(crate) async fn verify(c: &mut SqliteConnection, keys: &Keyring, unit: &Unit) -> Result<bool> {
    if let Some(problem) = keys.seals_broken.get() {
        return Err(Error::new(ErrorCode::StoreCorrupt, problem.clone()));
    }
    Ok(coffer_store::verify_unit(c, keys.row_seals.as_ref(), unit).await?)
}

impl Op<'_> {
    /// Remembers that a write compared `unit` with its seal before changing it, so its
    /// commit need not look again (see `WriteTx::seal_changes`).
    pub(crate) fn checked(&mut self, unit: Unit, compared: bool) {
        if compared && matches!(self.tx, crate::OpConn::Write(_)) {
            self.checked_units.push(unit);
        }
    }
}

/// Says what a broken register means and what to do.
fn broken(what: &str) -> String {
    format!(
        "The store file was edited outside Coffer: {what}. Rows that decide access may have \
         been replaced by older copies, so none is used. Restore the store from a backup, and \
         run `coffer audit verify` to see what changed."
    )
}

impl Engine {
    /// Installs (unseal, init) or drops (seal) the keys, and with them the store's sealer.
    pub(crate) fn set_keyring(&self, keys: Option<Arc<Keyring>>) {
        self.inner.store.set_sealer(
            keys.as_ref()
                .map(|k| k.row_seals.clone() as Arc<dyn RowSealer>),
        );
        *self.inner.keyring.write().expect("keyring lock") = keys;
    }

    /// Seals every protected row of a store written before seals existed (the migration
    /// left a marker), as an audited `SealStoreRows` event. Runs on unseal.
    pub(crate) async fn seal_rows_if_pending(&self) -> Result<()> {
        {
            let mut conn = self.inner.store.read_conn().await?;
            if !coffer_store::seals_pending(&mut conn).await? {
                return Ok(());
            }
        }
        let ctx = RequestContext::root(Source::Scheduler);
        let mut op = self.begin(&ctx, "SealStoreRows").await?;
        let r = self.seal_all(&mut op).await;
        self.finish(op, r).await
    }

    /// Seals every unit as it is now (see [`coffer_store::seal_all`]), in `op`.
    pub(crate) async fn seal_all(&self, op: &mut Op<'_>) -> Result<()> {
        let keys = op.keys.clone();
        // Environments registered before they were encrypted are encrypted now.
        for f in coffer_store::all_lambda_functions(op.tx.conn()).await? {
            if crate::rotation::functions::is_plain_environment(&f.environment) {
                let env = serde_json::from_str(&f.environment).unwrap_or_default();
                let sealed = crate::rotation::functions::seal_environment(&keys, &f.arn, &env)?;
                coffer_store::set_function_environment(op.tx.conn(), &f.arn, &sealed).await?;
            }
        }
        let units = coffer_store::seal_all(op.tx.conn(), keys.row_seals.as_ref(), 1).await?;
        op.event.detail("units", units);
        Ok(())
    }

    /// Checks the register of seals against the seals in the file and against the counter
    /// the audit anchor recorded; a mismatch marks the keys so that every sealed unit is
    /// refused until the file is restored. Runs on unseal. Returns the problem, if any.
    pub(crate) async fn check_seal_register(&self) -> Result<Option<String>> {
        let keys = self.keyring()?;
        let mut conn = self.inner.store.read_conn().await?;
        let problem = self
            .register_problem(&mut conn, &keys)
            .await?
            .map(|p| broken(&p));
        if let Some(p) = &problem {
            let _ = keys.seals_broken.set(p.clone());
        }
        Ok(problem)
    }

    /// What is wrong with the register of seals, if anything: missing or forged, not the
    /// XOR of the seals in the file, or behind the counter the audit anchor recorded.
    async fn register_problem(
        &self,
        conn: &mut SqliteConnection,
        keys: &Keyring,
    ) -> Result<Option<String>> {
        if coffer_store::seals_pending(conn).await? {
            return Ok(None);
        }
        Ok(match coffer_store::check_register(conn, keys.row_seals.as_ref()).await {
            Err(coffer_store::StoreError::Tampered { unit }) => {
                Some(format!("{unit} is missing or does not verify"))
            }
            Err(e) => return Err(e.into()),
            Ok((_, false)) => Some(
                "the seals of protected rows do not match their register: one was added, removed or replaced by an older copy"
                    .to_owned(),
            ),
            Ok((register, true)) => match self.anchored_seal_counter(keys) {
                Some(anchored) if register.counter < anchored => Some(format!(
                    "the register of seals is at change {} but the audit anchor recorded change {anchored}: protected rows were rolled back",
                    register.counter
                )),
                _ => None,
            },
        })
    }

    /// Every finding about the row seals, for `coffer audit verify`: the register, then
    /// each unit whose rows do not match its seal (every protected row is read).
    pub(crate) async fn seal_findings(&self) -> Result<Vec<String>> {
        let keys = self.keyring()?;
        let mut conn = self.inner.store.read_conn().await?;
        if coffer_store::seals_pending(&mut conn).await? {
            return Ok(Vec::new());
        }
        let mut found: Vec<String> = self
            .register_problem(&mut conn, &keys)
            .await?
            .into_iter()
            .collect();
        for unit in coffer_store::tampered_units(&mut conn, keys.row_seals.as_ref()).await? {
            found.push(format!("{unit} was changed outside Coffer"));
        }
        Ok(found)
    }
}
