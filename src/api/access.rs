//! Who may use which part of the console: the panes, and the scope an administrator's console access is limited to
//! (seed 004: "sites" are plannings here, "features" are panes).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The panes an administrator can be given. Connexion and Profil belong to everyone who logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Pane {
    Configuration,
    /// Mes plannings.
    Plannings,
    /// Contrôleur.
    Controller,
    /// Historique.
    History,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Configuration, Pane::Plannings, Pane::Controller, Pane::History];

    pub fn as_str(self) -> &'static str {
        match self {
            Pane::Configuration => "configuration",
            Pane::Plannings => "plannings",
            Pane::Controller => "controller",
            Pane::History => "history",
        }
    }

    /// An unknown name is an error that lists the known ones.
    pub fn parse(s: &str) -> crate::Result<Pane> {
        Pane::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            crate::Error::invalid(
                format!("'{s}' is not a pane: configuration, plannings, controller or history."),
                format!("« {s} » n'est pas un volet : configuration, plannings, controller ou history."),
            )
            .on("panes")
        })
    }

    /// (English, French), as the console names them.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Pane::Configuration => ("Configuration", "Configuration"),
            Pane::Plannings => ("My plannings", "Mes plannings"),
            Pane::Controller => ("Controller", "Contrôleur"),
            Pane::History => ("History", "Historique"),
        }
    }

    /// Configuration and Contrôleur change the whole controller: superadministrators only.
    pub fn needs_superadministrator(self) -> bool {
        matches!(self, Pane::Configuration | Pane::Controller)
    }
}

/// What an administrator's console access covers: some panes, on every planning or on some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConsoleScope {
    pub panes: Vec<Pane>,
    /// `None`: every planning, present and future. Otherwise these plannings' ids.
    #[ts(type = "Array<number> | null")]
    pub plannings: Option<Vec<i64>>,
}

impl ConsoleScope {
    /// Every pane on every planning: the hosting manager's reach.
    pub fn everything() -> ConsoleScope {
        ConsoleScope {
            panes: Pane::ALL.to_vec(),
            plannings: None,
        }
    }

    pub fn has_pane(&self, pane: Pane) -> bool {
        self.panes.contains(&pane)
    }

    pub fn has_planning(&self, id: i64) -> bool {
        self.plannings.as_ref().is_none_or(|p| p.contains(&id))
    }

    /// Whether this scope holds all of `other` (a delegated administrator gives only what it has).
    pub fn covers(&self, other: &ConsoleScope) -> bool {
        let panes = other.panes.iter().all(|p| self.has_pane(*p));
        let plannings = match (&self.plannings, &other.plannings) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.iter().all(|id| mine.contains(id)),
        };
        panes && plannings
    }
}

/// A new password chosen by the person logged in (forced after a generated one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PasswordChange {
    pub current: String,
    pub password: String,
    pub confirmation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(panes: &[Pane], plannings: Option<&[i64]>) -> ConsoleScope {
        ConsoleScope {
            panes: panes.to_vec(),
            plannings: plannings.map(<[i64]>::to_vec),
        }
    }

    #[test]
    fn a_scope_covers_only_what_it_holds() {
        let all = ConsoleScope::everything();
        let some = scope(&[Pane::Controller, Pane::History], Some(&[1, 2]));
        assert!(all.covers(&some));
        assert!(!some.covers(&all));
        assert!(some.covers(&scope(&[Pane::Controller], Some(&[2]))));
        assert!(
            !some.covers(&scope(&[Pane::Controller], Some(&[3]))),
            "another planning"
        );
        assert!(
            !some.covers(&scope(&[Pane::Controller], None)),
            "every planning is more than two"
        );
        assert!(!some.covers(&scope(&[Pane::Configuration], Some(&[1]))), "another pane");
        assert!(some.has_planning(2) && !some.has_planning(3) && all.has_planning(3));
    }

    #[test]
    fn pane_names_round_trip_and_unknown_ones_are_refused() {
        for p in Pane::ALL {
            assert_eq!(Pane::parse(p.as_str()).unwrap(), p);
        }
        assert_eq!(Pane::parse("everything").unwrap_err().field.as_deref(), Some("panes"));
    }
}
