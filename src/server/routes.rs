//! HTTP routes of the controller. Each handler turns a request into one `Controller` call; the extractors below
//! enforce "client certificate, then session" for everything but enrolment.

use super::{ConnInfo, Shared};
use crate::api::{
    AcceptLicenceRequest, ActiveRequest, Configuration, DomainRequest, EnrolRequest, LoginRequest, NameRequest,
    PlanningChanges, RenewRequest, SeatsRequest, API_PREFIX,
};
use crate::controller::store::DeviceRow;
use crate::controller::{Controller, Session};
use crate::error::{Error, ErrorCode, Result};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
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

pub(super) fn router(controller: Ctl) -> Router {
    let api = Router::new()
        .route("/enrol", post(enrol))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/renew", post(renew))
        .route("/session", get(whoami))
        .route("/licence", get(licence))
        .route("/licence/accept", post(accept_licence))
        .route("/account", get(account))
        .route("/config", get(configuration))
        .route("/config/domain", post(set_controller_domain))
        .route("/config/active", post(set_controller_active))
        .route("/plannings", post(add_planning))
        .route("/plannings/status", get(statuses))
        .route("/plannings/seats", post(set_seats))
        .route("/plannings/{id}", delete(remove_planning))
        .route("/plannings/{id}/name", post(rename_planning))
        .route("/plannings/{id}/domain", post(set_planning_domain))
        .route("/plannings/{id}/settings", post(change_planning));
    Router::new()
        .nest(API_PREFIX, api)
        .fallback(not_found)
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

/// Runs a password check off the async threads, a few at a time.
async fn password_check<T: Send + 'static>(
    ctl: Ctl,
    f: impl FnOnce(&Controller) -> Result<T> + Send + 'static,
) -> Result<T> {
    let _slot = ctl.password_checks.acquire().await.map_err(Error::internal)?;
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
        let der = info.client_cert.ok_or_else(certificate_required)?;
        Ok(Device(
            ctl.controller.device_for_certificate(&der)?,
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
        let Device(device, peer) = Device::from_request_parts(parts, ctl).await?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(Error::session_required)?;
        Ok(Authed {
            session: ctl.controller.session(&device, token)?,
            peer,
        })
    }
}

async fn enrol(State(ctl): State<Ctl>, Peer(peer): Peer, body: Bytes) -> Result<impl IntoResponse> {
    let req: EnrolRequest = parse(&body)?;
    Ok(Json(password_check(ctl, move |c| c.enrol(&req, &peer)).await?))
}

async fn login(State(ctl): State<Ctl>, Device(device, peer): Device, body: Bytes) -> Result<impl IntoResponse> {
    let req: LoginRequest = parse(&body)?;
    Ok(Json(password_check(ctl, move |c| c.login(&device, &req, &peer)).await?))
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

fn planning_id(raw: &str) -> Result<i64> {
    raw.parse().map_err(|_| {
        Error::new(
            ErrorCode::NotFound,
            format!("No planning {raw}."),
            format!("Aucun planning {raw}."),
        )
    })
}

/// After a change, the directory and planning servers follow the database.
async fn synced(ctl: &Shared, result: Result<Configuration>) -> Result<Json<Configuration>> {
    let config = result?;
    if let Err(e) = ctl.listeners.sync().await {
        tracing::warn!("{}", e.message);
    }
    Ok(Json(config))
}

async fn configuration(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.configuration(&a.session)?))
}

async fn statuses(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    ctl.controller.require_licence(&a.session)?;
    super::status::refresh(&ctl, &a.session.hosting_number).await?;
    Ok(Json(ctl.controller.configuration(&a.session)?))
}

async fn set_controller_domain(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: DomainRequest = parse(&body)?;
    synced(
        &ctl,
        ctl.controller.set_controller_domain(&a.session, &req.domain, &a.peer),
    )
    .await
}

/// Activation is undone if the controller's port cannot be listened on.
async fn set_controller_active(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: ActiveRequest = parse(&body)?;
    let config = ctl.controller.set_controller_active(&a.session, req.active, &a.peer)?;
    if let Err(e) = ctl.listeners.sync().await {
        if req.active {
            ctl.controller.set_controller_active(&a.session, false, &a.peer)?;
            return Err(e);
        }
    }
    Ok(Json(config))
}

async fn add_planning(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: NameRequest = if body.is_empty() {
        NameRequest::default()
    } else {
        parse(&body)?
    };
    Ok(Json(ctl.controller.add_planning(
        &a.session,
        req.name.as_deref(),
        &a.peer,
    )?))
}

async fn rename_planning(
    State(ctl): State<Ctl>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let req: NameRequest = parse(&body)?;
    let name = req.name.unwrap_or_default();
    synced(
        &ctl,
        ctl.controller
            .rename_planning(&a.session, planning_id(&id)?, &name, &a.peer),
    )
    .await
}

async fn set_planning_domain(
    State(ctl): State<Ctl>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let req: DomainRequest = parse(&body)?;
    synced(
        &ctl,
        ctl.controller
            .set_planning_domain(&a.session, planning_id(&id)?, &req.domain, &a.peer),
    )
    .await
}

async fn change_planning(
    State(ctl): State<Ctl>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let req: PlanningChanges = parse(&body)?;
    synced(
        &ctl,
        ctl.controller
            .change_planning(&a.session, planning_id(&id)?, &req, &a.peer),
    )
    .await
}

async fn remove_planning(State(ctl): State<Ctl>, a: Authed, Path(id): Path<String>) -> Result<impl IntoResponse> {
    synced(
        &ctl,
        ctl.controller.remove_planning(&a.session, planning_id(&id)?, &a.peer),
    )
    .await
}

async fn set_seats(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: SeatsRequest = parse(&body)?;
    Ok(Json(ctl.controller.set_seats(&a.session, &req.allocations, &a.peer)?))
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
