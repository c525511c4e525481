//! Throwaway PostgreSQL and MariaDB servers for the rotation tests.
//!
//! The machine's own PostgreSQL trusts every local connection, so a password test against it
//! proves nothing. Each test binary starts, once, a private PostgreSQL cluster (`initdb
//! --auth=scram-sha-256`, every statement logged) and a private MariaDB (`mariadb-install-db`
//! then `mariadbd`) in temp dirs on free ports, with admin passwords the tests know. A watchdog
//! shell stops each server and removes its files as soon as the test process exits, however
//! it exits (the servers live in statics, which Rust never drops). Missing binaries fail the
//! tests loudly with the command that installs them (`make db-servers`): never a skip.
//!
//! [`Proxy`] sits between a secret and a server to cut the network mid-rotation.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// The admin password of both servers.
pub const ADMIN_PASSWORD: &str = "Adm1n-Pa55word-for-tests";

fn missing(what: &str) -> ! {
    panic!(
        "{what} not found. The rotation tests need real database servers: run `make db-servers` \
         (as root it runs `apt-get install -y postgresql mariadb-server`), then retry. CI={}",
        std::env::var("CI").unwrap_or_default()
    )
}

/// `name` on PATH, else in the given directories (globbed for PostgreSQL's versioned
/// `/usr/lib/postgresql/<N>/bin`, newest first).
fn find_binary(name: &str, extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    for dir in extra_dirs {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let p = e.path().join("bin").join(name);
            p.is_file().then_some((v, p))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts a detached shell that, once this process is gone, runs `stop` and removes `dir`.
#[expect(
    clippy::zombie_processes,
    reason = "the watchdog must outlive this process; nothing here waits for it"
)]
fn watchdog(stop: &str, dir: &Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start the server watchdog");
}

fn run(cmd: &mut Command, what: &str, log: &Path) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n{}\n{}\nserver log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
}

/// Uid and gid of `user`, via `id` (no libc calls in the tests).
fn ids(user: &str) -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, user]).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

fn running_as_root() -> bool {
    ids(&std::env::var("USER").unwrap_or_else(|_| "root".into())).map(|(u, _)| u) == Some(0)
        || Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.trim_ascii() == b"0")
            .unwrap_or(false)
}

/// A private PostgreSQL cluster: SCRAM authentication everywhere, `log_statement = all`.
pub struct PgServer {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The superuser (`postgres`), whose password is [`ADMIN_PASSWORD`].
    pub superuser: String,
    /// The server's log (every statement).
    pub log: PathBuf,
    /// Its self-signed certificate (for 127.0.0.1), which a secret names in `sslrootcert`
    /// to connect with verified TLS.
    pub cert: PathBuf,
}

/// The shared PostgreSQL server of this test binary, started on first use.
pub fn postgres() -> &'static PgServer {
    static PG: OnceLock<PgServer> = OnceLock::new();
    PG.get_or_init(start_postgres)
}

fn start_postgres() -> PgServer {
    let initdb = find_binary("initdb", &[]).unwrap_or_else(|| missing("PostgreSQL's initdb"));
    let pg_ctl = find_binary("pg_ctl", &[]).unwrap_or_else(|| missing("PostgreSQL's pg_ctl"));
    let dir = tempfile::Builder::new()
        .prefix("coffer-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let data = dir.join("data");
    let pwfile = dir.join("pw");
    let log = dir.join("server.log");
    std::fs::write(&pwfile, ADMIN_PASSWORD).unwrap();
    // PostgreSQL refuses to run as root: run it as the `postgres` system user then.
    let as_user: Option<&str> = if running_as_root() {
        let (uid, gid) = ids("postgres").unwrap_or_else(|| {
            panic!("running as root and there is no `postgres` user to run the test cluster as")
        });
        for p in [&dir, &pwfile] {
            std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
        }
        Some("postgres")
    } else {
        None
    };
    let cmd = |bin: &Path| -> Command {
        match as_user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(bin);
                c
            }
            None => Command::new(bin),
        }
    };
    run(
        cmd(&initdb)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=scram-sha-256", "--no-sync"])
            .args(["-E", "UTF8", "--locale=C"])
            .arg(format!("--pwfile={}", pwfile.display())),
        "initdb",
        &log,
    );
    // A self-signed certificate, so secrets that ask for TLS (`"ssl": true`) get it.
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    run(
        Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            // An end-entity certificate that is its own trust anchor (rustls refuses a CA
            // certificate presented by a server).
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert),
        "openssl (test server certificate)",
        &log,
    );
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    if as_user.is_some() {
        let (uid, gid) = ids("postgres").unwrap();
        for p in [&cert, &key] {
            std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
        }
    }
    let port = free_port();
    let opts = format!(
        "-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c log_statement=all -c fsync=off \
         -c password_encryption=scram-sha-256 -c log_connections=on -c ssl=on \
         -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key",
        dir = dir.display()
    );
    watchdog(
        &format!(
            "runuser -u postgres -- '{pg}' stop -m immediate -D '{data}' || '{pg}' stop -m immediate -D '{data}'",
            pg = pg_ctl.display(),
            data = data.display()
        ),
        &dir,
    );
    run(
        cmd(&pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-o", &opts, "-w", "-t", "60", "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
        "pg_ctl start",
        &log,
    );
    PgServer {
        port,
        superuser: "postgres".into(),
        log,
        cert,
    }
}

