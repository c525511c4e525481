//! MariaDB and MySQL: logins and password changes.
//!
//! `ALTER USER`/`SET PASSWORD` take no bind parameters, so the statements are built here with
//! the literals quoted (and passwords restricted to characters whose quoting does not depend
//! on the server's `NO_BACKSLASH_ESCAPES` mode), then passed through `AssertSqlSafe`. They go
//! over the text protocol (`raw_sql`), because not every server prepares account statements.
//! MariaDB lets a user change its own password only with `SET PASSWORD`; MySQL 5.7+ with
//! `ALTER USER USER()`.

use async_trait::async_trait;
use coffer_engine::rotation::RotationFailure;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlSslMode};
use sqlx::{AssertSqlSafe, Connection, Row};

use crate::database::{
    CONNECT_TIMEOUT, Credentials, Dialect, TlsMode, check_password_text, kind, quote_literal,
};

/// The MariaDB/MySQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MySql;

fn ssl_mode(t: TlsMode) -> MySqlSslMode {
    match t {
        TlsMode::Disable => MySqlSslMode::Disabled,
        TlsMode::Prefer => MySqlSslMode::Preferred,
        TlsMode::Require => MySqlSslMode::Required,
        TlsMode::VerifyCa => MySqlSslMode::VerifyCa,
        TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
    }
}

fn options(c: &Credentials) -> MySqlConnectOptions {
    let o = MySqlConnectOptions::new()
        .host(&c.host)
        .port(c.port)
        .username(&c.username)
        .password(&c.password)
        .ssl_mode(ssl_mode(c.tls));
    let o = match &c.root_cert {
        Some(path) => o.ssl_ca(path.as_str()),
        None => o,
    };
    match &c.dbname {
        Some(db) => o.database(db),
        None => o,
    }
}

/// Maps a driver error to a rotation failure; with `statement_has_secret` the server's text
/// (which can quote the statement, e.g. a syntax error "near '…'") is left out.
fn failure(e: sqlx::Error, what: &str, statement_has_secret: bool) -> RotationFailure {
    match e {
        sqlx::Error::Database(db) => {
            let number = db
                .try_downcast_ref::<MySqlDatabaseError>()
                .map(MySqlDatabaseError::number)
                .unwrap_or_default();
            let (k, rejected) = match number {
                1045 | 1698 => (kind::AUTHENTICATION_FAILED, false),
                1044 | 1142 | 1227 => (kind::PERMISSION_DENIED, false),
                1049 => (kind::INVALID_SECRET, false),
                // ER_NOT_VALID_PASSWORD: a password-policy plugin refused the password.
                1819 => (kind::DATABASE_ERROR, true),
                _ => (kind::DATABASE_ERROR, false),
            };
            let message = if statement_has_secret {
                format!("{what}: the server refused the statement (error {number}).")
            } else {
                format!("{what}: {} (error {number}).", db.message())
            };
            RotationFailure {
                kind: k.to_owned(),
                message,
                password_rejected: rejected,
            }
        }
        // The driver is built without its RSA backend, so the exchange fails here, before
        // any password is encrypted to a key the connection cannot vouch for.
        sqlx::Error::Configuration(e) if e.to_string().contains("RSA") => RotationFailure::new(
            kind::INVALID_SECRET,
            format!(
                "{what}: the server asked for the password by RSA key exchange over a connection without TLS, which a network attacker can answer with a key of their own. Coffer never sends a password that way: connect with TLS (\"ssl\": true, or \"sslmode\": \"require\")."
            ),
        ),
        e @ (sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut) => {
            RotationFailure::new(kind::TARGET_UNREACHABLE, format!("{what}: {e}"))
        }
        _ if statement_has_secret => RotationFailure::new(
            kind::DATABASE_ERROR,
            format!("{what}: the statement failed."),
        ),
        e => RotationFailure::new(kind::DATABASE_ERROR, format!("{what}: {e}")),
    }
}

