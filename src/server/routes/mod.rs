//! HTTP routes of the controller. Each handler turns a request into one `Controller` call; the extractors below
//! enforce "client certificate, then session" for everything but enrolment.

pub mod access;
mod bases;
mod configuration;
mod connexion;
mod profiles;
mod profils;
mod uploads;
mod users;

use super::{ConnInfo, Shared};
use crate::api::API_PREFIX;
use crate::controller::DeviceRow;
use crate::controller::{Controller, Session};
use crate::error::{Error, ErrorCode, Result};
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::Arc;

pub(super) type Ctl = Arc<Shared>;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&self)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// The answer to a request that took longer than its deadline.
pub(super) fn too_slow() -> Response {
    let mut response = Error::http(408).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    response
}

/// Addresses and headers past these sizes are refused with `{code, message}` (hyper's own, much larger limits answer
/// with an empty body).
const MAX_URI: usize = 8 * 1024;
const MAX_HEADERS_BYTES: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

async fn within_sizes(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let headers_bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if req.uri().to_string().len() > MAX_URI {
        return Error::http(414).into_response();
    }
    if headers_bytes > MAX_HEADERS_BYTES || req.headers().len() > MAX_HEADERS {
        return Error::http(431).into_response();
    }
    next.run(req).await
}

/// Every answer is `{code, message}`: the errors axum writes itself (a wrong method, a body too large, a bad
/// content type) are rewritten from their status.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() || is_json {
        return response;
    }
    let mut answer = Error::http(status.as_u16()).into_response();
    *answer.status_mut() = status;
    answer
}

/// Every route of the API, each with its declaration. One module per pane: each lists its own.
fn all_routes() -> Vec<access::Route> {
    [
        connexion::routes(),
        configuration::routes(),
        users::routes(),
        profiles::routes(),
        bases::routes(),
        uploads::routes(),
        profils::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Method, path (under `/api/v1`) and declaration of every route: what the route × role test walks.
pub fn declared_routes() -> Vec<(axum::http::Method, &'static str, access::Access)> {
    all_routes().into_iter().map(|r| (r.method, r.path, r.access)).collect()
}

pub(super) fn router(controller: Ctl) -> Router {
    let mut api = Router::new();
    for route in all_routes() {
        let path = route.path;
        api = api.route(path, route.checked(&controller));
    }
    Router::new()
        .nest(API_PREFIX, api)
        .fallback(not_found)
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn(within_sizes))
        .with_state(controller)
}

fn conn(extensions: &axum::http::Extensions) -> Result<ConnInfo> {
    extensions
        .get::<ConnInfo>()
        .cloned()
        .ok_or_else(|| Error::internal("connection info missing"))
}

/// `?check=true` on an import: check (or preview) and write nothing.
#[derive(serde::Deserialize)]
pub(super) struct ImportQuery {
    #[serde(default)]
    check: bool,
}

/// A file imported by the controller (`run`), off the async threads and one import at a time: each holds the writer
/// for its whole file. A malformed query is refused with its reason.
pub(super) async fn import_file<T: serde::Serialize + Send + 'static>(
    ctl: Ctl,
    a: Authed,
    query: std::result::Result<axum::extract::Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
    run: fn(&Controller, &Session, &[u8], bool, &str) -> Result<T>,
) -> Result<Json<T>> {
    static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    let axum::extract::Query(query) = query.map_err(|e| {
        Error::invalid(
            format!("The request is not valid: {}", e.body_text()),
            format!("La requête n'est pas valide : {}", e.body_text()),
        )
    })?;
    let _turn = ONE_AT_A_TIME.acquire().await.map_err(Error::internal)?;
    let Authed { session, peer } = a;
    let controller = ctl.controller.clone();
    let report = tokio::task::spawn_blocking(move || run(&controller, &session, &body, query.check, &peer))
        .await
        .map_err(Error::internal)??;
    Ok(Json(report))
}

pub(super) fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::invalid(
            format!("The request is not valid: {e}"),
            format!("La requête n'est pas valide : {e}"),
        )
    })
}

/// Which slots a password check waits for.
#[derive(Clone, Copy)]
pub(super) enum Pool {
    /// Machines without a certificate (enrolment).
    Enrol,
    /// Enrolled devices (login).
    Login,
}

/// Runs a password check off the async threads, a few at a time, in its pool.
pub(super) async fn password_check<T: Send + 'static>(
    ctl: Ctl,
    pool: Pool,
    f: impl FnOnce(&Controller) -> Result<T> + Send + 'static,
) -> Result<T> {
    let slots = match pool {
        Pool::Enrol => &ctl.enrol_checks,
        Pool::Login => &ctl.login_checks,
    };
    let _slot = slots.acquire().await.map_err(Error::internal)?;
    let controller = ctl.controller.clone();
    tokio::task::spawn_blocking(move || f(&controller))
        .await
        .map_err(Error::internal)?
}

pub(super) fn certificate_required() -> Error {
    Error::new(
        ErrorCode::CertificateRequired,
        "This device has no certificate for this controller: install one first with the invoice number.",
        "Ce poste n'a pas de certificat pour ce contrôleur : installez-en un d'abord avec le numéro de facture.",
    )
}

/// The connection's peer address, for the history.
pub(super) struct Peer(pub(super) String);

impl FromRequestParts<Ctl> for Peer {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &Ctl) -> Result<Self> {
        Ok(Peer(conn(&parts.extensions)?.peer.ip().to_string()))
    }
}

/// A device whose certificate verified at the handshake and is still valid on the controller (put there by the
/// route's check).
#[derive(Clone)]
pub(super) struct Device(pub(super) DeviceRow, pub(super) String);

/// A session that passed its route's check.
#[derive(Clone)]
pub(super) struct Authed {
    pub(super) session: Session,
    pub(super) peer: String,
}

fn undeclared() -> Error {
    Error::internal("this route has no access declaration")
}

impl FromRequestParts<Ctl> for Device {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &Ctl) -> Result<Self> {
        parts.extensions.get::<Device>().cloned().ok_or_else(undeclared)
    }
}

impl FromRequestParts<Ctl> for Authed {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &Ctl) -> Result<Self> {
        parts.extensions.get::<Authed>().cloned().ok_or_else(undeclared)
    }
}

/// Unknown paths: without a certificate the answer is the same as for any other protected route.
async fn not_found(req: axum::extract::Request) -> Error {
    match req.extensions().get::<ConnInfo>() {
        Some(ConnInfo {
            client_cert: Some(_), ..
        }) => Error::new(ErrorCode::NotFound, "No such route.", "Route inconnue."),
        _ => certificate_required(),
    }
}

/// The planning named by a path's `{id}`.
pub(super) fn planning_in_path(
    id: std::result::Result<axum::extract::Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<i64> {
    let axum::extract::Path(id) = id.map_err(|e| {
        Error::invalid(
            format!("A planning is named by its number: {}", e.body_text()),
            format!("Un planning se désigne par son numéro : {}", e.body_text()),
        )
    })?;
    Ok(id)
}
