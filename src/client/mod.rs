//! HTTPS client of the controller API, over rustls with TLS 1.3 and an optional client certificate.
//!
//! Trust: once a device is enrolled, the controller's CA is pinned and the server certificate must chain to it
//! (any name: the CA is private to one controller and only its server certificate has the serverAuth usage).
//! Before enrolment nothing is pinned yet: the server certificate is recorded, and the CA returned by enrolment must
//! have signed it, or nothing is installed.

mod transfer;

use crate::api::*;
use crate::error::{Error, ErrorCode, Result};
use crate::profils::ProfilsFile;
use crate::tls::crypto_provider;
use reqwest::Method;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A device's key and certificate (PEM). The key is secret.
#[derive(Clone, Serialize, serde::Deserialize)]
pub struct Identity {
    pub key_pem: String,
    pub cert_pem: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(…)")
    }
}

pub enum Trust {
    /// The CA pinned at enrolment (PEM).
    Pinned(String),
    /// First contact. With the CA's fingerprint (given by the provider), the handshake itself checks that the server
    /// certificate chains to that CA, before anything is sent. Without it, the server certificate is accepted for
    /// now and `enrol` checks it against the CA the controller returns.
    FirstUse { expected_ca_fingerprint: Option<String> },
}

/// Canonical `host:port` from what a user types (`host:port`, `https://host:port/`, `[::1]:port`).
pub fn normalize_address(input: &str) -> Result<String> {
    let s = input.trim().trim_start_matches("https://").trim_end_matches('/');
    let invalid = || {
        Error::invalid(
            format!("'{}' is not a controller address: write it as name:port, for example controller.example.org:8443.", input.trim()),
            format!("« {} » n'est pas une adresse de contrôleur : écrivez nom:port, par exemple controleur.exemple.fr:8443.", input.trim()),
        )
    };
    let (host, port) = s.rsplit_once(':').ok_or_else(invalid)?;
    let port: u16 = port.parse().map_err(|_| invalid())?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let host_ok = bare.parse::<std::net::IpAddr>().is_ok() || crate::ids::DomainName::parse(bare).is_ok();
    if port == 0 || !host_ok {
        return Err(invalid());
    }
    Ok(format!("{}:{port}", host.to_ascii_lowercase()))
}

#[derive(Debug)]
struct ControllerVerifier {
    pinned: Option<Arc<WebPkiServerVerifier>>,
    expected_ca_fingerprint: Option<String>,
    seen: Arc<Mutex<Option<CertificateDer<'static>>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

fn pinned_verifier(ca_pem: &str) -> Result<Arc<WebPkiServerVerifier>> {
    let mut roots = RootCertStore::empty();
    let ca = CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(|e| {
        Error::invalid(
            format!("Bad CA certificate: {e}"),
            format!("Certificat d'autorité illisible : {e}"),
        )
    })?;
    roots.add(ca).map_err(|e| {
        Error::invalid(
            format!("Bad CA certificate: {e}"),
            format!("Certificat d'autorité illisible : {e}"),
        )
    })?;
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), crypto_provider())
        .build()
        .map_err(Error::internal)
}

/// Chain to the pinned CA; the name is not checked (see the module comment).
fn verify_chain(
    v: &WebPkiServerVerifier,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> std::result::Result<ServerCertVerified, rustls::Error> {
    let name = ServerName::try_from("localhost").expect("valid name");
    match v.verify_server_cert(end_entity, intermediates, &name, &[], now) {
        Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName))
        | Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
            Ok(ServerCertVerified::assertion())
        }
        other => other,
    }
}

