//! Contrôleur pane: the users list (one page at a time, searched by the controller) and its changes.

use crate::AppState;
use planhost::api::{UserChange, UserOutcome, UserPage, UserQuery, UsersImport};
use planhost::console::downloads::decode_base64;
use planhost::console::downloads::{downloads_dir, save_csv, CsvDownload};
use planhost::Result;
use tauri::State;

#[tauri::command]
pub async fn users(state: State<'_, AppState>, query: UserQuery) -> Result<UserPage> {
    state.console.users(&query).await
}

#[tauri::command]
pub async fn change_users(state: State<'_, AppState>, change: UserChange) -> Result<UserOutcome> {
    state.console.change_users(&change).await
}

/// The CSV file's bytes, base64-encoded (the IPC's raw bodies do not survive its fallback transport); `check` writes
/// nothing.
#[tauri::command]
pub async fn import_users(state: State<'_, AppState>, file: String, check: bool) -> Result<UsersImport> {
    state.console.import_users(decode_base64(&file)?, check).await
}

/// Saves a CSV file into the downloads folder; answers its path.
#[tauri::command]
pub fn save_download(download: CsvDownload, french: bool) -> Result<String> {
    Ok(save_csv(&download, french, &downloads_dir()?)?.display().to_string())
}
