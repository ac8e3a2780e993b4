//! Mes plannings: `planhost bases list | create | upload | download | restore` for a planning's bases.

use clap::Subcommand;
use planhost::api::{BaseChange, BaseInfo, PlanningBases, TimeGrid};
use planhost::cli::{print, tr};
use planhost::console::Console;
use planhost::tasks::TaskStep;
use planhost::{Error, ErrorCode, Result};

/// A time grid on the command line (`bases create`, `prepare new`).
#[derive(clap::Args)]
pub struct GridArgs {
    /// The first week's Monday, YYYY-MM-DD.
    #[arg(long)]
    first_monday: String,
    /// The last week's Sunday, YYYY-MM-DD (1 to 62 weeks).
    #[arg(long)]
    last_sunday: String,
    /// Working days, 1 = Monday … 7 = Sunday.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5")]
    days: Vec<u8>,
    #[arg(long, default_value_t = 8)]
    sequences: u8,
    /// The first sequence's start, HH:MM.
    #[arg(long, default_value = "08:00")]
    start: String,
    /// A sequence's length in minutes.
    #[arg(long, default_value_t = 55)]
    minutes: u16,
    /// Steps per sequence: 1, 2, 3, 4, 6 or 12.
    #[arg(long, default_value_t = 1)]
    steps: u8,
}

impl GridArgs {
    pub fn grid(self) -> TimeGrid {
        TimeGrid {
            first_monday: self.first_monday,
            last_sunday: self.last_sunday,
            working_days: self.days,
            sequences_per_day: self.sequences,
            first_start: self.start,
            sequence_minutes: self.minutes,
            steps_per_sequence: self.steps,
        }
    }
}

#[derive(Subcommand)]
pub enum BasesCommand {
    /// The base in service and the earlier ones the planning keeps.
    List {
        /// The planning's name or number.
        #[arg(long)]
        planning: String,
    },
    /// Create an empty base with its time grid; it is put in service at once.
    Create {
        #[arg(long)]
        planning: String,
        /// The base's name (also its file name).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        grid: GridArgs,
    },
    /// Send a .HHYP file and put it in service once the controller has checked it. Sent again after an interruption,
    /// the same file resumes where it stopped; Ctrl-C cancels.
    Upload {
        #[arg(long)]
        planning: String,
        file: std::path::PathBuf,
    },
    /// Save the base in service (or a kept one, `--base`) as a .HHYP file.
    Download {
        #[arg(long)]
        planning: String,
        /// The base's number in `bases list` (default: the base in service).
        #[arg(long)]
        base: Option<i64>,
        /// The folder to save into (default: the current folder).
        #[arg(short, long, default_value = ".")]
        output: std::path::PathBuf,
    },
    /// Put an earlier base (see `bases list`) back in service.
    Restore {
        #[arg(long)]
        planning: String,
        /// The base's number in `bases list`.
        id: i64,
    },
}

/// A planning of the session, by name or number (administrators without Configuration use this too).
async fn planning_id(console: &Console, given: &str) -> Result<i64> {
    let who = console.whoami().await?;
    who.plannings
        .iter()
        .find(|p| p.id.to_string() == given || p.name.eq_ignore_ascii_case(given))
        .map(|p| p.id)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("No planning '{given}' among yours (give its name or its number)."),
                format!("Aucun planning « {given} » parmi les vôtres (indiquez son nom ou son numéro)."),
            )
        })
}

fn line(b: &BaseInfo) -> String {
    format!(
        "#{} {} — {} {}, {} {}, {} {} ({} {})",
        b.id,
        b.name,
        b.weeks,
        tr("weeks", "semaines"),
        b.counts.courses,
        tr("courses", "cours"),
        b.counts.placements,
        tr("placements", "placements"),
        tr("added", "ajoutée le"),
        b.added_at
    )
}

fn describe(p: &PlanningBases) -> String {
    let mut out = vec![format!("{} ({})", p.planning_name, p.publication_name)];
    match &p.in_service {
        Some(b) => out.push(format!("{} {}", tr("In service:", "En service :"), line(b))),
        None => out.push(tr("No base in service.", "Aucune base en service.").to_owned()),
    }
    if !p.others.is_empty() {
        out.push(tr("Other bases:", "Autres bases :").to_owned());
        out.extend(p.others.iter().map(|b| format!("  {}", line(b))));
    }
    out.join("\n")
}

/// Runs a transfer as a task: progress on the terminal (stderr, only when it is one), Ctrl-C cancels.
pub async fn with_progress<T>(work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    use std::io::{IsTerminal, Write};
    let tasks = std::sync::Arc::new(planhost::tasks::Tasks::default());
    let on_terminal = std::io::stderr().is_terminal();
    let began = std::time::Instant::now();
    let report = move |p: planhost::tasks::TaskProgress| {
        if !on_terminal {
            return;
        }
        let label = match p.step {
            TaskStep::CheckingFile => tr("Checking the file", "Vérification du fichier"),
            TaskStep::Uploading => tr("Sending", "Envoi"),
            TaskStep::CheckingOnController => tr("Checked by the controller", "Vérification par le contrôleur"),
            TaskStep::Downloading => tr("Downloading", "Téléchargement"),
            _ => tr("Waiting for the controller", "En attente du contrôleur"),
        };
        let figures = match (p.done, p.total) {
            (Some(done), Some(total)) if total > 0 => {
                let secs = began.elapsed().as_secs_f64().max(0.001);
                format!(
                    " {:>5.1} % — {} / {} MiB, {:.1} MiB/s",
                    done as f64 * 100.0 / total as f64,
                    done >> 20,
                    total >> 20,
                    done as f64 / secs / f64::from(1 << 20)
                )
            }
            (Some(done), _) => format!(" {} MiB", done >> 20),
            _ => String::new(),
        };
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K{label}{figures}");
        let _ = err.flush();
    };
    let cancel = tasks.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel("transfer");
        }
    });
    let result = tasks.run("transfer", report, work).await;
    watcher.abort();
    if on_terminal {
        eprintln!();
    }
    result
}

pub async fn run(console: &Console, json: bool, command: BasesCommand) -> Result<()> {
    let bases = match command {
        BasesCommand::Upload { planning, file } => {
            let id = planning_id(console, &planning).await?;
            with_progress(console.upload_base(id, &file)).await?
        }
        BasesCommand::Download { planning, base, output } => {
            let id = planning_id(console, &planning).await?;
            let base = match base {
                Some(b) => b,
                None => console.bases(id).await?.in_service.map(|b| b.id).ok_or_else(|| {
                    Error::new(
                        ErrorCode::NotFound,
                        "This planning has no base in service: name a kept one with --base.",
                        "Ce planning n'a pas de base en service : indiquez-en une gardée avec --base.",
                    )
                })?,
            };
            let saved = with_progress(console.download_base(id, base, &output)).await?;
            let answer = serde_json::json!({ "saved": saved });
            print(json, &answer, |_| {
                format!("{} {}", tr("Saved:", "Enregistrée :"), saved.display())
            });
            return Ok(());
        }
        BasesCommand::List { planning } => console.bases(planning_id(console, &planning).await?).await?,
        BasesCommand::Create { planning, name, grid } => {
            let id = planning_id(console, &planning).await?;
            let grid = grid.grid();
            console.change_bases(id, &BaseChange::Create { name, grid }).await?
        }
        BasesCommand::Restore { planning, id } => {
            let planning = planning_id(console, &planning).await?;
            console.change_bases(planning, &BaseChange::Restore { id }).await?
        }
    };
    print(json, &bases, describe);
    Ok(())
}
