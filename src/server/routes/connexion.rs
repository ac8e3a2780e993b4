//! Connexion: enrolment, login, session, licence and account.

use super::access::{route, Access, Route};
use super::{parse, password_check, Authed, Ctl, Device, Peer, Pool};
use crate::api::{AcceptLicenceRequest, EnrolRequest, LoginRequest, PasswordChange, PasswordCheck, RenewRequest};
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::Json;

pub(super) fn routes() -> Vec<Route> {
    use Access::{Device as OwnDevice, HostingManager, Open, Session};
    vec![
        route(Method::POST, "/enrol", Open, enrol),
        route(Method::POST, "/enrol/password", Open, enrol_password),
        route(Method::POST, "/login", OwnDevice, login),
        route(Method::POST, "/logout", Session, logout),
        route(Method::POST, "/renew", Session, renew),
        route(Method::GET, "/session", Session, whoami),
        route(Method::POST, "/session/password", Session, change_password),
        route(Method::GET, "/licence", Session, licence),
        route(Method::POST, "/licence/accept", HostingManager, accept_licence),
        route(Method::GET, "/account", Session, account),
    ]
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

/// An administrator chooses its own password (slow hashes: in the password-check pool).
async fn change_password(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let req: PasswordChange = parse(&body)?;
    let Authed { session, peer } = a;
    Ok(Json(
        password_check(ctl, Pool::Login, move |c| c.change_own_password(&session, &req, &peer)).await?,
    ))
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
