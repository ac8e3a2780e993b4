//! Bases (Mes plannings): a base's time grid, what a base holds, and the timetable a planning server serves.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A base's time grid ("Paramétrez la grille horaire", seed 001): the weeks it spans, the working days, and the
/// sequences of each day, each divided into steps on which courses are placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct TimeGrid {
    /// The first week's Monday, `YYYY-MM-DD`.
    pub first_monday: String,
    /// The last week's Sunday, `YYYY-MM-DD` (1 to 62 weeks after the first Monday).
    pub last_sunday: String,
    /// Working days, Monday = 1 … Sunday = 7.
    pub working_days: Vec<u8>,
    pub sequences_per_day: u8,
    /// The first sequence's start, `HH:MM`.
    pub first_start: String,
    pub sequence_minutes: u16,
    /// 1, 2, 3, 4, 6 or 12: courses are placed on steps, a fraction of a sequence.
    pub steps_per_sequence: u8,
}

impl Default for TimeGrid {
    /// What a French secondary school starts from: Monday to Friday, eight 55-minute sequences from 08:00.
    fn default() -> Self {
        TimeGrid {
            first_monday: String::new(),
            last_sunday: String::new(),
            working_days: vec![1, 2, 3, 4, 5],
            sequences_per_day: 8,
            first_start: "08:00".into(),
            sequence_minutes: 55,
            steps_per_sequence: 1,
        }
    }
}

/// One sequence of a day, as the grid dialog previews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SequenceTime {
    pub number: u8,
    /// `HH:MM`
    pub start: String,
    pub end: String,
}

/// A grid checked: each problem with the field it is about (shown beside it), and when there is none, the weeks
/// it spans and one day's sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GridCheck {
    pub problems: Vec<crate::Error>,
    pub weeks: u32,
    pub day: Vec<SequenceTime>,
}

/// How many of each thing a base holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimetableCounts {
    pub teachers: u32,
    pub rooms: u32,
    pub groups: u32,
    pub subjects: u32,
    pub courses: u32,
    pub placements: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Teacher {
    pub id: i64,
    pub code: String,
    pub last_name: String,
    pub first_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Room {
    pub id: i64,
    pub name: String,
    #[ts(type = "number | null")]
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StudentGroup {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Subject {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// A course: a subject taught to a group by a teacher in a room, lasting a number of steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Course {
    pub id: i64,
    pub subject_id: i64,
    pub teacher_id: Option<i64>,
    pub group_id: Option<i64>,
    pub room_id: Option<i64>,
    pub steps: u32,
}

/// A course placed in the grid: week (1 = the first Monday's), day (1 = Monday) and step of the day (1 = the first
/// sequence's first step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Placement {
    pub course_id: i64,
    pub week: u32,
    pub day: u8,
    pub step: u32,
}

/// Everything a base holds about its timetable, as a planning server serves it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Timetable {
    pub teachers: Vec<Teacher>,
    pub rooms: Vec<Room>,
    pub groups: Vec<StudentGroup>,
    pub subjects: Vec<Subject>,
    pub courses: Vec<Course>,
    pub placements: Vec<Placement>,
}

/// Where a base file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BaseOrigin {
    /// "Créer une base": made on the controller from a time grid.
    Created,
    /// "Charger une base": a `.HHYP` file.
    Uploaded,
}

impl BaseOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            BaseOrigin::Created => "created",
            BaseOrigin::Uploaded => "uploaded",
        }
    }
}

/// One base file a planning keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BaseInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// When the base itself was made (RFC 3339).
    pub created: String,
    /// When this controller received it (RFC 3339).
    pub added_at: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub origin: BaseOrigin,
    pub weeks: u32,
    pub counts: TimetableCounts,
}

/// Mes plannings, a planning's server tab: its base in service and the earlier ones it keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanningBases {
    #[ts(type = "number")]
    pub planning_id: i64,
    pub planning_name: String,
    pub publication_name: String,
    pub status: crate::api::PlanningStatus,
    pub in_service: Option<BaseInfo>,
    /// Newest first; at most `keep`.
    pub others: Vec<BaseInfo>,
    pub keep: u32,
}

/// A change of a planning's bases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export)]
pub enum BaseChange {
    /// "Créer une base": an empty base with this grid, put in service at once.
    Create { name: String, grid: TimeGrid },
    /// An earlier base ("Autres bases") put back in service.
    Restore {
        #[ts(type = "number")]
        id: i64,
    },
}

/// A user's login on a planning server.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct PlanningLoginRequest {
    pub login: String,
    pub password: String,
}

/// Which of the licence's connections a planning session holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Seat {
    Modification,
    Consultation,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanningLoginResponse {
    pub token: String,
    pub login: String,
    pub profile: String,
    pub kind: crate::api::ProfileKind,
    pub seat: Seat,
    pub must_change_password: bool,
    /// The session ends after this long without a request.
    #[ts(type = "number")]
    pub idle_timeout_secs: u64,
}

/// The grid as a planning server serves it: the grid, its weeks and one day's sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ServedGrid {
    pub base: String,
    pub grid: TimeGrid,
    pub weeks: u32,
    pub day: Vec<SequenceTime>,
}

/// "Charger une base": what the console announces before sending a `.HHYP` in chunks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct UploadStart {
    /// The file's name on the console, for the history.
    pub file_name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// SHA-256 of the whole file, lower-case hex: the same file announced again resumes where it stopped.
    pub sha256: String,
}

/// An upload the controller keeps: send the bytes from `offset` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UploadState {
    pub upload_id: String,
    #[ts(type = "number")]
    pub planning_id: i64,
    pub file_name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Bytes the controller has received and kept.
    #[ts(type = "number")]
    pub offset: u64,
}
