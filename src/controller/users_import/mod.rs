//! Bulk import of users from a CSV file (seed 003): a template with instructions, every row checked with the same
//! rules as one user added by hand, problems reported by line and column, and nothing written unless every row is
//! valid. The check and the writes run in one transaction, so a login taken meanwhile cannot slip through.
//!
//! Two threads share the work: a checker reads the rows and prepares each valid one (password, hash, keys) while
//! the writer inserts the rows already checked; at the first problem the writer stops writing, keeps collecting
//! problems, and rolls everything back.

mod check;
pub(crate) mod columns;

pub use columns::template;

use super::actor::Actor;
use super::store::history::{self, Outcome};
use super::store::plannings;
use super::store::profiles as profile_rows;
use super::store::users::{self as rows, Insert};
use super::{Controller, Session};
use crate::api::{CsvProblem, GeneratedPassword, UsersImport};
use crate::csv_file::{self, Table};
use crate::error::{Error, Result};
use crate::ids::{fold, HostingNumber};
use crate::time_fmt::now_unix;
use check::{Checked, Checker, Profiles};
use columns::Column;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::mpsc;

pub const IMPORT_MAX_BYTES: usize = 16 << 20;
pub const IMPORT_MAX_ROWS: usize = 50_000;
/// Problems sent back in full; the count says how many there are in all.
pub const PROBLEMS_SHOWN: usize = 1000;

/// The generated passwords as a CSV file to hand over.
pub fn passwords_csv(passwords: &[GeneratedPassword], french: bool) -> String {
    let header = if french {
        ["identifiant", "mot_de_passe"]
    } else {
        ["login", "password"]
    };
    csv_file::spreadsheet(header, passwords.iter().map(|p| [p.login.clone(), p.password.clone()]))
}

/// Rows handed from the checker to the writer at a time.
const BATCH: usize = 256;

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

/// The header: every cell known and once, the required ones present. Each column's index, or the problems.
fn columns(table: &Table) -> std::result::Result<[Option<usize>; 8], Vec<CsvProblem>> {
    let mut problems = Vec::new();
    let mut problem = |cell: &str, value: &str, e: Error| {
        problems.push(CsvProblem {
            line: table.header_line,
            column: cell.to_owned(),
            value: value.to_owned(),
            message: e.message,
            message_fr: e.message_fr,
        })
    };
    let mut columns = [None; 8];
    let known = Column::ALL.map(|c| c.names().1).join(", ");
    for (i, cell) in table.header.iter().enumerate() {
        match Column::recognise(cell) {
            Some(col) if columns[col as usize].is_some() => problem(
                cell,
                cell,
                Error::invalid("This column appears twice.", "Cette colonne apparaît deux fois."),
            ),
            Some(col) => columns[col as usize] = Some(i),
            None if cell.is_empty() => {}
            None => problem(
                cell,
                cell,
                Error::invalid(
                    format!(
                        "Unknown column. The columns are: {}.",
                        Column::ALL.map(|c| c.names().0).join(", ")
                    ),
                    format!("Colonne inconnue. Les colonnes sont : {known}."),
                ),
            ),
        }
    }
    for col in Column::ALL
        .into_iter()
        .filter(|c| c.required() && columns[*c as usize].is_none())
    {
        let (en, fr) = col.names();
        problem(
            fr,
            "",
            Error::invalid(
                format!("The column '{en}' is missing from the header."),
                format!("La colonne « {fr} » manque dans l'en-tête."),
            ),
        );
    }
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(problems)
    }
}

/// What one pass over the file found, and (when writing) what it wrote.
#[derive(Default)]
struct Pass {
    problems: Vec<(Column, CsvProblem)>,
    passwords: Vec<GeneratedPassword>,
    assigned: u32,
}

