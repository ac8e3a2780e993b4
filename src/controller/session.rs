//! Sessions: login from an enrolled device (hosting manager or administrator), the session behind each request with
//! its typed actor, logout, and the password an administrator must choose after a given one.

use super::actor::{Actor, Administrator};
use super::administrators::is_console_administrator;
use super::auth::{claimant, dummy_hash, token_hash, typed_login, typed_password, verify_secret, Check, Session};
use super::auth::{hash_secret, LICENCE_VERSION, SESSION_SECS};
use super::store::accounts;
use super::store::devices::DeviceRow;
use super::store::history::{self, Outcome};
use super::store::sessions::{self, SessionRow};
use super::store::{plannings, users};
use super::Controller;
use crate::api::{LoginRequest, LoginResponse, PasswordChange, PlanningName, User, WhoAmI};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;
use crate::pki;
use crate::time_fmt::{now_unix, rfc3339};
use base64::Engine;

/// The actor of an administrator's session, while the user is still one: enabled, with console access.
fn administrator(user: User) -> Option<Administrator> {
    if !is_console_administrator(&user) {
        return None;
    }
    Some(Administrator {
        user_id: user.id,
        login: user.login,
        status: user.status,
        scope: user.scope?,
        parent_id: user.parent_id,
        must_change_password: user.must_change_password,
    })
}

pub(crate) fn password_change_required() -> Error {
    Error::new(
        ErrorCode::PasswordChangeRequired,
        "Choose your own password first: the one you were given works only once.",
        "Choisissez d'abord votre propre mot de passe : celui qui vous a été donné ne sert qu'une fois.",
    )
}

impl Controller {
    /// Logs in from an enrolled device. Failures count against this device only, so that strangers who lock the
    /// hosting number out (through enrolment attempts) do not lock its owner out. A device belongs to the hosting
    /// manager or to one administrator: nobody else logs in from it.
    pub fn login(&self, device: &DeviceRow, req: &LoginRequest, peer: &str) -> Result<LoginResponse> {
        let hosting = HostingNumber::parse(&req.hosting_number)?;
        let login = typed_login(req.login.as_deref())?;
        let password = typed_password(&req.password, login.is_some())?;
        let action = "session.login";
        let who = claimant(&hosting, login.as_deref(), Some(&device.id), peer);
        let refuse = |detail: &str| {
            self.log(&who, action, Outcome::Refused, detail);
            match login {
                Some(_) => Error::bad_login(false),
                None => Error::bad_password(),
            }
        };
        if device.hosting_number != hosting || device.user_id.is_some() != login.is_some() {
            // Same answer as a wrong password, after the same work.
            verify_secret(&password, dummy_hash());
            return Err(refuse("device installed for someone else"));
        }
        let user = self.check_credentials(&Check {
            hosting: &hosting,
            login: login.as_deref(),
            password: &password,
            invoice: None,
            device: Some(&device.id),
            peer,
            action,
            console: true,
        })?;
        if device.user_id != user.as_ref().map(|u| u.id) {
            return Err(refuse("device installed for someone else"));
        }
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let now = now_unix();
        let expires_at = now + SESSION_SECS;
        let row = SessionRow {
            device_id: device.id.clone(),
            hosting_number: hosting.clone(),
            actor: user
                .as_ref()
                .map_or("hosting_manager", |u| u.status.as_str())
                .to_owned(),
            user_id: user.as_ref().map(|u| u.id),
            expires_at,
        };
        let licence_accepted = self.store.write(|c| {
            sessions::insert(c, &token_hash(&token), &row, now)?;
            history::record(c, &who, action, Outcome::Ok, "", now)?;
            Ok(accounts::get(c, &hosting)?.is_some_and(|a| a.licence_version == Some(LICENCE_VERSION)))
        })?;
        Ok(LoginResponse {
            token,
            expires_at: rfc3339(expires_at),
            licence_accepted,
            must_change_password: user.is_some_and(|u| u.must_change_password),
        })
    }

