//! `planhost-controller`: the controller daemon and the provider's commands.

use clap::{Parser, Subcommand};
use planhost::cli::{fail, init_tracing, print, use_language};
use planhost::controller::{Controller, DEFAULT_PLANNINGS};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "planhost-controller",
    version,
    about = "Planhost controller: daemon and provider commands"
)]
struct Cli {
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a data directory: database, CA, server certificate.
    Init {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        /// Domain name the server certificate is made for (besides localhost).
        #[arg(long)]
        domain: Option<String>,
        /// Ports handed to accounts' controllers and plannings, FIRST-LAST.
        #[arg(long, default_value = "20000-20999")]
        ports: String,
        /// Lifetime of device certificates, in days (consoles renew them 30 days before they expire).
        #[arg(long, default_value_t = planhost::pki::DEVICE_CERT_DAYS)]
        device_cert_days: i64,
    },
    /// Hosting accounts (the provider's side).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Devices (console installations) and their certificates.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Write the provider file consoles are shipped with: name, controller address, CA fingerprint. Put it beside
    /// the console's executable (or in its bundled resources); the console then opens on this controller.
    ProviderFile {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        /// The provider's name, as customers know it.
        #[arg(long)]
        name: String,
        /// The controller's public address, host:port.
        #[arg(long)]
        address: String,
        /// Where customers download the console (https://…), quoted in the welcome messages.
        #[arg(long)]
        download_url: Option<String>,
        /// Where to write the file (it is also kept in the data directory).
        #[arg(long, short, default_value = "provider.json")]
        output: PathBuf,
    },
    /// How long history lines are kept (days, 30 to 3660; 400 unless set).
    HistoryRetention {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        days: i64,
    },
    /// Serve the controller over TLS 1.3 with client certificates.
    Serve {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List devices, of one account when given.
    List {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        hosting_number: Option<String>,
    },
    /// Revoke a device's certificate and end its sessions.
    Revoke {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        device_id: String,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; prints its hosting number, console password and invoice number once.
    Create {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        #[arg(long, default_value_t = DEFAULT_PLANNINGS)]
        plannings: i64,
        /// Also write the three welcome messages (two e-mails, one SMS) into this folder, owner-only.
        #[arg(long)]
        messages: Option<PathBuf>,
    },
    List {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
    },
    /// Set an account's planning quota and simultaneous connections (Modification, Consultation).
    SetLicence {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        hosting_number: String,
        #[arg(long)]
        plannings: i64,
        #[arg(long)]
        modification: u32,
        #[arg(long)]
        consultation: u32,
    },
    /// Give an account a new console password (printed once) and lift its lock-out.
    ResetPassword {
        #[arg(long, env = "PLANHOST_CONTROLLER_DATA")]
        data: PathBuf,
        hosting_number: String,
    },
}

#[tokio::main]
async fn main() {
    init_tracing();
    // The provider's tool answers in English only; its errors follow, so a run never mixes two languages.
    use_language("en");
    planhost::init_crypto();
    let cli = Cli::parse();
    let json = cli.json;
    let result = match cli.command {
        Command::Init {
            data,
            domain,
            ports,
            device_cert_days,
        } => planhost::controller::parse_port_pool(&ports)
            .and_then(|pool| Controller::init(&data, domain.as_deref(), Some(pool)))
            .and_then(|mut c| c.set_device_certificate_days(device_cert_days).map(|()| c))
            .and_then(|c| {
                let fingerprint = c.ca_fingerprint()?;
                let out = serde_json::json!({"data": data, "domain": c.domain(), "ca_fingerprint": fingerprint});
                print(json, &out, |_| {
                    format!(
                        "Controller initialised in {} for {}.\nCA fingerprint: {fingerprint}",
                        data.display(),
                        c.domain()
                    )
                });
                Ok(())
            }),
        Command::Account { command } => account(command, json),
        Command::Device { command } => device(command, json),
        Command::ProviderFile {
            data,
            name,
            address,
            download_url,
            output,
        } => Controller::open(&data)
            .and_then(|c| c.write_provider_file(&name, &address, download_url.as_deref(), Some(&output)))
            .map(|p| {
                print(json, &p, |p| {
                    format!(
                        "Provider file written to {}: {} at {}, CA {}.\nShip it beside the console's executable (or set PLANHOST_PROVIDER to its path).",
                        output.display(),
                        p.name,
                        p.controller,
                        p.ca_fingerprint
                    )
                });
            }),
        Command::HistoryRetention { data, days } => Controller::open(&data)
            .and_then(|mut c| c.set_history_retention_days(days))
            .map(|()| {
                print(json, &serde_json::json!({"history_retention_days": days}), |_| {
                    format!("History lines are kept {days} days.")
                });
            }),
        Command::Serve { data, listen } => serve(data, listen, json).await,
    };
    if let Err(e) = result {
        fail(json, &e);
    }
}

fn device(command: DeviceCommand, json: bool) -> planhost::Result<()> {
    match command {
        DeviceCommand::List { data, hosting_number } => {
            let list = Controller::open(&data)?.list_devices(hosting_number.as_deref())?;
            print(json, &list, |l| {
                l.iter()
                    .map(|d| {
                        let state = d
                            .revoked_at
                            .as_ref()
                            .map_or("valid".to_string(), |at| format!("revoked {at}"));
                        format!(
                            "{}  {}  {:<20}  enrolled {}  expires {}  {state}",
                            d.id, d.hosting_number, d.label, d.enrolled_at, d.certificate_expires_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        DeviceCommand::Revoke { data, device_id } => {
            Controller::open(&data)?.revoke_device(&device_id)?;
            print(json, &serde_json::json!({"revoked": device_id}), |_| {
                format!("Device {device_id} revoked.")
            });
        }
    }
    Ok(())
}

fn account(command: AccountCommand, json: bool) -> planhost::Result<()> {
    match command {
        AccountCommand::Create {
            data,
            plannings,
            messages,
        } => {
            let controller = Controller::open(&data)?;
            let a = controller.create_account(plannings)?;
            let welcome = controller.welcome_messages(&a)?;
            if let Some(dir) = &messages {
                welcome.write(dir, &a.hosting_number)?;
            }
            // The account's fields as before, with the messages beside them.
            let mut shown = serde_json::to_value(&a).map_err(planhost::Error::internal)?;
            shown["messages"] = serde_json::to_value(&welcome).map_err(planhost::Error::internal)?;
            print(json, &shown, |_| {
                format!(
                    "Hosting number:   {}\nConsole password: {}\nInvoice number:   {}\nPlannings:        {}\nController CA:    {}\n(Shown once: send them to the hosting manager now.){}",
                    a.hosting_number,
                    a.console_password,
                    a.invoice_number,
                    a.plannings_quota,
                    a.ca_fingerprint,
                    match &messages {
                        Some(dir) => format!("\nWelcome messages (two e-mails, one SMS) written to {}.", dir.display()),
                        None => String::new(),
                    }
                )
            });
        }
        AccountCommand::List { data } => {
            let list = Controller::open(&data)?.list_accounts()?;
            print(json, &list, |l| {
                l.iter()
                    .map(|a| {
                        format!(
                            "{}  plannings={}  created={}  licence={}  failures={}",
                            a.hosting_number,
                            a.plannings_quota,
                            a.created_at,
                            if a.licence_accepted { "accepted" } else { "pending" },
                            a.failures
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AccountCommand::SetLicence {
            data,
            hosting_number,
            plannings,
            modification,
            consultation,
        } => {
            let seats = planhost::api::Seats {
                modification,
                consultation,
            };
            Controller::open(&data)?.set_licence(&hosting_number, plannings, seats)?;
            print(
                json,
                &serde_json::json!({"hosting_number": hosting_number, "plannings": plannings, "seats": seats}),
                |_| {
                    format!("{hosting_number}: {plannings} plannings, {modification} Modification and {consultation} Consultation connections.")
                },
            );
        }
        AccountCommand::ResetPassword { data, hosting_number } => {
            let password = Controller::open(&data)?.reset_password(&hosting_number)?;
            print(
                json,
                &serde_json::json!({"hosting_number": hosting_number, "console_password": password}),
                |_| format!("New console password: {password}\n(Shown once.)"),
            );
        }
    }
    Ok(())
}

async fn serve(data: PathBuf, listen: SocketAddr, json: bool) -> planhost::Result<()> {
    let controller = Arc::new(Controller::open(&data)?);
    let server = planhost::server::start(controller.clone(), listen).await?;
    // One line that scripts wait for.
    print(
        json,
        &serde_json::json!({"listening": server.addr.to_string(), "domain": controller.domain()}),
        |_| format!("listening on {} ({})", server.addr, controller.domain()),
    );
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(planhost::Error::internal)?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
    server.stop().await;
    Ok(())
}
