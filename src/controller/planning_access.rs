//! Who may use a planning server: a user of the planning's account, enabled, with a profile in this planning. The
//! password is checked under the same lock-out rules as the console's.

use super::auth::Check;
use super::store::{plannings, profiles, users};
use super::Controller;
use crate::api::{ProfileKind, User};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;

/// A user let in on a planning server, with the profile it has there.
#[derive(Debug, Clone)]
pub struct PlanningUser {
    pub user: User,
    pub profile: String,
    pub kind: ProfileKind,
}

impl Controller {
    pub fn planning_login(&self, planning_id: i64, login: &str, password: &str, peer: &str) -> Result<PlanningUser> {
        let hosting: HostingNumber = self
            .store
            .read(|c| plannings::hosting_of(c, planning_id))?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "No such planning.", "Aucun tel planning."))?;
        let user = self
            .check_credentials(&Check {
                hosting: &hosting,
                login: Some(login),
                password,
                invoice: None,
                device: None,
                peer,
                action: "planning.login",
                console: false,
            })?
            .ok_or_else(|| Error::bad_login(false))?;
        if user.disabled {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "This user is disabled: ask an administrator.",
                "Cet utilisateur est désactivé : adressez-vous à un administrateur.",
            ));
        }
        let profile = self.store.read(|c| profiles::assigned(c, planning_id, user.id))?;
        let Some((profile, kind)) = profile else {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "You have no profile in this planning: ask an administrator to assign you one.",
                "Vous n'avez pas de profil dans ce planning : demandez à un administrateur de vous en affecter un.",
            ));
        };
        Ok(PlanningUser { user, profile, kind })
    }

    /// What a planning server needs to answer: its names, publication, seats and the base file in service. Asked
    /// on every request, so kept in memory while nothing is committed (`data_version`): one `PRAGMA`, not three
    /// queries; a change from this process or a provider command is seen by the next request.
    pub fn planning_served(&self, planning_id: i64) -> Result<Option<ServedPlanning>> {
        let version = self.store.data_version()?;
        self.store.served_planning(version, planning_id, |c| {
            let Some(hosting) = plannings::hosting_of(c, planning_id)? else {
                return Ok(None);
            };
            let file = self.base_in_service_in(c, planning_id)?;
            Ok(plannings::get(c, &hosting, planning_id)?.map(|row| ServedPlanning {
                domain: row.planning.coordinates.map(|c| c.domain),
                publication_name: row.planning.publication_name,
                web_publication: row.planning.web_publication,
                seats: row.planning.seats,
                base: row.planning.base,
                file,
                hosting,
            }))
        })
    }

    /// The profile kind a user logged in on a planning server still has there: `None` once the user is disabled,
    /// deleted (the login is compared too: a deleted user's id can be given to a new one) or no longer assigned.
    /// Asked again whenever anything was committed since the last answer.
    pub fn planning_user_kind(
        &self,
        planning_id: i64,
        hosting: &HostingNumber,
        user_id: i64,
        login: &str,
    ) -> Result<Option<ProfileKind>> {
        self.store.read(|c| {
            let Some(user) = users::get(c, hosting, user_id)? else {
                return Ok(None);
            };
            if user.disabled || user.login != login {
                return Ok(None);
            }
            Ok(profiles::assigned(c, planning_id, user_id)?.map(|(_, kind)| kind))
        })
    }
}

#[derive(Debug, Clone)]
pub struct ServedPlanning {
    pub hosting: HostingNumber,
    /// The planning's domain name, once set: its server's certificate names it.
    pub domain: Option<String>,
    pub publication_name: String,
    pub web_publication: bool,
    pub seats: crate::api::Seats,
    /// The name of the base in service.
    pub base: Option<String>,
    /// Its file: (id, path); none for a base recorded without one.
    pub file: Option<(i64, std::path::PathBuf)>,
}
