//! Mes plannings: a planning's bases — the one in service, the earlier ones, "Créer une base", restoring.

use super::access::{route, Access, Route, Target};
use super::{parse, planning_in_path, Authed, Ctl};
use crate::api::{BaseChange, Pane};
use crate::error::{Error, Result};
use crate::server::status;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use axum::Json;

pub(super) fn routes() -> Vec<Route> {
    let pane = Access::Pane(Pane::Plannings, Target::PlanningInPath);
    vec![
        route(Method::GET, "/plannings/{id}/bases", pane, list),
        route(Method::POST, "/plannings/{id}/bases", pane, change),
    ]
}

async fn list(
    State(ctl): State<Ctl>,
    a: Authed,
    id: std::result::Result<Path<i64>, PathRejection>,
) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.bases(&a.session, planning_in_path(id)?)?))
}

/// A base created or restored is in service once this returns: the planning server follows at once.
async fn change(
    State(ctl): State<Ctl>,
    a: Authed,
    id: std::result::Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let planning = planning_in_path(id)?;
    let change: BaseChange = parse(&body)?;
    let Authed { session, peer } = a;
    let controller = ctl.controller.clone();
    let asking = session.clone();
    // Creating a base writes and syncs a file: off the async threads.
    tokio::task::spawn_blocking(move || controller.change_bases(&asking, planning, &change, &peer))
        .await
        .map_err(Error::internal)??;
    Ok(Json(in_service(&ctl, &session, planning).await?))
}

/// After a base went in service (created, restored, uploaded): the planning server starts or follows it, and the
/// answer already carries the status it leads to. The change is committed: a port that cannot be listened on shows
/// in the status, not as a failed change (which the user would retry, creating another base).
pub(super) async fn in_service(
    ctl: &Ctl,
    session: &crate::controller::Session,
    planning: i64,
) -> Result<crate::api::PlanningBases> {
    if let Err(e) = ctl.listeners.sync().await {
        tracing::warn!("planning servers after a base change: {}", e.message);
    }
    if let Err(e) = status::refresh(ctl, &session.hosting_number).await {
        tracing::warn!("statuses after a base change: {}", e.message);
    }
    ctl.controller.bases(session, planning)
}
