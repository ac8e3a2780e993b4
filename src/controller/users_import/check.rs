//! One row of a users file checked with the rules of one user added by hand, on the checker thread: what it needs of
//! the database (plannings and profiles) is read before; whether the login is already in the file or the account is
//! the writer's part.

use super::columns::{status, yes_no, Column};
use crate::api::{ConsoleScope, CsvProblem, Profile, ProfileKind, UserStatus};
use crate::controller::actor::Actor;
use crate::controller::administrators::{check_status_given, default_scope};
use crate::controller::store::users::{Insert, Keys};
use crate::controller::users::{
    check_console_access, email, first_name, generated_password, hash_generated, last_name, login,
};
use crate::csv_file::{Row, Table};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::fold;
use std::collections::HashMap;

/// The account's plannings and their profiles (each name with its folded form as the key).
pub(super) type Profiles = HashMap<String, (String, HashMap<String, Profile>)>;

/// What the checker says of one row.
pub(super) struct Checked {
    pub index: usize,
    /// The login and its key (lower case), when the login itself is valid.
    pub login: Option<(String, String)>,
    pub problems: Vec<(Column, CsvProblem)>,
    /// What the writer needs, when the row has no problem and the import writes.
    pub ready: Option<Ready>,
}

/// A row that passed every check, with its generated password and its keys made.
pub(super) struct Ready {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub status: UserStatus,
    pub console_access: bool,
    pub scope: Option<ConsoleScope>,
    pub profile: Option<Profile>,
    pub password: String,
    pub hash: String,
    pub keys: Keys,
}

pub(super) struct Checker<'a> {
    /// Each column's index in the file, by `Column as usize`.
    pub columns: [Option<usize>; 8],
    pub table: &'a Table,
    pub profiles: &'a Profiles,
    pub actor: &'a Actor,
    pub writing: bool,
}

impl Checker<'_> {
    pub fn cell<'r>(&self, row: &'r Row, col: Column) -> &'r str {
        self.columns[col as usize].and_then(|i| row.field(i)).unwrap_or("")
    }

    /// A problem as the report shows it: under the file's own header name.
    pub fn problem(&self, row: &Row, col: Column, e: &Error) -> (Column, CsvProblem) {
        let column = self.columns[col as usize].map_or(col.names().1, |i| self.table.header[i].as_str());
        let p = CsvProblem {
            line: row.line,
            column: column.to_owned(),
            value: self.cell(row, col).to_owned(),
            message: e.message.clone(),
            message_fr: e.message_fr.clone(),
        };
        (col, p)
    }

    pub fn check(&self, index: usize, row: &Row) -> Checked {
        let header = self.table.header.len();
        let mut errs: Vec<(Column, Error)> = Vec::new();
        if row.fields().skip(header).any(|f| !f.is_empty()) {
            errs.push((
                Column::Login,
                Error::invalid(
                    format!("This row has {} cells; the header has {header}.", row.len()),
                    format!("Cette ligne a {} cellules ; l'en-tête en a {header}.", row.len()),
                ),
            ));
        }
        let login = keep(&mut errs, Column::Login, login(self.cell(row, Column::Login)));
        let first_name = keep(
            &mut errs,
            Column::FirstName,
            first_name(self.cell(row, Column::FirstName)),
        );
        let last_name = keep(&mut errs, Column::LastName, last_name(self.cell(row, Column::LastName)));
        let email = keep(&mut errs, Column::Email, email(self.cell(row, Column::Email)));
        let status = keep(
            &mut errs,
            Column::Status,
            status(self.cell(row, Column::Status)).and_then(|s| check_status_given(self.actor, s).map(|()| s)),
        );
        let console_access = keep(
            &mut errs,
            Column::ConsoleAccess,
            yes_no(self.cell(row, Column::ConsoleAccess)),
        );
        if let (Some(email), Some(status), Some(access)) = (&email, status, console_access) {
            let allowed = check_console_access(status, email.as_deref(), access).and_then(|()| {
                if access && default_scope(self.actor, status).panes.is_empty() {
                    return Err(Error::new(
                        ErrorCode::Forbidden,
                        "You have no pane an administrator of this status may hold: you cannot give it console access.",
                        "Vous n'avez aucun volet qu'un administrateur de ce statut peut avoir : vous ne pouvez pas lui donner accès à la console.",
                    ));
                }
                Ok(())
            });
            keep(&mut errs, Column::ConsoleAccess, allowed);
        }
        let profile = assignment(
            self.profiles,
            self.cell(row, Column::Planning),
            self.cell(row, Column::Profile),
            status,
        )
        .map_err(|e| errs.push(e))
        .ok();
        let problems: Vec<_> = errs.iter().map(|(col, e)| self.problem(row, *col, e)).collect();
        let login = login.map(|l| {
            let key = l.to_lowercase();
            (l, key)
        });
        let ready = match (&login, first_name, last_name, email, status, console_access, profile) {
            (
                Some((login, _)),
                Some(first_name),
                Some(last_name),
                Some(email),
                Some(status),
                Some(console_access),
                Some(profile),
            ) if self.writing && problems.is_empty() => {
                let password = generated_password();
                let hash = hash_generated(&password);
                let keys = Keys::of(&Insert {
                    email: email.as_deref(),
                    ..Insert::new(login, &first_name, &last_name, &hash)
                });
                // Console access from a file: what the status allows within the importer's own scope.
                let scope = console_access.then(|| default_scope(self.actor, status));
                Some(Ready {
                    first_name,
                    last_name,
                    email,
                    status,
                    console_access,
                    scope,
                    profile,
                    password,
                    hash,
                    keys,
                })
            }
            _ => None,
        };
        Checked {
            index,
            login,
            problems,
            ready,
        }
    }
}

