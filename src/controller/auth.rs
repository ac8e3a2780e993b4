//! Who may do what: enrolment with the invoice number, login, sessions bound to a device certificate, the lock-out
//! after repeated failures, and the licence agreement. Every attempt, good or bad, goes to the history table.
//! These calls hash passwords (tens of milliseconds): the server runs them on blocking threads.

use super::actor::Actor;
use super::store::accounts;
use super::store::devices::{self, DeviceRow};
use super::store::history::{self, Outcome, Who};
use super::store::lockouts::{self, Attempt};
use super::store::sessions::{self, SessionRow};
use super::Controller;
use crate::api::{
    AccountInfo, EnrolRequest, EnrolResponse, Licence, LoginRequest, LoginResponse, PasswordCheck, RenewResponse,
    WhoAmI,
};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ConsolePassword, HostingNumber, InvoiceNumber};
use crate::pki;
use crate::time_fmt::{now_unix, rfc3339};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const SESSION_SECS: i64 = 8 * 3600;
/// Failures allowed before each further one locks for a growing delay.
pub const FREE_FAILURES: i64 = 5;
pub const LICENCE_VERSION: i64 = 1;

const LICENCE_FR: &str = include_str!("licence.fr.txt");
const LICENCE_EN: &str = include_str!("licence.en.txt");

/// The lock that follows the n-th consecutive failure: none for the first four, then 30 s, 60 s, 120 s… up to 1 h.
pub fn lock_delay(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        (30i64 << (failures - FREE_FAILURES).min(7)).min(3600)
    }
}

/// Argon2 works in 19 MiB per check. glibc raises its mmap threshold the first time such a block is freed and keeps
/// the later ones in its heaps for good (one per thread), so after a flood of attempts the process stayed at 1–2 GB.
/// With the threshold fixed, every work buffer is mapped for its check and given back when the check ends.
fn give_hash_memory_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only changes allocator tuning; called once, before the first hash.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        });
    }
}

/// Argon2id with its default cost (19 MiB, 2 passes), salted.
pub fn hash_secret(secret: &str) -> Result<String> {
    give_hash_memory_back();
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(Error::internal)?;
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string())
}

/// Constant-time in the secret; an unparsable hash verifies nothing.
fn verify_secret(secret: &str, hash: &str) -> bool {
    give_hash_memory_back();
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(secret.as_bytes(), &h).is_ok())
}

/// A hash nothing matches, checked in place of a real one so that an unknown hosting number costs the same work.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_secret("planhost-dummy-secret").unwrap_or_default())
}

pub(crate) fn token_hash(token: &str) -> String {
    pki::hex(&Sha256::digest(token.as_bytes()), false, None)
}

/// A logged-in session, as every authenticated route sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub device_id: String,
    pub hosting_number: HostingNumber,
    pub actor: Actor,
    pub expires_at: i64,
    /// Read with the session, from the same state of the database.
    pub licence_accepted: bool,
}

impl Session {
    /// Who to write in the history for what this session does from `peer`.
    pub(crate) fn who(&self, peer: &str) -> Who {
        Who {
            actor: self.actor,
            hosting_number: Some(self.hosting_number.clone()),
            device_id: Some(self.device_id.clone()),
            peer: Some(peer.to_owned()),
        }
    }
}

fn manager(hosting: &HostingNumber, device: Option<&str>, peer: &str) -> Who {
    Who {
        actor: Actor::HostingManager,
        hosting_number: Some(hosting.clone()),
        device_id: device.map(str::to_owned),
        peer: Some(peer.to_owned()),
    }
}

/// What a password check is about: the secrets typed, and whose counter an attempt goes to.
struct Check<'a> {
    hosting: &'a HostingNumber,
    password: &'a ConsolePassword,
    invoice: Option<&'a InvoiceNumber>,
    /// The enrolled device asking, when it is one of this account's.
    device: Option<&'a str>,
    peer: &'a str,
    action: &'a str,
}

impl Controller {
    fn log(&self, who: &Who, action: &str, outcome: Outcome, detail: &str) {
        if let Err(e) = self
            .store
            .write(|c| history::record(c, who, action, outcome, detail, now_unix()))
        {
            tracing::error!("history not written: {e}");
        }
    }

