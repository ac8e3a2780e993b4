//! Contrôleur pane: the users list (one page at a time, searched by the controller) and its changes.

use crate::AppState;
use planhost::api::{UserChange, UserOutcome, UserPage, UserQuery};
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
