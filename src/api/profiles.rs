//! Profiles per planning and the assignment of users to them ("Affectation dans les profils").

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a profile's connections count against: the planning's Modification or Consultation seats. Administration
/// is the fixed profile with every authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProfileKind {
    Consultation,
    Modification,
    Administration,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Consultation => "consultation",
            ProfileKind::Modification => "modification",
            ProfileKind::Administration => "administration",
        }
    }
    /// An unknown value is an error, never read as some default kind.
    pub fn parse(s: &str) -> crate::Result<ProfileKind> {
        match s {
            "consultation" => Ok(ProfileKind::Consultation),
            "modification" => Ok(ProfileKind::Modification),
            "administration" => Ok(ProfileKind::Administration),
            other => Err(crate::Error::invalid(
                format!("'{other}' is not a kind of profile: modification or consultation."),
                format!("« {other} » n'est pas un type de profil : modification ou consultation."),
            )
            .on("kind")),
        }
    }
}

/// The catalogue of authorisations a profile is built from. Each belongs to the least kind of profile that may hold
/// it (`Authorisation::kind`); its labels are in `Authorisation::labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Authorisation {
    ViewTimetables,
    ViewRoomOccupancy,
    ViewTeacherRecords,
    PrintAndExport,
    EditCourses,
    PlaceCourses,
    EditResources,
    BookRooms,
    RecordAbsences,
    PublishTimetables,
    ChangeTimeGrid,
    AdministerBase,
}

impl Authorisation {
    pub const ALL: [Authorisation; 12] = [
        Authorisation::ViewTimetables,
        Authorisation::ViewRoomOccupancy,
        Authorisation::ViewTeacherRecords,
        Authorisation::PrintAndExport,
        Authorisation::EditCourses,
        Authorisation::PlaceCourses,
        Authorisation::EditResources,
        Authorisation::BookRooms,
        Authorisation::RecordAbsences,
        Authorisation::PublishTimetables,
        Authorisation::ChangeTimeGrid,
        Authorisation::AdministerBase,
    ];

    /// The least kind of profile that may hold it.
    pub fn kind(self) -> ProfileKind {
        use Authorisation::*;
        match self {
            ViewTimetables | ViewRoomOccupancy | ViewTeacherRecords | PrintAndExport => ProfileKind::Consultation,
            EditCourses | PlaceCourses | EditResources | BookRooms | RecordAbsences | PublishTimetables => {
                ProfileKind::Modification
            }
            ChangeTimeGrid | AdministerBase => ProfileKind::Administration,
        }
    }

    /// (English, French).
    pub fn labels(self) -> (&'static str, &'static str) {
        use Authorisation::*;
        match self {
            ViewTimetables => ("View timetables", "Consulter les emplois du temps"),
            ViewRoomOccupancy => ("View room occupancy", "Consulter l'occupation des salles"),
            ViewTeacherRecords => ("View teachers' records", "Consulter les fiches des enseignants"),
            PrintAndExport => ("Print and export", "Imprimer et exporter"),
            EditCourses => ("Create and edit courses", "Créer et modifier les cours"),
            PlaceCourses => ("Place and move courses", "Placer et déplacer les cours"),
            EditResources => (
                "Edit teachers, rooms, groups and subjects",
                "Modifier enseignants, salles, promotions et matières",
            ),
            BookRooms => ("Book rooms", "Réserver des salles"),
            RecordAbsences => (
                "Record absences and replacements",
                "Saisir les absences et remplacements",
            ),
            PublishTimetables => ("Publish timetables", "Publier les emplois du temps"),
            ChangeTimeGrid => ("Change the time grid", "Modifier la grille horaire"),
            AdministerBase => (
                "Administer the base (backups, putting in service)",
                "Administrer la base (sauvegardes, mise en service)",
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        use Authorisation::*;
        match self {
            ViewTimetables => "view_timetables",
            ViewRoomOccupancy => "view_room_occupancy",
            ViewTeacherRecords => "view_teacher_records",
            PrintAndExport => "print_and_export",
            EditCourses => "edit_courses",
            PlaceCourses => "place_courses",
            EditResources => "edit_resources",
            BookRooms => "book_rooms",
            RecordAbsences => "record_absences",
            PublishTimetables => "publish_timetables",
            ChangeTimeGrid => "change_time_grid",
            AdministerBase => "administer_base",
        }
    }

    /// An unknown name is an error that lists the known ones.
    pub fn parse(s: &str) -> crate::Result<Authorisation> {
        Authorisation::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| {
            let known = Authorisation::ALL.map(Authorisation::as_str).join(", ");
            crate::Error::invalid(
                format!("'{s}' is not an authorisation. Known: {known}."),
                format!("« {s} » n'est pas une autorisation. Connues : {known}."),
            )
            .on("authorisations")
        })
    }

    /// Every authorisation a profile of this kind may hold.
    pub fn up_to(kind: ProfileKind) -> Vec<Authorisation> {
        Authorisation::ALL.into_iter().filter(|a| a.kind() <= kind).collect()
    }

    pub fn catalogue() -> Vec<AuthorisationInfo> {
        Authorisation::ALL
            .into_iter()
            .map(|id| AuthorisationInfo {
                id,
                kind: id.kind(),
                label: id.labels().0.into(),
                label_fr: id.labels().1.into(),
            })
            .collect()
    }
}

/// One line of the catalogue, as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuthorisationInfo {
    pub id: Authorisation,
    /// The least kind of profile that may hold it.
    pub kind: ProfileKind,
    pub label: String,
    pub label_fr: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Profile {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub planning_id: i64,
    pub name: String,
    pub kind: ProfileKind,
    /// Administration, Modification and Consultation: every planning has them; they are neither renamed nor deleted.
    pub builtin: bool,
    pub authorisations: Vec<Authorisation>,
    /// Users assigned to it.
    pub assigned: u32,
}

/// A planning's profiles, and the catalogue they are built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanningProfiles {
    #[ts(type = "number")]
    pub planning_id: i64,
    pub planning_name: String,
    pub profiles: Vec<Profile>,
    pub catalogue: Vec<AuthorisationInfo>,
}

/// A custom profile of a planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewProfile {
    #[ts(type = "number")]
    pub planning_id: i64,
    pub name: String,
    /// Modification or consultation.
    pub kind: ProfileKind,
    pub authorisations: Vec<Authorisation>,
}

/// One change of a planning's profiles or assignments: applied whole or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export)]
pub enum ProfileChange {
    Create(NewProfile),
    /// Renames a custom profile, or sets the authorisations of any profile but Administration.
    Change {
        #[ts(type = "number")]
        id: i64,
        #[serde(default)]
        #[ts(optional)]
        name: Option<String>,
        #[serde(default)]
        #[ts(optional)]
        authorisations: Option<Vec<Authorisation>>,
    },
    /// Deletes a custom profile and its assignments.
    Delete {
        #[ts(type = "number")]
        id: i64,
    },
    /// Assigns users to the profile; each must have no profile in this planning yet.
    Assign {
        #[ts(type = "number")]
        profile_id: i64,
        #[ts(type = "Array<number>")]
        user_ids: Vec<i64>,
    },
    /// Removes users from the profile.
    Unassign {
        #[ts(type = "number")]
        profile_id: i64,
        #[ts(type = "Array<number>")]
        user_ids: Vec<i64>,
    },
}

/// The profile as it is after the change (none after a deletion), and how many users the change touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProfileOutcome {
    pub profile: Option<Profile>,
    pub users: u32,
}
