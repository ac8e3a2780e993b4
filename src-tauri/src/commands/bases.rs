//! Mes plannings: a planning's bases, "Créer une base" and its time grid checked as it is typed, "Charger une base"
//! and backups as background tasks.

use super::tasks::report_to;
use crate::AppState;
use planhost::api::{BaseChange, GridCheck, PlanningBases, TimeGrid};
use planhost::tasks::TaskProgress;
use planhost::Result;
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

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

/// The native file dialog for a `.HHYP`; `None` when the user closes it. End-to-end tests, which cannot click in a
/// native dialog, name the file in `PLANHOST_TEST_PICK_FILE`.
#[tauri::command]
pub async fn pick_hhyp(app: tauri::AppHandle) -> Option<String> {
    if let Some(path) = std::env::var_os("PLANHOST_TEST_PICK_FILE") {
        return Some(PathBuf::from(path).display().to_string());
    }
    let picked = app
        .dialog()
        .file()
        .add_filter(".HHYP", &["HHYP", "hhyp"])
        .blocking_pick_file()?;
    picked.into_path().ok().map(|p| p.display().to_string())
}

/// Sends a `.HHYP` (checked here first) and puts it in service; progress goes to `on_progress`.
#[tauri::command]
pub async fn upload_base(
    state: State<'_, AppState>,
    planning_id: i64,
    path: String,
    task_id: String,
    on_progress: Channel<TaskProgress>,
) -> Result<PlanningBases> {
    let console = &state.console;
    let path = PathBuf::from(path);
    let work = console.upload_base(planning_id, &path);
    console.tasks().run(&task_id, report_to(on_progress), work).await
}

/// Saves a kept base as a `.HHYP` in the downloads folder; returns where.
#[tauri::command]
pub async fn download_base(
    state: State<'_, AppState>,
    planning_id: i64,
    base_id: i64,
    task_id: String,
    on_progress: Channel<TaskProgress>,
) -> Result<String> {
    let console = &state.console;
    let dir = planhost::console::downloads::downloads_dir()?;
    let work = console.download_base(planning_id, base_id, &dir);
    let saved = console.tasks().run(&task_id, report_to(on_progress), work).await?;
    Ok(saved.display().to_string())
}
