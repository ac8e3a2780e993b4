//! The timetable's five CSV templates: their columns (French or English headers), their instructions, and the
//! cells read as words (days, times, lengths, weeks).

use crate::api::TimetableFile;
use crate::csv_file::header_key;
use crate::error::Error;
use crate::ids::fold;

/// A column: its header (English, French), whether every row needs it, other headers it is known by.
pub(super) struct Col {
    pub en: &'static str,
    pub fr: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

const fn col(en: &'static str, fr: &'static str, required: bool, aliases: &'static [&'static str]) -> Col {
    Col {
        en,
        fr,
        required,
        aliases,
    }
}

pub(super) const TEACHERS: [Col; 3] = [
    col("code", "code", true, &["initiales", "sigle"]),
    col("last_name", "nom", true, &["lastname", "nomdefamille"]),
    col("first_name", "prenom", false, &["firstname"]),
];
pub(super) const ROOMS: [Col; 2] = [
    col("name", "nom", true, &["salle", "room"]),
    col("capacity", "capacite", false, &["places"]),
];
pub(super) const GROUPS: [Col; 1] = [col("name", "nom", true, &["classe", "groupe", "group"])];
pub(super) const SUBJECTS: [Col; 2] = [
    col("code", "code", true, &[]),
    col("name", "libelle", true, &["nom", "matiere", "subject"]),
];
pub(super) const COURSES: [Col; 8] = [
    col("subject", "matiere", true, &[]),
    col("teacher", "enseignant", false, &["professeur", "prof"]),
    col("group", "classe", false, &["groupe"]),
    col("room", "salle", false, &[]),
    col("day", "jour", true, &[]),
    col("start", "heure", true, &["debut", "heurededebut"]),
    col("minutes", "duree", true, &["length", "duration"]),
    col("weeks", "semaines", false, &["semaine", "week"]),
];

pub(super) fn columns(file: TimetableFile) -> &'static [Col] {
    match file {
        TimetableFile::Teachers => &TEACHERS,
        TimetableFile::Rooms => &ROOMS,
        TimetableFile::Groups => &GROUPS,
        TimetableFile::Subjects => &SUBJECTS,
        TimetableFile::Courses => &COURSES,
    }
}

/// What each file is called, (English, French).
pub fn file_name(file: TimetableFile) -> (&'static str, &'static str) {
    match file {
        TimetableFile::Teachers => ("teachers", "enseignants"),
        TimetableFile::Rooms => ("rooms", "salles"),
        TimetableFile::Groups => ("groups", "classes"),
        TimetableFile::Subjects => ("subjects", "matieres"),
        TimetableFile::Courses => ("courses", "cours"),
    }
}

/// What a file holds, as sentences say it, (English, French).
pub(super) fn file_words(file: TimetableFile) -> (&'static str, &'static str) {
    match file {
        TimetableFile::Subjects => ("subjects", "matières"),
        other => file_name(other),
    }
}

/// "Unknown teacher"…, as a problem starts, (English, French).
pub(super) fn unknown(file: TimetableFile) -> (&'static str, &'static str) {
    match file {
        TimetableFile::Teachers => ("Unknown teacher", "Enseignant inconnu"),
        TimetableFile::Rooms => ("Unknown room", "Salle inconnue"),
        TimetableFile::Groups => ("Unknown group", "Classe inconnue"),
        TimetableFile::Subjects | TimetableFile::Courses => ("Unknown subject", "Matière inconnue"),
    }
}

/// The column a header cell names, whatever its case, accents or separators.
pub(super) fn recognise(cols: &[Col], cell: &str) -> Option<usize> {
    let key = header_key(cell);
    cols.iter().position(|c| {
        header_key(c.en) == key || header_key(c.fr) == key || c.aliases.iter().any(|a| header_key(a) == key)
    })
}

