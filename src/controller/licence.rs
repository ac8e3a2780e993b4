//! The licence agreement (accepted by the hosting manager for the whole account) and the account's facts.

use super::auth::{Session, LICENCE_VERSION};
use super::store::accounts;
use super::store::history::{self, Outcome};
use super::Controller;
use crate::api::{AccountInfo, Licence};
use crate::error::{Error, ErrorCode, Result};
use crate::time_fmt::{now_unix, rfc3339};

const LICENCE_FR: &str = include_str!("licence.fr.txt");
const LICENCE_EN: &str = include_str!("licence.en.txt");

impl Controller {
    fn account(&self, session: &Session) -> Result<accounts::AccountRow> {
        self.store
            .read(|c| accounts::get(c, &session.hosting_number))?
            .ok_or_else(Error::session_required)
    }

    /// Routes beyond the licence screen pass this first (the route check does it for them).
    pub fn require_licence(&self, session: &Session) -> Result<()> {
        match (session.licence_accepted, session.actor.login()) {
            (true, _) => Ok(()),
            (false, None) => Err(Error::new(
                ErrorCode::LicenceNotAccepted,
                "Accept the licence agreement to use the console.",
                "Acceptez le contrat de licence pour utiliser la console.",
            )),
            (false, Some(_)) => Err(Error::new(
                ErrorCode::LicenceNotAccepted,
                "The hosting manager has not accepted the licence agreement yet: the console opens once it is accepted.",
                "Le gestionnaire de l'hébergement n'a pas encore accepté le contrat de licence : la console s'ouvre une fois le contrat accepté.",
            )),
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
