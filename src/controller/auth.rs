//! Who may do what: enrolment with the invoice number, login, sessions bound to a device certificate, the lock-out
//! after repeated failures, and the licence agreement. Every attempt, good or bad, goes to the history table.
//! These calls hash passwords (tens of milliseconds): the server runs them on blocking threads.

use super::actor::Actor;
use super::store::accounts;
use super::store::devices::{self, DeviceRow};
use super::store::history::{self, Outcome, Who};
use super::store::lockouts::{self, Attempt};
use super::store::users;
use super::Controller;
use crate::api::{EnrolRequest, EnrolResponse, PasswordCheck, RenewResponse, User};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ConsolePassword, HostingNumber, InvoiceNumber};
use crate::pki;
use crate::time_fmt::now_unix;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const SESSION_SECS: i64 = 8 * 3600;
/// Failures allowed before each further one locks for a growing delay.
pub const FREE_FAILURES: i64 = 5;
pub const LICENCE_VERSION: i64 = 1;

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

/// A password hash from a file (`.profils`): argon2id, version 19, salted, with exactly the cost of this
/// controller's own hashes. A costlier one would hold the login threads longer (argon2 takes its cost from the hash
/// it verifies) and let timing tell that login apart; a cheaper one would be easier to crack.
pub fn imported_hash(hash: &str) -> Result<String> {
    let expected = argon2::Params::default();
    let (m, t, p) = (expected.m_cost(), expected.t_cost(), expected.p_cost());
    let refuse = || {
        Err(Error::invalid(
            format!("Only argon2id hashes made as Planhost makes them are accepted ($argon2id$v=19$m={m},t={t},p={p}$…): leave password_hash empty and a password is generated."),
            format!("Seules les empreintes argon2id faites comme celles de Planhost sont acceptées ($argon2id$v=19$m={m},t={t},p={p}$…) : laissez password_hash vide et un mot de passe sera généré."),
        )
        .on("password_hash"))
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return refuse();
    };
    let same_cost =
        argon2::Params::try_from(&parsed).is_ok_and(|got| (got.m_cost(), got.t_cost(), got.p_cost()) == (m, t, p));
    let whole = parsed.salt.is_some() && parsed.hash.is_some_and(|h| h.len() >= 16);
    if parsed.algorithm != argon2::Algorithm::Argon2id.ident() || parsed.version != Some(0x13) || !same_cost || !whole {
        return refuse();
    }
    Ok(hash.to_owned())
}

/// Constant-time in the secret; an unparsable hash verifies nothing.
pub(super) fn verify_secret(secret: &str, hash: &str) -> bool {
    give_hash_memory_back();
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(secret.as_bytes(), &h).is_ok())
}

/// A hash nothing matches, checked in place of a real one so that an unknown hosting number costs the same work.
pub(super) fn dummy_hash() -> &'static str {
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
            actor: self.actor.as_str(),
            login: self.actor.login().map(str::to_owned),
            hosting_number: Some(self.hosting_number.clone()),
            device_id: Some(self.device_id.clone()),
            peer: Some(peer.to_owned()),
        }
    }
}

/// Who tried: the hosting manager, or an administrator by the login it typed.
pub(super) fn claimant(hosting: &HostingNumber, login: Option<&str>, device: Option<&str>, peer: &str) -> Who {
    Who {
        actor: if login.is_some() {
            "administrator"
        } else {
            "hosting_manager"
        },
        login: login.map(str::to_owned),
        hosting_number: Some(hosting.clone()),
        device_id: device.map(str::to_owned),
        peer: Some(peer.to_owned()),
    }
}

/// The password typed at a login or an enrolment, as it is checked: the console password (14 characters, spaces
/// around it dropped) for the hosting manager, an administrator's own as typed. The console checks it with this
/// before sending it, the controller on receipt.
pub fn typed_password(password: &str, administrator: bool) -> Result<String> {
    if !administrator {
        return Ok(ConsolePassword::parse(password)?.expose().to_owned());
    }
    if password.is_empty() {
        return Err(Error::invalid("Type your password.", "Saisissez votre mot de passe.").on("password"));
    }
    let max = super::users::PASSWORD_MAX;
    if password.chars().count() > max {
        return Err(Error::invalid(
            format!("A password has at most {max} characters."),
            format!("Un mot de passe compte au plus {max} caractères."),
        )
        .on("password"));
    }
    Ok(password.to_owned())
}

/// An administrator's login as typed: checked like any login, so an impossible one costs no password check.
pub(super) fn typed_login(login: Option<&str>) -> Result<Option<String>> {
    login.map(super::users::login).transpose()
}

