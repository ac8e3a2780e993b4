//! Background tasks: any pane can cancel the task it started.

use crate::AppState;
use planhost::Result;
use tauri::State;

/// False when the task had already finished.
#[tauri::command]
pub async fn cancel_task(state: State<'_, AppState>, task_id: String) -> Result<bool> {
    Ok(state.console.tasks().cancel(&task_id))
}