/// The value, or None with the error kept for its column.
fn keep<T>(errs: &mut Vec<(Column, Error)>, col: Column, result: Result<T>) -> Option<T> {
    result.map_err(|e| errs.push((col, e))).ok()
}

/// The profile a row names, if any: planning and profile given together, both existing, Administration for
/// administrators only. A refusal comes with the column it is about.
fn assignment(
    profiles: &Profiles,
    planning: &str,
    profile: &str,
    status: Option<UserStatus>,
) -> std::result::Result<Option<Profile>, (Column, Error)> {
    let refuse = |col: Column, en: String, fr: String| Err((col, Error::invalid(en, fr)));
    match (planning.is_empty(), profile.is_empty()) {
        (true, true) => Ok(None),
        (false, true) => refuse(
            Column::Profile,
            "A planning is given: give the profile too.".into(),
            "Un planning est indiqué : indiquez aussi le profil.".into(),
        ),
        (true, false) => refuse(
            Column::Planning,
            "A profile is given: give its planning too.".into(),
            "Un profil est indiqué : indiquez aussi son planning.".into(),
        ),
        (false, false) => {
            let Some((planning_name, list)) = profiles.get(&fold(planning)) else {
                return refuse(
                    Column::Planning,
                    format!("No planning '{planning}' in the account."),
                    format!("Aucun planning « {planning} » dans le compte."),
                );
            };
            match list.get(&fold(profile)) {
                None => refuse(
                    Column::Profile,
                    format!("No profile of this name in {planning_name}."),
                    format!("Aucun profil de ce nom dans {planning_name}."),
                ),
                Some(p) if p.kind == ProfileKind::Administration && status == Some(UserStatus::User) => refuse(
                    Column::Profile,
                    "Administration takes administrators only: give this user an administrator status.".into(),
                    "Administration est réservé aux administrateurs : donnez à cet utilisateur un statut d'administrateur.".into(),
                ),
                Some(p) => Ok(Some(p.clone())),
            }
        }
    }
}
