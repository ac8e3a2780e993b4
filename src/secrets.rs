//! Secrets of the console (device keys and certificates, session tokens) in the operating system's keyring:
//! the Secret Service on Linux (gnome-keyring, KWallet). Nothing secret is written to plain files.
//!
//! Entries are named `planhost` / `<namespace>/<name>`; the namespace is derived from the console's configuration
//! directory, so two installations (or two test runs) on one machine never read each other's entries.

use crate::error::{Error, ErrorCode, Result};
use keyring_core::Entry;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::OnceLock;

const SERVICE: &str = "planhost";

#[derive(Clone)]
pub struct SecretStore {
    namespace: String,
}

fn keyring_error(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Keyring,
        format!("The system keyring is not available ({e}). On Linux, start a Secret Service such as gnome-keyring, then try again."),
        format!("Le trousseau du système n'est pas disponible ({e}). Sous Linux, démarrez un service de secrets comme gnome-keyring, puis réessayez."),
    )
}

fn ensure_default_store() -> Result<()> {
    static INIT: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        #[cfg(target_os = "linux")]
        {
            let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| e.to_string())?;
            keyring_core::set_default_store(store);
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err("this build of Planhost has no keyring store for this operating system yet".to_string())
        }
    })
    .clone()
    .map_err(keyring_error)
}

impl SecretStore {
    pub fn for_config_dir(dir: &Path) -> SecretStore {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
        SecretStore {
            namespace: crate::pki::hex(&digest[..6], false, None),
        }
    }

    fn entry(&self, name: &str) -> Result<Entry> {
        ensure_default_store()?;
        Entry::new(SERVICE, &format!("{}/{name}", self.namespace)).map_err(keyring_error)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&SecretStore) -> Result<T> + Send + 'static) -> Result<T> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me))
            .await
            .map_err(Error::internal)?
    }

    pub async fn set(&self, name: &str, secret: String) -> Result<()> {
        let name = name.to_owned();
        self.run(move |s| s.entry(&name)?.set_password(&secret).map_err(keyring_error))
            .await
    }

    /// `None` when there is no such entry.
    pub async fn get(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        self.run(move |s| match s.entry(&name)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        })
        .await
    }

    pub async fn delete(&self, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.run(move |s| match s.entry(&name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        })
        .await
    }
}
