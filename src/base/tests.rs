use super::*;
use crate::api::TimeGrid;

pub fn year() -> TimeGrid {
    TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    }
}

/// A small timetable: two teachers, a room, a group, two subjects, two courses placed three times.
pub fn small_timetable() -> Timetable {
    Timetable {
        teachers: vec![
            Teacher {
                id: 1,
                code: "DUR".into(),
                last_name: "Durand".into(),
                first_name: "Élodie".into(),
            },
            Teacher {
                id: 2,
                code: "LEF".into(),
                last_name: "Lefèvre".into(),
                first_name: "Marc".into(),
            },
        ],
        rooms: vec![Room {
            id: 1,
            name: "Salle 101".into(),
            capacity: Some(30),
        }],
        groups: vec![StudentGroup {
            id: 1,
            name: "2nde A".into(),
        }],
        subjects: vec![
            Subject {
                id: 1,
                code: "MATH".into(),
                name: "Mathématiques".into(),
            },
            Subject {
                id: 2,
                code: "FR".into(),
                name: "Français".into(),
            },
        ],
        courses: vec![
            Course {
                id: 1,
                subject_id: 1,
                teacher_id: Some(1),
                group_id: Some(1),
                room_id: Some(1),
                steps: 1,
            },
            Course {
                id: 2,
                subject_id: 2,
                teacher_id: Some(2),
                group_id: Some(1),
                room_id: None,
                steps: 2,
            },
        ],
        placements: vec![
            Placement {
                course_id: 1,
                week: 1,
                day: 1,
                step: 1,
            },
            Placement {
                course_id: 1,
                week: 1,
                day: 3,
                step: 4,
            },
            Placement {
                course_id: 2,
                week: 2,
                day: 2,
                step: 2,
            },
        ],
    }
}

#[test]
fn a_created_base_opens_again_with_its_name_grid_and_timetable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lycee.sqlite3");
    let mut base = Base::create(&path, "Lycée Hugo 2026", &year()).unwrap();
    base.add_timetable(&small_timetable()).unwrap();
    drop(base);
    let meta = Base::verify(&path).unwrap();
    assert_eq!(
        (meta.name.as_str(), meta.schema_version),
        ("Lycée Hugo 2026", SCHEMA_VERSION)
    );
    let base = Base::open_read_only(&path).unwrap();
    assert_eq!(base.grid().unwrap(), year());
    assert_eq!(base.timetable().unwrap(), small_timetable());
    assert_eq!(base.counts().unwrap().placements, 3);
}

#[test]
fn bad_names_grids_and_placements_are_refused_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sqlite3");
    for name in ["", " lycee", "../etc", "a/b", ".cache", &"x".repeat(65)] {
        let e = Base::create(&path, name, &year()).err().unwrap();
        assert_eq!(e.field.as_deref(), Some("name"), "{name}");
    }
    let tuesday = TimeGrid {
        first_monday: "2026-09-01".into(),
        ..year()
    };
    assert_eq!(
        Base::create(&path, "b", &tuesday).err().unwrap().field.as_deref(),
        Some("first_monday")
    );
    assert!(!path.exists(), "no file for a refused base");

    let mut base = Base::create(&path, "b", &year()).unwrap();
    let mut outside = small_timetable();
    outside.placements.push(Placement {
        course_id: 1,
        week: 45,
        day: 1,
        step: 1,
    });
    assert!(base
        .add_timetable(&outside)
        .unwrap_err()
        .message
        .contains("outside the grid"));
    let mut saturday = small_timetable();
    saturday.placements.push(Placement {
        course_id: 1,
        week: 1,
        day: 6,
        step: 1,
    });
    assert!(base.add_timetable(&saturday).is_err());
    assert_eq!(base.counts().unwrap(), TimetableCounts::default(), "all or nothing");
    assert_eq!(
        Base::create(&path, "b", &year()).err().unwrap().code,
        ErrorCode::Conflict
    );
}

