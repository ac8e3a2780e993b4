//! Connecting: first connection (certificate from the invoice number), login, renewal, logout, forgetting a controller.
//! Network calls run with no lock held; the settings are changed in short `update`s around them.

use super::config::{DeviceRecord, SessionRef};
use super::{
    controller_key, device_label, device_secret, not_connected, renewal_due, Console, EnrolmentReceipt, Holder,
    OpenSession, SessionInfo, StoredSession, SESSION_SECRET,
};
use crate::api::{EnrolRequest, LoginRequest, PasswordCheck};
use crate::client::{ControllerClient, Identity, Trust};
use crate::controller::auth::typed_password;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::InvoiceNumber;
use crate::pki;
use crate::tasks::{self, TaskStep};
use std::sync::atomic::Ordering;
use std::sync::Arc;

impl Console {
    /// First connection from this device: installs a certificate with the invoice number.
    ///
    /// `ca_fingerprint`, given by the provider with the credentials, is checked during the TLS handshake of the first
    /// contact, before the password or the invoice number leave this machine.
    pub async fn enrol(
        &self,
        controller: &str,
        hosting_number: &str,
        password: &str,
        invoice_number: &str,
        ca_fingerprint: Option<&str>,
    ) -> Result<EnrolmentReceipt> {
        let holder = Holder::parse(hosting_number, None)?;
        self.enrol_as(controller, &holder, password, invoice_number, ca_fingerprint)
            .await
    }

    /// The same for the hosting manager or an administrator: each has its own certificate on this machine.
    pub async fn enrol_as(
        &self,
        controller: &str,
        holder: &Holder,
        password: &str,
        invoice_number: &str,
        ca_fingerprint: Option<&str>,
    ) -> Result<EnrolmentReceipt> {
        let hosting = &holder.hosting;
        let password = typed_password(password, holder.login.is_some())?;
        let invoice = InvoiceNumber::parse(invoice_number)?;
        let expected = ca_fingerprint
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(pki::parse_fingerprint)
            .transpose()?;
        let key = self.select_controller(controller)?;
        let known = self.known(&key)?;
        let address = known.address.clone();
        let expected = expected.or_else(|| known.expected_ca_fingerprint.clone());
        if let (Some(expected), Some(pinned)) = (&expected, &known.ca_fingerprint) {
            if expected != pinned {
                return Err(ca_mismatch_with_provider(&address));
            }
        }
        let trust = match self.trust(&key)? {
            Trust::FirstUse { .. } => Trust::FirstUse {
                expected_ca_fingerprint: expected.clone(),
            },
            pinned => pinned,
        };
        tasks::step(TaskStep::CreatingKey);
        let (key_pem, csr_pem) = pki::new_device_key_and_csr()?;
        let client = ControllerClient::new(&address, &trust, None)?;
        tasks::step(TaskStep::WaitingForController);
        // Cancelled while waiting, the controller may still sign a certificate nobody keeps: harmless, as it is bound
        // to a key that never left this process.
        let resp = tasks::cancellable(client.enrol(&EnrolRequest {
            hosting_number: hosting.to_string(),
            login: holder.login.clone(),
            password: password.clone(),
            invoice_number: invoice.as_str().to_owned(),
            csr_pem,
            device_label: device_label(),
        }))
        .await
        .map_err(|e| match (&expected, e.code) {
            (Some(_), ErrorCode::CaMismatch) => ca_mismatch_with_provider(&address),
            _ => e,
        })?;
        let ca_fingerprint = pki::fingerprint(&pki::pem_to_der(&resp.ca_pem)?);
        if expected.as_ref().is_some_and(|f| *f != ca_fingerprint) {
            return Err(ca_mismatch_with_provider(&address));
        }
        if let Some(pinned) = &known.ca_pem {
            if pinned.trim() != resp.ca_pem.trim() {
                return Err(Error::new(
                    ErrorCode::CaMismatch,
                    "The controller returned another CA than the pinned one.",
                    "Le contrôleur a renvoyé une autorité différente de celle enregistrée.",
                ));
            }
        }
        let cert = pki::cert_info(&resp.certificate_pem)?;
        let identity = Identity {
            key_pem,
            cert_pem: resp.certificate_pem,
        };
        tasks::step(TaskStep::SavingToKeyring);
        self.secrets
            .set(
                &device_secret(&key, &holder.key()),
                serde_json::to_string(&identity).map_err(Error::internal)?,
            )
            .await?;
        self.update(|c| {
            let entry = c.controllers.get_mut(&key).ok_or_else(not_connected)?;
            entry.ca_pem = Some(resp.ca_pem.clone());
            entry.ca_fingerprint = Some(ca_fingerprint.clone());
            entry.devices.insert(
                holder.key(),
                DeviceRecord {
                    device_id: resp.device_id.clone(),
                    certificate_fingerprint: cert.fingerprint_sha256.clone(),
                    not_after: cert.not_after.clone(),
                },
            );
            c.last_hosting_number = Some(hosting.to_string());
            Ok(())
        })?;
        Ok(EnrolmentReceipt {
            controller: key,
            hosting_number: hosting.to_string(),
            device_id: resp.device_id,
            certificate_fingerprint: cert.fingerprint_sha256,
            certificate_not_after: cert.not_after,
            ca_fingerprint,
        })
    }

