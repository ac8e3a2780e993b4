//! What goes into a prepared base with no controller: its timetable from the five CSV templates (all or nothing,
//! problems by file, line and column), a new time grid (what no longer fits kept aside and listed, placed again by a
//! grid with room for it), and its users, exported as a `.profils` v1 file.

use planhost::api::{TimeGrid, TimetableFile, UserStatus};
use planhost::base::Base;
use planhost::prepare::Workspace;
use planhost::profils::ProfilsFile;
use std::path::Path;

#[path = "support/prepared_csv.rs"]
mod prepared_csv;
use prepared_csv::{all_files, COURSES};

fn grid() -> TimeGrid {
    TimeGrid {
        first_monday: "2026-08-31".into(),
        last_sunday: "2027-07-04".into(),
        ..TimeGrid::default()
    }
}

fn timetable_bytes(w: &Workspace) -> String {
    serde_json::to_string(&Base::open_read_only(&w.base_path()).unwrap().timetable().unwrap()).unwrap()
}

fn prepared(dir: &Path) -> Workspace {
    let w = Workspace::create(&dir.join("hugo"), "Lycée Hugo", &grid()).unwrap();
    let r = w.import_timetable(&all_files(), true).unwrap();
    assert!(r.written && r.problems.is_empty(), "{:?}", r.problems);
    w
}

#[test]
fn the_five_templates_make_a_timetable_on_the_grid() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    let t = Base::open_read_only(&w.base_path()).unwrap().timetable().unwrap();
    assert_eq!(
        (t.teachers.len(), t.rooms.len(), t.groups.len(), t.subjects.len()),
        (2, 2, 2, 2)
    );
    assert_eq!(t.courses.len(), 2);
    let french = t
        .courses
        .iter()
        .find(|c| c.steps == 2)
        .expect("1h50 is two 55-minute steps");
    let maths = t.courses.iter().find(|c| c.steps == 1).unwrap();
    let placed = |id: i64| t.placements.iter().filter(|p| p.course_id == id).collect::<Vec<_>>();
    // All 44 weeks on Monday's first step; weeks 1-20 on Tuesday's second step.
    assert_eq!(placed(maths.id).len(), 44);
    assert!(placed(maths.id).iter().all(|p| p.day == 1 && p.step == 1));
    assert_eq!(placed(french.id).len(), 20);
    assert!(placed(french.id)
        .iter()
        .all(|p| p.day == 2 && p.step == 2 && p.week <= 20));
    assert_eq!(t.rooms.iter().find(|r| r.name == "CDI").unwrap().capacity, None);
    Base::verify(&w.base_path()).expect("the imported base passes the controller's checks");

    // Again with a changed teacher: updated by code, and the courses file replaces the courses.
    let before = t.teachers.iter().find(|x| x.code == "DUR").unwrap().id;
    let r = w
        .import_timetable(
            &[
                (
                    TimetableFile::Teachers,
                    b"code,last_name,first_name\ndur,Durand-Roy,\xC3\x89lodie\n".as_slice(),
                ),
                (
                    TimetableFile::Courses,
                    b"subject,day,start,minutes\nMATHS,Friday,13:30,55\n".as_slice(),
                ),
            ],
            true,
        )
        .unwrap();
    assert!(r.written, "{:?}", r.problems);
    let t = Base::open_read_only(&w.base_path()).unwrap().timetable().unwrap();
    let dur = t.teachers.iter().find(|x| x.id == before).unwrap();
    assert_eq!((dur.code.as_str(), dur.last_name.as_str()), ("dur", "Durand-Roy"));
    assert_eq!(t.teachers.len(), 2);
    assert_eq!(t.courses.len(), 1);
    assert!(t.placements.iter().all(|p| (p.day, p.step) == (5, 7)));
}

