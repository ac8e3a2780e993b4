//! The controller: its data directory (database, CA, server certificate), the provider's commands, and the rules of
//! enrolment, login and sessions. The HTTPS layer (`crate::server`) only translates requests into these calls.

pub mod auth;
pub mod configuration;
pub mod service;
pub mod store;

use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ConsolePassword, DomainName, HostingNumber, InvoiceNumber};
use crate::pki::{self, KeyedCert};
use crate::time_fmt::{now_unix, rfc3339};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use store::{AccountRow, HistoryEntry, Store};

pub use auth::Session;

const DB_FILE: &str = "controller.sqlite3";
const SETTINGS_FILE: &str = "controller.json";
const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca.key";
const SERVER_CERT: &str = "server.pem";
const SERVER_KEY: &str = "server.key";
pub const DEFAULT_PLANNINGS: i64 = 2;

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
}

fn default_device_certificate_days() -> i64 {
    crate::pki::DEVICE_CERT_DAYS
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
    pub store: Store,
    ca: KeyedCert,
    server_cert: KeyedCert,
    settings: Settings,
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

/// Writes a file readable by its owner only (keys, the demo credentials).
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

impl Controller {
    /// A line of history for what the provider did to an account.
    fn record_provider(&self, hosting: &HostingNumber, action: &str, detail: String) -> Result<()> {
        self.store.record(&HistoryEntry {
            at: now_unix(),
            hosting_number: Some(hosting.to_string()),
            actor: "provider".into(),
            action: action.into(),
            outcome: "ok".into(),
            detail,
            ..Default::default()
        })
    }

    pub fn is_initialised(dir: &Path) -> bool {
        dir.join(SETTINGS_FILE).exists()
    }

    /// Makes a data directory: database, CA, server certificate for `domain` and `localhost`.
    pub fn init(dir: &Path, domain: Option<&str>, port_pool: Option<(u16, u16)>) -> Result<Controller> {
        if Self::is_initialised(dir) {
            return Err(Error::invalid(
                format!("{} is already a controller data directory.", dir.display()),
                format!("{} est déjà un dossier de contrôleur.", dir.display()),
            ));
        }
        let domain = DomainName::parse(domain.unwrap_or("localhost"))?;
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        let ca = pki::new_ca(domain.as_str())?;
        let server = pki::new_server_cert(&ca, domain.as_str())?;
        write_private(&dir.join(CA_KEY), ca.key_pem.as_bytes())?;
        std::fs::write(dir.join(CA_CERT), &ca.cert_pem)?;
        write_private(&dir.join(SERVER_KEY), server.key_pem.as_bytes())?;
        std::fs::write(dir.join(SERVER_CERT), &server.cert_pem)?;
        drop(Store::open(&dir.join(DB_FILE))?);
        let settings = Settings {
            domain: domain.as_str().to_owned(),
            created_at: now_unix(),
            port_pool: port_pool.unwrap_or(DEFAULT_PORT_POOL),
            device_certificate_days: default_device_certificate_days(),
        };
        // Written last: its presence means the directory is complete.
        std::fs::write(
            dir.join(SETTINGS_FILE),
            serde_json::to_vec_pretty(&settings).map_err(Error::internal)?,
        )?;
        Self::open(dir)
    }

    pub fn open(dir: &Path) -> Result<Controller> {
        let settings: Settings = serde_json::from_str(&read(dir, SETTINGS_FILE)?).map_err(Error::storage)?;
        Ok(Controller {
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
        })
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

    /// Changes the lifetime of the device certificates signed from now on (1 to 825 days).
    pub fn set_device_certificate_days(&mut self, days: i64) -> Result<()> {
        if !(1..=825).contains(&days) {
            return Err(Error::invalid(
                "A device certificate lasts from 1 to 825 days.",
                "Un certificat de poste dure de 1 à 825 jours.",
            ));
        }
        self.settings.device_certificate_days = days;
        let path = self.dir.join(SETTINGS_FILE);
        std::fs::write(
            path,
            serde_json::to_vec_pretty(&self.settings).map_err(Error::internal)?,
        )?;
        Ok(())
    }
    pub fn ca_pem(&self) -> &str {
        &self.ca.cert_pem
    }
    /// SHA-256 of the CA certificate, as the console shows and checks it.
    pub fn ca_fingerprint(&self) -> Result<String> {
        Ok(crate::pki::fingerprint(&crate::pki::pem_to_der(&self.ca.cert_pem)?))
    }
    pub(crate) fn ca(&self) -> &KeyedCert {
        &self.ca
    }
    pub(crate) fn server_cert(&self) -> &KeyedCert {
        &self.server_cert
    }

    /// The provider creates an account; the clear password and invoice number exist only in the return value.
    pub fn create_account(&self, plannings_quota: i64) -> Result<NewAccount> {
        if !(1..=50).contains(&plannings_quota) {
            return Err(Error::invalid(
                "The number of plannings must be between 1 and 50.",
                "Le nombre de plannings doit être compris entre 1 et 50.",
            ));
        }
        let password = ConsolePassword::generate();
        let invoice = InvoiceNumber::generate();
        let (password_hash, invoice_hash) = (
            auth::hash_secret(password.expose())?,
            auth::hash_secret(invoice.as_str())?,
        );
        let hosting = loop {
            let candidate = HostingNumber::generate();
            if self.store.account(candidate.as_str())?.is_none() {
                break candidate;
            }
        };
        let now = now_unix();
        self.store.insert_account(&AccountRow {
            hosting_number: hosting.to_string(),
            password_hash,
            invoice_hash,
            plannings_quota,
            created_at: now,
            failures: 0,
            locked_until: 0,
            licence_version: None,
            licence_accepted_at: None,
            licence_accepted_by: None,
        })?;
        self.record_provider(&hosting, "account.create", format!("plannings quota {plannings_quota}"))?;
        Ok(NewAccount {
            hosting_number: hosting.to_string(),
            console_password: password.expose().to_owned(),
            invoice_number: invoice.as_str().to_owned(),
            plannings_quota,
            ca_fingerprint: self.ca_fingerprint()?,
        })
    }

    pub fn list_accounts(&self) -> Result<Vec<AccountSummary>> {
        Ok(self
            .store
            .accounts()?
            .into_iter()
            .map(|a| AccountSummary {
                hosting_number: a.hosting_number,
                plannings_quota: a.plannings_quota,
                created_at: rfc3339(a.created_at),
                licence_accepted: a.licence_accepted_at.is_some(),
                failures: a.failures,
            })
            .collect())
    }

    pub fn list_devices(&self, hosting_number: Option<&str>) -> Result<Vec<DeviceSummary>> {
        let hosting = hosting_number.map(HostingNumber::parse).transpose()?;
        Ok(self
            .store
            .devices(hosting.as_ref().map(HostingNumber::as_str))?
            .into_iter()
            .map(
                |(id, hosting_number, label, enrolled, expires, revoked)| DeviceSummary {
                    id,
                    hosting_number,
                    label,
                    enrolled_at: rfc3339(enrolled),
                    certificate_expires_at: rfc3339(expires),
                    revoked_at: revoked.map(rfc3339),
                },
            )
            .collect())
    }

    /// Revokes a device (lost machine, person gone): its certificate is refused from now on and its sessions end.
    pub fn revoke_device(&self, device_id: &str) -> Result<()> {
        let device = self.store.device(device_id)?.ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("No device {device_id}."),
                format!("Aucun poste {device_id}."),
            )
        })?;
        if !self.store.revoke_device(device_id, now_unix())? {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("Device {device_id} is already revoked."),
                format!("Le poste {device_id} est déjà révoqué."),
            ));
        }
        let hosting = HostingNumber::parse(&device.hosting_number)?;
        self.record_provider(&hosting, "device.revoke", device_id.to_owned())
    }

    /// The provider's side of the licence: planning quota and simultaneous connections.
    pub fn set_licence(&self, hosting_number: &str, plannings: i64, seats: crate::api::Seats) -> Result<()> {
        let hosting = HostingNumber::parse(hosting_number)?;
        if !(1..=50).contains(&plannings) {
            return Err(Error::invalid(
                "The number of plannings must be between 1 and 50.",
                "Le nombre de plannings doit être compris entre 1 et 50.",
            ));
        }
        let changed = self.store.with(|c| {
            c.execute(
                "UPDATE accounts SET plannings_quota = ?2, seats_modification = ?3, seats_consultation = ?4 WHERE hosting_number = ?1",
                rusqlite::params![hosting.as_str(), plannings, seats.modification, seats.consultation],
            )
        })?;
        if changed == 0 {
            return Err(no_account(&hosting));
        }
        self.record_provider(
            &hosting,
            "account.licence",
            format!(
                "{plannings} plannings, {}M/{}C connections",
                seats.modification, seats.consultation
            ),
        )?;
        Ok(())
    }

    /// The provider's reset: a new console password, printed once; the lock-out is lifted.
    pub fn reset_password(&self, hosting_number: &str) -> Result<String> {
        let hosting = HostingNumber::parse(hosting_number)?;
        let password = ConsolePassword::generate();
        if !self
            .store
            .set_password_hash(hosting.as_str(), &auth::hash_secret(password.expose())?)?
        {
            return Err(no_account(&hosting));
        }
        self.record_provider(&hosting, "account.reset_password", String::new())?;
        Ok(password.expose().to_owned())
    }
}