    /// Logs the hosting manager in. On a device with no certificate yet, the password is checked first (seed 000's
    /// order, under the enrolment lock-out), then this fails with `enrolment_required`: the invoice number comes next.
    /// `ca_fingerprint`, when the provider gave one, is checked in the handshake before the password leaves.
    pub async fn login(
        &self,
        controller: &str,
        hosting_number: &str,
        password: &str,
        ca_fingerprint: Option<&str>,
    ) -> Result<SessionInfo> {
        self.login_as(
            controller,
            &Holder::parse(hosting_number, None)?,
            password,
            ca_fingerprint,
        )
        .await
    }

    /// Logs the hosting manager or an administrator in, from this machine's certificate for it.
    pub async fn login_as(
        &self,
        controller: &str,
        holder: &Holder,
        password: &str,
        ca_fingerprint: Option<&str>,
    ) -> Result<SessionInfo> {
        let hosting = &holder.hosting;
        let password = typed_password(password, holder.login.is_some())?;
        let key = self.select_controller(controller)?;
        if let Some(fingerprint) = ca_fingerprint.map(str::trim).filter(|f| !f.is_empty()) {
            self.expect_ca(&key, fingerprint)?;
        }
        let Some(identity) = self.identity(&key, holder).await? else {
            return Err(self.check_password_first(&key, holder, &password).await);
        };
        let address = self.known(&key)?.address;
        let trust = self.trust(&key)?;
        let client = ControllerClient::new(&address, &trust, Some(&identity))?;
        let request = LoginRequest {
            hosting_number: hosting.to_string(),
            login: holder.login.clone(),
            password: password.clone(),
        };
        tasks::step(TaskStep::WaitingForController);
        let resp = match tasks::cancellable(client.login(&request)).await {
            Err(e) if e.code == ErrorCode::CertificateRevoked => {
                // The controller (whose CA is pinned) no longer accepts this certificate: it is useless; drop it so
                // that the invoice number can install a new one.
                self.drop_identity(&key, holder).await?;
                return Err(Error::new(
                    ErrorCode::EnrolmentRequired,
                    "This device's certificate was revoked by the controller: enter the invoice number to install a new one.",
                    "Le certificat de ce poste a été révoqué par le contrôleur : saisissez le numéro de facture pour en installer un nouveau.",
                ));
            }
            other => other?,
        };
        // A failed renewal does not fail the login: the next one tries again, well before the certificate expires.
        let renewed = match self.renew_if_due(&key, holder, &identity, &resp.token).await {
            Ok(renewed) => renewed,
            Err(e) => {
                tracing::warn!("certificate renewal failed: {}", e.message);
                None
            }
        };
        let identity = renewed.as_ref().unwrap_or(&identity);
        tasks::step(TaskStep::SavingToKeyring);
        let stored = StoredSession {
            token: resp.token.clone(),
            expires_at: resp.expires_at.clone(),
        };
        self.secrets
            .set(SESSION_SECRET, serde_json::to_string(&stored).map_err(Error::internal)?)
            .await?;
        let session = SessionRef {
            controller: key.clone(),
            hosting_number: hosting.to_string(),
            login: holder.login.clone(),
        };
        self.update(|c| {
            c.session = Some(session.clone());
            c.last_hosting_number = Some(hosting.to_string());
            Ok(())
        })?;
        // The session's client, reused by every call until logout.
        let client = ControllerClient::new(&address, &trust, Some(identity))?.with_token(resp.token);
        self.set_cached_session(Some(Arc::new(OpenSession { session, client })));
        Ok(SessionInfo {
            controller: key,
            controller_address: address,
            hosting_number: hosting.to_string(),
            login: holder.login.clone(),
            licence_accepted: resp.licence_accepted,
            must_change_password: resp.must_change_password,
            expires_at: resp.expires_at,
            certificate_renewed: renewed.is_some(),
        })
    }

