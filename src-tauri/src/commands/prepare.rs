//! Préparation hors ligne: a prepared base in a folder of this computer, with no controller and no session. Each
//! command forwards to `planhost::prepare::Workspace`; packing runs as a background task.

use super::tasks::report_to;
use crate::AppState;
use planhost::api::{
    GridConversion, PreparedUser, PreparedUsersImport, TimeGrid, TimetableFile, TimetableImport, UnplacedCourse,
};
use planhost::prepare::{PackedHhyp, PreparedSummary, Workspace};
use planhost::tasks::TaskProgress;
use planhost::Result;
use std::path::{Path, PathBuf};
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

/// SQLite and file work, off the async runtime's threads (a grid change of a large base takes seconds).
async fn off_the_runtime<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(planhost::Error::internal)?
}

#[tauri::command]
pub async fn prepare_create(dir: String, name: String, grid: TimeGrid) -> Result<PreparedSummary> {
    off_the_runtime(move || Workspace::create(Path::new(&dir), &name, &grid)?.summary()).await
}

#[tauri::command]
pub async fn prepare_summary(dir: String) -> Result<PreparedSummary> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.summary()).await
}

#[tauri::command]
pub async fn prepare_grid(dir: String) -> Result<TimeGrid> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.grid()).await
}

#[tauri::command]
pub async fn prepare_change_grid(dir: String, grid: TimeGrid, apply: bool) -> Result<GridConversion> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.change_grid(&grid, apply)).await
}

#[tauri::command]
pub async fn prepare_unplaced(dir: String) -> Result<Vec<UnplacedCourse>> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.unplaced()).await
}

#[tauri::command]
pub async fn prepare_import_timetable(
    dir: String,
    files: Vec<(TimetableFile, String)>,
    write: bool,
) -> Result<TimetableImport> {
    off_the_runtime(move || {
        let files: Vec<(TimetableFile, PathBuf)> = files.into_iter().map(|(k, p)| (k, PathBuf::from(p))).collect();
        Workspace::open(Path::new(&dir))?.import_timetable_files(&files, write)
    })
    .await
}

#[tauri::command]
pub async fn prepare_add_annexes(dir: String, paths: Vec<String>) -> Result<Vec<String>> {
    off_the_runtime(move || {
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        Workspace::open(Path::new(&dir))?.add_paths(&paths)
    })
    .await
}

#[tauri::command]
pub async fn prepare_remove_annex(dir: String, name: String) -> Result<()> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.remove_annex(&name)).await
}

#[tauri::command]
pub async fn prepare_users(dir: String) -> Result<Vec<PreparedUser>> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.users()).await
}

#[tauri::command]
pub async fn prepare_import_users(dir: String, path: String, write: bool) -> Result<PreparedUsersImport> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.import_users_file(Path::new(&path), write)).await
}

#[tauri::command]
pub async fn prepare_remove_users(dir: String, logins: Vec<String>) -> Result<u32> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.remove_users(&logins)).await
}

#[tauri::command]
pub async fn prepare_export_profils(dir: String, planning: String, output: String) -> Result<u32> {
    off_the_runtime(move || Workspace::open(Path::new(&dir))?.write_profils(&planning, Path::new(&output))).await
}

/// Generates the `.HHYP` (checked by the controller's verifier before it gets its name); progress to `on_progress`.
#[tauri::command]
pub async fn prepare_pack(
    state: State<'_, AppState>,
    dir: String,
    hosting_number: String,
    output: String,
    task_id: String,
    on_progress: Channel<TaskProgress>,
) -> Result<PackedHhyp> {
    let work = Workspace::pack_in_task(Path::new(&dir), &hosting_number, Path::new(&output));
    state.console.tasks().run(&task_id, report_to(on_progress), work).await
}

/// What end-to-end tests answer in place of a native dialog, which WebDriver cannot click: the next line of the file
/// named by `PLANHOST_TEST_PICKS` (taken off it; an empty line is a dialog closed without a choice).
fn test_pick() -> Option<Option<String>> {
    let file = std::env::var_os("PLANHOST_TEST_PICKS")?;
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut lines = text.lines();
    let first = lines.next().map(str::to_owned);
    let rest: Vec<&str> = lines.collect();
    let _ = std::fs::write(&file, rest.join("\n"));
    Some(first.filter(|l| !l.is_empty()))
}

/// A folder (for a new or an existing prepared base); `None` when the dialog is closed.
#[tauri::command]
pub async fn pick_folder(app: tauri::AppHandle) -> Option<String> {
    if let Some(picked) = test_pick() {
        return picked;
    }
    let picked = app.dialog().file().blocking_pick_folder()?;
    picked.into_path().ok().map(|p| p.display().to_string())
}

/// Files to read or add (`csv` for CSV files only, else any); none when the dialog is closed.
#[tauri::command]
pub async fn pick_files(app: tauri::AppHandle, kind: String) -> Vec<String> {
    if let Some(picked) = test_pick() {
        return picked
            .map(|l| l.split('|').map(str::to_owned).collect())
            .unwrap_or_default();
    }
    let mut dialog = app.dialog().file();
    if kind == "csv" {
        dialog = dialog.add_filter("CSV", &["csv", "CSV", "txt"]);
    }
    dialog
        .blocking_pick_files()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
        .collect()
}

/// Where to save a file, starting from `name`; `None` when the dialog is closed.
#[tauri::command]
pub async fn pick_save(app: tauri::AppHandle, name: String, extension: String) -> Option<String> {
    if let Some(picked) = test_pick() {
        return picked;
    }
    let picked = app
        .dialog()
        .file()
        .set_file_name(&name)
        .add_filter(&extension, &[extension.as_str()])
        .blocking_save_file()?;
    picked.into_path().ok().map(|p| p.display().to_string())
}