impl PgServer {
    /// The server log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A private MariaDB server with an admin user `admin`@`%` (password [`ADMIN_PASSWORD`])
/// and the `simple_password_check` policy (8+ characters with a digit, both cases and a
/// symbol), so a test can see the server refuse a password.
pub struct MariaDbServer {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The admin user (all privileges, WITH GRANT OPTION).
    pub admin: String,
}

/// The shared MariaDB server of this test binary, started on first use.
pub fn mariadb() -> &'static MariaDbServer {
    static DB: OnceLock<MariaDbServer> = OnceLock::new();
    DB.get_or_init(start_mariadb)
}

#[expect(
    clippy::zombie_processes,
    reason = "the server lives until the watchdog kills it after this process exits"
)]
fn start_mariadb() -> MariaDbServer {
    let install = find_binary("mariadb-install-db", &["/usr/bin", "/usr/local/bin"])
        .or_else(|| find_binary("mysql_install_db", &["/usr/bin"]))
        .unwrap_or_else(|| missing("mariadb-install-db"));
    let server = find_binary(
        "mariadbd",
        &["/usr/sbin", "/usr/libexec", "/usr/local/sbin"],
    )
    .or_else(|| find_binary("mysqld", &["/usr/sbin"]))
    .unwrap_or_else(|| missing("mariadbd"));
    let dir = tempfile::Builder::new()
        .prefix("coffer-mariadb-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let data = dir.join("data");
    let log = dir.join("error.log");
    let socket = dir.join("sock");
    let user = if running_as_root() {
        "root".to_owned()
    } else {
        std::env::var("USER").unwrap_or_else(|_| "nobody".into())
    };
    run(
        Command::new(&install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--user={user}"))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .stdout(Stdio::null()),
        "mariadb-install-db",
        &log,
    );
    let port = free_port();
    let child = Command::new(&server)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--port={port}"))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--pid-file={}", dir.join("pid").display()))
        .arg(format!("--log-error={}", log.display()))
        .arg(format!("--user={user}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-flush-log-at-trx-commit=0",
            "--skip-log-bin",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start mariadbd: {e}"));
    watchdog(&format!("kill -9 {}", child.id()), &dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !socket.exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            panic!(
                "mariadbd did not start within 60 s:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Create the admin over the socket as root (no password yet).
    let sql = format!(
        "CREATE USER 'admin'@'%' IDENTIFIED BY '{ADMIN_PASSWORD}'; \
         GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION; \
         CREATE DATABASE appdb; \
         INSTALL SONAME 'simple_password_check';"
    );
    let client =
        find_binary("mariadb", &["/usr/bin"]).or_else(|| find_binary("mysql", &["/usr/bin"]));
    match client {
        Some(client) => run(
            Command::new(client)
                .arg("--no-defaults")
                .arg(format!("--socket={}", socket.display()))
                .args(["-uroot", "-e", &sql]),
            "creating the MariaDB admin user",
            &log,
        ),
        None => missing("the mariadb client"),
    }
    MariaDbServer {
        port,
        admin: "admin".into(),
    }
}

/// A TCP forwarder whose link can be cut (connections refused, open ones dropped) and
/// restored on the same port: "the database is down" from the rotator's point of view.
pub struct Proxy {
    /// The port clients connect to.
    pub port: u16,
    target: u16,
    tasks: Mutex<Option<JoinSet<()>>>,
    active: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    /// A proxy to 127.0.0.1:`target`, up.
    pub async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = Proxy {
            port,
            target,
            tasks: Mutex::new(None),
            active: Arc::new(Mutex::new(JoinSet::new())),
        };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target;
        let active = self.active.clone();
        let mut set = JoinSet::new();
        set.spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                active.lock().unwrap().spawn(async move {
                    let addr: SocketAddr = ([127, 0, 0, 1], target).into();
                    if let Ok(mut outbound) = TcpStream::connect(addr).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        *self.tasks.lock().unwrap() = Some(set);
    }

    /// Cuts the link: the port refuses connections and open ones are dropped.
    pub async fn cut(&self) {
        let listener = self.tasks.lock().unwrap().take();
        if let Some(mut set) = listener {
            set.abort_all();
            while set.join_next().await.is_some() {}
        }
        self.active.lock().unwrap().abort_all();
        // Let the aborted copies drop their sockets before the caller connects.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// Restores the link on the same port.
    pub async fn restore(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("rebind the proxy port: {e}"),
            }
        };
        self.serve(listener);
    }
}
