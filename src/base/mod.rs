//! Base format v1 (DESIGN.md "File formats"): one SQLite file holding what the base is (`meta`), its time grid and
//! its timetable. The controller, its planning servers, the `.HHYP` verifier and offline preparation all open bases
//! with this code; its schema grows by numbered migrations, and a base written by a newer Planhost is refused.

mod convert;
pub mod grid;

pub(crate) use convert::{Frame, Slot};

use crate::api::{Course, Placement, Room, StudentGroup, Subject, Teacher, TimeGrid, Timetable, TimetableCounts};
use crate::error::{Error, ErrorCode, Result};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use ts_rs::TS;

pub const FORMAT: &str = "planhost.base";
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_base.sql"),
    include_str!("migrations/002_unplaced.sql"),
];
#[allow(clippy::cast_possible_wrap)] // a handful of migrations
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
const NAME_MAX: usize = 64;

/// What a base says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BaseMeta {
    pub name: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub generator: String,
    #[ts(type = "number")]
    pub schema_version: i64,
}

pub struct Base {
    conn: Connection,
}

/// A base name is also a file name (`nomdelabase.HHYP`): letters, digits, spaces, `-`, `_` and `.`, not first.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.trim().is_empty()
        && name == name.trim()
        && name.chars().count() <= NAME_MAX
        && !name.starts_with('.')
        && crate::hhyp::portable_name(name)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("“{name}” cannot name a base: 1 to {NAME_MAX} letters, digits, spaces, - _ or . (not first nor last, not a reserved name like CON)."),
            format!("« {name} » ne peut pas nommer une base : de 1 à {NAME_MAX} lettres, chiffres, espaces, - _ ou . (pas en premier ni en dernier, pas un nom réservé comme CON)."),
        )
        .on("name"))
    }
}

fn not_a_base(detail: impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("This file is not a Planhost base ({detail})."),
        format!("Ce fichier n'est pas une base Planhost ({detail})."),
    )
}

fn newer(version: i64) -> Error {
    Error::new(
        ErrorCode::UnsupportedVersion,
        format!("This base was written by a newer Planhost (schema {version}, this one reads up to {SCHEMA_VERSION}): upgrade Planhost to open it."),
        format!("Cette base a été écrite par un Planhost plus récent (schéma {version}, celui-ci lit jusqu'au {SCHEMA_VERSION}) : mettez Planhost à jour pour l'ouvrir."),
    )
}

