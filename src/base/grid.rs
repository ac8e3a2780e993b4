//! The time grid's rules, checked the same way in the grid dialog (each problem beside its field), the CLI, the
//! controller and offline preparation.

use crate::api::{GridCheck, SequenceTime, TimeGrid};
use crate::error::{Error, Result};
use jiff::civil::{Date, Weekday};

pub const MAX_WEEKS: u32 = 62;
pub const STEPS: [u8; 6] = [1, 2, 3, 4, 6, 12];
const MAX_SEQUENCES: u8 = 24;
const SEQUENCE_MINUTES: std::ops::RangeInclusive<u16> = 5..=240;

fn date(text: &str, field: &str) -> Result<Date> {
    text.trim().parse::<Date>().map_err(|_| {
        Error::invalid(
            format!("“{text}” is not a date: write it as YYYY-MM-DD."),
            format!("« {text} » n'est pas une date : écrivez-la AAAA-MM-JJ."),
        )
        .on(field)
    })
}

/// `HH:MM` as minutes after midnight.
pub fn minutes_of(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() == 5).then_some(h * 60 + m)
}

/// A date as each language writes it in a sentence: 30 August 2027, 30/08/2027.
pub(crate) fn in_words(d: Date) -> (String, String) {
    (d.strftime("%-d %B %Y").to_string(), d.strftime("%d/%m/%Y").to_string())
}

pub fn hh_mm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Weeks from the first Monday to the last Sunday, when both are right.
fn weeks(grid: &TimeGrid, problems: &mut Vec<Error>) -> u32 {
    let first = date(&grid.first_monday, "first_monday").and_then(|d| {
        if d.weekday() == Weekday::Monday {
            Ok(d)
        } else {
            let (en, fr) = in_words(d);
            Err(Error::invalid(
                format!("{en} is not a Monday: the grid starts on a Monday."),
                format!("Le {fr} n'est pas un lundi : la grille commence un lundi."),
            )
            .on("first_monday"))
        }
    });
    let last = date(&grid.last_sunday, "last_sunday").and_then(|d| {
        if d.weekday() == Weekday::Sunday {
            Ok(d)
        } else {
            let (en, fr) = in_words(d);
            Err(Error::invalid(
                format!("{en} is not a Sunday: the grid ends on a Sunday."),
                format!("Le {fr} n'est pas un dimanche : la grille se termine un dimanche."),
            )
            .on("last_sunday"))
        }
    });
    let (first, last) = match (first, last) {
        (Ok(f), Ok(l)) => (f, l),
        (f, l) => {
            problems.extend(f.err());
            problems.extend(l.err());
            return 0;
        }
    };
    let days = last.since(first).map_or(-1, |s| i64::from(s.get_days()));
    let weeks = (days + 1) / 7;
    if days < 0 || !(1..=i64::from(MAX_WEEKS)).contains(&weeks) {
        let ((first_en, first_fr), (last_en, last_fr)) = (in_words(first), in_words(last));
        problems.push(
            Error::invalid(
                format!("From {first_en} to {last_en}: a grid spans 1 to {MAX_WEEKS} weeks, the last Sunday after the first Monday."),
                format!("Du {first_fr} au {last_fr} : une grille couvre de 1 à {MAX_WEEKS} semaines, le dernier dimanche après le premier lundi."),
            )
            .on("last_sunday"),
        );
        return 0;
    }
    u32::try_from(weeks).unwrap_or(0)
}