#[test]
fn what_is_not_a_base_or_is_newer_or_damaged_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "bonjour ".repeat(100)).unwrap();
    assert!(Base::verify(&text)
        .unwrap_err()
        .message_fr
        .contains("n'est pas une base Planhost"));

    let other = dir.path().join("other.sqlite3");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 1;")
        .unwrap();
    assert!(Base::verify(&other)
        .unwrap_err()
        .message
        .contains("not a Planhost base"));

    let newer = dir.path().join("newer.sqlite3");
    drop(Base::create(&newer, "b", &year()).unwrap());
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let e = Base::verify(&newer).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnsupportedVersion);
    assert!(e.message_fr.contains("plus récent"), "{}", e.message_fr);
    assert_eq!(
        Base::open(&newer).err().unwrap().code,
        ErrorCode::UnsupportedVersion,
        "never migrated down"
    );

    // A base whose pages were overwritten in the middle.
    let damaged = dir.path().join("damaged.sqlite3");
    let mut base = Base::create(&damaged, "b", &year()).unwrap();
    let mut many = small_timetable();
    many.teachers = (1..=2000)
        .map(|i| Teacher {
            id: i,
            code: format!("T{i}"),
            last_name: format!("Nom {i}"),
            first_name: String::new(),
        })
        .collect();
    base.add_timetable(&many).unwrap();
    drop(base);
    let mut bytes = std::fs::read(&damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4096].fill(0xA5);
    std::fs::write(&damaged, bytes).unwrap();
    let e = Base::verify(&damaged).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
}

#[test]
fn a_base_changed_by_another_program_is_refused_with_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let made = |name: &str| {
        let path = dir.path().join(format!("{name}.sqlite3"));
        let mut base = Base::create(&path, "b", &year()).unwrap();
        base.add_timetable(&small_timetable()).unwrap();
        drop(base);
        path
    };
    assert_eq!(Base::verify(&made("good")).unwrap().name, "b");
    for (name, sql, said) in [
        (
            "trigger",
            "CREATE TRIGGER t AFTER INSERT ON teachers BEGIN DELETE FROM rooms; END;",
            "trigger t",
        ),
        ("view", "CREATE VIEW v AS SELECT * FROM teachers;", "view v"),
        ("table", "CREATE TABLE extra (x);", "table extra"),
        (
            "dropped index",
            "DROP INDEX placements_by_week;",
            "no index placements_by_week",
        ),
        (
            "outside",
            "UPDATE placements SET week = 400 WHERE id = (SELECT min(id) FROM placements);",
            "hors de sa propre grille",
        ),
        (
            "dangling",
            "PRAGMA foreign_keys = OFF; UPDATE courses SET teacher_id = 99 WHERE id = (SELECT min(id) FROM courses);",
            "inexistantes",
        ),
    ] {
        let path = made(name);
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        let e = Base::verify(&path).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{name}");
        assert!(
            e.message.contains(said) || e.message_fr.contains(said),
            "{name}: {} / {}",
            e.message,
            e.message_fr
        );
    }
}

#[test]
fn a_cancel_stops_the_integrity_check_of_a_large_base() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.sqlite3");
    let mut base = Base::create(&path, "Grande base", &year()).unwrap();
    base.add_timetable(&small_timetable()).unwrap();
    // Placements in no order: the check looks each one up in both indexes (seconds for this many).
    let tx = base.conn.transaction().unwrap();
    {
        let mut add = tx
            .prepare("INSERT INTO placements (course_id, week, day, step) VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..600_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            add.execute(params![1 + x % 2, 1 + x % 44, 1 + (x >> 8) % 5, 1 + (x >> 16) % 8])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    drop(base);
    let cancel = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            cancel.store(true, Ordering::Relaxed);
        });
        Base::verify_unless(&path, &cancel)
    });
    assert_eq!(result.unwrap_err().code, ErrorCode::Cancelled);
    // Raised before: nothing is read at all. Not raised: the same base passes.
    assert_eq!(
        Base::verify_unless(&path, &cancel).unwrap_err().code,
        ErrorCode::Cancelled
    );
    assert_eq!(Base::verify(&path).unwrap().name, "Grande base");
}
