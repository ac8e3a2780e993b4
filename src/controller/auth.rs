//! Who may do what: enrolment with the invoice number, login, sessions bound to a device certificate, the lock-out
//! after repeated failures, and the licence agreement. Every attempt, good or bad, goes to the history table.
//! These calls hash passwords (tens of milliseconds): the server runs them on blocking threads.

use super::store::{DeviceRow, HistoryEntry, SessionRow};
use super::Controller;
use crate::api::{
    AccountInfo, EnrolRequest, EnrolResponse, Licence, LoginRequest, LoginResponse, RenewResponse, WhoAmI,
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
/// Failures allowed before each further one locks the account for a growing delay.
pub const FREE_FAILURES: i64 = 5;
pub const LICENCE_VERSION: i64 = 1;
const HOSTING_MANAGER: &str = "hosting_manager";

const LICENCE_FR: &str = include_str!("licence.fr.txt");
const LICENCE_EN: &str = include_str!("licence.en.txt");

/// The lock that follows the n-th consecutive failure: none for the first five, then 30 s, 60 s, 120 s… up to 1 h.
pub fn lock_delay(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        (30i64 << (failures - FREE_FAILURES).min(7)).min(3600)
    }
}

/// Argon2id with its default cost (19 MiB, 2 passes), salted.
pub fn hash_secret(secret: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(Error::internal)?;
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string())
}

/// Constant-time in the secret; an unparsable hash verifies nothing.
fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(secret.as_bytes(), &h).is_ok())
}

/// Burns the same time as a real check, so an unknown hosting number cannot be told apart by timing.
fn dummy_verify(secret: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_secret("planhost-dummy-secret").unwrap_or_default());
    verify_secret(secret, hash);
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A logged-in session, as every authenticated route sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub device_id: String,
    pub hosting_number: String,
    pub actor: String,
    pub expires_at: i64,
}

impl Controller {
    fn log(&self, hosting: Option<&str>, device: Option<&str>, peer: &str, action: &str, outcome: &str, detail: &str) {
        let entry = HistoryEntry {
            at: now_unix(),
            hosting_number: hosting.map(str::to_owned),
            actor: HOSTING_MANAGER.into(),
            device_id: device.map(str::to_owned),
            peer: Some(peer.to_owned()),
            action: action.into(),
            outcome: outcome.into(),
            detail: detail.into(),
        };
        if let Err(e) = self.store.record(&entry) {
            tracing::error!("history not written: {e}");
        }
    }

    /// Checks the password (and the invoice number when given) with the lock-out rules.
    fn check_credentials(
        &self,
        hosting: &HostingNumber,
        password: &ConsolePassword,
        invoice: Option<&InvoiceNumber>,
        device: Option<&str>,
        peer: &str,
        action: &str,
    ) -> Result<()> {
        let now = now_unix();
        let Some(account) = self.store.account(hosting.as_str())? else {
            dummy_verify(password.expose());
            self.log(
                Some(hosting.as_str()),
                device,
                peer,
                action,
                "refused",
                "unknown hosting number",
            );
            return Err(Error::bad_credentials());
        };
        if account.locked_until > now {
            self.log(
                Some(hosting.as_str()),
                device,
                peer,
                action,
                "locked",
                "attempt during lock-out",
            );
            return Err(Error::too_many_attempts((account.locked_until - now) as u64));
        }
        // Both checks always run, so timing does not tell which one failed.
        let password_ok = verify_secret(password.expose(), &account.password_hash);
        let invoice_ok = invoice.is_none_or(|i| verify_secret(i.as_str(), &account.invoice_hash));
        if password_ok && invoice_ok {
            self.store.reset_failures(hosting.as_str())?;
            return Ok(());
        }
        let (failures, _) = self.store.record_failure(hosting.as_str(), now, lock_delay)?;
        self.log(
            Some(hosting.as_str()),
            device,
            peer,
            action,
            "refused",
            &format!("wrong credentials ({failures} in a row)"),
        );
        Err(Error::bad_credentials())
    }

