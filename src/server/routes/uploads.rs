//! Mes plannings, "Charger une base" and backups: a `.HHYP` sent in resumable chunks, then checked and put in
//! service; the base in service (or a kept one) downloaded as a `.HHYP`.

use super::access::{route, Access, Route, Target};
use super::{parse, Authed, Ctl};
use crate::api::{Pane, UploadStart};
use crate::buffers::{Pool, Pooled};
use crate::controller::uploads::CHUNK_MAX;
use crate::error::{Error, Result};
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, Method};
use axum::response::IntoResponse;
use axum::Json;
use http_body_util::BodyExt;

pub(super) fn routes() -> Vec<Route> {
    let pane = Access::Pane(Pane::Plannings, Target::PlanningInPath);
    vec![
        route(Method::POST, "/plannings/{id}/uploads", pane, start),
        route(Method::GET, "/plannings/{id}/uploads/{upload}", pane, state),
        route(Method::PUT, "/plannings/{id}/uploads/{upload}", pane, chunk),
        route(Method::DELETE, "/plannings/{id}/uploads/{upload}", pane, cancel),
        route(Method::POST, "/plannings/{id}/uploads/{upload}/finish", pane, finish),
        route(Method::GET, "/plannings/{id}/bases/{base}/hhyp", pane, download),
    ]
}

type Ids<T> = std::result::Result<Path<(i64, T)>, PathRejection>;

fn ids<T>(ids: Ids<T>) -> Result<(i64, T)> {
    let Path(ids) = ids.map_err(|e| {
        Error::invalid(
            format!("This address does not name a planning and an item: {}", e.body_text()),
            format!(
                "Cette adresse ne désigne pas un planning et un élément : {}",
                e.body_text()
            ),
        )
    })?;
    Ok(ids)
}

async fn start(
    State(ctl): State<Ctl>,
    a: Authed,
    id: std::result::Result<Path<i64>, PathRejection>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let planning = super::planning_in_path(id)?;
    let start: UploadStart = parse(&body)?;
    let controller = ctl.controller.clone();
    let state = tokio::task::spawn_blocking(move || controller.start_upload(&a.session, planning, &start))
        .await
        .map_err(Error::internal)??;
    Ok(Json(state))
}

async fn state(State(ctl): State<Ctl>, a: Authed, ids_: Ids<String>) -> Result<impl IntoResponse> {
    let (planning, upload) = ids(ids_)?;
    Ok(Json(ctl.controller.upload_state(&a.session, planning, &upload)?))
}

#[derive(serde::Deserialize)]
struct At {
    offset: u64,
}

/// What the receiving side hands the writer thread at once; a few kept for the next ones (a large upload reuses
/// a few mebibytes instead of faulting in a fresh one for every mebibyte that arrives).
static BUFFERS: Pool = Pool::new(1 << 20, 8);

/// One chunk, written as it arrives (at most `CHUNK_MAX` bytes): a writer thread appends and hashes while the next
/// bytes are still being received.
async fn chunk(
    State(ctl): State<Ctl>,
    a: Authed,
    ids_: Ids<String>,
    at: std::result::Result<Query<At>, QueryRejection>,
    body: Body,
) -> Result<impl IntoResponse> {
    let (planning, upload) = ids(ids_)?;
    let Query(At { offset }) = at.map_err(|e| {
        Error::invalid(
            format!("A chunk says where it starts (?offset=N): {}", e.body_text()),
            format!("Un morceau indique où il commence (?offset=N) : {}", e.body_text()),
        )
    })?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::result::Result<Pooled, String>>(4);
    let controller = ctl.controller.clone();
    let writer = tokio::task::spawn_blocking(move || {
        controller.upload_chunk(
            &a.session,
            planning,
            &upload,
            offset,
            std::iter::from_fn(|| rx.blocking_recv()),
        )
    });
    let mut body = body;
    let mut pending = BUFFERS.take();
    let mut received = 0usize;
    let mut failed = None;
    'frames: loop {
        match body.frame().await {
            None => break,
            Some(Err(e)) => {
                failed = Some(e.to_string());
                break;
            }
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else { continue };
                received += data.len();
                if received > CHUNK_MAX {
                    failed = Some(format!("a chunk carries at most {CHUNK_MAX} bytes"));
                    break;
                }
                let mut rest: &[u8] = &data;
                while !rest.is_empty() {
                    rest = pending.fill(rest);
                    if pending.is_full() {
                        let full = std::mem::replace(&mut pending, BUFFERS.take());
                        if tx.send(Ok(full)).await.is_err() {
                            break 'frames; // the writer refused the chunk: its answer says why
                        }
                    }
                }
            }
        }
    }
    let last = match failed {
        Some(e) => Err(e),
        None => Ok(pending),
    };
    let _ = tx.send(last).await;
    drop(tx);
    let state = writer.await.map_err(Error::internal)??;
    Ok(Json(state))
}

async fn cancel(State(ctl): State<Ctl>, a: Authed, ids_: Ids<String>) -> Result<impl IntoResponse> {
    let (planning, upload) = ids(ids_)?;
    let controller = ctl.controller.clone();
    tokio::task::spawn_blocking(move || controller.cancel_upload(&a.session, planning, &upload))
        .await
        .map_err(Error::internal)??;
    Ok(Json(serde_json::json!({})))
}

/// The whole file arrived: checked on the controller and put in service; the planning server follows at once.
async fn finish(State(ctl): State<Ctl>, a: Authed, ids_: Ids<String>) -> Result<impl IntoResponse> {
    let (planning, upload) = ids(ids_)?;
    let Authed { session, peer } = a;
    let controller = ctl.controller.clone();
    let asking = session.clone();
    tokio::task::spawn_blocking(move || controller.finish_upload(&asking, planning, &upload, &peer))
        .await
        .map_err(Error::internal)??;
    Ok(Json(super::bases::in_service(&ctl, &session, planning).await?))
}

/// A kept base as a `.HHYP`, written (and verified) in full before the first byte is sent.
async fn download(State(ctl): State<Ctl>, a: Authed, ids_: Ids<i64>) -> Result<impl IntoResponse> {
    let (planning, base) = ids(ids_)?;
    let controller = ctl.controller.clone();
    let backup = tokio::task::spawn_blocking(move || controller.backup(&a.session, planning, base))
        .await
        .map_err(Error::internal)??;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        backup.file_name.replace(['"', '\\'], "_")
    );
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        tokio::fs::File::from_std(backup.file),
        256 * 1024,
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_LENGTH, backup.bytes.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}