    /// The first step of a first connection: the controller checks the password, then the invoice number is asked.
    async fn check_password_first(&self, key: &str, holder: &Holder, password: &str) -> Error {
        let checked = async {
            let known = self.known(key)?;
            let client = ControllerClient::new(&known.address, &self.trust(key)?, None)?;
            let request = PasswordCheck {
                hosting_number: holder.hosting.to_string(),
                login: holder.login.clone(),
                password: password.to_owned(),
            };
            tasks::step(TaskStep::WaitingForController);
            tasks::cancellable(client.check_enrol_password(&request))
                .await
                .map_err(|e| {
                    match (
                        e.code,
                        known.ca_pem.is_none() && known.expected_ca_fingerprint.is_some(),
                    ) {
                        (ErrorCode::CaMismatch, true) => ca_mismatch_with_provider(&known.address),
                        _ => e,
                    }
                })
        };
        match checked.await {
            Ok(()) => Error::new(
                ErrorCode::EnrolmentRequired,
                "Password accepted. First connection from this device: enter the invoice number to install its certificate.",
                "Mot de passe accepté. Première connexion depuis ce poste : saisissez le numéro de facture pour installer son certificat.",
            ),
            Err(e) => e,
        }
    }

    /// Renews this device's certificate (new key) when it is in its renewal window; returns the new identity.
    async fn renew_if_due(
        &self,
        key: &str,
        holder: &Holder,
        identity: &Identity,
        token: &str,
    ) -> Result<Option<Identity>> {
        let current = pki::cert_info(&identity.cert_pem)?;
        let now = crate::time_fmt::now_unix() + self.clock_skew.load(Ordering::Relaxed);
        if !renewal_due(current.not_before_unix, current.not_after_unix, now) {
            return Ok(None);
        }
        // Not cancellable: the controller may revoke the old certificate as soon as it signs the new one.
        tasks::step(TaskStep::RenewingCertificate);
        let (key_pem, csr_pem) = pki::new_device_key_and_csr()?;
        let address = self.known(key)?.address;
        let client = ControllerClient::new(&address, &self.trust(key)?, Some(identity))?.with_token(token);
        let resp = client.renew(csr_pem).await?;
        let renewed = pki::cert_info(&resp.certificate_pem)?;
        let identity = Identity {
            key_pem,
            cert_pem: resp.certificate_pem,
        };
        let secret = serde_json::to_string(&identity).map_err(Error::internal)?;
        self.secrets.set(&device_secret(key, &holder.key()), secret).await?;
        self.update(|c| {
            if let Some(record) = c
                .controllers
                .get_mut(key)
                .and_then(|k| k.devices.get_mut(&holder.key()))
            {
                record.certificate_fingerprint = renewed.fingerprint_sha256.clone();
                record.not_after = renewed.not_after.clone();
            }
            Ok(())
        })?;
        Ok(Some(identity))
    }

    /// Ends the session on the controller (when it answers) and forgets the token here in any case. The controller
    /// and hosting number stay selected for the next login.
    pub async fn logout(&self) -> Result<()> {
        let open = self.session_client().await;
        self.set_cached_session(None);
        self.secrets.delete(SESSION_SECRET).await?;
        self.update(|c| {
            c.session = None;
            Ok(())
        })?;
        let ended = match open {
            Ok(open) => open.client.logout().await.map(drop),
            Err(e) => Err(e),
        };
        match ended {
            Err(e) if e.code == ErrorCode::Unreachable => Err(e),
            _ => Ok(()),
        }
    }

    pub(super) async fn drop_identity(&self, key: &str, holder: &Holder) -> Result<()> {
        self.secrets.delete(&device_secret(key, &holder.key())).await?;
        self.update(|c| {
            if let Some(known) = c.controllers.get_mut(key) {
                known.devices.remove(&holder.key());
            }
            Ok(())
        })
    }

    /// Removes a controller, its pinned CA and this device's certificates for it.
    pub async fn forget(&self, controller: &str) -> Result<()> {
        let key = controller_key(controller)?;
        let Some(known) = self.read(|c| c.controllers.get(&key).cloned()) else {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("No controller {key} in this console."),
                format!("Aucun contrôleur {key} dans cette console."),
            ));
        };
        for holder in known.devices.keys() {
            self.secrets.delete(&device_secret(&key, holder)).await?;
        }
        let session_here = self.read(|c| c.session.as_ref().is_some_and(|s| s.controller == key));
        if session_here {
            self.set_cached_session(None);
            self.secrets.delete(SESSION_SECRET).await?;
        }
        self.update(|c| {
            c.controllers.remove(&key);
            if c.session.as_ref().is_some_and(|s| s.controller == key) {
                c.session = None;
            }
            if c.current.as_deref() == Some(&key) {
                c.current = None;
            }
            Ok(())
        })
    }
}

pub(super) fn ca_mismatch_with_provider(address: &str) -> Error {
    Error::new(
        ErrorCode::CaMismatch,
        format!(
            "The controller at {address} is not the one whose fingerprint the provider gave. Nothing was sent to it."
        ),
        format!(
            "Le contrôleur {address} n'est pas celui dont l'hébergeur a donné l'empreinte. Rien ne lui a été envoyé."
        ),
    )
}
