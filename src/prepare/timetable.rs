//! The timetable of a prepared base read from CSV files, one template each (teachers, rooms, groups, subjects,
//! courses with their weekly slots), with the users import's CSV rules: encodings and separators as spreadsheets
//! write them, problems by file, line and column, and nothing written unless every row of every file is right.
//!
//! Teachers, rooms, groups and subjects are added, or updated when their code (or name) is already in the base; the
//! courses file is the whole timetable and replaces the courses (and what was kept aside by a grid change).

use super::timetable_columns::{self as cols, Col};
use crate::api::{CsvProblem, TimetableFile, TimetableImport, TimetableProblem};
use crate::base::{Base, Frame, Slot};
use crate::csv_file::{self, Row, Table};
use crate::error::{Error, Result};
use crate::ids::{display_name, fold};
use rusqlite::{params, Transaction};
use std::collections::HashMap;
use std::path::Path;

pub const MAX_BYTES: usize = 16 << 20;
pub const MAX_ROWS: usize = 50_000;
const PROBLEMS_SHOWN: usize = 1000;
const NAME_MAX: usize = 80;
const CODE_MAX: usize = 20;
const CAPACITY_MAX: u32 = 10_000;
/// The order files are read in: courses name what the others define.
const ORDER: [TimetableFile; 5] = [
    TimetableFile::Teachers,
    TimetableFile::Rooms,
    TimetableFile::Groups,
    TimetableFile::Subjects,
    TimetableFile::Courses,
];

/// One file being read: its table, where each column is, and the problems found in it.
struct Sheet<'a> {
    file: TimetableFile,
    table: &'a Table,
    at: Vec<Option<usize>>,
}

impl Sheet<'_> {
    fn cell<'r>(&self, row: &'r Row, col: usize) -> &'r str {
        self.at[col].and_then(|i| row.field(i)).unwrap_or("")
    }

    fn problem(&self, line: u64, col: Option<usize>, value: &str, e: &Error) -> TimetableProblem {
        let cols = cols::columns(self.file);
        let column = col.map_or(String::new(), |c| {
            self.at[c].map_or(cols[c].fr.to_owned(), |i| self.table.header[i].clone())
        });
        TimetableProblem {
            file: self.file,
            problem: CsvProblem {
                line,
                column,
                value: value.to_owned(),
                message: e.message.clone(),
                message_fr: e.message_fr.clone(),
            },
        }
    }
}

fn required() -> Error {
    Error::invalid("Required: this cell is empty.", "Obligatoire : cette cellule est vide.")
}

/// The rows of one kind already in the base or in the files: folded key → (id, the line that defined it here).
type Known = HashMap<String, (i64, Option<u64>)>;

fn known(tx: &Transaction, sql: &str) -> Result<Known> {
    let rows = tx
        .prepare(sql)?
        .query_map([], |r| Ok((fold(&r.get::<_, String>(1)?), (r.get(0)?, None))))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

struct Run<'t> {
    tx: &'t Transaction<'t>,
    frame: Frame,
    problems: Vec<TimetableProblem>,
    out: TimetableImport,
    teachers: Known,
    rooms: Known,
    groups: Known,
    subjects: Known,
}

