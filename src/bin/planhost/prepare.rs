//! Préparation hors ligne: `planhost prepare new | grid | import | annex | users | summary | pack | export-profils`
//! on a folder holding a prepared base.
//! Nothing here needs a controller, a session or a network.

use crate::bases::GridArgs;
use crate::users_import::problem_lines;
use clap::Subcommand;
use planhost::api::{GridConversion, TimetableFile, UnplacedCourse};
use planhost::cli::{language, print, tr};
use planhost::ids::HostingNumber;
use planhost::prepare::{timetable_file_name, timetable_template, PreparedSummary, Workspace};
use planhost::Result;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

#[derive(Subcommand)]
pub enum PrepareCommand {
    /// A new prepared base in a new (or empty) folder, with its time grid.
    New {
        /// The folder that will hold the base and its annexes.
        dir: PathBuf,
        /// The base's name (also the .HHYP's name).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        grid: GridArgs,
    },
    /// Sets a new time grid and carries the timetable into it: what no longer fits is kept aside and listed, never
    /// deleted. `--check` only says what it would do.
    Grid {
        dir: PathBuf,
        #[command(flatten)]
        grid: GridArgs,
        #[arg(long)]
        check: bool,
    },
    /// The placements a grid change kept aside, with why each no longer fits.
    Unplaced { dir: PathBuf },
    /// Reads the timetable from CSV files, one per template, all or nothing (`--check`: problems only).
    Import {
        dir: PathBuf,
        #[arg(long)]
        teachers: Option<PathBuf>,
        #[arg(long)]
        rooms: Option<PathBuf>,
        #[arg(long)]
        groups: Option<PathBuf>,
        #[arg(long)]
        subjects: Option<PathBuf>,
        /// The courses and their weekly slots: replaces every course of the base.
        #[arg(long)]
        courses: Option<PathBuf>,
        #[arg(long)]
        check: bool,
    },
    /// Prints a timetable template (with its instructions) for a spreadsheet.
    Template {
        #[arg(value_enum)]
        file: TemplateKind,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// The users kept with the prepared base.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Writes the users and their assignments as a .profils v1 file for the controller's import.
    ExportProfils {
        dir: PathBuf,
        /// The planning's name on the controller (planning01…): its import finds the planning by it.
        #[arg(long)]
        planning: String,
        #[arg(short, long)]
        output: PathBuf,
        /// Replace the output if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Annex files (photos, documents) of a prepared base.
    Annex {
        #[command(subcommand)]
        command: AnnexCommand,
    },
    /// What a prepared base holds: its timetable's counts, its annexes, its size.
    Summary { dir: PathBuf },
    /// Generates the .HHYP for a hosting number, checked with the controller's own verifier before it gets its name.
    Pack {
        dir: PathBuf,
        /// The hosting number the file is for (12 digits).
        #[arg(long)]
        hosting_number: String,
        /// The .HHYP to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Replace the output if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub enum AnnexCommand {
    /// Copies files in as annexes, all or none (under their own names, or `--as` for one file; `photos/a.jpg` makes a
    /// sub-folder).
    Add {
        dir: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long = "as")]
        name: Option<String>,
    },
    /// The annexes, by name.
    List { dir: PathBuf },
    /// Removes an annex by name.
    Remove { dir: PathBuf, name: String },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TemplateKind {
    Teachers,
    Rooms,
    Groups,
    Subjects,
    Courses,
    Users,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Reads users from a CSV file (the `planhost users template`), all or nothing (`--check`: problems only).
    Import {
        dir: PathBuf,
        file: PathBuf,
        #[arg(long)]
        check: bool,
    },
    /// The users, their status and profile.
    List { dir: PathBuf },
    /// Removes users by login.
    Remove { dir: PathBuf, logins: Vec<String> },
}

fn unplaced_lines(list: &[UnplacedCourse]) -> Vec<String> {
    let fr = language() == "fr";
    list.iter()
        .map(|u| {
            let who = [u.subject.as_str(), u.teacher.as_str(), u.group.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let why = if fr { &u.reason_fr } else { &u.reason };
            format!(
                "{} {} ({} min) {who}{} {why}",
                u.date,
                u.start,
                u.minutes,
                tr(":", " :")
            )
        })
        .collect()
}

/// A file already there is replaced only when asked (`--force`).
fn refuse_existing(output: &std::path::Path, force: bool) -> Result<()> {
    if output.exists() && !force {
        return Err(planhost::Error::new(
            planhost::ErrorCode::Conflict,
            format!("{} exists: give --force to replace it.", output.display()),
            format!("{} existe : donnez --force pour le remplacer.", output.display()),
        ));
    }
    Ok(())
}

fn conversion_text(c: &GridConversion) -> String {
    let (placed, again, aside) = (c.placed, c.placed_again, c.unplaced.len());
    let mut lines = vec![if c.applied {
        format!(
            "{} {placed} {} ({again} {}), {aside} {}",
            tr("Grid changed:", "Grille changée :"),
            tr("lessons in the new grid", "séances dans la nouvelle grille"),
            tr("placed again", "replacées"),
            tr("kept aside.", "mises de côté.")
        )
    } else {
        format!(
            "{} {placed} {} ({again} {}), {aside} {}",
            tr(
                "Nothing changed. With this grid:",
                "Rien n'a changé. Avec cette grille :"
            ),
            tr("lessons", "séances"),
            tr("placed again", "replacées"),
            tr("kept aside.", "mises de côté.")
        )
    }];
    lines.extend(unplaced_lines(&c.unplaced));
    lines.join("\n")
}

fn describe(s: &PreparedSummary) -> String {
    format!(
        "{} ({})\n{} {}, {} {}, {} {}, {} {}, {} {}\n{} {}, {} {}, {:.1} MB",
        s.name,
        s.folder,
        s.weeks,
        tr("weeks", "semaines"),
        s.courses,
        tr("courses", "cours"),
        s.placements,
        tr("lessons", "séances"),
        s.teachers,
        tr("teachers", "enseignants"),
        s.unplaced,
        tr("kept aside", "mis de côté"),
        s.users,
        tr("users", "utilisateurs"),
        s.annexes,
        tr("annexes", "annexes"),
        s.bytes as f64 / 1e6
    )
}

pub async fn run(json: bool, command: PrepareCommand) -> Result<()> {
    match command {
        PrepareCommand::New { dir, name, grid } => {
            let made = Workspace::create(&dir, &name, &grid.grid())?;
            print(json, &made.summary()?, describe);
        }
        PrepareCommand::Summary { dir } => print(json, &Workspace::open(&dir)?.summary()?, describe),
        PrepareCommand::Annex {
            command: AnnexCommand::Add { dir, files, name },
        } => {
            let w = Workspace::open(&dir)?;
            if name.is_some() && files.len() != 1 {
                return Err(planhost::Error::invalid(
                    "--as names one file: give one file with it.",
                    "--as nomme un seul fichier : donnez un seul fichier avec.",
                ));
            }
            // All or none: every file checked before the first is copied; a folder brings its files.
            let added = match &name {
                Some(name) => w.add_annexes(&[(files[0].as_path(), Some(name.as_str()))])?,
                None => w.add_paths(&files)?,
            };
            print(json, &serde_json::json!({ "added": added }), |_| {
                format!("{} {}", tr("Added:", "Ajoutées :"), added.join(", "))
            });
        }
        PrepareCommand::Grid { dir, grid, check } => {
            let done = Workspace::open(&dir)?.change_grid(&grid.grid(), !check)?;
            print(json, &done, conversion_text);
        }
        PrepareCommand::Unplaced { dir } => {
            print(json, &Workspace::open(&dir)?.unplaced()?, |l| {
                unplaced_lines(l).join("\n")
            });
        }
        PrepareCommand::Import {
            dir,
            teachers,
            rooms,
            groups,
            subjects,
            courses,
            check,
        } => {
            let w = Workspace::open(&dir)?;
            let given = [
                (TimetableFile::Teachers, teachers),
                (TimetableFile::Rooms, rooms),
                (TimetableFile::Groups, groups),
                (TimetableFile::Subjects, subjects),
                (TimetableFile::Courses, courses),
            ];
            let files: Vec<(TimetableFile, PathBuf)> = given
                .into_iter()
                .filter_map(|(kind, path)| Some((kind, path?)))
                .collect();
            if files.is_empty() {
                return Err(planhost::Error::invalid(
                    "Give at least one file: --teachers, --rooms, --groups, --subjects or --courses.",
                    "Donnez au moins un fichier : --teachers, --rooms, --groups, --subjects ou --courses.",
                ));
            }
            let report = w.import_timetable_files(&files, !check)?;
            print(json, &report, |r| {
                let fr = language() == "fr";
                let place = |f: TimetableFile| {
                    let (en, fr_name) = timetable_file_name(f);
                    if fr {
                        fr_name
                    } else {
                        en
                    }
                };
                let mut lines = problem_lines(r.problems.iter().map(|p| (place(p.file), &p.problem)), r.problem_count);
                let counts = format!(
                    "{} {}, {} {}, {} {}, {} {}, {} {} ({} {})",
                    r.teachers,
                    tr("teachers", "enseignants"),
                    r.rooms,
                    tr("rooms", "salles"),
                    r.groups,
                    tr("groups", "classes"),
                    r.subjects,
                    tr("subjects", "matières"),
                    r.courses,
                    tr("courses", "cours"),
                    r.placements,
                    tr("lessons", "séances")
                );
                lines.push(match (r.problem_count > 0, r.written) {
                    (true, _) => format!(
                        "{} {}",
                        r.problem_count,
                        tr(
                            "problem(s): nothing was imported.",
                            "problème(s) : rien n'a été importé."
                        )
                    ),
                    (false, true) => format!("{} {counts}", tr("Imported:", "Importé :")),
                    (false, false) => format!(
                        "{} {counts}",
                        tr("Valid, nothing imported yet:", "Valide, rien n'est encore importé :")
                    ),
                });
                if r.replaced_courses + r.replaced_unplaced > 0 && r.problem_count == 0 {
                    lines.push(format!(
                        "{} {} {}, {} {}",
                        tr("The courses file replaces", "Le fichier des cours remplace"),
                        r.replaced_courses,
                        tr("courses of the base", "cours de la base"),
                        r.replaced_unplaced,
                        tr("lessons kept aside included.", "séances mises de côté comprises.")
                    ));
                }
                lines.join("\n")
            });
            if report.problem_count > 0 {
                std::process::exit(1);
            }
        }
        PrepareCommand::Template { file, output } => {
            let fr = language() == "fr";
            let text = match file {
                TemplateKind::Users => planhost::prepare::users_template(fr),
                TemplateKind::Teachers => timetable_template(TimetableFile::Teachers, fr),
                TemplateKind::Rooms => timetable_template(TimetableFile::Rooms, fr),
                TemplateKind::Groups => timetable_template(TimetableFile::Groups, fr),
                TemplateKind::Subjects => timetable_template(TimetableFile::Subjects, fr),
                TemplateKind::Courses => timetable_template(TimetableFile::Courses, fr),
            };
            match output {
                Some(path) => crate::users_import::write(&path, &text)?,
                None => {
                    use std::io::Write;
                    let _ = write!(std::io::stdout(), "{}", text.trim_start_matches('\u{feff}'));
                }
            }
        }
        PrepareCommand::Users {
            command: UsersCommand::Import { dir, file, check },
        } => {
            let report = Workspace::open(&dir)?.import_users_file(&file, !check)?;
            print(json, &report, |r| {
                let mut lines = problem_lines(r.problems.iter().map(|p| ("", p)), r.problem_count);
                lines.push(match (r.problem_count > 0, r.written) {
                    (true, _) => format!(
                        "{} {}",
                        r.problem_count,
                        tr(
                            "problem(s): nothing was imported.",
                            "problème(s) : rien n'a été importé."
                        )
                    ),
                    (false, true) => format!("{} {}", r.added, tr("user(s) added.", "utilisateur(s) ajouté(s).")),
                    (false, false) => format!(
                        "{} {}",
                        r.added,
                        tr(
                            "valid user(s), nothing imported yet.",
                            "utilisateur(s) valide(s), rien n'est encore importé."
                        )
                    ),
                });
                lines.join("\n")
            });
            if report.problem_count > 0 {
                std::process::exit(1);
            }
        }
        PrepareCommand::Users {
            command: UsersCommand::List { dir },
        } => {
            print(json, &Workspace::open(&dir)?.users()?, |list| {
                list.iter()
                    .map(|u| {
                        let profile = u.profile.as_deref().unwrap_or("-");
                        format!(
                            "{:<24} {} {} ({}) {profile}",
                            u.login,
                            u.first_name,
                            u.last_name,
                            crate::users::status_text(u.status)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PrepareCommand::Users {
            command: UsersCommand::Remove { dir, logins },
        } => {
            let n = Workspace::open(&dir)?.remove_users(&logins)?;
            print(json, &serde_json::json!({ "removed": n }), |_| {
                format!("{n} {}", tr("removed.", "retiré(s)."))
            });
        }
        PrepareCommand::ExportProfils {
            dir,
            planning,
            output,
            force,
        } => {
            refuse_existing(&output, force)?;
            let users = Workspace::open(&dir)?.write_profils(&planning, &output)?;
            print(
                json,
                &serde_json::json!({ "file": output.display().to_string(), "users": users }),
                |_| {
                    format!(
                        "{} {} ({users} {})",
                        tr("Written:", "Écrit :"),
                        output.display(),
                        tr("users", "utilisateurs")
                    )
                },
            );
        }
        PrepareCommand::Annex {
            command: AnnexCommand::Remove { dir, name },
        } => {
            Workspace::open(&dir)?.remove_annex(&name)?;
            print(json, &serde_json::json!({ "removed": name }), |_| {
                format!("{} {name}", tr("Removed:", "Retirée :"))
            });
        }
        PrepareCommand::Annex {
            command: AnnexCommand::List { dir },
        } => {
            let names: Vec<String> = Workspace::open(&dir)?.annexes()?.into_iter().map(|a| a.name).collect();
            print(json, &names, |n| n.join("\n"));
        }
        PrepareCommand::Pack {
            dir,
            hosting_number,
            output,
            force,
        } => {
            let hosting = HostingNumber::parse(&hosting_number)?;
            refuse_existing(&output, force)?;
            let w = Workspace::open(&dir)?;
            let cancel = std::sync::Arc::new(AtomicBool::new(false));
            let stop = cancel.clone();
            let watcher = tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
            let out = output.clone();
            let packed = tokio::task::spawn_blocking(move || {
                use std::io::{IsTerminal, Write};
                let on_terminal = std::io::stderr().is_terminal();
                let progress = move |done: u64, total: u64| {
                    if on_terminal && total > 0 {
                        let mut err = std::io::stderr();
                        let label = tr("Packing", "Empaquetage");
                        let _ = write!(err, "\r\x1b[2K{label} {:>5.1} %", done as f64 * 100.0 / total as f64);
                        let _ = err.flush();
                    }
                };
                let packed = w.pack(&hosting, &out, &progress, &cancel);
                if on_terminal {
                    eprintln!();
                }
                packed
            })
            .await
            .map_err(planhost::Error::internal)??;
            watcher.abort();
            let size = std::fs::metadata(&output)?.len();
            let answer = serde_json::json!({
                "file": output.display().to_string(),
                "bytes": size,
                "base_name": packed.base_name,
                "entries": packed.entries.len(),
            });
            print(json, &answer, |_| {
                format!(
                    "{} {} ({:.1} MB, {} {})",
                    tr("Ready:", "Prêt :"),
                    output.display(),
                    size as f64 / 1e6,
                    packed.entries.len(),
                    tr("entries, checked", "entrées, vérifié")
                )
            });
        }
    }
    Ok(())
}
