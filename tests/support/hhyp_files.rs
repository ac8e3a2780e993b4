//! `.HHYP` files for tests and benchmarks, written by the core's own writer: a new base and one incompressible photo
//! (stored as it is), generated in pieces so that a 1 GiB file needs no 1 GiB of memory.
#![allow(dead_code)]

use planhost::api::TimeGrid;
use planhost::base::Base;
use planhost::hhyp;
use planhost::ids::HostingNumber;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A new base at `path` on the school year 2026–2027's default grid.
fn new_base(path: &Path, name: &str) -> Base {
    let grid = TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    };
    Base::create(path, name, &grid).unwrap()
}

/// `dir/NAME.HHYP` for `hosting`, holding a new base `name` and `photo_bytes` pseudo-random bytes of photo.
pub fn hhyp_file(dir: &Path, hosting: &str, name: &str, photo_bytes: usize) -> PathBuf {
    let work = tempfile::tempdir_in(dir).unwrap();
    let base = work.path().join("base.sqlite3");
    drop(new_base(&base, name));
    let photo = work.path().join("durand.jpg");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&photo).unwrap());
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut piece = vec![0u8; 1 << 20];
    let mut left = photo_bytes;
    while left > 0 {
        for word in piece.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(piece.len());
        out.write_all(&piece[..n]).unwrap();
        left -= n;
    }
    out.flush().unwrap();
    drop(out);
    let file = dir.join(format!("{name}.HHYP"));
    let annexes = [hhyp::Annex {
        name: "photos/durand.jpg".into(),
        file: photo,
    }];
    let hosting = HostingNumber::parse(hosting).unwrap();
    hhyp::write(&file, &hosting, &base, &annexes, &|_, _| {}, &AtomicBool::new(false)).unwrap();
    file
}

/// A school's timetable on the default grid (Monday–Friday, eight sequences of one step): `groups` classes, each with
/// six courses a day, the same week repeated over `weeks` weeks; a teacher and a room per course of a group's day.
pub fn school_timetable(groups: i64, weeks: u32) -> planhost::api::Timetable {
    use planhost::api::{Course, Placement, Room, StudentGroup, Subject, Teacher, Timetable};
    const SUBJECTS: [&str; 6] = [
        "Mathématiques",
        "Français",
        "Histoire-géographie",
        "Anglais",
        "Physique-chimie",
        "SVT",
    ];
    let mut t = Timetable {
        subjects: SUBJECTS
            .iter()
            .zip(1..)
            .map(|(name, id)| Subject {
                id,
                code: name.chars().take(4).collect::<String>().to_uppercase(),
                name: (*name).into(),
            })
            .collect(),
        ..Timetable::default()
    };
    for g in 1..=groups {
        t.groups.push(StudentGroup {
            id: g,
            name: format!("2nde {g}"),
        });
        t.rooms.push(Room {
            id: g,
            name: format!("Salle {}", 100 + g),
            capacity: Some(35),
        });
        for s in 1..=6_i64 {
            let teacher = (g - 1) * 6 + s;
            t.teachers.push(Teacher {
                id: teacher,
                code: format!("P{teacher:03}"),
                last_name: format!("Professeur {teacher}"),
                first_name: "Élodie".into(),
            });
            let course = teacher;
            t.courses.push(Course {
                id: course,
                subject_id: s,
                teacher_id: Some(teacher),
                group_id: Some(g),
                room_id: Some(g),
                steps: 1,
            });
            for week in 1..=weeks {
                for day in 1..=5_u8 {
                    // Each subject once a day, at a sequence that moves with the day.
                    let step = u32::try_from((s - 1 + i64::from(day)) % 8).unwrap() + 1;
                    t.placements.push(Placement {
                        course_id: course,
                        week,
                        day,
                        step,
                    });
                }
            }
        }
    }
    t
}

/// `dir/NAME.HHYP` for `hosting`: a base holding `school_timetable(groups, weeks)`, no annex.
pub fn school_hhyp(dir: &Path, hosting: &str, name: &str, groups: i64, weeks: u32) -> PathBuf {
    let work = tempfile::tempdir_in(dir).unwrap();
    let base = work.path().join("base.sqlite3");
    let mut made = new_base(&base, name);
    made.add_timetable(&school_timetable(groups, weeks)).unwrap();
    drop(made);
    let file = dir.join(format!("{name}.HHYP"));
    let hosting = HostingNumber::parse(hosting).unwrap();
    hhyp::write(&file, &hosting, &base, &[], &|_, _| {}, &AtomicBool::new(false)).unwrap();
    file
}