    pub fn enrol(&self, req: &EnrolRequest, peer: &str) -> Result<EnrolResponse> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let password = ConsolePassword::parse(&req.password)?;
        let invoice = InvoiceNumber::parse(&req.invoice_number)?;
        let label: String = req.device_label.chars().filter(|c| !c.is_control()).take(80).collect();
        self.check_credentials(&hosting, &password, Some(&invoice), None, peer, "device.enrol")?;
        let device_id = uuid::Uuid::new_v4().to_string();
        let days = self.device_certificate_days();
        let cert_pem = pki::sign_device_csr(self.ca(), &req.csr_pem, &device_id, hosting.as_str(), days)?;
        let info = pki::cert_info(&cert_pem)?;
        let row = DeviceRow {
            id: device_id.clone(),
            hosting_number: hosting.to_string(),
            cert_sha256: info.fingerprint_sha256.clone(),
            revoked_at: None,
        };
        self.store
            .insert_device(&row, &label, now_unix(), info.not_after_unix)?;
        self.log(
            Some(hosting.as_str()),
            Some(&device_id),
            peer,
            "device.enrol",
            "ok",
            &format!("certificate for '{label}'"),
        );
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
        let cert_pem = pki::sign_device_csr(self.ca(), csr_pem, &session.device_id, &session.hosting_number, days)?;
        let info = pki::cert_info(&cert_pem)?;
        self.store
            .replace_device_certificate(&session.device_id, &info.fingerprint_sha256, info.not_after_unix)?;
        self.log(
            Some(&session.hosting_number),
            Some(&session.device_id),
            peer,
            "device.renew",
            "ok",
            &format!("until {}", info.not_after),
        );
        Ok(RenewResponse {
            certificate_pem: cert_pem,
        })
    }

    /// The device behind a client certificate that TLS already verified against this CA: it must be the very
    /// certificate issued at enrolment, and not revoked.
    pub fn device_for_certificate(&self, der: &[u8]) -> Result<DeviceRow> {
        let info = pki::cert_info_der(der)?;
        match self.store.device(&info.subject_cn)? {
            Some(d) if d.revoked_at.is_none() && d.cert_sha256 == info.fingerprint_sha256 => Ok(d),
            _ => Err(Error::new(
                ErrorCode::CertificateRevoked,
                "This device's certificate was revoked or is unknown to this controller. Install a certificate again with the invoice number.",
                "Le certificat de ce poste a été révoqué ou est inconnu de ce contrôleur. Réinstallez un certificat avec le numéro de facture.",
            )),
        }
    }

    pub fn login(&self, device: &DeviceRow, req: &LoginRequest, peer: &str) -> Result<LoginResponse> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let password = ConsolePassword::parse(&req.password)?;
        if device.hosting_number != hosting.as_str() {
            // This device was enrolled for another account: same answer as a wrong password.
            self.log(
                Some(hosting.as_str()),
                Some(&device.id),
                peer,
                "session.login",
                "refused",
                "device enrolled for another account",
            );
            return Err(Error::bad_credentials());
        }
        self.check_credentials(&hosting, &password, None, Some(&device.id), peer, "session.login")?;
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = now_unix();
        let expires_at = now + SESSION_SECS;
        let row = SessionRow {
            device_id: device.id.clone(),
            hosting_number: hosting.to_string(),
            actor: HOSTING_MANAGER.into(),
            expires_at,
        };
        self.store.insert_session(&token_hash(&token), &row, now)?;
        self.log(
            Some(hosting.as_str()),
            Some(&device.id),
            peer,
            "session.login",
            "ok",
            "",
        );
        let licence_accepted = self
            .store
            .account(hosting.as_str())?
            .is_some_and(|a| a.licence_accepted_at.is_some());
        Ok(LoginResponse {
            token,
            expires_at: rfc3339(expires_at),
            licence_accepted,
        })
    }

    /// The session of a bearer token, which must belong to the device presenting the certificate.
    pub fn session(&self, device: &DeviceRow, token: &str) -> Result<Session> {
        let hash = token_hash(token);
        match self.store.session(&hash)? {
            Some(s) if s.device_id == device.id && s.expires_at > now_unix() => Ok(Session {
                token_hash: hash,
                device_id: s.device_id,
                hosting_number: s.hosting_number,
                actor: s.actor,
                expires_at: s.expires_at,
            }),
            Some(s) if s.device_id != device.id => {
                self.log(
                    Some(&s.hosting_number),
                    Some(&device.id),
                    "-",
                    "session.use",
                    "refused",
                    "token of another device",
                );
                Err(Error::session_required())
            }
            _ => Err(Error::session_required()),
        }
    }

    pub fn logout(&self, session: &Session, peer: &str) -> Result<()> {
        self.store.delete_session(&session.token_hash)?;
        self.log(
            Some(&session.hosting_number),
            Some(&session.device_id),
            peer,
            "session.logout",
            "ok",
            "",
        );
        Ok(())
    }

    pub fn whoami(&self, session: &Session) -> Result<WhoAmI> {
        Ok(WhoAmI {
            hosting_number: session.hosting_number.clone(),
            actor: session.actor.clone(),
            device_id: session.device_id.clone(),
            session_expires_at: rfc3339(session.expires_at),
            licence_accepted: self.licence_accepted(session)?,
        })
    }

    fn licence_accepted(&self, session: &Session) -> Result<bool> {
        Ok(self
            .store
            .account(&session.hosting_number)?
            .is_some_and(|a| a.licence_version == Some(LICENCE_VERSION)))
    }

    /// Routes beyond the licence screen call this first.
    pub fn require_licence(&self, session: &Session) -> Result<()> {
        if self.licence_accepted(session)? {
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
        let account = self
            .store
            .account(&session.hosting_number)?
            .ok_or_else(Error::session_required)?;
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
        let by = format!("{} ({})", session.actor, session.device_id);
        self.store
            .accept_licence(&session.hosting_number, version, &by, now_unix())?;
        self.log(
            Some(&session.hosting_number),
            Some(&session.device_id),
            peer,
            "licence.accept",
            "ok",
            &format!("version {version}"),
        );
        self.licence(session)
    }

    pub fn account_info(&self, session: &Session) -> Result<AccountInfo> {
        self.require_licence(session)?;
        let account = self
            .store
            .account(&session.hosting_number)?
            .ok_or_else(Error::session_required)?;
        Ok(AccountInfo {
            hosting_number: account.hosting_number,
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
