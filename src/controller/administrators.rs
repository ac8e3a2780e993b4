//! Delegated administration (seed 004): what console access an administrator may give, and whom it may change.
//! A delegated administrator gives only what it has itself, and changes only plain users and the administrators it
//! created (or that they created, and so on down).

use super::actor::Actor;
use super::store::{plannings, users as rows};
use crate::api::{ConsoleScope, Pane, User, UserStatus};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;
use rusqlite::Connection;

/// The panes a status may hold: Configuration and Contrôleur change the whole controller.
pub fn panes_for(status: UserStatus) -> Vec<Pane> {
    match status {
        UserStatus::Superadministrator => Pane::ALL.to_vec(),
        UserStatus::BaseAdministrator => Pane::ALL
            .into_iter()
            .filter(|p| !p.needs_superadministrator())
            .collect(),
        UserStatus::User => Vec::new(),
    }
}

/// Console access given without a scope: what the status allows, within the giver's own scope.
pub fn default_scope(giver: &Actor, status: UserStatus) -> ConsoleScope {
    let mine = giver.scope();
    ConsoleScope {
        panes: panes_for(status).into_iter().filter(|p| mine.has_pane(*p)).collect(),
        plannings: mine.plannings,
    }
}

fn scope_error(en: String, fr: String) -> Error {
    Error::invalid(en, fr).on("scope")
}

/// A scope given to a user of `status` by `giver`: panes the status may hold, at least one, plannings of this
/// account, and nothing the giver does not have.
pub fn check_grant(
    c: &Connection,
    h: &HostingNumber,
    giver: &Actor,
    status: UserStatus,
    scope: &ConsoleScope,
) -> Result<()> {
    if scope.panes.is_empty() {
        return Err(scope_error(
            "Console access needs at least one pane.".into(),
            "L'accès à la console demande au moins un volet.".into(),
        ));
    }
    let allowed = panes_for(status);
    if let Some(p) = scope.panes.iter().find(|p| !allowed.contains(p)) {
        let (en, fr) = p.labels();
        return Err(scope_error(
            format!("A base administrator cannot have the {en} pane: it changes the whole controller."),
            format!("Un administrateur de base ne peut pas avoir le volet {fr} : il change tout le contrôleur."),
        ));
    }
    if let Some(ids) = &scope.plannings {
        if ids.is_empty() {
            return Err(scope_error(
                "Choose at least one planning, or every planning.".into(),
                "Choisissez au moins un planning, ou tous les plannings.".into(),
            ));
        }
        for &id in ids {
            if plannings::get(c, h, id)?.is_none() {
                return Err(scope_error(
                    format!("No planning {id} in this account."),
                    format!("Aucun planning {id} dans ce compte."),
                ));
            }
        }
    }
    if !giver.scope().covers(scope) {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "You can give only the panes and plannings you have yourself.",
            "Vous ne pouvez donner que les volets et plannings que vous avez vous-même.",
        )
        .on("scope"));
    }
    Ok(())
}

/// Whether `actor` may change `target` (its fields, rights, password, or delete it). `rights` says whether the
/// change touches more than the names and e-mail.
pub fn check_may_change(c: &Connection, actor: &Actor, target: &User, rights: bool) -> Result<()> {
    let Actor::Administrator(me) = actor else {
        return Ok(());
    };
    if me.user_id == target.id {
        if rights {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "You cannot change your own rights, disable or delete yourself: ask the administrator above you.",
                "Vous ne pouvez pas changer vos propres droits, ni vous désactiver ou vous supprimer : demandez à l'administrateur au-dessus de vous.",
            ));
        }
        return Ok(());
    }
    let top_level = me.parent_id.is_none() && me.scope == ConsoleScope::everything();
    let plain = !target.status.is_administrator();
    if top_level || plain || rows::descends_from(c, target.id, me.user_id)? {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Forbidden,
        format!(
            "{} is an administrator you did not create: only those above it can change it.",
            target.login
        ),
        format!(
            "{} est un administrateur que vous n'avez pas créé : seuls ceux au-dessus de lui peuvent le modifier.",
            target.login
        ),
    ))
}

/// An administrator gives no status above its own (a base administrator makes no superadministrator).
pub fn check_status_given(actor: &Actor, status: UserStatus) -> Result<()> {
    let rank = |s: UserStatus| match s {
        UserStatus::User => 0,
        UserStatus::BaseAdministrator => 1,
        UserStatus::Superadministrator => 2,
    };
    match actor {
        Actor::Administrator(me) if rank(status) > rank(me.status) => Err(Error::new(
            ErrorCode::Forbidden,
            "You cannot give a status above your own.",
            "Vous ne pouvez pas donner un statut supérieur au vôtre.",
        )
        .on("status")),
        _ => Ok(()),
    }
}

/// Whether a user, as it is, may log in to the console.
pub fn is_console_administrator(u: &User) -> bool {
    u.console_access && !u.disabled && u.status.is_administrator()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::actor::Administrator;

    #[test]
    fn no_administrator_gives_a_status_above_its_own() {
        let base = Actor::Administrator(Administrator {
            user_id: 7,
            login: "base".into(),
            status: UserStatus::BaseAdministrator,
            scope: ConsoleScope {
                panes: vec![Pane::History],
                plannings: None,
            },
            parent_id: Some(1),
            must_change_password: false,
        });
        let err = check_status_given(&base, UserStatus::Superadministrator).unwrap_err();
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::Forbidden, Some("status")));
        assert!(check_status_given(&base, UserStatus::BaseAdministrator).is_ok());
        assert!(check_status_given(&Actor::HostingManager, UserStatus::Superadministrator).is_ok());
    }
}
