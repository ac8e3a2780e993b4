//! The users file's columns (French or English headers), its template with instructions, and the cells read as
//! words (statuses, yes / no) rather than free text.

use crate::api::UserStatus;
use crate::csv_file::header_key;
use crate::error::Error;
use crate::ids::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Column {
    Login,
    FirstName,
    LastName,
    Email,
    Status,
    ConsoleAccess,
    Planning,
    Profile,
}

impl Column {
    pub(crate) const ALL: [Column; 8] = [
        Column::Login,
        Column::FirstName,
        Column::LastName,
        Column::Email,
        Column::Status,
        Column::ConsoleAccess,
        Column::Planning,
        Column::Profile,
    ];

    /// The header names the templates use, (English, French).
    pub(crate) fn names(self) -> (&'static str, &'static str) {
        match self {
            Column::Login => ("login", "identifiant"),
            Column::FirstName => ("first_name", "prenom"),
            Column::LastName => ("last_name", "nom"),
            Column::Email => ("email", "email"),
            Column::Status => ("status", "statut"),
            Column::ConsoleAccess => ("console_access", "acces_console"),
            Column::Planning => ("planning", "planning"),
            Column::Profile => ("profile", "profil"),
        }
    }

    pub(crate) fn required(self) -> bool {
        matches!(self, Column::Login | Column::FirstName | Column::LastName)
    }

    /// Recognises a header cell whatever its case, accents or separators, in French or English.
    pub(crate) fn recognise(cell: &str) -> Option<Column> {
        let key = header_key(cell);
        let extra = match key.as_str() {
            "mail" | "courriel" | "adressemail" | "adresseemail" => Some(Column::Email),
            "firstname" | "prenom" => Some(Column::FirstName),
            "lastname" | "nomdefamille" => Some(Column::LastName),
            "identifiantdeconnexion" | "user" | "username" => Some(Column::Login),
            _ => None,
        };
        extra.or_else(|| {
            Column::ALL.into_iter().find(|c| {
                let (en, fr) = c.names();
                header_key(en) == key || header_key(fr) == key
            })
        })
    }
}

/// The template to download: instructions as `#` lines (skipped on import), the header, two example rows.
pub fn template(french: bool) -> String {
    let (sep, lines): (&str, &[&str]) = if french {
        (
            ";",
            &[
                "# Modèle d'import des utilisateurs (Planhost). Une ligne par utilisateur. Les lignes qui commencent par # sont ignorées.",
                "# identifiant : obligatoire. 2 à 40 lettres, chiffres, points, tirets, soulignés ou @. Unique dans le fichier et dans le compte.",
                "# prenom, nom : obligatoires.",
                "# email : facultatif. Nécessaire pour l'accès à la console.",
                "# statut : Utilisateur (par défaut), Superadministrateur ou Administrateur de base.",
                "# acces_console : oui ou non (non par défaut). Demande un e-mail et un statut d'administrateur.",
                "# planning et profil : facultatifs, ensemble. Le profil doit exister dans ce planning ; Administration est réservé aux administrateurs.",
                "# Un mot de passe est généré pour chaque utilisateur et affiché une seule fois ; il le changera à sa première connexion.",
                "# Enregistrez en CSV (UTF-8 ou Windows-1252, séparateur point-virgule ou virgule).",
            ],
        )
    } else {
        (
            ",",
            &[
                "# Users import template (Planhost). One row per user. Rows starting with # are skipped.",
                "# login: required. 2 to 40 letters, digits, dots, hyphens, underscores or @. Unique in the file and in the account.",
                "# first_name, last_name: required.",
                "# email: optional. Needed for console access.",
                "# status: User (the default), Superadministrator or Base administrator.",
                "# console_access: yes or no (no by default). Needs an e-mail and an administrator status.",
                "# planning and profile: optional, together. The profile must exist in that planning; Administration takes administrators only.",
                "# A password is generated for each user and shown once; they change it at their first login.",
                "# Save as CSV (UTF-8 or Windows-1252, comma or semicolon separated).",
            ],
        )
    };
    let header: Vec<&str> = Column::ALL
        .iter()
        .map(|c| if french { c.names().1 } else { c.names().0 })
        .collect();
    let examples: [&[&str]; 2] = if french {
        [
            &[
                "jdupont",
                "Jean",
                "Dupont",
                "jean.dupont@lycee-hugo.fr",
                "Administrateur de base",
                "oui",
                "planning01",
                "Administration",
            ],
            &[
                "emartin",
                "Élodie",
                "Martin",
                "",
                "Utilisateur",
                "non",
                "planning01",
                "Consultation",
            ],
        ]
    } else {
        [
            &[
                "jdupont",
                "Jean",
                "Dupont",
                "jean.dupont@lycee-hugo.fr",
                "Base administrator",
                "yes",
                "planning01",
                "Administration",
            ],
            &[
                "emartin",
                "Élodie",
                "Martin",
                "",
                "User",
                "no",
                "planning01",
                "Consultation",
            ],
        ]
    };
    crate::csv_file::template(lines, &header, &examples, sep)
}

pub(crate) fn status(value: &str) -> std::result::Result<UserStatus, Error> {
    let key: String = fold(value)
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    match key.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
        "" | "utilisateur" | "user" => Ok(UserStatus::User),
        "superadministrateur" | "superadministrator" | "super administrateur" | "super administrator" => {
            Ok(UserStatus::Superadministrator)
        }
        "administrateur de base" | "base administrator" | "administrateur" | "base administrateur" => {
            Ok(UserStatus::BaseAdministrator)
        }
        _ => Err(Error::invalid(
            "Not a status: write User, Superadministrator or Base administrator.",
            "Statut inconnu : écrivez Utilisateur, Superadministrateur ou Administrateur de base.",
        )),
    }
}

pub(crate) fn yes_no(value: &str) -> std::result::Result<bool, Error> {
    match fold(value).as_str() {
        "" | "non" | "no" | "n" | "0" | "faux" | "false" => Ok(false),
        "oui" | "o" | "yes" | "y" | "1" | "x" | "vrai" | "true" => Ok(true),
        _ => Err(Error::invalid("Write yes or no.", "Écrivez oui ou non.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_file;

    #[test]
    fn headers_statuses_and_yes_no_are_read_in_either_language() {
        assert_eq!(Column::recognise("Prénom"), Some(Column::FirstName));
        assert_eq!(Column::recognise("E-mail"), Some(Column::Email));
        assert_eq!(Column::recognise("ACCES CONSOLE"), Some(Column::ConsoleAccess));
        assert_eq!(Column::recognise("last_name"), Some(Column::LastName));
        assert_eq!(Column::recognise("age"), None);
        assert_eq!(
            status(" Administrateur  de base").unwrap(),
            UserStatus::BaseAdministrator
        );
        assert_eq!(status("SUPERADMINISTRATOR").unwrap(), UserStatus::Superadministrator);
        assert_eq!(status("").unwrap(), UserStatus::User);
        assert!(status("chef").is_err());
        assert!(yes_no("Oui").unwrap() && !yes_no("").unwrap());
        assert!(yes_no("peut-être").is_err());
    }

    #[test]
    fn the_templates_read_back_with_their_own_header() {
        for french in [true, false] {
            let t = csv_file::read(template(french).as_bytes(), 1 << 20, 10).unwrap();
            assert_eq!(t.rows.len(), 2);
            assert!(
                t.header.iter().all(|h| Column::recognise(h).is_some()),
                "{:?}",
                t.header
            );
        }
    }
}
