//! Re-keying the store: a new root key, so that an old copy of the file together with the
//! master password of its day no longer opens today's data (security.md §1.6).
//!
//! A password change re-wraps the root key only. Whoever kept a copy of the file (a backup,
//! a sync folder, a stolen laptop) and learns the old password still holds the root key,
//! and with it every key below it, including those that protect today's file. A re-key
//! replaces the root key and everything that depends on it, in one transaction:
//!
//! - every KMS key gets fresh material (a new material version, current from now on) and
//!   every secret version is re-encrypted under it with a fresh data key; the older
//!   material versions stay, re-wrapped, but no value in the file is sealed under them;
//! - access-key secrets and rotation-function environments are re-encrypted;
//! - the audit chain, first checked under the old key, is re-MAC'd under the new one (the
//!   keyed hashes inside older events stay as they were: their values are not kept);
//! - every protected row is re-sealed, the register counting on from where it was;
//! - the root key is wrapped under the same master password (a fresh salt), and the
//!   store's root generation goes up by one.
//!
//! A store with integrity findings is not re-keyed: re-MACing and re-sealing it would make
//! an edit made outside Coffer look like Coffer's own. Concurrency: the re-key holds the
//! writer lock from its first read to the moment its keys are installed, and readers check
//! that their snapshot and their keys belong to the same root generation (see
//! `Engine::keys_match`), so no one reads the new rows with the old keys or the reverse.

use std::collections::HashMap;
use std::sync::Arc;

use coffer_crypto::{KeyMaterial, Password, ValueContext};
use coffer_store::MaterialRow;

use crate::audit;
use crate::error::{Error, ErrorCode, Result};
use crate::keyring::{self, Keyring};
use crate::{Engine, Op, OpConn, RequestContext};

/// What a re-key rewrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RekeyReport {
    /// KMS keys given fresh material.
    pub keys: usize,
    /// Secret versions re-encrypted.
    pub versions: usize,
    /// Access keys whose secret was re-encrypted.
    pub access_keys: usize,
    /// Rotation functions whose environment was re-encrypted.
    pub functions: usize,
    /// Audit events re-MAC'd.
    pub audit_events: usize,
}

impl Engine {
    /// Re-keys the store (see the module comment). `password` is the current master
    /// password: it must open the store as it is, and the new root key is wrapped under it.
    pub async fn rekey(&self, ctx: &RequestContext, password: &Password) -> Result<RekeyReport> {
        // Argon2 runs twice (the password's check, the new wrap) before the writer lock.
        let before = self.load_meta().await?;
        let prepared = {
            let store_id = self.inner.store_id.clone();
            let pw = password.clone();
            let (header, wrapped) = (before.kdf_header.clone(), before.wrapped_root_key.clone());
            tokio::task::spawn_blocking(move || {
                coffer_crypto::open_root(&pw, &header, &wrapped, &store_id)
                    .map_err(keyring::unseal_error)?;
                let params = coffer_crypto::KdfHeader::decode(&header)
                    .map_err(keyring::unseal_error)?
                    .params;
                coffer_crypto::create_root(&pw, params, &store_id).map_err(Error::internal)
            })
            .await
            .map_err(Error::internal)?
        };
        let mut op = self.begin(ctx, "RekeyStore").await?;
        let prepared = async {
            self.authorize(&mut op, None).await?;
            let (root, kdf_header, wrapped) = prepared?;
            let meta = crate::meta_unchanged(&mut op, &before).await?;
            self.refuse_if_findings().await?;
            let new = Arc::new(Keyring::new(root, meta.root_generation + 1));
            let (report, head, register) = self.rekey_rows(&mut op, &new).await?;
            coffer_store::replace_root(op.tx.conn(), &kdf_header, &wrapped, new.root_generation)
                .await?;
            Ok((new, report, head, register))
        }
        .await;
        let (new, report, head, register) = match prepared {
            Ok(v) => v,
            Err(e) => return self.finish(op, Err(e)).await,
        };
        op.event.detail("keys", report.keys);
        op.event.detail("versions", report.versions);
        op.event.detail("accessKeys", report.access_keys);
        op.event.detail("functions", report.functions);
        op.event.detail("auditEvents", report.audit_events);
        op.event.detail("rootGeneration", new.root_generation);
        // The event that records the re-key is the first of the chain under the new key.
        let draft = op.event.clone().ok();
        let OpConn::Write(mut tx) = std::mem::replace(&mut op.tx, OpConn::Cached) else {
            unreachable!("begin opens a write transaction");
        };
        let committed = async {
            let head = audit::append(tx.conn(), &new, op.ctx, op.now, draft, Some(head)).await?;
            self.stage_rekeyed_anchor(&new, &head, register).await?;
            let writer = tx.commit_keeping_lock().await?;
            Ok::<_, Error>((head, writer))
        }
        .await;
        let (head, writer) = match committed {
            Ok(v) => v,
            // Rolled back: the old keys and the old chain stand; the failure is audited
            // under them (the operation's connection is gone, so as a read's event is).
            Err(e) => return self.finish(op, Err(e)).await,
        };
        // Installed before anyone else may write or read the new rows.
        self.set_keyring(Some(new));
        self.inner.identity_cache.clear();
        self.inner.read_cache.clear();
        let head_seq = head.0;
        *self.inner.audit_head.lock().expect("audit head lock") = Some(head);
        drop(writer);
        self.promote_rekeyed_anchor(head_seq).await?;
        // The old wrap (which the password and the old root open) must not linger in the WAL.
        for _ in 0..3 {
            if self.inner.store.truncate_wal().await? {
                break;
            }
        }
        Ok(report)
    }