async fn connect(c: &Credentials) -> Result<MySqlConnection, RotationFailure> {
    let what = format!(
        "Connecting to MySQL at {}:{} as {}",
        c.host, c.port, c.username
    );
    match tokio::time::timeout(CONNECT_TIMEOUT, MySqlConnection::connect_with(&options(c))).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(failure(e, &what, false)),
        Err(_) => Err(RotationFailure::new(
            kind::TARGET_UNREACHABLE,
            format!("{what}: no answer within {} s.", CONNECT_TIMEOUT.as_secs()),
        )),
    }
}

/// Quotes an account name part (user or host) as a string literal.
fn quote_account_part(s: &str) -> Result<String, RotationFailure> {
    if s.contains(['\\', '\0']) {
        return Err(RotationFailure::new(
            kind::INVALID_SECRET,
            "The user name contains a backslash or NUL.",
        ));
    }
    Ok(quote_literal(s))
}

fn account(user: &str, host: &str) -> Result<String, RotationFailure> {
    Ok(format!(
        "{}@{}",
        quote_account_part(user)?,
        quote_account_part(host)?
    ))
}

async fn execute_secret_statement(
    conn: &mut MySqlConnection,
    sql: String,
    what: &str,
) -> Result<(), RotationFailure> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| failure(e, what, true))
}

fn text_column(row: &sqlx::mysql::MySqlRow, what: &str) -> Result<String, RotationFailure> {
    row.try_get::<String, _>(0)
        .or_else(|_| {
            row.try_get::<Vec<u8>, _>(0)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        })
        .map_err(|e| failure(e, what, false))
}

async fn scalar_text(
    conn: &mut MySqlConnection,
    sql: &'static str,
    what: &str,
) -> Result<String, RotationFailure> {
    let row = sqlx::raw_sql(sql)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| failure(e, what, false))?;
    text_column(&row, what)
}

