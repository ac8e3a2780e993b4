//! A planning server: while a base is in service, its planning answers on its own port with
//! - `/status` (what the controller's checks probe);
//! - `POST /api/v1/login`, `/api/v1/logout`: users with a profile in this planning, within its seats — the
//!   Modification and Consultation connections reserved in Configuration are the most open at once;
//! - `/api/v1/grid`, `/api/v1/timetable` (a session; `?week=N` for one week), `/api/v1/admin/summary` (the
//!   Administration profile);
//! - `/{publication name}`: the public timetable page, when web publication is on.
//!
//! What it serves is rendered once per base file and kept until another base goes in service.

use super::publication;
use crate::api::{PlanningLoginRequest, PlanningLoginResponse, ProfileKind, Seat, ServedGrid, Timetable};
use crate::base::{grid, Base};
use crate::controller::planning_access::ServedPlanning;
use crate::controller::Controller;
use crate::error::{Error, ErrorCode, Result};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

struct Live {
    user_id: i64,
    login: String,
    seat: Seat,
    kind: ProfileKind,
    last_seen: Instant,
    /// The database's `data_version` when the user's access was last checked: after any commit it is checked
    /// again, so a user disabled, deleted or unassigned loses the session at its next request.
    checked: i64,
}

/// One base file, rendered.
struct Rendered {
    file_id: i64,
    base: String,
    grid: Bytes,
    timetable: Bytes,
    served: Timetable,
    grid_value: ServedGrid,
    /// The first week with a course, else 1: the published page opens on it.
    first_week: u32,
    /// The timetable JSON of one week, by week (at most one per week of the grid).
    weeks: Mutex<HashMap<u32, Bytes>>,
    /// Published pages by week, with the title they were rendered under (at most one per week of the grid).
    pages: Mutex<HashMap<u32, (String, Bytes)>>,
}

pub struct PlanningServer {
    controller: Arc<Controller>,
    id: i64,
    /// Session token hash → session.
    sessions: Mutex<HashMap<String, Live>>,
    rendered: Mutex<Option<Arc<Rendered>>>,
    /// Password attempts per network address, before any password is checked. Generous: a whole school logs in
    /// from behind one address at the start of the day; each user's own lock-out protects the passwords.
    attempts: super::limits::AttemptBudget,
}

/// A login or password longer than these is refused before anything is checked.
const LOGIN_MAX: usize = 64;
const PASSWORD_MAX: usize = 256;

type Srv = Arc<PlanningServer>;

pub fn router(controller: Arc<Controller>, id: i64) -> Router {
    let server = Arc::new(PlanningServer {
        controller,
        id,
        sessions: Mutex::new(HashMap::new()),
        rendered: Mutex::new(None),
        attempts: super::limits::AttemptBudget::new(120, std::time::Duration::from_millis(250)),
    });
    Router::new()
        .route("/status", get(status))
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/grid", get(grid_json))
        .route("/api/v1/timetable", get(timetable_json))
        .route("/api/v1/admin/summary", get(admin_summary))
        .route("/{publication}", get(publication_page))
        .with_state(server)
}

fn no_base() -> Error {
    Error::new(ErrorCode::NotFound, "No base in service.", "Aucune base en service.")
}

