//! Contrôleur pane, "Récupérer tous les utilisateurs et leurs autorisations": a `.profils` file previewed or
//! applied, and the account exported as one.

use super::access::{route, Access, Route, Target};
use super::{import_file, Authed, Ctl, ImportQuery};
use crate::api::Pane;
use crate::controller::Controller;
use crate::error::{Error, Result};
use crate::profils::MAX_BYTES;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::Method;
use axum::response::IntoResponse;
use axum::Json;

pub(super) fn routes() -> Vec<Route> {
    // The plannings a file names are checked against the caller's scope by the import itself.
    let pane = Access::Pane(Pane::Controller, Target::Nothing);
    vec![
        route(Method::GET, "/profils", pane, export),
        // A byte more than the reader takes: a file just past the limit gets the reader's message, with the limit.
        route(Method::POST, "/profils", pane, import).with(|r| r.layer(DefaultBodyLimit::max(MAX_BYTES + 1))),
    ]
}

async fn import(
    State(ctl): State<Ctl>,
    a: Authed,
    query: std::result::Result<Query<ImportQuery>, QueryRejection>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    import_file(ctl, a, query, body, Controller::import_profils).await
}

async fn export(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    let Authed { session, peer } = a;
    let controller = ctl.controller.clone();
    let file = tokio::task::spawn_blocking(move || controller.export_profils(&session, &peer))
        .await
        .map_err(Error::internal)??;
    Ok(Json(file))
}
