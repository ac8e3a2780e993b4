//! Connexion: enrolment, login, session, licence and account.

use super::{parse, password_check, Authed, Ctl, Device, Peer, Pool};
use crate::api::{AcceptLicenceRequest, EnrolRequest, LoginRequest, PasswordCheck, RenewRequest};
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<Ctl> {
    Router::new()
        .route("/enrol", post(enrol))
        .route("/enrol/password", post(enrol_password))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/renew", post(renew))
        .route("/session", get(whoami))
        .route("/licence", get(licence))
        .route("/licence/accept", post(accept_licence))
        .route("/account", get(account))
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
