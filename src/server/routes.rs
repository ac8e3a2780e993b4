//! HTTP routes of the controller. Each handler turns a request into one `Controller` call; the extractors below
//! enforce "client certificate, then session" for everything but enrolment.

use super::{ConnInfo, Shared};
use crate::api::{
    AcceptLicenceRequest, ConfigChange, EnrolRequest, LoginRequest, PasswordCheck, RenewRequest, API_PREFIX,
};
use crate::controller::DeviceRow;
use crate::controller::{Controller, Session};
use crate::error::{Error, ErrorCode, Result};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::sync::Arc;

type Ctl = Arc<Shared>;

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

pub(super) fn router(controller: Ctl) -> Router {
    let api = Router::new()
        .route("/enrol", post(enrol))
        .route("/enrol/password", post(enrol_password))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/renew", post(renew))
        .route("/session", get(whoami))
        .route("/licence", get(licence))
        .route("/licence/accept", post(accept_licence))
        .route("/account", get(account))
        .route("/config", get(configuration).post(configure))
        .route("/plannings/status", get(statuses));
    Router::new()
        .nest(API_PREFIX, api)
        .fallback(not_found)
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn(within_sizes))
        .with_state(controller)
}

fn conn(parts: &Parts) -> Result<ConnInfo> {
    parts
        .extensions
        .get::<ConnInfo>()
        .cloned()
        .ok_or_else(|| Error::internal("connection info missing"))
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::invalid(
            format!("The request is not valid: {e}"),
            format!("La requête n'est pas valide : {e}"),
        )
    })
}

/// Which slots a password check waits for.
#[derive(Clone, Copy)]
enum Pool {
    /// Machines without a certificate (enrolment).
    Enrol,
    /// Enrolled devices (login).
    Login,
}

/// Runs a password check off the async threads, a few at a time, in its pool.
async fn password_check<T: Send + 'static>(
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

fn certificate_required() -> Error {
    Error::new(
        ErrorCode::CertificateRequired,
        "This device has no certificate for this controller: install one first with the invoice number.",
        "Ce poste n'a pas de certificat pour ce contrôleur : installez-en un d'abord avec le numéro de facture.",
    )
}

/// The connection's peer address, for the history.
struct Peer(String);

impl FromRequestParts<Ctl> for Peer {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &Ctl) -> Result<Self> {
        Ok(Peer(conn(parts)?.peer.ip().to_string()))
    }
}

/// A device whose certificate verified at the handshake and is still valid on the controller.
struct Device(DeviceRow, String);

impl FromRequestParts<Ctl> for Device {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, ctl: &Ctl) -> Result<Self> {
        let info = conn(parts)?;
        let cert = info.client_cert.ok_or_else(certificate_required)?;
        Ok(Device(
            ctl.controller.device_for_certificate(&cert)?,
            info.peer.ip().to_string(),
        ))
    }
}

/// A device and its session (bearer token).
struct Authed {
    session: Session,
    peer: String,
}

impl FromRequestParts<Ctl> for Authed {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, ctl: &Ctl) -> Result<Self> {
        let info = conn(parts)?;
        let cert = info.client_cert.ok_or_else(certificate_required)?;
        let peer = info.peer.ip().to_string();
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let Some(token) = token else {
            // A revoked device is told so before being asked for a session.
            ctl.controller.device_for_certificate(&cert)?;
            return Err(Error::session_required());
        };
        let session = ctl.controller.authenticate(&cert, token, &peer)?;
        Ok(Authed { session, peer })
    }
}

/// Enrolment is open to anyone: each network address has a budget of attempts before any work is done.
fn spend_enrol_budget(ctl: &Ctl, peer: &str) -> Result<()> {
    if let Ok(ip) = peer.parse::<std::net::IpAddr>() {
        if let Err(over) = ctl.enrol_budget.spend(ip) {
            if over.first {
                ctl.controller.record_over_budget(peer);
            }
            return Err(Error::too_many_attempts(over.retry_after_secs));
        }
    }
    Ok(())
}

/// The first step of a first connection: the password alone, under the enrolment budget and lock-out.
async fn enrol_password(State(ctl): State<Ctl>, Peer(peer): Peer, body: Bytes) -> Result<impl IntoResponse> {
    spend_enrol_budget(&ctl, &peer)?;
    let req: PasswordCheck = parse(&body)?;
    password_check(ctl, Pool::Enrol, move |c| c.check_enrol_password(&req, &peer)).await?;
    Ok(Json(serde_json::json!({"password_ok": true})))
}

async fn enrol(State(ctl): State<Ctl>, Peer(peer): Peer, body: Bytes) -> Result<impl IntoResponse> {
    spend_enrol_budget(&ctl, &peer)?;
    let req: EnrolRequest = parse(&body)?;
    Ok(Json(
        password_check(ctl, Pool::Enrol, move |c| c.enrol(&req, &peer)).await?,
    ))
}

async fn login(State(ctl): State<Ctl>, Device(device, peer): Device, body: Bytes) -> Result<impl IntoResponse> {
    let req: LoginRequest = parse(&body)?;
    Ok(Json(
        password_check(ctl, Pool::Login, move |c| c.login(&device, &req, &peer)).await?,
    ))
}

async fn logout(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    ctl.controller.logout(&a.session, &a.peer)?;
    Ok(Json(serde_json::json!({})))
}

async fn renew(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: RenewRequest = parse(&body)?;
    Ok(Json(ctl.controller.renew(&a.session, &req.csr_pem, &a.peer)?))
}

async fn whoami(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.whoami(&a.session)?))
}

async fn licence(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.licence(&a.session)?))
}

async fn accept_licence(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: AcceptLicenceRequest = parse(&body)?;
    Ok(Json(ctl.controller.accept_licence(&a.session, req.version, &a.peer)?))
}

async fn account(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.account_info(&a.session)?))
}

async fn configuration(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.configuration(&a.session)?))
}

async fn statuses(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    ctl.controller.require_licence(&a.session)?;
    super::status::refresh(&ctl, &a.session.hosting_number).await?;
    Ok(Json(ctl.controller.configuration(&a.session)?))
}

/// One change of the configuration; then the directory and planning servers follow the database. An activation
/// whose port cannot be listened on is undone.
async fn configure(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let change: ConfigChange = parse(&body)?;
    let config = ctl.controller.apply(&a.session, &change, &a.peer)?;
    if let Err(e) = ctl.listeners.sync().await {
        if let ConfigChange::ControllerActive { active: true } = change {
            ctl.controller.set_controller_active(&a.session, false, &a.peer)?;
            return Err(e);
        }
        tracing::warn!("{}", e.message);
    }
    Ok(Json(config))
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
