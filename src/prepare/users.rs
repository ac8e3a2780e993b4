//! The users of a prepared base: read from the users import's CSV template (same columns, same rules), kept beside
//! the base as a `.profils` v1 file (`users.profils`), and exported as one for the controller's import, with their
//! assignments to the planning's built-in profiles. No passwords: the controller generates them at the import.

use crate::api::{CsvProblem, PreparedUser, PreparedUsersImport, UserStatus};
use crate::controller::users::{email, first_name, last_name, login};
use crate::controller::users_import::columns::{status, yes_no, Column};
use crate::csv_file;
use crate::error::{Error, Result};
use crate::ids::fold;
use crate::profils::{ProfilsAssignment, ProfilsFile, ProfilsPlanning, ProfilsUser};
use std::collections::HashMap;
use std::path::Path;

const FILE: &str = "users.profils";
pub const MAX_BYTES: usize = 16 << 20;
pub const MAX_ROWS: usize = 50_000;
const PROBLEMS_SHOWN: usize = 1000;
/// The profiles every planning has: a prepared base's users are assigned to one of these.
const PROFILES: [&str; 3] = ["Administration", "Modification", "Consultation"];

fn generator() -> String {
    format!("Planhost {}", env!("CARGO_PKG_VERSION"))
}

/// The template for a prepared base's users: the controller's columns without console access and planning (given on
/// the controller), instructions as `#` lines, two example rows.
pub fn template(french: bool) -> String {
    let (sep, lines, header, rows): (&str, &[&str], &[&str], [&[&str]; 2]) = if french {
        (
            ";",
            &[
                "# Modèle des utilisateurs d'une base préparée (Planhost). Une ligne par utilisateur. Les lignes qui commencent par # sont ignorées.",
                "# identifiant : obligatoire, 2 à 40 lettres, chiffres, points, tirets, soulignés ou @, unique. prenom, nom : obligatoires. email : facultatif.",
                "# statut : Utilisateur (par défaut), Superadministrateur ou Administrateur de base.",
                "# profil : facultatif, Administration (administrateurs seulement), Modification ou Consultation.",
                "# Le contrôleur donne un mot de passe à chacun quand le fichier .profils exporté y est chargé.",
                "# Enregistrez en CSV (UTF-8 ou Windows-1252, séparateur point-virgule ou virgule).",
            ],
            &["identifiant", "prenom", "nom", "email", "statut", "profil"],
            [
                &["jdupont", "Jean", "Dupont", "jean.dupont@lycee-hugo.fr", "Administrateur de base", "Administration"],
                &["emartin", "Élodie", "Martin", "", "Utilisateur", "Consultation"],
            ],
        )
    } else {
        (
            ",",
            &[
                "# Users of a prepared base (Planhost). One row per user. Rows starting with # are skipped.",
                "# login: required, 2 to 40 letters, digits, dots, hyphens, underscores or @, unique. first_name, last_name: required. email: optional.",
                "# status: User (the default), Superadministrator or Base administrator.",
                "# profile: optional, Administration (administrators only), Modification or Consultation.",
                "# The controller gives each one a password when the exported .profils file is loaded there.",
                "# Save as CSV (UTF-8 or Windows-1252, comma or semicolon separated).",
            ],
            &["login", "first_name", "last_name", "email", "status", "profile"],
            [
                &["jdupont", "Jean", "Dupont", "jean.dupont@lycee-hugo.fr", "Base administrator", "Administration"],
                &["emartin", "Élodie", "Martin", "", "User", "Consultation"],
            ],
        )
    };
    crate::csv_file::template(lines, header, &rows, sep)
}

/// The users kept with the prepared base in `dir` (none yet: an empty file).
pub(super) fn stored(dir: &Path, planning: &str) -> Result<ProfilsFile> {
    match std::fs::read(dir.join(FILE)) {
        Ok(bytes) => ProfilsFile::read(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut f = ProfilsFile::new(&generator(), crate::time_fmt::rfc3339(crate::time_fmt::now_unix()));
            f.plannings.push(ProfilsPlanning {
                name: planning.to_owned(),
                profiles: Vec::new(),
                assignments: Vec::new(),
            });
            Ok(f)
        }
        Err(e) => Err(e.into()),
    }
}

/// A crash leaves the old list or the new one.
fn store(dir: &Path, file: &ProfilsFile) -> Result<()> {
    super::write_whole(&dir.join(FILE), &file.to_bytes())
}

