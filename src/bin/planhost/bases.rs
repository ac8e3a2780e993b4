//! Mes plannings: `planhost bases list | create | restore` for a planning's bases.

use clap::Subcommand;
use planhost::api::{BaseChange, BaseInfo, PlanningBases, TimeGrid};
use planhost::cli::{print, tr};
use planhost::console::Console;
use planhost::{Error, ErrorCode, Result};

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

pub async fn run(console: &Console, json: bool, command: BasesCommand) -> Result<()> {
    let bases = match command {
        BasesCommand::List { planning } => console.bases(planning_id(console, &planning).await?).await?,
        BasesCommand::Create {
            planning,
            name,
            first_monday,
            last_sunday,
            days,
            sequences,
            start,
            minutes,
            steps,
        } => {
            let grid = TimeGrid {
                first_monday,
                last_sunday,
                working_days: days,
                sequences_per_day: sequences,
                first_start: start,
                sequence_minutes: minutes,
                steps_per_sequence: steps,
            };
            let id = planning_id(console, &planning).await?;
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