impl Run<'_> {
    fn keep<T>(&mut self, s: &Sheet, row: &Row, col: usize, r: std::result::Result<T, Error>) -> Option<T> {
        r.map_err(|e| self.problems.push(s.problem(row.line, Some(col), s.cell(row, col), &e)))
            .ok()
    }

    /// A name or code: required or not, 1 to `max` characters a reader can see.
    fn text(&mut self, s: &Sheet, row: &Row, col: usize, max: usize) -> Option<String> {
        let c = &cols::columns(s.file)[col];
        let value = s.cell(row, col);
        if value.is_empty() {
            return if c.required {
                self.keep(s, row, col, Err(required()))
            } else {
                Some(String::new())
            };
        }
        let checked = display_name(value, max, ("This cell's text", "Le contenu de cette cellule"));
        self.keep(s, row, col, checked)
    }

    /// The row's key is new in this file (a second row with it would silently win otherwise).
    fn first_in_file(
        &mut self,
        s: &Sheet,
        row: &Row,
        col: usize,
        kind: TimetableFile,
        key: &str,
    ) -> Option<Option<i64>> {
        let map = self.map(kind);
        match map.get(&fold(key)) {
            Some(&(_, Some(line))) => {
                let e = Error::invalid(
                    format!("Already on line {line} of this file."),
                    format!("Déjà à la ligne {line} de ce fichier."),
                );
                self.problems.push(s.problem(row.line, Some(col), key, &e));
                None
            }
            Some(&(id, None)) => Some(Some(id)),
            None => Some(None),
        }
    }

    fn map(&mut self, kind: TimetableFile) -> &mut Known {
        match kind {
            TimetableFile::Teachers => &mut self.teachers,
            TimetableFile::Rooms => &mut self.rooms,
            TimetableFile::Groups => &mut self.groups,
            TimetableFile::Subjects | TimetableFile::Courses => &mut self.subjects,
        }
    }

    /// Adds or updates one row of teachers, rooms, groups or subjects.
    fn entity(&mut self, s: &Sheet, row: &Row) -> Result<()> {
        let kind = s.file;
        let (key_max, second) = match kind {
            TimetableFile::Teachers | TimetableFile::Subjects => (CODE_MAX, Some(NAME_MAX)),
            _ => (NAME_MAX, None),
        };
        let key = self.text(s, row, 0, key_max);
        let name = second.map(|max| self.text(s, row, 1, max));
        let extra = match kind {
            TimetableFile::Teachers => self.text(s, row, 2, NAME_MAX).map(rusqlite::types::Value::Text),
            TimetableFile::Rooms => {
                let v = s.cell(row, 1);
                let capacity = if v.is_empty() {
                    Ok(rusqlite::types::Value::Null)
                } else {
                    v.parse::<u32>()
                        .ok()
                        .filter(|c| *c <= CAPACITY_MAX)
                        .map(|c| rusqlite::types::Value::Integer(c.into()))
                        .ok_or_else(|| {
                            Error::invalid(
                                format!("A number of seats is a whole number from 0 to {CAPACITY_MAX}."),
                                format!("Un nombre de places est un nombre entier de 0 à {CAPACITY_MAX}."),
                            )
                        })
                };
                self.keep(s, row, 1, capacity)
            }
            _ => Some(rusqlite::types::Value::Null),
        };
        let Some(key) = key else { return Ok(()) };
        let Some(existing) = self.first_in_file(s, row, 0, kind, &key) else {
            return Ok(());
        };
        let (Some(name), Some(extra)) = (name.unwrap_or(Some(String::new())), extra) else {
            return Ok(());
        };
        let tx = self.tx;
        let write = |insert: &str, update: &str, values: &[&dyn rusqlite::ToSql]| -> Result<i64> {
            match existing {
                Some(id) => {
                    tx.prepare_cached(update)?.execute(rusqlite::params_from_iter(
                        values.iter().copied().chain([&id as &dyn rusqlite::ToSql]),
                    ))?;
                    Ok(id)
                }
                None => {
                    tx.prepare_cached(insert)?
                        .execute(rusqlite::params_from_iter(values.iter()))?;
                    Ok(tx.last_insert_rowid())
                }
            }
        };
        let id = match kind {
            TimetableFile::Teachers => write(
                "INSERT INTO teachers (code, last_name, first_name) VALUES (?1, ?2, ?3)",
                "UPDATE teachers SET code = ?1, last_name = ?2, first_name = ?3 WHERE id = ?4",
                &[&key, &name, &extra],
            )?,
            TimetableFile::Rooms => write(
                "INSERT INTO rooms (name, capacity) VALUES (?1, ?2)",
                "UPDATE rooms SET name = ?1, capacity = ?2 WHERE id = ?3",
                &[&key, &extra],
            )?,
            TimetableFile::Groups => write(
                "INSERT INTO student_groups (name) VALUES (?1)",
                "UPDATE student_groups SET name = ?1 WHERE id = ?2",
                &[&key],
            )?,
            _ => write(
                "INSERT INTO subjects (code, name) VALUES (?1, ?2)",
                "UPDATE subjects SET code = ?1, name = ?2 WHERE id = ?3",
                &[&key, &name],
            )?,
        };
        self.map(kind).insert(fold(&key), (id, Some(row.line)));
        let counter = match kind {
            TimetableFile::Teachers => &mut self.out.teachers,
            TimetableFile::Rooms => &mut self.out.rooms,
            TimetableFile::Groups => &mut self.out.groups,
            _ => &mut self.out.subjects,
        };
        *counter += 1;
        Ok(())
    }
}

