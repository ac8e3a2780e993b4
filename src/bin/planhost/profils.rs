//! `planhost profils import FILE` (a preview with `--check`; nothing applied unless the whole file is right) and
//! `planhost profils export FILE`.

use clap::Subcommand;
use planhost::api::{ChangeCounts, ProfilsAction, ProfilsImport, ProfilsItem};
use planhost::cli::{language, print, tr};
use planhost::console::Console;
use planhost::controller::users_import::passwords_csv;
use planhost::controller::write_private;
use planhost::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ProfilsCommand {
    /// Load users, profiles and assignments from a .profils file: all of it, or nothing when a part is wrong.
    Import {
        file: PathBuf,
        /// Preview: say what would be created, updated or left unchanged, and write nothing.
        #[arg(long)]
        check: bool,
        /// Write the passwords generated for new users to this CSV file (owner-only) instead of printing them.
        #[arg(long)]
        passwords: Option<PathBuf>,
    },
    /// Write the account's users and their authorisations to a .profils file (owner-only: it holds password hashes).
    Export { file: PathBuf },
}

fn counts_line(fr: bool, what: (&str, &str), n: &ChangeCounts) -> String {
    if fr {
        format!(
            "{} : {} créé(s), {} modifié(s), {} inchangé(s)",
            what.1, n.created, n.updated, n.unchanged
        )
    } else {
        format!(
            "{}: {} created, {} updated, {} unchanged",
            what.0, n.created, n.updated, n.unchanged
        )
    }
}

fn report_text(r: &ProfilsImport, check: bool) -> String {
    let fr = language() == "fr";
    let mut out = Vec::new();
    for p in &r.problems {
        let message = if fr { &p.message_fr } else { &p.message };
        out.push(match fr {
            true => format!("{} ({}) « {} » : {message}", p.place, p.name, p.value),
            false => format!("{} ({}) '{}': {message}", p.place, p.name, p.value),
        });
    }
    if (r.problem_count as usize) > r.problems.len() {
        let more = r.problem_count as usize - r.problems.len();
        out.push(
            tr(
                &format!("… and {more} more problems."),
                &format!("… et {more} autres problèmes."),
            )
            .to_owned(),
        );
    }
    if r.problem_count == 0 {
        for c in &r.changes {
            let action = match (c.action, fr) {
                (ProfilsAction::Created, false) => "created",
                (ProfilsAction::Updated, false) => "updated",
                (ProfilsAction::Created, true) => "créé",
                (ProfilsAction::Updated, true) => "modifié",
            };
            let item = match (c.item, fr) {
                (ProfilsItem::User, false) => "user",
                (ProfilsItem::Profile, false) => "profile",
                (ProfilsItem::Assignment, false) => "assignment",
                (ProfilsItem::User, true) => "utilisateur",
                (ProfilsItem::Profile, true) => "profil",
                (ProfilsItem::Assignment, true) => "affectation",
            };
            let fields: Vec<String> = c
                .fields
                .iter()
                .map(|f| match f.before.is_empty() {
                    true => format!("{} {}", f.field, f.after),
                    false => format!("{} {} → {}", f.field, f.before, f.after),
                })
                .collect();
            out.push(format!("{item} {} {action}: {}", c.name, fields.join(", ")));
        }
    }
    out.push(counts_line(fr, ("Users", "Utilisateurs"), &r.users));
    out.push(counts_line(fr, ("Profiles", "Profils"), &r.profiles));
    out.push(counts_line(fr, ("Assignments", "Affectations"), &r.assignments));
    let end = match (r.problem_count > 0, check) {
        (true, _) => tr(
            &format!("{} problem(s): nothing was applied.", r.problem_count),
            &format!("{} problème(s) : rien n'a été appliqué.", r.problem_count),
        )
        .to_owned(),
        (false, true) => tr(
            "Preview: nothing applied yet (run again without --check).",
            "Aperçu : rien n'est encore appliqué (relancez sans --check).",
        )
        .to_owned(),
        (false, false) => tr(
            "Applied. Nothing was deleted; existing users kept their password.",
            "Appliqué. Rien n'a été supprimé ; les utilisateurs existants gardent leur mot de passe.",
        )
        .to_owned(),
    };
    out.push(end);
    out.join("\n")
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::invalid(
            format!("Cannot read {}: {e}", path.display()),
            format!("Impossible de lire {} : {e}", path.display()),
        )
    })
}

pub async fn run(console: &Console, json: bool, command: ProfilsCommand) -> Result<()> {
    match command {
        ProfilsCommand::Export { file } => {
            let profils = console.export_profils().await?;
            write_private(&file, &profils.to_bytes())?;
            print(
                json,
                &serde_json::json!({ "file": file, "users": profils.users.len(), "plannings": profils.plannings.len() }),
                |_| {
                    tr(
                        &format!(
                            "{} users and {} plannings written to {}.",
                            profils.users.len(),
                            profils.plannings.len(),
                            file.display()
                        ),
                        &format!(
                            "{} utilisateurs et {} plannings écrits dans {}.",
                            profils.users.len(),
                            profils.plannings.len(),
                            file.display()
                        ),
                    )
                    .to_owned()
                },
            );
            Ok(())
        }
        ProfilsCommand::Import { file, check, passwords } => {
            let mut report = console.import_profils(read(&file)?, check).await?;
            if let Some(path) = passwords.as_deref().filter(|_| report.applied) {
                write_private(path, passwords_csv(&report.passwords, language() == "fr").as_bytes())?;
                report.passwords.clear();
            }
            print(json, &report, |r| {
                let mut text = report_text(r, check);
                if !r.passwords.is_empty() {
                    text.push_str(&crate::users_import::passwords_text(&r.passwords));
                }
                text
            });
            if report.problem_count > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
