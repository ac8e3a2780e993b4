//! Profiles per planning and "Affectation dans les profils": Administration (fixed, every authorisation, only
//! administrators), Modification and Consultation in every planning, custom profiles of either kind, at most one
//! profile per user and planning. Each change is checked and written with its history line in one transaction.

use super::store::history::{self, Outcome};
use super::store::plannings;
use super::store::profiles as rows;
use super::store::users as user_rows;
use super::{Controller, Session};
use crate::api::{Authorisation, PlanningProfiles, Profile, ProfileChange, ProfileKind, ProfileOutcome, UserStatus};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{display_name, HostingNumber};
use crate::time_fmt::now_unix;
use rusqlite::Connection;

pub const PROFILE_NAME_MAX: usize = 40;
/// Users assigned or removed in one change: a whole account's worth.
pub const USERS_PER_CHANGE_MAX: usize = 20_000;
/// Logins written out in one history line before "and N more".
const LOGINS_IN_HISTORY: usize = 20;

pub fn profile_name(input: &str) -> Result<String> {
    display_name(input, PROFILE_NAME_MAX, ("A profile name", "Un nom de profil")).map_err(|e| e.on("name"))
}

/// The authorisations of a profile of this kind: at least one, each one allowed to the kind, sorted, no repeats.
pub fn authorisations(kind: ProfileKind, list: &[Authorisation]) -> Result<Vec<Authorisation>> {
    if let Some(a) = list.iter().find(|a| a.kind() > kind) {
        let (en, fr) = a.labels();
        return Err(Error::invalid(
            format!(
                "“{en}” needs a {} profile; this one is {}.",
                a.kind().as_str(),
                kind.as_str()
            ),
            format!(
                "« {fr} » demande un profil {} ; celui-ci est {}.",
                a.kind().as_str(),
                kind.as_str()
            ),
        )
        .on("authorisations"));
    }
    let mut list = list.to_vec();
    list.sort();
    list.dedup();
    if list.is_empty() {
        return Err(Error::invalid(
            "Choose at least one authorisation.",
            "Choisissez au moins une autorisation.",
        )
        .on("authorisations"));
    }
    Ok(list)
}

pub(super) fn profile_not_found(id: i64) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("No profile {id} in this account's plannings."),
        format!("Aucun profil {id} dans les plannings de ce compte."),
    )
}

pub(super) fn planning_not_found(id: i64) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("No planning {id} in this account."),
        format!("Aucun planning {id} dans ce compte."),
    )
}

fn name_taken(name: &str) -> Error {
    Error::new(
        ErrorCode::Conflict,
        format!("This planning already has a profile named '{name}'."),
        format!("Ce planning a déjà un profil nommé « {name} »."),
    )
    .on("name")
}

fn builtin_kept(name: &str, what: (&str, &str)) -> Error {
    Error::invalid(
        format!("{name} is a built-in profile: it cannot be {}.", what.0),
        format!("{name} est un profil prédéfini : il ne peut pas être {}.", what.1),
    )
}

fn planning_name(c: &Connection, h: &HostingNumber, id: i64) -> Result<String> {
    Ok(plannings::get(c, h, id)?
        .ok_or_else(|| planning_not_found(id))?
        .planning
        .name)
}

/// Reads a profile of the account, or says it does not exist.
pub(super) fn profile(c: &Connection, h: &HostingNumber, id: i64) -> Result<Profile> {
    rows::get(c, h, id)?.ok_or_else(|| profile_not_found(id))
}

/// "dupont, martin and 3 more".
fn logins_text(logins: &[String]) -> String {
    let shown = logins
        .iter()
        .take(LOGINS_IN_HISTORY)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match logins.len().saturating_sub(LOGINS_IN_HISTORY) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

fn checked_user_ids(ids: &[i64]) -> Result<Vec<i64>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > USERS_PER_CHANGE_MAX {
        return Err(Error::invalid(
            format!("Choose 1 to {USERS_PER_CHANGE_MAX} users."),
            format!("Choisissez de 1 à {USERS_PER_CHANGE_MAX} utilisateurs."),
        )
        .on("user_ids"));
    }
    Ok(ids)
}

impl Controller {
    /// A planning's profiles, with the catalogue of authorisations.
    pub fn profiles(&self, s: &Session, planning_id: i64) -> Result<PlanningProfiles> {
        self.store.read(|c| {
            let h = &s.hosting_number;
            let planning = plannings::get(c, h, planning_id)?.ok_or_else(|| planning_not_found(planning_id))?;
            Ok(PlanningProfiles {
                planning_id,
                planning_name: planning.planning.name,
                profiles: rows::list(c, h, planning_id)?,
                catalogue: Authorisation::catalogue(),
            })
        })
    }

