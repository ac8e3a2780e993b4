//! Contrôleur pane: the profiles of a planning and the assignment of users to them.

use super::access::{route, Access, Route, Target};
use super::{parse, planning_in_path, Authed, Ctl};
use crate::api::{Pane, ProfileChange};
use crate::error::Result;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::IntoResponse;
use axum::Json;

pub(super) fn routes() -> Vec<Route> {
    let pane = Access::Pane(Pane::Controller, Target::PlanningInPath);
    vec![
        route(Method::GET, "/plannings/{id}/profiles", pane, list),
        route(Method::POST, "/plannings/{id}/profiles", pane, change),
    ]
}

async fn list(
    State(ctl): State<Ctl>,
    a: Authed,
    id: std::result::Result<Path<i64>, PathRejection>,
) -> Result<impl IntoResponse> {
    Ok(Json(ctl.controller.profiles(&a.session, planning_in_path(id)?)?))
}

/// One change of the planning's profiles or assignments: every profile it names must be one of this planning's.
async fn change(
    State(ctl): State<Ctl>,
    a: Authed,
    id: std::result::Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let planning = planning_in_path(id)?;
    let change: ProfileChange = parse(&body)?;
    Ok(Json(
        ctl.controller.change_profiles(&a.session, planning, &change, &a.peer)?,
    ))
}
