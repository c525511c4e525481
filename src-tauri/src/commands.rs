//! The IPC commands. Each one only forwards to `coffer_api::app` with the UI's request
//! context (the account root, source `ui`); the shell adds nothing but the session checks
//! (`NoStore`, `Sealed`, `Locked`) in [`AppState`]. Errors cross as `{code, message}`.
//!
//! Every command here is listed in `commands.txt` (its permission) and in
//! [`crate::specta_builder`] (its binding).

use coffer_api::app::{self, *};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;

use crate::state::AppState;

/// The store's state: absent, sealed, locked or open.
#[tauri::command]
#[specta::specta]
pub async fn store_status(state: State<'_, AppState>) -> AppResult<StoreStatus> {
    state.status().await
}

/// First run: creates the store with the master password; it opens unlocked.
#[tauri::command]
#[specta::specta]
pub async fn create_store(
    state: State<'_, AppState>,
    req: CreateStoreRequest,
) -> AppResult<StoreStatus> {
    state.create_store(req).await
}

/// Unseals the store, or checks the password and clears the UI lock.
#[tauri::command]
#[specta::specta]
pub async fn unlock(state: State<'_, AppState>, req: UnlockRequest) -> AppResult<StoreStatus> {
    state.unlock(req).await
}

/// Locks the UI; the engine keeps serving the API and rotations.
#[tauri::command]
#[specta::specta]
pub async fn lock(state: State<'_, AppState>) -> AppResult<StoreStatus> {
    state.lock().await
}

/// Seals the store: every key leaves memory.
#[tauri::command]
#[specta::specta]
pub async fn seal(state: State<'_, AppState>) -> AppResult<StoreStatus> {
    state.seal().await
}

/// The app's settings (defaults when none are saved).
#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> AppResult<Settings> {
    Ok(app::load_settings(state.settings_path()))
}

/// Validates and saves the settings; returns them as saved. Refused while locked (a
/// script in the locked window must not turn auto-lock off).
#[tauri::command]
#[specta::specta]
pub async fn set_settings(state: State<'_, AppState>, req: Settings) -> AppResult<Settings> {
    state.ensure_unlocked()?;
    app::save_settings(state.settings_path(), &req)?;
    Ok(req)
}

/// Changes the master password (only the root-key wrap changes).
#[tauri::command]
#[specta::specta]
pub async fn change_master_password(
    state: State<'_, AppState>,
    req: ChangeMasterPasswordRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::change_master_password(&engine, &AppState::context(), req).await
}

/// Re-keys the store: a new root key, everything below it re-encrypted (`Engine::rekey`).
#[tauri::command]
#[specta::specta]
pub async fn rekey_store(
    state: State<'_, AppState>,
    req: RekeyStoreRequest,
) -> AppResult<RekeyResult> {
    state.ensure_unlocked()?;
    let engine = state.open_engine().await?;
    app::rekey_store(&engine, &AppState::context(), req).await
}

/// ListSecrets; `search` matches names, descriptions, tag keys and values.
#[tauri::command]
#[specta::specta]
pub async fn list_secrets(
    state: State<'_, AppState>,
    req: ListSecretsRequest,
) -> AppResult<SecretPage> {
    let engine = state.open_engine().await?;
    app::list_secrets(&engine, &AppState::context(), req).await
}

/// DescribeSecret with versions and the resource policy.
#[tauri::command]
#[specta::specta]
pub async fn describe_secret(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<SecretDetail> {
    let engine = state.open_engine().await?;
    app::describe_secret(&engine, &AppState::context(), req).await
}

/// Every version of a secret, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_versions(
    state: State<'_, AppState>,
    req: ListVersionsRequest,
) -> AppResult<Vec<VersionSummary>> {
    let engine = state.open_engine().await?;
    app::list_versions(&engine, &AppState::context(), req).await
}

/// Reveals a value (explicit reveal only; audited).
#[tauri::command]
#[specta::specta]
pub async fn get_secret_value(
    state: State<'_, AppState>,
    req: GetSecretValueRequest,
) -> AppResult<SecretValueView> {
    let engine = state.open_engine().await?;
    app::get_secret_value(&engine, &AppState::context(), req).await
}

/// CreateSecret.
#[tauri::command]
#[specta::specta]
pub async fn create_secret(
    state: State<'_, AppState>,
    req: CreateSecretRequest,
) -> AppResult<SecretRefView> {
    let engine = state.open_engine().await?;
    app::create_secret(&engine, &AppState::context(), req).await
}

/// PutSecretValue: a new version.
#[tauri::command]
#[specta::specta]
pub async fn put_secret_value(
    state: State<'_, AppState>,
    req: PutSecretValueRequest,
) -> AppResult<SecretRefView> {
    let engine = state.open_engine().await?;
    app::put_secret_value(&engine, &AppState::context(), req).await
}

