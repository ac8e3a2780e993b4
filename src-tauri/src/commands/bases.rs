//! Mes plannings: a planning's bases, "Créer une base" and its time grid checked as it is typed.

use crate::AppState;
use planhost::api::{BaseChange, GridCheck, PlanningBases, TimeGrid};
use planhost::Result;
use tauri::State;

#[tauri::command]
pub async fn bases(state: State<'_, AppState>, planning_id: i64) -> Result<PlanningBases> {
    state.console.bases(planning_id).await
}

#[tauri::command]
pub async fn change_bases(state: State<'_, AppState>, planning_id: i64, change: BaseChange) -> Result<PlanningBases> {
    state.console.change_bases(planning_id, &change).await
}

/// The grid's problems (each with its field) and one day's sequences: the same rules the controller applies.
#[tauri::command]
pub fn check_grid(grid: TimeGrid) -> GridCheck {
    planhost::base::grid::check(&grid)
}

/// The grid the dialog starts from: the current school year.
#[tauri::command]
pub fn default_grid() -> TimeGrid {
    planhost::base::grid::current_school_year()
}