impl ServerCertVerifier for ControllerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        *self.seen.lock().expect("lock") = Some(end_entity.clone().into_owned());
        if let Some(v) = &self.pinned {
            return verify_chain(v, end_entity, intermediates, now);
        }
        let Some(expected) = &self.expected_ca_fingerprint else {
            return Ok(ServerCertVerified::assertion());
        };
        // The CA the server sent along must be the one the provider announced, and must have signed the server.
        let ca = intermediates
            .iter()
            .find(|c| &crate::pki::fingerprint(c) == expected)
            .ok_or(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))?;
        let mut roots = RootCertStore::empty();
        roots
            .add(ca.clone().into_owned())
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))?;
        verify_chain(&verifier, end_entity, &[], now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

pub struct ControllerClient {
    address: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Option<CertificateDer<'static>>>>,
    token: Option<String>,
}

impl ControllerClient {
    pub fn new(address: &str, trust: &Trust, identity: Option<&Identity>) -> Result<Self> {
        let address = normalize_address(address)?;
        let provider = crypto_provider();
        let seen = Arc::new(Mutex::new(None));
        let verifier = ControllerVerifier {
            pinned: match trust {
                Trust::Pinned(ca) => Some(pinned_verifier(ca)?),
                Trust::FirstUse { .. } => None,
            },
            expected_ca_fingerprint: match trust {
                Trust::FirstUse {
                    expected_ca_fingerprint,
                } => expected_ca_fingerprint.clone(),
                Trust::Pinned(_) => None,
            },
            seen: seen.clone(),
            provider: provider.clone(),
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(Error::internal)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let tls = match identity {
            Some(id) => {
                let bad = |e: rustls::pki_types::pem::Error| {
                    Error::new(
                        ErrorCode::Keyring,
                        format!("The stored device certificate is unreadable: {e}"),
                        format!("Le certificat enregistré du poste est illisible : {e}"),
                    )
                };
                let cert = CertificateDer::from_pem_slice(id.cert_pem.as_bytes()).map_err(bad)?;
                let key = PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).map_err(bad)?;
                builder
                    .with_client_auth_cert(vec![cert], key)
                    .map_err(Error::internal)?
            }
            None => builder.with_no_client_auth(),
        };
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(Error::internal)?;
        Ok(ControllerClient {
            address,
            http,
            seen,
            token: None,
        })
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    async fn call<T: DeserializeOwned>(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<T> {
        self.call_with(method, path, |r| r, body).await
    }

    /// `call`, with the request adjusted first (a query string).
    async fn call_with<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        adjust: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        let url = format!("https://{}{API_PREFIX}{path}", self.address);
        let mut req = adjust(self.http.request(method, &url));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| transport_error(&e, &self.address))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| transport_error(&e, &self.address))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| Error::internal(format!("unexpected answer from the controller: {e}")));
        }
        Err(refusal(status, &bytes))
    }

    /// Any API call by method and path (with its query), the body as JSON: what the test that walks every route with
    /// every role sends.
    pub async fn call_route(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        self.call(method, path, body).await
    }

    /// True when `GET path` (outside the API) answers with success: a planning server's health check.
    pub async fn probe(&self, path: &str) -> bool {
        let url = format!("https://{}{path}", self.address);
        matches!(self.http.get(url).send().await, Ok(r) if r.status().is_success())
    }

    /// First connection of this device. Checks that the returned CA signed the certificate the server presented.
    pub async fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        let resp: EnrolResponse = self.call(Method::POST, "/enrol", Some(req)).await?;
        let seen = self
            .seen
            .lock()
            .expect("lock")
            .clone()
            .ok_or_else(|| Error::internal("no server certificate seen"))?;
        let verifier = pinned_verifier(&resp.ca_pem)?;
        if verify_chain(&verifier, &seen, &[], UnixTime::now()).is_err() {
            return Err(ca_mismatch(&self.address));
        }
        Ok(resp)
    }

    /// First step of a first connection: is the password right? (No certificate needed.)
    pub async fn check_enrol_password(&self, req: &PasswordCheck) -> Result<()> {
        self.call::<serde_json::Value>(Method::POST, "/enrol/password", Some(req))
            .await
            .map(drop)
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<LoginResponse> {
        self.call(Method::POST, "/login", Some(req)).await
    }
    pub async fn renew(&self, csr_pem: String) -> Result<RenewResponse> {
        self.call(Method::POST, "/renew", Some(&RenewRequest { csr_pem })).await
    }

    pub async fn logout(&self) -> Result<serde_json::Value> {
        self.call(Method::POST, "/logout", None::<&()>).await
    }
    pub async fn whoami(&self) -> Result<WhoAmI> {
        self.call(Method::GET, "/session", None::<&()>).await
    }
    pub async fn licence(&self) -> Result<Licence> {
        self.call(Method::GET, "/licence", None::<&()>).await
    }
    /// An administrator chooses its own password (forced after a given one).
    pub async fn change_own_password(&self, change: &PasswordChange) -> Result<WhoAmI> {
        self.call(Method::POST, "/session/password", Some(change)).await
    }
    pub async fn accept_licence(&self, version: i64) -> Result<Licence> {
        self.call(Method::POST, "/licence/accept", Some(&AcceptLicenceRequest { version }))
            .await
    }
    pub async fn configuration(&self) -> Result<Configuration> {
        self.call(Method::GET, "/config", None::<&()>).await
    }

    /// The configuration with every planning's status checked now.
    pub async fn statuses(&self) -> Result<Configuration> {
        self.call(Method::GET, "/plannings/status", None::<&()>).await
    }

    /// One change of the configuration, applied whole or not at all.
    pub async fn apply(&self, change: &ConfigChange) -> Result<Configuration> {
        self.call(Method::POST, "/config", Some(change)).await
    }

    pub async fn account(&self) -> Result<AccountInfo> {
        self.call(Method::GET, "/account", None::<&()>).await
    }

    /// One page of the users list, searched and sorted by the controller.
    pub async fn users(&self, query: &UserQuery) -> Result<UserPage> {
        self.call_with(Method::GET, "/users", |r| r.query(query), None::<&()>)
            .await
    }

    /// One change of the users list, applied whole or not at all.
    pub async fn change_users(&self, change: &UserChange) -> Result<UserOutcome> {
        self.call(Method::POST, "/users", Some(change)).await
    }

    /// Sends a users CSV file: checked only, or imported whole when every row is valid.
    pub async fn import_users(&self, file: Vec<u8>, check_only: bool) -> Result<UsersImport> {
        too_large(&file, crate::controller::users_import::IMPORT_MAX_BYTES)?;
        self.call_with(
            Method::POST,
            "/users/import",
            |r| {
                r.query(&[("check", check_only)])
                    .header(reqwest::header::CONTENT_TYPE, "text/csv")
                    .body(file)
            },
            None::<&()>,
        )
        .await
    }

    /// Sends a `.profils` file: previewed (nothing written), or applied whole when nothing is wrong in it.
    pub async fn import_profils(&self, file: Vec<u8>, check_only: bool) -> Result<ProfilsImport> {
        self.call_with(
            Method::POST,
            "/profils",
            |r| {
                r.query(&[("check", check_only)])
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(file)
            },
            None::<&()>,
        )
        .await
    }

    /// The account's users and the authorisations of the plannings this session reaches, as a `.profils` file.
    pub async fn export_profils(&self) -> Result<ProfilsFile> {
        self.call(Method::GET, "/profils", None::<&()>).await
    }

    /// A planning's profiles, with the catalogue of authorisations.
    pub async fn profiles(&self, planning_id: i64) -> Result<PlanningProfiles> {
        self.call(Method::GET, &format!("/plannings/{planning_id}/profiles"), None::<&()>)
            .await
    }

    /// One change of a planning's profiles or assignments, applied whole or not at all.
    pub async fn change_profiles(&self, planning_id: i64, change: &ProfileChange) -> Result<ProfileOutcome> {
        self.call(
            Method::POST,
            &format!("/plannings/{planning_id}/profiles"),
            Some(change),
        )
        .await
    }

    /// Mes plannings: a planning's base in service and the earlier ones it keeps.
    pub async fn bases(&self, planning_id: i64) -> Result<crate::api::PlanningBases> {
        self.call(Method::GET, &format!("/plannings/{planning_id}/bases"), None::<&()>)
            .await
    }

    /// Creates a base (in service at once) or puts an earlier one back in service.
    pub async fn change_bases(
        &self,
        planning_id: i64,
        change: &crate::api::BaseChange,
    ) -> Result<crate::api::PlanningBases> {
        self.call(Method::POST, &format!("/plannings/{planning_id}/bases"), Some(change))
            .await
    }
}