#[async_trait]
impl Dialect for MySql {
    fn engine_names(&self) -> &'static [&'static str] {
        &["mysql", "mariadb"]
    }

    fn default_port(&self) -> u16 {
        3306
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
        let mut conn = connect(login).await?;
        let version =
            scalar_text(&mut conn, "SELECT VERSION()", "Reading the server version").await?;
        let literal = quote_literal(new_password);
        let sql = if version.contains("MariaDB") {
            format!("SET PASSWORD = PASSWORD({literal})")
        } else {
            format!("ALTER USER USER() IDENTIFIED BY {literal}")
        };
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
        let mut conn = connect(admin).await?;
        let hosts: Vec<String> =
            sqlx::query("SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ?")
                .bind(template)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| failure(e, "Looking up the user", false))?
                .iter()
                .map(|r| text_column(r, "Reading the user's host"))
                .collect::<Result<_, _>>()?;
        let host = hosts
            .iter()
            .find(|h| h.as_str() == "%")
            .or_else(|| hosts.first())
            .cloned()
            .ok_or_else(|| {
                RotationFailure::new(
                    kind::INVALID_SECRET,
                    format!("The user {template} does not exist on the server."),
                )
            })?;
        let exists = sqlx::query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?")
            .bind(user)
            .bind(&host)
            .fetch_optional(&mut conn)
            .await
            .map_err(|e| failure(e, "Looking up the user", false))?
            .is_some();
        let target = account(user, &host)?;
        let literal = quote_literal(new_password);
        let verb = if exists { "ALTER" } else { "CREATE" };
        execute_secret_statement(
            &mut conn,
            format!("{verb} USER {target} IDENTIFIED BY {literal}"),
            &format!("Setting the password of {user}"),
        )
        .await?;
        // Copy the template's privileges (AWS's template: each SHOW GRANTS line up to " TO ").
        let grants = sqlx::raw_sql(AssertSqlSafe(format!(
            "SHOW GRANTS FOR {}",
            account(template, &host)?
        )))
        .fetch_all(&mut conn)
        .await
        .map_err(|e| failure(e, &format!("Reading the privileges of {template}"), false))?;
        for row in &grants {
            let line = text_column(row, "Reading a privilege")?;
            let Some((grant, rest)) = line.split_once(" TO ") else {
                continue;
            };
            if grant.starts_with("GRANT USAGE ON *.*") {
                continue;
            }
            let with_grant = if rest.ends_with("WITH GRANT OPTION") {
                " WITH GRANT OPTION"
            } else {
                ""
            };
            sqlx::raw_sql(AssertSqlSafe(format!("{grant} TO {target}{with_grant}")))
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

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    /// A MySQL 8.0.18 server's greeting (from sqlx's own tests): caching_sha2_password.
    const GREETING: &[u8] = b"\n8.0.18\x00\x19\x00\x00\x00\x114aB0c\x06g\x00\xff\xff\xff\x02\x00\xff\xc7\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00tL\x03s\x0f[4\rl4. \x00caching_sha2_password\x00";

    /// The attacker's public key, sent as the server's (its private half is theirs).
    const ATTACKER_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwLOOTPiAWzGzjD8LRNcn
xT+Ngdy5dEE7utU8ZWp3WJb4jyJkgWLLtQk5wbx+A0a3i/nvWtxWBh2glMybbjGr
B/C+27qnCW7N1ME1xcGmTSga7w72wxBtp0TYjKEBIvRHzvATP6bgCu4dL5/gTKqg
/VrPcnETsTnZRNz0R2wDw8tc9Q8hZHDnfENCfWkCc6/AXGmHsSLdP1Lm61MyH3hW
Kuz5c9aFg8GFD2TGWByefYhbgeiQzmA6kribwpfirkX3bXtWPKG6bH4iaGIhkcLn
dTrqFQxJWnaQ0vSo/GS+YkoqO4HegYJ2Hr2f0IpMrKqedWxFO4Opg14woyDqmgxs
bQIDAQAB
-----END PUBLIC KEY-----
";

    async fn send(s: &mut TcpStream, seq: u8, payload: &[u8]) {
        let len = u32::try_from(payload.len()).unwrap().to_le_bytes();
        s.write_all(&[len[0], len[1], len[2], seq]).await.unwrap();
        s.write_all(payload).await.unwrap();
    }

    /// The next packet's payload, or `None` when the client closed the connection.
    async fn receive(s: &mut TcpStream) -> Option<Vec<u8>> {
        let mut header = [0u8; 4];
        s.read_exact(&mut header).await.ok()?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
        let mut payload = vec![0u8; len];
        s.read_exact(&mut payload).await.ok()?;
        Some(payload)
    }

    /// A server (or whoever sits between) that asks for full authentication without TLS
    /// and offers its own RSA key gets no password: the connection fails, saying to use
    /// TLS. With the driver's RSA backend the client sent the password encrypted to the
    /// attacker's key (seen failing with `mysql-rsa` on).
    #[tokio::test]
    async fn an_rsa_password_exchange_without_tls_is_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            send(&mut s, 0, GREETING).await;
            let _login = receive(&mut s).await.expect("the login packet");
            // perform_full_authentication
            send(&mut s, 2, &[0x01, 0x04]).await;
            let request = receive(&mut s).await.expect("a public key request");
            assert_eq!(request, [0x02]);
            let mut key = vec![0x01];
            key.extend_from_slice(ATTACKER_KEY.as_bytes());
            send(&mut s, 4, &key).await;
            // The client's next packet would be the password under the attacker's key.
            receive(&mut s).await
        });
        let creds = Credentials {
            host: "127.0.0.1".into(),
            port,
            username: "app".into(),
            password: zeroize::Zeroizing::new("the-admin-password".into()),
            dbname: None,
            tls: TlsMode::Disable,
            root_cert: None,
        };
        let failure = connect(&creds).await.expect_err("refused");
        assert_eq!(failure.kind, kind::INVALID_SECRET, "{}", failure.message);
        assert!(
            failure.message.contains("connect with TLS"),
            "{}",
            failure.message
        );
        assert_eq!(
            server.await.unwrap(),
            None,
            "the client sent its password encrypted to the attacker's key"
        );
    }
}
