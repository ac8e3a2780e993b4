//! Contrôleur pane: the users list and its changes (`planhost users …`).

use crate::configuration::planning_ref;
use crate::{confirm, prompt};
use clap::Subcommand;
use planhost::api::{
    ConsoleScope, FirstSuperadministrator, NewUser, Pane, User, UserChange, UserChanges, UserOutcome, UserQuery,
    UserSort, UserStatus,
};
use planhost::cli::{print, tr};
use planhost::console::Console;
use planhost::{Error, ErrorCode, Result};

#[derive(Subcommand)]
pub enum UsersCommand {
    /// One page of users, searched, sorted and paged by the controller.
    List {
        /// Words that must all appear in the login, names or e-mail (case and accents ignored).
        #[arg(long, default_value = "")]
        search: String,
        #[arg(long, value_enum, default_value = "name")]
        sort: UserSort,
        #[arg(long)]
        descending: bool,
        /// From 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 50)]
        per_page: u32,
    },
    /// Create the account's first superadministrator; its password is read twice from the prompt or stdin.
    Superadmin {
        #[command(flatten)]
        person: Person,
    },
    /// Add a user; its password is generated and printed once.
    Add {
        #[command(flatten)]
        person: Person,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_enum, default_value = "user")]
        status: UserStatus,
        #[arg(long)]
        console_access: bool,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// Change a user's names, e-mail (empty: none), status, console access or its scope.
    Set {
        login: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_enum)]
        status: Option<UserStatus>,
        #[arg(long)]
        console_access: Option<bool>,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    Disable {
        login: String,
        #[arg(long)]
        yes: bool,
    },
    Enable {
        login: String,
    },
    /// A temporary password, printed once, to change at the next login.
    ResetPassword {
        login: String,
        #[arg(long)]
        yes: bool,
    },
    Delete {
        login: String,
        #[arg(long)]
        yes: bool,
    },
    /// Write the CSV template for `users import`, with its instructions (to FILE, or to stdout).
    Template {
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// Import users from a CSV file: every row checked, nothing imported unless all are valid.
    Import {
        file: std::path::PathBuf,
        /// Check only: write nothing.
        #[arg(long)]
        check: bool,
        /// Also write the problems found as a CSV file.
        #[arg(long)]
        errors: Option<std::path::PathBuf>,
        /// Write the generated passwords to this CSV file (owner-only) instead of printing them.
        #[arg(long)]
        passwords: Option<std::path::PathBuf>,
    },
}

/// What an administrator's console access covers. Absent: what its status allows within your own access.
#[derive(clap::Args)]
pub struct ScopeArgs {
    /// The panes it may use, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    panes: Vec<Pane>,
    /// The plannings it may touch (names or numbers, comma-separated); every planning when absent.
    #[arg(long, value_delimiter = ',', requires = "panes")]
    plannings: Vec<String>,
}

impl ScopeArgs {
    async fn scope(self, console: &Console) -> Result<Option<ConsoleScope>> {
        if self.panes.is_empty() {
            return Ok(None);
        }
        let plannings = if self.plannings.is_empty() {
            None
        } else {
            let config = console.configuration().await?;
            Some(
                self.plannings
                    .iter()
                    .map(|p| planning_ref(&config, p))
                    .collect::<Result<Vec<_>>>()?,
            )
        };
        Ok(Some(ConsoleScope {
            panes: self.panes,
            plannings,
        }))
    }
}

/// Who a new user is.
#[derive(clap::Args)]
pub struct Person {
    #[arg(long)]
    login: String,
    #[arg(long)]
    first_name: String,
    #[arg(long)]
    last_name: String,
}

pub fn status_text(s: UserStatus) -> &'static str {
    match s {
        UserStatus::User => tr("user", "utilisateur"),
        UserStatus::Superadministrator => tr("superadministrator", "superadministrateur"),
        UserStatus::BaseAdministrator => tr("base administrator", "administrateur de base"),
    }
}

/// `Contrôleur, Historique — plannings 1, 2`: what a console access covers, in the user's language.
pub fn scope_text(scope: &ConsoleScope) -> String {
    let panes: Vec<&str> = scope.panes.iter().map(|p| tr(p.labels().0, p.labels().1)).collect();
    let plannings = match &scope.plannings {
        None => tr("every planning", "tous les plannings").to_owned(),
        Some(ids) => format!(
            "plannings {}",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
    };
    format!("{} — {plannings}", panes.join(", "))
}

fn line(u: &User) -> String {
    let mut flags = Vec::new();
    if u.console_access {
        flags.push(tr("console", "console"));
    }
    if u.disabled {
        flags.push(tr("disabled", "désactivé"));
    }
    if u.must_change_password {
        flags.push(tr("password to change", "mot de passe à changer"));
    }
    let mut flags: Vec<String> = flags.into_iter().map(str::to_owned).collect();
    if let Some(scope) = &u.scope {
        flags.push(format!("[{}]", scope_text(scope)));
    }
    if let Some(parent) = &u.parent_login {
        flags.push(format!("{} {parent}", tr("created by", "créé par")));
    }
    format!(
        "{:<20} {} {}  {}  {}  {}",
        u.login,
        u.first_name,
        u.last_name,
        status_text(u.status),
        u.email.as_deref().unwrap_or("—"),
        flags.join(", ")
    )
}

/// The user with this login (case ignored), found through the controller's search.
pub async fn find(console: &Console, login: &str) -> Result<User> {
    let query = UserQuery {
        search: login.to_owned(),
        per_page: 200,
        ..UserQuery::default()
    };
    console
        .users(&query)
        .await?
        .users
        .into_iter()
        .find(|u| u.login.to_lowercase() == login.trim().to_lowercase())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("No user with the login '{login}'."),
                format!("Aucun utilisateur d'identifiant « {login} »."),
            )
        })
}

