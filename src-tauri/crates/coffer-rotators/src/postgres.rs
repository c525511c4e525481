//! PostgreSQL: logins, and password changes sent as SCRAM-SHA-256 verifiers.
//!
//! The new password never reaches the server in plaintext: `ALTER ROLE … PASSWORD` carries
//! the verifier from [`crate::scram`], which the server stores as is, so statement logs,
//! `pg_stat_activity` and proxies see only the salted keys.

use async_trait::async_trait;
use coffer_engine::rotation::RotationFailure;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{AssertSqlSafe, Connection};

use crate::database::{
    CONNECT_TIMEOUT, Credentials, Dialect, TlsMode, check_password_text, kind, quote_literal,
};
use crate::scram;

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Postgres;

fn ssl_mode(t: TlsMode) -> PgSslMode {
    match t {
        TlsMode::Disable => PgSslMode::Disable,
        TlsMode::Prefer => PgSslMode::Prefer,
        TlsMode::Require => PgSslMode::Require,
        TlsMode::VerifyCa => PgSslMode::VerifyCa,
        TlsMode::VerifyFull => PgSslMode::VerifyFull,
    }
}

fn options(c: &Credentials) -> PgConnectOptions {
    let o = PgConnectOptions::new_without_pgpass()
        .host(&c.host)
        .port(c.port)
        .username(&c.username)
        .password(&c.password)
        .database(c.dbname.as_deref().unwrap_or("postgres"))
        .ssl_mode(ssl_mode(c.tls))
        .application_name("coffer-rotator");
    match &c.root_cert {
        Some(path) => o.ssl_root_cert(path.as_str()),
        None => o,
    }
}

/// Maps a driver error to a rotation failure. When `statement_has_secret` the server's text
/// is left out (it could echo the statement), keeping only the SQLSTATE.
fn failure(e: sqlx::Error, what: &str, statement_has_secret: bool) -> RotationFailure {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let (k, rejected) = match code.as_str() {
                "28P01" | "28000" => (kind::AUTHENTICATION_FAILED, false),
                "42501" => (kind::PERMISSION_DENIED, false),
                "3D000" => (kind::INVALID_SECRET, false),
                // passwordcheck and similar hooks refuse a password with invalid_parameter_value.
                "22023" if statement_has_secret => (kind::DATABASE_ERROR, true),
                _ => (kind::DATABASE_ERROR, false),
            };
            let message = if statement_has_secret {
                format!("{what}: the server refused the statement (SQLSTATE {code}).")
            } else {
                format!("{what}: {} (SQLSTATE {code}).", db.message())
            };
            RotationFailure {
                kind: k.to_owned(),
                message,
                password_rejected: rejected,
            }
        }
        e @ (sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut) => {
            RotationFailure::new(kind::TARGET_UNREACHABLE, format!("{what}: {e}"))
        }
        e if statement_has_secret => RotationFailure::new(
            kind::DATABASE_ERROR,
            format!("{what}: the statement failed ({}).", error_kind(&e)),
        ),
        e => RotationFailure::new(kind::DATABASE_ERROR, format!("{what}: {e}")),
    }
}

fn error_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Protocol(_) => "protocol error",
        sqlx::Error::Configuration(_) => "configuration error",
        _ => "driver error",
    }
}

async fn connect(c: &Credentials) -> Result<PgConnection, RotationFailure> {
    let what = format!(
        "Connecting to PostgreSQL at {}:{} as {}",
        c.host, c.port, c.username
    );
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options(c))).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(failure(e, &what, false)),
        Err(_) => Err(RotationFailure::new(
            kind::TARGET_UNREACHABLE,
            format!("{what}: no answer within {} s.", CONNECT_TIMEOUT.as_secs()),
        )),
    }
}

/// Quotes an identifier (`"` doubled), refusing NUL which no identifier may contain.
fn quote_ident(name: &str) -> Result<String, RotationFailure> {
    if name.is_empty() || name.contains('\0') {
        return Err(RotationFailure::new(
            kind::INVALID_SECRET,
            "The user name is empty or contains NUL.",
        ));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

async fn execute_secret_statement(
    conn: &mut PgConnection,
    sql: String,
    what: &str,
) -> Result<(), RotationFailure> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| failure(e, what, true))
}

#[async_trait]
impl Dialect for Postgres {
    fn engine_names(&self) -> &'static [&'static str] {
        &["postgres", "postgresql"]
    }

    fn default_port(&self) -> u16 {
        5432
    }

    async fn login(&self, c: &Credentials) -> Result<(), RotationFailure> {
        let mut conn = connect(c).await?;
        sqlx::raw_sql("SELECT 1")
            .execute(&mut conn)
            .await
            .map_err(|e| failure(e, "SELECT 1", false))?;
        let _ = conn.close().await;
        Ok(())
    }

    async fn set_own_password(
        &self,
        login: &Credentials,
        new_password: &str,
    ) -> Result<(), RotationFailure> {
        check_password_text(new_password)?;
        let role = quote_ident(&login.username)?;
        let mut conn = connect(login).await?;
        let sql = format!(
            "ALTER ROLE {role} WITH PASSWORD {}",
            quote_literal(&scram::verifier(new_password))
        );
        execute_secret_statement(
            &mut conn,
            sql,
            &format!("Changing the password of {}", login.username),
        )
        .await?;
        let _ = conn.close().await;
        Ok(())
    }

    async fn set_user_password(
        &self,
        admin: &Credentials,
        user: &str,
        template: &str,
        new_password: &str,
    ) -> Result<(), RotationFailure> {
        check_password_text(new_password)?;
        let role = quote_ident(user)?;
        let template_role = quote_ident(template)?;
        let mut conn = connect(admin).await?;
        let exists = sqlx::query("SELECT 1 FROM pg_roles WHERE rolname = $1")
            .bind(user)
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| failure(e, "Looking up the role", false))?
            .is_some();
        let verifier = quote_literal(&scram::verifier(new_password));
        if exists {
            execute_secret_statement(
                &mut conn,
                format!("ALTER ROLE {role} WITH PASSWORD {verifier}"),
                &format!("Changing the password of {user}"),
            )
            .await?;
        } else {
            execute_secret_statement(
                &mut conn,
                format!("CREATE ROLE {role} WITH LOGIN PASSWORD {verifier}"),
                &format!("Creating the role {user}"),
            )
            .await?;
            sqlx::raw_sql(AssertSqlSafe(format!("GRANT {template_role} TO {role}")))
                .execute(&mut conn)
                .await
                .map_err(|e| {
                    failure(
                        e,
                        &format!("Granting {template}'s privileges to {user}"),
                        false,
                    )
                })?;
        }
        let _ = conn.close().await;
        Ok(())
    }
}
