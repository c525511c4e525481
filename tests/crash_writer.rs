//! Crash-test child (`tests/crash.rs`, security reference §4.4): does acknowledged writes
//! against an existing store until the parent kills it with SIGKILL.
//!
//! Usage: `coffer-crash-writer <store> <password> <seed> <other-password> <run-tag>`
//!
//! It unseals with `<password>`, learns the store's secrets, prints `ready`, then loops over
//! seeded random operations — create, put (AWSCURRENT or AWSPENDING), update, move
//! AWSCURRENT, scheduled delete, restore, tag, and now and then a master-password change
//! that alternates between the two passwords. Around each operation it prints, one flushed
//! line each:
//!
//! ```text
//! intent <n> <op> <args…>   before calling the engine
//! ack <n> <op> <args…>      after the call returned Ok: the change is committed
//! fail <n> <code> <message> after an error (then it exits with status 3)
//! ```
//!
//! Values travel as `S:<hex>` (string) or `B:<hex>` (binary). Each operation's request id
//! is `<run-tag>-<n>`, so the parent can match it with its audit event.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use coffer_engine::{
    CreateSecretInput, DeleteSecretInput, Engine, ListSecretsInput, Password, PutSecretValueInput,
    RequestContext, SecretValue, Source, SystemClock, Tag, UpdateSecretInput,
    UpdateSecretVersionStageInput,
};

/// Names the writer uses: a small pool, so secrets get many versions and label moves.
const NAMES: usize = 10;
/// Operations before the writer stops on its own (it is normally killed long before).
const MAX_OPS: u64 = 5_000;

/// SplitMix64: a tiny, well-distributed seeded generator (no dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len() as u64) as usize])
        }
    }
}

/// What the writer knows of one secret: its labels and whether it is scheduled for deletion.
#[derive(Default)]
struct View {
    labels: BTreeMap<String, String>,
    deleted: bool,
}