    /// Checks the password (and the invoice number when given) under the lock-out rules. The attempt is counted
    /// before the slow check, in one transaction with the look at the lock, so parallel guesses cannot slip past it.
    /// Known and unknown hosting numbers cost the same work and get the same answers.
    fn check_credentials(&self, check: &Check<'_>) -> Result<()> {
        let key = match check.device {
            Some(device) => lockouts::device_key(device),
            None => lockouts::account_key(check.hosting.as_str()),
        };
        let who = manager(check.hosting, check.device, check.peer);
        let now = now_unix();
        let (attempt, account) = self.store.write(|c| {
            let attempt = lockouts::reserve(c, &key, now, lock_delay)?;
            if let Attempt::Locked(_) = attempt {
                history::record(c, &who, check.action, Outcome::Locked, "attempt during lock-out", now)?;
            }
            Ok((attempt, accounts::get(c, check.hosting)?))
        })?;
        let n = match attempt {
            Attempt::Locked(secs) => return Err(Error::too_many_attempts(secs.unsigned_abs())),
            Attempt::Counted(n) => n,
        };
        let (password_hash, invoice_hash) = match &account {
            Some(a) => (a.password_hash.as_str(), a.invoice_hash.as_str()),
            None => (dummy_hash(), dummy_hash()),
        };
        // Every check always runs, so timing does not tell which one failed, nor whether the number exists.
        let password_ok = verify_secret(check.password.expose(), password_hash);
        let invoice_ok = check.invoice.is_none_or(|i| verify_secret(i.as_str(), invoice_hash));
        let now = now_unix();
        if account.is_some() && password_ok && invoice_ok {
            // The password step alone does not lift the lock-out: alternating it with invoice guesses must not
            // reset the count of wrong invoice numbers. It only gives back its own attempt.
            let full_success = check.invoice.is_some() || check.device.is_some();
            return self.store.write(|c| {
                if full_success {
                    lockouts::clear(c, &key)
                } else {
                    lockouts::refund(c, &key)
                }
            });
        }
        let detail = if account.is_some() {
            format!("wrong credentials ({n} in a row)")
        } else {
            "unknown hosting number".to_owned()
        };
        self.store
            .write(|c| history::record(c, &who, check.action, Outcome::Refused, &detail, now))?;
        Err(match check.invoice {
            Some(_) => Error::bad_credentials(),
            None => Error::bad_password(),
        })
    }