    /// Carries out one change of `planning`'s profiles or assignments (the route checked the caller may touch it):
    /// the profile it names must be one of that planning's.
    pub fn change_profiles(
        &self,
        s: &Session,
        planning: i64,
        change: &ProfileChange,
        peer: &str,
    ) -> Result<ProfileOutcome> {
        let now = now_unix();
        let h = &s.hosting_number;
        let named = match change {
            ProfileChange::Create(new) if new.planning_id != planning => {
                return Err(planning_not_found(new.planning_id))
            }
            ProfileChange::Create(_) => None,
            ProfileChange::Change { id, .. } | ProfileChange::Delete { id } => Some(*id),
            ProfileChange::Assign { profile_id, .. } | ProfileChange::Unassign { profile_id, .. } => Some(*profile_id),
        };
        // A profile never moves to another planning: read once, outside the change's transaction.
        if let Some(id) = named {
            if self.store.read(|c| profile(c, h, id))?.planning_id != planning {
                return Err(profile_not_found(id));
            }
        }
        let record = |c: &Connection, action: &str, detail: &str| {
            history::record(c, &s.who(peer), action, Outcome::Ok, detail, now)
        };
        match change {
            ProfileChange::Create(new) => {
                let name = profile_name(&new.name)?;
                if new.kind == ProfileKind::Administration {
                    return Err(Error::invalid(
                        "A new profile is of the modification or consultation kind: Administration exists once per planning.",
                        "Un nouveau profil est de type modification ou consultation : Administration existe une fois par planning.",
                    )
                    .on("kind"));
                }
                let list = authorisations(new.kind, &new.authorisations)?;
                self.store.write(|c| {
                    let planning = planning_name(c, h, new.planning_id)?;
                    if rows::name_taken(c, new.planning_id, &name, None)? {
                        return Err(name_taken(&name));
                    }
                    let id = rows::insert(c, new.planning_id, &name, new.kind, false, &list, now)?;
                    record(
                        c,
                        "profiles.create",
                        &format!(
                            "{planning} / {name}: created, {}, {}",
                            new.kind.as_str(),
                            rows::write_authorisations(&list)
                        ),
                    )?;
                    Ok(ProfileOutcome {
                        profile: Some(profile(c, h, id)?),
                        users: 0,
                    })
                })
            }
            ProfileChange::Change {
                id,
                name,
                authorisations: list,
            } => self.store.write(|c| {
                let before = profile(c, h, *id)?;
                let mut after = before.clone();
                if let Some(name) = name {
                    after.name = profile_name(name)?;
                    if before.builtin && after.name != before.name {
                        return Err(builtin_kept(&before.name, ("renamed", "renommé")).on("name"));
                    }
                }
                if let Some(list) = list {
                    if before.kind == ProfileKind::Administration {
                        return Err(Error::invalid(
                            "Administration holds every authorisation: its list cannot be changed.",
                            "Administration a toutes les autorisations : sa liste ne se modifie pas.",
                        )
                        .on("authorisations"));
                    }
                    after.authorisations = authorisations(before.kind, list)?;
                }
                if rows::name_taken(c, before.planning_id, &after.name, Some(before.id))? {
                    return Err(name_taken(&after.name));
                }
                // Nothing to change is not a change: nothing written, no history line.
                if after == before {
                    return Ok(ProfileOutcome {
                        profile: Some(before),
                        users: 0,
                    });
                }
                rows::update(c, before.id, &after.name, &after.authorisations)?;
                let planning = planning_name(c, h, before.planning_id)?;
                record(c, "profiles.change", &describe(&planning, &before, &after))?;
                Ok(ProfileOutcome {
                    profile: Some(profile(c, h, before.id)?),
                    users: 0,
                })
            }),
            ProfileChange::Delete { id } => self.store.write(|c| {
                let before = profile(c, h, *id)?;
                if before.builtin {
                    return Err(builtin_kept(&before.name, ("deleted", "supprimé")));
                }
                rows::delete(c, before.id)?;
                let planning = planning_name(c, h, before.planning_id)?;
                record(
                    c,
                    "profiles.delete",
                    &format!(
                        "{planning} / {}: deleted, {} assignments removed",
                        before.name, before.assigned
                    ),
                )?;
                Ok(ProfileOutcome {
                    profile: None,
                    users: before.assigned,
                })
            }),
            ProfileChange::Assign { profile_id, user_ids } => {
                self.for_each_user(s, peer, *profile_id, user_ids, ("profiles.assign", "assigned"), |c, p, user| {
                    if p.kind == ProfileKind::Administration && user.status == UserStatus::User {
                        return Err(Error::invalid(
                            format!("{} is a user: only administrators can have the Administration profile.", user.login),
                            format!("{} est utilisateur : seuls les administrateurs peuvent avoir le profil Administration.", user.login),
                        ));
                    }
                    if let Some((other, _)) = rows::assigned(c, p.planning_id, user.id)? {
                        return Err(Error::new(
                            ErrorCode::Conflict,
                            format!("{} already has the profile {other} in this planning: remove it from that profile first.", user.login),
                            format!("{} a déjà le profil {other} dans ce planning : retirez-le d'abord de ce profil.", user.login),
                        ));
                    }
                    rows::assign(c, p, user.id, now)
                })
            }
            ProfileChange::Unassign { profile_id, user_ids } => {
                self.for_each_user(s, peer, *profile_id, user_ids, ("profiles.unassign", "removed"), |c, p, user| {
                    if rows::unassign(c, p.id, user.id)? {
                        return Ok(());
                    }
                    Err(Error::new(
                        ErrorCode::NotFound,
                        format!("{} is not assigned to the profile {}.", user.login, p.name),
                        format!("{} n'est pas affecté au profil {}.", user.login, p.name),
                    ))
                })
            }
        }
    }
}

