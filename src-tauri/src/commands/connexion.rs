//! Connexion: start-up state, language, enrolment, login, licence, logout, forgetting a controller.

use super::tasks::report_to;
use crate::AppState;
use planhost::api::{Licence, PasswordChange, WhoAmI};
use planhost::console::config::Language;
use planhost::console::{ConsoleInfo, EnrolmentReceipt, Holder, SessionInfo, StartupState};
use planhost::tasks::TaskProgress;
use planhost::Result;
use tauri::ipc::Channel;
use tauri::State;

#[tauri::command]
pub async fn startup(state: State<'_, AppState>) -> Result<StartupState> {
    let local = state.local.as_ref().map(|l| l.info.clone());
    Ok(state.console.startup_state(
        local,
        state.local_error.clone(),
        state.provider.clone(),
        state.provider_error.clone(),
    ))
}

#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, language: Language) -> Result<()> {
    state.console.set_language(language)
}

// The arguments are the form's fields plus the task's id and progress channel, as the window sends them.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn enrol(
    state: State<'_, AppState>,
    controller: String,
    hosting_number: String,
    login: Option<String>,
    password: String,
    invoice_number: String,
    ca_fingerprint: Option<String>,
    task_id: String,
    on_progress: Channel<TaskProgress>,
) -> Result<EnrolmentReceipt> {
    let console = &state.console;
    let holder = Holder::parse(&hosting_number, login.as_deref())?;
    let work = console.enrol_as(
        &controller,
        &holder,
        &password,
        &invoice_number,
        ca_fingerprint.as_deref(),
    );
    console.tasks().run(&task_id, report_to(on_progress), work).await
}

#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    controller: String,
    hosting_number: String,
    login: Option<String>,
    password: String,
    ca_fingerprint: Option<String>,
    task_id: String,
    on_progress: Channel<TaskProgress>,
) -> Result<SessionInfo> {
    let console = &state.console;
    let holder = Holder::parse(&hosting_number, login.as_deref())?;
    let work = console.login_as(&controller, &holder, &password, ca_fingerprint.as_deref());
    console.tasks().run(&task_id, report_to(on_progress), work).await
}

/// Who is logged in, and the panes and plannings it may use.
#[tauri::command]
pub async fn whoami(state: State<'_, AppState>) -> Result<WhoAmI> {
    state.console.whoami().await
}

#[tauri::command]
pub async fn change_own_password(state: State<'_, AppState>, change: PasswordChange) -> Result<WhoAmI> {
    state.console.change_own_password(&change).await
}

#[tauri::command]
pub async fn licence(state: State<'_, AppState>) -> Result<Licence> {
    state.console.licence().await
}

#[tauri::command]
pub async fn accept_licence(state: State<'_, AppState>, version: i64) -> Result<Licence> {
    state.console.accept_licence(version).await
}

#[tauri::command]
pub async fn info(state: State<'_, AppState>) -> Result<ConsoleInfo> {
    state.console.info().await
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>) -> Result<()> {
    state.console.logout().await
}

#[tauri::command]
pub async fn forget_controller(state: State<'_, AppState>, controller: String) -> Result<()> {
    state.console.forget(&controller).await
}
