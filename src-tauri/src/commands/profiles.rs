//! Contrôleur pane: a planning's profiles and the assignment of users to them.

use crate::AppState;
use planhost::api::{PlanningProfiles, ProfileChange, ProfileOutcome};
use planhost::Result;
use tauri::State;

#[tauri::command]
pub async fn profiles(state: State<'_, AppState>, planning_id: i64) -> Result<PlanningProfiles> {
    state.console.profiles(planning_id).await
}

#[tauri::command]
pub async fn change_profiles(
    state: State<'_, AppState>,
    planning_id: i64,
    change: ProfileChange,
) -> Result<ProfileOutcome> {
    state.console.change_profiles(planning_id, &change).await
}
