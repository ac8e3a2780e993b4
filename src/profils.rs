//! The `.profils` file, version 1 (DESIGN.md): users (login, names, e-mail, status, password hash or none), each
//! planning's profiles with their authorisations, and the assignments. JSON, written by the controller's export and
//! by offline preparation, read by the controller's import. A reader refuses what it does not understand: another
//! format, a newer version, an unknown field.
//!
//! Values the import validates one by one (statuses, kinds, authorisations, hashes) are kept as text here, so that
//! each bad one is reported where it is, in both languages, rather than stopping the whole read at the first.

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "planhost.profils";
pub const VERSION: u32 = 1;
/// A whole account of users with room to spare (about 300 bytes a user).
pub const MAX_BYTES: usize = 32 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilsFile {
    pub format: String,
    pub version: u32,
    /// What wrote it ("Planhost 0.1.0").
    #[serde(default)]
    pub generator: String,
    /// RFC 3339.
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub users: Vec<ProfilsUser>,
    #[serde(default)]
    pub plannings: Vec<ProfilsPlanning>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilsUser {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// `user`, `superadministrator` or `base_administrator`.
    pub status: String,
    /// An argon2id hash of a password the user chose; none for a user who gets a generated one.
    #[serde(default)]
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilsPlanning {
    /// The planning's name in the account.
    pub name: String,
    #[serde(default)]
    pub profiles: Vec<ProfilsProfile>,
    #[serde(default)]
    pub assignments: Vec<ProfilsAssignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilsProfile {
    pub name: String,
    /// `administration`, `modification` or `consultation`.
    pub kind: String,
    /// Names from the catalogue (`view_timetables`…).
    #[serde(default)]
    pub authorisations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilsAssignment {
    pub login: String,
    pub profile: String,
}

/// serde's message, placed by line and column, in English and in French (the common cases translated).
fn serde_text(e: &serde_json::Error) -> (String, String) {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let what = full.split(" at line ").next().unwrap_or(&full).to_owned();
    let quoted = |prefix: &str| {
        what.strip_prefix(prefix)
            .map(|rest| rest.split('`').nth(1).unwrap_or(rest).to_owned())
    };
    let fr = if let Some(name) = quoted("unknown field") {
        format!("champ inconnu « {name} »")
    } else if let Some(name) = quoted("missing field") {
        format!("champ manquant « {name} »")
    } else if what.starts_with("invalid type") {
        format!("type de valeur inattendu ({what})")
    } else if e.is_eof() {
        "le fichier s'arrête avant la fin".to_owned()
    } else if e.is_syntax() {
        format!("syntaxe JSON invalide ({what})")
    } else {
        what.clone()
    };
    (
        format!("line {line}, column {column}: {what}"),
        format!("ligne {line}, colonne {column} : {fr}"),
    )
}

fn unreadable(en: String, fr: String) -> Error {
    Error::invalid(en, fr).on("file")
}

impl ProfilsFile {
    pub fn new(generator: &str, created: String) -> ProfilsFile {
        ProfilsFile {
            format: FORMAT.into(),
            version: VERSION,
            generator: generator.into(),
            created,
            users: Vec::new(),
            plannings: Vec::new(),
        }
    }

    /// Reads a file: its format and version first (so a newer file says so, whatever else it holds), then its shape.
    pub fn read(bytes: &[u8]) -> Result<ProfilsFile> {
        if bytes.len() > MAX_BYTES {
            return Err(unreadable(
                format!(
                    "This file is larger than {} MiB: it is not a .profils file.",
                    MAX_BYTES >> 20
                ),
                format!(
                    "Ce fichier dépasse {} Mio : ce n'est pas un fichier .profils.",
                    MAX_BYTES >> 20
                ),
            ));
        }
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        // The format and version alone first, skipping the rest without building it in memory.
        #[derive(Deserialize)]
        struct Head {
            format: Option<serde_json::Value>,
            version: Option<serde_json::Value>,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|e| {
            let (en, fr) = serde_text(&e);
            unreadable(
                format!("This is not a .profils file: it is not a JSON object ({en})."),
                format!("Ce n'est pas un fichier .profils : ce n'est pas un objet JSON ({fr})."),
            )
        })?;
        if head.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(unreadable(
                format!("This is not a .profils file: its format should be \"{FORMAT}\"."),
                format!("Ce n'est pas un fichier .profils : son format devrait être « {FORMAT} »."),
            ));
        }
        match head.version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) if v > u64::from(VERSION) => {
                return Err(Error::new(
                    ErrorCode::UnsupportedVersion,
                    format!("This .profils file is version {v}, written by a newer program; this Planhost reads version {VERSION}. Upgrade Planhost."),
                    format!("Ce fichier .profils est en version {v}, écrit par un programme plus récent ; ce Planhost lit la version {VERSION}. Mettez Planhost à jour."),
                )
                .on("file"))
            }
            _ => {
                return Err(unreadable(
                    format!("This .profils file has no valid version: {VERSION} is expected."),
                    format!("Ce fichier .profils n'a pas de version valide : {VERSION} est attendue."),
                ))
            }
        }
        serde_json::from_slice(bytes).map_err(|e| {
            let (en, fr) = serde_text(&e);
            unreadable(
                format!("This .profils file is not as version {VERSION} describes it: {en}."),
                format!("Ce fichier .profils n'est pas conforme à la version {VERSION} : {fr}."),
            )
        })
    }

    /// Pretty JSON, ending with a line break.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ProfilsFile {
        let mut f = ProfilsFile::new("test", "2026-11-23T10:00:00Z".into());
        f.users.push(ProfilsUser {
            login: "cmartin".into(),
            first_name: "Claire".into(),
            last_name: "Martin".into(),
            email: Some("claire@lycee.fr".into()),
            status: "superadministrator".into(),
            password_hash: None,
        });
        f.plannings.push(ProfilsPlanning {
            name: "planning01".into(),
            profiles: vec![ProfilsProfile {
                name: "Vie scolaire".into(),
                kind: "consultation".into(),
                authorisations: vec!["view_timetables".into()],
            }],
            assignments: vec![ProfilsAssignment {
                login: "cmartin".into(),
                profile: "Administration".into(),
            }],
        });
        f
    }

    #[test]
    fn a_written_file_reads_back_the_same_with_or_without_a_bom() {
        let f = sample();
        let bytes = f.to_bytes();
        assert_eq!(ProfilsFile::read(&bytes).unwrap(), f);
        let mut with_bom = b"\xef\xbb\xbf".to_vec();
        with_bom.extend_from_slice(&bytes);
        assert_eq!(ProfilsFile::read(&with_bom).unwrap(), f);
    }

    #[test]
    fn what_is_not_understood_is_refused_with_a_clear_message() {
        let err = ProfilsFile::read(b"login;nom\r\n").unwrap_err();
        assert!(err.message_fr.contains("pas un objet JSON"), "{}", err.message_fr);
        let err = ProfilsFile::read(b"[0, 0, 0]").unwrap_err();
        assert!(err.message_fr.contains("pas un objet JSON"), "{}", err.message_fr);
        let err = ProfilsFile::read(br#"{"format":"other","version":1}"#).unwrap_err();
        assert!(err.message.contains("planhost.profils"), "{}", err.message);
        let err = ProfilsFile::read(br#"{"format":"planhost.profils","version":2,"future":true}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedVersion);
        assert!(err.message.contains("version 2"), "{}", err.message);
        let err = ProfilsFile::read(br#"{"format":"planhost.profils"}"#).unwrap_err();
        assert!(err.message.contains("no valid version"), "{}", err.message);
        let text = String::from_utf8(sample().to_bytes())
            .unwrap()
            .replace("\"first_name\"", "\"prenom\"");
        let err = ProfilsFile::read(text.as_bytes()).unwrap_err();
        assert!(err.message.contains("line 9, column 14"), "{}", err.message);
        assert!(err.message.contains("prenom"), "{}", err.message);
        assert!(err.message_fr.contains("ligne 9, colonne 14"), "{}", err.message_fr);
        assert!(
            err.message_fr.contains("champ inconnu « prenom »"),
            "{}",
            err.message_fr
        );
        let huge = vec![b' '; MAX_BYTES + 1];
        assert!(ProfilsFile::read(&huge).unwrap_err().message.contains("MiB"));
    }
}
