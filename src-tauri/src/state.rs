//! The shell's one piece of state: the store (absent before the first run, sealed or
//! unsealed), the rotation scheduler running beside it, the API listener, the UI-lock flag,
//! where the settings live, the export path the person chose, and a keyed hash of the
//! secret the shell last copied.
//!
//! `Engine` is a cheap clone over an `Arc`, so commands clone it out of the lock and never
//! hold the lock across an engine call. The engine is opened lazily on the first command,
//! so a missing or broken store never keeps the window from showing.

use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use coffer_api::app::{self, ApiStatus, AppError, AppResult, StartApiRequest, StoreStatus};
use coffer_engine::rotation::{Scheduler, SchedulerHandle};
use coffer_engine::{Engine, RequestContext, Source};
use tokio::sync::Mutex;

use crate::api_listener::ApiListener;

/// Everything the commands share.
#[derive(Debug)]
pub struct AppState {
    store_path: PathBuf,
    settings_path: PathBuf,
    /// `None` until a store exists and has been opened.
    engine: Mutex<Option<Engine>>,
    /// The rotation scheduler, started with the engine (it waits while sealed) and stopped
    /// before the store closes.
    scheduler: Mutex<Option<SchedulerHandle>>,
    /// The AWS-compatible API over this engine, when started from Settings.
    api: ApiListener,
    /// The UI lock: hides the data without sealing (the engine keeps serving).
    ui_locked: AtomicBool,
    /// The file the person last picked in the shell's own save dialog: the one path
    /// `export_audit` writes, once. The webview names the path in the request, but a path it
    /// made up (`~/.bashrc`) is not one the person chose.
    export_path: std::sync::Mutex<Option<PathBuf>>,
    /// The keyed hash of the text the shell last copied, so clearing it later can tell it
    /// from something the person copied since without the webview reading the clipboard.
    copied: std::sync::Mutex<Option<u64>>,
    /// The key of that hash (random per run; the hash never leaves the process).
    copy_hasher: RandomState,
}

impl AppState {
    /// State for the store at `store_path`, with settings at `settings_path`.
    pub fn new(store_path: PathBuf, settings_path: PathBuf) -> AppState {
        AppState {
            store_path,
            settings_path,
            engine: Mutex::new(None),
            scheduler: Mutex::new(None),
            api: ApiListener::default(),
            ui_locked: AtomicBool::new(true),
            export_path: std::sync::Mutex::new(None),
            copied: std::sync::Mutex::new(None),
            copy_hasher: RandomState::new(),
        }
    }

    /// The store file.
    pub fn store_path(&self) -> &Path {
        &self.store_path
    }

    /// The settings file.
    pub fn settings_path(&self) -> &Path {
        &self.settings_path
    }

    /// Every UI request is the account root, from the UI (audited as such).
    pub fn context() -> RequestContext {
        RequestContext::root(Source::Ui)
    }

    /// The engine, opening the store on first use; `None` when there is no store yet.
    pub async fn engine(&self) -> AppResult<Option<Engine>> {
        let mut slot = self.engine.lock().await;
        if slot.is_none() {
            *slot = app::open_store(&self.store_path).await?;
            if let Some(engine) = slot.as_ref() {
                self.start_scheduler(engine).await;
            }
        }
        Ok(slot.clone())
    }

    /// Registers the rotators and starts the scheduler for a newly opened engine.
    async fn start_scheduler(&self, engine: &Engine) {
        engine.set_rotators(coffer_rotators::registry());
        let mut scheduler = self.scheduler.lock().await;
        if scheduler.is_none() {
            *scheduler = Some(Scheduler::start(engine.clone()));
        }
    }

    /// The engine for a data command: refused with `NoStore`, `Sealed` or `Locked`.
    pub async fn open_engine(&self) -> AppResult<Engine> {
        let engine = self
            .engine()
            .await?
            .ok_or_else(|| AppError::no_store(&self.store_path.display().to_string()))?;
        if engine.is_sealed() {
            return Err(coffer_engine::Error::new(
                coffer_engine::ErrorCode::StoreSealed,
                "The Coffer store is sealed. Unseal it with the master password first.",
            )
            .into());
        }
        if self.ui_locked.load(Ordering::SeqCst) {
            return Err(AppError::locked());
        }
        Ok(engine)
    }

    /// Refuses with `Locked` while the UI is locked (or sealed, which locks it): for the
    /// commands that change the app rather than read the store (settings, the API).
    pub fn ensure_unlocked(&self) -> AppResult<()> {
        if self.ui_locked.load(Ordering::SeqCst) {
            return Err(AppError::locked());
        }
        Ok(())
    }

