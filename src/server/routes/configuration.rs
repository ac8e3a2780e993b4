//! Configuration: the controller's domain and activation, the plannings and their seats, statuses.

use super::{parse, Authed, Ctl};
use crate::api::ConfigChange;
use crate::error::Result;
use crate::server::status;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub(super) fn routes() -> Router<Ctl> {
    Router::new()
        .route("/config", get(configuration).post(configure))
        .route("/plannings/status", get(statuses))
}

async fn configuration(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.configuration(&a.session)?))
}

async fn statuses(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    ctl.controller.require_licence(&a.session)?;
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