/// Checks every row and, when `writing`, inserts each as soon as it is checked until the first problem. The caller
/// keeps what was written only if no problem was found.
fn pass(
    c: &Connection,
    s: &Session,
    table: &Table,
    columns: [Option<usize>; 8],
    writing: bool,
    now: i64,
) -> Result<Pass> {
    let h = &s.hosting_number;
    let profiles = profiles_by_name(c, h, &s.actor)?;
    let checker = Checker {
        columns,
        table,
        profiles: &profiles,
        actor: &s.actor,
        writing,
    };
    let parent_id = s.actor.administrator().map(|a| a.user_id);
    let login_problem = |index: usize, en: String, fr: String| {
        checker.problem(&table.rows[index], Column::Login, &Error::invalid(en, fr))
    };
    let mut out = Pass::default();
    let mut writing = writing;
    // Each valid login of the file, with the line it is first on; those not inserted are looked up in the account
    // at the end.
    let mut seen: HashMap<String, u64> = HashMap::with_capacity(table.rows.len());
    let mut unchecked: Vec<(usize, String)> = Vec::new();
    let (tx, rx) = mpsc::sync_channel::<Vec<Checked>>(4);
    std::thread::scope(|scope| -> Result<()> {
        let checker = &checker;
        scope.spawn(move || {
            for (n, rows) in table.rows.chunks(BATCH).enumerate() {
                let batch = rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| checker.check(n * BATCH + i, row))
                    .collect();
                if tx.send(batch).is_err() {
                    return; // the writer stopped on an error
                }
            }
        });
        for checked in rx.into_iter().flatten() {
            let Checked {
                index,
                login,
                problems,
                ready,
            } = checked;
            let row = &table.rows[index];
            writing &= problems.is_empty();
            out.problems.extend(problems);
            let Some((login, key)) = login else { continue };
            if let Some(first) = seen.get(&key) {
                out.problems.push(login_problem(
                    index,
                    format!("This login is already on line {first} of the file."),
                    format!("Cet identifiant est déjà à la ligne {first} du fichier."),
                ));
                writing = false;
                continue;
            }
            let ready = ready.filter(|_| writing);
            seen.insert(key.clone(), row.line);
            let Some(r) = ready else {
                unchecked.push((index, key));
                continue;
            };
            let insert = Insert {
                email: r.email.as_deref(),
                status: r.status,
                console_access: r.console_access,
                scope: r.scope.as_ref(),
                parent_id,
                ..Insert::new(&login, &r.first_name, &r.last_name, &r.hash)
            };
            let Some(id) = rows::insert_new(c, h, &insert, &r.keys, now)? else {
                out.problems.push(taken(&login_problem, index));
                writing = false;
                continue;
            };
            if let Some(profile) = &r.profile {
                profile_rows::assign(c, profile, id, now)?;
                out.assigned += 1;
            }
            out.passwords.push(GeneratedPassword {
                login,
                password: r.password,
            });
        }
        Ok(())
    })?;
    if !unchecked.is_empty() {
        let keys: Vec<String> = unchecked.iter().map(|(_, key)| key.clone()).collect();
        let in_account = rows::taken_login_keys(c, h, &keys)?;
        for (index, key) in &unchecked {
            if in_account.contains(key) {
                out.problems.push(taken(&login_problem, *index));
            }
        }
    }
    // By line, then in the order of the columns (stable: a row's own problems keep their order).
    out.problems.sort_by_key(|(col, p)| (p.line, *col as usize));
    Ok(out)
}

fn taken(login_problem: &impl Fn(usize, String, String) -> (Column, CsvProblem), index: usize) -> (Column, CsvProblem) {
    login_problem(
        index,
        "This login is already used in this account.".into(),
        "Cet identifiant est déjà utilisé dans ce compte.".into(),
    )
}

/// "a, b, c and 9997 more".
fn some_logins(passwords: &[GeneratedPassword]) -> String {
    let shown: Vec<&str> = passwords.iter().take(20).map(|u| u.login.as_str()).collect();
    match passwords.len().saturating_sub(20) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

impl Controller {
    /// Checks a users CSV file and, unless `check_only` or a row has a problem, creates every user in it with a
    /// generated password (and its assignment), all in one transaction.
    pub fn import_users(&self, s: &Session, file: &[u8], check_only: bool, peer: &str) -> Result<UsersImport> {
        let table = csv_file::read(file, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS)?;
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
        let columns = match columns(&table) {
            Ok(columns) => columns,
            Err(problems) => return Ok(finish(report, problems)),
        };
        let problems = |pass: &mut Pass| std::mem::take(&mut pass.problems).into_iter().map(|(_, p)| p).collect();
        if check_only {
            return self.store.read(|c| {
                let mut pass = pass(c, s, &table, columns, false, now)?;
                Ok(finish(report, problems(&mut pass)))
            });
        }
        self.store.write_or_roll_back(|c| {
            let mut pass = pass(c, s, &table, columns, true, now)?;
            if !pass.problems.is_empty() || pass.passwords.is_empty() {
                return Ok((finish(report, problems(&mut pass)), false));
            }
            report.created = u32::try_from(pass.passwords.len()).unwrap_or(u32::MAX);
            report.assigned = pass.assigned;
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
                    some_logins(&pass.passwords)
                ),
                now,
            )?;
            report.passwords = pass.passwords;
            Ok((finish(report, Vec::new()), true))
        })
    }
}
