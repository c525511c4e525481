//! The four rotation steps for database credentials, shared by PostgreSQL and MariaDB/MySQL.
//!
//! This is AWS's rotation-Lambda template (`SecretsManagerRDS*RotationSingleUser` /
//! `…MultiUser`) in Rust: the rotator talks to Coffer only through the public secret
//! operations a Lambda calls (GetSecretValue, GetRandomPassword, PutSecretValue with the
//! token under AWSPENDING, DescribeSecret, UpdateSecretVersionStage), and to the database
//! through a [`Dialect`]. Every step is idempotent per token, so a step can be rerun after a
//! crash or failure. Failures carry a kind and a message that never contain a password.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use coffer_engine::password::PasswordRules;
use coffer_engine::rotation::{RotationEvent, RotationFailure, RotationStep, Rotator};
use coffer_engine::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, ErrorCode, GetSecretValueInput, PutSecretValueInput,
    SecretValue,
};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// How long a connection attempt may take before the target counts as unreachable.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Characters left out of generated database passwords: they break connection URLs and
/// shell/SQL quoting in the applications that use them (AWS's templates exclude the same).
pub const EXCLUDED_CHARACTERS: &str = ":/@\"'\\`";

/// The suffix of the alternate user in the multi-user strategy (AWS's name).
pub const CLONE_SUFFIX: &str = "_clone";

/// Failure kinds the database rotators report.
pub mod kind {
    /// The server could not be reached (refused, timed out, TLS failed).
    pub const TARGET_UNREACHABLE: &str = "TargetUnreachable";
    /// The server refused the user name and password.
    pub const AUTHENTICATION_FAILED: &str = "AuthenticationFailed";
    /// The secret's JSON is not a usable database secret.
    pub const INVALID_SECRET: &str = "InvalidSecret";
    /// The login works but lacks a privilege the step needs.
    pub const PERMISSION_DENIED: &str = "PermissionDenied";
    /// The server refused the statement for another reason.
    pub const DATABASE_ERROR: &str = "DatabaseError";
    /// A Secrets Manager call made by the rotator failed.
    pub const SECRET_ACCESS: &str = "SecretAccessFailed";
}

/// TLS to the database, from the secret's `ssl` / `sslmode` members.
///
/// The default is [`TlsMode::VerifyFull`]: a rotation sends a new password (and, for the
/// alternating-users strategy, logs in as the admin), so a network attacker who could strip
/// or intercept TLS would learn them. Anything weaker is the secret's explicit choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Never TLS (`"ssl": false` or `"sslmode": "disable"`).
    Disable,
    /// TLS if the server offers it, else plaintext: an attacker can strip it. Only when
    /// the secret asks (`"sslmode": "prefer"`).
    Prefer,
    /// TLS or fail, without checking the certificate.
    Require,
    /// TLS with the certificate checked against the trusted roots.
    VerifyCa,
    /// As `VerifyCa`, and the host name must match: the default, and `"ssl": true` (AWS's
    /// templates connect with `sslmode=verify-full` when a secret asks for TLS).
    VerifyFull,
}

/// A database login taken from a secret. The password is wiped on drop and never printed.
#[derive(Clone)]
pub struct Credentials {
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// User (role) name.
    pub username: String,
    /// The password.
    pub password: Zeroizing<String>,
    /// Database to connect to (`dbname`).
    pub dbname: Option<String>,
    /// TLS requirement.
    pub tls: TlsMode,
    /// A CA certificate file (PEM) to trust besides the system's (`sslrootcert`), for a
    /// server whose certificate a private CA signed.
    pub root_cert: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("dbname", &self.dbname)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// One version of a database secret: its JSON members (kept whole, so a rotation changes
/// only `password` and, for multi-user, `username`) and the login they describe.
pub(crate) struct DbSecret {
    fields: Map<String, Value>,
    creds: Credentials,
}

fn invalid(message: impl Into<String>) -> RotationFailure {
    RotationFailure::new(kind::INVALID_SECRET, message)
}

fn tls_from(fields: &Map<String, Value>) -> Result<TlsMode, RotationFailure> {
    if let Some(mode) = fields.get("sslmode").or_else(|| fields.get("ssl_mode")) {
        let s = mode
            .as_str()
            .ok_or_else(|| invalid("The secret's sslmode must be a string."))?;
        return match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "disable" | "disabled" => Ok(TlsMode::Disable),
            "allow" | "prefer" | "preferred" => Ok(TlsMode::Prefer),
            "require" | "required" => Ok(TlsMode::Require),
            "verify-ca" => Ok(TlsMode::VerifyCa),
            "verify-full" | "verify-identity" => Ok(TlsMode::VerifyFull),
            other => Err(invalid(format!(
                "The secret's sslmode '{other}' is not one of disable, prefer, require, verify-ca, verify-full."
            ))),
        };
    }
    match fields.get("ssl") {
        None | Some(Value::Null) => Ok(TlsMode::VerifyFull),
        Some(Value::Bool(true)) => Ok(TlsMode::VerifyFull),
        Some(Value::Bool(false)) => Ok(TlsMode::Disable),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(TlsMode::VerifyFull),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(TlsMode::Disable),
        Some(_) => Err(invalid("The secret's ssl member must be true or false.")),
    }
}

