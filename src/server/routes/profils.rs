//! Contrôleur pane, "Récupérer tous les utilisateurs et leurs autorisations": a `.profils` file previewed or
//! applied, and the account exported as one.

use super::access::{route, Access, Route, Target};
use super::{check_only, Authed, Ctl, ImportQuery};
use crate::api::Pane;
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
    let check = check_only(query)?;
    // One import at a time: each holds the writer for its whole file.
    static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    let _turn = ONE_AT_A_TIME.acquire().await.map_err(Error::internal)?;
    let Authed { session, peer } = a;
    let controller = ctl.controller.clone();
    let report = tokio::task::spawn_blocking(move || controller.import_profils(&session, &body, check, &peer))
        .await
        .map_err(Error::internal)??;
    Ok(Json(report))
}

async fn export(State(ctl): State<Ctl>, a: Authed) -> Result<impl IntoResponse> {
    let Authed { session, peer } = a;
    let controller = ctl.controller.clone();
    let file = tokio::task::spawn_blocking(move || controller.export_profils(&session, &peer))
        .await
        .map_err(Error::internal)??;
    Ok(Json(file))
}
