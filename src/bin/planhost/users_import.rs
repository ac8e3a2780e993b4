//! `planhost users template` and `planhost users import FILE.csv`: problems by line and column, nothing imported
//! unless every row is valid.

use planhost::api::{CsvProblem, UsersImport};
use planhost::cli::{language, print, tr};
use planhost::console::Console;
use planhost::controller::users_import::{passwords_csv, template as template_text};
use planhost::csv_file::problems_csv;
use planhost::{Error, Result};
use std::path::Path;

pub fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| {
        Error::invalid(
            format!("Cannot write {}: {e}", path.display()),
            format!("Impossible d'écrire {} : {e}", path.display()),
        )
    })
}

pub fn template(output: Option<&Path>) -> Result<()> {
    let text = template_text(language() == "fr");
    match output {
        Some(path) => write(path, &text),
        None => {
            print!("{}", text.trim_start_matches('\u{feff}'));
            Ok(())
        }
    }
}

/// Generated passwords as the terminal shows them, once.
pub fn passwords_text(passwords: &[planhost::api::GeneratedPassword]) -> String {
    let lines: Vec<String> = passwords
        .iter()
        .map(|p| format!("{:<24} {}", p.login, p.password))
        .collect();
    format!(
        "\n{}\n{}",
        tr("Passwords (shown once):", "Mots de passe (affichés une seule fois) :"),
        lines.join("\n")
    )
}

/// Problems as the terminal shows them, each after its `place` (a file's name, or nothing), then how many more.
pub fn problem_lines<'a>(problems: impl Iterator<Item = (&'a str, &'a CsvProblem)>, count: u32) -> Vec<String> {
    let fr = language() == "fr";
    let mut out = Vec::new();
    let mut shown = 0;
    for (place, p) in problems {
        shown += 1;
        let message = if fr { &p.message_fr } else { &p.message };
        let place = if place.is_empty() {
            String::new()
        } else {
            format!("{place}, ")
        };
        out.push(match fr {
            true => format!(
                "{place}ligne {}, colonne {} « {} » : {message}",
                p.line, p.column, p.value
            ),
            false => format!("{place}line {}, column {} '{}': {message}", p.line, p.column, p.value),
        });
    }
    let hidden = count as usize - shown.min(count as usize);
    if hidden > 0 {
        out.push(if fr {
            format!("… et {hidden} autres problèmes.")
        } else {
            format!("… and {hidden} more problems.")
        });
    }
    out
}

fn report_text(r: &UsersImport, check: bool) -> String {
    let fr = language() == "fr";
    let mut out = problem_lines(r.problems.iter().map(|p| ("", p)), r.problem_count);
    out.push(match (fr, r.problem_count > 0, check) {
        (true, true, _) => format!(
            "{} problème(s) sur {} lignes : rien n'a été importé.",
            r.problem_count, r.rows
        ),
        (false, true, _) => format!(
            "{} problem(s) in {} rows: nothing was imported.",
            r.problem_count, r.rows
        ),
        (true, false, true) => format!(
            "{} lignes valides ({}, séparateur « {} ») : rien n'a encore été importé.",
            r.rows, r.encoding, r.separator
        ),
        (false, false, true) => format!(
            "{} valid rows ({}, separator '{}'): nothing imported yet.",
            r.rows, r.encoding, r.separator
        ),
        (true, false, false) => format!("{} utilisateurs créés, {} affectés à un profil.", r.created, r.assigned),
        (false, false, false) => format!("{} users created, {} assigned to a profile.", r.created, r.assigned),
    });
    out.join("\n")
}

pub async fn import(
    console: &Console,
    json: bool,
    file: &Path,
    check: bool,
    errors: Option<&Path>,
    passwords: Option<&Path>,
) -> Result<()> {
    let bytes = std::fs::read(file).map_err(|e| {
        Error::invalid(
            format!("Cannot read {}: {e}", file.display()),
            format!("Impossible de lire {} : {e}", file.display()),
        )
    })?;
    let mut report = console.import_users(bytes, check).await?;
    let fr = language() == "fr";
    if let Some(path) = errors {
        write(path, &problems_csv(&report.problems, fr))?;
    }
    if let Some(path) = passwords.filter(|_| report.imported) {
        planhost::controller::write_private(path, passwords_csv(&report.passwords, fr).as_bytes())?;
    }
    let printed_passwords = passwords.is_none() && report.imported;
    let shown = if printed_passwords {
        report.passwords.clone()
    } else {
        Vec::new()
    };
    if !printed_passwords {
        report.passwords.clear();
    }
    print(json, &report, |r| {
        let mut text = report_text(r, check);
        if !shown.is_empty() {
            text.push_str(&passwords_text(&shown));
        }
        text
    });
    if report.problem_count > 0 {
        std::process::exit(1);
    }
    Ok(())
}