impl Controller {
    /// Assigns or removes users, one by one in one transaction: the first refusal cancels the whole list. One history
    /// line: `planning / profile: assigned|removed logins`.
    fn for_each_user(
        &self,
        s: &Session,
        peer: &str,
        profile_id: i64,
        user_ids: &[i64],
        (action, verb): (&str, &str),
        each: impl Fn(&Connection, &Profile, &crate::api::User) -> Result<()>,
    ) -> Result<ProfileOutcome> {
        let ids = checked_user_ids(user_ids)?;
        let h = &s.hosting_number;
        self.store.write(|c| {
            let p = profile(c, h, profile_id)?;
            let mut logins = Vec::with_capacity(ids.len());
            for &user_id in &ids {
                let user = user_rows::get(c, h, user_id)?.ok_or_else(|| super::users::not_found(user_id))?;
                // An administrator's profiles are its rights: changed only by those who may change it.
                super::administrators::check_may_change(c, &s.actor, &user, true)?;
                each(c, &p, &user)?;
                logins.push(user.login);
            }
            let planning = planning_name(c, h, p.planning_id)?;
            let detail = format!("{planning} / {}: {verb} {}", p.name, logins_text(&logins));
            history::record(c, &s.who(peer), action, Outcome::Ok, &detail, now_unix())?;
            Ok(ProfileOutcome {
                profile: Some(profile(c, h, p.id)?),
                users: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            })
        })
    }
}

/// `planning / profile: name before → after, authorisations +added −removed`.
pub(super) fn describe(planning: &str, before: &Profile, after: &Profile) -> String {
    let mut parts = Vec::new();
    if before.name != after.name {
        parts.push(format!("name {} → {}", before.name, after.name));
    }
    let added: Vec<&str> = after
        .authorisations
        .iter()
        .filter(|a| !before.authorisations.contains(a))
        .map(|a| a.as_str())
        .collect();
    let removed: Vec<&str> = before
        .authorisations
        .iter()
        .filter(|a| !after.authorisations.contains(a))
        .map(|a| a.as_str())
        .collect();
    if !added.is_empty() {
        parts.push(format!("added {}", added.join(" ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {}", removed.join(" ")));
    }
    if parts.is_empty() {
        parts.push("unchanged".into());
    }
    format!("{planning} / {}: {}", before.name, parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_holds_only_what_its_kind_allows() {
        use Authorisation::*;
        let list = authorisations(
            ProfileKind::Consultation,
            &[PrintAndExport, ViewTimetables, ViewTimetables],
        )
        .unwrap();
        assert_eq!(list, vec![ViewTimetables, PrintAndExport]);
        let err = authorisations(ProfileKind::Consultation, &[ViewTimetables, EditCourses]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("authorisations"));
        assert!(
            err.message_fr.contains("Créer et modifier les cours"),
            "{}",
            err.message_fr
        );
        assert!(authorisations(ProfileKind::Modification, &[AdministerBase]).is_err());
        assert!(authorisations(ProfileKind::Modification, &[]).is_err());
        assert_eq!(profile_name(" ").unwrap_err().field.as_deref(), Some("name"));
        assert_eq!(
            logins_text(&(0..22).map(|i| i.to_string()).collect::<Vec<_>>())
                .rsplit(' ')
                .nth(1),
            Some("2")
        );
    }
}
