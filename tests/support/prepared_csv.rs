#![allow(dead_code)] // each test crate uses part of it
//! A small school's timetable as the five CSV templates of offline preparation, and its users as the users
//! template: what the preparation tests and the round trip through a controller import.

use planhost::api::TimetableFile;

pub const TEACHERS: &str = "code;nom;prenom\nDUR;Durand;Élodie\nLEF;Lefèvre;Marc\n";
pub const ROOMS: &str = "nom;capacite\nSalle 101;30\nCDI;\n";
pub const GROUPS: &str = "nom\n2nde A\n1re B\n";
pub const SUBJECTS: &str = "code;libelle\nMATHS;Mathématiques\nFR;Français\n";
/// Two weekly courses: maths Mondays 08:00 for 55 minutes all year; French Tuesdays 08:55 for two sequences, weeks
/// 1 to 20.
pub const COURSES: &str = "matiere;enseignant;classe;salle;jour;heure;duree;semaines\n\
                       MATHS;DUR;2nde A;Salle 101;lundi;08:00;55;\n\
                       FR;LEF;1re B;CDI;mardi;8h55;1h50;1-20\n";

pub fn all_files() -> Vec<(TimetableFile, &'static [u8])> {
    vec![
        (TimetableFile::Courses, COURSES.as_bytes()),
        (TimetableFile::Teachers, TEACHERS.as_bytes()),
        (TimetableFile::Rooms, ROOMS.as_bytes()),
        (TimetableFile::Groups, GROUPS.as_bytes()),
        (TimetableFile::Subjects, SUBJECTS.as_bytes()),
    ]
}

/// Three users: an administrator with Administration, a user with Consultation, one with no profile.
pub const USERS: &str = "identifiant;prenom;nom;email;statut;acces_console;planning;profil\n\
                         jdupont;Jean;Dupont;jean.dupont@lycee-hugo.fr;Administrateur de base;non;;Administration\n\
                         emartin;Élodie;Martin;;Utilisateur;;;Consultation\n\
                         pleroy;Paul;Leroy;;;;;\n";