pub(super) fn list(file: &ProfilsFile) -> Vec<PreparedUser> {
    let assigned: HashMap<&str, &str> = file
        .plannings
        .iter()
        .flat_map(|p| &p.assignments)
        .map(|a| (a.login.as_str(), a.profile.as_str()))
        .collect();
    file.users
        .iter()
        .map(|u| PreparedUser {
            login: u.login.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            status: UserStatus::parse(&u.status).unwrap_or(UserStatus::User),
            profile: assigned.get(u.login.as_str()).map(|p| (*p).to_owned()),
        })
        .collect()
}

/// The `.profils` to load on the controller: the users, and their assignments in the planning named `planning`.
pub(super) fn export(dir: &Path, base_name: &str, planning: &str) -> Result<ProfilsFile> {
    let mut file = stored(dir, base_name)?;
    file.generator = generator();
    file.created = crate::time_fmt::rfc3339(crate::time_fmt::now_unix());
    for p in &mut file.plannings {
        p.name = planning.to_owned();
    }
    Ok(file)
}

/// Reads a users file (the controller's users template) in: every user added, or none and the problems.
pub(super) fn import(dir: &Path, base_name: &str, bytes: &[u8], write: bool) -> Result<PreparedUsersImport> {
    let mut file = stored(dir, base_name)?;
    let table = csv_file::read(bytes, MAX_BYTES, MAX_ROWS)?;
    let mut at: [Option<usize>; 8] = [None; 8];
    let mut problems: Vec<CsvProblem> = Vec::new();
    let problem = |line: u64, column: &str, value: &str, e: &Error| CsvProblem {
        line,
        column: column.to_owned(),
        value: value.to_owned(),
        message: e.message.clone(),
        message_fr: e.message_fr.clone(),
    };
    for (i, cell) in table.header.iter().enumerate() {
        // An unnamed, empty column at the end of a spreadsheet's header is no column.
        if cell.is_empty() && table.rows.iter().all(|r| r.field(i).unwrap_or("").is_empty()) {
            continue;
        }
        match Column::recognise(cell) {
            Some(c) if at[c as usize].is_none() => at[c as usize] = Some(i),
            _ => problems.push(problem(
                table.header_line,
                cell,
                cell,
                &Error::invalid(
                    "Not a column of the users template, or one given twice.",
                    "Ce n'est pas une colonne du modèle des utilisateurs, ou elle est en double.",
                ),
            )),
        }
    }
    for c in Column::ALL
        .into_iter()
        .filter(|c| c.required() && at[*c as usize].is_none())
    {
        let e = Error::invalid(
            format!("The header has no {} column.", c.names().0),
            format!("L'en-tête n'a pas de colonne {}.", c.names().1),
        );
        problems.push(problem(table.header_line, c.names().1, "", &e));
    }
    let mut logins: HashMap<String, Option<u64>> = file.users.iter().map(|u| (u.login.to_lowercase(), None)).collect();
    let (mut users, mut assignments) = (Vec::new(), Vec::new());
    for row in &table.rows {
        let cell = |c: Column| at[c as usize].and_then(|i| row.field(i)).unwrap_or("");
        let name = |c: Column| at[c as usize].map_or(c.names().1, |i| table.header[i].as_str());
        let before = problems.len();
        let mut keep = |c: Column, e: Error| problems.push(problem(row.line, name(c), cell(c), &e));
        let login = login(cell(Column::Login)).map_err(|e| keep(Column::Login, e)).ok();
        let first = first_name(cell(Column::FirstName))
            .map_err(|e| keep(Column::FirstName, e))
            .ok();
        let last = last_name(cell(Column::LastName))
            .map_err(|e| keep(Column::LastName, e))
            .ok();
        let mail = email(cell(Column::Email)).map_err(|e| keep(Column::Email, e)).ok();
        let status = status(cell(Column::Status)).map_err(|e| keep(Column::Status, e)).ok();
        if yes_no(cell(Column::ConsoleAccess)).unwrap_or(true) {
            keep(
                Column::ConsoleAccess,
                Error::invalid(
                    "Console access is given on the controller, once the users are loaded: write no or leave it empty.",
                    "L'accès à la console se donne sur le contrôleur, une fois les utilisateurs chargés : écrivez non ou laissez vide.",
                ),
            );
        }
        let planning = cell(Column::Planning);
        if !planning.is_empty() && fold(planning) != fold(base_name) {
            keep(
                Column::Planning,
                Error::invalid(
                    format!("A prepared base is one planning: leave this empty or write {base_name}."),
                    format!("Une base préparée est un seul planning : laissez vide ou écrivez {base_name}."),
                ),
            );
        }
        let profile = match cell(Column::Profile) {
            "" => Some(None),
            p => match PROFILES.iter().find(|name| fold(name) == fold(p)) {
                Some(&"Administration") if status == Some(UserStatus::User) => {
                    keep(
                        Column::Profile,
                        Error::invalid(
                            "Administration takes administrators only: give this user an administrator status.",
                            "Administration est réservé aux administrateurs : donnez à cet utilisateur un statut d'administrateur.",
                        ),
                    );
                    None
                }
                Some(name) => Some(Some(*name)),
                None => {
                    keep(
                        Column::Profile,
                        Error::invalid(
                            "A prepared base's users get Administration, Modification or Consultation.",
                            "Les utilisateurs d'une base préparée reçoivent Administration, Modification ou Consultation.",
                        ),
                    );
                    None
                }
            },
        };
        if let Some(l) = &login {
            match logins.insert(l.to_lowercase(), Some(row.line)) {
                Some(Some(line)) => keep(
                    Column::Login,
                    Error::invalid(
                        format!("Already on line {line} of this file."),
                        format!("Déjà à la ligne {line} de ce fichier."),
                    ),
                ),
                Some(None) => keep(
                    Column::Login,
                    Error::invalid(
                        "A user of the prepared base already has this login.",
                        "Un utilisateur de la base préparée a déjà cet identifiant.",
                    ),
                ),
                None => {}
            }
        }
        if problems.len() > before {
            continue;
        }
        if let (Some(login), Some(first), Some(last), Some(mail), Some(status), Some(profile)) =
            (login, first, last, mail, status, profile)
        {
            if let Some(p) = profile {
                assignments.push(ProfilsAssignment {
                    login: login.clone(),
                    profile: p.to_owned(),
                });
            }
            users.push(ProfilsUser {
                login,
                first_name: first,
                last_name: last,
                email: mail,
                status: status.as_str().to_owned(),
                password_hash: None,
            });
        }
    }
    problems.sort_by_key(|p| p.line);
    let mut out = PreparedUsersImport {
        problem_count: u32::try_from(problems.len()).unwrap_or(u32::MAX),
        added: u32::try_from(users.len()).unwrap_or(u32::MAX),
        ..PreparedUsersImport::default()
    };
    problems.truncate(PROBLEMS_SHOWN);
    out.problems = problems;
    out.written = write && out.problem_count == 0;
    if out.written {
        file.users.extend(users);
        if file.plannings.is_empty() {
            file.plannings.push(ProfilsPlanning {
                name: base_name.to_owned(),
                profiles: Vec::new(),
                assignments: Vec::new(),
            });
        }
        file.plannings[0].assignments.extend(assignments);
        store(dir, &file)?;
    }
    Ok(out)
}

/// Removes users by login (case ignored), all or none: a login that is not there is refused.
pub(super) fn remove(dir: &Path, base_name: &str, remove: &[String]) -> Result<u32> {
    let mut file = stored(dir, base_name)?;
    let keys: Vec<String> = remove.iter().map(|l| l.trim().to_lowercase()).collect();
    if let Some(missing) = keys
        .iter()
        .find(|k| !file.users.iter().any(|u| u.login.to_lowercase() == **k))
    {
        return Err(Error::new(
            crate::error::ErrorCode::NotFound,
            format!("No user {missing} in the prepared base."),
            format!("Aucun utilisateur {missing} dans la base préparée."),
        ));
    }
    let gone = |login: &str| keys.contains(&login.to_lowercase());
    let before = file.users.len();
    file.users.retain(|u| !gone(&u.login));
    for p in &mut file.plannings {
        p.assignments.retain(|a| !gone(&a.login));
    }
    store(dir, &file)?;
    Ok(u32::try_from(before - file.users.len()).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_template_imports_as_it_is() {
        for french in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let read = super::import(dir.path(), "Lycée Hugo", super::template(french).as_bytes(), true).unwrap();
            assert!(read.written && read.added == 2, "{:?}", read.problems);
        }
    }
}
