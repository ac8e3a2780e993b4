//! The console: what the desktop app, the `planhost` CLI and the tests all drive. It remembers controllers and
//! enrolments (plain config), keeps keys and session tokens in the OS keyring, and talks to controllers through
//! `ControllerClient`.

pub mod config;

use crate::api::{AccountInfo, ConfigChange, Configuration, EnrolRequest, Licence, LoginRequest, WhoAmI};
use crate::client::{normalize_address, ControllerClient, Identity, Trust};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ConsolePassword, HostingNumber, InvoiceNumber};
use crate::pki::{self, CertificateInfo};
use crate::secrets::SecretStore;
use config::{ConsoleConfig, DeviceRecord, KnownController, Language, SessionRef, StatusListPreferences};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Key of the embedded controller in the console's list.
pub const LOCAL: &str = "local";

/// Where the console keeps its settings: `$PLANHOST_CONFIG_DIR`, else the platform config directory.
pub fn default_config_dir() -> PathBuf {
    std::env::var_os("PLANHOST_CONFIG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dirs::config_dir().unwrap_or_else(std::env::temp_dir).join("planhost"))
}

/// Where the embedded controller keeps its data: `$PLANHOST_DATA_DIR`, else the platform data directory.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("PLANHOST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("planhost"))
}

/// The result of installing a certificate, shown to confirm it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EnrolmentReceipt {
    pub controller: String,
    pub hosting_number: String,
    pub device_id: String,
    pub certificate_fingerprint: String,
    pub certificate_not_after: String,
    pub ca_fingerprint: String,
}

/// An open session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionInfo {
    pub controller: String,
    pub controller_address: String,
    pub hosting_number: String,
    pub licence_accepted: bool,
    pub expires_at: String,
    /// This device's certificate was close to expiry and was renewed at this login.
    pub certificate_renewed: bool,
}

/// A certificate is renewed at login once fewer days than this remain, or once it is in the last third of its
/// lifetime if that is shorter (a short-lived certificate is not renewed at every login).
pub const RENEW_BEFORE_DAYS: i64 = 30;

/// True when a certificate valid from `not_before` to `not_after` should be renewed at `now`.
pub fn renewal_due(not_before: i64, not_after: i64, now: i64) -> bool {
    let window = (RENEW_BEFORE_DAYS * 86400).min(not_after.saturating_sub(not_before) / 3);
    not_after.saturating_sub(now) < window
}

/// The "Informations" view.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConsoleInfo {
    pub controller: String,
    pub controller_address: String,
    pub hosting_number: String,
    pub device_id: String,
    pub certificate: CertificateInfo,
    pub ca_fingerprint: String,
    pub account: AccountInfo,
}

#[derive(Serialize, Deserialize)]
struct StoredSession {
    token: String,
    expires_at: String,
}

pub struct Console {
    dir: PathBuf,
    config: ConsoleConfig,
    secrets: SecretStore,
    /// Seconds added to the clock when deciding renewals: tests use it to stand days later.
    clock_skew: i64,
}

fn device_secret(controller: &str, hosting: &str) -> String {
    format!("device/{controller}/{hosting}")
}
const SESSION_SECRET: &str = "session";

fn not_connected() -> Error {
    Error::new(
        ErrorCode::NotConnected,
        "Not logged in to any controller. Log in first.",
        "Aucune connexion à un contrôleur. Connectez-vous d'abord.",
    )
}

impl Console {
    pub fn open(dir: &Path) -> Result<Console> {
        Ok(Console {
            dir: dir.to_owned(),
            config: ConsoleConfig::load(dir)?,
            secrets: SecretStore::for_config_dir(dir),
            clock_skew: 0,
        })
    }

    /// Makes renewal decisions as if it were `days` later (tests only: certificates take days to age).
    #[doc(hidden)]
    pub fn pretend_days_later(&mut self, days: i64) {
        self.clock_skew = days * 86400;
    }

    pub fn config(&self) -> &ConsoleConfig {
        &self.config
    }

    fn save(&self) -> Result<()> {
        self.config.save(&self.dir)
    }

    pub fn set_language(&mut self, language: Language) -> Result<()> {
        self.config.language = language;
        self.save()
    }