fn count(c: &Connection, table: &str) -> Result<u32> {
    let n: i64 = c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

impl Base {
    /// A new base file at `path` (which must not exist) with its grid; written whole or not at all.
    pub fn create(path: &Path, name: &str, grid: &TimeGrid) -> Result<Base> {
        check_name(name)?;
        grid::validated(grid)?;
        // Made here, exclusively: a file that appeared meanwhile is not taken over.
        if let Err(e) = std::fs::File::create_new(path) {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("{} already exists.", path.display()),
                    format!("{} existe déjà.", path.display()),
                ));
            }
            return Err(e.into());
        }
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        let created = (|| -> Result<()> {
            conn.pragma_update(None, "foreign_keys", true)?;
            let tx = conn.unchecked_transaction()?;
            for sql in MIGRATIONS {
                tx.execute_batch(sql)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            let now = crate::time_fmt::rfc3339(crate::time_fmt::now_unix());
            let generator = format!("Planhost {}", env!("CARGO_PKG_VERSION"));
            for (k, v) in [
                ("format", FORMAT),
                ("name", name),
                ("created", &now),
                ("generator", &generator),
            ] {
                tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![k, v])?;
            }
            write_grid(&tx, grid)?;
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = created {
            drop(conn);
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(Base { conn })
    }

    /// Opens a base to read it; refuses what is not a base, and a newer schema.
    pub fn open_read_only(path: &Path) -> Result<Base> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(not_a_base)?;
        // A file from elsewhere: nothing in its schema may run functions with side effects.
        conn.pragma_update(None, "trusted_schema", false)?;
        let base = Base { conn };
        base.check_format()?;
        Ok(base)
    }

    /// Opens a base to change it, bringing an older schema up to date.
    pub fn open(path: &Path) -> Result<Base> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(not_a_base)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let base = Base { conn };
        let version = base.check_format()?;
        // Written only when there is something to migrate: opening a base to look at it changes nothing.
        if version < SCHEMA_VERSION {
            let tx = base.conn.unchecked_transaction()?;
            for sql in MIGRATIONS.iter().skip(usize::try_from(version).unwrap_or(0)) {
                tx.execute_batch(sql)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        }
        Ok(base)
    }

    /// What the `.HHYP` verifier and the controller check before a base goes in service: a whole SQLite file
    /// (`PRAGMA integrity_check`), a known schema, its meta and a valid grid.
    pub fn verify(path: &Path) -> Result<BaseMeta> {
        Base::open_read_only(path)?.verify_open()
    }

    /// `verify`, stopped within a few milliseconds when `cancel` is raised (the integrity check of a large base takes
    /// seconds, more when its rows were written in no order): then `cancelled`.
    pub fn verify_unless(path: &Path, cancel: &AtomicBool) -> Result<BaseMeta> {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::cancelled());
        }
        let base = Base::open_read_only(path)?;
        let interrupt = base.conn.get_interrupt_handle();
        let finished = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                // Again and again: an interrupt between two statements would be lost.
                while !finished.load(Ordering::Relaxed) {
                    if cancel.load(Ordering::Relaxed) {
                        interrupt.interrupt();
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            });
            let checked = base.verify_open();
            finished.store(true, Ordering::Relaxed);
            match checked {
                Err(_) if cancel.load(Ordering::Relaxed) => Err(Error::cancelled()),
                other => other,
            }
        })
    }

    fn verify_open(&self) -> Result<BaseMeta> {
        let base = self;
        // The check walks every table and index once per index: with SQLite's default 2 MiB cache a large base is
        // read again and again (measured: 3.6 s for a 91 MB base). 64 MiB at most (pages are taken as they are read):
        // the memory a console or a controller spends on it stays bounded whatever the base's size.
        base.conn.pragma_update(None, "cache_size", -65_536)?;
        let check: String = base
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(not_a_base)?;
        if check != "ok" {
            return Err(Error::invalid(
                format!("The base is damaged (SQLite integrity check: {check})."),
                format!("La base est endommagée (contrôle d'intégrité SQLite : {check})."),
            ));
        }
        let meta = base.meta()?;
        check_name(&meta.name).map_err(|_| not_a_base("its name"))?;
        base.check_schema(meta.schema_version)?;
        let g = base.grid()?;
        let weeks = grid::validated(&g)?.weeks;
        let days = g.working_days.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
        let steps = u32::from(g.sequences_per_day) * u32::from(g.steps_per_sequence);
        let outside: i64 = base.conn.query_row(
            &format!("SELECT count(*) FROM placements WHERE week > ?1 OR step > ?2 OR day NOT IN ({days})"),
            params![weeks, steps],
            |r| r.get(0),
        )?;
        if outside > 0 {
            return Err(Error::invalid(
                format!("The base places {outside} courses outside its own time grid: it was changed by another program."),
                format!("La base place {outside} cours hors de sa propre grille horaire : elle a été modifiée par un autre programme."),
            ));
        }
        Ok(meta)
    }

    /// The tables, indexes and constraints must be exactly those Planhost's migrations write for this version (no
    /// view, trigger or extra table another program could have added), and every reference must hold.
    fn check_schema(&self, version: i64) -> Result<()> {
        let listing = |c: &Connection| -> Result<Vec<(String, String, Option<String>)>> {
            let rows = c
                .prepare(
                    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        };
        let expected = Connection::open_in_memory()?;
        for sql in MIGRATIONS.iter().take(usize::try_from(version).unwrap_or(0)) {
            expected.execute_batch(sql)?;
        }
        let (want, have) = (listing(&expected)?, listing(&self.conn)?);
        if want != have {
            let odd = have
                .iter()
                .find(|h| !want.contains(h))
                .map(|(kind, name, _)| format!("{kind} {name}"))
                .or_else(|| {
                    want.iter()
                        .find(|w| !have.contains(w))
                        .map(|(kind, name, _)| format!("no {kind} {name}"))
                })
                .unwrap_or_default();
            return Err(Error::invalid(
                format!("The base's structure is not the one Planhost writes ({odd}): it was changed by another program."),
                format!("La structure de la base n'est pas celle qu'écrit Planhost ({odd}) : elle a été modifiée par un autre programme."),
            ));
        }
        let broken: i64 = self
            .conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if broken > 0 {
            return Err(Error::invalid(
                format!("The base has {broken} references to rows that do not exist: it was changed by another program."),
                format!("La base contient {broken} références vers des lignes inexistantes : elle a été modifiée par un autre programme."),
            ));
        }
        Ok(())
    }

    /// The schema version, once the file is known to be a base this Planhost reads.
    fn check_format(&self) -> Result<i64> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(not_a_base)?;
        let format: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
            .optional()
            .map_err(|_| not_a_base("no meta table"))?;
        if format.as_deref() != Some(FORMAT) {
            return Err(not_a_base("its format is not planhost.base"));
        }
        if version > SCHEMA_VERSION {
            return Err(newer(version));
        }
        if version < 1 {
            return Err(not_a_base("no schema version"));
        }
        Ok(version)
    }

    pub fn meta(&self) -> Result<BaseMeta> {
        let get = |key: &str| -> Result<String> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?
                .ok_or_else(|| not_a_base(format!("no {key} in its meta table")))
        };
        Ok(BaseMeta {
            name: get("name")?,
            created: get("created")?,
            generator: get("generator")?,
            schema_version: self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
        })
    }

    pub fn grid(&self) -> Result<TimeGrid> {
        self.conn
            .query_row(
                "SELECT first_monday, last_sunday, working_days, sequences_per_day, first_start, sequence_minutes,
                        steps_per_sequence FROM grid WHERE id = 1",
                [],
                |r| {
                    let days: String = r.get(2)?;
                    Ok(TimeGrid {
                        first_monday: r.get(0)?,
                        last_sunday: r.get(1)?,
                        working_days: days.split(',').filter_map(|d| d.parse().ok()).collect(),
                        sequences_per_day: r.get(3)?,
                        first_start: r.get(4)?,
                        sequence_minutes: r.get(5)?,
                        steps_per_sequence: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(|e| not_a_base(format!("its grid: {e}")))?
            .ok_or_else(|| not_a_base("no time grid"))
    }

    /// For the importers of offline preparation, which write in their own transaction.
    pub(crate) fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn counts(&self) -> Result<TimetableCounts> {
        let c = &self.conn;
        Ok(TimetableCounts {
            teachers: count(c, "teachers")?,
            rooms: count(c, "rooms")?,
            groups: count(c, "student_groups")?,
            subjects: count(c, "subjects")?,
            courses: count(c, "courses")?,
            placements: count(c, "placements")?,
        })
    }

    pub fn timetable(&self) -> Result<Timetable> {
        let c = &self.conn;
        let all = |sql: &str| c.prepare(sql);
        Ok(Timetable {
            teachers: all("SELECT id, code, last_name, first_name FROM teachers ORDER BY id")?
                .query_map([], |r| {
                    Ok(Teacher {
                        id: r.get(0)?,
                        code: r.get(1)?,
                        last_name: r.get(2)?,
                        first_name: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
            rooms: all("SELECT id, name, capacity FROM rooms ORDER BY id")?
                .query_map([], |r| {
                    Ok(Room {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        capacity: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
            groups: all("SELECT id, name FROM student_groups ORDER BY id")?
                .query_map([], |r| {
                    Ok(StudentGroup {
                        id: r.get(0)?,
                        name: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
            subjects: all("SELECT id, code, name FROM subjects ORDER BY id")?
                .query_map([], |r| {
                    Ok(Subject {
                        id: r.get(0)?,
                        code: r.get(1)?,
                        name: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
            courses: all("SELECT id, subject_id, teacher_id, group_id, room_id, steps FROM courses ORDER BY id")?
                .query_map([], |r| {
                    Ok(Course {
                        id: r.get(0)?,
                        subject_id: r.get(1)?,
                        teacher_id: r.get(2)?,
                        group_id: r.get(3)?,
                        room_id: r.get(4)?,
                        steps: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
            placements: all("SELECT course_id, week, day, step FROM placements ORDER BY week, day, step, course_id")?
                .query_map([], |r| {
                    Ok(Placement {
                        course_id: r.get(0)?,
                        week: r.get(1)?,
                        day: r.get(2)?,
                        step: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
        })
    }

    /// Adds a timetable (ids as given) in one transaction: all of it, or nothing if a row breaks a rule or a
    /// placement falls outside the grid.
    pub fn add_timetable(&mut self, t: &Timetable) -> Result<()> {
        let grid = self.grid()?;
        let steps_per_day = u32::from(grid.sequences_per_day) * u32::from(grid.steps_per_sequence);
        let weeks = grid::validated(&grid)?.weeks;
        let tx = self.conn.transaction()?;
        for x in &t.teachers {
            tx.execute(
                "INSERT INTO teachers (id, code, last_name, first_name) VALUES (?1, ?2, ?3, ?4)",
                params![x.id, x.code, x.last_name, x.first_name],
            )?;
        }
        for x in &t.rooms {
            tx.execute(
                "INSERT INTO rooms (id, name, capacity) VALUES (?1, ?2, ?3)",
                params![x.id, x.name, x.capacity],
            )?;
        }
        for x in &t.groups {
            tx.execute(
                "INSERT INTO student_groups (id, name) VALUES (?1, ?2)",
                params![x.id, x.name],
            )?;
        }
        for x in &t.subjects {
            tx.execute(
                "INSERT INTO subjects (id, code, name) VALUES (?1, ?2, ?3)",
                params![x.id, x.code, x.name],
            )?;
        }
        for x in &t.courses {
            tx.execute(
                "INSERT INTO courses (id, subject_id, teacher_id, group_id, room_id, steps) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![x.id, x.subject_id, x.teacher_id, x.group_id, x.room_id, x.steps],
            )?;
        }
        for p in &t.placements {
            let fits = (1..=weeks).contains(&p.week)
                && grid.working_days.contains(&p.day)
                && (1..=steps_per_day).contains(&p.step);
            if !fits {
                return Err(Error::invalid(
                    format!(
                        "Course {} is placed outside the grid (week {}, day {}, step {}).",
                        p.course_id, p.week, p.day, p.step
                    ),
                    format!(
                        "Le cours {} est placé hors de la grille (semaine {}, jour {}, pas {}).",
                        p.course_id, p.week, p.day, p.step
                    ),
                ));
            }
            tx.execute(
                "INSERT INTO placements (course_id, week, day, step) VALUES (?1, ?2, ?3, ?4)",
                params![p.course_id, p.week, p.day, p.step],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn write_grid(c: &Connection, grid: &TimeGrid) -> Result<()> {
    let days: Vec<String> = grid.working_days.iter().map(u8::to_string).collect();
    c.execute(
        "INSERT OR REPLACE INTO grid (id, first_monday, last_sunday, working_days, sequences_per_day, first_start,
                                      sequence_minutes, steps_per_sequence)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            grid.first_monday.trim(),
            grid.last_sunday.trim(),
            days.join(","),
            grid.sequences_per_day,
            grid.first_start.trim(),
            grid.sequence_minutes,
            grid.steps_per_sequence
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