/// Every problem of the grid (none: it can be used), with the weeks and one day's sequences.
pub fn check(grid: &TimeGrid) -> GridCheck {
    let mut problems = Vec::new();
    let weeks = weeks(grid, &mut problems);
    let mut days = grid.working_days.clone();
    days.sort_unstable();
    days.dedup();
    if days.is_empty() || days.len() != grid.working_days.len() || days.iter().any(|d| !(1..=7).contains(d)) {
        problems.push(
            Error::invalid(
                "Choose at least one working day, each once.",
                "Choisissez au moins un jour travaillé, chacun une fois.",
            )
            .on("working_days"),
        );
    }
    let start = minutes_of(&grid.first_start);
    if start.is_none() {
        problems.push(
            Error::invalid(
                format!("“{}” is not a time: write it as HH:MM (08:00).", grid.first_start),
                format!(
                    "« {} » n'est pas une heure : écrivez-la HH:MM (08:00).",
                    grid.first_start
                ),
            )
            .on("first_start"),
        );
    }
    let length = grid.sequence_minutes;
    if !SEQUENCE_MINUTES.contains(&length) {
        problems.push(
            Error::invalid(
                format!(
                    "A sequence lasts {} to {} minutes.",
                    SEQUENCE_MINUTES.start(),
                    SEQUENCE_MINUTES.end()
                ),
                format!(
                    "Une séquence dure de {} à {} minutes.",
                    SEQUENCE_MINUTES.start(),
                    SEQUENCE_MINUTES.end()
                ),
            )
            .on("sequence_minutes"),
        );
    }
    let steps = grid.steps_per_sequence;
    if !STEPS.contains(&steps) {
        problems.push(
            Error::invalid(
                "A sequence divides into 1, 2, 3, 4, 6 or 12 steps.",
                "Une séquence se divise en 1, 2, 3, 4, 6 ou 12 pas.",
            )
            .on("steps_per_sequence"),
        );
    } else if SEQUENCE_MINUTES.contains(&length) && !length.is_multiple_of(u16::from(steps)) {
        problems.push(
            Error::invalid(
                format!("{length} minutes do not divide into {steps} steps of whole minutes."),
                format!("{length} minutes ne se divisent pas en {steps} pas d'un nombre entier de minutes."),
            )
            .on("steps_per_sequence"),
        );
    }
    let count = grid.sequences_per_day;
    if !(1..=MAX_SEQUENCES).contains(&count) {
        problems.push(
            Error::invalid(
                format!("A day has 1 to {MAX_SEQUENCES} sequences."),
                format!("Une journée compte de 1 à {MAX_SEQUENCES} séquences."),
            )
            .on("sequences_per_day"),
        );
    } else if let (Some(start), true) = (start, SEQUENCE_MINUTES.contains(&length)) {
        let end = u32::from(start) + u32::from(count) * u32::from(length);
        if end > 24 * 60 {
            problems.push(
                Error::invalid(
                    format!(
                        "{count} sequences of {length} minutes from {} end after midnight.",
                        hh_mm(start.into())
                    ),
                    format!(
                        "{count} séquences de {length} minutes à partir de {} finissent après minuit.",
                        hh_mm(start.into())
                    ),
                )
                .on("sequences_per_day"),
            );
        }
    }
    let day = if problems.is_empty() {
        let start = u32::from(start.unwrap_or_default());
        (0..count)
            .map(|n| {
                let from = start + u32::from(n) * u32::from(length);
                SequenceTime {
                    number: n + 1,
                    start: hh_mm(from),
                    end: hh_mm(from + u32::from(length)),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    GridCheck {
        weeks: if problems.is_empty() { weeks } else { 0 },
        problems,
        day,
    }
}

/// What the grid dialog starts from: the school year around `today` (from the Monday on or after 29 August to the
/// Sunday on or after 1 July), Monday to Friday, eight 55-minute sequences from 08:00.
pub fn school_year(today: Date) -> TimeGrid {
    let year = if today.month() >= 7 {
        today.year()
    } else {
        today.year() - 1
    };
    let on_or_after = |date: Date, day: Weekday| {
        (0..7)
            .filter_map(|n| date.checked_add(jiff::Span::new().days(n)).ok())
            .find(|d| d.weekday() == day)
            .unwrap_or(date)
    };
    let first = on_or_after(Date::new(year, 8, 29).unwrap_or_default(), Weekday::Monday);
    let last = on_or_after(Date::new(year + 1, 7, 1).unwrap_or_default(), Weekday::Sunday);
    TimeGrid {
        first_monday: first.to_string(),
        last_sunday: last.to_string(),
        ..TimeGrid::default()
    }
}

/// `school_year` of today, in this computer's time zone.
pub fn current_school_year() -> TimeGrid {
    school_year(jiff::Zoned::now().date())
}

/// The grid if it has no problem, else its first problem.
pub fn validated(grid: &TimeGrid) -> Result<GridCheck> {
    let checked = check(grid);
    match checked.problems.first() {
        Some(first) => Err(first.clone()),
        None => Ok(checked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year() -> TimeGrid {
        TimeGrid {
            first_monday: "2026-08-31".into(),
            last_sunday: "2027-07-04".into(),
            ..TimeGrid::default()
        }
    }

    #[test]
    fn a_school_year_is_44_weeks_of_eight_sequences() {
        let c = check(&year());
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.weeks, 44);
        assert_eq!(c.day.len(), 8);
        assert_eq!((c.day[0].start.as_str(), c.day[7].end.as_str()), ("08:00", "15:20"));
    }

    #[test]
    fn each_problem_is_placed_on_its_field() {
        let fields = |g: TimeGrid| -> Vec<String> { check(&g).problems.into_iter().filter_map(|e| e.field).collect() };
        let g = TimeGrid {
            first_monday: "2026-09-01".into(),
            ..year()
        };
        let said = &check(&g).problems[0];
        assert_eq!(
            (said.message.as_str(), said.message_fr.as_str()),
            (
                "1 September 2026 is not a Monday: the grid starts on a Monday.",
                "Le 01/09/2026 n'est pas un lundi : la grille commence un lundi."
            ),
            "dates written as people write them, not as ISO"
        );
        assert_eq!(fields(g), ["first_monday"], "a Tuesday");
        let g = TimeGrid {
            last_sunday: "2027-07-03".into(),
            ..year()
        };
        assert_eq!(fields(g), ["last_sunday"], "a Saturday");
        let g = TimeGrid {
            last_sunday: "2027-11-14".into(),
            ..year()
        };
        assert_eq!(fields(g), ["last_sunday"], "63 weeks");
        let g = TimeGrid {
            last_sunday: "2026-08-30".into(),
            ..year()
        };
        assert_eq!(fields(g), ["last_sunday"], "before the Monday");
        let g = TimeGrid {
            last_sunday: "2026-09-06".into(),
            ..year()
        };
        assert_eq!(check(&g).weeks, 1, "one week is allowed");
        let g = TimeGrid {
            working_days: vec![],
            ..year()
        };
        assert_eq!(fields(g), ["working_days"]);
        let g = TimeGrid {
            working_days: vec![1, 1],
            ..year()
        };
        assert_eq!(fields(g), ["working_days"]);
        let g = TimeGrid {
            working_days: vec![0, 8],
            ..year()
        };
        assert_eq!(fields(g), ["working_days"]);
        let g = TimeGrid {
            first_start: "8h".into(),
            ..year()
        };
        assert_eq!(fields(g), ["first_start"]);
        let g = TimeGrid {
            first_start: "24:00".into(),
            ..year()
        };
        assert_eq!(fields(g), ["first_start"]);
        let g = TimeGrid {
            steps_per_sequence: 5,
            ..year()
        };
        assert_eq!(fields(g), ["steps_per_sequence"]);
        let g = TimeGrid {
            steps_per_sequence: 2,
            ..year()
        };
        assert_eq!(fields(g), ["steps_per_sequence"], "55 minutes in two halves");
        let g = TimeGrid {
            sequence_minutes: 241,
            ..year()
        };
        assert_eq!(fields(g), ["sequence_minutes"]);
        let g = TimeGrid {
            sequences_per_day: 0,
            ..year()
        };
        assert_eq!(fields(g), ["sequences_per_day"]);
        let g = TimeGrid {
            first_start: "20:00".into(),
            ..year()
        };
        assert_eq!(fields(g), ["sequences_per_day"], "ends after midnight");
        let g = TimeGrid {
            first_monday: "demain".into(),
            last_sunday: "2026-13-01".into(),
            working_days: vec![],
            ..year()
        };
        assert_eq!(
            fields(g),
            ["first_monday", "last_sunday", "working_days"],
            "every problem at once"
        );
    }

    #[test]
    fn the_dialog_starts_from_the_current_school_year() {
        let g = school_year(jiff::civil::date(2026, 11, 23));
        assert_eq!(
            (g.first_monday.as_str(), g.last_sunday.as_str()),
            ("2026-08-31", "2027-07-04")
        );
        let g = school_year(jiff::civil::date(2027, 3, 2));
        assert_eq!(
            g.first_monday, "2026-08-31",
            "March belongs to the year that began in August"
        );
        assert!(check(&school_year(jiff::civil::date(2030, 7, 15))).problems.is_empty());
    }

    #[test]
    fn sixty_minutes_divide_into_every_allowed_step() {
        for steps in STEPS {
            let g = TimeGrid {
                sequence_minutes: 60,
                steps_per_sequence: steps,
                ..year()
            };
            assert!(check(&g).problems.is_empty(), "{steps}");
        }
    }
}