    /// Records the embedded controller's address and CA at each start of the app; its CA is trusted as read from
    /// its own data directory.
    pub fn register_local(&mut self, address: &str, ca_pem: &str) -> Result<()> {
        let entry = self.config.controllers.entry(LOCAL.into()).or_default();
        entry.address = address.to_owned();
        if entry.ca_pem.as_deref() != Some(ca_pem) {
            // A new local controller (data directory removed): earlier certificates are for the old one.
            entry.devices.clear();
            entry.ca_pem = Some(ca_pem.to_owned());
            entry.ca_fingerprint = Some(pki::fingerprint(&pki::pem_to_der(ca_pem)?));
        }
        self.save()
    }

    /// `local`, or a remote `host:port` normalised; remembered as the current controller.
    pub fn select_controller(&mut self, controller: &str) -> Result<String> {
        let key = if controller.trim() == LOCAL {
            LOCAL.to_owned()
        } else {
            normalize_address(controller)?
        };
        if key == LOCAL && !self.config.controllers.contains_key(LOCAL) {
            return Err(Error::new(
                ErrorCode::Unreachable,
                "The local controller runs inside the desktop console only.",
                "Le contrôleur local ne fonctionne qu'à l'intérieur de la console de bureau.",
            ));
        }
        let entry = self.config.controllers.entry(key.clone()).or_default();
        if key != LOCAL {
            entry.address = key.clone();
        }
        self.config.current = Some(key.clone());
        self.save()?;
        Ok(key)
    }

    fn known(&self, key: &str) -> Result<&KnownController> {
        self.config.controllers.get(key).ok_or_else(not_connected)
    }

    async fn identity(&self, key: &str, hosting: &HostingNumber) -> Result<Option<Identity>> {
        if !self.known(key)?.devices.contains_key(hosting.as_str()) {
            return Ok(None);
        }
        match self.secrets.get(&device_secret(key, hosting.as_str())).await? {
            Some(json) => Ok(serde_json::from_str(&json).ok()),
            None => Ok(None),
        }
    }

    /// True when this device has no certificate yet for this controller and hosting number.
    pub async fn needs_enrolment(&self, controller: &str, hosting_number: &str) -> Result<bool> {
        let hosting = HostingNumber::parse(hosting_number)?;
        Ok(self.identity(controller, &hosting).await?.is_none())
    }

    fn trust(&self, key: &str) -> Result<Trust> {
        Ok(match &self.known(key)?.ca_pem {
            Some(ca) => Trust::Pinned(ca.clone()),
            None => Trust::FirstUse {
                expected_ca_fingerprint: None,
            },
        })
    }

