//! The Contrôleur pane's users: the list (searched, sorted and paged by the controller) and the changes to it.

use super::ConsoleScope;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UserStatus {
    /// Connects to the plannings it is assigned to.
    User,
    /// Every right on every planning; can be given console access.
    Superadministrator,
    /// Administers the bases; can be given console access.
    BaseAdministrator,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::User => "user",
            UserStatus::Superadministrator => "superadministrator",
            UserStatus::BaseAdministrator => "base_administrator",
        }
    }
    /// An unknown value is an error, never read as some default status.
    pub fn parse(s: &str) -> crate::Result<UserStatus> {
        match s {
            "user" => Ok(UserStatus::User),
            "superadministrator" => Ok(UserStatus::Superadministrator),
            "base_administrator" => Ok(UserStatus::BaseAdministrator),
            other => Err(crate::Error::invalid(
                format!("'{other}' is not a status: user, superadministrator or base_administrator."),
                format!("« {other} » n'est pas un statut : user, superadministrator ou base_administrator."),
            )),
        }
    }
    pub fn is_administrator(self) -> bool {
        self != UserStatus::User
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct User {
    #[ts(type = "number")]
    pub id: i64,
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub status: UserStatus,
    /// May log in to the hosting console (needs an e-mail and an administrator status).
    pub console_access: bool,
    pub disabled: bool,
    /// Logs in next with a password given to it, and must choose its own.
    pub must_change_password: bool,
    /// What its console access covers (with console access only).
    pub scope: Option<ConsoleScope>,
    /// The administrator who created it ("utilisateur parent"); none when the hosting manager did.
    #[ts(type = "number | null")]
    pub parent_id: Option<i64>,
    pub parent_login: Option<String>,
    /// Users it created ("utilisateurs enfants").
    pub children: u32,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UserSort {
    /// Last name, then first name.
    #[default]
    Name,
    Login,
    Status,
    Created,
}

/// One page of the users list. The controller searches, sorts and pages: the console never loads every user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UserQuery {
    /// Words that must all appear in the login, names or e-mail (case and accents ignored).
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub sort: UserSort,
    #[serde(default)]
    pub descending: bool,
    /// From 0.
    #[serde(default)]
    pub page: u32,
    /// 1 to 200; 50 when absent.
    #[serde(default = "default_per_page")]
    pub per_page: u32,
    /// Only the users assigned to this profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub assigned_to: Option<i64>,
    /// Only the users this profile can take: no profile yet in its planning (and an administrator status for
    /// Administration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub assignable_to: Option<i64>,
    /// Only the users this one created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub children_of: Option<i64>,
}

fn default_per_page() -> u32 {
    50
}

impl Default for UserQuery {
    fn default() -> Self {
        UserQuery {
            search: String::new(),
            sort: UserSort::Name,
            descending: false,
            page: 0,
            per_page: default_per_page(),
            assigned_to: None,
            assignable_to: None,
            children_of: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UserPage {
    pub users: Vec<User>,
    /// Users matching the search.
    pub matching: u32,
    /// Users in the account.
    pub total: u32,
    /// Superadministrators in the account: while there is none, the pane asks to create the first one.
    pub superadministrators: u32,
    pub page: u32,
    pub per_page: u32,
}

/// The first superadministrator, with the password it chose (seed 000, step 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FirstSuperadministrator {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub confirmation: String,
}

/// A user added to the list: its password is generated and shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewUser {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub status: UserStatus,
    #[serde(default)]
    pub console_access: bool,
    /// With console access: its panes and plannings. Absent: what the status allows within the creator's own scope.
    #[serde(default)]
    pub scope: Option<ConsoleScope>,
}

/// What to change on a user; absent fields stay as they are. An empty e-mail removes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UserChanges {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub status: Option<UserStatus>,
    #[serde(default)]
    pub console_access: Option<bool>,
    #[serde(default)]
    pub scope: Option<ConsoleScope>,
}

/// One change of the users list: applied whole or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum UserChange {
    FirstSuperadministrator(FirstSuperadministrator),
    Add(NewUser),
    Change {
        #[ts(type = "number")]
        id: i64,
        changes: UserChanges,
    },
    Disable {
        #[ts(type = "number")]
        id: i64,
        disabled: bool,
    },
    /// A temporary password, shown once, to change at the next login.
    ResetPassword {
        #[ts(type = "number")]
        id: i64,
    },
    Delete {
        #[ts(type = "number")]
        id: i64,
    },
}

/// The user as it is after the change (none after a deletion), and a generated password when one was made: the only
/// time it is ever shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UserOutcome {
    pub user: Option<User>,
    pub password: Option<String>,
}
