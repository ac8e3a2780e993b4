//! Contrôleur pane, "Récupérer tous les utilisateurs et leurs autorisations": a `.profils` file previewed or
//! applied, and the account exported as one into the downloads folder.

use crate::AppState;
use planhost::api::ProfilsImport;
use planhost::console::downloads::{decode_base64, downloads_dir, save_profils};
use planhost::Result;
use tauri::State;

/// The file's bytes, base64-encoded; `check` previews and writes nothing.
#[tauri::command]
pub async fn import_profils(state: State<'_, AppState>, file: String, check: bool) -> Result<ProfilsImport> {
    state.console.import_profils(decode_base64(&file)?, check).await
}

/// Answers the path of the file written.
#[tauri::command]
pub async fn export_profils(state: State<'_, AppState>, french: bool) -> Result<String> {
    let file = state.console.export_profils().await?;
    Ok(save_profils(&file, french, &downloads_dir()?)?.display().to_string())
}