#[test]
fn any_bad_cell_in_any_file_writes_nothing_and_is_reported_where_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    let before = timetable_bytes(&w);
    // Windows-1252 with commas: a duplicate code, an empty name; a room with a negative capacity; courses naming
    // an unknown subject, a day off, a time between steps, a length past the day, weeks past the grid.
    let teachers = b"code,nom,prenom\nMAR,Martin,Chlo\xe9\nMAR,Marchand,\nBEN,,Paul\n".to_vec();
    let rooms = "nom;capacite\nLabo;-5\n";
    let courses = "matiere;enseignant;classe;salle;jour;heure;duree;semaines\n\
                   PHILO;DUR;;;lundi;08:00;55;\n\
                   MATHS;MAR;;;dimanche;08:00;55;\n\
                   MATHS;;;;mardi;08:10;55;\n\
                   MATHS;;;;mercredi;14:25;1h50;\n\
                   MATHS;;;;jeudi;08:00;55;40-50\n\
                   MATHS;;;;vendredi;08:00;55;;extra\n";
    let r = w
        .import_timetable(
            &[
                (TimetableFile::Teachers, &teachers),
                (TimetableFile::Rooms, rooms.as_bytes()),
                (TimetableFile::Courses, courses.as_bytes()),
            ],
            true,
        )
        .unwrap();
    assert!(!r.written);
    let found: Vec<(TimetableFile, u64, &str)> = r
        .problems
        .iter()
        .map(|p| (p.file, p.problem.line, p.problem.column.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (TimetableFile::Teachers, 3, "code"),
            (TimetableFile::Teachers, 4, "nom"),
            (TimetableFile::Rooms, 2, "capacite"),
            (TimetableFile::Courses, 2, "matiere"),
            (TimetableFile::Courses, 3, "jour"),
            (TimetableFile::Courses, 4, "heure"),
            (TimetableFile::Courses, 5, "duree"),
            (TimetableFile::Courses, 6, "semaines"),
            (TimetableFile::Courses, 7, ""),
        ],
        "{:#?}",
        r.problems
    );
    assert_eq!(r.problem_count, 9);
    assert!(
        r.problems[0].problem.message_fr.contains("ligne 2"),
        "{:?}",
        r.problems[0]
    );
    assert!(
        r.problems[4].problem.message.contains("not a working day"),
        "{:?}",
        r.problems[4]
    );
    // The courses file replaces the courses only when it is written: the base is as it was, byte for byte.
    assert_eq!(timetable_bytes(&w), before);

    // A file that is not the template: its unknown and missing columns, on the header's line.
    let r = w
        .import_timetable(
            &[(TimetableFile::Rooms, b"# notes\nsalle;etage\nA;1\n".as_slice())],
            true,
        )
        .unwrap();
    let found: Vec<(u64, &str)> = r
        .problems
        .iter()
        .map(|p| (p.problem.line, p.problem.column.as_str()))
        .collect();
    assert_eq!(found, [(2, "etage")]);
    let r = w
        .import_timetable(&[(TimetableFile::Teachers, b"nom\nDurand\n".as_slice())], true)
        .unwrap();
    assert_eq!(r.problems[0].problem.line, 1);
    assert!(
        r.problems[0].problem.message.contains("no code column"),
        "{:?}",
        r.problems
    );
    // A check writes nothing even when every row is right; two files of one kind are refused.
    let r = w
        .import_timetable(&[(TimetableFile::Groups, b"nom\nTerm C\n".as_slice())], false)
        .unwrap();
    assert!(!r.written && r.problems.is_empty() && r.groups == 1);
    assert!(w
        .import_timetable(
            &[
                (TimetableFile::Groups, b"nom\n".as_slice()),
                (TimetableFile::Groups, b"nom\n".as_slice())
            ],
            true
        )
        .is_err());
    assert_eq!(timetable_bytes(&w), before);
}

