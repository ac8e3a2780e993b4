//! The servers a controller runs on its pool's ports, kept in step with the database by `sync`:
//! - an active account's controller answers on its coordinates with its directory (the plannings a timetable client
//!   can reach);
//! - a planning with a base in service answers on its own coordinates (its planning server).
//!
//! Both speak TLS 1.3 and ask for no client certificate: a directory presents the controller's server certificate,
//! a planning server one for the planning's own domain (`planning_tls`).

use super::planning_tls::planning_tls_config;
use super::{bind, public_tls_config, serve, ConnInfo, Limits, Served};
use crate::controller::service::Listener;
use crate::controller::Controller;
use crate::error::{Error, ErrorCode, Result};
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Mutex;

pub struct Listeners {
    controller: Arc<Controller>,
    ip: IpAddr,
    running: Mutex<HashMap<u16, (Listener, Served)>>,
    limits: Limits,
}

fn port_of(req: &Request) -> u16 {
    req.extensions().get::<ConnInfo>().map(|c| c.local_port).unwrap_or(0)
}

async fn directory(State(ctl): State<Arc<Controller>>, req: Request) -> Result<impl IntoResponse> {
    match ctl.directory(port_of(&req))? {
        Some(d) => Ok(Json(d)),
        None => Err(Error::new(
            ErrorCode::NotFound,
            "This controller is not active.",
            "Ce contrôleur n'est pas activé.",
        )),
    }
}

impl Listeners {
    pub fn new(controller: Arc<Controller>, ip: IpAddr, limits: Limits) -> Listeners {
        Listeners {
            controller,
            ip,
            running: Mutex::new(HashMap::new()),
            // No upload comes in there: no more read buffer per connection than rustls's own reads.
            limits: Limits {
                read_buffer: super::RUSTLS_READ,
                ..limits
            },
        }
    }

    /// Address a check of this port should connect to (loopback when listening on every address).
    pub fn probe_addr(&self, port: u16) -> SocketAddr {
        let ip = if self.ip.is_unspecified() {
            IpAddr::from([127, 0, 0, 1])
        } else {
            self.ip
        };
        SocketAddr::new(ip, port)
    }

    fn router(&self, kind: Listener) -> Router {
        match kind {
            Listener::Directory => Router::new()
                .route("/", get(directory))
                .with_state(self.controller.clone()),
            Listener::Planning(id) => super::planning::router(self.controller.clone(), id),
        }
    }

    /// Starts what should run and stops what should not. A port that cannot be bound is reported after the others
    /// have been tried.
    pub async fn sync(&self) -> Result<()> {
        let wanted: HashMap<u16, Listener> = self.controller.wanted_listeners()?.into_iter().collect();
        let mut running = self.running.lock().await;
        let stale: Vec<u16> = running
            .iter()
            .filter(|(port, (kind, _))| wanted.get(port) != Some(kind))
            .map(|(p, _)| *p)
            .collect();
        for port in stale {
            if let Some((_, served)) = running.remove(&port) {
                served.stop().await;
            }
        }
        let mut failure = None;
        for (port, kind) in wanted {
            if running.contains_key(&port) {
                continue;
            }
            let started = async {
                let listener = bind(SocketAddr::new(self.ip, port)).await?;
                let tls = match kind {
                    Listener::Directory => public_tls_config(&self.controller)?,
                    Listener::Planning(id) => planning_tls_config(self.controller.clone(), id)?,
                };
                serve(listener, tls, self.router(kind), &self.limits)
            };
            match started.await {
                Ok(served) => {
                    running.insert(port, (kind, served));
                }
                Err(e) => failure = Some(e),
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// Stops one port's server (as when a planning server stops answering).
    pub async fn stop_port(&self, port: u16) {
        if let Some((_, served)) = self.running.lock().await.remove(&port) {
            served.stop().await;
        }
    }

    pub async fn stop_all(&self) {
        for (_, (_, served)) in self.running.lock().await.drain() {
            served.stop().await;
        }
    }
}
