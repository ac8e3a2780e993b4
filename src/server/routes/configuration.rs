//! Configuration: the controller's domain and activation, the plannings and their seats, statuses.

use super::access::{route, Access, Route, Target};
use super::{parse, Authed, Ctl};
use crate::api::{ConfigChange, Pane};
use crate::controller::actor::Touch;
use crate::error::{Error, Result};
use crate::server::status;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::Json;

pub(super) fn routes() -> Vec<Route> {
    let pane = |target| Access::Pane(Pane::Configuration, target);
    vec![
        route(Method::GET, "/config", pane(Target::Nothing), configuration),
        route(Method::POST, "/config", pane(Target::InBody(change_touches)), configure),
        route(Method::GET, "/plannings/status", pane(Target::Nothing), statuses),
    ]
}

/// A change of one planning touches that planning; the controller, new plannings and seats touch them all.
fn change_touches(body: &[u8]) -> Result<Touch> {
    Ok(
        match serde_json::from_slice::<ConfigChange>(body).map_err(|e| {
            Error::invalid(
                format!("The request is not valid: {e}"),
                format!("La requête n'est pas valide : {e}"),
            )
        })? {
            ConfigChange::ChangePlanning { id, .. } | ConfigChange::RemovePlanning { id } => Touch::Planning(id),
            ConfigChange::ControllerDomain { .. }
            | ConfigChange::ControllerActive { .. }
            | ConfigChange::AddPlanning { .. }
            | ConfigChange::Seats { .. } => Touch::Account,
        },
    )
}

async fn configuration(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.configuration(&a.session)?))
}

async fn statuses(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    status::refresh(&ctl, &a.session.hosting_number).await?;
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
    // Disabling, enabling or re-seating a planning changes its status now, not at the next periodic check.
    if change.changes_statuses() {
        status::refresh(&ctl, &a.session.hosting_number).await?;
        return Ok(Json(ctl.controller.configuration(&a.session)?));
    }
    Ok(Json(config))
}
