//! The controller's HTTPS listener: TLS 1.3 only (rustls), client certificates from the controller's CA. The
//! handshake lets a client without a certificate through, because enrolment needs none; every other route refuses it
//! (see `routes`). A certificate from another CA fails the handshake itself.

mod greedy;
mod limits;
mod listeners;
mod planning;
mod planning_tls;
mod publication;
pub(crate) mod routes;
pub mod status;

pub use limits::{AttemptBudget, Limits};
pub use listeners::Listeners;
pub use routes::access::{Access, Target};
pub use routes::declared_routes;

use crate::controller::Controller;
use crate::error::{Error, Result};
use crate::pki::CertificateInfo;
use crate::tls::crypto_provider;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// What the TLS layer learnt about a connection, handed to every request on it.
#[derive(Clone)]
pub(crate) struct ConnInfo {
    pub peer: SocketAddr,
    /// The verified client certificate, if one was presented: read once per connection, not per request.
    pub client_cert: Option<Arc<CertificateInfo>>,
    /// The port the connection came in on (a directory or planning server serves several ports).
    pub local_port: u16,
}

fn tls_err(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("TLS configuration: {e}"))
}

/// The server certificate followed by the CA (so that a console can check the CA's fingerprint at its first
/// contact, before it sends anything), and the server key.
fn server_identity(controller: &Controller) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let leaf = CertificateDer::from_pem_slice(controller.server_cert().cert_pem.as_bytes()).map_err(tls_err)?;
    let ca = CertificateDer::from_pem_slice(controller.ca().cert_pem.as_bytes()).map_err(tls_err)?;
    let key = PrivateKeyDer::from_pem_slice(controller.server_cert().key_pem.as_bytes()).map_err(tls_err)?;
    Ok((vec![leaf, ca], key))
}

/// TLS for the public listeners (directories, planning servers): the server certificate, no client certificate.
pub fn public_tls_config(controller: &Controller) -> Result<Arc<ServerConfig>> {
    let (chain, key) = server_identity(controller)?;
    let mut config = ServerConfig::builder_with_provider(crypto_provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

pub fn tls_config(controller: &Controller) -> Result<Arc<ServerConfig>> {
    let provider = crypto_provider();
    let ca = CertificateDer::from_pem_slice(controller.ca().cert_pem.as_bytes()).map_err(tls_err)?;
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(tls_err)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(tls_err)?;
    let (chain, key) = server_identity(controller)?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TLS server on a socket; `stop` ends it and the connections it holds.
pub struct Served {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Served {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// What rustls asks of its socket at once: a smaller read buffer would only add a copy.
pub(crate) const RUSTLS_READ: usize = 4096;

/// Serves `app` over TLS on an already bound socket, within `limits`. Each request carries the connection's
/// `ConnInfo`.
pub(crate) fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    app: axum::Router,
    limits: &Limits,
) -> Result<Served> {
    let addr = listener.local_addr()?;
    let acceptor = TlsAcceptor::from(tls);
    let (shutdown, mut stopped) = watch::channel(false);
    let slots = limits::ConnectionSlots::new(limits);
    let request_timeout = limits.request_timeout;
    let read_buffer = limits.read_buffer;
    let task = tokio::spawn(async move {
        let mut accept_errors = limits::Throttled::new(Duration::from_secs(10));
        let mut pause = Duration::from_millis(50);
        loop {
            let Some(permit) = slots.room().await else { break };
            let (tcp, peer) = tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        accept_errors.warn(format_args!("accept on {addr}: {e}"));
                        if limits::exhausted(&e) {
                            // Out of file descriptors or memory: wait for connections to close instead of spinning.
                            tokio::time::sleep(pause).await;
                            pause = (pause * 2).min(Duration::from_secs(1));
                        }
                        continue;
                    }
                },
            };
            pause = Duration::from_millis(50);
            let Some(slot) = slots.take(permit, peer.ip()) else {
                drop(tcp);
                continue;
            };
            let (acceptor, app, mut stopped) = (acceptor.clone(), app.clone(), stopped.clone());
            tokio::spawn(async move {
                let _slot = slot;
                // rustls reads at most 4 KiB per call: behind this buffer a large upload costs one read system call
                // per `read_buffer` bytes instead of one per 4 KiB (at 4 KiB, reads go straight to the socket).
                let tcp = tokio::io::BufReader::with_capacity(read_buffer.max(RUSTLS_READ), tcp);
                let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return tracing::debug!("TLS handshake with {peer} failed: {e}"),
                    Err(_) => return tracing::debug!("TLS handshake with {peer} timed out"),
                };
                let client_cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|der| match crate::pki::cert_info_der(der) {
                        Ok(info) => Some(Arc::new(info)),
                        Err(e) => {
                            tracing::debug!("client certificate of {peer}: {}", e.message);
                            None
                        }
                    });
                let info = ConnInfo {
                    peer,
                    client_cert,
                    local_port: addr.port(),
                };
                let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                    req.extensions_mut().insert(info.clone());
                    let answer = app.clone().oneshot(req);
                    async move {
                        // A request (headers and body) that takes longer is answered and its connection closed.
                        match tokio::time::timeout(request_timeout, answer).await {
                            Ok(response) => response,
                            Err(_) => Ok(routes::too_slow()),
                        }
                    }
                });
                // With a timer, hyper drops a client that takes more than 30 s to send its headers.
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(request_timeout)
                    .serve_connection(TokioIo::new(greedy::Greedy(tls)), service);
                tokio::pin!(conn);
                tokio::select! {
                    r = conn.as_mut() => if let Err(e) = r { tracing::debug!("connection {peer}: {e}") },
                    _ = stopped.changed() => conn.as_mut().graceful_shutdown(),
                }
            });
        }
    });
    Ok(Served { addr, shutdown, task })
}

pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        Error::new(
            crate::error::ErrorCode::Unreachable,
            format!("Cannot listen on {addr}: {e}"),
            format!("Impossible d'écouter sur {addr} : {e}"),
        )
    })
}

/// What the routes share: the controller, the listeners on its pool's ports, and the slots for password checks.
pub struct Shared {
    pub controller: Arc<Controller>,
    pub listeners: Listeners,
    /// Password hashing is what an enrolment or a login costs. Attempts from machines without a certificate wait
    /// for their own slots, so that a flood of them never delays a login from an enrolled device.
    pub(crate) enrol_checks: tokio::sync::Semaphore,
    pub(crate) login_checks: tokio::sync::Semaphore,
    /// Enrolment attempts each network address may make.
    pub(crate) enrol_budget: AttemptBudget,
}

/// Password checks that may run at once in each pool: half the cores, so that checks never take the whole machine
/// from the routes that only read.
pub fn password_check_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// A controller answering on a socket, with the directory and planning servers it runs and its status checks;
/// `stop` ends them all.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    served: Served,
    checks: JoinHandle<()>,
}

impl RunningServer {
    pub async fn stop(self) {
        self.checks.abort();
        self.served.stop().await;
        self.shared.listeners.stop_all().await;
    }
}

/// How a controller runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// How often every planning's status is checked, whether or not anyone is looking, so that the time of the
    /// last change is true.
    pub status_interval: Duration,
    pub limits: Limits,
    /// Enrolment attempts one network address may make at once, then one more every `enrol_refill`.
    pub enrol_burst: u32,
    pub enrol_refill: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            status_interval: Duration::from_secs(30),
            limits: Limits::default(),
            enrol_burst: 20,
            enrol_refill: Duration::from_secs(3),
        }
    }
}

/// Binds `listen` (port 0 for a free port) and serves the controller until stopped. The directory and planning
/// servers it ran before a restart start again, on the same IP address.
pub async fn start(controller: Arc<Controller>, listen: SocketAddr) -> Result<RunningServer> {
    start_with(controller, listen, Options::default()).await
}

pub async fn start_with(controller: Arc<Controller>, listen: SocketAddr, options: Options) -> Result<RunningServer> {
    let listener = bind(listen).await?;
    let addr = listener.local_addr()?;
    // Only the serving process writes bases, and it has not started yet: a folder no row names is a leftover of an
    // interrupted change (provider commands open the controller too, and must never sweep under a running one).
    let removed = controller.sweep_bases()? + controller.sweep_uploads()?;
    if removed > 0 {
        tracing::info!("removed {removed} base folder(s) or upload(s) left by an interrupted change");
    }
    let listeners = Listeners::new(controller.clone(), listen.ip(), options.limits.clone());
    if let Err(e) = listeners.sync().await {
        tracing::warn!("{}", e.message);
    }
    let shared = Arc::new(Shared {
        controller: controller.clone(),
        listeners,
        enrol_checks: tokio::sync::Semaphore::new(password_check_slots()),
        login_checks: tokio::sync::Semaphore::new(password_check_slots()),
        enrol_budget: AttemptBudget::new(options.enrol_burst, options.enrol_refill),
    });
    let served = serve(
        listener,
        tls_config(&controller)?,
        routes::router(shared.clone()),
        &options.limits,
    )?;
    let checks = tokio::spawn(status::check_every(shared.clone(), options.status_interval));
    Ok(RunningServer {
        addr,
        shared,
        served,
        checks,
    })
}

/// The token of an `Authorization: Bearer …` header: console sessions and planning sessions alike.
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}