    /// Refuses a re-key while `coffer audit verify` has findings (see the module comment).
    async fn refuse_if_findings(&self) -> Result<()> {
        let chain = self.walk_audit_chain().await?;
        let rows = self.seal_findings().await?;
        if chain.problem.is_none() && rows.is_empty() {
            return Ok(());
        }
        let what = chain
            .problem
            .into_iter()
            .chain(rows)
            .collect::<Vec<_>>()
            .join("; ");
        Err(Error::invalid_request(format!(
            "The store was not re-keyed: its integrity check has findings ({what}). Re-keying would seal them as if Coffer had made them. Restore the store from a backup, or run `coffer audit verify` for details."
        )))
    }

    /// Rewrites every row that depends on the root key (see the module comment), in `op`.
    /// Returns what was rewritten, the audit chain's head under the new key and the seal
    /// register's new counter.
    async fn rekey_rows(
        &self,
        op: &mut Op<'_>,
        new: &Keyring,
    ) -> Result<(RekeyReport, (i64, Vec<u8>), i64)> {
        let old = op.keys.clone();
        let c = op.tx.conn();
        let corrupt = |what: &str| {
            Error::new(
                ErrorCode::StoreCorrupt,
                format!("The store was not re-keyed: {what} does not decrypt."),
            )
        };
        let mut report = RekeyReport::default();

        // KMS keys: every material re-wrapped, and a fresh one made current.
        let mut materials: HashMap<(String, i64), KeyMaterial> = HashMap::new();
        let mut fresh: HashMap<String, (i64, KeyMaterial)> = HashMap::new();
        for key_id in coffer_store::all_key_ids(c).await? {
            let rows = coffer_store::materials_of(c, &key_id).await?;
            let mut next = 1;
            for m in rows {
                let v = u32::try_from(m.material_version).map_err(|_| corrupt("a key"))?;
                let material = old
                    .root()
                    .unwrap_key_material(&m.wrapped_material, &key_id, v)
                    .map_err(|_| corrupt(&format!("KMS key {key_id}")))?;
                let wrapped = new.root().wrap_key_material(&material, &key_id, v);
                coffer_store::set_material_wrap(c, &key_id, m.material_version, &wrapped).await?;
                next = next.max(m.material_version + 1);
                materials.insert((key_id.clone(), m.material_version), material);
            }
            let material = KeyMaterial::generate();
            let v = u32::try_from(next).map_err(|_| corrupt("a key"))?;
            coffer_store::insert_material(
                c,
                &MaterialRow {
                    key_id: key_id.clone(),
                    material_version: next,
                    wrapped_material: new.root().wrap_key_material(&material, &key_id, v),
                    wrap_count: 0,
                    created_at: op.now,
                },
            )
            .await?;
            let mut row = coffer_store::find_key(c, &key_id)
                .await?
                .ok_or_else(|| corrupt("a key"))?;
            row.current_material = next;
            row.rotated_at = Some(op.now);
            coffer_store::update_key(c, &row).await?;
            fresh.insert(key_id, (next, material));
            report.keys += 1;
        }

        // Every version with a value: opened, and sealed again under its key's fresh
        // material with a fresh data key.
        let mut wraps: HashMap<String, i64> = HashMap::new();
        for (secret_id, arn) in coffer_store::secret_arns(c).await? {
            for mut v in coffer_store::list_versions(c, secret_id).await? {
                let (Some(key_id), Some(version), Some(dek), Some(ciphertext)) = (
                    v.key_id.clone(),
                    v.material_version,
                    v.wrapped_dek.as_deref(),
                    v.ciphertext.as_deref(),
                ) else {
                    continue;
                };
                let what = || corrupt(&format!("version {} of {arn}", v.version_id));
                let material = materials.get(&(key_id.clone(), version)).ok_or_else(what)?;
                let opened = material
                    .open_value(
                        &ValueContext {
                            secret_arn: &arn,
                            version_id: &v.version_id,
                            key_id: &key_id,
                            material_version: u32::try_from(version).map_err(|_| what())?,
                        },
                        dek,
                        ciphertext,
                    )
                    .map_err(|_| what())?;
                let (next, material) = fresh.get(&key_id).ok_or_else(what)?;
                let sealed = material
                    .seal_value(
                        &ValueContext {
                            secret_arn: &arn,
                            version_id: &v.version_id,
                            key_id: &key_id,
                            material_version: u32::try_from(*next).map_err(|_| what())?,
                        },
                        &opened,
                    )
                    .map_err(Error::internal)?;
                v.material_version = Some(*next);
                v.wrapped_dek = Some(sealed.wrapped_dek);
                v.ciphertext = Some(sealed.ciphertext);
                coffer_store::update_version_value(c, &v).await?;
                *wraps.entry(key_id).or_default() += 1;
                report.versions += 1;
            }
        }
        for (key_id, count) in wraps {
            let (next, _) = &fresh[&key_id];
            coffer_store::set_wrap_count(c, &key_id, *next, count).await?;
        }

        // Access-key secrets.
        let (old_wrap, new_wrap) = (
            old.root().access_key_wrapping_key(),
            new.root().access_key_wrapping_key(),
        );
        for (id, sealed) in coffer_store::sealed_access_keys(c).await? {
            let secret = old_wrap
                .decrypt(&id, &sealed)
                .map_err(|_| corrupt(&format!("access key {id}")))?;
            let resealed = new_wrap.encrypt(&id, &secret).map_err(Error::internal)?;
            coffer_store::set_access_key_secret(c, &id, &resealed).await?;
            report.access_keys += 1;
        }

        // Rotation-function environments.
        for f in coffer_store::all_lambda_functions(c).await? {
            let env = crate::rotation::functions::open_environment(&old, &f)?;
            let sealed = crate::rotation::functions::seal_environment(new, &f.arn, &env)?;
            coffer_store::set_function_environment(c, &f.arn, &sealed).await?;
            report.functions += 1;
        }

        // The audit chain, re-linked and re-MAC'd under the new key (it was verified under
        // the old one just before, and the writer lock has been held since).
        let mut prev = vec![0u8; 32];
        let mut head = (0, prev.clone());
        loop {
            let batch = coffer_store::audit_chain_batch(c, head.0, 1000).await?;
            if batch.is_empty() {
                break;
            }
            for mut row in batch {
                row.prev_mac = prev;
                row.mac = new.audit_mac.mac(&audit::canonical(&row)).to_vec();
                coffer_store::set_audit_mac(c, row.seq, &row.prev_mac, &row.mac).await?;
                prev = row.mac.clone();
                head = (row.seq, row.mac);
                report.audit_events += 1;
            }
        }

        // Every protected row sealed under the new key, the register counting on.
        let counter = coffer_store::current_register(c, old.row_seals.as_ref())
            .await?
            .map_or(0, |r| r.counter);
        coffer_store::seal_all(c, new.row_seals.as_ref(), counter + 1).await?;
        Ok((report, head, counter + 1))
    }
}
