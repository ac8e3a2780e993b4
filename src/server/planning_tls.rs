//! A planning server's certificate: issued by the controller's CA for the planning's own domain name (and the
//! loopback names, for the local controller), so that a browser or a timetable client reaching `planning.lycee.fr`
//! finds that name in it. Issued in memory when first needed, and again when the planning's domain changes: the
//! next handshake presents the new name, no restart.

use super::tls_err;
use crate::controller::Controller;
use crate::error::Result;
use crate::pki;
use crate::tls::crypto_provider;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use std::sync::{Arc, Mutex, PoisonError};

struct PlanningCert {
    controller: Arc<Controller>,
    planning_id: i64,
    provider: Arc<CryptoProvider>,
    /// The domain the certificate was issued for, and the certificate.
    issued: Mutex<Option<(String, Arc<CertifiedKey>)>>,
}

impl std::fmt::Debug for PlanningCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlanningCert({})", self.planning_id)
    }
}

impl PlanningCert {
    fn issue(&self, domain: &str) -> Result<Arc<CertifiedKey>> {
        let keyed = pki::new_server_cert(self.controller.ca(), domain)?;
        let leaf = CertificateDer::from_pem_slice(keyed.cert_pem.as_bytes()).map_err(tls_err)?;
        let ca = CertificateDer::from_pem_slice(self.controller.ca().cert_pem.as_bytes()).map_err(tls_err)?;
        let key = PrivateKeyDer::from_pem_slice(keyed.key_pem.as_bytes()).map_err(tls_err)?;
        Ok(Arc::new(
            CertifiedKey::from_der(vec![leaf, ca], key, &self.provider).map_err(tls_err)?,
        ))
    }

    fn current(&self) -> Result<Arc<CertifiedKey>> {
        // A planning with no domain yet (or gone) is reached on loopback only: the loopback names do.
        let served = match self.controller.planning_served(self.planning_id) {
            Ok(served) => served,
            Err(e) => {
                // The database cannot be read just now: the certificate already issued still names the domain.
                if let Some((_, cert)) = self.issued.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
                    return Ok(cert.clone());
                }
                return Err(e);
            }
        };
        let domain = served.and_then(|s| s.domain).unwrap_or_else(|| "localhost".to_owned());
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((name, cert)) = issued.as_ref() {
            if *name == domain {
                return Ok(cert.clone());
            }
        }
        let cert = self.issue(&domain)?;
        *issued = Some((domain, cert.clone()));
        Ok(cert)
    }
}

impl ResolvesServerCert for PlanningCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match self.current() {
            Ok(cert) => Some(cert),
            Err(e) => {
                // No certificate: the handshake fails, the client sees a TLS alert.
                tracing::error!(planning = self.planning_id, error = %e, "no certificate for the planning server");
                None
            }
        }
    }
}

/// TLS 1.3 for one planning's server: its own certificate, no client certificate.
pub fn planning_tls_config(controller: Arc<Controller>, planning_id: i64) -> Result<Arc<ServerConfig>> {
    let provider = crypto_provider();
    let resolver = PlanningCert {
        controller,
        planning_id,
        provider: provider.clone(),
        issued: Mutex::new(None),
    };
    // Issued now, so that a planning whose certificate cannot be made does not start.
    resolver.current()?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
