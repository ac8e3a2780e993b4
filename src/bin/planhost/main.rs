//! `planhost`: the hosting console on the command line, over the same core as the desktop app. One file per pane;
//! every result and error of a run is in one language (`LANG`).

mod bases;
mod configuration;
mod connexion;
mod prepare;
mod profiles;
mod profils;
mod users;
mod users_import;

use clap::{Parser, Subcommand};
use planhost::cli::{fail, init_tracing, tr};
use planhost::console::{default_config_dir, Console};
use planhost::{Error, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "planhost", version, about = "Planhost hosting console (command line)")]
struct Cli {
    /// Print results (and errors) as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Settings directory (default: the platform config directory).
    #[arg(long, global = true, env = "PLANHOST_CONFIG_DIR")]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Connexion(connexion::Command),
    /// The controller's domain, port and activation.
    Config {
        #[command(subcommand)]
        command: configuration::ConfigCommand,
    },
    /// Plannings: list with statuses, add, rename, settings, removal, connection seats.
    Plannings {
        #[command(subcommand)]
        command: configuration::PlanningsCommand,
    },
    /// Users of the account: list, first superadministrator, add, change, disable, new password, delete, CSV import.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Profiles of a planning: list, catalogue of authorisations, their users, create, change, delete.
    Profiles {
        #[command(subcommand)]
        command: profiles::ProfilesCommand,
    },
    /// Assign users to a planning's profile (or take them out of it with --remove).
    Assign(profiles::AssignArgs),
    /// Users and their authorisations as a .profils file: import (with a preview) or export.
    Profils {
        #[command(subcommand)]
        command: profils::ProfilsCommand,
    },
    /// Préparation hors ligne: a base prepared with no controller, its annexes, and its .HHYP for a hosting number.
    Prepare {
        #[command(subcommand)]
        command: prepare::PrepareCommand,
    },
    /// Mes plannings: a planning's bases — list, create with a time grid, put an earlier one back in service.
    Bases {
        #[command(subcommand)]
        command: bases::BasesCommand,
    },
}

/// Asks on a terminal; elsewhere (scripts) `--yes` is required.
fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if std::io::stdin().is_terminal() {
        let answer = prompt(&format!("{question} {}", tr("[y/N]", "[o/N]")), false)?;
        if matches!(answer.trim().to_lowercase().as_str(), "o" | "oui" | "y" | "yes") {
            return Ok(());
        }
    }
    Err(Error::invalid(
        format!("Not confirmed: {question} (pass --yes)"),
        format!("Non confirmé : {question} (ajoutez --yes)"),
    ))
}

/// Reads a line: asked on a terminal (hidden when secret), else read from stdin (scripts).
fn prompt(label: &str, secret: bool) -> Result<String> {
    let read_err = |e: std::io::Error| {
        Error::invalid(
            format!("Cannot read {label}: {e}"),
            format!("Lecture impossible ({label}) : {e}"),
        )
    };
    if std::io::stdin().is_terminal() {
        if secret {
            return rpassword::prompt_password(format!("{label}{} ", tr(":", " :"))).map_err(read_err);
        }
        eprint!("{label}{} ", tr(":", " :"));
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(read_err)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    // Offline preparation needs no console settings, no controller and no session.
    let command = match cli.command {
        Command::Prepare { command } => return prepare::run(json, command).await,
        other => other,
    };
    let console = Console::open(&cli.config_dir.unwrap_or_else(default_config_dir))?;
    // A console shipped by a provider knows its controller (provider file beside this program or $PLANHOST_PROVIDER).
    console.adopt_provider(None)?;
    match command {
        Command::Connexion(command) => connexion::run(&console, json, command).await,
        Command::Config { command } => configuration::config(&console, json, command).await,
        Command::Plannings { command } => configuration::plannings(&console, json, command).await,
        Command::Users { command } => users::run(&console, json, command).await,
        Command::Profiles { command } => profiles::run(&console, json, command).await,
        Command::Assign(args) => profiles::assign(&console, json, args).await,
        Command::Profils { command } => profils::run(&console, json, command).await,
        Command::Bases { command } => bases::run(&console, json, command).await,
        Command::Prepare { .. } => unreachable!("answered above"),
    }
}

#[tokio::main]
async fn main() {
    init_tracing();
    planhost::init_crypto();
    let cli = Cli::parse();
    let json = cli.json;
    if let Err(e) = run(cli).await {
        fail(json, &e);
    }
}
