//! The controller: its data directory (database, CA, server certificate), the provider's commands, and the rules of
//! enrolment, login and sessions. The HTTPS layer (`crate::server`) only translates requests into these calls.

pub mod actor;
pub mod administrators;
pub mod auth;
pub mod bases;
pub mod configuration;
mod licence;
pub mod planning_access;
pub mod profiles;
pub mod profils;
pub mod service;
mod session;
mod store;
pub mod uploads;
pub mod users;
pub mod users_import;

use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ConsolePassword, DomainName, HostingNumber, InvoiceNumber};
use crate::pki::{self, KeyedCert};
use crate::time_fmt::{now_unix, rfc3339};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use store::history::{Outcome, Who};
use store::{accounts, devices, history, lockouts, sessions, Store};

pub use auth::Session;
pub(crate) use session::password_change_required;
pub use store::devices::DeviceRow;
pub use store::SCHEMA_VERSION;

const DB_FILE: &str = "controller.sqlite3";
const SETTINGS_FILE: &str = "controller.json";
const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca.key";
const SERVER_CERT: &str = "server.pem";
const SERVER_KEY: &str = "server.key";
pub const DEFAULT_PLANNINGS: i64 = 2;
/// History lines are kept this long unless the provider says otherwise.
pub const DEFAULT_HISTORY_RETENTION_DAYS: i64 = 400;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Settings {
    domain: String,
    created_at: i64,
    /// Ports handed to controllers and plannings, inclusive.
    #[serde(default = "default_port_pool")]
    port_pool: (u16, u16),
    /// Lifetime of the device certificates this controller signs.
    #[serde(default = "default_device_certificate_days")]
    device_certificate_days: i64,
    /// History lines older than this are deleted.
    #[serde(default = "default_history_retention_days")]
    history_retention_days: i64,
}

fn default_device_certificate_days() -> i64 {
    crate::pki::DEVICE_CERT_DAYS
}

fn default_history_retention_days() -> i64 {
    DEFAULT_HISTORY_RETENTION_DAYS
}

pub const DEFAULT_PORT_POOL: (u16, u16) = (20000, 20999);

fn default_port_pool() -> (u16, u16) {
    DEFAULT_PORT_POOL
}

/// `FIRST-LAST`, e.g. `20000-20999`.
pub fn parse_port_pool(s: &str) -> Result<(u16, u16)> {
    let bad = || {
        Error::invalid(
            format!("'{s}' is not a port range: write FIRST-LAST, e.g. 20000-20999."),
            format!("« {s} » n'est pas une plage de ports : écrivez PREMIER-DERNIER, par exemple 20000-20999."),
        )
    };
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b): (u16, u16) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a == 0 || a > b {
        return Err(bad());
    }
    Ok((a, b))
}

pub struct Controller {
    dir: PathBuf,
    store: Store,
    ca: KeyedCert,
    server_cert: KeyedCert,
    settings: Settings,
    receiving: uploads::Receiving,
}

/// What the provider hands to a new customer, printed once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAccount {
    pub hosting_number: String,
    pub console_password: String,
    pub invoice_number: String,
    pub plannings_quota: i64,
    /// To give with the credentials: the console checks it at its first contact, before sending them.
    pub ca_fingerprint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountSummary {
    pub hosting_number: String,
    pub plannings_quota: i64,
    pub created_at: String,
    pub licence_accepted: bool,
    pub failures: i64,
}

/// A device as the provider lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceSummary {
    pub id: String,
    pub hosting_number: String,
    pub label: String,
    pub enrolled_at: String,
    pub certificate_expires_at: String,
    pub revoked_at: Option<String>,
}

/// Writes a file readable by its owner only (keys, certificates, settings, the demo credentials), whatever the umask.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()?;
    Ok(())
}

/// Creates a folder readable by its owner only; an existing folder is left as it is.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    Ok(())
}

fn read(dir: &Path, name: &str) -> Result<String> {
    std::fs::read_to_string(dir.join(name)).map_err(|e| {
        Error::new(
            ErrorCode::Storage,
            format!(
                "Cannot read {}: {e}. Is this a controller data directory (planhost-controller init)?",
                dir.join(name).display()
            ),
            format!(
                "Lecture de {} impossible : {e}. Est-ce un dossier de contrôleur (planhost-controller init) ?",
                dir.join(name).display()
            ),
        )
    })
}

