//! The console's plain configuration (`console.json` in the platform config directory): known controllers, their
//! pinned CA, the hosting numbers enrolled on this device, the language. Nothing secret lives here.

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

const FILE: &str = "console.json";
pub const CONFIG_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

/// How the status list is shown; remembered between launches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatusListPreferences {
    /// Refresh every 30 s.
    pub auto_refresh: bool,
    /// `list` or `details`.
    pub view: String,
    /// `name`, `status` or `changed`.
    pub sort: String,
    pub group_by_status: bool,
}

impl Default for StatusListPreferences {
    fn default() -> Self {
        StatusListPreferences {
            auto_refresh: true,
            view: "list".into(),
            sort: "name".into(),
            group_by_status: false,
        }
    }
}

/// This device's certificate for one hosting number on one controller (the key itself is in the keyring).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub device_id: String,
    pub certificate_fingerprint: String,
    pub not_after: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KnownController {
    /// `host:port`; for the local controller, the address of its last start.
    pub address: String,
    /// The controller's CA, pinned at the first enrolment (public).
    pub ca_pem: Option<String>,
    pub ca_fingerprint: Option<String>,
    /// Before anything is pinned: the CA fingerprint the provider gave (provider file, or typed), checked in the
    /// handshake of the first contact.
    #[serde(default)]
    pub expected_ca_fingerprint: Option<String>,
    /// Hosting number → device certificate.
    #[serde(default)]
    pub devices: BTreeMap<String, DeviceRecord>,
}

/// Which controller and account the open session belongs to (its token is in the keyring).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRef {
    pub controller: String,
    pub hosting_number: String,
    /// The administrator logged in; none for the hosting manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
}

impl SessionRef {
    pub fn holder(&self) -> crate::Result<super::Holder> {
        super::Holder::parse(&self.hosting_number, self.login.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleConfig {
    pub version: u32,
    #[serde(default)]
    pub language: Language,
    /// Key in `controllers` of the controller last used ("local" for the embedded one).
    pub current: Option<String>,
    pub last_hosting_number: Option<String>,
    #[serde(default)]
    pub controllers: BTreeMap<String, KnownController>,
    pub session: Option<SessionRef>,
    #[serde(default)]
    pub status_list: StatusListPreferences,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            version: CONFIG_VERSION,
            language: Language::default(),
            current: None,
            last_hosting_number: None,
            controllers: BTreeMap::new(),
            session: None,
            status_list: StatusListPreferences::default(),
        }
    }
}

impl ConsoleConfig {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FILE)
    }

    pub fn load(dir: &Path) -> Result<ConsoleConfig> {
        let path = Self::path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConsoleConfig::default()),
            Err(e) => return Err(e.into()),
        };
        let config: ConsoleConfig = serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorCode::Storage,
                format!(
                    "The console settings in {} are damaged ({e}). Move the file away to start afresh.",
                    path.display()
                ),
                format!(
                    "Les réglages de la console ({}) sont endommagés ({e}). Déplacez ce fichier pour repartir de zéro.",
                    path.display()
                ),
            )
        })?;
        if config.version > CONFIG_VERSION {
            return Err(Error::new(
                ErrorCode::UnsupportedVersion,
                format!(
                    "{} was written by a newer Planhost (version {}).",
                    path.display(),
                    config.version
                ),
                format!(
                    "{} a été écrit par une version plus récente de Planhost (version {}).",
                    path.display(),
                    config.version
                ),
            ));
        }
        Ok(config)
    }

    /// Written to a temporary file then renamed, so a crash never leaves half a file.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!("{FILE}.tmp"));
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).map_err(Error::internal)?)?;
        std::fs::rename(&tmp, Self::path(dir))?;
        Ok(())
    }
}
