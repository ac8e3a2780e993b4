//! Bulk import of users from CSV files written the way spreadsheet programs write them, against a real controller.

mod common;

use common::TestController;
use planhost::api::{UserQuery, UserStatus};
use planhost::controller::users::hash_generated;
use planhost::controller::users_import::template;
use planhost::csv_file::problems_csv;
use planhost::ErrorCode;

/// Windows-1252 bytes for text that only uses Latin-1 letters, as Excel writes "CSV (séparateur : point-virgule)".
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_imports_as_it_is_with_passwords_shown_once() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let file = template(true).into_bytes();
    let checked = m.import_users(file.clone(), true).await.unwrap();
    assert_eq!(
        (checked.imported, checked.rows, checked.problem_count, checked.created),
        (false, 2, 0, 0),
        "{:?}",
        checked.problems
    );
    assert_eq!(tc.count("SELECT count(*) FROM users"), 0, "a check writes nothing");
    let done = m.import_users(file, false).await.unwrap();
    assert_eq!((done.imported, done.created, done.assigned), (true, 2, 2));
    assert_eq!((done.encoding.as_str(), done.separator.as_str()), ("UTF-8", ";"));
    assert_eq!(done.passwords.len(), 2);
    for p in &done.passwords {
        assert_eq!(p.password.len(), 16);
        let stored: String = tc
            .db()
            .query_row("SELECT password_hash FROM users WHERE login = ?1", [&p.login], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, hash_generated(&p.password), "never stored in clear");
    }
    // The English template, with commas, names the same logins: refused whole.
    let again = m.import_users(template(false).into_bytes(), false).await.unwrap();
    assert_eq!(
        (again.imported, again.separator.as_str(), again.problem_count),
        (false, ",", 2)
    );
    assert!(
        again.problems[0].message.contains("already used"),
        "{:?}",
        again.problems
    );
    let page = m.users(&UserQuery::default()).await.unwrap();
    let users: Vec<(&str, UserStatus, bool, bool)> = page
        .users
        .iter()
        .map(|u| (u.login.as_str(), u.status, u.console_access, u.must_change_password))
        .collect();
    assert_eq!(
        users,
        [
            ("jdupont", UserStatus::BaseAdministrator, true, true),
            ("emartin", UserStatus::User, false, true)
        ]
    );
    let detail: String = tc
        .db()
        .query_row("SELECT detail FROM history WHERE action = 'users.import'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(detail, "2 users created, 2 assigned: jdupont, emartin");
    assert_eq!(
        tc.count(
            "SELECT count(*) FROM assignments a JOIN profiles p ON p.id = a.profile_id JOIN users u ON u.id = a.user_id
             WHERE u.login = 'jdupont' AND p.name = 'Administration'"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_problem_is_reported_by_line_and_column_and_nothing_is_imported() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let existing = m
        .import_users(b"login,first_name,last_name\nexistant,Anne,Dejala\n".to_vec(), false)
        .await
        .unwrap();
    assert!(existing.imported);
    // Excel in French: Windows-1252, semicolons, CRLF, a quoted cell holding a line break, trailing empty rows.
    let file = windows_1252(
        "Identifiant;Prénom;Nom;E-mail;Statut;Accès console;Planning;Profil\r\n\
         jdupont;Jean;Dupont;;Utilisateur;non;;\r\n\
         j dupont;Jean;Dupont;;;;;\r\n\
         JDUPONT;Jean;Dupont;;;;;\r\n\
         existant;Anne;Déjà;;;;;\r\n\
         hugo;Hugo;Pétain;hugo@lycée;;;;\r\n\
         ines;Inès;Moreau;;Chef;;;\r\n\
         marc;Marc;Lefèvre;;Administrateur de base;oui;;\r\n\
         zoe;Zoé;\"Ligne\r\ncoupée\";;;;;\r\n\
         paul;Paul;Roux;;;;planning99;Consultation\r\n\
         remi;Rémi;Faure;;;;planning01;Direction\r\n\
         lea;Léa;Blanc;;;;planning01;Administration\r\n\
         noe;Noé;Vidal;;;;;Consultation\r\n\
         ;;;;;;;\r\n\
         ;;;;;;;\r\n",
    );
    let report = m.import_users(file, false).await.unwrap();
    assert!(!report.imported);
    assert_eq!(
        (report.encoding.as_str(), report.separator.as_str(), report.rows),
        ("windows-1252", ";", 12)
    );
    let found: Vec<(u64, &str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "Identifiant", "j dupont"),
            (4, "Identifiant", "JDUPONT"),
            (5, "Identifiant", "existant"),
            (6, "E-mail", "hugo@lycée"),
            (7, "Statut", "Chef"),
            (8, "Accès console", "oui"),
            (9, "Nom", "Ligne\r\ncoupée"),
            (11, "Planning", "planning99"),
            (12, "Profil", "Direction"),
            (13, "Profil", "Administration"),
            (14, "Planning", ""),
        ]
    );
    assert!(
        report.problems[1].message_fr.contains("déjà à la ligne 2"),
        "{:?}",
        report.problems[1]
    );
    assert!(report.problems[2].message.contains("already used in this account"));
    assert_eq!(report.problem_count, 11);
    assert!(report.passwords.is_empty());
    assert_eq!(tc.count("SELECT count(*) FROM users"), 1, "nothing imported");
    assert_eq!(
        tc.count("SELECT count(*) FROM history WHERE action = 'users.import'"),
        1
    );
    // The same problems, as a file a spreadsheet opens.
    let csv = problems_csv(&report.problems, true);
    assert!(
        csv.starts_with("\u{feff}ligne;colonne;valeur;erreur\n3;Identifiant;j dupont;"),
        "{csv}"
    );
    assert!(csv.contains("9;Nom;\"Ligne\r\ncoupée\";"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_header_or_a_wrong_file_is_refused_before_any_row() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let report = m
        .import_users(b"# comment first\nlogin,Nom,age,login\nx,y,z,w\n".to_vec(), true)
        .await
        .unwrap();
    let found: Vec<(u64, &str)> = report.problems.iter().map(|p| (p.line, p.column.as_str())).collect();
    assert_eq!(found, [(2, "age"), (2, "login"), (2, "prenom")]);
    assert!(report.problems[2].message.contains("'first_name' is missing"));

    for (file, needle) in [
        (Vec::new(), "empty"),
        (b"\n\n# nothing\n".to_vec(), "empty"),
        (
            format!("login,first_name,last_name\n{}", "a,b,c\n".repeat(50_001)).into_bytes(),
            "more than 50000 rows",
        ),
        (vec![b'a'; 16 * 1024 * 1024 + 1], "bytes; at most"),
    ] {
        let e = m.import_users(file, false).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains(needle), "{}", e.message);
    }
    // A body past what the route reads is refused before it is sent, with the size in words (the controller's own
    // refusal of such a body, as {code, message}, is in tests/attacks.rs: a client still sending 17 MiB could see
    // the connection close before it reads that answer).
    let e = m.import_users(vec![b'a'; 17 * 1024 * 1024], false).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    assert!(e.message_fr.contains("au plus 16777216"), "{}", e.message_fr);
    assert_eq!(tc.count("SELECT count(*) FROM users"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_one_file_at_once_create_each_user_once() {
    let tc = TestController::start().await;
    let m = std::sync::Arc::new(tc.manager().await);
    let mut file = String::from("login;prenom;nom\n");
    for i in 0..500 {
        file.push_str(&format!("user{i};Prénom;Nom {i}\n"));
    }
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (m, file) = (m.clone(), file.clone().into_bytes());
            tokio::spawn(async move { m.import_users(file, false).await.unwrap() })
        })
        .collect();
    let mut created = Vec::new();
    for r in runs {
        let report = r.await.unwrap();
        created.push((report.imported, report.created, report.problem_count));
    }
    created.sort();
    assert_eq!(created, [(false, 0, 500), (true, 500, 0)]);
    assert_eq!(tc.count("SELECT count(*) FROM users"), 500);
}

/// The controller writes rows while later ones are still being checked: a problem far down the file must undo every
/// user and assignment already written, and the problems still come by line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_after_a_thousand_good_rows_undoes_them_all() {
    let tc = TestController::start().await;
    let m = tc.manager().await;
    let existing = m
        .import_users(
            b"login,first_name,last_name\ndeja1,Anne,Un\ndeja2,Anne,Deux\n".to_vec(),
            false,
        )
        .await
        .unwrap();
    assert!(existing.imported);
    let (users, assignments) = (
        tc.count("SELECT count(*) FROM users"),
        tc.count("SELECT count(*) FROM assignments"),
    );
    let mut file = String::from("login;prenom;nom;email;statut;acces_console;planning;profil\n");
    for i in 0..1500 {
        // Line i + 2: a login already in the account (written to the unique index first), a login twice in the
        // file (in another case), the other login already in the account (found once the writer had stopped), a bad
        // e-mail.
        let login = match i {
            1100 => "DEJA1".to_owned(),
            1200 => "USER7".to_owned(),
            1300 => "deja2".to_owned(),
            _ => format!("user{i}"),
        };
        let email = if i == 1400 { "x@" } else { "" };
        file.push_str(&format!("{login};Prénom;Nom {i};{email};;;planning01;Consultation\n"));
    }
    let report = m.import_users(file.into_bytes(), false).await.unwrap();
    let found: Vec<(u64, &str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (1102, "login", "DEJA1"),
            (1202, "login", "USER7"),
            (1302, "login", "deja2"),
            (1402, "email", "x@"),
        ]
    );
    assert!(report.problems[0].message.contains("already used in this account"));
    assert!(report.problems[1].message_fr.contains("déjà à la ligne 9"));
    assert!(report.problems[2].message.contains("already used in this account"));
    assert!(!report.imported && report.passwords.is_empty() && report.created == 0);
    assert_eq!(tc.count("SELECT count(*) FROM users"), users, "no user kept");
    assert_eq!(
        tc.count("SELECT count(*) FROM assignments"),
        assignments,
        "no assignment kept"
    );

    // Checked only (nothing written), a login already in the account is found on the last line.
    let mut check = String::from("login;prenom;nom\n");
    for i in 0..1500 {
        check.push_str(&format!(
            "{};Prénom;Nom\n",
            if i == 1499 { "deja2".into() } else { format!("c{i}") }
        ));
    }
    let checked = m.import_users(check.into_bytes(), true).await.unwrap();
    assert_eq!((checked.problem_count, checked.problems[0].line), (1, 1501));
}
