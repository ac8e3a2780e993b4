//! Authorisation in one place: every route is declared with who may call it (its pane, and the planning it touches),
//! and this check runs once, before the handler. Handlers only ever see an `Authed` (or `Device`) this check put in
//! the request: a route added without a declaration cannot reach one, and `declared_routes` lists them all for the
//! test that walks every route with every role.

use super::{certificate_required, conn, Authed, Ctl, Device};
use crate::api::Pane;
use crate::controller::actor::{Actor, Touch};
use crate::controller::Session;
use crate::error::{Error, ErrorCode, Result};
use axum::extract::{RawPathParams, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::RequestExt;

/// A body read to find the planning it touches is at most this large (configuration changes are a few hundred bytes).
const INSPECTED_BODY_MAX: usize = 1 << 20;

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone, without a certificate: the first connection of a device.
    Open,
    /// A device of this controller, before any session: the login.
    Device,
    /// Any session, before the licence is accepted or a given password changed: who am I, logout, renewal, the
    /// licence's text, the account's facts, the password change.
    Session,
    /// The hosting manager alone: accepting the licence for the whole account.
    HostingManager,
    /// Those whose scope holds this pane and what the route touches in it.
    Pane(Pane, Target),
}

/// What a pane's route touches.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// No planning in particular: what it returns is filtered to the caller's plannings.
    Nothing,
    /// The planning whose id is the `{id}` of the path.
    PlanningInPath,
    /// Read off the JSON body.
    InBody(fn(&[u8]) -> Result<Touch>),
}

/// A route, its declaration and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub(super) handler: MethodRouter<Ctl>,
}

/// Declares a route: nothing else adds one to the router.
pub(super) fn route<H, T>(method: Method, path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, Ctl>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
    Route {
        method,
        path,
        access,
        handler: on(filter, handler),
    }
}

impl Route {
    /// Adds a layer to this route's handler alone (a body limit).
    pub(super) fn with(mut self, f: impl FnOnce(MethodRouter<Ctl>) -> MethodRouter<Ctl>) -> Route {
        self.handler = f(self.handler);
        self
    }

    /// The handler behind its check.
    pub(super) fn checked(self, ctl: &Ctl) -> MethodRouter<Ctl> {
        let access = self.access;
        self.handler.route_layer(axum::middleware::from_fn_with_state(
            ctl.clone(),
            move |State(ctl): State<Ctl>, req: Request, next: Next| async move {
                match authorise(access, &ctl, req).await {
                    Ok(req) => next.run(req).await,
                    Err(e) => e.into_response(),
                }
            },
        ))
    }
}

fn forbidden(pane: Pane, touch: Touch) -> Error {
    let (en, fr) = pane.labels();
    match touch {
        Touch::Planning(_) => Error::new(
            ErrorCode::Forbidden,
            format!("Your access to the {en} pane does not include this planning."),
            format!("Votre accès au volet {fr} ne comprend pas ce planning."),
        ),
        Touch::Account => Error::new(
            ErrorCode::Forbidden,
            format!("This part of the {en} pane concerns every planning: your access covers only some."),
            format!("Cette partie du volet {fr} concerne tous les plannings : votre accès n'en couvre que certains."),
        ),
        Touch::Nothing => Error::new(
            ErrorCode::Forbidden,
            format!("Your access does not include the {en} pane."),
            format!("Votre accès ne comprend pas le volet {fr}."),
        ),
    }
}

/// The session of the request: a certificate of a device, then its bearer token.
fn session(ctl: &Ctl, req: &Request) -> Result<Authed> {
    let info = conn(req.extensions())?;
    let cert = info.client_cert.ok_or_else(certificate_required)?;
    let peer = info.peer.ip().to_string();
    let Some(token) = crate::server::bearer(req.headers()) else {
        // A revoked device is told so before being asked for a session.
        ctl.controller.device_for_certificate(&cert)?;
        return Err(Error::session_required());
    };
    let session = ctl.controller.authenticate(&cert, token, &peer)?;
    Ok(Authed { session, peer })
}

/// What a pane's route touches, read off its path or its body (which is put back for the handler).
async fn touch(target: Target, req: Request) -> Result<(Touch, Request)> {
    match target {
        Target::Nothing => Ok((Touch::Nothing, req)),
        Target::PlanningInPath => {
            let mut req = req;
            let params = req.extract_parts::<RawPathParams>().await.map_err(Error::internal)?;
            let id = params.iter().find(|(name, _)| *name == "id").map(|(_, v)| v.to_owned());
            let id = id.as_deref().and_then(|v| v.parse::<i64>().ok()).ok_or_else(|| {
                Error::invalid(
                    "A planning is named by its number.",
                    "Un planning se désigne par son numéro.",
                )
            })?;
            Ok((Touch::Planning(id), req))
        }
        Target::InBody(read) => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, INSPECTED_BODY_MAX)
                .await
                .map_err(|_| Error::http(413))?;
            let touch = read(&bytes)?;
            Ok((touch, Request::from_parts(parts, bytes.into())))
        }
    }
}

/// The one check: who the caller is, then whether its actor may use this pane on what the route touches.
async fn authorise(access: Access, ctl: &Ctl, mut req: Request) -> Result<Request> {
    match access {
        Access::Open => return Ok(req),
        Access::Device => {
            let info = conn(req.extensions())?;
            let cert = info.client_cert.ok_or_else(certificate_required)?;
            let device = ctl.controller.device_for_certificate(&cert)?;
            req.extensions_mut().insert(Device(device, info.peer.ip().to_string()));
            return Ok(req);
        }
        Access::Session | Access::HostingManager | Access::Pane(..) => {}
    }
    let authed = session(ctl, &req)?;
    let s: &Session = &authed.session;
    match access {
        Access::HostingManager if s.actor != Actor::HostingManager => {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "Only the hosting manager can do this.",
                "Seul le gestionnaire de l'hébergement peut faire cela.",
            ))
        }
        Access::Pane(pane, target) => {
            ctl.controller.require_licence(s)?;
            if s.actor.administrator().is_some_and(|a| a.must_change_password) {
                return Err(crate::controller::password_change_required());
            }
            let (touch, checked) = touch(target, req).await?;
            if !s.actor.allows(pane, touch) {
                return Err(forbidden(pane, touch));
            }
            req = checked;
        }
        _ => {}
    }
    req.extensions_mut().insert(authed);
    Ok(req)
}