/// A day of the week, Monday = 1: its name in either language (whole or its first three letters) or its number.
pub(super) fn day(value: &str) -> Result<u8, Error> {
    const NAMES: [(&str, &str); 7] = [
        ("monday", "lundi"),
        ("tuesday", "mardi"),
        ("wednesday", "mercredi"),
        ("thursday", "jeudi"),
        ("friday", "vendredi"),
        ("saturday", "samedi"),
        ("sunday", "dimanche"),
    ];
    let key = fold(value.trim_end_matches('.'));
    let found = NAMES.iter().position(|(en, fr)| {
        key == *en || key == *fr || (key.len() >= 3 && (en.starts_with(&key) || fr.starts_with(&key)))
    });
    let number = key.parse::<u8>().ok().filter(|d| (1..=7).contains(d));
    match (found, number) {
        (Some(i), _) => Ok(u8::try_from(i).unwrap_or(0) + 1),
        (None, Some(d)) => Ok(d),
        _ => Err(Error::invalid(
            "Not a day: write Monday … Sunday, or 1 (Monday) to 7.",
            "Jour inconnu : écrivez lundi … dimanche, ou 1 (lundi) à 7.",
        )),
    }
}

/// A time of day, `08:00`, `8:00` or `8h00` / `8h`, as minutes after midnight.
pub(super) fn time(value: &str) -> Result<u32, Error> {
    let v = value.trim().to_lowercase();
    let (h, m) = v.split_once(':').or_else(|| v.split_once('h')).unwrap_or((&v, ""));
    let m = if m.is_empty() && v.contains('h') { "0" } else { m };
    match (h.parse::<u32>(), m.parse::<u32>()) {
        (Ok(h), Ok(m)) if h < 24 && m < 60 => Ok(h * 60 + m),
        _ => Err(Error::invalid(
            "Not a time: write it as 08:00 or 8h00.",
            "Heure illisible : écrivez-la 08:00 ou 8h00.",
        )),
    }
}

/// A length: minutes (`55`, `55 min`) or hours and minutes (`1h`, `1h30`, `1:30`), 1 minute to 24 hours.
pub(super) fn minutes(value: &str) -> Result<u32, Error> {
    let v: String = value.trim().to_lowercase().replace(' ', "");
    let v = v.strip_suffix("min").unwrap_or(&v);
    let parsed = match v.split_once('h').or_else(|| v.split_once(':')) {
        Some((h, m)) => match (h.parse::<u32>(), if m.is_empty() { Ok(0) } else { m.parse::<u32>() }) {
            (Ok(h), Ok(m)) if m < 60 => Some(h * 60 + m),
            _ => None,
        },
        None => v.parse::<u32>().ok(),
    };
    match parsed {
        Some(m) if (1..=24 * 60).contains(&m) => Ok(m),
        _ => Err(Error::invalid(
            "Not a length: write minutes (55) or hours and minutes (1h30).",
            "Durée illisible : écrivez des minutes (55) ou des heures et minutes (1h30).",
        )),
    }
}

/// Weeks of the grid, `1-10, 12, 14-20` (also `1 – 10`); empty means every week of the grid.
pub(super) fn weeks(value: &str, grid_weeks: u32) -> Result<Vec<u32>, Error> {
    if value.trim().is_empty() {
        return Ok((1..=grid_weeks).collect());
    }
    let unreadable = || {
        Error::invalid(
            "Not a list of weeks: write them as 1-10, 12.",
            "Liste de semaines illisible : écrivez-les 1-10, 12.",
        )
    };
    let mut text = value.replace(['–', '—'], "-");
    while text.contains(" -") || text.contains("- ") {
        text = text.replace(" -", "-").replace("- ", "-");
    }
    let mut list = Vec::new();
    for part in text.split([',', ';', ' ']).filter(|p| !p.trim().is_empty()) {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let (from, to): (u64, u64) = (
            from.trim().parse().map_err(|_| unreadable())?,
            to.trim().parse().map_err(|_| unreadable())?,
        );
        if from > to {
            return Err(Error::invalid(
                format!("{from}-{to}: a range of weeks goes from the first to the last."),
                format!("{from}-{to} : une plage de semaines va de la première à la dernière."),
            ));
        }
        if from < 1 || to > u64::from(grid_weeks) {
            let week = if from < 1 { from } else { to };
            return Err(Error::invalid(
                format!("Week {week} is not in the grid (weeks 1 to {grid_weeks})."),
                format!("La semaine {week} n'est pas dans la grille (semaines 1 à {grid_weeks})."),
            ));
        }
        list.extend(u32::try_from(from).unwrap_or(0)..=u32::try_from(to).unwrap_or(0));
    }
    list.sort_unstable();
    list.dedup();
    if list.is_empty() {
        return Err(unreadable());
    }
    Ok(list)
}