impl DbSecret {
    /// Parses AWS's database secret JSON for `dialect`.
    pub(crate) fn parse(text: &str, dialect: &dyn Dialect) -> Result<DbSecret, RotationFailure> {
        let fields: Map<String, Value> = serde_json::from_str(text).map_err(|_| {
            invalid("The secret value is not a JSON object with host, username and password.")
        })?;
        if let Some(engine) = fields.get("engine") {
            let e = engine.as_str().unwrap_or_default();
            if !dialect.engine_names().contains(&e) {
                return Err(invalid(format!(
                    "The secret's engine must be one of {:?} for this rotator.",
                    dialect.engine_names()
                )));
            }
        }
        let text_field = |name: &str| -> Result<String, RotationFailure> {
            match fields.get(name) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                _ => Err(invalid(format!("The secret has no {name} member."))),
            }
        };
        let host = text_field("host")?;
        let username = text_field("username")?;
        let password = Zeroizing::new(text_field("password")?);
        let port = match fields.get("port") {
            None | Some(Value::Null) => dialect.default_port(),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| invalid("The secret's port is not a port number."))?,
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| invalid("The secret's port is not a port number."))?,
            Some(_) => return Err(invalid("The secret's port is not a port number.")),
        };
        let dbname = match fields.get("dbname") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let tls = tls_from(&fields)?;
        let root_cert = match fields.get("sslrootcert").or_else(|| fields.get("ssl_ca")) {
            None | Some(Value::Null) => None,
            Some(Value::String(path)) if !path.is_empty() => Some(path.clone()),
            Some(_) => return Err(invalid("The secret's sslrootcert must be a file path.")),
        };
        Ok(DbSecret {
            creds: Credentials {
                host,
                port,
                username,
                password,
                dbname,
                tls,
                root_cert,
            },
            fields,
        })
    }

    /// The `masterarn` member (multi-user).
    fn master_arn(&self) -> Result<String, RotationFailure> {
        match self.fields.get("masterarn") {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(invalid(
                "The secret has no masterarn member naming the admin user's secret (needed by the multi-user rotator).",
            )),
        }
    }
}

/// The other user of the multi-user pair `base` / `base_clone` that `current` is one of, or
/// `None` when `current` is neither. The pair comes from the secret's first version, so a
/// writer cannot steer the rotator to another user by putting a `…_clone` name of it (say
/// `postgres_clone`, whose alternate would be `postgres`) in a later version.
pub fn partner_username(base: &str, current: &str) -> Option<String> {
    let clone = format!("{base}{CLONE_SUFFIX}");
    if current == base {
        Some(clone)
    } else if current == clone {
        Some(base.to_owned())
    } else {
        None
    }
}

/// What a database engine must do for the rotation steps.
#[async_trait]
pub(crate) trait Dialect: Send + Sync + 'static {
    /// Accepted values of the secret's `engine` member.
    fn engine_names(&self) -> &'static [&'static str];
    /// The port when the secret has none.
    fn default_port(&self) -> u16;
    /// Connects with `c` and runs `SELECT 1`.
    async fn login(&self, c: &Credentials) -> Result<(), RotationFailure>;
    /// Connects as `login` and changes that user's own password to `new_password`.
    async fn set_own_password(
        &self,
        login: &Credentials,
        new_password: &str,
    ) -> Result<(), RotationFailure>;
    /// Connects as the admin, creates `user` with the privileges of `template` if it does
    /// not exist, and sets its password.
    async fn set_user_password(
        &self,
        admin: &Credentials,
        user: &str,
        template: &str,
        new_password: &str,
    ) -> Result<(), RotationFailure>;
}

