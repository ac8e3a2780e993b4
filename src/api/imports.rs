//! Bulk imports from a CSV file: the problems found, by line and column, and what was created.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One problem of one cell (or of the whole row, or of the header): nothing is imported while there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CsvProblem {
    /// 1-based line of the file.
    #[ts(type = "number")]
    pub line: u64,
    /// The column's name as in the header (empty for a problem of the whole row).
    pub column: String,
    pub value: String,
    pub message: String,
    pub message_fr: String,
}

/// A password generated for an imported user: shown (or saved) once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GeneratedPassword {
    pub login: String,
    pub password: String,
}

/// What a users import found and did. With problems, or on a check only, nothing was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UsersImport {
    /// True when the users were written (no problem, not a check only).
    pub imported: bool,
    /// Rows read (comments and empty rows aside).
    pub rows: u32,
    pub encoding: String,
    pub separator: String,
    /// The first problems (at most `PROBLEMS_SHOWN`), in file order.
    pub problems: Vec<CsvProblem>,
    /// All the problems found.
    pub problem_count: u32,
    pub created: u32,
    pub assigned: u32,
    /// Each created user's generated password, to hand over; never stored in clear.
    pub passwords: Vec<GeneratedPassword>,
}
