//! `planhost`: the hosting console on the command line, over the same core as the desktop app.

use clap::{Parser, Subcommand};
use planhost::api::{ConfigChange, Configuration, PlanningChanges, SeatAllocation, Seats};
use planhost::cli::{fail, init_tracing, print};
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
    /// Choose the controller to work with (host:port).
    Connect { address: String },
    /// Log in as the hosting manager. The password is read from stdin when it is not a terminal.
    Login {
        /// The controller CA's SHA-256 fingerprint, as the provider gave it (first contact only).
        #[arg(long)]
        ca_fingerprint: Option<String>,
        #[arg(long)]
        hosting_number: Option<String>,
        #[arg(long)]
        controller: Option<String>,
    },
    /// First connection from this machine: install its certificate with the invoice number. The password, then the
    /// invoice number, are asked (or read from stdin, one per line), never taken from the command line where the
    /// process list would show them.
    Enroll {
        /// The controller CA's SHA-256 fingerprint, as the provider gave it: checked before anything is sent.
        #[arg(long)]
        ca_fingerprint: Option<String>,
        #[arg(long)]
        hosting_number: Option<String>,
        #[arg(long)]
        controller: Option<String>,
    },
    /// Show the open session.
    Whoami,
    /// Show the controller, the account and this device's certificate.
    Info,
    /// Show the licence agreement; `--accept` accepts it.
    Licence {
        #[arg(long)]
        accept: bool,
    },
    /// End the session.
    Logout,
    /// Remove a controller and this machine's certificates for it.
    Forget { address: String },
    /// The controller's domain, port and activation.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Plannings: list with statuses, add, rename, settings, removal, connection seats.
    Plannings {
        #[command(subcommand)]
        command: PlanningsCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    Show,
    /// Associate a domain name with the controller (a port is allocated the first time).
    SetDomain {
        domain: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    Activate,
    Deactivate,
}

#[derive(Subcommand)]
enum PlanningsCommand {
    /// The plannings and their statuses, checked now.
    List,
    /// Add a planning (named planningNN unless a name is given).
    Add {
        name: Option<String>,
    },
    Rename {
        planning: String,
        name: String,
    },
    /// Change a planning's domain, time zone, web publication, publication name or state.
    Set {
        planning: String,
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        time_zone: Option<String>,
        /// on or off
        #[arg(long)]
        publication: Option<OnOff>,
        /// An empty name goes back to the planning's name.
        #[arg(long)]
        publication_name: Option<String>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
        #[arg(long)]
        yes: bool,
    },
    Remove {
        planning: String,
        #[arg(long)]
        yes: bool,
    },
    /// Reserve simultaneous connections for a planning.
    Seats {
        planning: String,
        #[arg(long)]
        modification: u32,
        #[arg(long)]
        consultation: u32,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

/// Asks on a terminal; elsewhere (scripts) `--yes` is required.
fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if std::io::stdin().is_terminal() {
        let answer = prompt(&format!("{question} [o/N]"), false)?;
        if matches!(answer.trim().to_lowercase().as_str(), "o" | "oui" | "y" | "yes") {
            return Ok(());
        }
    }
    Err(Error::invalid(
        format!("Not confirmed: {question} (pass --yes)"),
        format!("Non confirmé : {question} (ajoutez --yes)"),
    ))
}

fn planning_ref(config: &Configuration, given: &str) -> Result<i64> {
    config
        .plannings
        .iter()
        .find(|p| p.id.to_string() == given || p.name.eq_ignore_ascii_case(given))
        .map(|p| p.id)
        .ok_or_else(|| {
            Error::new(
                planhost::ErrorCode::NotFound,
                format!("No planning '{given}' (give its name or its number)."),
                format!("Aucun planning « {given} » (indiquez son nom ou son numéro)."),
            )
        })
}

fn describe(config: &Configuration) -> String {
    let c = &config.controller;
    let mut out = match &c.coordinates {
        Some(k) => format!(
            "Controller: {}:{} ({})\n",
            k.domain,
            k.port,
            if c.active { "active" } else { "not active" }
        ),
        None => "Controller: no domain name yet\n".to_string(),
    };
    out += &format!(
        "Plannings ({} of {}):\n",
        config.plannings.len(),
        config.plannings_quota
    );
    for p in &config.plannings {
        let coords = p
            .coordinates
            .as_ref()
            .map(|k| format!("{}:{}", k.domain, k.port))
            .unwrap_or_else(|| "—".into());
        out += &format!(
            "  {:>3}  {:<20} {:<9} {:<28} {:<18} web {:<3}  {}M/{}C  since {}\n",
            p.id,
            p.name,
            p.status.as_str(),
            coords,
            p.time_zone,
            if p.web_publication { "on" } else { "off" },
            p.seats.modification,
            p.seats.consultation,
            p.status_changed_at
        );
    }
    let s = &config.seats;
    out + &format!(
        "Connections left: {} Modification of {}, {} Consultation of {}",
        s.left.modification, s.licence.modification, s.left.consultation, s.licence.consultation
    )
}

async fn configure(console: &Console, json: bool, changes: Vec<ConfigChange>) -> Result<()> {
    let mut config = None;
    for change in &changes {
        config = Some(console.apply(change).await?);
    }
    let config = match config {
        Some(c) => c,
        None => console.configuration().await?,
    };
    print(json, &config, describe);
    Ok(())
}

fn prompt(label: &str, secret: bool) -> Result<String> {
    let read_err = |e: std::io::Error| {
        Error::invalid(
            format!("Cannot read {label}: {e}"),
            format!("Lecture impossible ({label}) : {e}"),
        )
    };
    if std::io::stdin().is_terminal() {
        if secret {
            return rpassword::prompt_password(format!("{label}: ")).map_err(read_err);
        }
        eprint!("{label}: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(read_err)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn controller_of(console: &Console, given: Option<String>) -> Result<String> {
    given.or_else(|| console.config().current.clone()).ok_or_else(|| {
        Error::invalid(
            "No controller chosen: run `planhost connect HOST:PORT` or pass --controller.",
            "Aucun contrôleur choisi : lancez `planhost connect HOTE:PORT` ou passez --controller.",
        )
    })
}

fn hosting_of(console: &Console, given: Option<String>) -> Result<String> {
    match given {
        Some(h) => Ok(h),
        None if !std::io::stdin().is_terminal() => console
            .config()
            .last_hosting_number
            .clone()
            .ok_or_else(|| Error::invalid("Pass --hosting-number.", "Indiquez --hosting-number.")),
        None => prompt("Numéro d'hébergement / hosting number", false),
    }
}

async fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    let console = Console::open(&cli.config_dir.unwrap_or_else(default_config_dir))?;
    // A console shipped by a provider knows its controller (provider file beside this program or $PLANHOST_PROVIDER).
    console.adopt_provider(None)?;
    match cli.command {
        Command::Connect { address } => {
            let key = console.select_controller(&address)?;
            print(json, &serde_json::json!({"controller": key}), |_| {
                format!("Controller: {key}")
            });
        }
        Command::Login {
            ca_fingerprint,
            hosting_number,
            controller,
        } => {
            let controller = controller_of(&console, controller)?;
            let hosting = hosting_of(&console, hosting_number)?;
            let password = prompt("Mot de passe de la console / console password", true)?;
            let s = console
                .login(&controller, &hosting, &password, ca_fingerprint.as_deref())
                .await?;
            print(json, &s, |s| {
                format!(
                    "Logged in to {} as hosting manager of {} until {}.{}{}",
                    s.controller_address,
                    s.hosting_number,
                    s.expires_at,
                    if s.certificate_renewed {
                        "\nThis machine's certificate was renewed."
                    } else {
                        ""
                    },
                    if s.licence_accepted {
                        ""
                    } else {
                        "\nThe licence agreement is not accepted yet: `planhost licence`."
                    }
                )
            });
        }
        Command::Enroll {
            ca_fingerprint,
            hosting_number,
            controller,
        } => {
            let controller = controller_of(&console, controller)?;
            let hosting = hosting_of(&console, hosting_number)?;
            let password = prompt("Mot de passe de la console / console password", true)?;
            let invoice = prompt("Numéro de facture / invoice number", true)?;
            let r = console
                .enrol(&controller, &hosting, &password, &invoice, ca_fingerprint.as_deref())
                .await?;
            print(json, &r, |r| {
                format!(
                    "Certificate installed for {} on {}.\nDevice: {}\nFingerprint: {}\nValid until: {}\nController CA: {}",
                    r.hosting_number, r.controller, r.device_id, r.certificate_fingerprint, r.certificate_not_after, r.ca_fingerprint
                )
            });
        }
        Command::Whoami => {
            let w = console.whoami().await?;
            print(json, &w, |w| {
                format!(
                    "{} ({}) on device {}, session until {}",
                    w.hosting_number, w.actor, w.device_id, w.session_expires_at
                )
            });
        }
        Command::Info => {
            let i = console.info().await?;
            print(json, &i, |i| {
                format!(
                    "Controller:  {} ({})\nHosting:     {}\nPlannings:   {}\nDevice:      {}\nCertificate: {}\nExpires:     {}\nCA:          {}",
                    i.controller_address, i.account.controller_domain, i.hosting_number, i.account.plannings_quota, i.device_id,
                    i.certificate.fingerprint_sha256, i.certificate.not_after, i.ca_fingerprint
                )
            });
        }
        Command::Licence { accept } => {
            let mut l = console.licence().await?;
            if accept {
                l = console.accept_licence(l.version).await?;
            }
            print(json, &l, |l| match &l.accepted_at {
                Some(at) => format!("Licence version {} accepted on {at}.", l.version),
                None => format!(
                    "{}\n\nRun `planhost licence --accept` to accept it.",
                    if planhost::cli::language() == "fr" {
                        &l.text_fr
                    } else {
                        &l.text_en
                    }
                ),
            });
        }
        Command::Logout => {
            console.logout().await?;
            print(json, &serde_json::json!({"logged_out": true}), |_| "Logged out.".into());
        }
        Command::Config { command } => match command {
            ConfigCommand::Show => configure(&console, json, vec![]).await?,
            ConfigCommand::SetDomain { domain, yes } => {
                confirm(
                    &format!("Associer {domain} au contrôleur ? / Associate {domain} with the controller?"),
                    yes,
                )?;
                configure(&console, json, vec![ConfigChange::ControllerDomain { domain }]).await?
            }
            ConfigCommand::Activate => {
                configure(&console, json, vec![ConfigChange::ControllerActive { active: true }]).await?
            }
            ConfigCommand::Deactivate => {
                configure(&console, json, vec![ConfigChange::ControllerActive { active: false }]).await?
            }
        },
        Command::Plannings { command } => plannings(&console, json, command).await?,
        Command::Forget { address } => {
            console.forget(&address).await?;
            print(json, &serde_json::json!({"forgotten": address}), |_| {
                format!("Controller {address} forgotten.")
            });
        }
    }
    Ok(())
}

async fn plannings(console: &Console, json: bool, command: PlanningsCommand) -> Result<()> {
    let current = || async { console.configuration().await };
    match command {
        PlanningsCommand::List => {
            let config = console.statuses().await?;
            print(json, &config, describe);
            Ok(())
        }
        PlanningsCommand::Add { name } => configure(console, json, vec![ConfigChange::AddPlanning { name }]).await,
        PlanningsCommand::Rename { planning, name } => {
            let id = planning_ref(&current().await?, &planning)?;
            configure(console, json, vec![ConfigChange::rename(id, name)]).await
        }
        PlanningsCommand::Set {
            planning,
            domain,
            time_zone,
            publication,
            publication_name,
            disable,
            enable,
            yes,
        } => {
            let id = planning_ref(&current().await?, &planning)?;
            if let Some(domain) = &domain {
                confirm(
                    &format!("Associer {domain} au planning ? / Associate {domain} with the planning?"),
                    yes,
                )?;
            }
            // One change: the domain and the settings are applied together or not at all.
            let settings = PlanningChanges {
                name: None,
                domain,
                time_zone,
                web_publication: publication.map(|p| matches!(p, OnOff::On)),
                publication_name,
                disabled: if disable {
                    Some(true)
                } else if enable {
                    Some(false)
                } else {
                    None
                },
            };
            configure(
                console,
                json,
                vec![ConfigChange::ChangePlanning { id, changes: settings }],
            )
            .await
        }
        PlanningsCommand::Remove { planning, yes } => {
            let id = planning_ref(&current().await?, &planning)?;
            confirm(
                &format!("Supprimer le planning {planning} ? / Remove planning {planning}?"),
                yes,
            )?;
            configure(console, json, vec![ConfigChange::RemovePlanning { id }]).await
        }
        PlanningsCommand::Seats {
            planning,
            modification,
            consultation,
        } => {
            let id = planning_ref(&current().await?, &planning)?;
            let allocations = vec![SeatAllocation {
                planning_id: id,
                seats: Seats {
                    modification,
                    consultation,
                },
            }];
            configure(console, json, vec![ConfigChange::Seats { allocations }]).await
        }
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