#[test]
fn a_new_grid_keeps_aside_what_no_longer_fits_and_places_it_again_later() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    let original = timetable_bytes(&w);
    // Sequences of 50 minutes: no course fits any more (a preview, nothing changed).
    let shorter = TimeGrid {
        last_sunday: "2027-01-31".into(),
        sequence_minutes: 50,
        ..grid()
    };
    let preview = w.change_grid(&shorter, false).unwrap();
    assert!(!preview.applied);
    assert_eq!(timetable_bytes(&w), original, "a preview changes nothing");
    assert_eq!(w.grid().unwrap(), grid());
    // 55 minutes is not a whole number of 50-minute steps: every maths placement is aside; French too (08:55).
    assert_eq!(preview.placed, 0);
    assert_eq!(preview.unplaced.len(), 64);
    assert!(
        preview.unplaced.iter().any(|u| u.reason.contains("not a whole number")),
        "{:?}",
        preview.unplaced[0]
    );

    // Same sequences, a shorter year: the weeks after 31 January are kept aside, not deleted.
    let short_year = TimeGrid {
        last_sunday: "2027-01-31".into(),
        ..grid()
    };
    let applied = w.change_grid(&short_year, true).unwrap();
    assert!(applied.applied);
    assert_eq!(applied.placed, 22 + 20);
    assert_eq!(applied.unplaced.len(), 44 - 22);
    let first = &applied.unplaced[0];
    assert_eq!(
        (first.date.as_str(), first.start.as_str(), first.minutes),
        ("2027-02-01", "08:00", 55)
    );
    assert_eq!(
        (first.subject.as_str(), first.teacher.as_str(), first.group.as_str()),
        ("Mathématiques", "DUR", "2nde A")
    );
    assert!(first.reason_fr.contains("hors de la grille"), "{first:?}");
    assert_eq!(w.unplaced().unwrap(), applied.unplaced);
    assert_eq!(w.summary().unwrap().unplaced, 22);
    Base::verify(&w.base_path()).expect("what is placed fits the new grid");

    // The whole year again: everything placed again, the timetable exactly as imported.
    let back = w.change_grid(&grid(), true).unwrap();
    assert_eq!((back.placed, back.placed_again, back.unplaced.len()), (64, 22, 0));
    let t = Base::open_read_only(&w.base_path()).unwrap().timetable().unwrap();
    let mut again: Vec<_> = t.placements.iter().map(|p| (p.week, p.day, p.step)).collect();
    let before: planhost::api::Timetable = serde_json::from_str(&original).unwrap();
    let mut first_time: Vec<_> = before.placements.iter().map(|p| (p.week, p.day, p.step)).collect();
    again.sort_unstable();
    first_time.sort_unstable();
    assert_eq!(again, first_time);

    // A grid that is not valid changes nothing; 25-minute steps do not fit 55-minute courses.
    let halves = w.change_grid(
        &TimeGrid {
            steps_per_sequence: 5,
            ..grid()
        },
        true,
    );
    assert!(halves.is_err(), "55 minutes do not divide into 5 steps");
    let c = w
        .change_grid(
            &TimeGrid {
                sequence_minutes: 50,
                steps_per_sequence: 2,
                ..grid()
            },
            false,
        )
        .unwrap();
    assert_eq!(c.placed, 0, "08:00 + 55 minutes is not on 25-minute steps");
}

