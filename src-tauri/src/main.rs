//! The Planhost desktop console: a window over the core `Console`, with the local controller running in-process.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use planhost::console::{default_config_dir, default_data_dir, Console};
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
            commands::startup,
            commands::set_language,
            commands::enrol,
            commands::login,
            commands::licence,
            commands::accept_licence,
            commands::info,
            commands::logout,
            commands::forget_controller,
            commands::configuration,
            commands::statuses,
            commands::configure,
            commands::set_status_list_preferences,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Planhost console");
}
