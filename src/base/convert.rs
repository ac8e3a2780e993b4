//! Changing a base's time grid. Placements are steps of one grid; to carry them into another, each is turned into
//! what it means in the school's calendar (a date, a start, a length) and placed again. What does not fit the new
//! grid is kept aside in `unplaced`, listed with the reason, never deleted: a later grid with room for it places it
//! again.

use super::{grid, Base};
use crate::api::{GridConversion, TimeGrid, UnplacedCourse};
use crate::error::Result;
use jiff::civil::Date;
use jiff::{Span, ToSpan};
use rusqlite::{params, Connection};
use std::collections::HashMap;

const DAYS: [(&str, &str); 7] = [
    ("Monday", "lundi"),
    ("Tuesday", "mardi"),
    ("Wednesday", "mercredi"),
    ("Thursday", "jeudi"),
    ("Friday", "vendredi"),
    ("Saturday", "samedi"),
    ("Sunday", "dimanche"),
];

/// A course's time in the calendar: what a placement means whatever the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub date: Date,
    /// Minutes after midnight.
    pub start: u32,
    pub minutes: u32,
}

/// A valid grid as numbers.
pub(crate) struct Frame {
    first_monday: Date,
    weeks: u32,
    days: Vec<u8>,
    start: u32,
    step_minutes: u32,
    steps_per_day: u32,
}

/// Why a slot has no place in a grid: the part of it at fault (`date`, `day`, `start` or `minutes`), in both languages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Misfit {
    pub part: &'static str,
    pub en: String,
    pub fr: String,
}

fn misfit(part: &'static str, en: String, fr: String) -> Misfit {
    Misfit { part, en, fr }
}

/// Where a slot falls in a grid: week, day, first step and length in steps.
pub(crate) struct Fitted {
    pub week: u32,
    pub day: u8,
    pub step: u32,
    pub steps: u32,
}

impl Frame {
    pub(crate) fn of(g: &TimeGrid) -> Result<Frame> {
        let weeks = grid::validated(g)?.weeks;
        Ok(Frame {
            first_monday: g.first_monday.trim().parse().map_err(crate::Error::internal)?,
            weeks,
            days: g.working_days.clone(),
            start: u32::from(grid::minutes_of(&g.first_start).unwrap_or_default()),
            step_minutes: u32::from(g.sequence_minutes / u16::from(g.steps_per_sequence)),
            steps_per_day: u32::from(g.sequences_per_day) * u32::from(g.steps_per_sequence),
        })
    }

    pub(crate) fn step_minutes(&self) -> u32 {
        self.step_minutes
    }

    pub(crate) fn weeks(&self) -> u32 {
        self.weeks
    }

    /// The date of a week's day (week 1 is the first Monday's, day 1 is Monday).
    pub(crate) fn date(&self, week: u32, day: u8) -> Date {
        let offset = i64::from(week.saturating_sub(1)) * 7 + i64::from(day.saturating_sub(1));
        self.first_monday.saturating_add(offset.days())
    }

    pub(crate) fn slot(&self, week: u32, day: u8, step: u32, steps: u32) -> Slot {
        Slot {
            date: self.date(week, day),
            start: self.start + step.saturating_sub(1) * self.step_minutes,
            minutes: steps * self.step_minutes,
        }
    }

    /// The slot in this grid, or why it has no place in it (English, French).
    pub(crate) fn fit(&self, s: &Slot) -> std::result::Result<Fitted, Misfit> {
        let last = self.first_monday.saturating_add((i64::from(self.weeks) * 7 - 1).days());
        if s.date < self.first_monday || s.date > last {
            let (d_en, d_fr) = grid::in_words(s.date);
            let ((f_en, f_fr), (l_en, l_fr)) = (grid::in_words(self.first_monday), grid::in_words(last));
            return Err(misfit(
                "date",
                format!("{d_en} is outside the grid (from {f_en} to {l_en})."),
                format!("Le {d_fr} est hors de la grille (du {f_fr} au {l_fr})."),
            ));
        }
        let day = u8::try_from(s.date.weekday().to_monday_one_offset()).unwrap_or(1);
        if !self.days.contains(&day) {
            let (en, fr) = DAYS[usize::from(day - 1)];
            return Err(misfit(
                "day",
                format!("{en} is not a working day of the grid."),
                format!("Le {fr} n'est pas un jour travaillé de la grille."),
            ));
        }
        let at = |m: u32| grid::hh_mm(m);
        if s.start < self.start || !(s.start - self.start).is_multiple_of(self.step_minutes) {
            return Err(misfit(
                "start",
                format!(
                    "{} is not the start of a step (every {} minutes from {}).",
                    at(s.start),
                    self.step_minutes,
                    at(self.start)
                ),
                format!(
                    "{} n'est pas le début d'un pas (toutes les {} minutes à partir de {}).",
                    at(s.start),
                    self.step_minutes,
                    at(self.start)
                ),
            ));
        }
        if s.minutes == 0 || !s.minutes.is_multiple_of(self.step_minutes) {
            return Err(misfit(
                "minutes",
                format!(
                    "{} minutes is not a whole number of {}-minute steps.",
                    s.minutes, self.step_minutes
                ),
                format!(
                    "{} minutes ne font pas un nombre entier de pas de {} minutes.",
                    s.minutes, self.step_minutes
                ),
            ));
        }
        let (step, steps) = (
            (s.start - self.start) / self.step_minutes + 1,
            s.minutes / self.step_minutes,
        );
        if step + steps - 1 > self.steps_per_day {
            let end = at(self.start + self.steps_per_day * self.step_minutes);
            return Err(misfit(
                "minutes",
                format!(
                    "From {}, {} minutes end after the grid's day ({end}).",
                    at(s.start),
                    s.minutes
                ),
                format!(
                    "À partir de {}, {} minutes finissent après la journée de la grille ({end}).",
                    at(s.start),
                    s.minutes
                ),
            ));
        }
        let week =
            u32::try_from(s.date.since(self.first_monday).map_or(0, |d: Span| d.get_days()) / 7).unwrap_or(0) + 1;
        Ok(Fitted { week, day, step, steps })
    }
}

