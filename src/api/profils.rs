//! "Récupérer tous les utilisateurs et leurs autorisations": what a `.profils` import found, would do, or did.

use super::GeneratedPassword;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One problem of the file, placed by its path in the JSON (`users[3].email`): nothing is applied while there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProfilsProblem {
    /// `users[3].email`, `plannings[0].profiles[2]`… (indexes from 0, as in the file); `file` for the whole file.
    pub place: String,
    /// The login, `planning / profile` or `planning / login` the problem is about, when known.
    pub name: String,
    pub value: String,
    pub message: String,
    pub message_fr: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProfilsItem {
    User,
    Profile,
    Assignment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProfilsAction {
    Created,
    Updated,
}

/// One field as it was and as the file makes it (`before` empty for a creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldChange {
    /// `first_name`, `last_name`, `email`, `status`, `password`, `kind`, `authorisations`, `profile`.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One user, profile or assignment the import creates or updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProfilsChange {
    pub item: ProfilsItem,
    pub action: ProfilsAction,
    /// The login, `planning / profile`, or `planning / login`.
    pub name: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChangeCounts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

/// The preview (nothing written) or the report (everything written, in one transaction) of a `.profils` import.
/// Nothing is ever deleted: users, profiles and assignments the file does not name stay as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProfilsImport {
    /// True when the changes were written (no problem, not a preview).
    pub applied: bool,
    /// The first problems (at most `PROBLEMS_SHOWN`), in file order.
    pub problems: Vec<ProfilsProblem>,
    pub problem_count: u32,
    pub users: ChangeCounts,
    pub profiles: ChangeCounts,
    pub assignments: ChangeCounts,
    /// The first creations and updates (at most `CHANGES_SHOWN`); the counts say how many there are in all.
    pub changes: Vec<ProfilsChange>,
    /// Passwords generated for created users the file gave no hash for: shown once, on the applied report only.
    pub passwords: Vec<GeneratedPassword>,
}
