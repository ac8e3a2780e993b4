//! Tauri commands, one file per pane: each converts its arguments and forwards to the core `Console`. Errors reach
//! the UI as the core's `{code, message, message_fr}`.

pub mod bases;
pub mod configuration;
pub mod connexion;
pub mod prepare;
pub mod profiles;
pub mod profils;
pub mod tasks;
pub mod users;
