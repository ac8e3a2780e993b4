//! The controller's HTTPS listener: TLS 1.3 only (rustls), client certificates from the controller's CA. The
//! handshake lets a client without a certificate through, because enrolment needs none; every other route refuses it
//! (see `routes`). A certificate from another CA fails the handshake itself.

mod routes;

use crate::controller::Controller;
use crate::error::{Error, Result};
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
    /// DER of the verified client certificate, if one was presented.
    pub client_cert: Option<Arc<Vec<u8>>>,
}

pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_err(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("TLS configuration: {e}"))
}

pub fn tls_config(controller: &Controller) -> Result<Arc<ServerConfig>> {
    let provider = crypto_provider();
    let ca =
        CertificateDer::from_pem_slice(controller.ca().cert_pem.as_bytes()).map_err(tls_err)?;
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(tls_err)?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(tls_err)?;
    let chain = vec![
        CertificateDer::from_pem_slice(controller.server_cert().cert_pem.as_bytes())
            .map_err(tls_err)?,
    ];
    let key = PrivateKeyDer::from_pem_slice(controller.server_cert().key_pem.as_bytes())
        .map_err(tls_err)?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A controller answering on a socket; `stop` ends it.
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Binds `listen` (port 0 for a free port) and serves the controller until stopped.
pub async fn start(controller: Arc<Controller>, listen: SocketAddr) -> Result<RunningServer> {
    let listener = TcpListener::bind(listen).await.map_err(|e| {
        Error::new(
            crate::error::ErrorCode::Unreachable,
            format!("Cannot listen on {listen}: {e}"),
            format!("Impossible d'écouter sur {listen} : {e}"),
        )
    })?;
    let addr = listener.local_addr()?;
    let acceptor = TlsAcceptor::from(tls_config(&controller)?);
    let app = routes::router(controller);
    let (shutdown, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let (tcp, peer) = tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => { tracing::warn!("accept: {e}"); continue; }
                },
            };
            let (acceptor, app, mut stopped) = (acceptor.clone(), app.clone(), stopped.clone());
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp))
                    .await
                {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return tracing::debug!("TLS handshake with {peer} failed: {e}"),
                    Err(_) => return tracing::debug!("TLS handshake with {peer} timed out"),
                };
                let client_cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| Arc::new(c.to_vec()));
                let info = ConnInfo { peer, client_cert };
                let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                    req.extensions_mut().insert(info.clone());
                    app.clone().oneshot(req)
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service);
                tokio::pin!(conn);
                tokio::select! {
                    r = conn.as_mut() => if let Err(e) = r { tracing::debug!("connection {peer}: {e}") },
                    _ = stopped.changed() => conn.as_mut().graceful_shutdown(),
                }
            });
        }
    });
    Ok(RunningServer {
        addr,
        shutdown,
        task,
    })
}
