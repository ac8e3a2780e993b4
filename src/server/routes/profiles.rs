//! Contrôleur pane: the profiles of a planning and the assignment of users to them.

use super::{parse, Authed, Ctl};
use crate::api::ProfileChange;
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<Ctl> {
    Router::new()
        .route("/plannings/{id}/profiles", get(list))
        .route("/profiles", post(change))
}

async fn list(
    State(ctl): State<Ctl>,
    a: Authed,
    id: std::result::Result<Path<i64>, PathRejection>,
) -> Result<impl IntoResponse> {
    let Path(id) = id.map_err(|e| {
        Error::invalid(
            format!("A planning is named by its number: {}", e.body_text()),
            format!("Un planning se désigne par son numéro : {}", e.body_text()),
        )
    })?;
    Ok(Json(ctl.controller.profiles(&a.session, id)?))
}

async fn change(State(ctl): State<Ctl>, a: Authed, body: Bytes) -> Result<impl IntoResponse> {
    let change: ProfileChange = parse(&body)?;
    Ok(Json(ctl.controller.change_profiles(&a.session, &change, &a.peer)?))
}
