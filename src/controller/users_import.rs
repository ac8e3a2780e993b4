//! Bulk import of users from a CSV file (seed 003): a template with instructions, every row checked with the same
//! rules as one user added by hand, problems reported by line and column, and nothing written unless every row is
//! valid. The check and the writes run in one transaction, so a login taken meanwhile cannot slip through.

use super::actor::Actor;
use super::administrators::default_scope;
use super::store::history::{self, Outcome};
use super::store::plannings;
use super::store::profiles as profile_rows;
use super::store::users::{self as rows, Insert};
use super::users::{check_console_access, email, first_name, generated_password, hash_generated, last_name, login};
use super::{Controller, Session};
use crate::api::{CsvProblem, GeneratedPassword, Profile, ProfileKind, UserStatus, UsersImport};
use crate::csv_file::{self, header_key, Table};
use crate::error::{Error, Result};
use crate::ids::{fold, HostingNumber};
use crate::time_fmt::now_unix;
use rusqlite::Connection;
use std::collections::HashMap;

pub const IMPORT_MAX_BYTES: usize = 16 << 20;
pub const IMPORT_MAX_ROWS: usize = 50_000;
/// Problems sent back in full; the count says how many there are in all.
pub const PROBLEMS_SHOWN: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Login,
    FirstName,
    LastName,
    Email,
    Status,
    ConsoleAccess,
    Planning,
    Profile,
}

impl Column {
    const ALL: [Column; 8] = [
        Column::Login,
        Column::FirstName,
        Column::LastName,
        Column::Email,
        Column::Status,
        Column::ConsoleAccess,
        Column::Planning,
        Column::Profile,
    ];

    /// The header names the templates use, (English, French).
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Column::Login => ("login", "identifiant"),
            Column::FirstName => ("first_name", "prenom"),
            Column::LastName => ("last_name", "nom"),
            Column::Email => ("email", "email"),
            Column::Status => ("status", "statut"),
            Column::ConsoleAccess => ("console_access", "acces_console"),
            Column::Planning => ("planning", "planning"),
            Column::Profile => ("profile", "profil"),
        }
    }

    fn required(self) -> bool {
        matches!(self, Column::Login | Column::FirstName | Column::LastName)
    }

    /// Recognises a header cell whatever its case, accents or separators, in French or English.
    fn recognise(cell: &str) -> Option<Column> {
        let key = header_key(cell);
        let extra = match key.as_str() {
            "mail" | "courriel" | "adressemail" | "adresseemail" => Some(Column::Email),
            "firstname" | "prenom" => Some(Column::FirstName),
            "lastname" | "nomdefamille" => Some(Column::LastName),
            "identifiantdeconnexion" | "user" | "username" => Some(Column::Login),
            _ => None,
        };
        extra.or_else(|| {
            Column::ALL.into_iter().find(|c| {
                let (en, fr) = c.names();
                header_key(en) == key || header_key(fr) == key
            })
        })
    }
}

/// The template to download: instructions as `#` lines (skipped on import), the header, two example rows.
pub fn template(french: bool) -> String {
    let (sep, lines): (&str, &[&str]) = if french {
        (
            ";",
            &[
                "# Modèle d'import des utilisateurs (Planhost). Une ligne par utilisateur. Les lignes qui commencent par # sont ignorées.",
                "# identifiant : obligatoire. 2 à 40 lettres, chiffres, points, tirets, soulignés ou @. Unique dans le fichier et dans le compte.",
                "# prenom, nom : obligatoires.",
                "# email : facultatif. Nécessaire pour l'accès à la console.",
                "# statut : Utilisateur (par défaut), Superadministrateur ou Administrateur de base.",
                "# acces_console : oui ou non (non par défaut). Demande un e-mail et un statut d'administrateur.",
                "# planning et profil : facultatifs, ensemble. Le profil doit exister dans ce planning ; Administration est réservé aux administrateurs.",
                "# Un mot de passe est généré pour chaque utilisateur et affiché une seule fois ; il le changera à sa première connexion.",
                "# Enregistrez en CSV (UTF-8 ou Windows-1252, séparateur point-virgule ou virgule).",
            ],
        )
    } else {
        (
            ",",
            &[
                "# Users import template (Planhost). One row per user. Rows starting with # are skipped.",
                "# login: required. 2 to 40 letters, digits, dots, hyphens, underscores or @. Unique in the file and in the account.",
                "# first_name, last_name: required.",
                "# email: optional. Needed for console access.",
                "# status: User (the default), Superadministrator or Base administrator.",
                "# console_access: yes or no (no by default). Needs an e-mail and an administrator status.",
                "# planning and profile: optional, together. The profile must exist in that planning; Administration takes administrators only.",
                "# A password is generated for each user and shown once; they change it at their first login.",
                "# Save as CSV (UTF-8 or Windows-1252, comma or semicolon separated).",
            ],
        )
    };
    let header: Vec<&str> = Column::ALL
        .iter()
        .map(|c| if french { c.names().1 } else { c.names().0 })
        .collect();
    let examples: [&[&str]; 2] = if french {
        [
            &[
                "jdupont",
                "Jean",
                "Dupont",
                "jean.dupont@lycee-hugo.fr",
                "Administrateur de base",
                "oui",
                "planning01",
                "Administration",
            ],
            &[
                "emartin",
                "Élodie",
                "Martin",
                "",
                "Utilisateur",
                "non",
                "planning01",
                "Consultation",
            ],
        ]
    } else {
        [
            &[
                "jdupont",
                "Jean",
                "Dupont",
                "jean.dupont@lycee-hugo.fr",
                "Base administrator",
                "yes",
                "planning01",
                "Administration",
            ],
            &[
                "emartin",
                "Élodie",
                "Martin",
                "",
                "User",
                "no",
                "planning01",
                "Consultation",
            ],
        ]
    };
    let mut out = String::from("\u{feff}");
    for line in lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&header.join(sep));
    out.push_str("\r\n");
    for row in examples {
        out.push_str(&row.join(sep));
        out.push_str("\r\n");
    }
    out
}

