//! The provider file: how a hosting provider ships its console pre-set. It names the provider, its controller's
//! address and its CA's fingerprint, so that the first screen opens on that controller and the handshake checks the
//! CA without anyone typing a fingerprint. `planhost-controller provider-file` writes it; the console reads it from
//! `$PLANHOST_PROVIDER`, else beside the executable, else from the app's bundled resources.
//!
//! It also holds what the welcome messages of a new account say (`planhost-controller account create`).

use crate::client::normalize_address;
use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

pub const FILE_NAME: &str = "provider.json";
const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Provider {
    pub version: u32,
    /// The provider's name, as the hosting manager knows it.
    pub name: String,
    /// The controller, `host:port`.
    pub controller: String,
    /// SHA-256 of the controller's CA certificate, `AB:CD:…`.
    pub ca_fingerprint: String,
    /// Where customers download the console.
    #[serde(default)]
    pub download_url: Option<String>,
}

fn unreadable(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        format!("The provider file {} is unusable: {why}.", path.display()),
        format!("Le fichier de l'hébergeur {} est inutilisable : {why}.", path.display()),
    )
}

impl Provider {
    /// A checked provider description: a real address, a well-formed fingerprint, a name.
    pub fn new(name: &str, controller: &str, ca_fingerprint: &str, download_url: Option<&str>) -> Result<Provider> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "The provider's name is 1 to 80 characters, on one line.",
                "Le nom de l'hébergeur fait de 1 à 80 caractères, sur une ligne.",
            ));
        }
        let download_url = download_url.map(str::trim).filter(|u| !u.is_empty());
        if download_url.is_some_and(|u| !u.starts_with("https://") || u.contains(char::is_whitespace)) {
            return Err(Error::invalid(
                "The download address must start with https:// and hold no spaces.",
                "L'adresse de téléchargement doit commencer par https:// et ne contenir aucun espace.",
            ));
        }
        Ok(Provider {
            version: VERSION,
            name: name.to_owned(),
            controller: normalize_address(controller)?,
            ca_fingerprint: crate::pki::parse_fingerprint(ca_fingerprint)?,
            download_url: download_url.map(str::to_owned),
        })
    }

    pub fn read(path: &Path) -> Result<Provider> {
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, e))?;
        let p: Provider = serde_json::from_str(&text).map_err(|e| unreadable(path, e))?;
        if p.version != VERSION {
            return Err(unreadable(path, format!("version {} is not known", p.version)));
        }
        // Checked as if typed: a hand-edited file gets the same rules.
        Provider::new(&p.name, &p.controller, &p.ca_fingerprint, p.download_url.as_deref())
            .map_err(|e| unreadable(path, e.message))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).map_err(Error::internal)?)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Where the console looks, in order: `$PLANHOST_PROVIDER`, beside the executable, then `bundled` (the app's
    /// resource folder). `None` with no file anywhere (a developer build); an error for a file that is unusable, or
    /// for `$PLANHOST_PROVIDER` naming a file that is not there.
    pub fn find(bundled: Option<&Path>) -> Result<Option<(Provider, PathBuf)>> {
        if let Some(path) = std::env::var_os("PLANHOST_PROVIDER").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(path);
            return Provider::read(&path).map(|p| Some((p, path)));
        }
        let beside = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|d| d.join(FILE_NAME)));
        for path in beside.into_iter().chain(bundled.map(|d| d.join(FILE_NAME))) {
            if path.is_file() {
                return Provider::read(&path).map(|p| Some((p, path)));
            }
        }
        Ok(None)
    }
}

/// The three messages a provider sends a new customer, as seed 000 describes them: one e-mail with the invoice
/// number and where to download the console, one with the hosting number, and the password by SMS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WelcomeMessages {
    pub connection_email: String,
    pub hosting_email: String,
    pub password_sms: String,
}

impl WelcomeMessages {
    /// Writes the three messages into `dir` as `<hosting>-1-email-connexion.txt`, `-2-email-hebergement.txt` and
    /// `-3-sms.txt`, owner-only: they carry the account's secrets.
    pub fn write(&self, dir: &Path, hosting_number: &str) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text) in [
            ("1-email-connexion", &self.connection_email),
            ("2-email-hebergement", &self.hosting_email),
            ("3-sms", &self.password_sms),
        ] {
            crate::controller::write_private(&dir.join(format!("{hosting_number}-{name}.txt")), text.as_bytes())?;
        }
        Ok(())
    }
}

