//! The shell through Tauri's mock runtime: real IPC requests go through the ACL and the
//! invoke handler to the commands, on a real store in a temp folder.
//!
//! What is proven here: a window without a grant is refused (and a window granted one
//! command gets only that one); the main window's capability grants exactly the app's
//! commands; a store is created, locked, unlocked, sealed and unsealed through the
//! commands; the API listener serves the store on loopback only and stops; the committed
//! TypeScript bindings are what the Rust DTOs generate; and what a hostile script in the
//! webview tried in the security review (issue 13 §3) is refused: an agent listener acting
//! as root by default, an export over a file it names, a clipboard read, settings changed or
//! the API stopped while locked, a weak master password.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use coffer_desktop::AppState;
use serde_json::{Value, json};
use tauri::Manager;
use tauri::ipc::{CallbackFn, CapabilityBuilder, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The app as `run()` builds it, minus the plugins (they need a real desktop session).
fn app(dir: &Path) -> App<MockRuntime> {
    let builder = coffer_desktop::specta_builder::<MockRuntime>();
    mock_builder()
        .invoke_handler(builder.invoke_handler())
        .manage(AppState::new(
            dir.join("coffer.db"),
            dir.join("settings.json"),
        ))
        .build(tauri::generate_context!())
        .expect("the mock app builds")
}

fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, WebviewUrl::default())
        .build()
        .expect("the mock window builds")
}

/// The app with its main window and a new store in `dir`.
fn app_with_store(dir: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = app(dir);
    let w = window(&app, "main");
    ok(
        &w,
        "create_store",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    (app, w)
}

/// Invokes `cmd` from `w` as the webview would; `Err` carries the rejection value.
fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("a JSON response"))
}