    /// First connection from this device: installs a certificate with the invoice number.
    ///
    /// `ca_fingerprint`, given by the provider with the credentials, is checked during the TLS handshake of the first
    /// contact, before the password or the invoice number leave this machine.
    pub async fn enrol(
        &mut self,
        controller: &str,
        hosting_number: &str,
        password: &str,
        invoice_number: &str,
        ca_fingerprint: Option<&str>,
    ) -> Result<EnrolmentReceipt> {
        let hosting = HostingNumber::parse(hosting_number)?;
        let password = ConsolePassword::parse(password)?;
        let invoice = InvoiceNumber::parse(invoice_number)?;
        let expected = ca_fingerprint
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(pki::parse_fingerprint)
            .transpose()?;
        let key = self.select_controller(controller)?;
        let address = self.known(&key)?.address.clone();
        let pinned = self.known(&key)?.ca_fingerprint.clone();
        if let (Some(expected), Some(pinned)) = (&expected, &pinned) {
            if expected != pinned {
                return Err(ca_mismatch_with_provider(&address));
            }
        }
        let trust = match self.trust(&key)? {
            Trust::FirstUse { .. } => Trust::FirstUse {
                expected_ca_fingerprint: expected.clone(),
            },
            pinned => pinned,
        };
        let (key_pem, csr_pem) = pki::new_device_key_and_csr()?;
        let client = ControllerClient::new(&address, &trust, None)?;
        let resp = client
            .enrol(&EnrolRequest {
                hosting_number: hosting.to_string(),
                password: password.expose().to_owned(),
                invoice_number: invoice.as_str().to_owned(),
                csr_pem,
                device_label: device_label(),
            })
            .await
            .map_err(|e| match (&expected, e.code) {
                (Some(_), ErrorCode::CaMismatch) => ca_mismatch_with_provider(&address),
                _ => e,
            })?;
        if expected
            .as_ref()
            .is_some_and(|f| *f != pki::fingerprint(&pki::pem_to_der(&resp.ca_pem).unwrap_or_default()))
        {
            return Err(ca_mismatch_with_provider(&address));
        }
        if let Some(pinned) = &self.known(&key)?.ca_pem {
            if pinned.trim() != resp.ca_pem.trim() {
                return Err(Error::new(
                    ErrorCode::CaMismatch,
                    "The controller returned another CA than the pinned one.",
                    "Le contrôleur a renvoyé une autorité différente de celle enregistrée.",
                ));
            }
        }
        let cert = pki::cert_info(&resp.certificate_pem)?;
        let identity = Identity {
            key_pem,
            cert_pem: resp.certificate_pem,
        };
        self.secrets
            .set(
                &device_secret(&key, hosting.as_str()),
                serde_json::to_string(&identity).map_err(Error::internal)?,
            )
            .await?;
        let ca_fingerprint = pki::fingerprint(&pki::pem_to_der(&resp.ca_pem)?);
        let entry = self.config.controllers.get_mut(&key).ok_or_else(not_connected)?;
        entry.ca_pem = Some(resp.ca_pem);
        entry.ca_fingerprint = Some(ca_fingerprint.clone());
        entry.devices.insert(
            hosting.to_string(),
            DeviceRecord {
                device_id: resp.device_id.clone(),
                certificate_fingerprint: cert.fingerprint_sha256.clone(),
                not_after: cert.not_after.clone(),
            },
        );
        self.config.last_hosting_number = Some(hosting.to_string());
        self.save()?;
        Ok(EnrolmentReceipt {
            controller: key,
            hosting_number: hosting.to_string(),
            device_id: resp.device_id,
            certificate_fingerprint: cert.fingerprint_sha256,
            certificate_not_after: cert.not_after,
            ca_fingerprint,
        })
    }

    /// Logs the hosting manager in. Fails with `enrolment_required` when this device has no certificate yet.
    pub async fn login(&mut self, controller: &str, hosting_number: &str, password: &str) -> Result<SessionInfo> {
        let hosting = HostingNumber::parse(hosting_number)?;
        let password = ConsolePassword::parse(password)?;
        let key = self.select_controller(controller)?;
        let Some(identity) = self.identity(&key, &hosting).await? else {
            return Err(Error::new(
                ErrorCode::EnrolmentRequired,
                "First connection from this device: enter the invoice number to install its certificate.",
                "Première connexion depuis ce poste : saisissez le numéro de facture pour installer son certificat.",
            ));
        };
        let address = self.known(&key)?.address.clone();
        let client = ControllerClient::new(&address, &self.trust(&key)?, Some(&identity))?;
        let request = LoginRequest {
            hosting_number: hosting.to_string(),
            password: password.expose().to_owned(),
        };
        let resp = match client.login(&request).await {
            Err(e) if e.code == ErrorCode::CertificateRevoked => {
                // The controller (whose CA is pinned) no longer accepts this certificate: it is useless; drop it so
                // that the invoice number can install a new one.
                self.drop_identity(&key, &hosting).await?;
                return Err(Error::new(
                    ErrorCode::EnrolmentRequired,
                    "This device's certificate was revoked by the controller: enter the invoice number to install a new one.",
                    "Le certificat de ce poste a été révoqué par le contrôleur : saisissez le numéro de facture pour en installer un nouveau.",
                ));
            }
            other => other?,
        };
        // A failed renewal does not fail the login: the next one tries again, well before the certificate expires.
        let renewed = match self.renew_if_due(&key, &hosting, &identity, &resp.token).await {
            Ok(renewed) => renewed,
            Err(e) => {
                tracing::warn!("certificate renewal failed: {}", e.message);
                false
            }
        };
        let stored = StoredSession {
            token: resp.token,
            expires_at: resp.expires_at.clone(),
        };
        self.secrets
            .set(SESSION_SECRET, serde_json::to_string(&stored).map_err(Error::internal)?)
            .await?;
        self.config.session = Some(SessionRef {
            controller: key.clone(),
            hosting_number: hosting.to_string(),
        });
        self.config.last_hosting_number = Some(hosting.to_string());
        self.save()?;
        Ok(SessionInfo {
            controller: key,
            controller_address: address,
            hosting_number: hosting.to_string(),
            licence_accepted: resp.licence_accepted,
            expires_at: resp.expires_at,
            certificate_renewed: renewed,
        })
    }

