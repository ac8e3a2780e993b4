//! Configuration: the controller's and the plannings' settings, statuses, the status list's view.

use crate::AppState;
use planhost::api::{ConfigChange, Configuration};
use planhost::console::config::StatusListPreferences;
use planhost::Result;
use tauri::State;

#[tauri::command]
pub async fn configuration(state: State<'_, AppState>) -> Result<Configuration> {
    state.console.configuration().await
}

#[tauri::command]
pub async fn statuses(state: State<'_, AppState>) -> Result<Configuration> {
    state.console.statuses().await
}

#[tauri::command]
pub async fn configure(state: State<'_, AppState>, change: ConfigChange) -> Result<Configuration> {
    state.console.apply(&change).await
}

#[tauri::command]
pub async fn set_status_list_preferences(state: State<'_, AppState>, preferences: StatusListPreferences) -> Result<()> {
    state.console.set_status_list_preferences(preferences)
}