fn outcome_text(o: &UserOutcome, done: &str) -> String {
    let mut text = match &o.user {
        Some(u) => format!("{done}: {}", line(u)),
        None => done.to_owned(),
    };
    if let Some(p) = &o.password {
        text.push_str(&format!(
            "\n{} {p}\n{}",
            tr("Password (shown once):", "Mot de passe (affiché une seule fois) :"),
            tr(
                "It must be changed at the first login.",
                "Il devra être changé à la première connexion."
            )
        ));
    }
    text
}

pub async fn run(console: &Console, json: bool, command: UsersCommand) -> Result<()> {
    let change = match command {
        UsersCommand::Template { output } => return crate::users_import::template(output.as_deref()),
        UsersCommand::Import {
            file,
            check,
            errors,
            passwords,
        } => {
            return crate::users_import::import(console, json, &file, check, errors.as_deref(), passwords.as_deref())
                .await
        }
        UsersCommand::List {
            search,
            sort,
            descending,
            page,
            per_page,
        } => {
            let query = UserQuery {
                search,
                sort,
                descending,
                page: page.checked_sub(1).ok_or_else(|| {
                    Error::invalid("Pages are numbered from 1.", "Les pages sont numérotées à partir de 1.")
                })?,
                per_page,
                ..UserQuery::default()
            };
            let page = console.users(&query).await?;
            print(json, &page, |p| {
                let pages = p.matching.div_ceil(p.per_page).max(1);
                let mut out: Vec<String> = p.users.iter().map(line).collect();
                out.push(match planhost::cli::language() {
                    "fr" => format!(
                        "{} sur {} utilisateurs · page {} sur {pages}",
                        p.matching,
                        p.total,
                        p.page + 1
                    ),
                    _ => format!("{} of {} users · page {} of {pages}", p.matching, p.total, p.page + 1),
                });
                out.join("\n")
            });
            return Ok(());
        }
        UsersCommand::Superadmin { person } => {
            let password = prompt(tr("Password", "Mot de passe"), true)?;
            let confirmation = prompt(tr("Password again", "Mot de passe, à nouveau"), true)?;
            UserChange::FirstSuperadministrator(FirstSuperadministrator {
                login: person.login,
                first_name: person.first_name,
                last_name: person.last_name,
                password,
                confirmation,
            })
        }
        UsersCommand::Add {
            person,
            email,
            status,
            console_access,
            scope,
        } => UserChange::Add(NewUser {
            login: person.login,
            first_name: person.first_name,
            last_name: person.last_name,
            email,
            status,
            console_access,
            scope: scope.scope(console).await?,
        }),
        UsersCommand::Set {
            login,
            first_name,
            last_name,
            email,
            status,
            console_access,
            scope,
        } => UserChange::Change {
            id: find(console, &login).await?.id,
            changes: UserChanges {
                first_name,
                last_name,
                email,
                status,
                console_access,
                scope: scope.scope(console).await?,
            },
        },
        UsersCommand::Disable { login, yes } => {
            let user = find(console, &login).await?;
            confirm(&format!("{} {}?", tr("Disable", "Désactiver"), user.login), yes)?;
            UserChange::Disable {
                id: user.id,
                disabled: true,
            }
        }
        UsersCommand::Enable { login } => UserChange::Disable {
            id: find(console, &login).await?.id,
            disabled: false,
        },
        UsersCommand::ResetPassword { login, yes } => {
            let user = find(console, &login).await?;
            let question = format!(
                "{} {}?",
                tr("Give a new password to", "Donner un nouveau mot de passe à"),
                user.login
            );
            confirm(&question, yes)?;
            UserChange::ResetPassword { id: user.id }
        }
        UsersCommand::Delete { login, yes } => {
            let user = find(console, &login).await?;
            confirm(&format!("{} {}?", tr("Delete", "Supprimer"), user.login), yes)?;
            UserChange::Delete { id: user.id }
        }
    };
    let outcome = console.change_users(&change).await?;
    print(json, &outcome, |o| outcome_text(o, tr("Done", "Fait")));
    Ok(())
}
