//! Files the console hands the user (the users template, an import's problems, generated passwords, a `.profils`
//! export): written to the user's downloads folder under a name that does not overwrite an earlier one; passwords
//! and password hashes owner-only.

use crate::api::{CsvProblem, GeneratedPassword};
use crate::controller::users_import::{passwords_csv, template};
use crate::csv_file::problems_csv;
use crate::error::{Error, Result};
use crate::profils::ProfilsFile;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// What to save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "rows", rename_all = "snake_case")]
#[ts(export)]
pub enum CsvDownload {
    UsersTemplate,
    /// The users template of a prepared base (offline preparation).
    PreparedUsersTemplate,
    /// One of the timetable's five templates (offline preparation).
    TimetableTemplate(crate::api::TimetableFile),
    ImportProblems(Vec<CsvProblem>),
    Passwords(Vec<GeneratedPassword>),
}

/// A file the front-end read, sent as base64 text.
pub fn decode_base64(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| {
        Error::invalid(
            format!("The file did not arrive whole: {e}"),
            format!("Le fichier n'est pas arrivé entier : {e}"),
        )
    })
}

/// `PLANHOST_DOWNLOAD_DIR`, else the desktop's downloads folder, else `~/Downloads`.
pub fn downloads_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PLANHOST_DOWNLOAD_DIR") {
        return Ok(PathBuf::from(dir));
    }
    dirs::download_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
        .ok_or_else(|| Error::internal("no downloads folder and no home folder"))
}

/// `name.csv`, or `name (2).csv`… the first that does not exist yet.
pub(crate) fn free_name(dir: &Path, stem: &str, extension: &str) -> PathBuf {
    (1..)
        .map(|n| match n {
            1 => dir.join(format!("{stem}.{extension}")),
            n => dir.join(format!("{stem} ({n}).{extension}")),
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.{extension}")))
}

pub(crate) fn cannot_write(dir: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| {
        Error::invalid(
            format!("Cannot write in {}: {e}", dir.display()),
            format!("Impossible d'écrire dans {} : {e}", dir.display()),
        )
    }
}

/// Writes a `.profils` export into `dir`, owner-only (it holds password hashes), and says where.
pub fn save_profils(file: &ProfilsFile, french: bool, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(cannot_write(dir))?;
    let stem = if french {
        "utilisateurs-autorisations"
    } else {
        "users-authorisations"
    };
    let path = free_name(dir, stem, "profils");
    crate::controller::write_private(&path, &file.to_bytes())?;
    Ok(path)
}

/// Writes the file into `dir` and says where.
pub fn save_csv(download: &CsvDownload, french: bool, dir: &Path) -> Result<PathBuf> {
    let (stem, text, private) = match download {
        CsvDownload::UsersTemplate => (
            if french {
                "modele-utilisateurs"
            } else {
                "users-template"
            }
            .to_owned(),
            template(french),
            false,
        ),
        CsvDownload::PreparedUsersTemplate => (
            if french {
                "modele-utilisateurs-base-preparee"
            } else {
                "prepared-users-template"
            }
            .to_owned(),
            crate::prepare::users_template(french),
            false,
        ),
        CsvDownload::TimetableTemplate(file) => {
            let (en, fr) = crate::prepare::timetable_file_name(*file);
            let stem = if french {
                format!("modele-{fr}")
            } else {
                format!("{en}-template")
            };
            (stem, crate::prepare::timetable_template(*file, french), false)
        }
        CsvDownload::ImportProblems(problems) => (
            if french {
                "erreurs-import-utilisateurs"
            } else {
                "users-import-errors"
            }
            .to_owned(),
            problems_csv(problems, french),
            false,
        ),
        CsvDownload::Passwords(passwords) => (
            if french { "mots-de-passe" } else { "passwords" }.to_owned(),
            passwords_csv(passwords, french),
            true,
        ),
    };
    std::fs::create_dir_all(dir).map_err(cannot_write(dir))?;
    let path = free_name(dir, &stem, "csv");
    if private {
        crate::controller::write_private(&path, text.as_bytes())?;
    } else {
        std::fs::write(&path, text).map_err(cannot_write(dir))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_never_overwrite_and_passwords_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = save_csv(&CsvDownload::UsersTemplate, true, dir.path()).unwrap();
        let b = save_csv(&CsvDownload::UsersTemplate, true, dir.path()).unwrap();
        assert_eq!(a.file_name().unwrap(), "modele-utilisateurs.csv");
        assert_eq!(b.file_name().unwrap(), "modele-utilisateurs (2).csv");
        let p = save_csv(
            &CsvDownload::Passwords(vec![GeneratedPassword {
                login: "jdupont".into(),
                password: "abc".into(),
            }]),
            false,
            dir.path(),
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "\u{feff}login;password\njdupont;abc\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