fn ok(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Value {
    invoke(w, cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
}

/// The `{code, message}` of a command's error.
fn err_code(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> String {
    match invoke(w, cmd, args) {
        Ok(v) => panic!("{cmd} succeeded: {v}"),
        Err(e) => {
            assert!(e["message"].is_string(), "{cmd}: not an IpcError: {e}");
            e["code"].as_str().expect("a code").to_owned()
        }
    }
}

fn acl_refusal(r: Result<Value, Value>) -> String {
    match r {
        Ok(v) => panic!("the command ran: {v}"),
        Err(Value::String(s)) => s,
        Err(other) => panic!("not an ACL refusal: {other}"),
    }
}

#[test]
fn commands_need_a_grant_per_window() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let main = window(&app, "main");
    let intruder = window(&app, "intruder");
    app.add_capability(
        CapabilityBuilder::new("store-status-only")
            .window("restricted")
            .permission("allow-store-status"),
    )
    .unwrap();
    let restricted = window(&app, "restricted");

    // The main window is granted its commands.
    let status = ok(&main, "store_status", json!({}));
    assert_eq!(status["exists"], json!(false));
    assert_eq!(
        err_code(&main, "list_secrets", json!({"req": {}})),
        "NoStore"
    );

    // A window no capability names gets nothing.
    let refusal = acl_refusal(invoke(&intruder, "store_status", json!({})));
    assert!(refusal.contains("not allowed"), "{refusal}");

    // A window granted one command gets that one only.
    assert_eq!(
        ok(&restricted, "store_status", json!({}))["exists"],
        json!(false)
    );
    let refusal = acl_refusal(invoke(&restricted, "list_secrets", json!({"req": {}})));
    assert!(refusal.contains("not allowed"), "{refusal}");
    let refusal = acl_refusal(invoke(
        &restricted,
        "create_store",
        json!({"req": {"password": "pw"}}),
    ));
    assert!(refusal.contains("not allowed"), "{refusal}");
    assert!(!dir.path().join("coffer.db").exists());
}

fn commands_txt() -> BTreeSet<String> {
    std::fs::read_to_string(manifest_dir().join("commands.txt"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn main_capability_grants_exactly_the_registered_commands() {
    let bindings = coffer_desktop::bindings_text().unwrap();
    let registered: BTreeSet<String> = bindings
        .split("TAURI_INVOKE(\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(registered, commands_txt(), "commands.txt vs the builder");

    let cap: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest_dir().join("capabilities/main.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cap["windows"], json!(["main"]));
    let conf: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest_dir().join("tauri.conf.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        conf["identifier"],
        json!(coffer_desktop::settings::IDENTIFIER)
    );
    assert_eq!(conf["app"]["security"]["capabilities"], json!(["main"]));
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    assert!(
        !csp.contains("http://") || csp.ends_with("connect-src ipc: http://ipc.localhost"),
        "{csp}"
    );
    assert!(!csp.contains("https:") && !csp.contains('*'), "{csp}");
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        granted, registered,
        "capabilities/main.json vs the commands"
    );
    // Nothing broad: no fs, shell or http plugin, no core:default.
    for p in cap["permissions"].as_array().unwrap() {
        let p = p.as_str().unwrap();
        for banned in ["fs:", "shell:", "http:", "core:default", "opener:"] {
            assert!(!p.starts_with(banned), "{p}");
        }
    }
}

#[test]
fn store_create_lock_unlock_seal_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = window(&app, "main");

    assert_eq!(
        err_code(&w, "unlock", json!({"req": {"password": "x"}})),
        "NoStore"
    );
    let st = ok(
        &w,
        "create_store",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    assert_eq!(st["exists"], json!(true));
    assert_eq!(st["sealed"], json!(false));
    assert_eq!(st["locked"], json!(false));
    assert_eq!(st["accountId"], json!("123456789012"));
    assert!(dir.path().join("coffer.db").exists());
    assert_eq!(
        err_code(&w, "create_store", json!({"req": {"password": "again"}})),
        "StoreUnavailableException"
    );

    let created = ok(
        &w,
        "create_secret",
        json!({"req": {"name": "app/db", "secretString": "{\"user\":\"app\",\"password\":\"one\"}",
                        "tags": [{"key": "team", "value": "core"}]}}),
    );
    let v1 = created["versionId"].as_str().unwrap().to_owned();
    let v2 = ok(
        &w,
        "put_secret_value",
        json!({"req": {"secretId": "app/db", "secretString": "{\"user\":\"app\",\"password\":\"two\",\"port\":5432}"}}),
    )["versionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = ok(&w, "list_secrets", json!({"req": {"search": "core"}}));
    assert_eq!(page["secrets"][0]["name"], json!("app/db"));
    assert_eq!(
        page["secrets"][0]["createdDate"].as_str().unwrap().len(),
        24
    );

    // The diff by key, masked and then revealed.
    let diff = ok(
        &w,
        "diff_versions",
        json!({"req": {"secretId": "app/db", "fromVersionId": v1, "toVersionId": v2, "reveal": false}}),
    );
    assert_eq!(diff["kind"], json!("json"));
    assert_eq!(
        diff["entries"],
        json!([
            {"key": "password", "change": "changed", "before": null, "after": null},
            {"key": "port", "change": "added", "before": null, "after": null},
            {"key": "user", "change": "unchanged", "before": null, "after": null},
        ])
    );
    let diff = ok(
        &w,
        "diff_versions",
        json!({"req": {"secretId": "app/db", "fromVersionId": v1, "toVersionId": v2, "reveal": true}}),
    );
    assert_eq!(diff["entries"][0]["after"], json!("\"two\""));

    // Roll back: AWSCURRENT back to v1.
    ok(
        &w,
        "move_staging_label",
        json!({"req": {"secretId": "app/db", "label": "AWSCURRENT", "moveToVersionId": v1, "removeFromVersionId": v2}}),
    );
    let value = ok(
        &w,
        "get_secret_value",
        json!({"req": {"secretId": "app/db"}}),
    );
    assert_eq!(value["versionId"], json!(v1));

    // Lock: data commands refuse; the status says so; a wrong password keeps it locked.
    let st = ok(&w, "lock", json!({}));
    assert_eq!(
        (st["locked"].clone(), st["sealed"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(err_code(&w, "list_secrets", json!({"req": {}})), "Locked");
    assert_eq!(err_code(&w, "list_keys", json!({})), "Locked");
    assert_eq!(
        err_code(&w, "unlock", json!({"req": {"password": "wrong"}})),
        "WrongPassword"
    );
    assert_eq!(err_code(&w, "list_secrets", json!({"req": {}})), "Locked");
    let st = ok(
        &w,
        "unlock",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    assert_eq!(st["locked"], json!(false));
    assert_eq!(
        ok(&w, "list_secrets", json!({"req": {}}))["secrets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Seal: keys leave memory; unseal brings them back.
    let st = ok(&w, "seal", json!({}));
    assert_eq!(st["sealed"], json!(true));
    assert_eq!(err_code(&w, "list_secrets", json!({"req": {}})), "Sealed");
    ok(
        &w,
        "unlock",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    assert_eq!(
        ok(
            &w,
            "get_secret_value",
            json!({"req": {"secretId": "app/db", "versionId": v2}})
        )["secretString"],
        json!("{\"user\":\"app\",\"password\":\"two\",\"port\":5432}")
    );

    // The UI's reads are audited as the root from the UI.
    let events = ok(
        &w,
        "list_audit_events",
        json!({"req": {"action": "GetSecretValue"}}),
    );
    let e = &events["events"][0];
    assert_eq!(
        (e["source"].clone(), e["principal"].clone()),
        (json!("ui"), json!("root"))
    );
    assert!(
        ok(&w, "verify_audit_chain", json!({}))["ok"]
            .as_bool()
            .unwrap()
    );

    // Settings live in the file the state names.
    let s = ok(
        &w,
        "set_settings",
        json!({"req": {"autoLockMinutes": 0, "clipboardClearSeconds": 20, "theme": "dark"}}),
    );
    assert_eq!(s["theme"], json!("dark"));
    assert_eq!(
        ok(&w, "get_settings", json!({}))["clipboardClearSeconds"],
        json!(20)
    );
    assert!(dir.path().join("settings.json").exists());

    // A framework-level argument error arrives as a string, not an IpcError.
    assert!(
        invoke(&w, "list_secrets", json!({"req": {"maxResults": "many"}}))
            .unwrap_err()
            .is_string()
    );

    tauri::async_runtime::block_on(app.state::<AppState>().close());
}

/// One HTTP/1.1 request over a fresh connection to `endpoint`: `request` gets the
/// authority (for `Host`) and returns the whole request. The status line and the body.
fn raw_request(
    endpoint: &str,
    request: impl FnOnce(&str) -> String,
) -> std::io::Result<(String, String)> {
    use std::io::{Read, Write};
    let authority = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
    stream.write_all(request(authority).as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok((
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    ))
}

/// One unsigned JSON 1.1 request: the status line and the body.
fn unsigned_request(endpoint: &str) -> std::io::Result<(String, String)> {
    raw_request(endpoint, |authority| {
        format!(
            "POST / HTTP/1.1\r\nHost: {authority}\r\nX-Amz-Target: secretsmanager.ListSecrets\r\n\
             Content-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        )
    })
}

/// Settings → API: the app serves the AWS API over its own store on a loopback address
/// (a request reaches the SigV4 check and gets AWS's JSON error), refuses other addresses
/// with what to do instead, and stops on request.
#[test]
fn the_api_listener_serves_the_store_on_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with_store(dir.path());
    let st = ok(&w, "get_api_status", json!({}));
    assert_eq!(st["running"], json!(false), "{st}");
    for (listen, says) in [
        ("0.0.0.0:0", "coffer serve --tls"),
        ("example.com:80", "give an IP address and a port"),
    ] {
        let e = invoke(&w, "start_api", json!({"req": {"listen": listen}})).unwrap_err();
        assert_eq!(
            e["code"],
            json!("InvalidParameterException"),
            "{listen}: {e}"
        );
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{listen}: {message}");
    }
    let st = ok(&w, "start_api", json!({"req": {"listen": "127.0.0.1:0"}}));
    assert_eq!(st["running"], json!(true), "{st}");
    let endpoint = st["endpoint"].as_str().expect("an endpoint").to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    assert_eq!(
        ok(&w, "get_api_status", json!({}))["endpoint"],
        json!(endpoint)
    );
    assert_eq!(
        err_code(&w, "start_api", json!({"req": {"listen": "127.0.0.1:0"}})),
        "ApiAlreadyRunning"
    );
    let (status, body) = unsigned_request(&endpoint).expect("the API answers");
    assert!(status.contains(" 403 "), "{status}\n{body}");
    let error: Value = serde_json::from_str(&body).expect("AWS's JSON error");
    assert_eq!(
        error["__type"],
        json!("MissingAuthenticationTokenException"),
        "{body}"
    );
    let st = ok(&w, "stop_api", json!({}));
    assert_eq!(st["running"], json!(false), "{st}");
    assert!(
        unsigned_request(&endpoint).is_err(),
        "still listening after stop"
    );
}

/// `GET /secretsmanager/get?secretId=…` on the app's listener, with the agent token when
/// given: the status line and the body.
fn agent_get(endpoint: &str, secret_id: &str, token: Option<&str>) -> (String, String) {
    let token = token
        .map(|t| format!("X-Aws-Parameters-Secrets-Token: {t}\r\n"))
        .unwrap_or_default();
    raw_request(endpoint, |authority| {
        format!(
            "GET /secretsmanager/get?secretId={secret_id} HTTP/1.1\r\nHost: {authority}\r\n\
             {token}Connection: close\r\n\r\n"
        )
    })
    .expect("the listener answers")
}

/// Settings → API with the agent protocol: the token file beside the store (mode 0600), a
/// read answered with GetSecretValue's JSON as the account root (chosen), the same read as a user
/// without a policy refused by authorization, and a principal that is no user or role
/// refused with what to do.
#[test]
fn the_api_listener_serves_the_agent_protocol_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with_store(dir.path());
    ok(
        &w,
        "create_secret",
        json!({"req": {"name": "app/db", "secretString": "agent-read-value"}}),
    );
    let e = invoke(
        &w,
        "start_api",
        json!({"req": {"listen": "127.0.0.1:0", "agent": true,
                        "agentPrincipal": "arn:aws:iam::123456789012:user/nobody"}}),
    )
    .unwrap_err();
    assert_eq!(e["code"], json!("InvalidParameterException"), "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Access screen"),
        "{e}"
    );

    let st = ok(
        &w,
        "start_api",
        json!({"req": {"listen": "127.0.0.1:0", "agent": true, "agentPrincipal": "root"}}),
    );
    let endpoint = st["endpoint"].as_str().expect("an endpoint").to_owned();
    let file = st["agentTokenFile"]
        .as_str()
        .expect("a token file")
        .to_owned();
    assert_eq!(
        file,
        dir.path()
            .join("coffer.db.agent-token")
            .display()
            .to_string()
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
    let token = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    let (status, body) = agent_get(&endpoint, "app/db", Some(&token));
    assert!(status.contains(" 200 "), "{status}\n{body}");
    let value: Value = serde_json::from_str(&body).expect("GetSecretValue's JSON");
    assert_eq!(value["SecretString"], json!("agent-read-value"), "{body}");
    assert_eq!(value["Name"], json!("app/db"), "{body}");
    let (status, _) = agent_get(&endpoint, "app/db", None);
    assert!(status.contains(" 403 "), "{status}");
    ok(&w, "stop_api", json!({}));

    let user = ok(
        &w,
        "create_principal",
        json!({"req": {"kind": "user", "name": "agent-reader"}}),
    );
    let arn = user["arn"].as_str().expect("an ARN").to_owned();
    let st = ok(
        &w,
        "start_api",
        json!({"req": {"listen": "127.0.0.1:0", "agent": true, "agentPrincipal": arn}}),
    );
    let endpoint = st["endpoint"].as_str().unwrap().to_owned();
    // The same file, the same token: applications keep theirs across restarts.
    assert_eq!(st["agentTokenFile"], json!(file));
    let (status, body) = agent_get(&endpoint, "app/db", Some(&token));
    assert!(!status.contains(" 200 "), "{status}\n{body}");
    assert!(body.contains("AccessDeniedException"), "{status}\n{body}");
    ok(&w, "stop_api", json!({}));
}

// ---- issue 13 §3: what a webview (XSS, a hostile dependency) must not be able to do ----

/// Agent requests carry no signature: the listener served them as the account root when the
/// request named no principal, so one forgotten choice handed every secret to whoever reads
/// the token file. Root must be chosen (`"root"`), like a user or role.
#[test]
fn the_agent_protocol_acts_as_root_only_when_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with_store(dir.path());
    for req in [
        json!({"listen": "127.0.0.1:0", "agent": true}),
        json!({"listen": "127.0.0.1:0", "agent": true, "agentPrincipal": null}),
        json!({"listen": "127.0.0.1:0", "agent": true, "agentPrincipal": " "}),
    ] {
        let e = invoke(&w, "start_api", json!({ "req": req })).unwrap_err();
        assert_eq!(e["code"], json!("InvalidParameterException"), "{req}: {e}");
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains("account root"), "{req}: {message}");
        assert_eq!(ok(&w, "get_api_status", json!({}))["running"], json!(false));
    }
    assert!(!dir.path().join("coffer.db.agent-token").exists());
    // Without the agent protocol there is nothing to choose.
    let st = ok(&w, "start_api", json!({"req": {"listen": "127.0.0.1:0"}}));
    assert_eq!(st["agentTokenFile"], json!(null), "{st}");
    ok(&w, "stop_api", json!({}));
}

/// `export_audit` wrote wherever the webview said (it is the account root's process): a
/// script could overwrite `~/.bashrc` with audit rows. Only the path the person chose in the
/// shell's save dialog is written, once.
#[test]
fn export_audit_writes_only_the_path_chosen_in_the_save_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app_with_store(dir.path());
    let bashrc = dir.path().join(".bashrc");
    std::fs::write(&bashrc, "alias ls='ls --color'\n").unwrap();
    let export = |path: &Path| {
        invoke(
            &w,
            "export_audit",
            json!({"req": {"query": {}, "format": "csv", "path": path.display().to_string()}}),
        )
    };
    let e = export(&bashrc).unwrap_err();
    assert_eq!(e["code"], json!("ExportPathNotChosen"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&bashrc).unwrap(),
        "alias ls='ls --color'\n"
    );
    assert!(!dir.path().join(".bashrc.part").exists());
    // The save dialog's answer (what `choose_audit_export_path` records when the person
    // picks a file) is written; a second export to it needs a second choice.
    let chosen = dir.path().join("audit.csv");
    app.state::<AppState>().allow_export_path(chosen.clone());
    let e = export(&bashrc).unwrap_err();
    assert_eq!(e["code"], json!("ExportPathNotChosen"), "{e}");
    let n = export(&chosen).expect("the chosen path is written");
    assert!(n.is_u64(), "{n}");
    assert!(chosen.exists());
    let e = export(&chosen).unwrap_err();
    assert_eq!(e["code"], json!("ExportPathNotChosen"), "{e}");
}

/// The clipboard may hold what the person copied from other apps: the webview may write
/// and clear it, never read it.
#[test]
fn the_webview_cannot_read_the_clipboard() {
    let cap: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest_dir().join("capabilities/main.json")).unwrap(),
    )
    .unwrap();
    let clipboard: BTreeSet<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("clipboard-manager:"))
        .collect();
    let allowed = BTreeSet::from(["allow-write-text", "allow-clear"]);
    assert!(clipboard.is_subset(&allowed), "{clipboard:?}");
    // Clearing a copied secret "only if it is still there" is the shell's comparison now.
    let state = AppState::new(PathBuf::from("unused.db"), PathBuf::from("unused.json"));
    state.remember_copy("s3cr3t");
    assert!(
        !state.take_copy_if(Some("my own note")),
        "the person's copy"
    );
    state.remember_copy("s3cr3t");
    assert!(!state.take_copy_if(None), "an unreadable clipboard");
    state.remember_copy("s3cr3t");
    assert!(state.take_copy_if(Some("s3cr3t")));
    assert!(!state.take_copy_if(Some("s3cr3t")), "cleared once");
}

/// Locking hides the data; it must also keep a script in the locked window from changing
/// the settings (auto-lock off) or stopping the API applications depend on.
#[test]
fn a_locked_ui_refuses_settings_and_stopping_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with_store(dir.path());
    let before = ok(&w, "get_settings", json!({}));
    let st = ok(&w, "start_api", json!({"req": {"listen": "127.0.0.1:0"}}));
    let endpoint = st["endpoint"].as_str().unwrap().to_owned();
    ok(&w, "lock", json!({}));
    assert_eq!(
        err_code(
            &w,
            "set_settings",
            json!({"req": {"autoLockMinutes": 0, "clipboardClearSeconds": 600, "theme": "dark"}}),
        ),
        "Locked"
    );
    assert_eq!(ok(&w, "get_settings", json!({})), before);
    assert!(!dir.path().join("settings.json").exists());
    assert_eq!(err_code(&w, "stop_api", json!({})), "Locked");
    assert_eq!(ok(&w, "get_api_status", json!({}))["running"], json!(true));
    assert!(unsigned_request(&endpoint).is_ok(), "the API stopped");
    ok(
        &w,
        "unlock",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    assert_eq!(ok(&w, "stop_api", json!({}))["running"], json!(false));
}

/// The strength floor lived in the UI only: a webview calling the commands directly made a
/// store, or changed its password, to `password1`. The shell applies the UI's rule.
#[test]
fn a_weak_master_password_is_refused_by_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let w = window(&app, "main");
    for weak in ["password1", "aaaaaaaaaaaaaaaa", "qwertyuiop123", "short1!"] {
        let e = invoke(&w, "create_store", json!({"req": {"password": weak}})).unwrap_err();
        assert_eq!(e["code"], json!("WeakPassword"), "{weak}: {e}");
        assert!(!dir.path().join("coffer.db").exists(), "{weak}");
    }
    ok(
        &w,
        "create_store",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    for weak in ["password1", "aaaaaaaaaaaaaaaa"] {
        assert_eq!(
            err_code(
                &w,
                "change_master_password",
                json!({"req": {"oldPassword": "correct horse battery staple", "newPassword": weak}}),
            ),
            "WeakPassword",
            "{weak}"
        );
    }
    ok(&w, "seal", json!({}));
    ok(
        &w,
        "unlock",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    ok(
        &w,
        "change_master_password",
        json!({"req": {"oldPassword": "correct horse battery staple",
                        "newPassword": "tarnished umbrella quietly orbits"}}),
    );
}

#[test]
fn committed_bindings_match_the_rust_dtos() {
    let generated = coffer_desktop::bindings_text().unwrap();
    let path = manifest_dir().join(coffer_desktop::BINDINGS_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == committed,
        "{} is out of date with the Rust DTOs: run `make bindings` (cargo run -p coffer-desktop -- --export-bindings ui/src/ipc/bindings.ts) and commit it",
        path.display()
    );
    assert!(
        !generated.contains("bigint"),
        "a 64-bit integer crosses the wire"
    );
}

/// Settings → Re-key: the shell re-keys with the current password (a wrong one changes
/// nothing), and every value reads as before.
#[test]
fn the_store_is_re_keyed_from_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with_store(dir.path());
    ok(
        &w,
        "create_secret",
        json!({"req": {"name": "app/db", "secretString": "kept across the re-key"}}),
    );
    let before = std::fs::read(dir.path().join("coffer.db")).unwrap();
    assert_eq!(
        err_code(
            &w,
            "rekey_store",
            json!({"req": {"password": "not the master password"}})
        ),
        "WrongPassword"
    );
    let done = ok(
        &w,
        "rekey_store",
        json!({"req": {"password": "correct horse battery staple"}}),
    );
    assert_eq!(done["secretVersions"], json!(1), "{done}");
    assert_eq!(done["kmsKeys"], json!(1), "{done}");
    assert_ne!(std::fs::read(dir.path().join("coffer.db")).unwrap(), before);
    let v = ok(
        &w,
        "get_secret_value",
        json!({"req": {"secretId": "app/db"}}),
    );
    assert_eq!(v["secretString"], json!("kept across the re-key"), "{v}");
}

/// The secrets list's search box: every word must match, and any text is taken (it sent the
/// words as one `all` filter: ORed, and refused past 10 words or with `#`).
#[test]
fn the_search_box_ands_its_words_and_takes_any_text() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with_store(dir.path());
    for name in ["app/db", "app/cache", "web/db"] {
        ok(
            &w,
            "create_secret",
            json!({"req": {"name": name, "secretString": "x"}}),
        );
    }
    let search = |text: &str| {
        let page = ok(&w, "list_secrets", json!({"req": {"search": text}}));
        let mut names: Vec<String> = page["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(search("app db"), ["app/db"]);
    assert_eq!(search("DB"), ["app/db", "web/db"]);
    assert_eq!(search("a p p / d b # , x y z"), Vec::<String>::new());
    assert_eq!(search("a p p / d b"), ["app/db"]);
}
