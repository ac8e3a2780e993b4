//! Requests and responses of the controller API (`/api/v1/…`). The same structs are used by the server, the client
//! and, through ts-rs, the TypeScript front-end.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const API_PREFIX: &str = "/api/v1";

/// First connection from a device: the only call allowed without a client certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub hosting_number: String,
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub hosting_number: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: String,
    pub licence_accepted: bool,
}

/// Who the session is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WhoAmI {
    pub hosting_number: String,
    /// `hosting_manager` for now; administrators come with users.
    pub actor: String,
    pub device_id: String,
    pub session_expires_at: String,
    pub licence_accepted: bool,
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