impl Run<'_> {
    /// A code or name of the course's row that must name a row of the base or of the files.
    fn reference(&mut self, s: &Sheet, row: &Row, col: usize, kind: TimetableFile) -> Option<Option<i64>> {
        let value = s.cell(row, col);
        if value.is_empty() {
            if cols::COURSES[col].required {
                self.problems.push(s.problem(row.line, Some(col), value, &required()));
                return None;
            }
            return Some(None);
        }
        let found = self.map(kind).get(&fold(value)).map(|&(id, _)| id);
        if found.is_none() {
            let (en, fr) = cols::file_words(kind);
            let (unknown_en, unknown_fr) = cols::unknown(kind);
            let e = Error::invalid(
                format!("{unknown_en}: neither in the base nor in the {en} file."),
                format!("{unknown_fr} : ni dans la base, ni dans le fichier des {fr}."),
            );
            self.problems.push(s.problem(row.line, Some(col), value, &e));
            return None;
        }
        Some(found)
    }

    /// One course and its weekly slot: every week's placement must fall on the grid.
    fn course(&mut self, s: &Sheet, row: &Row) -> Result<()> {
        let subject = self.reference(s, row, 0, TimetableFile::Subjects);
        let teacher = self.reference(s, row, 1, TimetableFile::Teachers);
        let group = self.reference(s, row, 2, TimetableFile::Groups);
        let room = self.reference(s, row, 3, TimetableFile::Rooms);
        let day = self.keep(s, row, 4, cols::day(s.cell(row, 4)));
        let start = self.keep(s, row, 5, cols::time(s.cell(row, 5)));
        let minutes = self.keep(s, row, 6, cols::minutes(s.cell(row, 6)));
        let weeks = self.keep(s, row, 7, cols::weeks(s.cell(row, 7), self.frame.weeks()));
        let (
            Some(Some(subject)),
            Some(teacher),
            Some(group),
            Some(room),
            Some(day),
            Some(start),
            Some(minutes),
            Some(weeks),
        ) = (subject, teacher, group, room, day, start, minutes, weeks)
        else {
            return Ok(());
        };
        let mut fitted = Vec::with_capacity(weeks.len());
        for week in weeks {
            let slot = Slot {
                date: self.frame.date(week, day),
                start,
                minutes,
            };
            match self.frame.fit(&slot) {
                Ok(f) => fitted.push(f),
                Err(why) => {
                    let col = match why.part {
                        "day" => 4,
                        "start" => 5,
                        "minutes" => 6,
                        _ => 7,
                    };
                    let e = Error::invalid(why.en, why.fr);
                    self.problems.push(s.problem(row.line, Some(col), s.cell(row, col), &e));
                    return Ok(());
                }
            }
        }
        let steps = fitted
            .first()
            .map_or(minutes / self.frame.step_minutes().max(1), |f| f.steps);
        self.tx
            .prepare_cached(
                "INSERT INTO courses (subject_id, teacher_id, group_id, room_id, steps) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![subject, teacher, group, room, steps.max(1)])?;
        let course = self.tx.last_insert_rowid();
        let mut place = self
            .tx
            .prepare_cached("INSERT INTO placements (course_id, week, day, step) VALUES (?1, ?2, ?3, ?4)")?;
        for f in &fitted {
            place.execute(params![course, f.week, f.day, f.step])?;
        }
        self.out.courses += 1;
        self.out.placements += u32::try_from(fitted.len()).unwrap_or(u32::MAX);
        Ok(())
    }
}

/// A file's header: each template column found once, the required ones present, nothing unknown.
fn sheet<'a>(file: TimetableFile, table: &'a Table, problems: &mut Vec<TimetableProblem>) -> Sheet<'a> {
    let cols: &[Col] = cols::columns(file);
    let mut s = Sheet {
        file,
        table,
        at: vec![None; cols.len()],
    };
    let (en, fr) = cols::file_words(file);
    for (i, cell) in table.header.iter().enumerate() {
        // Spreadsheets often end the header with empty cells: a column with no name and nothing in it is no column.
        if cell.is_empty() && table.rows.iter().all(|r| r.field(i).unwrap_or("").is_empty()) {
            continue;
        }
        let e = match cols::recognise(cols, cell) {
            Some(c) if s.at[c].is_none() => {
                s.at[c] = Some(i);
                continue;
            }
            Some(_) => Error::invalid(
                "This column is already in the header.",
                "Cette colonne est déjà dans l'en-tête.",
            ),
            None => {
                let names = |fr: bool| {
                    cols.iter()
                        .map(|c| if fr { c.fr } else { c.en })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                Error::invalid(
                    format!("Not a column of the {en} template ({}).", names(false)),
                    format!("Ce n'est pas une colonne du modèle des {fr} ({}).", names(true)),
                )
            }
        };
        let mut p = s.problem(table.header_line, None, cell, &e);
        p.problem.column.clone_from(cell);
        problems.push(p);
    }
    for (c, col) in cols.iter().enumerate() {
        if col.required && s.at[c].is_none() {
            let e = Error::invalid(
                format!("The header has no {} column: the {en} template has it.", col.en),
                format!("L'en-tête n'a pas de colonne {} : le modèle des {fr} l'a.", col.fr),
            );
            problems.push(s.problem(table.header_line, Some(c), "", &e));
        }
    }
    s
}