fn status(value: &str) -> std::result::Result<UserStatus, Error> {
    let key: String = fold(value)
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    match key.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
        "" | "utilisateur" | "user" => Ok(UserStatus::User),
        "superadministrateur" | "superadministrator" | "super administrateur" | "super administrator" => {
            Ok(UserStatus::Superadministrator)
        }
        "administrateur de base" | "base administrator" | "administrateur" | "base administrateur" => {
            Ok(UserStatus::BaseAdministrator)
        }
        _ => Err(Error::invalid(
            "Not a status: write User, Superadministrator or Base administrator.",
            "Statut inconnu : écrivez Utilisateur, Superadministrateur ou Administrateur de base.",
        )),
    }
}

fn yes_no(value: &str) -> std::result::Result<bool, Error> {
    match fold(value).as_str() {
        "" | "non" | "no" | "n" | "0" | "faux" | "false" => Ok(false),
        "oui" | "o" | "yes" | "y" | "1" | "x" | "vrai" | "true" => Ok(true),
        _ => Err(Error::invalid("Write yes or no.", "Écrivez oui ou non.")),
    }
}

/// The generated passwords as a CSV file to hand over.
pub fn passwords_csv(passwords: &[GeneratedPassword], french: bool) -> String {
    let header = if french {
        ["identifiant", "mot_de_passe"]
    } else {
        ["login", "password"]
    };
    csv_file::spreadsheet(header, passwords.iter().map(|p| [p.login.clone(), p.password.clone()]))
}

/// A row that passed every check, ready to write.
struct Candidate {
    login: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
    status: UserStatus,
    console_access: bool,
    profile: Option<Profile>,
}

/// The account's plannings and their profiles, by folded name.
type Profiles = HashMap<String, (String, HashMap<String, Profile>)>;

/// Only the plannings `actor` reaches: the others are as unknown to it as another account's.
fn profiles_by_name(c: &Connection, h: &HostingNumber, actor: &Actor) -> Result<Profiles> {
    let mut map = HashMap::new();
    for p in plannings::list(c, h)?
        .into_iter()
        .filter(|p| actor.sees_planning(p.planning.id))
    {
        let profiles = profile_rows::list(c, h, p.planning.id)?
            .into_iter()
            .map(|profile| (fold(&profile.name), profile))
            .collect();
        map.insert(fold(&p.planning.name), (p.planning.name, profiles));
    }
    Ok(map)
}

