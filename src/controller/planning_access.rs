//! Who may use a planning server: a user of the planning's account, enabled, with a profile in this planning. The
//! password is checked under the same lock-out rules as the console's.

use super::auth::Check;
use super::store::{plannings, profiles};
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

    /// What a planning server needs to answer: its names, publication, seats and the base file in service.
    pub fn planning_served(&self, planning_id: i64) -> Result<Option<ServedPlanning>> {
        let file = self.base_in_service(planning_id)?;
        self.store.read(|c| {
            let Some(hosting) = plannings::hosting_of(c, planning_id)? else {
                return Ok(None);
            };
            Ok(plannings::get(c, &hosting, planning_id)?.map(|row| ServedPlanning {
                publication_name: row.planning.publication_name,
                web_publication: row.planning.web_publication,
                seats: row.planning.seats,
                base: row.planning.base,
                file: file.clone(),
            }))
        })
    }
}

#[derive(Debug, Clone)]
pub struct ServedPlanning {
    pub publication_name: String,
    pub web_publication: bool,
    pub seats: crate::api::Seats,
    /// The name of the base in service.
    pub base: Option<String>,
    /// Its file: (id, path); none for a base recorded without one.
    pub file: Option<(i64, std::path::PathBuf)>,
}