#[test]
fn users_are_kept_with_the_base_and_exported_as_profils() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    let csv = "identifiant;prenom;nom;email;statut;acces_console;planning;profil\n\
               jdupont;Jean;Dupont;jean.dupont@lycee-hugo.fr;Administrateur de base;non;Lycée Hugo;Administration\n\
               emartin;Élodie;Martin;;Utilisateur;;;Consultation\n\
               pleroy;Paul;Leroy;;;;;\n";
    let r = w.import_users(csv.as_bytes(), true).unwrap();
    assert!(r.written && r.added == 3, "{:?}", r.problems);
    let users = w.users().unwrap();
    assert_eq!(users.len(), 3);
    assert_eq!(users[0].status, UserStatus::BaseAdministrator);
    assert_eq!(users[0].profile.as_deref(), Some("Administration"));
    assert_eq!(users[2].profile, None);

    // Bad rows: a login already kept, a duplicate in the file, a user given Administration, console access asked
    // for, another planning, an unknown profile. Nothing added.
    let bad = "login,first_name,last_name,status,console_access,planning,profile\n\
               JDUPONT,Jean,Dupont,,,,\n\
               amoreau,Anne,Moreau,,,,\n\
               amoreau,Anne,Moreau,,,,\n\
               bsimon,Bruno,Simon,User,,,Administration\n\
               cblanc,Chloé,Blanc,Superadministrator,yes,,\n\
               dnoel,Denis,Noël,,,planning02,Consultation\n\
               egarnier,Eva,Garnier,,,,Chef\n";
    let r = w.import_users(bad.as_bytes(), true).unwrap();
    assert!(!r.written);
    let found: Vec<(u64, &str)> = r.problems.iter().map(|p| (p.line, p.column.as_str())).collect();
    assert_eq!(
        found,
        [
            (2, "login"),
            (4, "login"),
            (5, "profile"),
            (6, "console_access"),
            (7, "planning"),
            (8, "profile")
        ],
        "{:#?}",
        r.problems
    );
    assert_eq!(w.users().unwrap().len(), 3);

    // Exported for the planning the base will be loaded on: the users, no passwords, their assignments.
    let file = w.export_profils("planning01").unwrap();
    let read = ProfilsFile::read(&file.to_bytes()).unwrap();
    assert_eq!(read.users.len(), 3);
    assert!(read.users.iter().all(|u| u.password_hash.is_none()));
    assert_eq!(read.plannings.len(), 1);
    assert_eq!(read.plannings[0].name, "planning01");
    let assigned: Vec<(&str, &str)> = read.plannings[0]
        .assignments
        .iter()
        .map(|a| (a.login.as_str(), a.profile.as_str()))
        .collect();
    assert_eq!(assigned, [("jdupont", "Administration"), ("emartin", "Consultation")]);

    assert_eq!(w.remove_users(&["EMARTIN".into()]).unwrap(), 1);
    assert!(w.remove_users(&["nobody".into()]).is_err());
    assert_eq!(w.export_profils("").unwrap_err().field.as_deref(), Some("planning"));
    assert!(w.export_profils(&"p".repeat(41)).is_err());
    let file = w.export_profils("Lycée Hugo").unwrap();
    assert_eq!(file.plannings[0].name, "Lycée Hugo");
    assert_eq!(file.plannings[0].assignments.len(), 1);
    assert_eq!(w.summary().unwrap().users, 2);
}

#[test]
fn what_would_lose_courses_silently_is_refused_and_a_look_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    let before = std::fs::read(w.base_path()).unwrap();
    let mtime = std::fs::metadata(w.base_path()).unwrap().modified().unwrap();
    // A row with no subject, weeks that name none, a file with only its header: problems, not lost courses.
    let courses = "matiere;enseignant;jour;heure;duree;semaines\n;DUR;lundi;08:00;55;\nMATHS;;mardi;08:00;55;,\n";
    let r = w
        .import_timetable(&[(TimetableFile::Courses, courses.as_bytes())], true)
        .unwrap();
    let found: Vec<(u64, &str)> = r
        .problems
        .iter()
        .map(|p| (p.problem.line, p.problem.column.as_str()))
        .collect();
    assert_eq!(found, [(2, "matiere"), (3, "semaines")], "{:#?}", r.problems);
    assert!(r.problems[0].problem.message_fr.starts_with("Obligatoire"));
    let header_only = w
        .import_timetable(
            &[(TimetableFile::Courses, b"matiere;jour;heure;duree;;\n".as_slice())],
            true,
        )
        .unwrap();
    assert!(!header_only.written);
    assert!(
        header_only.problems[0].problem.message.contains("no course"),
        "{:?}",
        header_only.problems
    );
    // A check says what a courses file replaces; checks, refusals and summaries leave the file as it was.
    let check = w
        .import_timetable(&[(TimetableFile::Courses, COURSES.as_bytes())], false)
        .unwrap();
    assert_eq!((check.written, check.replaced_courses), (false, 2));
    w.change_grid(
        &TimeGrid {
            sequence_minutes: 50,
            ..grid()
        },
        false,
    )
    .unwrap();
    w.summary().unwrap();
    assert_eq!(std::fs::read(w.base_path()).unwrap(), before);
    assert_eq!(std::fs::metadata(w.base_path()).unwrap().modified().unwrap(), mtime);
}

