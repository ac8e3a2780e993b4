//! The public page of a planning's timetable (web publication on): one week of the grid, days across, sequences
//! down, each course with its subject, teacher, group and room. Plain HTML, escaped, no script.

use crate::api::{SequenceTime, TimeGrid, Timetable};
use std::collections::HashMap;
use std::fmt::Write;

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const DAYS: [&str; 7] = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];

/// The page for `week` (1-based) of a base.
pub fn page(
    title: &str,
    base: &str,
    grid: &TimeGrid,
    day: &[SequenceTime],
    weeks: u32,
    week: u32,
    t: &Timetable,
) -> String {
    let steps = u32::from(grid.steps_per_sequence.max(1));
    let names = |list: Vec<(i64, String)>| list.into_iter().collect::<HashMap<_, _>>();
    let subjects = names(t.subjects.iter().map(|s| (s.id, s.name.clone())).collect());
    let teachers = names(
        t.teachers
            .iter()
            .map(|x| (x.id, format!("{} {}", x.last_name, x.first_name).trim().to_owned()))
            .collect(),
    );
    let groups = names(t.groups.iter().map(|g| (g.id, g.name.clone())).collect());
    let rooms = names(t.rooms.iter().map(|r| (r.id, r.name.clone())).collect());
    let courses: HashMap<i64, _> = t.courses.iter().map(|c| (c.id, c)).collect();
    // (day, sequence index) → the courses starting in it.
    let mut cells: HashMap<(u8, u32), Vec<String>> = HashMap::new();
    for p in t.placements.iter().filter(|p| p.week == week) {
        let Some(course) = courses.get(&p.course_id) else {
            continue;
        };
        let get = |m: &HashMap<i64, String>, id: Option<i64>| id.and_then(|i| m.get(&i)).map(|s| esc(s));
        let parts: Vec<String> = [
            subjects.get(&course.subject_id).map(|s| format!("<b>{}</b>", esc(s))),
            get(&teachers, course.teacher_id),
            get(&groups, course.group_id),
            get(&rooms, course.room_id),
        ]
        .into_iter()
        .flatten()
        .collect();
        cells
            .entry((p.day, p.step.saturating_sub(1) / steps))
            .or_default()
            .push(parts.join("<br>"));
    }
    let mut html = String::with_capacity(8192);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;margin:1rem;color:#1d2b3a}}\
         table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #c8d3df;padding:.3rem;vertical-align:top;font-size:.9rem}}\
         th{{background:#eef3f8}}td.course{{background:#e6f0e0}}nav a{{margin-right:.6rem}}</style></head><body>\
         <h1 id=\"title\">{title}</h1><p id=\"base\">Base {base} — semaine {week} sur {weeks}</p><nav>",
        title = esc(title),
        base = esc(base),
    );
    if week > 1 {
        let _ = write!(
            html,
            "<a id=\"previous\" href=\"?week={}\">← semaine {}</a>",
            week - 1,
            week - 1
        );
    }
    if week < weeks {
        let _ = write!(
            html,
            "<a id=\"next\" href=\"?week={}\">semaine {} →</a>",
            week + 1,
            week + 1
        );
    }
    html.push_str("</nav><table id=\"grid\"><thead><tr><th>Séquence</th>");
    for d in &grid.working_days {
        let _ = write!(html, "<th>{}</th>", DAYS[usize::from(d.clamp(&1, &7) - 1)]);
    }
    html.push_str("</tr></thead><tbody>");
    for (i, s) in day.iter().enumerate() {
        let _ = write!(
            html,
            "<tr><th id=\"sequence-{}\">{} – {}</th>",
            s.number, s.start, s.end
        );
        for d in &grid.working_days {
            let index = u32::try_from(i).unwrap_or(0);
            match cells.get(&(*d, index)) {
                Some(list) => {
                    let _ = write!(
                        html,
                        "<td class=\"course\" id=\"cell-{d}-{}\">{}</td>",
                        s.number,
                        list.join("<hr>")
                    );
                }
                None => html.push_str("<td></td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></body></html>");
    html
}
