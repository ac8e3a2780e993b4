//! Contrôleur pane: the users list (searched, sorted and paged here) and its changes.

use super::{parse, password_check, Authed, Ctl, Pool};
use crate::api::{UserChange, UserQuery};
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub(super) fn routes() -> Router<Ctl> {
    Router::new().route("/users", get(list).post(change))
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