    /// Renews this device's certificate (new key) when it expires within `RENEW_BEFORE_DAYS`.
    async fn renew_if_due(
        &mut self,
        key: &str,
        hosting: &HostingNumber,
        identity: &Identity,
        token: &str,
    ) -> Result<bool> {
        let current = pki::cert_info(&identity.cert_pem)?;
        let now = crate::time_fmt::now_unix() + self.clock_skew;
        if !renewal_due(current.not_before_unix, current.not_after_unix, now) {
            return Ok(false);
        }
        let (key_pem, csr_pem) = pki::new_device_key_and_csr()?;
        let address = self.known(key)?.address.clone();
        let client = ControllerClient::new(&address, &self.trust(key)?, Some(identity))?.with_token(token);
        let resp = client.renew(csr_pem).await?;
        let renewed = pki::cert_info(&resp.certificate_pem)?;
        let identity = Identity {
            key_pem,
            cert_pem: resp.certificate_pem,
        };
        let secret = serde_json::to_string(&identity).map_err(Error::internal)?;
        self.secrets.set(&device_secret(key, hosting.as_str()), secret).await?;
        if let Some(record) = self
            .config
            .controllers
            .get_mut(key)
            .and_then(|k| k.devices.get_mut(hosting.as_str()))
        {
            record.certificate_fingerprint = renewed.fingerprint_sha256;
            record.not_after = renewed.not_after;
        }
        self.save()?;
        Ok(true)
    }

    /// A client for the open session.
    async fn session_client(&self) -> Result<(SessionRef, ControllerClient)> {
        let session = self.config.session.clone().ok_or_else(not_connected)?;
        let hosting = HostingNumber::parse(&session.hosting_number)?;
        let identity = self
            .identity(&session.controller, &hosting)
            .await?
            .ok_or_else(not_connected)?;
        let stored: StoredSession = match self.secrets.get(SESSION_SECRET).await? {
            Some(json) => serde_json::from_str(&json).map_err(|_| Error::session_required())?,
            None => return Err(Error::session_required()),
        };
        let address = &self.known(&session.controller)?.address;
        let client = ControllerClient::new(address, &self.trust(&session.controller)?, Some(&identity))?
            .with_token(stored.token);
        Ok((session, client))
    }

    pub async fn whoami(&self) -> Result<WhoAmI> {
        self.session_client().await?.1.whoami().await
    }

    pub async fn licence(&self) -> Result<Licence> {
        self.session_client().await?.1.licence().await
    }

    pub async fn accept_licence(&self, version: i64) -> Result<Licence> {
        self.session_client().await?.1.accept_licence(version).await
    }

    pub async fn configuration(&self) -> Result<Configuration> {
        self.session_client().await?.1.configuration().await
    }

    /// The configuration with every planning's status checked now.
    pub async fn statuses(&self) -> Result<Configuration> {
        self.session_client().await?.1.statuses().await
    }

    pub async fn apply(&self, change: &ConfigChange) -> Result<Configuration> {
        self.session_client().await?.1.apply(change).await
    }

    pub fn set_status_list_preferences(&mut self, preferences: StatusListPreferences) -> Result<()> {
        if !["list", "details"].contains(&preferences.view.as_str())
            || !["name", "status", "changed"].contains(&preferences.sort.as_str())
        {
            return Err(Error::invalid(
                "Unknown view or sort order.",
                "Affichage ou tri inconnu.",
            ));
        }
        self.config.status_list = preferences;
        self.save()
    }