/// Single-user (change the user's own password) or multi-user (alternate between the user
/// and its `_clone`, changed by the admin user named by `masterarn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// AWS's single-user rotation.
    SingleUser,
    /// AWS's alternating-users rotation.
    MultiUser,
}

/// A database rotator: a dialect and a strategy.
pub struct DatabaseRotator {
    dialect: Arc<dyn Dialect>,
    strategy: Strategy,
    rules: PasswordRules,
}

impl fmt::Debug for DatabaseRotator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseRotator")
            .field("engines", &self.dialect.engine_names())
            .field("strategy", &self.strategy)
            .finish_non_exhaustive()
    }
}

impl DatabaseRotator {
    pub(crate) fn new(dialect: Arc<dyn Dialect>, strategy: Strategy) -> DatabaseRotator {
        DatabaseRotator {
            dialect,
            strategy,
            rules: PasswordRules {
                exclude_characters: EXCLUDED_CHARACTERS.to_owned(),
                ..PasswordRules::default()
            },
        }
    }

    /// Uses `rules` for new passwords (the unsafe characters stay excluded).
    pub fn with_password_rules(mut self, mut rules: PasswordRules) -> DatabaseRotator {
        rules.exclude_characters.push_str(EXCLUDED_CHARACTERS);
        self.rules = rules;
        self
    }

    /// Reads one version of a secret; `None` when it (or its value) does not exist.
    async fn read(
        &self,
        event: &RotationEvent,
        secret_id: &str,
        stage: &str,
        version_id: Option<&str>,
    ) -> Result<Option<DbSecret>, RotationFailure> {
        let out = event
            .engine
            .get_secret_value(
                &event.ctx,
                GetSecretValueInput {
                    secret_id: secret_id.to_owned(),
                    version_id: version_id.map(str::to_owned),
                    // By version id alone: the token's version is the pending one even after
                    // the engine has moved AWSPENDING off it at the end of a rotation, and
                    // asking for a version that lacks the label is an error, not "absent".
                    version_stage: version_id.is_none().then(|| stage.to_owned()),
                },
            )
            .await;
        match out {
            Ok(out) => {
                let text = out.value.as_str().ok_or_else(|| {
                    invalid(format!(
                        "The {stage} version of {secret_id} is binary, not a JSON database secret."
                    ))
                })?;
                DbSecret::parse(text, self.dialect.as_ref()).map(Some)
            }
            Err(e) if e.code() == ErrorCode::ResourceNotFound => Ok(None),
            Err(e) => Err(RotationFailure::new(
                kind::SECRET_ACCESS,
                format!("Reading the {stage} version of {secret_id} failed: {e}"),
            )),
        }
    }

    async fn required(
        &self,
        event: &RotationEvent,
        secret_id: &str,
        stage: &str,
        version_id: Option<&str>,
    ) -> Result<DbSecret, RotationFailure> {
        self.read(event, secret_id, stage, version_id)
            .await?
            .ok_or_else(|| {
                invalid(format!(
                    "{secret_id} has no {stage} version{} with a value.",
                    version_id.map(|v| format!(" {v}")).unwrap_or_default()
                ))
            })
    }

    async fn pending(&self, event: &RotationEvent) -> Result<DbSecret, RotationFailure> {
        self.required(
            event,
            &event.secret_id,
            AWSPENDING,
            Some(&event.client_request_token),
        )
        .await
    }

    /// The multi-user pair's base user: the user of the secret's first version.
    async fn base_username(&self, event: &RotationEvent) -> Result<String, RotationFailure> {
        let first = event.first_version_id.as_deref().ok_or_else(|| {
            invalid(format!(
                "{} has no version with a value to take the pair of users from.",
                event.secret_id
            ))
        })?;
        let secret = self
            .required(event, &event.secret_id, "first", Some(first))
            .await?;
        Ok(secret.creds.username)
    }

    /// The user the AWSPENDING version must name for a multi-user rotation from `current`.
    async fn partner(
        &self,
        event: &RotationEvent,
        current: &Credentials,
    ) -> Result<(String, String), RotationFailure> {
        let base = self.base_username(event).await?;
        let partner = partner_username(&base, &current.username).ok_or_else(|| {
            invalid(format!(
                "The AWSCURRENT user {} is neither {base} nor {base}{CLONE_SUFFIX}, the pair of users the secret's first version names; the rotator changes only those.",
                current.username
            ))
        })?;
        Ok((base, partner))
    }

