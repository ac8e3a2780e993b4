//! Connexion: the controller, enrolment, login, session, licence and logout.

use crate::prompt;
use clap::Subcommand;
use planhost::api::PasswordChange;
use planhost::cli::{language, print, tr};
use planhost::console::{Console, Holder, SessionInfo};
use planhost::{Error, ErrorCode, Result};
use std::io::IsTerminal;

#[derive(Subcommand)]
pub enum Command {
    /// Choose the controller to work with (host:port).
    Connect { address: String },
    /// Log in as the hosting manager, or with `--user` as a superadministrator or base administrator. The password
    /// is read from stdin when it is not a terminal. An administrator's first connection from this machine asks the
    /// invoice number next (the next line of stdin), and a given password is replaced at once by one it chooses
    /// (typed twice).
    Login {
        /// An administrator's login (with console access).
        #[arg(long)]
        user: Option<String>,
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
        /// An administrator's login: installs its own certificate.
        #[arg(long)]
        user: Option<String>,
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
        None => prompt(tr("Hosting number", "Numéro d'hébergement"), false),
    }
}

fn password(user: Option<&str>) -> Result<String> {
    match user {
        None => prompt(tr("Console password", "Mot de passe de la console"), true),
        Some(_) => prompt(tr("Password", "Mot de passe"), true),
    }
}

/// An administrator's login: the invoice number on this machine's first connection for it, then its own password
/// when the one it was given must be replaced.
async fn login_administrator(
    console: &Console,
    controller: &str,
    holder: &Holder,
    ca_fingerprint: Option<&str>,
) -> Result<SessionInfo> {
    let password = password(holder.login.as_deref())?;
    let session = match console.login_as(controller, holder, &password, ca_fingerprint).await {
        Err(e) if e.code == ErrorCode::EnrolmentRequired => {
            eprintln!("{}", tr(&e.message, &e.message_fr));
            let invoice = prompt(tr("Invoice number", "Numéro de facture"), true)?;
            console
                .enrol_as(controller, holder, &password, &invoice, ca_fingerprint)
                .await?;
            console.login_as(controller, holder, &password, None).await?
        }
        other => other?,
    };
    if !session.must_change_password {
        return Ok(session);
    }
    eprintln!(
        "{}",
        tr(
            "The password you were given works only once: choose yours (12 characters or more).",
            "Le mot de passe qui vous a été donné ne sert qu'une fois : choisissez le vôtre (12 caractères ou plus).",
        )
    );
    let new = prompt(tr("New password", "Nouveau mot de passe"), true)?;
    let confirmation = prompt(tr("New password again", "Nouveau mot de passe, encore"), true)?;
    console
        .change_own_password(&PasswordChange {
            current: password,
            password: new,
            confirmation,
        })
        .await?;
    Ok(SessionInfo {
        must_change_password: false,
        ..session
    })
}