/// What a password check is about: the secrets typed, and whose counter an attempt goes to.
pub(super) struct Check<'a> {
    pub hosting: &'a HostingNumber,
    /// An administrator's login; none for the hosting manager.
    pub login: Option<&'a str>,
    pub password: &'a str,
    pub invoice: Option<&'a InvoiceNumber>,
    /// The enrolled device asking, when it is one of this account's.
    pub device: Option<&'a str>,
    pub peer: &'a str,
    pub action: &'a str,
    /// For the hosting console: an administrator must also be enabled and have console access. A planning
    /// server's login only needs the right password (its profile is checked there).
    pub console: bool,
}

/// A user's password: argon2id when chosen, SHA-256 when generated. Both paths do the same slow work, so timing does
/// not tell a generated password from a chosen one or an unknown login.
fn verify_user_password(secret: &str, hash: &str) -> bool {
    match hash.strip_prefix("sha256$") {
        Some(_) => {
            verify_secret(secret, dummy_hash());
            let typed = super::users::hash_generated(secret);
            constant_time_eq(typed.as_bytes(), hash.as_bytes())
        }
        None => verify_secret(secret, hash),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Controller {
    pub(super) fn log(&self, who: &Who, action: &str, outcome: Outcome, detail: &str) {
        if let Err(e) = self
            .store
            .write(|c| history::record(c, who, action, outcome, detail, now_unix()))
        {
            tracing::error!("history not written: {e}");
        }
    }

    /// Checks the password (and the invoice number when given) under the lock-out rules, and returns the
    /// administrator when a login was given. The attempt is counted before the slow check, in one transaction with
    /// the look at the lock, so parallel guesses cannot slip past it. Known and unknown hosting numbers and logins
    /// cost the same work and get the same answers.
    pub(super) fn check_credentials(&self, check: &Check<'_>) -> Result<Option<User>> {
        let key = match (check.device, check.login) {
            (Some(device), _) => lockouts::device_key(device),
            // A planning server's public port must not lock the user out of the console: its attempts count apart.
            (None, Some(login)) if !check.console => {
                format!("planning:{}", lockouts::user_key(check.hosting.as_str(), login))
            }
            (None, Some(login)) => lockouts::user_key(check.hosting.as_str(), login),
            (None, None) => lockouts::account_key(check.hosting.as_str()),
        };
        let who = claimant(check.hosting, check.login, check.device, check.peer);
        let now = now_unix();
        let (attempt, account, user) = self.store.write(|c| {
            let attempt = lockouts::reserve(c, &key, now, lock_delay)?;
            if let Attempt::Locked(_) = attempt {
                history::record(c, &who, check.action, Outcome::Locked, "attempt during lock-out", now)?;
            }
            let user = match check.login {
                Some(login) => users::with_password_hash(c, check.hosting, login)?,
                None => None,
            };
            Ok((attempt, accounts::get(c, check.hosting)?, user))
        })?;
        let n = match attempt {
            Attempt::Locked(secs) => return Err(Error::too_many_attempts(secs.unsigned_abs())),
            Attempt::Counted(n) => n,
        };
        let invoice_hash = account.as_ref().map_or(dummy_hash(), |a| a.invoice_hash.as_str());
        // Every check always runs, so timing does not tell which one failed, nor whether the number exists.
        let password_ok = match (check.login, &account, &user) {
            (None, Some(a), _) => verify_secret(check.password, &a.password_hash),
            (Some(_), Some(_), Some((_, hash))) => verify_user_password(check.password, hash),
            _ => {
                verify_secret(check.password, dummy_hash());
                false
            }
        };
        let invoice_ok = check.invoice.is_none_or(|i| verify_secret(i.as_str(), invoice_hash));
        let known = account.is_some() && (check.login.is_none() || user.is_some());
        let now = now_unix();
        if known && password_ok && invoice_ok {
            // The password step alone does not lift the lock-out: alternating it with invoice guesses must not
            // reset the count of wrong invoice numbers. It only gives back its own attempt.
            let full_success = check.invoice.is_some() || check.device.is_some();
            self.store.write(|c| {
                if full_success {
                    lockouts::clear(c, &key)
                } else {
                    lockouts::refund(c, &key)
                }
            })?;
            return match user {
                Some((user, _)) if check.console => self.console_administrator(user, &who, check.action).map(Some),
                Some((user, _)) => Ok(Some(user)),
                None => Ok(None),
            };
        }
        let detail = match (account.is_some(), check.login.is_none() || user.is_some()) {
            (false, _) => "unknown hosting number".to_owned(),
            (true, false) => "unknown login".to_owned(),
            (true, true) => format!("wrong credentials ({n} in a row)"),
        };
        self.store
            .write(|c| history::record(c, &who, check.action, Outcome::Refused, &detail, now))?;
        Err(match (check.login, check.invoice) {
            (Some(_), invoice) => Error::bad_login(invoice.is_some()),
            (None, Some(_)) => Error::bad_credentials(),
            (None, None) => Error::bad_password(),
        })
    }

    /// An administrator whose password was right may use the console only while it is one: enabled, with console
    /// access. Told plainly (it proved who it is).
    fn console_administrator(&self, user: User, who: &Who, action: &str) -> Result<User> {
        let refusal = if user.disabled {
            Some((
                "disabled",
                "This administrator is disabled: ask a superadministrator.",
                "Cet administrateur est désactivé : adressez-vous à un superadministrateur.",
            ))
        } else if !super::administrators::is_console_administrator(&user) {
            Some((
                "no console access",
                "This user has no access to the hosting console: ask a superadministrator.",
                "Cet utilisateur n'a pas accès à la console d'hébergement : adressez-vous à un superadministrateur.",
            ))
        } else {
            None
        };
        match refusal {
            None => Ok(user),
            Some((detail, en, fr)) => {
                self.log(who, action, Outcome::Refused, detail);
                Err(Error::new(ErrorCode::Forbidden, en, fr))
            }
        }
    }

    /// The first step of a first connection (seed 000): the password is checked, under the same lock-out as
    /// enrolment, before the console asks for the invoice number.
    pub fn check_enrol_password(&self, req: &PasswordCheck, peer: &str) -> Result<()> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let login = typed_login(req.login.as_deref())?;
        let password = typed_password(&req.password, login.is_some())?;
        let action = "device.enrol.password";
        self.check_credentials(&Check {
            hosting: &hosting,
            login: login.as_deref(),
            password: &password,
            invoice: None,
            device: None,
            peer,
            action,
            console: true,
        })?;
        self.log(
            &claimant(&hosting, login.as_deref(), None, peer),
            action,
            Outcome::Ok,
            "",
        );
        Ok(())
    }

    /// A network address spent its budget of enrolment attempts: one line for the whole run of refusals.
    pub fn record_over_budget(&self, peer: &str) {
        let who = Who {
            actor: "hosting_manager",
            login: None,
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

    /// Signs a certificate for a new device of the hosting manager, or of an administrator (then bound to it).
    pub fn enrol(&self, req: &EnrolRequest, peer: &str) -> Result<EnrolResponse> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let login = typed_login(req.login.as_deref())?;
        let password = typed_password(&req.password, login.is_some())?;
        let invoice = InvoiceNumber::parse(&req.invoice_number)?;
        let label: String = req.device_label.chars().filter(|c| !c.is_control()).take(80).collect();
        let user = self.check_credentials(&Check {
            hosting: &hosting,
            login: login.as_deref(),
            password: &password,
            invoice: Some(&invoice),
            device: None,
            peer,
            action: "device.enrol",
            console: true,
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
            user_id: user.as_ref().map(|u| u.id),
        };
        let now = now_unix();
        self.store.write(|c| {
            devices::insert(c, &row, &label, now, info.not_after_unix)?;
            let who = claimant(&hosting, login.as_deref(), Some(&device_id), peer);
            let detail = format!("certificate for '{label}'");
            history::record(c, &who, "device.enrol", Outcome::Ok, &detail, now)
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

    pub(super) fn device_at(&self, version: i64, info: &pki::CertificateInfo) -> Result<DeviceRow> {
        match self.store.device(version, &info.subject_cn)? {
            Some(d) if d.revoked_at.is_none() && d.cert_sha256 == info.fingerprint_sha256 => Ok(d),
            _ => Err(Error::new(
                ErrorCode::CertificateRevoked,
                "This device's certificate was revoked or is unknown to this controller. Install a certificate again with the invoice number.",
                "Le certificat de ce poste a été révoqué ou est inconnu de ce contrôleur. Réinstallez un certificat avec le numéro de facture.",
            )),
        }
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
    fn imported_hashes_are_argon2id_within_bounds() {
        let good = hash_secret("un mot de passe choisi").unwrap();
        assert_eq!(imported_hash(&good).unwrap(), good);
        for bad in [
            "sha256$abc".to_owned(),
            "".to_owned(),
            good.replace("$argon2id$", "$argon2i$"),
            good.replace("m=19456", "m=4194304"),
            good.replace("m=19456", "m=8"),
            good.replace("t=2", "t=1000"),
        ] {
            let err = imported_hash(&bad).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("password_hash"), "{bad}");
        }
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
