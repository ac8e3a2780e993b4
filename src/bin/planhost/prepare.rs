//! Préparation hors ligne: `planhost prepare new | annex add | summary | pack` on a folder holding a prepared base.
//! Nothing here needs a controller, a session or a network.

use crate::bases::GridArgs;
use clap::Subcommand;
use planhost::cli::{print, tr};
use planhost::ids::HostingNumber;
use planhost::prepare::{PreparedSummary, Workspace};
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
    },
}

#[derive(Subcommand)]
pub enum AnnexCommand {
    /// Copies files in as annexes, all or none (under their own names, or `--as` for one file; `photos/a.jpg` makes a
    /// sub-folder).
    Add {
        dir: PathBuf,
        files: Vec<PathBuf>,
        #[arg(long = "as")]
        name: Option<String>,
    },
    /// The annexes, by name.
    List { dir: PathBuf },
}

fn describe(s: &PreparedSummary) -> String {
    format!(
        "{} ({})\n{} {}, {} {}, {} {}, {} {}\n{} {}, {:.1} MB",
        s.name,
        s.folder,
        s.weeks,
        tr("weeks", "semaines"),
        s.courses,
        tr("courses", "cours"),
        s.placements,
        tr("placements", "placements"),
        s.teachers,
        tr("teachers", "enseignants"),
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
            // All or none: every file checked before the first is copied.
            let asked: Vec<(&std::path::Path, Option<&str>)> =
                files.iter().map(|f| (f.as_path(), name.as_deref())).collect();
            let added = w.add_annexes(&asked)?;
            print(json, &serde_json::json!({ "added": added }), |_| {
                format!("{} {}", tr("Added:", "Ajoutées :"), added.join(", "))
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
        } => {
            let hosting = HostingNumber::parse(&hosting_number)?;
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