/// UpdateSecret: description and key.
#[tauri::command]
#[specta::specta]
pub async fn update_secret(
    state: State<'_, AppState>,
    req: UpdateSecretRequest,
) -> AppResult<SecretRefView> {
    let engine = state.open_engine().await?;
    app::update_secret(&engine, &AppState::context(), req).await
}

/// DeleteSecret, with a recovery window unless forced.
#[tauri::command]
#[specta::specta]
pub async fn delete_secret(
    state: State<'_, AppState>,
    req: DeleteSecretRequest,
) -> AppResult<DeletionView> {
    let engine = state.open_engine().await?;
    app::delete_secret(&engine, &AppState::context(), req).await
}

/// RestoreSecret: cancels a planned deletion.
#[tauri::command]
#[specta::specta]
pub async fn restore_secret(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<SecretRefView> {
    let engine = state.open_engine().await?;
    app::restore_secret(&engine, &AppState::context(), req).await
}

/// TagResource.
#[tauri::command]
#[specta::specta]
pub async fn tag_secret(state: State<'_, AppState>, req: TagSecretRequest) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::tag_secret(&engine, &AppState::context(), req).await
}

/// UntagResource.
#[tauri::command]
#[specta::specta]
pub async fn untag_secret(state: State<'_, AppState>, req: UntagSecretRequest) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::untag_secret(&engine, &AppState::context(), req).await
}

/// UpdateSecretVersionStage: moves a label (AWSCURRENT included, for roll-back).
#[tauri::command]
#[specta::specta]
pub async fn move_staging_label(
    state: State<'_, AppState>,
    req: MoveStagingLabelRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::move_staging_label(&engine, &AppState::context(), req).await
}

/// Compares two versions: JSON by key, else text; values only when revealed.
#[tauri::command]
#[specta::specta]
pub async fn diff_versions(
    state: State<'_, AppState>,
    req: DiffVersionsRequest,
) -> AppResult<VersionDiff> {
    let engine = state.open_engine().await?;
    app::diff_versions(&engine, &AppState::context(), req).await
}

/// GetRandomPassword.
#[tauri::command]
#[specta::specta]
pub async fn get_random_password(
    state: State<'_, AppState>,
    req: GetRandomPasswordRequest,
) -> AppResult<String> {
    let engine = state.open_engine().await?;
    app::get_random_password(&engine, &AppState::context(), req).await
}

/// GetResourcePolicy: the policy JSON or null.
#[tauri::command]
#[specta::specta]
pub async fn get_resource_policy(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<Option<String>> {
    let engine = state.open_engine().await?;
    app::get_resource_policy(&engine, &AppState::context(), req).await
}

/// PutResourcePolicy.
#[tauri::command]
#[specta::specta]
pub async fn put_resource_policy(
    state: State<'_, AppState>,
    req: PutResourcePolicyRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::put_resource_policy(&engine, &AppState::context(), req).await
}

/// DeleteResourcePolicy.
#[tauri::command]
#[specta::specta]
pub async fn delete_resource_policy(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::delete_resource_policy(&engine, &AppState::context(), req).await
}

/// Validates an identity or resource policy.
#[tauri::command]
#[specta::specta]
pub async fn validate_policy(
    state: State<'_, AppState>,
    req: ValidatePolicyRequest,
) -> AppResult<PolicyValidation> {
    let engine = state.open_engine().await?;
    app::validate_policy(&engine, &AppState::context(), req).await
}

/// One page of audit events, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_audit_events(
    state: State<'_, AppState>,
    req: AuditQuery,
) -> AppResult<AuditPageView> {
    let engine = state.open_engine().await?;
    app::list_audit_events(&engine, &AppState::context(), req).await
}

/// Walks the audit chain and reports the first bad event.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit_chain(state: State<'_, AppState>) -> AppResult<ChainStatus> {
    let engine = state.open_engine().await?;
    app::verify_audit_chain(&engine, &AppState::context()).await
}

