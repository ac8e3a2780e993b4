//! The Planhost desktop console: a window over the core `Console`, with the local controller running in-process.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use planhost::console::{default_config_dir, default_data_dir, instance_id, Console};
use planhost::local::{self, LocalController};
use planhost::provider::Provider;
use planhost::Error;

pub struct AppState {
    /// No lock around it: the console keeps its own short locks, so calls run side by side.
    pub console: Console,
    pub local: Option<LocalController>,
    pub local_error: Option<Error>,
    pub provider: Option<Provider>,
    pub provider_error: Option<Error>,
}

fn main() {
    planhost::cli::init_tracing();
    planhost::init_crypto();
    let console = Console::open(&default_config_dir()).unwrap_or_else(|e| {
        eprintln!("{}", e.message);
        std::process::exit(1)
    });
    tauri::Builder::default()
        // First: a second launch over the same folders shows this window and exits before starting anything.
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&default_config_dir(), &default_data_dir()))
                .callback(|app, _args, _cwd| {
                    use tauri::Manager;
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                })
                .build(),
        )
        .setup(move |app| {
            use tauri::Manager;
            // The local controller runs on Tauri's Tokio runtime, on 127.0.0.1 and a free port.
            let (local, local_error) = match tauri::async_runtime::block_on(local::start(&default_data_dir())) {
                Ok(l) => match console.register_local(&l.info.address, l.controller.ca_pem()) {
                    Ok(()) => (Some(l), None),
                    Err(e) => (Some(l), Some(e)),
                },
                Err(e) => (None, Some(e)),
            };
            // A console shipped by a provider opens on its controller (provider file: $PLANHOST_PROVIDER, beside the
            // executable, or bundled as a resource).
            let bundled = app.path().resource_dir().ok();
            let (provider, provider_error) = match console.adopt_provider(bundled.as_deref()) {
                Ok(provider) => (provider, None),
                Err(e) => (None, Some(e)),
            };
            if let Some(window) = app.get_webview_window("main") {
                draw_without_gpu_compositing_when_there_is_no_gpu(&window);
            }
            app.manage(AppState {
                console,
                local,
                local_error,
                provider,
                provider_error,
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::connexion::startup,
            commands::connexion::set_language,
            commands::connexion::enrol,
            commands::connexion::login,
            commands::connexion::licence,
            commands::connexion::accept_licence,
            commands::connexion::info,
            commands::connexion::logout,
            commands::connexion::whoami,
            commands::connexion::change_own_password,
            commands::connexion::forget_controller,
            commands::configuration::configuration,
            commands::configuration::statuses,
            commands::configuration::configure,
            commands::configuration::set_status_list_preferences,
            commands::users::users,
            commands::users::change_users,
            commands::users::import_users,
            commands::users::save_download,
            commands::profiles::profiles,
            commands::bases::bases,
            commands::bases::change_bases,
            commands::bases::check_grid,
            commands::bases::default_grid,
            commands::bases::pick_hhyp,
            commands::bases::upload_base,
            commands::bases::download_base,
            commands::profiles::change_profiles,
            commands::profils::import_profils,
            commands::profils::export_profils,
            commands::tasks::cancel_task,
            commands::prepare::prepare_create,
            commands::prepare::prepare_summary,
            commands::prepare::prepare_grid,
            commands::prepare::prepare_change_grid,
            commands::prepare::prepare_unplaced,
            commands::prepare::prepare_import_timetable,
            commands::prepare::prepare_add_annexes,
            commands::prepare::prepare_remove_annex,
            commands::prepare::prepare_users,
            commands::prepare::prepare_import_users,
            commands::prepare::prepare_remove_users,
            commands::prepare::prepare_export_profils,
            commands::prepare::prepare_pack,
            commands::prepare::pick_folder,
            commands::prepare::pick_files,
            commands::prepare::pick_save,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Planhost console");
}

/// WebKitGTK composites pages with GL. With no GPU render node (virtual machines, remote desktops, Xvfb) that GL runs
/// on llvmpipe in the web process and costs about 85 MiB for a page of forms; drawing without compositing shows the
/// same screens. A machine with a GPU keeps WebKitGTK's choice.
fn draw_without_gpu_compositing_when_there_is_no_gpu(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let has_render_node = std::fs::read_dir("/dev/dri")
            .map(|nodes| {
                nodes
                    .flatten()
                    .any(|n| n.file_name().to_string_lossy().starts_with("renderD"))
            })
            .unwrap_or(false);
        if !has_render_node && std::env::var_os("PLANHOST_GPU_COMPOSITING").is_none() {
            let _ = window.with_webview(|view| {
                use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                if let Some(settings) = view.inner().settings() {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