fn no_account(hosting: &HostingNumber) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("No hosting account {hosting}."),
        format!("Aucun compte d'hébergement {hosting}."),
    )
}

/// The most plannings one licence can allow (the console's planning table is measured with this many).
pub const MAX_PLANNINGS: i64 = 1000;

fn bad_plannings_quota() -> Error {
    Error::invalid(
        format!("The number of plannings must be between 1 and {MAX_PLANNINGS}."),
        format!("Le nombre de plannings doit être compris entre 1 et {MAX_PLANNINGS}."),
    )
}

impl Controller {
    pub fn is_initialised(dir: &Path) -> bool {
        dir.join(SETTINGS_FILE).exists()
    }

    /// Makes a data directory: database, CA, server certificate for `domain` and `localhost`. Every file is
    /// owner-only; a folder that already exists keeps its mode.
    pub fn init(dir: &Path, domain: Option<&str>, port_pool: Option<(u16, u16)>) -> Result<Controller> {
        if Self::is_initialised(dir) {
            return Err(Error::invalid(
                format!("{} is already a controller data directory.", dir.display()),
                format!("{} est déjà un dossier de contrôleur.", dir.display()),
            ));
        }
        let domain = DomainName::parse(domain.unwrap_or("localhost"))?;
        create_private_dir(dir)?;
        let ca = pki::new_ca(domain.as_str())?;
        let server = pki::new_server_cert(&ca, domain.as_str())?;
        write_private(&dir.join(CA_KEY), ca.key_pem.as_bytes())?;
        write_private(&dir.join(CA_CERT), ca.cert_pem.as_bytes())?;
        write_private(&dir.join(SERVER_KEY), server.key_pem.as_bytes())?;
        write_private(&dir.join(SERVER_CERT), server.cert_pem.as_bytes())?;
        drop(Store::open(&dir.join(DB_FILE))?);
        let settings = Settings {
            domain: domain.as_str().to_owned(),
            created_at: now_unix(),
            port_pool: port_pool.unwrap_or(DEFAULT_PORT_POOL),
            device_certificate_days: default_device_certificate_days(),
            history_retention_days: DEFAULT_HISTORY_RETENTION_DAYS,
        };
        // Written last: its presence means the directory is complete.
        write_settings(dir, &settings)?;
        Self::open(dir)
    }

