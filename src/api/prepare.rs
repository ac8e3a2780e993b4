//! What offline preparation reports: a grid change, a timetable import, the local users.

use super::{CsvProblem, UserStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A course placement that does not fit the base's grid: kept aside (not deleted) with its date, start and length,
/// and placed again by a later grid that has room for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UnplacedCourse {
    pub course_id: i64,
    /// The subject's name, the teacher's code and the group's name, as the course is known (empty when none).
    pub subject: String,
    pub teacher: String,
    pub group: String,
    /// `YYYY-MM-DD`, `HH:MM`.
    pub date: String,
    pub start: String,
    pub minutes: u32,
    /// Why it does not fit, in both languages.
    pub reason: String,
    pub reason_fr: String,
}

/// What setting a new time grid does (or would do) to the timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GridConversion {
    /// False for a preview: nothing was changed.
    pub applied: bool,
    /// Placements in the new grid.
    pub placed: u32,
    /// Placements that were aside and fit again.
    pub placed_again: u32,
    /// What does not fit the new grid, by date and start.
    pub unplaced: Vec<UnplacedCourse>,
}

/// The timetable's five CSV templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TimetableFile {
    Teachers,
    Rooms,
    Groups,
    Subjects,
    Courses,
}

/// A problem of a timetable file, by file, line and column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimetableProblem {
    pub file: TimetableFile,
    #[serde(flatten)]
    #[ts(flatten)]
    pub problem: CsvProblem,
}

/// What a timetable import did (or, checked only or refused, would have done: then nothing was written).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimetableImport {
    pub written: bool,
    /// The first problems (at most 200), by file then line.
    pub problems: Vec<TimetableProblem>,
    pub problem_count: u32,
    /// Rows added or changed, by file: teachers, rooms, groups, subjects, then courses and their placements.
    pub teachers: u32,
    pub rooms: u32,
    pub groups: u32,
    pub subjects: u32,
    pub courses: u32,
    pub placements: u32,
    /// With a courses file: the courses, and the placements kept aside, it replaces (the base's now).
    pub replaced_courses: u32,
    pub replaced_unplaced: u32,
}

/// A user kept with a prepared base, with the built-in profile they get in its planning (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PreparedUser {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub status: UserStatus,
    /// Administration, Modification or Consultation.
    pub profile: Option<String>,
}

/// A users file read into a prepared base: every user added, or none and the problems.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PreparedUsersImport {
    pub written: bool,
    pub problems: Vec<CsvProblem>,
    pub problem_count: u32,
    pub added: u32,
}
