//! "Récupérer tous les utilisateurs et leurs autorisations": `.profils` files previewed, applied whole or not at
//! all, and exported, against a real controller over mTLS.

mod common;

use common::{new_admin, superadministrator, TestController};
use planhost::api::{
    ChangeCounts, ConfigChange, ConsoleScope, FirstSuperadministrator, Pane, ProfilsAction, ProfilsItem, UserChange,
    UserStatus,
};
use planhost::controller::auth::hash_secret;
use planhost::profils::{ProfilsAssignment, ProfilsFile, ProfilsPlanning, ProfilsProfile, ProfilsUser};
use planhost::ErrorCode;

const CHOSEN: &str = "correct horse battery";

fn user(login: &str, status: &str, hash: Option<String>) -> ProfilsUser {
    ProfilsUser {
        login: login.into(),
        first_name: "Jean".into(),
        last_name: login.into(),
        email: Some(format!("{login}@lycee-hugo.fr")),
        status: status.into(),
        password_hash: hash,
    }
}

fn profile(name: &str, kind: &str, authorisations: &[&str]) -> ProfilsProfile {
    ProfilsProfile {
        name: name.into(),
        kind: kind.into(),
        authorisations: authorisations.iter().map(|a| a.to_string()).collect(),
    }
}

fn assign(login: &str, profile: &str) -> ProfilsAssignment {
    ProfilsAssignment {
        login: login.into(),
        profile: profile.into(),
    }
}

fn counts(created: u32, updated: u32, unchanged: u32) -> ChangeCounts {
    ChangeCounts {
        created,
        updated,
        unchanged,
    }
}