    pub fn open(dir: &Path) -> Result<Controller> {
        let settings: Settings = serde_json::from_str(&read(dir, SETTINGS_FILE)?).map_err(Error::storage)?;
        let controller = Controller {
            dir: dir.to_owned(),
            store: Store::open(&dir.join(DB_FILE))?,
            ca: KeyedCert {
                cert_pem: read(dir, CA_CERT)?,
                key_pem: read(dir, CA_KEY)?,
            },
            server_cert: KeyedCert {
                cert_pem: read(dir, SERVER_CERT)?,
                key_pem: read(dir, SERVER_KEY)?,
            },
            settings,
            receiving: uploads::Receiving::default(),
        };
        Ok(controller)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn domain(&self) -> &str {
        &self.settings.domain
    }
    pub fn port_pool(&self) -> (u16, u16) {
        self.settings.port_pool
    }
    pub fn device_certificate_days(&self) -> i64 {
        self.settings.device_certificate_days
    }
    pub fn history_retention_days(&self) -> i64 {
        self.settings.history_retention_days
    }

    /// Changes the lifetime of the device certificates signed from now on (1 to 825 days).
    pub fn set_device_certificate_days(&mut self, days: i64) -> Result<()> {
        if !(1..=825).contains(&days) {
            return Err(Error::invalid(
                "A device certificate lasts from 1 to 825 days.",
                "Un certificat de poste dure de 1 à 825 jours.",
            ));
        }
        self.settings.device_certificate_days = days;
        write_settings(&self.dir, &self.settings)
    }

    /// How long history lines are kept (30 days to 10 years).
    pub fn set_history_retention_days(&mut self, days: i64) -> Result<()> {
        if !(30..=3660).contains(&days) {
            return Err(Error::invalid(
                "History is kept from 30 to 3660 days.",
                "L'historique est conservé de 30 à 3660 jours.",
            ));
        }
        self.settings.history_retention_days = days;
        write_settings(&self.dir, &self.settings)
    }

    /// Deletes history lines past the retention, and lock-out counters nobody has touched for a day.
    pub fn prune(&self) -> Result<usize> {
        let now = now_unix();
        let before = now.saturating_sub(self.settings.history_retention_days.saturating_mul(86400));
        self.store
            .write(|c| Ok(history::prune(c, before)? + lockouts::prune(c, now)?))
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca.cert_pem
    }
    /// SHA-256 of the CA certificate, as the console shows and checks it.
    pub fn ca_fingerprint(&self) -> Result<String> {
        Ok(crate::pki::fingerprint(&crate::pki::pem_to_der(&self.ca.cert_pem)?))
    }
    /// Writes the provider file consoles are shipped with (also kept here, for the welcome messages).
    pub fn write_provider_file(
        &self,
        name: &str,
        address: &str,
        download_url: Option<&str>,
        out: Option<&Path>,
    ) -> Result<crate::provider::Provider> {
        let provider = crate::provider::Provider::new(name, address, &self.ca_fingerprint()?, download_url)?;
        provider.write(&self.dir.join(crate::provider::FILE_NAME))?;
        if let Some(out) = out {
            provider.write(out)?;
        }
        Ok(provider)
    }

    /// The provider file written by `write_provider_file`, if any.
    pub fn provider(&self) -> Result<Option<crate::provider::Provider>> {
        let path = self.dir.join(crate::provider::FILE_NAME);
        path.is_file()
            .then(|| crate::provider::Provider::read(&path))
            .transpose()
    }

    /// What the provider sends a new customer, with this controller's address and download page.
    pub fn welcome_messages(&self, account: &NewAccount) -> Result<crate::provider::WelcomeMessages> {
        Ok(crate::provider::welcome_messages(
            self.provider()?.as_ref(),
            &account.hosting_number,
            &account.console_password,
            &account.invoice_number,
        ))
    }

    pub(crate) fn ca(&self) -> &KeyedCert {
        &self.ca
    }
    pub(crate) fn server_cert(&self) -> &KeyedCert {
        &self.server_cert
    }

    /// Changes whenever anything is committed, by this process or another: what was checked against it stays true
    /// while it stays the same.
    pub fn data_version(&self) -> Result<i64> {
        self.store.data_version()
    }

    /// Every hosting account's number.
    pub fn hosting_numbers(&self) -> Result<Vec<HostingNumber>> {
        self.store
            .read(|c| Ok(accounts::all(c)?.into_iter().map(|a| a.hosting_number).collect()))
    }

    /// The provider creates an account; the clear password and invoice number exist only in the return value.
    pub fn create_account(&self, plannings_quota: i64) -> Result<NewAccount> {
        if !(1..=MAX_PLANNINGS).contains(&plannings_quota) {
            return Err(bad_plannings_quota());
        }
        let password = ConsolePassword::generate();
        let invoice = InvoiceNumber::generate();
        let (password_hash, invoice_hash) = (
            auth::hash_secret(password.expose())?,
            auth::hash_secret(invoice.as_str())?,
        );
        let now = now_unix();
        let hosting = self.store.write(|c| {
            let hosting = loop {
                let candidate = HostingNumber::generate();
                if accounts::get(c, &candidate)?.is_none() {
                    break candidate;
                }
            };
            accounts::insert(
                c,
                &accounts::AccountRow {
                    hosting_number: hosting.clone(),
                    password_hash,
                    invoice_hash,
                    plannings_quota,
                    created_at: now,
                    licence_version: None,
                    licence_accepted_at: None,
                    licence_accepted_by: None,
                },
            )?;
            let detail = format!("plannings quota {plannings_quota}");
            history::record(c, &Who::provider(&hosting), "account.create", Outcome::Ok, &detail, now)?;
            Ok(hosting)
        })?;
        Ok(NewAccount {
            hosting_number: hosting.to_string(),
            console_password: password.expose().to_owned(),
            invoice_number: invoice.as_str().to_owned(),
            plannings_quota,
            ca_fingerprint: self.ca_fingerprint()?,
        })
    }

    pub fn list_accounts(&self) -> Result<Vec<AccountSummary>> {
        self.store.read(|c| {
            accounts::all(c)?
                .into_iter()
                .map(|a| {
                    Ok(AccountSummary {
                        failures: lockouts::failures(c, &lockouts::account_key(a.hosting_number.as_str()))?,
                        hosting_number: a.hosting_number.to_string(),
                        plannings_quota: a.plannings_quota,
                        created_at: rfc3339(a.created_at),
                        licence_accepted: a.licence_accepted_at.is_some(),
                    })
                })
                .collect()
        })
    }

    pub fn list_devices(&self, hosting_number: Option<&str>) -> Result<Vec<DeviceSummary>> {
        let hosting = hosting_number.map(HostingNumber::parse).transpose()?;
        Ok(self
            .store
            .read(|c| devices::list(c, hosting.as_ref()))?
            .into_iter()
            .map(|d| DeviceSummary {
                id: d.id,
                hosting_number: d.hosting_number.to_string(),
                label: d.label,
                enrolled_at: rfc3339(d.enrolled_at),
                certificate_expires_at: rfc3339(d.expires_at),
                revoked_at: d.revoked_at.map(rfc3339),
            })
            .collect())
    }

    /// Revokes a device (lost machine, person gone): its certificate is refused from now on and its sessions end.
    pub fn revoke_device(&self, device_id: &str) -> Result<()> {
        let now = now_unix();
        self.store.write(|c| {
            let device = devices::get(c, device_id)?.ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("No device {device_id}."),
                    format!("Aucun poste {device_id}."),
                )
            })?;
            if !devices::revoke(c, device_id, now)? {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("Device {device_id} is already revoked."),
                    format!("Le poste {device_id} est déjà révoqué."),
                ));
            }
            let who = Who::provider(&device.hosting_number);
            history::record(c, &who, "device.revoke", Outcome::Ok, device_id, now)
        })
    }

    /// The provider's side of the licence: planning quota and simultaneous connections.
    pub fn set_licence(&self, hosting_number: &str, plannings: i64, seats: crate::api::Seats) -> Result<()> {
        let hosting = HostingNumber::parse(hosting_number)?;
        if !(1..=MAX_PLANNINGS).contains(&plannings) {
            return Err(bad_plannings_quota());
        }
        let now = now_unix();
        self.store.write(|c| {
            if !accounts::set_licence(c, &hosting, plannings, seats)? {
                return Err(no_account(&hosting));
            }
            let detail = format!(
                "{plannings} plannings, {}M/{}C connections",
                seats.modification, seats.consultation
            );
            history::record(
                c,
                &Who::provider(&hosting),
                "account.licence",
                Outcome::Ok,
                &detail,
                now,
            )
        })
    }

    /// The provider's reset: a new console password, printed once; the lock-out is lifted and every open session of
    /// the account ends.
    pub fn reset_password(&self, hosting_number: &str) -> Result<String> {
        let hosting = HostingNumber::parse(hosting_number)?;
        let password = ConsolePassword::generate();
        let hash = auth::hash_secret(password.expose())?;
        let now = now_unix();
        self.store.write(|c| {
            if !accounts::set_password_hash(c, &hosting, &hash)? {
                return Err(no_account(&hosting));
            }
            lockouts::clear(c, &lockouts::account_key(hosting.as_str()))?;
            let ended = sessions::delete_for_account(c, &hosting)?;
            let detail = format!("{ended} sessions ended");
            history::record(
                c,
                &Who::provider(&hosting),
                "account.reset_password",
                Outcome::Ok,
                &detail,
                now,
            )
        })?;
        Ok(password.expose().to_owned())
    }
}

fn write_settings(dir: &Path, settings: &Settings) -> Result<()> {
    write_private(
        &dir.join(SETTINGS_FILE),
        &serde_json::to_vec_pretty(settings).map_err(Error::internal)?,
    )
}