    async fn create_secret(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let current = self
            .required(event, &event.secret_id, AWSCURRENT, None)
            .await?;
        if self
            .read(
                event,
                &event.secret_id,
                AWSPENDING,
                Some(&event.client_request_token),
            )
            .await?
            .is_some()
        {
            return Ok(());
        }
        let password = event
            .engine
            .get_random_password(&event.ctx, self.rules.clone())
            .await?;
        let password = password
            .expose_str()
            .map_err(|_| {
                RotationFailure::new(
                    kind::SECRET_ACCESS,
                    "GetRandomPassword returned non-UTF-8 text.",
                )
            })?
            .to_owned();
        let mut fields = current.fields.clone();
        fields.insert("password".into(), Value::String(password));
        if self.strategy == Strategy::MultiUser {
            let (_, partner) = self.partner(event, &current.creds).await?;
            fields.insert("username".into(), Value::String(partner));
        }
        let text = Zeroizing::new(serde_json::to_string(&fields).expect("a JSON map serialises"));
        drop(fields);
        event
            .engine
            .put_secret_value(
                &event.ctx,
                PutSecretValueInput {
                    secret_id: event.secret_id.clone(),
                    client_request_token: Some(event.client_request_token.clone()),
                    value: Some(SecretValue::string(text.as_str())),
                    version_stages: Some(vec![AWSPENDING.to_owned()]),
                    rotation_token: None,
                },
            )
            .await?;
        Ok(())
    }

    /// Tries a login; `Ok(false)` when the server refused the credentials, an error when
    /// it could not be asked.
    async fn works(&self, c: &Credentials) -> Result<bool, RotationFailure> {
        match self.dialect.login(c).await {
            Ok(()) => Ok(true),
            Err(f) if f.kind == kind::AUTHENTICATION_FAILED => Ok(false),
            Err(f) => Err(f),
        }
    }

    async fn set_secret(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let pending = self.pending(event).await?;
        if self.works(&pending.creds).await? {
            return Ok(());
        }
        let current = self
            .required(event, &event.secret_id, AWSCURRENT, None)
            .await?;
        if (current.creds.host.as_str(), current.creds.port)
            != (pending.creds.host.as_str(), pending.creds.port)
        {
            return Err(invalid(
                "The AWSPENDING secret names a different host or port than AWSCURRENT.",
            ));
        }
        match self.strategy {
            Strategy::SingleUser => {
                if current.creds.username != pending.creds.username {
                    return Err(invalid(
                        "The AWSPENDING secret names a different user than AWSCURRENT.",
                    ));
                }
                let login = if self.works(&current.creds).await? {
                    current.creds
                } else {
                    let previous = self
                        .read(event, &event.secret_id, AWSPREVIOUS, None)
                        .await?
                        .filter(|p| p.creds.username == pending.creds.username);
                    match previous {
                        Some(p) if self.works(&p.creds).await? => p.creds,
                        _ => {
                            return Err(RotationFailure::new(
                                kind::AUTHENTICATION_FAILED,
                                format!(
                                    "Unable to log into the database as {} with the previous, current, or pending secret of {}.",
                                    pending.creds.username, event.secret_id
                                ),
                            ));
                        }
                    }
                };
                self.dialect
                    .set_own_password(&login, &pending.creds.password)
                    .await
            }
            Strategy::MultiUser => {
                let (base, partner) = self.partner(event, &current.creds).await?;
                if partner != pending.creds.username {
                    return Err(invalid(format!(
                        "The AWSPENDING user must be {partner} (the other user of the AWSCURRENT user's pair)."
                    )));
                }
                if !self.works(&current.creds).await? {
                    return Err(RotationFailure::new(
                        kind::AUTHENTICATION_FAILED,
                        format!(
                            "The AWSCURRENT credential of {} does not work ({}); fix it before rotating.",
                            event.secret_id, current.creds.username
                        ),
                    ));
                }
                let master_arn = current.master_arn()?;
                // Read as the execution role: it needs GetSecretValue on the admin secret,
                // granted for this rotation, as an AWS rotation Lambda's role does.
                let admin = self.required(event, &master_arn, AWSCURRENT, None).await?;
                // AWS's template: the admin may only change users on its own server.
                if (admin.creds.host.as_str(), admin.creds.port)
                    != (current.creds.host.as_str(), current.creds.port)
                {
                    return Err(invalid(format!(
                        "The admin secret {master_arn} is for {}:{}, not {}:{} where the rotated users live; the admin may only change users on its own server.",
                        admin.creds.host, admin.creds.port, current.creds.host, current.creds.port
                    )));
                }
                self.dialect
                    .login(&admin.creds)
                    .await
                    .map_err(|f| RotationFailure {
                        message: format!(
                            "The admin user of {master_arn} ({}) cannot log in: {}",
                            admin.creds.username, f.message
                        ),
                        ..f
                    })?;
                self.dialect
                    .set_user_password(
                        &admin.creds,
                        &pending.creds.username,
                        &base,
                        &pending.creds.password,
                    )
                    .await
            }
        }
    }

