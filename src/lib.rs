//! Planhost core: everything the desktop console, the `planhost` CLI, the `planhost-controller` daemon and the tests
//! share. The shells only convert arguments and forward here.

pub mod api;
pub mod base;
pub mod buffers;
pub mod cli;
pub mod client;
pub mod console;
pub mod controller;
pub mod csv_file;
pub mod error;
pub mod hhyp;
pub mod ids;
pub mod local;
pub mod pki;
pub mod prepare;
pub mod profils;
pub mod provider;
pub mod secrets;
pub mod server;
pub mod tasks;
pub mod time_fmt;
pub mod tls;

pub use error::{Error, ErrorCode, Result};

/// Installs ring as the process's TLS crypto provider (only one is compiled in; this makes the choice explicit).
pub fn init_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