/// Checks every row against the rules and the account; fills `problems`, returns the rows to write.
fn check(
    c: &Connection,
    h: &HostingNumber,
    actor: &Actor,
    table: &Table,
    problems: &mut Vec<CsvProblem>,
) -> Result<Vec<Candidate>> {
    let problem = |line: u64, column: &str, value: &str, e: &Error| CsvProblem {
        line,
        column: column.to_owned(),
        value: value.to_owned(),
        message: e.message.clone(),
        message_fr: e.message_fr.clone(),
    };
    // The header: every cell known and once, the required ones present.
    let mut columns: HashMap<Column, usize> = HashMap::new();
    let known = Column::ALL.map(|c| c.names().1).join(", ");
    for (i, cell) in table.header.iter().enumerate() {
        match Column::recognise(cell) {
            Some(col) if columns.contains_key(&col) => problems.push(problem(
                table.header_line,
                cell,
                cell,
                &Error::invalid("This column appears twice.", "Cette colonne apparaît deux fois."),
            )),
            Some(col) => {
                columns.insert(col, i);
            }
            None if cell.is_empty() => {}
            None => problems.push(problem(
                table.header_line,
                cell,
                cell,
                &Error::invalid(
                    format!(
                        "Unknown column. The columns are: {}.",
                        Column::ALL.map(|c| c.names().0).join(", ")
                    ),
                    format!("Colonne inconnue. Les colonnes sont : {known}."),
                ),
            )),
        }
    }
    for col in Column::ALL
        .into_iter()
        .filter(|c| c.required() && !columns.contains_key(c))
    {
        let (en, fr) = col.names();
        problems.push(problem(
            table.header_line,
            fr,
            "",
            &Error::invalid(
                format!("The column '{en}' is missing from the header."),
                format!("La colonne « {fr} » manque dans l'en-tête."),
            ),
        ));
    }
    if !problems.is_empty() {
        return Ok(Vec::new());
    }
    let profiles = profiles_by_name(c, h, actor)?;
    // The file's logins already in the account, looked up by the account's index: the cost follows the file's size,
    // not the account's.
    let keys: Vec<String> = table
        .rows
        .iter()
        .filter_map(|row| {
            let cell = columns.get(&Column::Login).and_then(|&i| row.field(i))?;
            login(cell).ok().map(|l| l.to_lowercase())
        })
        .collect();
    let taken = rows::taken_login_keys(c, h, &keys)?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut candidates = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let cell = |col: Column| -> &str { columns.get(&col).and_then(|&i| row.field(i)).unwrap_or("") };
        // Every problem of the row, each with its column.
        let mut errs: Vec<(Column, Error)> = Vec::new();
        if row.fields().skip(table.header.len()).any(|f| !f.is_empty()) {
            errs.push((
                Column::Login,
                Error::invalid(
                    format!(
                        "This row has {} cells; the header has {}.",
                        row.len(),
                        table.header.len()
                    ),
                    format!(
                        "Cette ligne a {} cellules ; l'en-tête en a {}.",
                        row.len(),
                        table.header.len()
                    ),
                ),
            ));
        }
        let login = keep(
            &mut errs,
            Column::Login,
            login(cell(Column::Login)).and_then(|l| {
                let key = l.to_lowercase();
                if let Some(first) = seen.get(&key) {
                    return Err(Error::invalid(
                        format!("This login is already on line {first} of the file."),
                        format!("Cet identifiant est déjà à la ligne {first} du fichier."),
                    ));
                }
                if taken.contains(&key) {
                    return Err(Error::invalid(
                        "This login is already used in this account.",
                        "Cet identifiant est déjà utilisé dans ce compte.",
                    ));
                }
                seen.insert(key, row.line);
                Ok(l)
            }),
        );
        let first_name = keep(&mut errs, Column::FirstName, first_name(cell(Column::FirstName)));
        let last_name = keep(&mut errs, Column::LastName, last_name(cell(Column::LastName)));
        let email = keep(&mut errs, Column::Email, email(cell(Column::Email)));
        let status = keep(
            &mut errs,
            Column::Status,
            status(cell(Column::Status)).and_then(|s| super::administrators::check_status_given(actor, s).map(|()| s)),
        );
        let console_access = keep(&mut errs, Column::ConsoleAccess, yes_no(cell(Column::ConsoleAccess)));
        if let (Some(email), Some(status), Some(access)) = (&email, status, console_access) {
            keep(
                &mut errs,
                Column::ConsoleAccess,
                check_console_access(status, email.as_deref(), access).and_then(|()| {
                    if access && default_scope(actor, status).panes.is_empty() {
                        return Err(Error::new(
                            crate::error::ErrorCode::Forbidden,
                            "You have no pane an administrator of this status may hold: you cannot give it console access.",
                            "Vous n'avez aucun volet qu'un administrateur de ce statut peut avoir : vous ne pouvez pas lui donner accès à la console.",
                        ));
                    }
                    Ok(())
                }),
            );
        }
        let profile = assignment(&profiles, cell(Column::Planning), cell(Column::Profile), status)
            .map_err(|e| errs.push(e))
            .ok();
        for (col, e) in errs {
            let name = columns.get(&col).map_or(col.names().1, |&i| table.header[i].as_str());
            problems.push(problem(row.line, name, cell(col), &e));
        }
        if let (
            Some(login),
            Some(first_name),
            Some(last_name),
            Some(email),
            Some(status),
            Some(console_access),
            Some(profile),
        ) = (login, first_name, last_name, email, status, console_access, profile)
        {
            candidates.push(Candidate {
                login,
                first_name,
                last_name,
                email,
                status,
                console_access,
                profile,
            });
        }
    }
    Ok(candidates)
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