    /// The session of a bearer token, which must belong to the (not revoked) device presenting `cert`; all read from
    /// one state of the database (kept in memory until anything changes in it). An administrator's session lasts
    /// only while it is one: disabled, or its console access taken away, the next request is refused.
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
                let actor = match s.user_id {
                    None => Actor::HostingManager,
                    Some(id) => Actor::Administrator(
                        self.store
                            .user(version, &s.hosting_number, id)?
                            .and_then(administrator)
                            .ok_or_else(Error::session_required)?,
                    ),
                };
                Ok(Session {
                    token_hash: hash,
                    device_id: s.device_id,
                    hosting_number: s.hosting_number,
                    actor,
                    expires_at: s.expires_at,
                    licence_accepted: licence == Some(LICENCE_VERSION),
                })
            }
            Some(s) if s.device_id != device.id => {
                let who = claimant(&s.hosting_number, None, Some(&device.id), peer);
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
        let admin = session.actor.administrator();
        let plannings = self.store.read(|c| plannings::list(c, &session.hosting_number))?;
        let plannings = plannings
            .into_iter()
            .filter(|p| session.actor.sees_planning(p.planning.id))
            .map(|p| PlanningName {
                id: p.planning.id,
                name: p.planning.name,
            })
            .collect();
        Ok(WhoAmI {
            hosting_number: session.hosting_number.to_string(),
            actor: session.actor.as_str().to_owned(),
            login: session.actor.login().map(str::to_owned),
            scope: session.actor.scope(),
            plannings,
            must_change_password: admin.is_some_and(|a| a.must_change_password),
            device_id: session.device_id.clone(),
            session_expires_at: rfc3339(session.expires_at),
            licence_accepted: session.licence_accepted,
        })
    }

    /// An administrator chooses its password (forced after a generated one): the current one is checked under the
    /// device's lock-out, the new one hashed with argon2id. Slow: the server runs it off its async threads.
    pub fn change_own_password(&self, session: &Session, req: &PasswordChange, peer: &str) -> Result<WhoAmI> {
        let Some(admin) = session.actor.administrator() else {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "The console password is changed by the provider, not here.",
                "Le mot de passe de la console se change auprès de l'hébergeur, pas ici.",
            ));
        };
        super::users::chosen_password(&req.password, &req.confirmation, &admin.login)?;
        if req.password == req.current {
            return Err(Error::invalid(
                "Choose a password other than the current one.",
                "Choisissez un mot de passe différent de l'actuel.",
            )
            .on("password"));
        }
        // The hash the current password is checked against: the new one is written only over it, so two changes
        // racing (two devices, or a reset meanwhile) cannot both succeed.
        let checked = self
            .store
            .read(|c| users::with_password_hash(c, &session.hosting_number, &admin.login))?;
        self.check_credentials(&Check {
            hosting: &session.hosting_number,
            login: Some(&admin.login),
            password: &req.current,
            invoice: None,
            device: Some(&session.device_id),
            peer,
            action: "session.password",
            console: true,
        })
        .map_err(|e| match e.code {
            ErrorCode::BadCredentials => Error::invalid(
                "This is not your current password.",
                "Ce n'est pas votre mot de passe actuel.",
            )
            .on("current"),
            _ => e,
        })?;
        let hash = hash_secret(&req.password)?;
        let now = now_unix();
        let before = checked.map(|(_, h)| h).unwrap_or_default();
        self.store.write(|c| {
            if !users::replace_password(c, &session.hosting_number, admin.user_id, &before, &hash)? {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    "Your password was changed meanwhile (from another device, or reset): log in again.",
                    "Votre mot de passe vient d'être changé ailleurs (un autre poste, ou une réinitialisation) : \
                     reconnectez-vous.",
                ));
            }
            history::record(c, &session.who(peer), "session.password", Outcome::Ok, "chosen", now)
        })?;
        let mut after = session.clone();
        if let Actor::Administrator(a) = &mut after.actor {
            a.must_change_password = false;
        }
        self.whoami(&after)
    }
}