/// The controller's `{code, message}` for a refused request.
pub(crate) fn refusal(status: reqwest::StatusCode, body: &[u8]) -> Error {
    serde_json::from_slice::<Error>(body)
        .unwrap_or_else(|_| Error::internal(format!("the controller answered {status} without explanation")))
}

fn ca_mismatch(address: &str) -> Error {
    Error::new(
        ErrorCode::CaMismatch,
        format!("The controller at {address} presented a certificate that does not match the one recorded for it. The connection was refused: this may not be your controller. If it was reinstalled, remove it from the console and connect again."),
        format!("Le contrôleur {address} a présenté un certificat qui ne correspond pas à celui enregistré. La connexion a été refusée : ce n'est peut-être pas votre contrôleur. S'il a été réinstallé, retirez-le de la console puis reconnectez-vous."),
    )
}

fn find_tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    // io::Error hides its payload from `source()` (and reqwest nests io::Errors): look inside it.
    if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        let inner: &(dyn std::error::Error + 'static) = inner;
        return find_tls_error(inner);
    }
    e.source().and_then(find_tls_error)
}

pub(crate) fn transport_error(e: &reqwest::Error, address: &str) -> Error {
    match find_tls_error(e) {
        Some(rustls::Error::InvalidCertificate(_)) => ca_mismatch(address),
        Some(rustls::Error::AlertReceived(alert)) => Error::new(
            ErrorCode::CertificateRevoked,
            format!("The controller at {address} refused this device's certificate ({alert:?}). Install a certificate again with the invoice number."),
            format!("Le contrôleur {address} a refusé le certificat de ce poste ({alert:?}). Réinstallez un certificat avec le numéro de facture."),
        ),
        _ => {
            let mut detail = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                detail = format!("{detail}: {s}");
                src = s.source();
            }
            Error::new(
                ErrorCode::Unreachable,
                format!("Cannot reach the controller at {address} ({detail})."),
                format!("Impossible de joindre le contrôleur {address} ({detail})."),
            )
        }
    }
}

/// A file larger than the controller reads is refused here, before it is sent: the controller would refuse it at
/// once, and a client still sending megabytes then sees a broken connection rather than the controller's answer.
fn too_large(file: &[u8], max: usize) -> Result<()> {
    if file.len() > max {
        return Err(crate::Error::invalid(
            format!("The file has {} bytes; at most {max} are read.", file.len()),
            format!("Le fichier fait {} octets ; au plus {max} sont lus.", file.len()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_and_bad_ones_refused() {
        assert_eq!(
            normalize_address(" https://Ctl.Example.org:8443/ ").unwrap(),
            "ctl.example.org:8443"
        );
        assert_eq!(normalize_address("127.0.0.1:1").unwrap(), "127.0.0.1:1");
        assert_eq!(normalize_address("[::1]:443").unwrap(), "[::1]:443");
        for bad in ["", "ctl.example.org", "ctl:0", "ctl:70000", "bad host:80", ":80"] {
            assert_eq!(
                normalize_address(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad:?}"
            );
        }
    }
}