fn json_bytes(bytes: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

impl PlanningServer {
    fn served(&self) -> Result<ServedPlanning> {
        self.controller.planning_served(self.id)?.ok_or_else(no_base)
    }

    /// The base in service, rendered (once per file).
    async fn rendered(&self) -> Result<Arc<Rendered>> {
        let served = self.served()?;
        let (file_id, path) = served.file.ok_or_else(no_base)?;
        if let Some(r) = self.rendered.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            if r.file_id == file_id {
                return Ok(r.clone());
            }
        }
        let rendered = tokio::task::spawn_blocking(move || -> Result<Rendered> {
            let base = Base::open_read_only(&path)?;
            let meta = base.meta()?;
            let grid = base.grid()?;
            let checked = grid::check(&grid);
            let grid_value = ServedGrid {
                base: meta.name.clone(),
                grid,
                weeks: checked.weeks,
                day: checked.day,
            };
            let served = base.timetable()?;
            Ok(Rendered {
                file_id,
                base: meta.name,
                grid: Bytes::from(serde_json::to_vec(&grid_value).map_err(Error::internal)?),
                timetable: Bytes::from(serde_json::to_vec(&served).map_err(Error::internal)?),
                first_week: served.placements.iter().map(|p| p.week).min().unwrap_or(1),
                served,
                grid_value,
                weeks: Mutex::new(HashMap::new()),
                pages: Mutex::new(HashMap::new()),
            })
        })
        .await
        .map_err(Error::internal)??;
        let rendered = Arc::new(rendered);
        *self.rendered.lock().unwrap_or_else(PoisonError::into_inner) = Some(rendered.clone());
        Ok(rendered)
    }

    /// The session a request carries (its key and profile kind), refreshed; expired ones are forgotten, and so are
    /// those whose user lost access since the last check.
    fn session(&self, headers: &HeaderMap) -> Result<(String, ProfileKind)> {
        let token = super::bearer(headers).ok_or_else(session_required)?;
        let key = crate::controller::auth::token_hash(token);
        let version = self.controller.data_version()?;
        let (user_id, login, kind) = {
            let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
            match sessions.get_mut(&key) {
                Some(live) if live.last_seen.elapsed() < IDLE_TIMEOUT => {
                    live.last_seen = Instant::now();
                    if live.checked == version {
                        return Ok((key, live.kind));
                    }
                    (live.user_id, live.login.clone(), live.kind)
                }
                Some(_) => {
                    sessions.remove(&key);
                    return Err(session_required());
                }
                None => return Err(session_required()),
            }
        };
        let hosting = self.served()?.hosting;
        let now = self.controller.planning_user_kind(self.id, &hosting, user_id, &login)?;
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        match now {
            // Same seat: the session goes on with the profile it has now.
            Some(now) if seat_of(now) == seat_of(kind) => {
                if let Some(live) = sessions.get_mut(&key) {
                    live.kind = now;
                    live.checked = live.checked.max(version);
                }
                Ok((key, now))
            }
            _ => {
                sessions.remove(&key);
                Err(Error::new(
                    ErrorCode::SessionRequired,
                    "Your access to this planning changed (user disabled or profile removed): log in again.",
                    "Votre accès à ce planning a changé (utilisateur désactivé ou profil retiré) : reconnectez-vous.",
                ))
            }
        }
    }
}

fn seat_of(kind: ProfileKind) -> Seat {
    match kind {
        ProfileKind::Consultation => Seat::Consultation,
        ProfileKind::Modification | ProfileKind::Administration => Seat::Modification,
    }
}

fn session_required() -> Error {
    Error::new(
        ErrorCode::SessionRequired,
        "Log in to this planning first (or again: the session ended).",
        "Connectez-vous d'abord à ce planning (ou de nouveau : la session est terminée).",
    )
}

async fn status(State(s): State<Srv>) -> Result<impl IntoResponse> {
    let served = s.served()?;
    let base = served.base.ok_or_else(no_base)?;
    Ok(Json(
        serde_json::json!({ "planning": served.publication_name, "base": base }),
    ))
}

async fn login(
    State(s): State<Srv>,
    info: Option<axum::Extension<super::ConnInfo>>,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let req: PlanningLoginRequest = serde_json::from_slice(&body).map_err(|e| {
        Error::invalid(
            format!("The request is not valid: {e}"),
            format!("La requête n'est pas valide : {e}"),
        )
    })?;
    if req.login.chars().count() > LOGIN_MAX || req.password.len() > PASSWORD_MAX {
        return Err(Error::invalid(
            format!("A login has at most {LOGIN_MAX} characters and a password at most {PASSWORD_MAX} bytes."),
            format!(
                "Un identifiant a au plus {LOGIN_MAX} caractères et un mot de passe au plus {PASSWORD_MAX} octets."
            ),
        ));
    }
    let ip = info.map(|i| i.peer.ip());
    if let Some(Err(over)) = ip.map(|ip| s.attempts.spend(ip)) {
        return Err(Error::too_many_attempts(over.retry_after_secs));
    }
    let peer = ip.map(|ip| ip.to_string()).unwrap_or_default();
    let controller = s.controller.clone();
    let id = s.id;
    // Read before the check: a commit after it makes the session check the user again.
    let checked = s.controller.data_version()?;
    let user = tokio::task::spawn_blocking(move || controller.planning_login(id, &req.login, &req.password, &peer))
        .await
        .map_err(Error::internal)??;
    let served = s.served()?;
    let seat = seat_of(user.kind);
    let limit = match seat {
        Seat::Modification => served.seats.modification,
        Seat::Consultation => served.seats.consultation,
    };
    let token = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    };
    {
        // Counting and taking a seat under one lock: parallel logins cannot pass the limit together.
        let mut sessions = s.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        // One session per user: logging in again replaces the earlier one, so one person cannot hold every seat.
        sessions.retain(|_, l| l.last_seen.elapsed() < IDLE_TIMEOUT && l.user_id != user.user.id);
        let open = sessions.values().filter(|l| l.seat == seat).count();
        if open >= usize::try_from(limit).unwrap_or(0) {
            let (en, fr) = match seat {
                Seat::Modification => ("Modification", "Modification"),
                Seat::Consultation => ("Consultation", "Consultation"),
            };
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("All connections in use: the {limit} {en} connection(s) of this planning are open. Try again once someone logs out."),
                format!("Toutes les connexions sont utilisées : les {limit} connexion(s) {fr} de ce planning sont ouvertes. Réessayez quand quelqu'un se sera déconnecté."),
            ));
        }
        sessions.insert(
            crate::controller::auth::token_hash(&token),
            Live {
                user_id: user.user.id,
                login: user.user.login.clone(),
                seat,
                kind: user.kind,
                last_seen: Instant::now(),
                checked,
            },
        );
    }
    Ok(Json(PlanningLoginResponse {
        token,
        login: user.user.login,
        profile: user.profile,
        kind: user.kind,
        seat,
        must_change_password: user.user.must_change_password,
        idle_timeout_secs: IDLE_TIMEOUT.as_secs(),
    }))
}