/// Reads the files into the base at `base`, in one transaction: all of it, or nothing and the problems (also
/// nothing when `write` is false, a check only).
pub fn import(base: &Path, files: &[(TimetableFile, &[u8])], write: bool) -> Result<TimetableImport> {
    for (i, (file, _)) in files.iter().enumerate() {
        if files[..i].iter().any(|(f, _)| f == file) {
            let (en, fr) = cols::file_words(*file);
            return Err(Error::invalid(
                format!("Two {en} files: give each kind of file once."),
                format!("Deux fichiers des {fr} : donnez chaque sorte de fichier une fois."),
            ));
        }
    }
    let mut base = Base::open(base)?;
    let frame = Frame::of(&base.grid()?)?;
    let mut problems = Vec::new();
    let mut tables = Vec::new();
    for file in ORDER {
        let Some((_, bytes)) = files.iter().find(|(f, _)| *f == file) else {
            continue;
        };
        match csv_file::read(bytes, MAX_BYTES, MAX_ROWS) {
            Ok(table) => tables.push((file, table)),
            Err(e) => problems.push(TimetableProblem {
                file,
                problem: CsvProblem {
                    line: 0,
                    column: String::new(),
                    value: String::new(),
                    message: e.message,
                    message_fr: e.message_fr,
                },
            }),
        }
    }
    let tx = base.connection().transaction()?;
    let mut run = Run {
        frame,
        problems,
        out: TimetableImport::default(),
        teachers: known(&tx, "SELECT id, code FROM teachers")?,
        rooms: known(&tx, "SELECT id, name FROM rooms")?,
        groups: known(&tx, "SELECT id, name FROM student_groups")?,
        subjects: known(&tx, "SELECT id, code FROM subjects")?,
        tx: &tx,
    };
    for (file, table) in &tables {
        let s = sheet(*file, table, &mut run.problems);
        let header = table.header.len();
        if *file == TimetableFile::Courses {
            if table.rows.is_empty() {
                let e = Error::invalid(
                    "This courses file has no course: it would replace every course of the base with nothing.",
                    "Ce fichier des cours n'a aucun cours : il remplacerait tous les cours de la base par rien.",
                );
                run.problems.push(s.problem(table.header_line, None, "", &e));
            }
            let count = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, u32>(0));
            run.out.replaced_courses = count("SELECT count(*) FROM courses")?;
            run.out.replaced_unplaced = count("SELECT count(*) FROM unplaced")?;
            tx.execute_batch("DELETE FROM placements; DELETE FROM unplaced; DELETE FROM courses;")?;
        }
        for row in &table.rows {
            if row.fields().skip(header).any(|f| !f.is_empty()) {
                let e = Error::invalid(
                    format!("This row has {} cells; the header has {header}.", row.len()),
                    format!("Cette ligne a {} cellules ; l'en-tête en a {header}.", row.len()),
                );
                run.problems.push(s.problem(row.line, None, "", &e));
                continue;
            }
            match file {
                TimetableFile::Courses => run.course(&s, row)?,
                _ => run.entity(&s, row)?,
            }
        }
    }
    let mut problems = std::mem::take(&mut run.problems);
    let mut out = std::mem::take(&mut run.out);
    drop(run);
    problems.sort_by(|a, b| {
        let order = |f: TimetableFile| ORDER.iter().position(|o| *o == f);
        (order(a.file), a.problem.line).cmp(&(order(b.file), b.problem.line))
    });
    out.problem_count = u32::try_from(problems.len()).unwrap_or(u32::MAX);
    problems.truncate(PROBLEMS_SHOWN);
    out.problems = problems;
    out.written = write && out.problem_count == 0;
    if out.written {
        tx.commit()?;
        // A timetable replaced by a smaller one leaves free pages the .HHYP would carry: given back when they are a
        // quarter of the file or more.
        let c = base.connection();
        let (free, pages): (i64, i64) = (
            c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?,
            c.query_row("PRAGMA page_count", [], |r| r.get(0))?,
        );
        if free * 4 >= pages && free > 0 {
            c.execute_batch("VACUUM")?;
        }
    } else {
        drop(tx);
    }
    Ok(out)
}