    /// Records the file the person picked in the save dialog for the next audit export.
    pub fn allow_export_path(&self, path: PathBuf) {
        *self.export_path.lock().unwrap_or_else(|e| e.into_inner()) = Some(path);
    }

    /// Takes the recorded export path when it is `path`; anything else is refused with
    /// `ExportPathNotChosen` (and the recorded path stays for the real export).
    pub fn take_export_path(&self, path: &str) -> AppResult<PathBuf> {
        let mut chosen = self.export_path.lock().unwrap_or_else(|e| e.into_inner());
        match chosen.as_deref() {
            Some(p) if p == Path::new(path) => Ok(chosen.take().expect("matched")),
            _ => Err(AppError::new(
                "ExportPathNotChosen",
                format!(
                    "{path} was not chosen in the save dialog. Export again and pick the file there."
                ),
            )),
        }
    }

    /// Remembers (as a keyed hash) the text the shell just put on the clipboard.
    pub fn remember_copy(&self, text: &str) {
        *self.copied.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(self.copy_hasher.hash_one(text));
    }

    /// Whether `current` (the clipboard now) is the shell's last copy; forgets that copy.
    pub fn take_copy_if(&self, current: Option<&str>) -> bool {
        let ours = self.copied.lock().unwrap_or_else(|e| e.into_inner()).take();
        match (ours, current) {
            (Some(h), Some(c)) => h == self.copy_hasher.hash_one(c),
            _ => false,
        }
    }

    /// The status the UI starts from.
    pub async fn status(&self) -> AppResult<StoreStatus> {
        let engine = self.engine().await?;
        Ok(app::store_status(
            &self.store_path,
            engine.as_ref(),
            self.ui_locked.load(Ordering::SeqCst),
        ))
    }

    /// First run: creates the store, which starts unsealed and unlocked.
    pub async fn create_store(&self, req: app::CreateStoreRequest) -> AppResult<StoreStatus> {
        {
            let mut slot = self.engine.lock().await;
            if slot.is_some() {
                return Err(AppError::new(
                    "StoreUnavailableException",
                    format!("A store already exists at {}.", self.store_path.display()),
                ));
            }
            let engine = app::create_store(&self.store_path, req).await?;
            self.start_scheduler(&engine).await;
            *slot = Some(engine);
        }
        self.ui_locked.store(false, Ordering::SeqCst);
        self.status().await
    }

    /// Unseals (or, when unsealed, checks the password) and clears the UI lock.
    pub async fn unlock(&self, req: app::UnlockRequest) -> AppResult<StoreStatus> {
        let engine = self
            .engine()
            .await?
            .ok_or_else(|| AppError::no_store(&self.store_path.display().to_string()))?;
        app::unseal(&engine, req).await?;
        self.ui_locked.store(false, Ordering::SeqCst);
        self.status().await
    }

    /// Locks the UI; the engine stays unsealed.
    pub async fn lock(&self) -> AppResult<StoreStatus> {
        self.ui_locked.store(true, Ordering::SeqCst);
        self.status().await
    }

    /// Drops every key (and locks the UI).
    pub async fn seal(&self) -> AppResult<StoreStatus> {
        self.ui_locked.store(true, Ordering::SeqCst);
        if let Some(engine) = self.engine().await? {
            engine.seal();
        }
        self.status().await
    }

    /// Whether the API listens, and where.
    pub async fn api_status(&self) -> ApiStatus {
        self.api.status().await
    }

    /// Starts the API over the open engine.
    pub async fn start_api(&self, req: &StartApiRequest) -> AppResult<ApiStatus> {
        let engine = self.open_engine().await?;
        self.api.start(&engine, &Self::context(), req).await
    }

    /// Stops the API.
    pub async fn stop_api(&self) -> ApiStatus {
        let engine = self.engine.lock().await.clone();
        self.api.stop(engine.as_ref()).await
    }

    /// Stops the API and the scheduler (a request or a rotation step in flight finishes
    /// first), then closes the store on exit: writes the audit anchor and drops the keys.
    pub async fn close(&self) {
        self.stop_api().await;
        if let Some(scheduler) = self.scheduler.lock().await.take() {
            scheduler.shutdown().await;
        }
        if let Some(engine) = self.engine.lock().await.take() {
            engine.close().await;
        }
    }
}

/// The store file: `$COFFER_STORE` when set, else `coffer/coffer.db` in the OS data folder.
pub fn default_store_path() -> PathBuf {
    match std::env::var_os("COFFER_STORE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("coffer")
            .join("coffer.db"),
    }
}