/// "a, b, c and 9997 more".
fn some_logins(candidates: &[Candidate]) -> String {
    let shown: Vec<&str> = candidates.iter().take(20).map(|u| u.login.as_str()).collect();
    match candidates.len().saturating_sub(20) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

impl Controller {
    /// Checks a users CSV file and, unless `check_only` or a row has a problem, creates every user in it with a
    /// generated password (and its assignment), all in one transaction.
    pub fn import_users(&self, s: &Session, file: &[u8], check_only: bool, peer: &str) -> Result<UsersImport> {
        let table = csv_file::read(file, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS)?;
        let h = &s.hosting_number;
        let now = now_unix();
        let mut report = UsersImport {
            imported: false,
            rows: u32::try_from(table.rows.len()).unwrap_or(u32::MAX),
            encoding: table.encoding.to_owned(),
            separator: table.separator.to_string(),
            problems: Vec::new(),
            problem_count: 0,
            created: 0,
            assigned: 0,
            passwords: Vec::new(),
        };
        let finish = |mut report: UsersImport, mut problems: Vec<CsvProblem>| {
            report.problem_count = u32::try_from(problems.len()).unwrap_or(u32::MAX);
            problems.truncate(PROBLEMS_SHOWN);
            report.problems = problems;
            report
        };
        if check_only {
            return self.store.read(|c| {
                let mut problems = Vec::new();
                check(c, h, &s.actor, &table, &mut problems)?;
                Ok(finish(report, problems))
            });
        }
        self.store.write(|c| {
            let mut problems = Vec::new();
            let candidates = check(c, h, &s.actor, &table, &mut problems)?;
            if !problems.is_empty() || candidates.is_empty() {
                return Ok(finish(report, problems));
            }
            for u in &candidates {
                let password = generated_password();
                let hash = hash_generated(&password);
                // Console access from a file: what the status allows within the importer's own scope.
                let scope = u.console_access.then(|| default_scope(&s.actor, u.status));
                let row = Insert {
                    email: u.email.as_deref(),
                    status: u.status,
                    console_access: u.console_access,
                    scope: scope.as_ref(),
                    parent_id: s.actor.administrator().map(|a| a.user_id),
                    ..Insert::new(&u.login, &u.first_name, &u.last_name, &hash)
                };
                let id = rows::insert(c, h, &row, now)?;
                if let Some(profile) = &u.profile {
                    profile_rows::assign(c, profile, id, now)?;
                    report.assigned += 1;
                }
                report.passwords.push(GeneratedPassword {
                    login: u.login.clone(),
                    password,
                });
            }
            report.created = u32::try_from(candidates.len()).unwrap_or(u32::MAX);
            report.imported = true;
            history::record(
                c,
                &s.who(peer),
                "users.import",
                Outcome::Ok,
                &format!(
                    "{} users created, {} assigned: {}",
                    report.created,
                    report.assigned,
                    some_logins(&candidates)
                ),
                now,
            )?;
            Ok(finish(report, problems))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_statuses_and_yes_no_are_read_in_either_language() {
        assert_eq!(Column::recognise("Prénom"), Some(Column::FirstName));
        assert_eq!(Column::recognise("E-mail"), Some(Column::Email));
        assert_eq!(Column::recognise("ACCES CONSOLE"), Some(Column::ConsoleAccess));
        assert_eq!(Column::recognise("last_name"), Some(Column::LastName));
        assert_eq!(Column::recognise("age"), None);
        assert_eq!(
            status(" Administrateur  de base").unwrap(),
            UserStatus::BaseAdministrator
        );
        assert_eq!(status("SUPERADMINISTRATOR").unwrap(), UserStatus::Superadministrator);
        assert_eq!(status("").unwrap(), UserStatus::User);
        assert!(status("chef").is_err());
        assert!(yes_no("Oui").unwrap() && !yes_no("").unwrap());
        assert!(yes_no("peut-être").is_err());
    }

    #[test]
    fn the_templates_read_back_with_their_own_header() {
        for french in [true, false] {
            let t = csv_file::read(template(french).as_bytes(), 1 << 20, 10).unwrap();
            assert_eq!(t.rows.len(), 2);
            assert!(
                t.header.iter().all(|h| Column::recognise(h).is_some()),
                "{:?}",
                t.header
            );
        }
    }
}