    pub async fn info(&self) -> Result<ConsoleInfo> {
        let (session, client) = self.session_client().await?;
        let account = client.account().await?;
        let known = self.known(&session.controller)?;
        let hosting = HostingNumber::parse(&session.hosting_number)?;
        let identity = self
            .identity(&session.controller, &hosting)
            .await?
            .ok_or_else(not_connected)?;
        Ok(ConsoleInfo {
            controller: session.controller.clone(),
            controller_address: known.address.clone(),
            hosting_number: session.hosting_number.clone(),
            device_id: known
                .devices
                .get(&session.hosting_number)
                .map(|d| d.device_id.clone())
                .unwrap_or_default(),
            certificate: pki::cert_info(&identity.cert_pem)?,
            ca_fingerprint: known.ca_fingerprint.clone().unwrap_or_default(),
            account,
        })
    }

    /// Ends the session on the controller (when it answers) and forgets the token here in any case.
    pub async fn logout(&mut self) -> Result<()> {
        let ended = match self.session_client().await {
            Ok((_, client)) => client.logout().await.map(drop),
            Err(e) => Err(e),
        };
        self.secrets.delete(SESSION_SECRET).await?;
        self.config.session = None;
        self.save()?;
        match ended {
            Err(e) if e.code == ErrorCode::Unreachable => Err(e),
            _ => Ok(()),
        }
    }

    async fn drop_identity(&mut self, key: &str, hosting: &HostingNumber) -> Result<()> {
        self.secrets.delete(&device_secret(key, hosting.as_str())).await?;
        if let Some(known) = self.config.controllers.get_mut(key) {
            known.devices.remove(hosting.as_str());
        }
        self.save()
    }

    /// Removes a controller, its pinned CA and this device's certificates for it.
    pub async fn forget(&mut self, controller: &str) -> Result<()> {
        let key = if controller.trim() == LOCAL {
            LOCAL.to_owned()
        } else {
            normalize_address(controller)?
        };
        let Some(known) = self.config.controllers.remove(&key) else {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("No controller {key} in this console."),
                format!("Aucun contrôleur {key} dans cette console."),
            ));
        };
        for hosting in known.devices.keys() {
            self.secrets.delete(&device_secret(&key, hosting)).await?;
        }
        if self.config.session.as_ref().is_some_and(|s| s.controller == key) {
            self.secrets.delete(SESSION_SECRET).await?;
            self.config.session = None;
        }
        if self.config.current.as_deref() == Some(&key) {
            self.config.current = None;
        }
        self.save()
    }
}

fn ca_mismatch_with_provider(address: &str) -> Error {
    Error::new(
        ErrorCode::CaMismatch,
        format!(
            "The controller at {address} is not the one whose fingerprint the provider gave. Nothing was sent to it."
        ),
        format!(
            "Le contrôleur {address} n'est pas celui dont l'hébergeur a donné l'empreinte. Rien ne lui a été envoyé."
        ),
    )
}

fn device_label() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "poste".into())
}

/// What the first screen needs to draw itself.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StartupState {
    pub language: Language,
    pub local: Option<crate::local::LocalControllerInfo>,
    /// Why the local controller could not start, if it could not.
    pub local_error: Option<Error>,
    /// Remote controllers this console knows (`host:port`).
    pub remote_controllers: Vec<String>,
    pub current: Option<String>,
    pub last_hosting_number: Option<String>,
    pub status_list: StatusListPreferences,
    /// Every IANA time zone, for the planning settings.
    pub time_zones: Vec<String>,
}

impl Console {
    pub fn startup_state(
        &self,
        local: Option<crate::local::LocalControllerInfo>,
        local_error: Option<Error>,
    ) -> StartupState {
        StartupState {
            language: self.config.language,
            local,
            local_error,
            remote_controllers: self
                .config
                .controllers
                .keys()
                .filter(|k| k.as_str() != LOCAL)
                .cloned()
                .collect(),
            current: self.config.current.clone(),
            last_hosting_number: self.config.last_hosting_number.clone(),
            status_list: self.config.status_list.clone(),
            time_zones: crate::controller::configuration::time_zones(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::renewal_due;

    #[test]
    fn certificates_are_renewed_in_the_last_month_or_the_last_third_of_a_short_life() {
        let day = 86400;
        // One year: renewed in its last 30 days only.
        assert!(!renewal_due(0, 365 * day, 300 * day));
        assert!(renewal_due(0, 365 * day, 336 * day));
        // Ten days: not at every login, but in its last third.
        assert!(!renewal_due(0, 10 * day, day));
        assert!(renewal_due(0, 10 * day, 7 * day + 1));
    }
}
