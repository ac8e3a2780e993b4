//! The console: what the desktop app, the `planhost` CLI and the tests all drive. It remembers controllers and
//! enrolments (plain config), keeps keys and session tokens in the OS keyring, and talks to controllers through
//! `ControllerClient`.

pub mod config;
mod connect;
pub mod downloads;
pub mod transfer;

use crate::api::{
    AccountInfo, ConfigChange, Configuration, Licence, PasswordChange, PlanningProfiles, ProfileChange, ProfileOutcome,
    ProfilsImport, UserChange, UserOutcome, UserPage, UserQuery, UsersImport, WhoAmI,
};
use crate::client::{normalize_address, ControllerClient, Identity, Trust};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;
use crate::pki::{self, CertificateInfo};
use crate::provider::Provider;
use crate::secrets::SecretStore;
use crate::tasks::Tasks;
use config::{ConsoleConfig, KnownController, Language, SessionRef, StatusListPreferences};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
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

/// The name a running console is known by, so that a second launch over the same settings and data folders brings
/// the first window forward instead of opening a second local controller on them. With the default folders that is
/// one console per user.
pub fn instance_id(config_dir: &Path, data_dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    let folders = Sha256::digest(format!("{}\n{}", config_dir.display(), data_dir.display()));
    format!("fr.planhost.console.i{}", crate::pki::hex(&folders[..8], false, None))
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
    /// The administrator logged in; none for the hosting manager.
    pub login: Option<String>,
    pub licence_accepted: bool,
    /// A given password: the console asks for a new one before anything else.
    pub must_change_password: bool,
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

/// The console. Every method takes `&self`: state sits behind short locks that are never held across the network, so
/// a slow call (an upload, an unreachable controller) never holds up a status refresh or a logout running beside it.
pub struct Console {
    dir: PathBuf,
    config: Mutex<ConsoleConfig>,
    secrets: SecretStore,
    /// The open session's client, built once (at login, or from the keyring after a relaunch) and reused.
    session: Mutex<Option<Arc<OpenSession>>>,
    /// Seconds added to the clock when deciding renewals: tests use it to stand days later.
    clock_skew: AtomicI64,
    /// Long operations under way, with their progress and cancellation.
    tasks: Tasks,
}

struct OpenSession {
    session: SessionRef,
    client: ControllerClient,
}

fn device_secret(controller: &str, holder: &str) -> String {
    format!("device/{controller}/{holder}")
}

/// Whose certificate and session: the hosting manager of an account, or one of its administrators by login. Each has
/// its own certificate on a machine, so that disabling an administrator revokes its devices and no one else's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub hosting: HostingNumber,
    pub login: Option<String>,
}

impl Holder {
    /// An empty login means the hosting manager.
    pub fn parse(hosting_number: &str, login: Option<&str>) -> Result<Holder> {
        let login = login.map(str::trim).filter(|l| !l.is_empty());
        Ok(Holder {
            hosting: HostingNumber::parse(hosting_number)?,
            login: login.map(crate::controller::users::login).transpose()?,
        })
    }