impl View {
    fn move_current(&mut self, to: &str) {
        if let Some(old) = self.labels.insert("AWSCURRENT".into(), to.into()) {
            if old != to {
                self.labels.insert("AWSPREVIOUS".into(), old);
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(v: &SecretValue) -> String {
    match v {
        SecretValue::String(b) => format!("S:{}", hex(b.expose())),
        SecretValue::Binary(b) => format!("B:{}", hex(b.expose())),
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // The parent may be gone; then there is nothing to tell.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// One operation, with everything the parent needs to apply it to its model.
enum Op {
    Create {
        name: String,
        version: String,
        value: SecretValue,
    },
    Put {
        name: String,
        version: String,
        value: SecretValue,
        stage: &'static str,
    },
    Update {
        name: String,
        version: String,
        value: SecretValue,
    },
    Stage {
        name: String,
        from: String,
        to: String,
    },
    Delete {
        name: String,
    },
    Restore {
        name: String,
    },
    Tag {
        name: String,
        key: String,
        value: String,
    },
    ChangePassword {
        to_other: bool,
    },
}

impl Op {
    fn describe(&self, passwords: &[String; 2]) -> String {
        match self {
            Op::Create {
                name,
                version,
                value,
            } => format!("create {name} {version} {}", encode(value)),
            Op::Put {
                name,
                version,
                value,
                stage,
            } => format!("put {name} {version} {} {stage}", encode(value)),
            Op::Update {
                name,
                version,
                value,
            } => format!("update {name} {version} {}", encode(value)),
            Op::Stage { name, from, to } => format!("stage {name} {from} {to}"),
            Op::Delete { name } => format!("delete {name}"),
            Op::Restore { name } => format!("restore {name}"),
            Op::Tag { name, key, value } => format!("tag {name} {key} {value}"),
            Op::ChangePassword { to_other } => {
                format!("chpw {}", passwords[usize::from(*to_other)])
            }
        }
    }
}

struct Writer {
    engine: Engine,
    rng: Rng,
    seed: u64,
    views: BTreeMap<String, View>,
    /// passwords[0] is the one the writer started with; `current_other` says which is current.
    passwords: [String; 2],
    current_other: bool,
}

impl Writer {
    fn value(&mut self, n: u64) -> SecretValue {
        if self.rng.below(4) == 0 {
            let len = 1 + self.rng.below(48) as usize;
            SecretValue::binary((0..len).map(|_| self.rng.next() as u8).collect())
        } else {
            SecretValue::string(format!("value-{n}-{:x}", self.rng.next()))
        }
    }

    fn version(&mut self, n: u64) -> String {
        format!("{:016x}{:016x}{n:08x}", self.seed, self.rng.next())
    }

    fn names(&self, deleted: bool) -> Vec<String> {
        self.views
            .iter()
            .filter(|(_, v)| v.deleted == deleted)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The next operation: valid for the writer's view of the store.
    fn choose(&mut self, n: u64) -> Op {
        let live = self.names(false);
        let deleted = self.names(true);
        let roll = self.rng.below(100);
        let create = |w: &mut Writer| {
            let unused: Vec<String> = (0..NAMES)
                .map(|i| format!("crash/s{i:02}"))
                .filter(|name| !w.views.contains_key(name))
                .collect();
            let name = w.rng.pick(&unused).cloned()?;
            Some(Op::Create {
                name,
                version: w.version(n),
                value: w.value(n),
            })
        };
        let pick_live = |w: &mut Writer| w.rng.pick(&live).cloned();
        let op = match roll {
            0..15 => create(self),
            15..40 => pick_live(self).map(|name| Op::Put {
                name,
                version: self.version(n),
                value: self.value(n),
                stage: "AWSCURRENT",
            }),
            40..50 => pick_live(self).map(|name| Op::Put {
                name,
                version: self.version(n),
                value: self.value(n),
                stage: "AWSPENDING",
            }),
            50..58 => pick_live(self).map(|name| Op::Update {
                name,
                version: self.version(n),
                value: self.value(n),
            }),
            58..70 => pick_live(self).and_then(|name| {
                let v = &self.views[&name];
                let from = v.labels.get("AWSCURRENT")?.clone();
                let to = ["AWSPENDING", "AWSPREVIOUS"]
                    .iter()
                    .filter_map(|l| v.labels.get(*l))
                    .find(|t| **t != from)?
                    .clone();
                Some(Op::Stage { name, from, to })
            }),
            70..77 => pick_live(self).map(|name| Op::Delete { name }),
            77..85 => self
                .rng
                .pick(&deleted)
                .cloned()
                .map(|name| Op::Restore { name }),
            85..97 => pick_live(self).map(|name| Op::Tag {
                name,
                key: format!("k{}", self.rng.below(5)),
                value: format!("t{:x}", self.rng.next() & 0xffff),
            }),
            _ => Some(Op::ChangePassword {
                to_other: !self.current_other,
            }),
        };
        // Fall back to a put (or a create when nothing is live) when the roll did not fit.
        op.or_else(|| {
            let name = pick_live(self)?;
            Some(Op::Put {
                name,
                version: self.version(n),
                value: self.value(n),
                stage: "AWSCURRENT",
            })
        })
        .or_else(|| create(self))
        .unwrap_or_else(|| Op::Restore {
            name: deleted[0].clone(),
        })
    }

    async fn run(&mut self, op: &Op, ctx: &RequestContext) -> coffer_engine::Result<()> {
        let e = &self.engine;
        match op {
            Op::Create {
                name,
                version,
                value,
            } => {
                e.create_secret(
                    ctx,
                    CreateSecretInput {
                        name: name.clone(),
                        client_request_token: Some(version.clone()),
                        value: Some(value.clone()),
                        ..Default::default()
                    },
                )
                .await?;
                let mut v = View::default();
                v.move_current(version);
                self.views.insert(name.clone(), v);
            }
            Op::Put {
                name,
                version,
                value,
                stage,
            } => {
                e.put_secret_value(
                    ctx,
                    PutSecretValueInput {
                        secret_id: name.clone(),
                        client_request_token: Some(version.clone()),
                        value: Some(value.clone()),
                        version_stages: Some(vec![(*stage).to_owned()]),
                        ..Default::default()
                    },
                )
                .await?;
                let v = self.views.get_mut(name).expect("known secret");
                if *stage == "AWSCURRENT" {
                    v.move_current(version);
                } else {
                    v.labels.insert((*stage).to_owned(), version.clone());
                }
            }
            Op::Update {
                name,
                version,
                value,
            } => {
                e.update_secret(
                    ctx,
                    UpdateSecretInput {
                        secret_id: name.clone(),
                        client_request_token: Some(version.clone()),
                        description: Some(format!("updated by {}", ctx.request_id)),
                        value: Some(value.clone()),
                        ..Default::default()
                    },
                )
                .await?;
                self.views
                    .get_mut(name)
                    .expect("known secret")
                    .move_current(version);
            }
            Op::Stage { name, from, to } => {
                e.update_secret_version_stage(
                    ctx,
                    UpdateSecretVersionStageInput {
                        secret_id: name.clone(),
                        version_stage: "AWSCURRENT".into(),
                        remove_from_version_id: Some(from.clone()),
                        move_to_version_id: Some(to.clone()),
                    },
                )
                .await?;
                self.views
                    .get_mut(name)
                    .expect("known secret")
                    .move_current(to);
            }
            Op::Delete { name } => {
                e.delete_secret(
                    ctx,
                    DeleteSecretInput {
                        secret_id: name.clone(),
                        recovery_window_in_days: Some(7),
                        force_delete_without_recovery: None,
                    },
                )
                .await?;
                self.views.get_mut(name).expect("known secret").deleted = true;
            }
            Op::Restore { name } => {
                e.restore_secret(ctx, name).await?;
                self.views.get_mut(name).expect("known secret").deleted = false;
            }
            Op::Tag { name, key, value } => {
                e.tag_resource(ctx, name, vec![Tag::new(key.clone(), value.clone())])
                    .await?;
            }
            Op::ChangePassword { to_other } => {
                let current =
                    Password::from(self.passwords[usize::from(self.current_other)].as_str());
                let new = Password::from(self.passwords[usize::from(*to_other)].as_str());
                e.change_password(ctx, &current, &new, None).await?;
                self.current_other = *to_other;
            }
        }
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, password, seed, other, tag] = args.as_slice() else {
        bail!("usage: coffer-crash-writer <store> <password> <seed> <other-password> <run-tag>");
    };
    let path = PathBuf::from(path);
    let seed: u64 = seed.parse().context("seed")?;
    let engine = Engine::open(&path, Arc::new(SystemClock))
        .await
        .context("open the store")?;
    if let Err(e) = engine.unseal(&Password::from(password.as_str())).await {
        say(&format!("fail start {} {}", e.code(), e.message()));
        std::process::exit(3);
    }
    let mut ctx = RequestContext::root(Source::Cli);
    ctx.request_id = format!("{tag}-startup");
    let listed = engine
        .list_secrets(
            &ctx,
            ListSecretsInput {
                include_planned_deletion: true,
                ..Default::default()
            },
        )
        .await
        .context("list secrets")?;
    let mut views = BTreeMap::new();
    for s in listed.secret_list {
        let mut v = View {
            deleted: s.deleted_date.is_some(),
            ..View::default()
        };
        for (version, labels) in s.version_ids_to_stages {
            for l in labels {
                v.labels.insert(l, version.clone());
            }
        }
        views.insert(s.name, v);
    }
    let mut w = Writer {
        engine,
        rng: Rng(seed),
        seed,
        views,
        passwords: [password.clone(), other.clone()],
        current_other: false,
    };
    say("ready");
    for n in 1..=MAX_OPS {
        let op = w.choose(n);
        let what = op.describe(&w.passwords);
        ctx.request_id = format!("{tag}-{n}");
        say(&format!("intent {n} {what}"));
        match w.run(&op, &ctx).await {
            Ok(()) => say(&format!("ack {n} {what}")),
            Err(e) => {
                say(&format!("fail {n} {} {}", e.code(), e.message()));
                std::process::exit(3);
            }
        }
    }
    w.engine.close().await;
    Ok(())
}