/// What is aside, with why it does not fit `frame`, by date and start.
fn unplaced(c: &Connection, frame: &Frame) -> Result<Vec<UnplacedCourse>> {
    let mut list = c
        .prepare(
            "SELECT u.course_id, s.name, coalesce(t.code, ''), coalesce(g.name, ''), u.date, u.start, u.minutes
             FROM unplaced u JOIN courses c ON c.id = u.course_id JOIN subjects s ON s.id = c.subject_id
             LEFT JOIN teachers t ON t.id = c.teacher_id LEFT JOIN student_groups g ON g.id = c.group_id
             ORDER BY u.date, u.start, u.course_id",
        )?
        .query_map([], |r| {
            Ok(UnplacedCourse {
                course_id: r.get(0)?,
                subject: r.get(1)?,
                teacher: r.get(2)?,
                group: r.get(3)?,
                date: r.get(4)?,
                start: r.get(5)?,
                minutes: r.get(6)?,
                reason: String::new(),
                reason_fr: String::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for u in &mut list {
        let slot = Slot {
            date: u.date.parse().unwrap_or_default(),
            start: grid::minutes_of(&u.start).map_or(0, u32::from),
            minutes: u.minutes,
        };
        // A row aside that fits (written by another program) is listed all the same, without a reason to give.
        let why = frame.fit(&slot).err().unwrap_or_default();
        (u.reason, u.reason_fr) = (why.en, why.fr);
    }
    Ok(list)
}

impl Base {
    /// The placements kept aside, with why each does not fit the base's grid.
    pub fn unplaced(&self) -> Result<Vec<UnplacedCourse>> {
        unplaced(&self.conn, &Frame::of(&self.grid()?)?)
    }

    /// Sets a new time grid and carries the timetable into it (or, `apply` false, says what it would do and changes
    /// nothing): every placement and every one aside is placed where its date and time fall in the new grid, or
    /// kept aside. One transaction.
    pub fn change_grid(&mut self, new: &TimeGrid, apply: bool) -> Result<GridConversion> {
        let (old, new_frame) = (Frame::of(&self.grid()?)?, Frame::of(new)?);
        let tx = self.conn.transaction()?;
        let mut slots: Vec<(i64, Slot, bool)> = Vec::new();
        let mut aside = tx.prepare("SELECT course_id, date, start, minutes FROM unplaced")?;
        let rows = aside.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get(3)?,
            ))
        })?;
        for row in rows {
            let (course, date, start, minutes) = row?;
            let slot = Slot {
                date: date.parse().map_err(crate::Error::internal)?,
                start: grid::minutes_of(&start).map_or(0, u32::from),
                minutes,
            };
            slots.push((course, slot, true));
        }
        drop(aside);
        // Each course's length in minutes: from its steps, or exactly as kept aside (its steps may be rounded).
        let mut lengths: HashMap<i64, u32> = tx
            .prepare("SELECT id, steps FROM courses")?
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, u32>(1)? * old.step_minutes)))?
            .collect::<rusqlite::Result<_>>()?;
        for (course, slot, _) in &slots {
            lengths.insert(*course, slot.minutes);
        }
        let mut placed = tx.prepare("SELECT course_id, week, day, step FROM placements")?;
        let rows = placed.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in rows {
            let (course, week, day, step) = row?;
            let steps = lengths.get(&course).copied().unwrap_or_default() / old.step_minutes;
            slots.push((course, old.slot(week, day, step, steps), false));
        }
        drop(placed);
        tx.execute_batch("DELETE FROM placements; DELETE FROM unplaced;")?;
        super::write_grid(&tx, new)?;
        let (mut placed, mut placed_again) = (0, 0);
        {
            let mut place =
                tx.prepare("INSERT INTO placements (course_id, week, day, step) VALUES (?1, ?2, ?3, ?4)")?;
            let mut put_aside =
                tx.prepare("INSERT INTO unplaced (course_id, date, start, minutes) VALUES (?1, ?2, ?3, ?4)")?;
            for (course, slot, was_aside) in &slots {
                match new_frame.fit(slot) {
                    Ok(f) => {
                        place.execute(params![course, f.week, f.day, f.step])?;
                        placed += 1;
                        placed_again += u32::from(*was_aside);
                    }
                    Err(_) => {
                        put_aside.execute(params![
                            course,
                            slot.date.to_string(),
                            grid::hh_mm(slot.start),
                            slot.minutes
                        ])?;
                    }
                }
            }
            // Each course's length in the new grid's steps (the nearest whole number when it is not one: the
            // course is then aside, with its exact length kept there).
            let mut length = tx.prepare("UPDATE courses SET steps = ?2 WHERE id = ?1")?;
            for (&id, &minutes) in &lengths {
                let new_steps = ((minutes + new_frame.step_minutes / 2) / new_frame.step_minutes).max(1);
                length.execute(params![id, new_steps])?;
            }
        }
        let conversion = GridConversion {
            applied: apply,
            placed,
            placed_again,
            unplaced: unplaced(&tx, &new_frame)?,
        };
        if apply {
            tx.commit()?;
        }
        Ok(conversion)
    }
}
