//! Requests and responses of the controller API (`/api/v1/…`). The same structs are used by the server, the client
//! and, through ts-rs, the TypeScript front-end.

mod access;
mod bases;
mod imports;
mod prepare;
mod profiles;
mod profils;
mod users;
pub use access::*;
pub use bases::*;
pub use imports::*;
pub use prepare::*;
pub use profiles::*;
pub use profils::*;
pub use users::*;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const API_PREFIX: &str = "/api/v1";

/// First connection from a device: the only call allowed without a client certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub hosting_number: String,
    /// An administrator's login; absent for the hosting manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// The console password, or the administrator's own.
    pub password: String,
    pub invoice_number: String,
    pub csr_pem: String,
    /// A name for the device in the controller's list (host name of the machine).
    pub device_label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device_id: String,
    pub certificate_pem: String,
    pub ca_pem: String,
}

/// A new certificate for the device, before the current one expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewRequest {
    pub csr_pem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewResponse {
    pub certificate_pem: String,
}

/// The first step of a first connection: the password is checked before the invoice number is asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordCheck {
    pub hosting_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub hosting_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: String,
    pub licence_accepted: bool,
    /// The password was given (generated): nothing but choosing a new one is allowed until then.
    #[serde(default)]
    pub must_change_password: bool,
}

/// Who the session is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WhoAmI {
    pub hosting_number: String,
    /// `hosting_manager`, `superadministrator` or `base_administrator`.
    pub actor: String,
    /// The administrator's login; none for the hosting manager.
    pub login: Option<String>,
    /// The panes and plannings this session may use.
    pub scope: ConsoleScope,
    /// The plannings of the account it reaches, by name (every one for the hosting manager).
    pub plannings: Vec<PlanningName>,
    pub must_change_password: bool,
    pub device_id: String,
    pub session_expires_at: String,
    pub licence_accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanningName {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
}

/// The licence agreement, in both languages, and whether this account accepted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Licence {
    #[ts(type = "number")]
    pub version: i64,
    pub text_fr: String,
    pub text_en: String,
    pub accepted_at: Option<String>,
    pub accepted_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AcceptLicenceRequest {
    pub version: i64,
}

/// The account as the controller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccountInfo {
    pub hosting_number: String,
    #[ts(type = "number")]
    pub plannings_quota: i64,
    pub controller_domain: String,
    pub licence_accepted_at: Option<String>,
}

/// Where a timetable client connects: a domain name and a port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Coordinates {
    pub domain: String,
    pub port: u16,
}

/// The account's controller: its coordinates (once a domain is set) and whether it is active.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ControllerSettings {
    pub coordinates: Option<Coordinates>,
    pub active: bool,
}

/// A planning's state, computed by the controller from real checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PlanningStatus {
    /// Its base is in service and its server answers.
    Online,
    /// Its base is in service but its server does not answer.
    Offline,
    /// Configured, no base in service yet.
    NoBase,
    /// Switched off by the hosting manager.
    Disabled,
    /// Beyond the account's planning quota or its licence seats.
    Limited,
}

impl PlanningStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanningStatus::Online => "online",
            PlanningStatus::Offline => "offline",
            PlanningStatus::NoBase => "no_base",
            PlanningStatus::Disabled => "disabled",
            PlanningStatus::Limited => "limited",
        }
    }
    /// An unknown value is an error, never read as some default status.
    pub fn parse(s: &str) -> crate::Result<PlanningStatus> {
        match s {
            "online" => Ok(PlanningStatus::Online),
            "offline" => Ok(PlanningStatus::Offline),
            "no_base" => Ok(PlanningStatus::NoBase),
            "disabled" => Ok(PlanningStatus::Disabled),
            "limited" => Ok(PlanningStatus::Limited),
            other => Err(crate::Error::storage(format!("unknown planning status '{other}'"))),
        }
    }
}

/// Simultaneous connections: Modification (editing) and Consultation (read-only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Seats {
    pub modification: u32,
    pub consultation: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Planning {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub coordinates: Option<Coordinates>,
    /// IANA name, e.g. Europe/Paris.
    pub time_zone: String,
    pub web_publication: bool,
    /// The name users see; the planning's name unless set.
    pub publication_name: String,
    pub disabled: bool,
    pub seats: Seats,
    pub status: PlanningStatus,
    /// RFC 3339: when the status last changed.
    pub status_changed_at: String,
    /// The base in service, if any.
    pub base: Option<String>,
}

/// The licence's seats, what the plannings hold, and what is left to share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SeatsSummary {
    pub licence: Seats,
    pub allocated: Seats,
    pub left: Seats,
}

/// Everything the Configuration pane shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Configuration {
    pub controller: ControllerSettings,
    pub plannings: Vec<Planning>,
    #[ts(type = "number")]
    pub plannings_quota: i64,
    pub seats: SeatsSummary,
}

/// Changes to a planning, applied together or not at all; fields left out stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanningChanges {
    #[ts(optional)]
    pub name: Option<String>,
    /// The first domain gets a port from the controller's pool; the port stays when the domain changes.
    #[ts(optional)]
    pub domain: Option<String>,
    #[ts(optional)]
    pub time_zone: Option<String>,
    #[ts(optional)]
    pub web_publication: Option<bool>,
    /// Empty resets it to the planning's name.
    #[ts(optional)]
    pub publication_name: Option<String>,
    #[ts(optional)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SeatAllocation {
    #[ts(type = "number")]
    pub planning_id: i64,
    pub seats: Seats,
}

/// What an active controller answers on its coordinates: the plannings a timetable client can reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    pub controller: Coordinates,
    pub plannings: Vec<DirectoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub name: String,
    pub publication_name: String,
    pub coordinates: Coordinates,
    pub time_zone: String,
    pub web_publication: bool,
}

/// One change to the account's configuration, applied whole or not at all. The app, the CLI and the tests all send
/// these through `ControllerClient::apply` to one route, where `Controller::apply` carries them out.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ConfigChange {
    ControllerDomain {
        domain: String,
    },
    ControllerActive {
        active: bool,
    },
    AddPlanning {
        #[ts(optional)]
        name: Option<String>,
    },
    ChangePlanning {
        #[ts(type = "number")]
        id: i64,
        changes: PlanningChanges,
    },
    RemovePlanning {
        #[ts(type = "number")]
        id: i64,
    },
    Seats {
        allocations: Vec<SeatAllocation>,
    },
}

impl ConfigChange {
    /// Whether the change can move a planning to or from Disabled or Limited (its status is then checked at once).
    pub fn changes_statuses(&self) -> bool {
        match self {
            ConfigChange::ChangePlanning { changes, .. } => changes.disabled.is_some(),
            ConfigChange::Seats { .. } | ConfigChange::RemovePlanning { .. } => true,
            _ => false,
        }
    }

    pub fn rename(id: i64, name: impl Into<String>) -> ConfigChange {
        ConfigChange::ChangePlanning {
            id,
            changes: PlanningChanges {
                name: Some(name.into()),
                ..PlanningChanges::default()
            },
        }
    }

    pub fn planning_domain(id: i64, domain: impl Into<String>) -> ConfigChange {
        ConfigChange::ChangePlanning {
            id,
            changes: PlanningChanges {
                domain: Some(domain.into()),
                ..PlanningChanges::default()
            },
        }
    }
}