pub fn welcome_messages(
    provider: Option<&Provider>,
    hosting_number: &str,
    console_password: &str,
    invoice_number: &str,
) -> WelcomeMessages {
    let name = provider.map_or("Votre hébergeur / Your provider", |p| p.name.as_str());
    let download = provider
        .and_then(|p| p.download_url.as_deref())
        .unwrap_or("(adresse de téléchargement à compléter / download address to fill in)");
    let controller = provider.map_or("(adresse à compléter / address to fill in)", |p| {
        p.controller.as_str()
    });
    let fingerprint = provider.map_or("", |p| p.ca_fingerprint.as_str());
    WelcomeMessages {
        connection_email: format!(
            "Objet : Modalités de connexion à la console d'hébergement\n\n\
             Bonjour,\n\n\
             Téléchargez la console d'hébergement Planhost : {download}\n\
             Elle se connecte d'elle-même au contrôleur de {name} ({controller}).\n\n\
             Numéro de facture : {invoice_number}\n\
             Il vous sera demandé une seule fois par poste, à la première connexion, pour installer le certificat du poste.\n\
             Votre numéro d'hébergement vous parvient dans un autre e-mail, le mot de passe de la console par SMS.\n\n\
             Empreinte de l'autorité du contrôleur (vérifiée par la console) : {fingerprint}\n\n\
             ---\n\
             Subject: How to connect to the hosting console\n\n\
             Download the Planhost hosting console: {download}\n\
             It connects by itself to {name}'s controller ({controller}).\n\n\
             Invoice number: {invoice_number}\n\
             It is asked once per computer, at the first connection, to install that computer's certificate.\n\
             Your hosting number comes in another e-mail, the console password by SMS.\n\n\
             Controller CA fingerprint (checked by the console): {fingerprint}\n"
        ),
        hosting_email: format!(
            "Objet : {name} - Informations hébergement\n\n\
             Bonjour,\n\n\
             Numéro d'hébergement : {hosting_number}\n\
             Contrôleur : {controller}\n\n\
             ---\n\
             Subject: {name} - Hosting information\n\n\
             Hosting number: {hosting_number}\n\
             Controller: {controller}\n"
        ),
        password_sms: format!(
            "{name} : mot de passe de la console d'hébergement / hosting console password : {console_password}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD";

    #[test]
    fn a_provider_file_round_trips_and_a_bad_one_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let p = Provider::new(" Hébergeur ", "Controleur.Example.fr:8443", &FP.to_lowercase(), None).unwrap();
        assert_eq!(p.controller, "controleur.example.fr:8443");
        assert_eq!(p.ca_fingerprint, FP);
        p.write(&path).unwrap();
        assert_eq!(Provider::read(&path).unwrap(), p);

        std::fs::write(
            &path,
            r#"{"version":1,"name":"X","controller":"nowhere","ca_fingerprint":"12"}"#,
        )
        .unwrap();
        let err = Provider::read(&path).unwrap_err();
        assert!(
            err.message.contains("provider file") && err.message.contains("address"),
            "{}",
            err.message
        );
        std::fs::write(&path, "{").unwrap();
        assert_eq!(Provider::read(&path).unwrap_err().code, ErrorCode::InvalidInput);
        assert!(Provider::new("X", "h.example:1", FP, Some("http://plain")).is_err());
    }

    #[test]
    fn the_welcome_messages_carry_each_secret_in_its_own_message() {
        let p = Provider::new(
            "Hébergeur",
            "ctl.example.fr:8443",
            FP,
            Some("https://example.fr/console"),
        )
        .unwrap();
        let m = welcome_messages(Some(&p), "123456789012", "Abcdefghij1234", "9876543210");
        assert!(m.connection_email.contains("9876543210") && m.connection_email.contains("https://example.fr/console"));
        assert!(m.hosting_email.contains("123456789012") && m.hosting_email.contains("ctl.example.fr:8443"));
        assert!(m.password_sms.contains("Abcdefghij1234"));
        assert!(!m.connection_email.contains("Abcdefghij1234") && !m.connection_email.contains("123456789012"));
        assert!(!m.hosting_email.contains("9876543210") && !m.hosting_email.contains("Abcdefghij1234"));
        assert!(!m.password_sms.contains("9876543210") && !m.password_sms.contains("123456789012"));
    }
}