#[test]
fn the_templates_as_they_are_make_a_timetable_even_on_a_short_grid() {
    for french in [true, false] {
        let tmp = tempfile::tempdir().unwrap();
        let short = TimeGrid {
            last_sunday: "2026-11-08".into(),
            ..grid()
        };
        let w = Workspace::create(&tmp.path().join("b"), "Modèles", &short).unwrap();
        let templates: Vec<(TimetableFile, String)> = [
            TimetableFile::Teachers,
            TimetableFile::Rooms,
            TimetableFile::Groups,
            TimetableFile::Subjects,
            TimetableFile::Courses,
        ]
        .into_iter()
        .map(|f| (f, planhost::prepare::timetable_template(f, french)))
        .collect();
        let files: Vec<_> = templates.iter().map(|(f, t)| (*f, t.as_bytes())).collect();
        let r = w.import_timetable(&files, true).unwrap();
        assert!(r.written && r.courses == 2, "{:?}", r.problems);
        let users = w
            .import_users(planhost::prepare::users_template(french).as_bytes(), true)
            .unwrap();
        assert!(users.written && users.added == 2, "{:?}", users.problems);
    }
}

#[test]
fn while_a_base_is_packed_nothing_changes_it_and_the_user_is_told_why() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    // What a pack holds (another process here: the lock is the operating system's).
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(tmp.path().join("hugo/.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_planhost"))
        .env("LC_ALL", "en_GB.UTF-8")
        .args(["--json", "prepare", "annex", "add"])
        .arg(tmp.path().join("hugo"))
        .arg(env!("CARGO_MANIFEST_DIR").to_owned() + "/Cargo.toml")
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&child.stdout).unwrap();
    assert_eq!(e["code"], "conflict", "{e}");
    assert!(e["message"].as_str().unwrap().contains("being generated"), "{e}");
    assert!(w.annexes().unwrap().is_empty());
    drop(lock);
    assert_eq!(
        w.add_annex(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml").as_path(), None)
            .unwrap(),
        "Cargo.toml"
    );
}

#[test]
fn a_profils_export_never_lands_in_the_prepared_base_and_changes_take_turns() {
    let tmp = tempfile::tempdir().unwrap();
    let w = prepared(tmp.path());
    let dir = tmp.path().join("hugo");
    let base = std::fs::read(w.base_path()).unwrap();
    for out in [
        dir.join("base.sqlite3"),
        dir.join("users.profils"),
        dir.join("annexes/u.profils"),
        tmp.path().join("u.txt"),
        tmp.path().join("missing/u.profils"),
    ] {
        let e = w.write_profils("planning01", &out).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("output"), "{out:?}: {}", e.message);
    }
    assert_eq!(std::fs::read(w.base_path()).unwrap(), base);
    assert!(w.annexes().unwrap().is_empty());
    // A folder and a file of one name in other letter case would be one on Windows and macOS.
    let photo = tmp.path().join("p.jpg");
    std::fs::write(&photo, b"\xFF\xD8\xFF\xE0").unwrap();
    w.add_annex(&photo, Some("photos")).unwrap();
    assert!(w.add_annex(&photo, Some("Photos/a.jpg")).is_err());
    w.add_annex(&photo, Some("classes/a.jpg")).unwrap();
    assert!(w.add_annex(&photo, Some("Classes/b.jpg")).is_err());
    w.add_annex(&photo, Some("classes/b.jpg")).unwrap();
    // Removing a folder's last annex takes the folder away.
    w.remove_annex("classes/a.jpg").unwrap();
    w.remove_annex("classes/b.jpg").unwrap();
    assert!(!dir.join("annexes/classes").exists());
    // Two changes at once take turns: both users files land, neither is refused.
    let a = "identifiant;prenom;nom\nalpha;A;A\n";
    let b = "identifiant;prenom;nom\nbravo;B;B\n";
    std::thread::scope(|s| {
        let first = s.spawn(|| w.import_users(a.as_bytes(), true).unwrap());
        let second = s.spawn(|| w.import_users(b.as_bytes(), true).unwrap());
        assert!(first.join().unwrap().written && second.join().unwrap().written);
    });
    assert_eq!(w.users().unwrap().len(), 2);
}