fn file(users: Vec<ProfilsUser>, plannings: Vec<ProfilsPlanning>) -> Vec<u8> {
    let mut f = ProfilsFile::new("HYPERPLANNING 2026", "2026-11-23T09:00:00Z".into());
    f.users = users;
    f.plannings = plannings;
    f.to_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profils_file_is_previewed_then_applied_whole_and_exports_back_unchanged() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    superadministrator(&m, CHOSEN).await;
    let chosen_hash = hash_secret("mot de passe de Jean").unwrap();
    let mut super1 = user("SUPER1", "superadministrator", None);
    super1.first_name = "Clara".into();
    super1.last_name = "Martin".into();
    super1.email = Some("claire@lycee-hugo.fr".into());
    let bytes = file(
        vec![
            super1,
            user("jdupont", "base_administrator", Some(chosen_hash.clone())),
            user("emartin", "user", None),
        ],
        vec![ProfilsPlanning {
            name: "Planning01".into(),
            profiles: vec![
                profile("Administration", "administration", &[]),
                profile("Modification", "modification", &["edit_courses", "view_timetables"]),
                profile("Vie scolaire", "consultation", &["view_timetables", "print_and_export"]),
            ],
            assignments: vec![
                assign("jdupont", "Administration"),
                assign("emartin", "vie SCOLAIRE"),
                assign("super1", "Administration"),
            ],
        }],
    );
    let history = "SELECT count(*) FROM history WHERE action LIKE 'profils.%' OR action LIKE 'users.change'";
    let before = (tc.count("SELECT count(*) FROM users"), tc.count(history));

    let preview = m.import_profils(bytes.clone(), true).await.unwrap();
    assert!(!preview.applied);
    assert_eq!(preview.problem_count, 0, "{:?}", preview.problems);
    assert_eq!(
        (preview.users, preview.profiles, preview.assignments),
        (counts(2, 1, 0), counts(1, 1, 1), counts(3, 0, 0))
    );
    assert!(preview.passwords.is_empty(), "no password handed out by a preview");
    let updated = preview
        .changes
        .iter()
        .find(|c| c.action == ProfilsAction::Updated)
        .unwrap();
    assert_eq!((updated.item, updated.name.as_str()), (ProfilsItem::User, "super1"));
    assert_eq!(
        updated
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.before.as_str(), f.after.as_str()))
            .collect::<Vec<_>>(),
        [("first_name", "Claire", "Clara")]
    );
    assert_eq!(
        (tc.count("SELECT count(*) FROM users"), tc.count(history)),
        before,
        "a preview writes nothing"
    );

    let done = m.import_profils(bytes.clone(), false).await.unwrap();
    assert!(done.applied);
    assert_eq!(
        (done.users, done.profiles, done.assignments),
        (preview.users, preview.profiles, preview.assignments)
    );
    assert_eq!(done.changes, preview.changes, "the preview said exactly what was done");
    assert_eq!(
        done.passwords.iter().map(|p| p.login.as_str()).collect::<Vec<_>>(),
        ["emartin"],
        "a generated password only for the user the file gave no hash"
    );
    let (hash, must_change): (String, bool) = tc
        .db()
        .query_row(
            "SELECT password_hash, must_change_password FROM users WHERE login = 'jdupont'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((hash, must_change), (chosen_hash.clone(), false));
    let lines: Vec<String> = tc
        .db()
        .prepare("SELECT detail FROM history WHERE action = 'profils.import' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        lines,
        [
            "super1: first name Claire → Clara",
            "planning01 / Modification: removed view_room_occupancy view_teacher_records print_and_export place_courses edit_resources book_rooms record_absences publish_timetables",
            "users 2 created, 1 updated, 0 unchanged; profiles 1 created, 1 updated, 1 unchanged; assignments 3 created, 0 updated, 0 unchanged (created: jdupont, emartin)",
        ]
    );
    assert_eq!(
        tc.count(
            "SELECT count(*) FROM assignments a JOIN profiles p ON p.id = a.profile_id WHERE p.name = 'Vie scolaire'"
        ),
        1
    );

    // Applied again: everything is already so.
    let again = m.import_profils(bytes, false).await.unwrap();
    assert_eq!(
        (again.users, again.profiles, again.assignments),
        (counts(0, 0, 3), counts(0, 0, 3), counts(0, 0, 3))
    );

    // A user without "email" keeps its own; a decomposed (NFD) spelling of a login is the same login.
    let mut kept = user("jdupont", "base_administrator", None);
    kept.email = None;
    let mut decomposed = user("e\u{301}lise", "user", None);
    decomposed.email = None;
    let mut composed = decomposed.clone();
    composed.login = "\u{e9}lise".into();
    let first = m
        .import_profils(file(vec![kept.clone(), composed], vec![]), false)
        .await
        .unwrap();
    assert_eq!(first.users, counts(1, 0, 1), "{:?}", first.problems);
    let second = m
        .import_profils(file(vec![kept, decomposed], vec![]), true)
        .await
        .unwrap();
    assert_eq!(second.users, counts(0, 0, 2), "{:?}", second.problems);

    // The export reads back, carries chosen passwords' hashes only, and imports as unchanged.
    let exported = m.export_profils().await.unwrap();
    let read = ProfilsFile::read(&exported.to_bytes()).unwrap();
    assert_eq!(read, exported);
    let hashes: Vec<(&str, bool)> = exported
        .users
        .iter()
        .map(|u| (u.login.as_str(), u.password_hash.is_some()))
        .collect();
    assert_eq!(
        hashes,
        [
            ("emartin", false),
            ("jdupont", true),
            ("super1", true),
            ("\u{e9}lise", false)
        ]
    );
    assert_eq!(exported.plannings.len(), 1);
    assert_eq!(exported.plannings[0].profiles.len(), 4);
    let round = m.import_profils(exported.to_bytes(), true).await.unwrap();
    assert_eq!(
        (round.users, round.profiles, round.assignments, round.problem_count),
        (counts(0, 0, 4), counts(0, 0, 4), counts(0, 0, 3), 0),
        "{:?}",
        round.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_wrong_part_refuses_the_whole_file_and_each_is_placed() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let first = UserChange::FirstSuperadministrator(FirstSuperadministrator {
        login: "super1".into(),
        first_name: "Claire".into(),
        last_name: "Martin".into(),
        password: CHOSEN.into(),
        confirmation: CHOSEN.into(),
    });
    m.change_users(&first).await.unwrap();
    let mut bad_mail = user("bmail", "user", None);
    bad_mail.email = Some("pas-un-email".into());
    let costly = hash_secret("x").unwrap().replace("m=19456", "m=4194304");
    let bytes = file(
        vec![
            user("good", "user", None),
            bad_mail,
            user("chef", "chef", None),
            user("costly", "user", Some(costly.clone())),
            user("GOOD", "user", None),
            user("super1", "user", None),
            user("plain", "user", None),
            user("autre", "user", None),
        ],
        vec![
            ProfilsPlanning {
                name: "planning99".into(),
                profiles: vec![],
                assignments: vec![],
            },
            ProfilsPlanning {
                name: "planning01".into(),
                profiles: vec![
                    profile("Lecture", "consultation", &["view_everything"]),
                    profile("Chefs", "administration", &[]),
                    profile("Saisie", "consultation", &["edit_courses"]),
                    profile("Modification", "consultation", &["view_timetables"]),
                ],
                assignments: vec![
                    assign("plain", "Administration"),
                    assign("nobody", "Consultation"),
                    assign("good", "Consultation"),
                    assign("good", "Modification"),
                    assign("autre", "Inconnu"),
                    assign("chef", "Consultation"),
                ],
            },
        ],
    );
    let (users, profiles, history) = (
        tc.count("SELECT count(*) FROM users"),
        tc.count("SELECT count(*) FROM profiles"),
        tc.count("SELECT count(*) FROM history"),
    );
    let report = m.import_profils(bytes, false).await.unwrap();
    assert!(!report.applied);
    assert!(report.passwords.is_empty());
    let places: Vec<(&str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.place.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("users[1].email", "pas-un-email"),
            ("users[2].status", "chef"),
            ("users[3].password_hash", costly.as_str()),
            ("users[4].login", "GOOD"),
            ("users[5].status", "user"),
            ("plannings[0].name", "planning99"),
            ("plannings[1].profiles[0].authorisations[0]", "view_everything"),
            ("plannings[1].profiles[1].kind", "administration"),
            ("plannings[1].profiles[2].authorisations", "edit_courses"),
            ("plannings[1].profiles[3].kind", "consultation"),
            ("plannings[1].assignments[0].profile", "Administration"),
            ("plannings[1].assignments[1].login", "nobody"),
            ("plannings[1].assignments[3].login", "good"),
            ("plannings[1].assignments[4].profile", "Inconnu"),
        ],
        "{:#?}",
        report.problems
    );
    assert_eq!(report.problem_count, 14);
    let last = &report.problems[4];
    assert!(
        last.message_fr.contains("dernier superadministrateur"),
        "{}",
        last.message_fr
    );
    assert!(
        report.problems[0].message_fr.contains("e-mail"),
        "{}",
        report.problems[0].message_fr
    );
    assert_eq!(
        (
            tc.count("SELECT count(*) FROM users"),
            tc.count("SELECT count(*) FROM profiles"),
            tc.count("SELECT count(*) FROM history"),
            tc.count("SELECT count(*) FROM assignments"),
        ),
        (users, profiles, history, 0),
        "nothing written, not even the rows that were right"
    );

    // Files that are not .profils v1 are refused before anything is read from them.
    let newer = br#"{"format":"planhost.profils","version":2,"users":[{"id":1}]}"#.to_vec();
    let e = m.import_profils(newer, true).await.unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::UnsupportedVersion, Some("file"))
    );
    let e = m.import_profils(b"identifiant;nom\n".to_vec(), true).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message_fr.contains("pas un objet JSON"), "{}", e.message_fr);
    let e = m
        .import_profils(vec![b' '; planhost::profils::MAX_BYTES + 1], true)
        .await
        .unwrap_err();
    assert!(e.message.contains("MiB"), "{}", e.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegated_administrator_imports_and_exports_within_its_scope_only() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let config = m.apply(&ConfigChange::AddPlanning { name: None }).await.unwrap();
    let p1 = config.plannings[0].id;
    superadministrator(&m, CHOSEN).await;
    let (_, s) = tc.administrator("super1", CHOSEN, CHOSEN).await;
    let limited = ConsoleScope {
        panes: vec![Pane::Controller],
        plannings: Some(vec![p1]),
    };
    let given = s
        .change_users(&new_admin("deleg", UserStatus::Superadministrator, Some(limited)))
        .await
        .unwrap();
    let (_, d) = tc.administrator("deleg", &given.password.unwrap(), CHOSEN).await;

    let mut demoted = user("super1", "base_administrator", None);
    demoted.email = Some("claire@lycee-hugo.fr".into());
    let bytes = file(
        vec![demoted, user("zoe", "user", None)],
        vec![
            ProfilsPlanning {
                name: "planning02".into(),
                profiles: vec![],
                assignments: vec![assign("zoe", "Consultation")],
            },
            ProfilsPlanning {
                name: "planning01".into(),
                profiles: vec![],
                assignments: vec![assign("zoe", "Consultation")],
            },
        ],
    );
    let report = d.import_profils(bytes, false).await.unwrap();
    let places: Vec<&str> = report.problems.iter().map(|p| p.place.as_str()).collect();
    assert_eq!(
        places,
        ["users[0].login", "plannings[0].name"],
        "{:#?}",
        report.problems
    );
    assert!(
        report.problems[0].message.contains("did not create"),
        "{}",
        report.problems[0].message
    );
    assert!(
        report.problems[1].message_fr.contains("parmi ceux que vous gérez"),
        "{}",
        report.problems[1].message_fr
    );
    assert_eq!(tc.count("SELECT count(*) FROM users WHERE login = 'zoe'"), 0);

    // Its own: a user it creates, assigned in its planning, with itself as parent.
    let ok = file(
        vec![user("zoe", "user", None)],
        vec![ProfilsPlanning {
            name: "planning01".into(),
            profiles: vec![],
            assignments: vec![assign("zoe", "Consultation")],
        }],
    );
    // An administrator it did not create keeps its profiles.
    let theirs = file(
        vec![],
        vec![ProfilsPlanning {
            name: "planning01".into(),
            profiles: vec![],
            assignments: vec![assign("super1", "Administration")],
        }],
    );
    let report = d.import_profils(theirs.clone(), false).await.unwrap();
    let places: Vec<&str> = report.problems.iter().map(|p| p.place.as_str()).collect();
    assert_eq!(places, ["plannings[0].assignments[0].login"], "{:#?}", report.problems);
    // Once the hosting manager has made it so, the same line is unchanged for it: no refusal.
    assert!(m.import_profils(theirs.clone(), false).await.unwrap().applied);
    let same = d.import_profils(theirs, true).await.unwrap();
    assert_eq!((same.problem_count, same.assignments), (0, counts(0, 0, 1)));
    let done = d.import_profils(ok, false).await.unwrap();
    assert!(done.applied, "{:?}", done.problems);
    assert_eq!(
        tc.count("SELECT count(*) FROM users z JOIN users p ON p.id = z.parent_id WHERE z.login = 'zoe' AND p.login = 'deleg'"),
        1
    );

    // Its export: its planning only; hashes of itself and what it may change, not of the superadministrator above it.
    let exported = d.export_profils().await.unwrap();
    assert_eq!(
        exported.plannings.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["planning01"]
    );
    let hashes: Vec<(&str, bool)> = exported
        .users
        .iter()
        .map(|u| (u.login.as_str(), u.password_hash.is_some()))
        .collect();
    assert_eq!(hashes, [("deleg", false), ("super1", false), ("zoe", false)]);
    let line: String = tc
        .db()
        .query_row(
            "SELECT login || ': ' || detail FROM history WHERE action = 'profils.export'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(line, "deleg: 3 users (0 with a password hash), 1 plannings");
    assert!(m
        .export_profils()
        .await
        .unwrap()
        .users
        .iter()
        .any(|u| u.password_hash.is_some()));
}