    /// The name its certificate is filed under: the hosting number, or `hosting number/login` in lower case.
    pub fn key(&self) -> String {
        match &self.login {
            None => self.hosting.to_string(),
            Some(login) => format!("{}/{}", self.hosting, login.to_lowercase()),
        }
    }
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
            config: Mutex::new(ConsoleConfig::load(dir)?),
            secrets: SecretStore::for_config_dir(dir),
            session: Mutex::new(None),
            clock_skew: AtomicI64::new(0),
            tasks: Tasks::default(),
        })
    }

    /// The background tasks under way (enrolment, login; uploads next): run one, or cancel it by id.
    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }

    /// Makes renewal decisions as if it were `days` later (tests only: certificates take days to age).
    #[doc(hidden)]
    pub fn pretend_days_later(&self, days: i64) {
        self.clock_skew.store(days * 86400, Ordering::Relaxed);
    }

    /// A copy of the settings as they are now.
    pub fn config(&self) -> ConsoleConfig {
        self.read(Clone::clone)
    }

    fn read<R>(&self, f: impl FnOnce(&ConsoleConfig) -> R) -> R {
        f(&self.config.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Changes the settings and writes them, under the lock so that two changes never overwrite each other.
    fn update<R>(&self, f: impl FnOnce(&mut ConsoleConfig) -> Result<R>) -> Result<R> {
        let mut config = self.config.lock().unwrap_or_else(PoisonError::into_inner);
        let mut changed = config.clone();
        let r = f(&mut changed)?;
        changed.save(&self.dir)?;
        *config = changed;
        Ok(r)
    }

    fn cached_session(&self) -> Option<Arc<OpenSession>> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_cached_session(&self, open: Option<Arc<OpenSession>>) {
        *self.session.lock().unwrap_or_else(PoisonError::into_inner) = open;
    }

    pub fn set_language(&self, language: Language) -> Result<()> {
        self.update(|c| {
            c.language = language;
            Ok(())
        })
    }

    /// Records the embedded controller's address and CA at each start of the app; its CA is trusted as read from
    /// its own data directory.
    pub fn register_local(&self, address: &str, ca_pem: &str) -> Result<()> {
        let fingerprint = pki::fingerprint(&pki::pem_to_der(ca_pem)?);
        self.update(|c| {
            let entry = c.controllers.entry(LOCAL.into()).or_default();
            entry.address = address.to_owned();
            if entry.ca_pem.as_deref() != Some(ca_pem) {
                // A new local controller (data directory removed): earlier certificates are for the old one.
                entry.devices.clear();
                entry.ca_pem = Some(ca_pem.to_owned());
                entry.ca_fingerprint = Some(fingerprint);
            }
            Ok(())
        })
    }

    /// `local`, or a remote `host:port` normalised; remembered as the current controller.
    pub fn select_controller(&self, controller: &str) -> Result<String> {
        let key = controller_key(controller)?;
        self.update(|c| {
            if key == LOCAL && !c.controllers.contains_key(LOCAL) {
                return Err(Error::new(
                    ErrorCode::Unreachable,
                    "The local controller runs inside the desktop console only.",
                    "Le contrôleur local ne fonctionne qu'à l'intérieur de la console de bureau.",
                ));
            }
            let entry = c.controllers.entry(key.clone()).or_default();
            if key != LOCAL {
                entry.address = key.clone();
            }
            c.current = Some(key.clone());
            Ok(key.clone())
        })
    }

    fn known(&self, key: &str) -> Result<KnownController> {
        self.read(|c| c.controllers.get(key).cloned()).ok_or_else(not_connected)
    }

    async fn identity(&self, key: &str, holder: &Holder) -> Result<Option<Identity>> {
        if !self.known(key)?.devices.contains_key(&holder.key()) {
            return Ok(None);
        }
        match self.secrets.get(&device_secret(key, &holder.key())).await? {
            Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| {
                Error::new(
                    ErrorCode::Keyring,
                    format!("This device's certificate in the system keyring is unreadable ({e}). Remove this controller from the console, then connect again with the invoice number."),
                    format!("Le certificat de ce poste dans le trousseau du système est illisible ({e}). Retirez ce contrôleur de la console, puis reconnectez-vous avec le numéro de facture."),
                )
            }),
            None => Ok(None),
        }
    }

    /// True when this device has no certificate yet for this controller and hosting number (and login).
    pub async fn needs_enrolment(&self, controller: &str, hosting_number: &str) -> Result<bool> {
        self.needs_enrolment_as(controller, &Holder::parse(hosting_number, None)?)
            .await
    }

    pub async fn needs_enrolment_as(&self, controller: &str, holder: &Holder) -> Result<bool> {
        Ok(self.identity(controller, holder).await?.is_none())
    }

    fn trust(&self, key: &str) -> Result<Trust> {
        let known = self.known(key)?;
        Ok(match known.ca_pem {
            Some(ca) => Trust::Pinned(ca),
            None => Trust::FirstUse {
                expected_ca_fingerprint: known.expected_ca_fingerprint,
            },
        })
    }

    /// Records the CA fingerprint the provider gave for a controller not pinned yet; refuses one that contradicts
    /// the pinned CA.
    fn expect_ca(&self, key: &str, fingerprint: &str) -> Result<()> {
        let fingerprint = pki::parse_fingerprint(fingerprint)?;
        self.update(|c| {
            let entry = c.controllers.get_mut(key).ok_or_else(not_connected)?;
            match &entry.ca_fingerprint {
                Some(pinned) if *pinned != fingerprint => Err(connect::ca_mismatch_with_provider(&entry.address)),
                Some(_) => Ok(()),
                None => {
                    entry.expected_ca_fingerprint = Some(fingerprint);
                    Ok(())
                }
            }
        })
    }

    /// Finds the provider file (see `Provider::find`; `bundled` is the app's resource folder) and registers its
    /// controller. `None` for a console shipped by no provider.
    pub fn adopt_provider(&self, bundled: Option<&Path>) -> Result<Option<Provider>> {
        let Some((provider, _)) = Provider::find(bundled)? else {
            return Ok(None);
        };
        self.register_provider(&provider)?;
        Ok(Some(provider))
    }

    /// A console shipped by a provider: its controller is known from the start, with the CA fingerprint to expect,
    /// and is the one the first screen opens on until the user picks another.
    pub fn register_provider(&self, provider: &Provider) -> Result<()> {
        self.update(|c| {
            let entry = c.controllers.entry(provider.controller.clone()).or_default();
            entry.address = provider.controller.clone();
            if entry.ca_pem.is_none() {
                entry.expected_ca_fingerprint = Some(provider.ca_fingerprint.clone());
            }
            if c.current.is_none() {
                c.current = Some(provider.controller.clone());
            }
            Ok(())
        })
    }

    /// The open session's client: the one built at login, or built once from the keyring after a relaunch.
    async fn session_client(&self) -> Result<Arc<OpenSession>> {
        if let Some(open) = self.cached_session() {
            return Ok(open);
        }
        let session = self.read(|c| c.session.clone()).ok_or_else(not_connected)?;
        let identity = self
            .identity(&session.controller, &session.holder()?)
            .await?
            .ok_or_else(not_connected)?;
        let stored: StoredSession = match self.secrets.get(SESSION_SECRET).await? {
            Some(json) => serde_json::from_str(&json).map_err(|_| Error::session_required())?,
            None => return Err(Error::session_required()),
        };
        let address = self.known(&session.controller)?.address;
        let client = ControllerClient::new(&address, &self.trust(&session.controller)?, Some(&identity))?
            .with_token(stored.token);
        let open = Arc::new(OpenSession { session, client });
        // A logout that ran meanwhile wins: only cache a client for the session still recorded.
        let current = self.read(|c| c.session.clone());
        if current.as_ref() == Some(&open.session) {
            self.set_cached_session(Some(open.clone()));
        }
        Ok(open)
    }

    pub async fn whoami(&self) -> Result<WhoAmI> {
        self.session_client().await?.client.whoami().await
    }

    pub async fn licence(&self) -> Result<Licence> {
        self.session_client().await?.client.licence().await
    }

    /// The administrator logged in chooses its own password; the session goes on with every pane of its scope.
    pub async fn change_own_password(&self, change: &PasswordChange) -> Result<WhoAmI> {
        self.session_client().await?.client.change_own_password(change).await
    }

    pub async fn accept_licence(&self, version: i64) -> Result<Licence> {
        self.session_client().await?.client.accept_licence(version).await
    }

    pub async fn configuration(&self) -> Result<Configuration> {
        self.session_client().await?.client.configuration().await
    }

    /// The configuration with every planning's status checked now.
    pub async fn statuses(&self) -> Result<Configuration> {
        self.session_client().await?.client.statuses().await
    }

    pub async fn apply(&self, change: &ConfigChange) -> Result<Configuration> {
        self.session_client().await?.client.apply(change).await
    }

    pub async fn users(&self, query: &UserQuery) -> Result<UserPage> {
        self.session_client().await?.client.users(query).await
    }

    pub async fn change_users(&self, change: &UserChange) -> Result<UserOutcome> {
        self.session_client().await?.client.change_users(change).await
    }

    pub async fn import_users(&self, file: Vec<u8>, check_only: bool) -> Result<UsersImport> {
        self.session_client().await?.client.import_users(file, check_only).await
    }

    pub async fn import_profils(&self, file: Vec<u8>, check_only: bool) -> Result<ProfilsImport> {
        self.session_client()
            .await?
            .client
            .import_profils(file, check_only)
            .await
    }

    pub async fn export_profils(&self) -> Result<crate::profils::ProfilsFile> {
        self.session_client().await?.client.export_profils().await
    }

    pub async fn profiles(&self, planning_id: i64) -> Result<PlanningProfiles> {
        self.session_client().await?.client.profiles(planning_id).await
    }

    pub async fn change_profiles(&self, planning_id: i64, change: &ProfileChange) -> Result<ProfileOutcome> {
        self.session_client()
            .await?
            .client
            .change_profiles(planning_id, change)
            .await
    }

    pub async fn bases(&self, planning_id: i64) -> Result<crate::api::PlanningBases> {
        self.session_client().await?.client.bases(planning_id).await
    }

    pub async fn change_bases(
        &self,
        planning_id: i64,
        change: &crate::api::BaseChange,
    ) -> Result<crate::api::PlanningBases> {
        self.session_client()
            .await?
            .client
            .change_bases(planning_id, change)
            .await
    }

    pub fn set_status_list_preferences(&self, preferences: StatusListPreferences) -> Result<()> {
        if !["list", "details"].contains(&preferences.view.as_str())
            || !["name", "status", "changed"].contains(&preferences.sort.as_str())
        {
            return Err(Error::invalid(
                "Unknown view or sort order.",
                "Affichage ou tri inconnu.",
            ));
        }
        self.update(|c| {
            c.status_list = preferences;
            Ok(())
        })
    }

    pub async fn info(&self) -> Result<ConsoleInfo> {
        let open = self.session_client().await?;
        let account = open.client.account().await?;
        let session = &open.session;
        let known = self.known(&session.controller)?;
        let holder = session.holder()?;
        let identity = self
            .identity(&session.controller, &holder)
            .await?
            .ok_or_else(not_connected)?;
        Ok(ConsoleInfo {
            controller: session.controller.clone(),
            controller_address: known.address.clone(),
            hosting_number: session.hosting_number.clone(),
            device_id: known
                .devices
                .get(&holder.key())
                .map(|d| d.device_id.clone())
                .unwrap_or_default(),
            certificate: pki::cert_info(&identity.cert_pem)?,
            ca_fingerprint: known.ca_fingerprint.clone().unwrap_or_default(),
            account,
        })
    }
}

/// The key of a controller in the console's list: `local`, or `host:port` normalised.
fn controller_key(controller: &str) -> Result<String> {
    if controller.trim() == LOCAL {
        Ok(LOCAL.to_owned())
    } else {
        normalize_address(controller)
    }
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
    /// The provider this console was shipped by, if any: its controller comes first.
    pub provider: Option<Provider>,
    /// Why the provider file could not be used, if it could not.
    pub provider_error: Option<Error>,
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
        provider: Option<Provider>,
        provider_error: Option<Error>,
    ) -> StartupState {
        let config = self.config();
        StartupState {
            language: config.language,
            local,
            local_error,
            provider,
            provider_error,
            remote_controllers: config
                .controllers
                .keys()
                .filter(|k| k.as_str() != LOCAL)
                .cloned()
                .collect(),
            current: config.current.clone(),
            last_hosting_number: config.last_hosting_number.clone(),
            status_list: config.status_list.clone(),
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