/// Shows the native save dialog for an audit export and records the file picked, the only
/// one [`export_audit`] then writes. `None` when the person cancels.
#[tauri::command]
#[specta::specta]
pub async fn choose_audit_export_path<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    req: ChooseExportPathRequest,
) -> AppResult<Option<String>> {
    state.open_engine().await?;
    let (name, ext) = match req.format {
        ExportFormatDto::Csv => ("CSV", "csv"),
        ExportFormatDto::Jsonl => ("JSON Lines", "jsonl"),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(format!("Export audit events as {name}"))
        .set_file_name(format!("coffer-audit.{ext}"))
        .add_filter(name, &[ext])
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = rx
        .await
        .map_err(|_| AppError::internal("The save dialog closed without an answer."))?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    let path = picked
        .into_path()
        .map_err(|e| AppError::new("ExportFailed", format!("Cannot save there: {e}")))?;
    state.allow_export_path(path.clone());
    Ok(Some(path.display().to_string()))
}

/// Writes matching events to the file just chosen in [`choose_audit_export_path`] (CSV or
/// JSON Lines); returns the count. Any other path is refused: the webview must not pick
/// files the shell writes.
#[tauri::command]
#[specta::specta]
pub async fn export_audit(state: State<'_, AppState>, req: ExportAuditRequest) -> AppResult<u32> {
    let engine = state.open_engine().await?;
    state.take_export_path(&req.path)?;
    app::export_audit(&engine, &AppState::context(), req).await
}

/// Every KMS-like key.
#[tauri::command]
#[specta::specta]
pub async fn list_keys(state: State<'_, AppState>) -> AppResult<Vec<KeyView>> {
    let engine = state.open_engine().await?;
    app::list_keys(&engine, &AppState::context()).await
}

/// Creates a customer-managed key.
#[tauri::command]
#[specta::specta]
pub async fn create_key(state: State<'_, AppState>, req: CreateKeyRequest) -> AppResult<KeyView> {
    let engine = state.open_engine().await?;
    app::create_key(&engine, &AppState::context(), req).await
}

/// Rotates a key's material.
#[tauri::command]
#[specta::specta]
pub async fn rotate_key(state: State<'_, AppState>, req: KeyIdRequest) -> AppResult<KeyView> {
    let engine = state.open_engine().await?;
    app::rotate_key(&engine, &AppState::context(), req).await
}

/// Enables or disables a key.
#[tauri::command]
#[specta::specta]
pub async fn set_key_enabled(
    state: State<'_, AppState>,
    req: SetKeyEnabledRequest,
) -> AppResult<KeyView> {
    let engine = state.open_engine().await?;
    app::set_key_enabled(&engine, &AppState::context(), req).await
}

/// Users, roles and groups.
#[tauri::command]
#[specta::specta]
pub async fn list_principals(state: State<'_, AppState>) -> AppResult<Vec<PrincipalView>> {
    let engine = state.open_engine().await?;
    app::list_principals(&engine, &AppState::context()).await
}

/// Creates a user, role or group.
#[tauri::command]
#[specta::specta]
pub async fn create_principal(
    state: State<'_, AppState>,
    req: PrincipalRequest,
) -> AppResult<PrincipalView> {
    let engine = state.open_engine().await?;
    app::create_principal(&engine, &AppState::context(), req).await
}

/// Deletes a user, role or group.
#[tauri::command]
#[specta::specta]
pub async fn delete_principal(state: State<'_, AppState>, req: PrincipalRequest) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::delete_principal(&engine, &AppState::context(), req).await
}

/// A principal's inline policies.
#[tauri::command]
#[specta::specta]
pub async fn list_inline_policies(
    state: State<'_, AppState>,
    req: PrincipalRequest,
) -> AppResult<Vec<InlinePolicyView>> {
    let engine = state.open_engine().await?;
    app::list_inline_policies(&engine, &AppState::context(), req).await
}

/// Adds or replaces an inline policy.
#[tauri::command]
#[specta::specta]
pub async fn put_inline_policy(
    state: State<'_, AppState>,
    req: PutInlinePolicyRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::put_inline_policy(&engine, &AppState::context(), req).await
}

/// Removes an inline policy.
#[tauri::command]
#[specta::specta]
pub async fn delete_inline_policy(
    state: State<'_, AppState>,
    req: DeleteInlinePolicyRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::delete_inline_policy(&engine, &AppState::context(), req).await
}

/// The users in a group.
#[tauri::command]
#[specta::specta]
pub async fn list_group_members(
    state: State<'_, AppState>,
    req: GroupRequest,
) -> AppResult<Vec<String>> {
    let engine = state.open_engine().await?;
    app::list_group_members(&engine, &AppState::context(), req).await
}

/// Adds a user to a group or removes them.
#[tauri::command]
#[specta::specta]
pub async fn set_group_membership(
    state: State<'_, AppState>,
    req: SetGroupMembershipRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::set_group_membership(&engine, &AppState::context(), req).await
}

/// A user's access keys (metadata only).
#[tauri::command]
#[specta::specta]
pub async fn list_access_keys(
    state: State<'_, AppState>,
    req: UserNameRequest,
) -> AppResult<Vec<AccessKeyView>> {
    let engine = state.open_engine().await?;
    app::list_access_keys(&engine, &AppState::context(), req).await
}

/// Creates an access key; its secret is shown once.
#[tauri::command]
#[specta::specta]
pub async fn create_access_key(
    state: State<'_, AppState>,
    req: UserNameRequest,
) -> AppResult<NewAccessKeyView> {
    let engine = state.open_engine().await?;
    app::create_access_key(&engine, &AppState::context(), req).await
}

/// Activates or deactivates an access key.
#[tauri::command]
#[specta::specta]
pub async fn set_access_key_status(
    state: State<'_, AppState>,
    req: SetAccessKeyStatusRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::set_access_key_status(&engine, &AppState::context(), req).await
}

/// Deletes an access key.
#[tauri::command]
#[specta::specta]
pub async fn delete_access_key(state: State<'_, AppState>, req: AccessKeyRequest) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::delete_access_key(&engine, &AppState::context(), req).await
}

/// The policy simulator.
#[tauri::command]
#[specta::specta]
pub async fn simulate_policy(
    state: State<'_, AppState>,
    req: SimulatePolicyRequest,
) -> AppResult<SimulationView> {
    let engine = state.open_engine().await?;
    app::simulate_policy(&engine, &AppState::context(), req).await
}

/// A secret's rotation.
#[tauri::command]
#[specta::specta]
pub async fn get_rotation(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<RotationView> {
    let engine = state.open_engine().await?;
    app::get_rotation(&engine, &AppState::context(), req).await
}

/// RotateSecret.
#[tauri::command]
#[specta::specta]
pub async fn rotate_secret(
    state: State<'_, AppState>,
    req: RotateSecretRequest,
) -> AppResult<SecretRefView> {
    let engine = state.open_engine().await?;
    app::rotate_secret(&engine, &AppState::context(), req).await
}

/// CancelRotateSecret.
#[tauri::command]
#[specta::specta]
pub async fn cancel_rotate_secret(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<()> {
    let engine = state.open_engine().await?;
    app::cancel_rotate_secret(&engine, &AppState::context(), req).await
}

/// Rotation runs.
#[tauri::command]
#[specta::specta]
pub async fn rotation_history(
    state: State<'_, AppState>,
    req: SecretIdRequest,
) -> AppResult<Vec<RotationRunView>> {
    let engine = state.open_engine().await?;
    app::rotation_history(&engine, &AppState::context(), req).await
}

/// Next run times of a schedule.
#[tauri::command]
#[specta::specta]
pub async fn next_rotation_times(
    state: State<'_, AppState>,
    req: NextRotationTimesRequest,
) -> AppResult<Vec<String>> {
    let engine = state.open_engine().await?;
    app::next_rotation_times(&engine, &AppState::context(), req).await
}

/// The rotators.
#[tauri::command]
#[specta::specta]
pub async fn list_rotators(state: State<'_, AppState>) -> AppResult<Vec<RotatorView>> {
    let engine = state.open_engine().await?;
    app::list_rotators(&engine, &AppState::context()).await
}

/// The API listener's state.
#[tauri::command]
#[specta::specta]
pub async fn get_api_status(state: State<'_, AppState>) -> AppResult<ApiStatus> {
    Ok(state.api_status().await)
}

/// Starts the AWS-compatible API on a loopback address, over the app's store.
#[tauri::command]
#[specta::specta]
pub async fn start_api(state: State<'_, AppState>, req: StartApiRequest) -> AppResult<ApiStatus> {
    state.start_api(&req).await
}

/// Stops the API listener. Refused while locked: applications depend on it, and a locked
/// window is no one's to act from.
#[tauri::command]
#[specta::specta]
pub async fn stop_api(state: State<'_, AppState>) -> AppResult<ApiStatus> {
    state.ensure_unlocked()?;
    Ok(state.stop_api().await)
}

fn clipboard_error(e: tauri_plugin_clipboard_manager::Error) -> AppError {
    AppError::new("ClipboardFailed", format!("The clipboard refused: {e}"))
}

/// Copies a secret value for the clipboard guard, remembering it (as a keyed hash) so
/// [`clear_copied_text`] clears only this copy. The webview has no clipboard-read grant.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret_text<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    req: CopyTextRequest,
) -> AppResult<()> {
    app.clipboard()
        .write_text(req.text.as_str())
        .map_err(clipboard_error)?;
    state.remember_copy(&req.text);
    Ok(())
}

/// Clears the clipboard if it still holds the last [`copy_secret_text`] copy; something the
/// person copied since is left alone. Returns whether it cleared.
#[tauri::command]
#[specta::specta]
pub async fn clear_copied_text<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<bool> {
    // Unreadable (empty, an image): not our text.
    let current = app.clipboard().read_text().ok();
    if !state.take_copy_if(current.as_deref()) {
        return Ok(false);
    }
    app.clipboard().write_text("").map_err(clipboard_error)?;
    Ok(true)
}