async fn logout(State(s): State<Srv>, headers: HeaderMap) -> Result<impl IntoResponse> {
    let (key, _) = s.session(&headers)?;
    s.sessions.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
    Ok(Json(serde_json::json!({})))
}

async fn grid_json(State(s): State<Srv>, headers: HeaderMap) -> Result<Response> {
    s.session(&headers)?;
    Ok(json_bytes(s.rendered().await?.grid.clone()))
}

/// The whole timetable, or with `?week=N` one week of it (every teacher, room, group, subject and course, the
/// placements of that week only): what a client showing a week asks for, a fraction of the year's bytes.
async fn timetable_json(
    State(s): State<Srv>,
    headers: HeaderMap,
    week: std::result::Result<Query<WeekQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    s.session(&headers)?;
    let r = s.rendered().await?;
    let Some(week) = week.map_err(|_| bad_week(r.grid_value.weeks))?.0.week else {
        return Ok(json_bytes(r.timetable.clone()));
    };
    if week == 0 || week > r.grid_value.weeks {
        return Err(bad_week(r.grid_value.weeks));
    }
    if let Some(bytes) = r.weeks.lock().unwrap_or_else(PoisonError::into_inner).get(&week) {
        return Ok(json_bytes(bytes.clone()));
    }
    let one = Timetable {
        placements: r.served.placements.iter().filter(|p| p.week == week).copied().collect(),
        ..r.served.clone()
    };
    let bytes = Bytes::from(serde_json::to_vec(&one).map_err(Error::internal)?);
    r.weeks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(week, bytes.clone());
    Ok(json_bytes(bytes))
}

fn bad_week(weeks: u32) -> Error {
    Error::invalid(
        format!("A week is a number from 1 to {weeks}, the weeks of the base in service."),
        format!("Une semaine est un numéro de 1 à {weeks}, les semaines de la base en service."),
    )
}

/// An administrative call: the Administration profile only.
async fn admin_summary(State(s): State<Srv>, headers: HeaderMap) -> Result<impl IntoResponse> {
    if s.session(&headers)?.1 != ProfileKind::Administration {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "This needs the Administration profile of this planning.",
            "Il faut le profil Administration de ce planning.",
        ));
    }
    let r = s.rendered().await?;
    let open = s.sessions.lock().unwrap_or_else(PoisonError::into_inner).len();
    Ok(Json(serde_json::json!({
        "base": r.base,
        "weeks": r.grid_value.weeks,
        "courses": r.served.courses.len(),
        "placements": r.served.placements.len(),
        "open_sessions": open,
    })))
}

#[derive(serde::Deserialize)]
struct WeekQuery {
    week: Option<u32>,
}

async fn publication_page(
    State(s): State<Srv>,
    Path(name): Path<String>,
    week: std::result::Result<Query<WeekQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let served = s.served()?;
    if !served.web_publication || name != served.publication_name {
        return Err(Error::new(
            ErrorCode::NotFound,
            "No timetable is published under this name.",
            "Aucun emploi du temps n'est publié sous ce nom.",
        ));
    }
    let r = s.rendered().await?;
    let g = &r.grid_value;
    // The requested week, else the first with a course, else the first.
    let week = week
        .ok()
        .and_then(|Query(q)| q.week)
        .unwrap_or(r.first_week)
        .clamp(1, g.weeks.max(1));
    let title = &served.publication_name;
    if let Some((t, page)) = r.pages.lock().unwrap_or_else(PoisonError::into_inner).get(&week) {
        if t == title {
            return Ok(html_bytes(page.clone()));
        }
    }
    let html = Bytes::from(publication::page(
        title, &r.base, &g.grid, &g.day, g.weeks, week, &r.served,
    ));
    r.pages
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(week, (title.clone(), html.clone()));
    Ok(html_bytes(html))
}

fn html_bytes(bytes: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response()
}
