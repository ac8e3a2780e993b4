//! The one error type that crosses every boundary (HTTP, Tauri, CLI) as `{code, message, message_fr}`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What went wrong, in a form the UI and scripts can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// A field failed validation; nothing was sent or changed.
    InvalidInput,
    /// Hosting number, password or invoice number wrong (deliberately not saying which).
    BadCredentials,
    /// Too many failures for this hosting number: wait `retry_after_secs`.
    TooManyAttempts,
    /// The route needs a client certificate from this controller.
    CertificateRequired,
    /// The client certificate was revoked or is unknown to the controller.
    CertificateRevoked,
    /// This device has no certificate for this controller and hosting number yet: ask the invoice number.
    EnrolmentRequired,
    /// The controller's certificate does not match the one pinned at enrolment.
    CaMismatch,
    /// No session, or it ended: log in again.
    SessionRequired,
    /// The licence agreement must be accepted first.
    LicenceNotAccepted,
    /// The controller could not be reached.
    Unreachable,
    /// The console is not connected to any controller.
    NotConnected,
    NotFound,
    /// The password was given to this administrator: it must choose its own before anything else.
    PasswordChangeRequired,
    /// The session is valid but its rights do not cover this pane, planning or action.
    Forbidden,
    /// The change clashes with the current state (a name or domain already used, a quota reached, a base in service).
    Conflict,
    /// Data written by a newer version of Planhost.
    UnsupportedVersion,
    /// The OS keyring (Secret Service, Keychain, Credential Manager) failed or is missing.
    Keyring,
    /// Local files or the database failed.
    Storage,
    Internal,
    /// The HTTP method is not one this route answers.
    MethodNotAllowed,
    /// The request (headers and body) did not arrive in time.
    RequestTimeout,
    /// The request body is larger than the route accepts.
    PayloadTooLarge,
    /// The address asked for is too long.
    UriTooLong,
    /// The request headers are too large or too many.
    HeadersTooLarge,
    /// The user cancelled the operation; nothing more was done.
    Cancelled,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidInput => 400,
            ErrorCode::BadCredentials | ErrorCode::SessionRequired => 401,
            ErrorCode::CertificateRequired | ErrorCode::CertificateRevoked => 401,
            ErrorCode::LicenceNotAccepted | ErrorCode::PasswordChangeRequired => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Forbidden => 403,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::UnsupportedVersion | ErrorCode::Conflict => 409,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UriTooLong => 414,
            ErrorCode::HeadersTooLarge => 431,
            _ => 500,
        }
    }
}

/// An error with messages in English (`message`) and French (`message_fr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub message_fr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub retry_after_secs: Option<u64>,
    /// The form field the error is about (`login`, `email`…), so a form shows it beside that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, en: impl Into<String>, fr: impl Into<String>) -> Self {
        Error {
            code,
            message: en.into(),
            message_fr: fr.into(),
            retry_after_secs: None,
            field: None,
        }
    }

    /// The same error, about one field of a form.
    #[must_use]
    pub fn on(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    pub fn invalid(en: impl Into<String>, fr: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, en, fr)
    }

    pub fn cancelled() -> Self {
        Self::new(
            ErrorCode::Cancelled,
            "Cancelled: nothing more was done.",
            "Annulé : rien de plus n'a été fait.",
        )
    }

    /// The same words whichever of hosting number, password or invoice number was wrong.
    pub fn bad_credentials() -> Self {
        Self::new(
            ErrorCode::BadCredentials,
            "The hosting number, password or invoice number is incorrect.",
            "Le numéro d'hébergement, le mot de passe ou le numéro de facture est incorrect.",
        )
    }

    /// An administrator's login attempt failed: the same words whichever of its parts was wrong.
    pub fn bad_login(with_invoice: bool) -> Self {
        if with_invoice {
            Self::new(
                ErrorCode::BadCredentials,
                "The hosting number, login, password or invoice number is incorrect.",
                "Le numéro d'hébergement, l'identifiant, le mot de passe ou le numéro de facture est incorrect.",
            )
        } else {
            Self::new(
                ErrorCode::BadCredentials,
                "The hosting number, login or password is incorrect.",
                "Le numéro d'hébergement, l'identifiant ou le mot de passe est incorrect.",
            )
        }
    }

    /// A wrong password where no invoice number was asked (login, or the first step of a first connection).
    pub fn bad_password() -> Self {
        Self::new(
            ErrorCode::BadCredentials,
            "The hosting number or the password is incorrect.",
            "Le numéro d'hébergement ou le mot de passe est incorrect.",
        )
    }

    pub fn too_many_attempts(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            ErrorCode::TooManyAttempts,
            format!("Too many failed attempts. Try again in {retry_after_secs} s."),
            format!("Trop de tentatives échouées. Réessayez dans {retry_after_secs} s."),
        );
        e.retry_after_secs = Some(retry_after_secs);
        e
    }

    pub fn session_required() -> Self {
        Self::new(
            ErrorCode::SessionRequired,
            "You are not logged in, or your session has ended. Log in again.",
            "Vous n'êtes pas connecté, ou votre session a expiré. Reconnectez-vous.",
        )
    }

    pub fn storage(what: impl std::fmt::Display) -> Self {
        tracing::error!("storage error: {what}");
        Self::new(
            ErrorCode::Storage,
            format!("Storage error: {what}"),
            format!("Erreur de stockage : {what}"),
        )
    }

    pub fn internal(what: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {what}");
        Self::new(
            ErrorCode::Internal,
            format!("Internal error: {what}"),
            format!("Erreur interne : {what}"),
        )
    }

    /// The answer to a request the HTTP layer refused (wrong method, too slow, too large), by its status.
    pub fn http(status: u16) -> Self {
        let (code, en, fr) = match status {
            405 => (
                ErrorCode::MethodNotAllowed,
                "This route does not answer that method.",
                "Cette route ne répond pas à cette méthode.",
            ),
            408 => (
                ErrorCode::RequestTimeout,
                "The request took too long to arrive.",
                "La requête a mis trop de temps à arriver.",
            ),
            413 => (
                ErrorCode::PayloadTooLarge,
                "The request is too large.",
                "La requête est trop volumineuse.",
            ),
            414 => (
                ErrorCode::UriTooLong,
                "The address asked for is too long.",
                "L'adresse demandée est trop longue.",
            ),
            431 => (
                ErrorCode::HeadersTooLarge,
                "The request headers are too large.",
                "Les en-têtes de la requête sont trop volumineux.",
            ),
            404 => (ErrorCode::NotFound, "No such route.", "Route inconnue."),
            400..=499 => (
                ErrorCode::InvalidInput,
                "The request is not valid.",
                "La requête n'est pas valide.",
            ),
            _ => (
                ErrorCode::Internal,
                "The controller failed to answer.",
                "Le contrôleur n'a pas pu répondre.",
            ),
        };
        Self::new(code, en, fr)
    }

    /// The message in the user's language (`fr` or anything else for English).
    pub fn localized(&self, language: &str) -> &str {
        if language.starts_with("fr") {
            &self.message_fr
        } else {
            &self.message
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::storage(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::storage(e)
    }
}
