//! Contrôleur pane: the users list (searched, sorted and paged here) and its changes.

use super::access::{route, Access, Route, Target};
use super::{import_file, parse, password_check, Authed, Ctl, ImportQuery, Pool};
use crate::api::{Pane, UserChange, UserQuery};
use crate::controller::users_import::IMPORT_MAX_BYTES;
use crate::controller::Controller;
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::Method;
use axum::response::IntoResponse;
use axum::Json;

pub(super) fn routes() -> Vec<Route> {
    let pane = Access::Pane(Pane::Controller, Target::Nothing);
    vec![
        route(Method::GET, "/users", pane, list),
        route(Method::POST, "/users", pane, change),
        // A byte more than the importer reads, so its own message says a file is too large.
        route(Method::POST, "/users/import", pane, import)
            .with(|r| r.layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES + 1))),
    ]
}

/// A users CSV file as the body: checked, and imported whole when every row is valid. Off the async threads.
async fn import(
    State(ctl): State<Ctl>,
    a: Authed,
    query: std::result::Result<Query<ImportQuery>, QueryRejection>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    import_file(ctl, a, query, body, Controller::import_users).await
}

async fn list(
    State(ctl): State<Ctl>,
    a: Authed,
    query: std::result::Result<Query<UserQuery>, QueryRejection>,
) -> Result<impl IntoResponse> {
    let Query(query) = query.map_err(|e| {
        Error::invalid(
            format!("The search is not valid: {}", e.body_text()),
            format!("La recherche n'est pas valide : {}", e.body_text()),
        )
    })?;
    Ok(Json(ctl.controller.users(&a.session, &query)?))
}

/// One change of the users list. Creating the first superadministrator hashes the password it chose: that runs in
/// the password-check pool, off the async threads.
async fn change(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let change: UserChange = parse(&body)?;
    let outcome = if let UserChange::FirstSuperadministrator(_) = change {
        let Authed { session, peer } = a;
        password_check(ctl, Pool::Login, move |c| c.change_users(&session, &change, &peer)).await?
    } else {
        ctl.controller.change_users(&a.session, &change, &a.peer)?
    };
    Ok(Json(outcome))
}
