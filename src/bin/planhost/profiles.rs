//! Contrôleur pane: a planning's profiles (`planhost profiles …`) and the assignment of users to them
//! (`planhost assign …`).

use crate::configuration::planning_ref;
use crate::confirm;
use crate::users::find;
use clap::{Args, Subcommand};
use planhost::api::{Authorisation, NewProfile, PlanningProfiles, Profile, ProfileChange, ProfileKind, UserQuery};
use planhost::cli::{print, tr};
use planhost::console::Console;
use planhost::{Error, ErrorCode, Result};

#[derive(Subcommand)]
pub enum ProfilesCommand {
    /// A planning's profiles with their authorisations and how many users each has.
    List {
        #[arg(long)]
        planning: String,
    },
    /// The authorisations profiles are built from.
    Catalogue,
    /// The users assigned to a profile.
    Users {
        #[command(flatten)]
        profile: ProfileRef,
    },
    /// A custom profile of the modification or consultation kind.
    Create {
        #[command(flatten)]
        profile: ProfileRef,
        #[arg(long, value_enum)]
        kind: ProfileKind,
        /// Comma-separated, from `planhost profiles catalogue`.
        #[arg(long, value_delimiter = ',', required = true, value_parser = authorisation)]
        authorisations: Vec<Authorisation>,
    },
    /// Rename a custom profile or set a profile's authorisations.
    Set {
        #[command(flatten)]
        profile: ProfileRef,
        #[arg(long)]
        rename: Option<String>,
        #[arg(long, value_delimiter = ',', value_parser = authorisation)]
        authorisations: Option<Vec<Authorisation>>,
    },
    /// Delete a custom profile and its assignments.
    Delete {
        #[command(flatten)]
        profile: ProfileRef,
        #[arg(long)]
        yes: bool,
    },
}

/// A profile named within its planning.
#[derive(Args)]
pub struct ProfileRef {
    /// The planning's name or number.
    #[arg(long)]
    planning: String,
    /// The profile's name.
    #[arg(long = "profile")]
    name: String,
}

/// `planhost assign --planning P --profile NAME LOGIN…`, or with `--remove`.
#[derive(Args)]
pub struct AssignArgs {
    #[command(flatten)]
    profile: ProfileRef,
    /// Take these users out of the profile instead.
    #[arg(long)]
    remove: bool,
    #[arg(required = true)]
    logins: Vec<String>,
}

fn authorisation(s: &str) -> std::result::Result<Authorisation, String> {
    Authorisation::parse(s.trim()).map_err(|e| tr(&e.message, &e.message_fr).to_owned())
}

fn kind_text(k: ProfileKind) -> &'static str {
    match k {
        ProfileKind::Administration => tr("administration", "administration"),
        ProfileKind::Modification => tr("modification", "modification"),
        ProfileKind::Consultation => tr("consultation", "consultation"),
    }
}

fn label(a: Authorisation) -> &'static str {
    let (en, fr) = a.labels();
    tr(en, fr)
}

fn profile_line(p: &Profile) -> String {
    let users = match planhost::cli::language() {
        "fr" => format!("{} affecté(s)", p.assigned),
        _ => format!("{} assigned", p.assigned),
    };
    let builtin = if p.builtin {
        tr(" (built-in)", " (prédéfini)")
    } else {
        ""
    };
    let list: Vec<&str> = p.authorisations.iter().map(|a| label(*a)).collect();
    format!(
        "{}{builtin} · {} · {users}\n    {}",
        p.name,
        kind_text(p.kind),
        list.join(" · ")
    )
}

async fn planning_profiles(console: &Console, planning: &str) -> Result<PlanningProfiles> {
    let id = planning_ref(&console.configuration().await?, planning)?;
    console.profiles(id).await
}

