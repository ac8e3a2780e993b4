//! Background tasks: any pane's long command reports its progress through a channel, and can be cancelled here.

use crate::AppState;
use planhost::tasks::TaskProgress;
use planhost::Result;
use tauri::ipc::Channel;
use tauri::State;

/// Progress goes to the window that started the task; a window gone away just stops listening.
pub fn report_to(channel: Channel<TaskProgress>) -> impl Fn(TaskProgress) + Send + Sync + 'static {
    move |progress| {
        let _ = channel.send(progress);
    }
}

/// False when the task had already finished.
#[tauri::command]
pub async fn cancel_task(state: State<'_, AppState>, task_id: String) -> Result<bool> {
    Ok(state.console.tasks().cancel(&task_id))
}