/// The template to download: instructions as `#` lines (skipped on import), the header, example rows.
pub fn template(file: TimetableFile, french: bool) -> String {
    let (intro, rows): (&[&str], &[&[&str]]) = match (file, french) {
        (TimetableFile::Teachers, true) => (
            &["code : obligatoire, unique (les initiales, par exemple). Un code déjà dans la base met à jour l'enseignant.", "nom : obligatoire. prenom : facultatif."],
            &[&["DUR", "Durand", "Élodie"], &["LEF", "Lefèvre", "Marc"]],
        ),
        (TimetableFile::Teachers, false) => (
            &["code: required, unique (initials, for example). A code already in the base updates that teacher.", "last_name: required. first_name: optional."],
            &[&["DUR", "Durand", "Élodie"], &["LEF", "Lefèvre", "Marc"]],
        ),
        (TimetableFile::Rooms, true) => (
            &["nom : obligatoire, unique. Un nom déjà dans la base met à jour la salle.", "capacite : facultatif, un nombre de places."],
            &[&["Salle 101", "30"], &["CDI", ""]],
        ),
        (TimetableFile::Rooms, false) => (
            &["name: required, unique. A name already in the base updates that room.", "capacity: optional, a number of seats."],
            &[&["Salle 101", "30"], &["CDI", ""]],
        ),
        (TimetableFile::Groups, true) => (&["nom : obligatoire, unique (une classe ou un groupe)."], &[&["2nde A"], &["1re B"]]),
        (TimetableFile::Groups, false) => (&["name: required, unique (a class or a group)."], &[&["2nde A"], &["1re B"]]),
        (TimetableFile::Subjects, true) => (
            &["code : obligatoire, unique. libelle : obligatoire. Un code déjà dans la base met à jour la matière."],
            &[&["MATHS", "Mathématiques"], &["FR", "Français"]],
        ),
        (TimetableFile::Subjects, false) => (
            &["code: required, unique. name: required. A code already in the base updates that subject."],
            &[&["MATHS", "Mathématiques"], &["FR", "Français"]],
        ),
        (TimetableFile::Courses, true) => (
            &[
                "Une ligne par cours et par créneau hebdomadaire. Ce fichier remplace tous les cours de la base.",
                "matiere : obligatoire, le code d'une matière. enseignant (code), classe, salle : facultatifs, déjà dans la base ou dans les fichiers importés avec celui-ci.",
                "jour : lundi … dimanche. heure : le début, 08:00 ou 8h00. duree : en minutes (55) ou 1h30. Le cours doit tomber sur les pas de la grille.",
                "semaines : les semaines de la grille, 1-10, 12 ; vide pour toutes.",
            ],
            &[&["MATHS", "DUR", "2nde A", "Salle 101", "lundi", "08:00", "55", ""], &["FR", "LEF", "2nde A", "Salle 101", "mardi", "08:55", "1h50", "1-10"]],
        ),
        (TimetableFile::Courses, false) => (
            &[
                "One row per course and weekly slot. This file replaces every course of the base.",
                "subject: required, a subject's code. teacher (code), group, room: optional, already in the base or in the files imported with this one.",
                "day: Monday … Sunday. start: 08:00 or 8h00. minutes: 55 or 1h30. The course must fall on the grid's steps.",
                "weeks: the grid's weeks, 1-10, 12; empty for every week.",
            ],
            &[&["MATHS", "DUR", "2nde A", "Salle 101", "Monday", "08:00", "55", ""], &["FR", "LEF", "2nde A", "Salle 101", "Tuesday", "08:55", "1h50", "1-10"]],
        ),
    };
    let (en, fr) = file_name(file);
    let sep = if french { ";" } else { "," };
    let title = if french {
        format!("# Modèle d'import : {fr} (Planhost). Les lignes qui commencent par # sont ignorées.")
    } else {
        format!("# Import template: {en} (Planhost). Rows starting with # are skipped.")
    };
    let last = if french {
        "# Enregistrez en CSV (UTF-8 ou Windows-1252, séparateur point-virgule ou virgule)."
    } else {
        "# Save as CSV (UTF-8 or Windows-1252, comma or semicolon separated)."
    };
    let body: Vec<String> = intro.iter().map(|l| format!("# {l}")).collect();
    let lines: Vec<&str> = std::iter::once(title.as_str())
        .chain(body.iter().map(String::as_str))
        .chain([last])
        .collect();
    let header: Vec<&str> = columns(file).iter().map(|c| if french { c.fr } else { c.en }).collect();
    crate::csv_file::template(&lines, &header, rows, sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_times_lengths_and_weeks_read_in_either_language() {
        assert_eq!(day("Lundi").unwrap(), 1);
        assert_eq!(day("wed").unwrap(), 3);
        assert_eq!(day("7").unwrap(), 7);
        assert!(day("lu").is_err() && day("8").is_err() && day("jour férié").is_err());
        assert_eq!(time("08:00").unwrap(), 480);
        assert_eq!(time("8h30").unwrap(), 510);
        assert_eq!(time("14h").unwrap(), 840);
        assert!(time("25:00").is_err() && time("8.30").is_err() && time("").is_err());
        assert_eq!(minutes("55").unwrap(), 55);
        assert_eq!(minutes("1h30").unwrap(), 90);
        assert_eq!(minutes("2h").unwrap(), 120);
        assert_eq!(minutes("45 min").unwrap(), 45);
        assert!(
            minutes("0").is_err() && minutes("-5").is_err() && minutes("1h75").is_err() && minutes("99999").is_err()
        );
        assert_eq!(weeks("1-3, 5", 10).unwrap(), [1, 2, 3, 5]);
        assert_eq!(weeks("", 3).unwrap(), [1, 2, 3]);
        assert!(weeks("0-3", 10).is_err() && weeks("5-2", 10).is_err() && weeks("11", 10).is_err());
        assert!(weeks("4294967295", 10).is_err() && weeks("a", 10).is_err() && weeks(",", 10).is_err());
        assert_eq!(weeks("1 – 3; 5", 10).unwrap(), [1, 2, 3, 5]);
        assert!(weeks("1-20", 16)
            .unwrap_err()
            .message_fr
            .contains("semaine 20 n'est pas dans la grille"));
        assert_eq!(day("lun.").unwrap(), 1);
    }

    #[test]
    fn every_template_reads_back_with_its_own_header() {
        for file in [
            TimetableFile::Teachers,
            TimetableFile::Rooms,
            TimetableFile::Groups,
            TimetableFile::Subjects,
            TimetableFile::Courses,
        ] {
            for french in [true, false] {
                let t = crate::csv_file::read(template(file, french).as_bytes(), 1 << 20, 10).unwrap();
                assert_eq!(t.rows.len(), 2);
                let found: Vec<_> = t.header.iter().map(|h| recognise(columns(file), h)).collect();
                assert_eq!(
                    found,
                    (0..columns(file).len()).map(Some).collect::<Vec<_>>(),
                    "{file:?}"
                );
            }
        }
    }
}