async fn find_profile(console: &Console, r: &ProfileRef) -> Result<Profile> {
    let all = planning_profiles(console, &r.planning).await?;
    all.profiles
        .into_iter()
        .find(|p| p.name.to_lowercase() == r.name.trim().to_lowercase())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("No profile '{}' in {}.", r.name, all.planning_name),
                format!("Aucun profil « {} » dans {}.", r.name, all.planning_name),
            )
        })
}

pub async fn run(console: &Console, json: bool, command: ProfilesCommand) -> Result<()> {
    // The planning of the profile a change names (a new profile names its planning itself).
    let mut planning_of = None;
    let change = match command {
        ProfilesCommand::List { planning } => {
            let all = planning_profiles(console, &planning).await?;
            print(json, &all, |a| {
                a.profiles.iter().map(profile_line).collect::<Vec<_>>().join("\n")
            });
            return Ok(());
        }
        ProfilesCommand::Catalogue => {
            let catalogue = Authorisation::catalogue();
            print(json, &catalogue, |c| {
                c.iter()
                    .map(|a| format!("{:<22} {:<14} {}", a.id.as_str(), kind_text(a.kind), label(a.id)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            return Ok(());
        }
        ProfilesCommand::Users { profile } => {
            let p = find_profile(console, &profile).await?;
            let mut users = Vec::new();
            for page in 0.. {
                let query = UserQuery {
                    page,
                    per_page: 200,
                    assigned_to: Some(p.id),
                    ..UserQuery::default()
                };
                let got = console.users(&query).await?;
                let done = (page + 1) * got.per_page >= got.matching;
                users.extend(got.users);
                if done {
                    break;
                }
            }
            print(json, &users, |u| {
                u.iter()
                    .map(|u| format!("{:<20} {} {}", u.login, u.first_name, u.last_name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            return Ok(());
        }
        ProfilesCommand::Create {
            profile,
            kind,
            authorisations,
        } => ProfileChange::Create(NewProfile {
            planning_id: planning_ref(&console.configuration().await?, &profile.planning)?,
            name: profile.name,
            kind,
            authorisations,
        }),
        ProfilesCommand::Set {
            profile,
            rename,
            authorisations,
        } => {
            let p = find_profile(console, &profile).await?;
            planning_of = Some(p.planning_id);
            ProfileChange::Change {
                id: p.id,
                name: rename,
                authorisations,
            }
        }
        ProfilesCommand::Delete { profile, yes } => {
            let p = find_profile(console, &profile).await?;
            planning_of = Some(p.planning_id);
            let question = match planhost::cli::language() {
                "fr" => format!("Supprimer le profil {} et ses {} affectation(s) ?", p.name, p.assigned),
                _ => format!("Delete the profile {} and its {} assignment(s)?", p.name, p.assigned),
            };
            confirm(&question, yes)?;
            ProfileChange::Delete { id: p.id }
        }
    };
    let planning = match &change {
        ProfileChange::Create(new) => new.planning_id,
        _ => planning_of.unwrap_or_default(),
    };
    let outcome = console.change_profiles(planning, &change).await?;
    print(json, &outcome, |o| match &o.profile {
        Some(p) => profile_line(p),
        None => tr("Deleted.", "Supprimé.").to_owned(),
    });
    Ok(())
}

pub async fn assign(console: &Console, json: bool, args: AssignArgs) -> Result<()> {
    let p = find_profile(console, &args.profile).await?;
    let mut user_ids = Vec::with_capacity(args.logins.len());
    for login in &args.logins {
        user_ids.push(find(console, login).await?.id);
    }
    let change = if args.remove {
        ProfileChange::Unassign {
            profile_id: p.id,
            user_ids,
        }
    } else {
        ProfileChange::Assign {
            profile_id: p.id,
            user_ids,
        }
    };
    let outcome = console.change_profiles(p.planning_id, &change).await?;
    print(json, &outcome, |o| {
        o.profile.as_ref().map(profile_line).unwrap_or_default()
    });
    Ok(())
}