pub async fn run(console: &Console, json: bool, command: Command) -> Result<()> {
    let fr = language() == "fr";
    match command {
        Command::Connect { address } => {
            let key = console.select_controller(&address)?;
            print(json, &serde_json::json!({"controller": key}), |_| {
                format!("{} {key}", tr("Controller:", "Contrôleur :"))
            });
        }
        Command::Login {
            user,
            ca_fingerprint,
            hosting_number,
            controller,
        } => {
            let controller = controller_of(console, controller)?;
            let hosting = hosting_of(console, hosting_number)?;
            let holder = Holder::parse(&hosting, user.as_deref())?;
            let s = match holder.login {
                Some(_) => login_administrator(console, &controller, &holder, ca_fingerprint.as_deref()).await?,
                None => {
                    let password = password(None)?;
                    console
                        .login(&controller, &hosting, &password, ca_fingerprint.as_deref())
                        .await?
                }
            };
            print(json, &s, |s| {
                let mut out = match (&s.login, fr) {
                    (None, true) => format!(
                        "Connecté à {} en tant que responsable de l'hébergement {} jusqu'au {}.",
                        s.controller_address, s.hosting_number, s.expires_at
                    ),
                    (None, false) => format!(
                        "Logged in to {} as hosting manager of {} until {}.",
                        s.controller_address, s.hosting_number, s.expires_at
                    ),
                    (Some(login), true) => format!(
                        "Connecté à {} en tant que {login} (hébergement {}) jusqu'au {}.",
                        s.controller_address, s.hosting_number, s.expires_at
                    ),
                    (Some(login), false) => format!(
                        "Logged in to {} as {login} (hosting {}) until {}.",
                        s.controller_address, s.hosting_number, s.expires_at
                    ),
                };
                if s.certificate_renewed {
                    out += tr(
                        "\nThis machine's certificate was renewed.",
                        "\nLe certificat de ce poste a été renouvelé.",
                    );
                }
                if !s.licence_accepted {
                    out += tr(
                        "\nThe licence agreement is not accepted yet: `planhost licence`.",
                        "\nLe contrat de licence n'est pas encore accepté : `planhost licence`.",
                    );
                }
                out
            });
        }
        Command::Enroll {
            user,
            ca_fingerprint,
            hosting_number,
            controller,
        } => {
            let controller = controller_of(console, controller)?;
            let hosting = hosting_of(console, hosting_number)?;
            let holder = Holder::parse(&hosting, user.as_deref())?;
            let password = password(holder.login.as_deref())?;
            let invoice = prompt(tr("Invoice number", "Numéro de facture"), true)?;
            let r = console
                .enrol_as(&controller, &holder, &password, &invoice, ca_fingerprint.as_deref())
                .await?;
            print(json, &r, |r| {
                let (title, device, fingerprint, until, ca) = if fr {
                    (
                        "Certificat installé pour",
                        "Poste :",
                        "Empreinte :",
                        "Valable jusqu'au :",
                        "AC du contrôleur :",
                    )
                } else {
                    (
                        "Certificate installed for",
                        "Device:",
                        "Fingerprint:",
                        "Valid until:",
                        "Controller CA:",
                    )
                };
                format!(
                    "{title} {} {} {}.\n{device} {}\n{fingerprint} {}\n{until} {}\n{ca} {}",
                    r.hosting_number,
                    tr("on", "sur"),
                    r.controller,
                    r.device_id,
                    r.certificate_fingerprint,
                    r.certificate_not_after,
                    r.ca_fingerprint
                )
            });
        }
        Command::Whoami => {
            let w = console.whoami().await?;
            print(json, &w, |w| {
                let who = match &w.login {
                    Some(login) => format!("{} {login}", w.actor),
                    None => w.actor.clone(),
                };
                let scope = crate::users::scope_text(&w.scope);
                if fr {
                    format!(
                        "{} ({who}) sur le poste {}, session jusqu'au {}\nVolets : {scope}",
                        w.hosting_number, w.device_id, w.session_expires_at
                    )
                } else {
                    format!(
                        "{} ({who}) on device {}, session until {}\nPanes: {scope}",
                        w.hosting_number, w.device_id, w.session_expires_at
                    )
                }
            });
        }
        Command::Info => {
            let i = console.info().await?;
            print(json, &i, |i| {
                let labels: [&str; 7] = if fr {
                    [
                        "Contrôleur :",
                        "Hébergement :",
                        "Plannings :",
                        "Poste :",
                        "Certificat :",
                        "Expire le :",
                        "AC :",
                    ]
                } else {
                    [
                        "Controller:",
                        "Hosting:",
                        "Plannings:",
                        "Device:",
                        "Certificate:",
                        "Expires:",
                        "CA:",
                    ]
                };
                let values = [
                    format!("{} ({})", i.controller_address, i.account.controller_domain),
                    i.hosting_number.clone(),
                    i.account.plannings_quota.to_string(),
                    i.device_id.clone(),
                    i.certificate.fingerprint_sha256.clone(),
                    i.certificate.not_after.clone(),
                    i.ca_fingerprint.clone(),
                ];
                let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 1;
                labels
                    .iter()
                    .zip(values)
                    .map(|(l, v)| format!("{l:<width$}{v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Licence { accept } => {
            let mut l = console.licence().await?;
            if accept {
                l = console.accept_licence(l.version).await?;
            }
            print(json, &l, |l| match &l.accepted_at {
                Some(at) if fr => format!("Licence version {} acceptée le {at}.", l.version),
                Some(at) => format!("Licence version {} accepted on {at}.", l.version),
                None => format!(
                    "{}\n\n{}",
                    tr(&l.text_en, &l.text_fr),
                    tr(
                        "Run `planhost licence --accept` to accept it.",
                        "Lancez `planhost licence --accept` pour l'accepter."
                    )
                ),
            });
        }
        Command::Logout => {
            console.logout().await?;
            print(json, &serde_json::json!({"logged_out": true}), |_| {
                tr("Logged out.", "Déconnecté.").into()
            });
        }
        Command::Forget { address } => {
            console.forget(&address).await?;
            print(json, &serde_json::json!({"forgotten": address}), |_| {
                if fr {
                    format!("Contrôleur {address} oublié.")
                } else {
                    format!("Controller {address} forgotten.")
                }
            });
        }
    }
    Ok(())
}
