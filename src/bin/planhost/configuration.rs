//! Configuration: the controller's domain and activation, the plannings, their settings and seats.

use crate::confirm;
use clap::Subcommand;
use planhost::api::{ConfigChange, Configuration, PlanningChanges, PlanningStatus, SeatAllocation, Seats};
use planhost::cli::{language, print, tr};
use planhost::console::Console;
use planhost::{Error, ErrorCode, Result};

#[derive(Subcommand)]
pub enum ConfigCommand {
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
pub enum PlanningsCommand {
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
pub enum OnOff {
    On,
    Off,
}

pub fn planning_ref(config: &Configuration, given: &str) -> Result<i64> {
    config
        .plannings
        .iter()
        .find(|p| p.id.to_string() == given || p.name.eq_ignore_ascii_case(given))
        .map(|p| p.id)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("No planning '{given}' (give its name or its number)."),
                format!("Aucun planning « {given} » (indiquez son nom ou son numéro)."),
            )
        })
}

fn status_label(status: PlanningStatus) -> &'static str {
    match status {
        PlanningStatus::Online => tr("online", "en ligne"),
        PlanningStatus::Offline => tr("offline", "hors ligne"),
        PlanningStatus::NoBase => tr("no base", "pas de base"),
        PlanningStatus::Disabled => tr("disabled", "désactivé"),
        PlanningStatus::Limited => tr("limited", "limité"),
    }
}

fn describe(config: &Configuration) -> String {
    let fr = language() == "fr";
    let c = &config.controller;
    let mut out = match &c.coordinates {
        Some(k) => format!(
            "{} {}:{} ({})\n",
            tr("Controller:", "Contrôleur :"),
            k.domain,
            k.port,
            if c.active {
                tr("active", "actif")
            } else {
                tr("not active", "non actif")
            }
        ),
        None => tr(
            "Controller: no domain name yet\n",
            "Contrôleur : pas encore de nom de domaine\n",
        )
        .to_string(),
    };
    let (count, quota) = (config.plannings.len(), config.plannings_quota);
    out += &if fr {
        format!("Plannings ({count} sur {quota}) :\n")
    } else {
        format!("Plannings ({count} of {quota}):\n")
    };
    for p in &config.plannings {
        let coords = p
            .coordinates
            .as_ref()
            .map(|k| format!("{}:{}", k.domain, k.port))
            .unwrap_or_else(|| "—".into());
        out += &format!(
            "  {:>3}  {:<20} {:<11} {:<28} {:<18} web {:<3}  {}M/{}C  {} {}\n",
            p.id,
            p.name,
            status_label(p.status),
            coords,
            p.time_zone,
            if p.web_publication {
                tr("on", "oui")
            } else {
                tr("off", "non")
            },
            p.seats.modification,
            p.seats.consultation,
            tr("since", "depuis"),
            p.status_changed_at
        );
    }
    let s = &config.seats;
    out + &if fr {
        format!(
            "Connexions restantes : {} Modification sur {}, {} Consultation sur {}",
            s.left.modification, s.licence.modification, s.left.consultation, s.licence.consultation
        )
    } else {
        format!(
            "Connections left: {} Modification of {}, {} Consultation of {}",
            s.left.modification, s.licence.modification, s.left.consultation, s.licence.consultation
        )
    }
}

/// Applies one change (all or nothing on the controller) and prints the configuration it leaves.
async fn configure(console: &Console, json: bool, change: Option<ConfigChange>) -> Result<()> {
    let config = match change {
        Some(change) => console.apply(&change).await?,
        None => console.configuration().await?,
    };
    print(json, &config, describe);
    Ok(())
}

pub async fn config(console: &Console, json: bool, command: ConfigCommand) -> Result<()> {
    let change = match command {
        ConfigCommand::Show => None,
        ConfigCommand::SetDomain { domain, yes } => {
            confirm(
                &if language() == "fr" {
                    format!("Associer {domain} au contrôleur ?")
                } else {
                    format!("Associate {domain} with the controller?")
                },
                yes,
            )?;
            Some(ConfigChange::ControllerDomain { domain })
        }
        ConfigCommand::Activate => Some(ConfigChange::ControllerActive { active: true }),
        ConfigCommand::Deactivate => Some(ConfigChange::ControllerActive { active: false }),
    };
    configure(console, json, change).await
}

pub async fn plannings(console: &Console, json: bool, command: PlanningsCommand) -> Result<()> {
    let fr = language() == "fr";
    let find = |given: String| async move { planning_ref(&console.configuration().await?, &given) };
    let change = match command {
        PlanningsCommand::List => {
            let config = console.statuses().await?;
            print(json, &config, describe);
            return Ok(());
        }
        PlanningsCommand::Add { name } => ConfigChange::AddPlanning { name },
        PlanningsCommand::Rename { planning, name } => ConfigChange::rename(find(planning).await?, name),
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
            let id = find(planning).await?;
            if let Some(domain) = &domain {
                confirm(
                    &if fr {
                        format!("Associer {domain} au planning ?")
                    } else {
                        format!("Associate {domain} with the planning?")
                    },
                    yes,
                )?;
            }
            // One change: the domain and the settings are applied together or not at all.
            let changes = PlanningChanges {
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
            ConfigChange::ChangePlanning { id, changes }
        }
        PlanningsCommand::Remove { planning, yes } => {
            let question = if fr {
                format!("Supprimer le planning {planning} ?")
            } else {
                format!("Remove planning {planning}?")
            };
            let id = find(planning).await?;
            confirm(&question, yes)?;
            ConfigChange::RemovePlanning { id }
        }
        PlanningsCommand::Seats {
            planning,
            modification,
            consultation,
        } => {
            let allocations = vec![SeatAllocation {
                planning_id: find(planning).await?,
                seats: Seats {
                    modification,
                    consultation,
                },
            }];
            ConfigChange::Seats { allocations }
        }
    };
    configure(console, json, Some(change)).await
}
