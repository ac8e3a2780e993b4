//! `planhost`: the hosting console on the command line, over the same core as the desktop app.

use clap::{Parser, Subcommand};
use planhost::cli::{fail, init_tracing, print};
use planhost::console::{default_config_dir, Console};
use planhost::{Error, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "planhost",
    version,
    about = "Planhost hosting console (command line)"
)]
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
        #[arg(long)]
        hosting_number: Option<String>,
        #[arg(long)]
        controller: Option<String>,
    },
    /// First connection from this machine: install its certificate with the invoice number.
    Enroll {
        #[arg(long)]
        invoice: String,
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
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(read_err)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn controller_of(console: &Console, given: Option<String>) -> Result<String> {
    given
        .or_else(|| console.config().current.clone())
        .ok_or_else(|| {
            Error::invalid(
            "No controller chosen: run `planhost connect HOST:PORT` or pass --controller.",
            "Aucun contrôleur choisi : lancez `planhost connect HOTE:PORT` ou passez --controller.",
        )
        })
}

fn hosting_of(console: &Console, given: Option<String>) -> Result<String> {
    match given {
        Some(h) => Ok(h),
        None if !std::io::stdin().is_terminal() => {
            console.config().last_hosting_number.clone().ok_or_else(|| {
                Error::invalid("Pass --hosting-number.", "Indiquez --hosting-number.")
            })
        }
        None => prompt("Numéro d'hébergement / hosting number", false),
    }
}

async fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    let mut console = Console::open(&cli.config_dir.unwrap_or_else(default_config_dir))?;
    match cli.command {
        Command::Connect { address } => {
            let key = console.select_controller(&address)?;
            print(json, &serde_json::json!({"controller": key}), |_| {
                format!("Controller: {key}")
            });
        }
        Command::Login {
            hosting_number,
            controller,
        } => {
            let controller = controller_of(&console, controller)?;
            let hosting = hosting_of(&console, hosting_number)?;
            let password = prompt("Mot de passe de la console / console password", true)?;
            let s = console.login(&controller, &hosting, &password).await?;
            print(json, &s, |s| {
                format!(
                    "Logged in to {} as hosting manager of {} until {}.{}",
                    s.controller_address,
                    s.hosting_number,
                    s.expires_at,
                    if s.licence_accepted {
                        ""
                    } else {
                        "\nThe licence agreement is not accepted yet: `planhost licence`."
                    }
                )
            });
        }
        Command::Enroll {
            invoice,
            hosting_number,
            controller,
        } => {
            let controller = controller_of(&console, controller)?;
            let hosting = hosting_of(&console, hosting_number)?;
            let password = prompt("Mot de passe de la console / console password", true)?;
            let r = console
                .enrol(&controller, &hosting, &password, &invoice)
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
            print(json, &serde_json::json!({"logged_out": true}), |_| {
                "Logged out.".into()
            });
        }
        Command::Forget { address } => {
            console.forget(&address).await?;
            print(json, &serde_json::json!({"forgotten": address}), |_| {
                format!("Controller {address} forgotten.")
            });
        }
    }
    Ok(())
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