    /// The first step of a first connection (seed 000): the password is checked, under the same lock-out as
    /// enrolment, before the console asks for the invoice number.
    pub fn check_enrol_password(&self, req: &PasswordCheck, peer: &str) -> Result<()> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let password = ConsolePassword::parse(&req.password)?;
        self.check_credentials(&Check {
            hosting: &hosting,
            password: &password,
            invoice: None,
            device: None,
            peer,
            action: "device.enrol.password",
        })?;
        self.log(&manager(&hosting, None, peer), "device.enrol.password", Outcome::Ok, "");
        Ok(())
    }

    /// A network address spent its budget of enrolment attempts: one line for the whole run of refusals.
    pub fn record_over_budget(&self, peer: &str) {
        let who = Who {
            actor: Actor::HostingManager,
            hosting_number: None,
            device_id: None,
            peer: Some(peer.to_owned()),
        };
        self.log(
            &who,
            "device.enrol",
            Outcome::Limited,
            "too many attempts from this address",
        );
    }

    pub fn enrol(&self, req: &EnrolRequest, peer: &str) -> Result<EnrolResponse> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let password = ConsolePassword::parse(&req.password)?;
        let invoice = InvoiceNumber::parse(&req.invoice_number)?;
        let label: String = req.device_label.chars().filter(|c| !c.is_control()).take(80).collect();
        self.check_credentials(&Check {
            hosting: &hosting,
            password: &password,
            invoice: Some(&invoice),
            device: None,
            peer,
            action: "device.enrol",
        })?;
        let device_id = uuid::Uuid::new_v4().to_string();
        let days = self.device_certificate_days();
        let cert_pem = pki::sign_device_csr(self.ca(), &req.csr_pem, &device_id, hosting.as_str(), days)?;
        let info = pki::cert_info(&cert_pem)?;
        let row = DeviceRow {
            id: device_id.clone(),
            hosting_number: hosting.clone(),
            cert_sha256: info.fingerprint_sha256.clone(),
            revoked_at: None,
        };
        let now = now_unix();
        self.store.write(|c| {
            devices::insert(c, &row, &label, now, info.not_after_unix)?;
            let who = manager(&hosting, Some(&device_id), peer);
            history::record(
                c,
                &who,
                "device.enrol",
                Outcome::Ok,
                &format!("certificate for '{label}'"),
                now,
            )
        })?;
        Ok(EnrolResponse {
            device_id,
            certificate_pem: cert_pem,
            ca_pem: self.ca_pem().to_owned(),
        })
    }

    /// A new certificate for the same device, from a new key; the old certificate is refused from then on. The
    /// session goes on: it is bound to the device, not to one certificate.
    pub fn renew(&self, session: &Session, csr_pem: &str, peer: &str) -> Result<RenewResponse> {
        let days = self.device_certificate_days();
        let cert_pem = pki::sign_device_csr(
            self.ca(),
            csr_pem,
            &session.device_id,
            session.hosting_number.as_str(),
            days,
        )?;
        let info = pki::cert_info(&cert_pem)?;
        let now = now_unix();
        self.store.write(|c| {
            devices::replace_certificate(c, &session.device_id, &info.fingerprint_sha256, info.not_after_unix)?;
            let detail = format!("until {}", info.not_after);
            history::record(c, &session.who(peer), "device.renew", Outcome::Ok, &detail, now)
        })?;
        Ok(RenewResponse {
            certificate_pem: cert_pem,
        })
    }

    /// The device behind a client certificate that TLS already verified against this CA: it must be the very
    /// certificate issued at enrolment, and not revoked.
    pub fn device_for_certificate(&self, info: &pki::CertificateInfo) -> Result<DeviceRow> {
        self.device_at(self.store.data_version()?, info)
    }

    fn device_at(&self, version: i64, info: &pki::CertificateInfo) -> Result<DeviceRow> {
        match self.store.device(version, &info.subject_cn)? {
            Some(d) if d.revoked_at.is_none() && d.cert_sha256 == info.fingerprint_sha256 => Ok(d),
            _ => Err(Error::new(
                ErrorCode::CertificateRevoked,
                "This device's certificate was revoked or is unknown to this controller. Install a certificate again with the invoice number.",
                "Le certificat de ce poste a été révoqué ou est inconnu de ce contrôleur. Réinstallez un certificat avec le numéro de facture.",
            )),
        }
    }

    /// Logs in from an enrolled device. Failures count against this device only, so that strangers who lock the
    /// hosting number out (through enrolment attempts) do not lock its owner out.
    pub fn login(&self, device: &DeviceRow, req: &LoginRequest, peer: &str) -> Result<LoginResponse> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let password = ConsolePassword::parse(&req.password)?;
        if device.hosting_number != hosting {
            // This device was enrolled for another account: same answer as a wrong password, after the same work.
            verify_secret(password.expose(), dummy_hash());
            let who = manager(&hosting, Some(&device.id), peer);
            self.log(
                &who,
                "session.login",
                Outcome::Refused,
                "device enrolled for another account",
            );
            return Err(Error::bad_password());
        }
        self.check_credentials(&Check {
            hosting: &hosting,
            password: &password,
            invoice: None,
            device: Some(&device.id),
            peer,
            action: "session.login",
        })?;
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = now_unix();
        let expires_at = now + SESSION_SECS;
        let row = SessionRow {
            device_id: device.id.clone(),
            hosting_number: hosting.clone(),
            actor: Actor::HostingManager.as_str().to_owned(),
            expires_at,
        };
        let licence_accepted = self.store.write(|c| {
            sessions::insert(c, &token_hash(&token), &row, now)?;
            let who = manager(&hosting, Some(&device.id), peer);
            history::record(c, &who, "session.login", Outcome::Ok, "", now)?;
            Ok(accounts::get(c, &hosting)?.is_some_and(|a| a.licence_version == Some(LICENCE_VERSION)))
        })?;
        Ok(LoginResponse {
            token,
            expires_at: rfc3339(expires_at),
            licence_accepted,
        })
    }

    /// The session of a bearer token, which must belong to the (not revoked) device presenting `cert`; both read from
    /// one state of the database (kept in memory until anything changes in it).
    pub fn authenticate(&self, cert: &pki::CertificateInfo, token: &str, peer: &str) -> Result<Session> {
        let version = self.store.data_version()?;
        let device = self.device_at(version, cert)?;
        let hash = token_hash(token);
        match self.store.session(version, &hash)? {
            Some(s) if s.device_id == device.id && s.expires_at > now_unix() => {
                let licence = self
                    .store
                    .licence_version(version, &s.hosting_number)?
                    .ok_or_else(Error::session_required)?;
                Ok(Session {
                    token_hash: hash,
                    device_id: s.device_id,
                    hosting_number: s.hosting_number,
                    actor: Actor::parse(&s.actor)?,
                    expires_at: s.expires_at,
                    licence_accepted: licence == Some(LICENCE_VERSION),
                })
            }
            Some(s) if s.device_id != device.id => {
                let who = manager(&s.hosting_number, Some(&device.id), peer);
                self.log(&who, "session.use", Outcome::Refused, "token of another device");
                Err(Error::session_required())
            }
            _ => Err(Error::session_required()),
        }
    }

    pub fn logout(&self, session: &Session, peer: &str) -> Result<()> {
        let now = now_unix();
        self.store.write(|c| {
            sessions::delete(c, &session.token_hash)?;
            history::record(c, &session.who(peer), "session.logout", Outcome::Ok, "", now)
        })
    }

    pub fn whoami(&self, session: &Session) -> Result<WhoAmI> {
        Ok(WhoAmI {
            hosting_number: session.hosting_number.to_string(),
            actor: session.actor.as_str().to_owned(),
            device_id: session.device_id.clone(),
            session_expires_at: rfc3339(session.expires_at),
            licence_accepted: session.licence_accepted,
        })
    }

    fn account(&self, session: &Session) -> Result<accounts::AccountRow> {
        self.store
            .read(|c| accounts::get(c, &session.hosting_number))?
            .ok_or_else(Error::session_required)
    }

    /// Routes beyond the licence screen call this first.
    pub fn require_licence(&self, session: &Session) -> Result<()> {
        if session.licence_accepted {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::LicenceNotAccepted,
                "Accept the licence agreement to use the console.",
                "Acceptez le contrat de licence pour utiliser la console.",
            ))
        }
    }

    pub fn licence(&self, session: &Session) -> Result<Licence> {
        let account = self.account(session)?;
        let current = account.licence_version == Some(LICENCE_VERSION);
        Ok(Licence {
            version: LICENCE_VERSION,
            text_fr: LICENCE_FR.into(),
            text_en: LICENCE_EN.into(),
            accepted_at: account.licence_accepted_at.filter(|_| current).map(rfc3339),
            accepted_by: account.licence_accepted_by.filter(|_| current),
        })
    }

    pub fn accept_licence(&self, session: &Session, version: i64, peer: &str) -> Result<Licence> {
        if version != LICENCE_VERSION {
            return Err(Error::invalid(
                "This is not the current version of the licence agreement; read it again.",
                "Ce n'est pas la version en vigueur du contrat de licence ; relisez-le.",
            ));
        }
        let by = format!("{} ({})", session.actor.as_str(), session.device_id);
        let now = now_unix();
        self.store.write(|c| {
            accounts::accept_licence(c, &session.hosting_number, version, &by, now)?;
            let detail = format!("version {version}");
            history::record(c, &session.who(peer), "licence.accept", Outcome::Ok, &detail, now)
        })?;
        self.licence(session)
    }

    pub fn account_info(&self, session: &Session) -> Result<AccountInfo> {
        self.require_licence(session)?;
        let account = self.account(session)?;
        Ok(AccountInfo {
            hosting_number: account.hosting_number.to_string(),
            plannings_quota: account.plannings_quota,
            controller_domain: self.domain().to_owned(),
            licence_accepted_at: account.licence_accepted_at.map(rfc3339),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_as_their_sha256_in_lower_case_hex() {
        // Sessions opened by earlier versions are stored under this form: it must not change.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lock_delay_grows_after_five_failures_and_is_capped() {
        let delays: Vec<i64> = (1..=14).map(lock_delay).collect();
        assert_eq!(&delays[..4], &[0, 0, 0, 0]);
        assert_eq!(&delays[4..8], &[30, 60, 120, 240]);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*delays.last().unwrap(), 3600);
    }

    #[test]
    fn hashes_are_salted_argon2id_and_verify() {
        let (a, b) = (hash_secret("s3cret").unwrap(), hash_secret("s3cret").unwrap());
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_secret("s3cret", &a));
        assert!(!verify_secret("s3cret!", &a));
        assert!(!verify_secret("s3cret", "not a hash"));
    }
}