    async fn test_secret(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let pending = self.pending(event).await?;
        self.dialect
            .login(&pending.creds)
            .await
            .map_err(|f| RotationFailure {
                message: format!("The AWSPENDING credential does not work: {}", f.message),
                ..f
            })
    }
}

#[async_trait]
impl Rotator for DatabaseRotator {
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        match event.step {
            RotationStep::CreateSecret => self.create_secret(event).await,
            RotationStep::SetSecret => self.set_secret(event).await,
            RotationStep::TestSecret => self.test_secret(event).await,
            RotationStep::FinishSecret => crate::finish_secret(event).await,
        }
    }
}

/// Refuses a password the SQL quoting of the dialects does not handle (Coffer's generated
/// passwords are printable ASCII without quotes or backslashes, so this only stops a
/// hand-edited pending secret).
pub(crate) fn check_password_text(password: &str) -> Result<(), RotationFailure> {
    if password.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !password.contains(['\\', '\''])
    {
        Ok(())
    } else {
        Err(invalid(
            "The AWSPENDING password must be printable ASCII without quotes or backslashes.",
        ))
    }
}

/// Quotes a SQL string literal (`'` doubled). Callers have refused backslashes first.
pub(crate) fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners() {
        assert_eq!(partner_username("app", "app").as_deref(), Some("app_clone"));
        assert_eq!(partner_username("app", "app_clone").as_deref(), Some("app"));
        // A later version cannot steer the rotator to another user.
        assert_eq!(partner_username("app", "postgres_clone"), None);
        assert_eq!(partner_username("app", "app_clone_clone"), None);
        // The base itself may end in _clone: its partner is base_clone, never the stem.
        assert_eq!(
            partner_username("postgres_clone", "postgres_clone").as_deref(),
            Some("postgres_clone_clone")
        );
    }

    #[test]
    fn tls_members() {
        let m = |s: &str| tls_from(&serde_json::from_str(s).unwrap());
        // Verified TLS unless the secret explicitly asks for less.
        assert_eq!(m("{}").unwrap(), TlsMode::VerifyFull);
        assert_eq!(m(r#"{"ssl":null}"#).unwrap(), TlsMode::VerifyFull);
        assert_eq!(m(r#"{"ssl":true}"#).unwrap(), TlsMode::VerifyFull);
        assert_eq!(m(r#"{"ssl":"true"}"#).unwrap(), TlsMode::VerifyFull);
        assert_eq!(m(r#"{"ssl":false}"#).unwrap(), TlsMode::Disable);
        assert_eq!(m(r#"{"sslmode":"prefer"}"#).unwrap(), TlsMode::Prefer);
        assert_eq!(
            m(r#"{"sslmode":"verify-full"}"#).unwrap(),
            TlsMode::VerifyFull
        );
        assert_eq!(m(r#"{"ssl_mode":"REQUIRED"}"#).unwrap(), TlsMode::Require);
        assert!(m(r#"{"sslmode":"bogus"}"#).is_err());
    }

    #[test]
    fn password_text() {
        assert!(check_password_text("Ab1!#$%&()*+,-.;<=>?[]^_{|}~").is_ok());
        assert!(check_password_text("a'b").is_err());
        assert!(check_password_text("a\\b").is_err());
        assert!(check_password_text("é").is_err());
        assert_eq!(quote_literal("x"), "'x'");
    }

    #[test]
    fn debug_hides_password() {
        let c = Credentials {
            host: "h".into(),
            port: 1,
            username: "u".into(),
            password: Zeroizing::new("hunter2".into()),
            dbname: None,
            tls: TlsMode::Prefer,
            root_cert: None,
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
