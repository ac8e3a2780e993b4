//! End to end, Contrôleur pane: the real app window under Xvfb against a real `planhost-controller` process (see
//! tests/e2e.rs). Screenshots go to `test-artifacts/e2e/`.

#[path = "support/ui.rs"]
mod ui;
#[path = "support/webdriver.rs"]
mod webdriver;

use planhost::api::{NewUser, UserChange, UserStatus};
use ui::{count, enrolled_machine, Ui};
use webdriver::{artifacts, launch, start_driver};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: run by scripts/test"]
async fn the_controller_pane_creates_the_superadministrator_then_lists_and_manages_users() {
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let driver = start_driver(&config, &tmp.path().join("data"));
    let c = launch(&driver).await;
    c.set_window_size(1280, 860).await.unwrap();
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.log_in(account["console_password"].as_str().unwrap()).await;
    ui.click("pane-controller").await;

    // A new account opens on the superadministrator's creation; a mistyped confirmation is said beside its field.
    ui.wait("first-superadmin").await;
    ui.type_in("first-first-name", "Claire").await;
    ui.type_in("first-last-name", "Martin").await;
    ui.type_in("first-login", "cmartin").await;
    ui.type_in("first-password", "Correct horse battery 9").await;
    ui.type_in("first-confirmation", "Correct horse batery 9").await;
    ui.click("first-create").await;
    assert!(ui.text("first-confirmation-error").await.contains("différents"));
    assert!(ui.text("first-strength").await.contains("très bonne"));
    ui.shots("40-first-superadministrator", None).await;
    // A login the controller refuses comes back beside the login.
    ui.type_in("first-confirmation", "Correct horse battery 9").await;
    ui.type_in("first-login", "c martin").await;
    ui.click("first-create").await;
    assert!(ui.text("first-login-error").await.contains("identifiant"));
    let db = tmp.path().join("controller/controller.sqlite3");
    assert_eq!(count(&db, "SELECT count(*) FROM users"), 0, "nothing created");
    ui.type_in("first-login", "cmartin").await;
    ui.click("first-create").await;
    assert!(ui.text("dialog-message").await.contains("cmartin"));
    ui.shot("41-superadministrator-created").await;
    ui.click("notice-ok").await;
    assert_eq!(ui.text("user-login-0").await, "cmartin");
    assert!(
        !ui.exists("first-superadmin").await,
        "the form is gone once there is one"
    );

    // A new user: a refused e-mail is said beside it; then its password is shown once.
    ui.click("user-add").await;
    ui.type_in("new-login", "jdupont").await;
    ui.type_in("new-first-name", "Jean").await;
    ui.type_in("new-last-name", "Dupont").await;
    ui.type_in("new-email", "jean@lycee").await;
    ui.click("new-save").await;
    assert!(ui.text("new-email-error").await.contains("adresse e-mail"));
    ui.shots("42-new-user-refused-email", Some("users-section")).await;
    ui.type_in("new-email", "jean.dupont@lycee-hugo.fr").await;
    ui.click("new-save").await;
    let password = ui.text("generated-password").await;
    assert_eq!(password.trim().len(), 16, "{password}");
    // A dialog covers the language choice: this one is kept in French, at both sizes.
    for (width, height) in [(800, 600), (1280, 860)] {
        c.set_window_size(width, height).await.unwrap();
        ui.shot(&format!("43-password-shown-once-fr-{width}x{height}")).await;
    }
    ui.click("password-ok").await;
    assert!(!ui.exists("generated-password").await);
    let listed = c.source().await.unwrap();
    assert!(!listed.contains(password.trim()), "never shown again");

    // The last superadministrator cannot be deleted: said in its editor.
    assert_eq!(ui.text("user-login-1").await, "cmartin");
    ui.click("user-edit-1").await;
    ui.click("user-delete").await;
    ui.click("confirm-yes").await;
    assert!(ui
        .text_contains("user-action-error", "dernier superadministrateur")
        .await
        .contains("dernier superadministrateur"));
    ui.shots("44-last-superadministrator-kept", Some("users-section")).await;
    ui.click("edit-cancel").await;

    // Sixty users more: the controller pages them (50 a page), and search goes through it.
    let console = planhost::console::Console::open(&config).unwrap();
    for i in 0..60 {
        let (first, last) = [
            ("Élodie", "Durand"),
            ("Marc", "Lefèvre"),
            ("Inès", "Moreau"),
            ("Hugo", "Petit"),
        ][i % 4];
        let user = NewUser {
            login: format!("user{i:02}"),
            first_name: first.into(),
            last_name: format!("{last} {i:02}"),
            email: None,
            status: UserStatus::User,
            console_access: false,
            scope: None,
        };
        console.change_users(&UserChange::Add(user)).await.unwrap();
    }
    drop(console);
    ui.click("pane-information").await;
    ui.click("pane-controller").await;
    assert!(ui.text_contains("users-count", "62").await.contains("62"));
    assert_eq!(ui.text("users-page").await, "Page 1 sur 2");
    ui.shots("45-users-page-one-of-two", Some("users-section")).await;
    ui.click("users-next").await;
    assert_eq!(ui.text_contains("users-page", "2 sur 2").await, "Page 2 sur 2");
    assert!(
        ui.exists("user-row-11").await && !ui.exists("user-row-12").await,
        "12 on the second page"
    );
    ui.type_in("users-search", "lefevre").await;
    assert_eq!(ui.text_contains("users-count", "15 sur 62").await, "(15 sur 62)");
    assert!(
        !ui.exists("users-pages").await,
        "one page of results, back to the first"
    );
    ui.shots("46-users-search", Some("users-section")).await;

    // Affectation dans les profils (seed 000, step 5): planning01, click Administration, tick the superadministrator,
    // validate. Administration offers administrators only.
    ui.click("tab-profiles").await;
    assert_eq!(ui.text("profile-assign-0").await, "Administration");
    ui.shots("47-profiles", Some("profiles-section")).await;
    ui.click("profile-assign-0").await;
    assert!(ui.text("assign-candidates").await.contains("cmartin"));
    assert!(!ui.exists("assign-candidate-1").await, "jdupont is a user: not offered");
    ui.click("assign-candidate-0").await;
    assert_eq!(ui.text("assign-validate").await, "Valider (1)");
    ui.click("assign-validate").await;
    assert!(ui
        .text("dialog-message")
        .await
        .contains("1 utilisateur affecté au profil Administration"));
    ui.click("notice-ok").await;
    assert_eq!(ui.text_contains("profile-assigned-0", "1").await, "1");
    assert_eq!(
        count(&db, "SELECT count(*) FROM assignments a JOIN users u ON u.id = a.user_id JOIN profiles p ON p.id = a.profile_id WHERE u.login = 'cmartin' AND p.name = 'Administration'"),
        1
    );

    // Consultation offers the 61 others, 50 a page; ticks are kept across pages; one validation assigns them all.
    for language in ["fr", "en"] {
        ui.wait("lang-switch").await.select_by_value(language).await.unwrap();
        ui.click("profile-assign-2").await;
        ui.wait("assign-candidate-49").await;
        for (width, height) in [(800, 600), (1280, 860)] {
            c.set_window_size(width, height).await.unwrap();
            ui.shot(&format!("48-assign-dialog-{language}-{width}x{height}")).await;
        }
        ui.click("assign-cancel").await;
    }
    ui.wait("lang-switch").await.select_by_value("fr").await.unwrap();
    ui.click("profile-assign-2").await;
    ui.click("assign-candidate-0").await;
    ui.click("assign-candidate-1").await;
    ui.click("assign-next").await;
    ui.wait("assign-candidate-10").await;
    assert!(!ui.exists("assign-candidate-11").await, "11 on the second page");
    ui.click("assign-candidate-10").await;
    assert_eq!(ui.text("assign-ticked").await, "3 cochés");
    ui.click("assign-validate").await;
    assert!(ui.text("dialog-message").await.contains("3 utilisateurs affectés"));
    ui.click("notice-ok").await;
    assert_eq!(ui.text_contains("profile-assigned-2", "3").await, "3");

    // Details: who is assigned, removing one; Administration's authorisations are fixed.
    ui.click("profile-open-2").await;
    let first_assigned = ui.text("assigned-login-0").await;
    ui.click("unassign-0").await;
    assert!(ui.text("dialog-message").await.contains(&first_assigned));
    ui.click("confirm-yes").await;
    assert_eq!(ui.text_contains("profile-assigned-2", "2").await, "2");
    ui.shots("49-profile-details", Some("profile-detail")).await;
    ui.click("profile-open-2").await;

    // A custom profile: with no authorisation it is refused beside the list; then created after the built-in ones.
    ui.click("profile-new").await;
    ui.type_in("new-profile-name", "Vie scolaire").await;
    ui.click("new-profile-save").await;
    assert!(ui
        .text("new-profile-authorisations-error")
        .await
        .contains("au moins une autorisation"));
    assert!(
        !ui.exists("new-profile-edit_courses").await,
        "a consultation profile is offered consultation authorisations only"
    );
    ui.shots("50-new-profile-refused", Some("new-profile")).await;
    ui.click("new-profile-view_timetables").await;
    ui.click("new-profile-save").await;
    assert_eq!(
        ui.text_contains("profile-assign-3", "Vie scolaire").await,
        "Vie scolaire"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM profiles WHERE name = 'Vie scolaire'"),
        1
    );

    // Console access for the superadministrator: an e-mail, then its scope (every pane, every planning).
    ui.click("tab-users").await;
    ui.type_in("users-search", "cmartin").await;
    assert_eq!(ui.text_contains("users-count", "1 sur").await, "(1 sur 62)");
    ui.click("user-edit-0").await;
    ui.type_in("edit-email", "claire.martin@lycee-hugo.fr").await;
    ui.click("edit-console-access").await;
    assert!(ui.exists("edit-pane-controller").await && ui.exists("edit-every-planning").await);
    ui.shots("54-console-access-scope", Some("edit-user")).await;
    ui.click("edit-save").await;
    ui.wait_gone("edit-user").await;
    let panes: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT console_panes FROM users WHERE login = 'cmartin'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(panes, "configuration plannings controller history");

    // Forty plannings, so that the scope editor below is seen with a school group's list.
    let hosting = account["hosting_number"].as_str().unwrap();
    webdriver::forty_plannings(&tmp.path().join("controller"), hosting, &config, |i| {
        format!("Collège Jean Moulin {i:02}")
    })
    .await;

    // Log out, log in as the superadministrator: its first connection from this machine asks the invoice number
    // (its own certificate: the hosting manager's is not its).
    ui.click("logout").await;
    ui.wait("login-screen").await;
    ui.wait("connect-as")
        .await
        .select_by_value("administrator")
        .await
        .unwrap();
    ui.type_in("admin-login", "cmartin").await;
    ui.type_in("password", "Correct horse battery 9").await;
    ui.shots("55-login-as-administrator", Some("login-screen")).await;
    ui.click("login-submit").await;
    assert!(ui.text("invoice-reason").await.contains("facture"));
    ui.shots("56-administrator-invoice", Some("login-screen")).await;
    ui.type_in("invoice-number", account["invoice_number"].as_str().unwrap())
        .await;
    ui.click("install-certificate").await;
    // Had the hosting manager not accepted the licence, the administrator would be told so, and nothing more.
    let licence_version: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT licence_version FROM accounts", [], |r| r.get(0))
        .unwrap();
    let set_licence = |version: Option<i64>| {
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute("UPDATE accounts SET licence_version = ?1", [version])
            .unwrap()
    };
    set_licence(None);
    ui.click("continue-login").await;
    assert!(ui.text("licence-by-manager").await.contains("n'a pas encore accepté"));
    assert!(!ui.exists("shell").await);
    ui.shots("56b-licence-not-accepted-by-manager", Some("licence-by-manager"))
        .await;
    set_licence(Some(licence_version));
    ui.click("licence-logout").await;
    ui.wait("connect-as")
        .await
        .select_by_value("administrator")
        .await
        .unwrap();
    ui.type_in("admin-login", "cmartin").await;
    ui.type_in("password", "Correct horse battery 9").await;
    ui.click("login-submit").await;
    ui.wait("shell").await;
    assert_eq!(
        ui.text("connected-as").await.lines().next().unwrap(),
        "Connecté en tant que cmartin"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM devices WHERE user_id = (SELECT id FROM users WHERE login = 'cmartin')"
        ),
        1
    );
    ui.click("pane-controller").await;

    // Bulk import (seed 003), by the superadministrator. The template is saved in the downloads folder.
    let downloads = tmp.path().join("data/downloads");
    ui.click("user-import").await;
    ui.click("import-template").await;
    assert!(ui.text("import-saved").await.contains("modele-utilisateurs.csv"));
    let template = std::fs::read_to_string(downloads.join("modele-utilisateurs.csv")).unwrap();
    assert!(template.starts_with("\u{feff}# Modèle d'import"), "{template}");
    // A file as Excel writes it (Windows-1252, semicolons, CRLF) with two bad rows: listed by line, nothing imported.
    let users_before = count(&db, "SELECT count(*) FROM users");
    let bad: Vec<u8> =
        "identifiant;prénom;nom;email\r\nlmartin;Léa;Martin;\r\nuser01;Zoé;Bérard;\r\nnmoreau;Noé;Moreau;noe@lycée\r\n"
            .chars()
            .map(|ch| u8::try_from(u32::from(ch)).unwrap())
            .collect();
    let bad_path = tmp.path().join("eleves-erreurs.csv");
    std::fs::write(&bad_path, bad).unwrap();
    ui.wait("import-file")
        .await
        .send_keys(bad_path.to_str().unwrap())
        .await
        .unwrap();
    assert!(ui
        .text("import-problems-summary")
        .await
        .contains("2 problèmes sur 3 lignes"));
    let (first, second) = (ui.text("import-problem-0").await, ui.text("import-problem-1").await);
    assert!(
        first.starts_with('3') && first.contains("user01") && first.contains("déjà utilisé"),
        "{first}"
    );
    assert!(second.starts_with('4') && second.contains("noe@lycée"), "{second}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM users"),
        users_before,
        "nothing imported"
    );
    ui.shots("51-import-problems", Some("import-panel")).await;
    ui.click("import-errors-download").await;
    assert!(ui
        .text("import-saved")
        .await
        .contains("erreurs-import-utilisateurs.csv"));
    let errors = std::fs::read_to_string(downloads.join("erreurs-import-utilisateurs.csv")).unwrap();
    assert_eq!(errors.lines().count(), 3, "{errors}");
    // The corrected file: 40 users, checked, then imported; their passwords are shown once and can be saved.
    let mut good = String::from("\u{feff}identifiant,prenom,nom,statut,planning,profil\n");
    for i in 0..40 {
        good.push_str(&format!(
            "eleve{i:02},Élève,Numéro {i:02},Utilisateur,planning01,Vie scolaire\n"
        ));
    }
    let good_path = tmp.path().join("eleves.csv");
    std::fs::write(&good_path, good).unwrap();
    ui.wait("import-file")
        .await
        .send_keys(good_path.to_str().unwrap())
        .await
        .unwrap();
    assert!(ui
        .text("import-ready")
        .await
        .contains("40 lignes valides (UTF-8, séparateur « , »)"));
    ui.shots("52-import-ready", Some("import-panel")).await;
    ui.click("import-run").await;
    assert!(ui
        .text("import-done")
        .await
        .contains("40 utilisateurs créés, 40 affectés"));
    assert_eq!(ui.text("import-password-39").await.trim().len(), 16);
    assert!(ui.text_contains("users-count", "102").await.contains("102"));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM users WHERE parent_id = (SELECT id FROM users WHERE login = 'cmartin')"
        ),
        40,
        "the superadministrator who imported them is their parent"
    );
    ui.shots("53-import-done", Some("import-panel")).await;
    ui.click("import-passwords-save").await;
    let passwords = std::fs::read_to_string(downloads.join("mots-de-passe.csv")).unwrap();
    assert_eq!(passwords.lines().count(), 41);
    ui.click("import-close").await;
    assert!(!ui.exists("import-password-0").await, "shown once");

    // "Récupérer tous les utilisateurs et leurs autorisations" (seed 001, third step): the account exported, then a
    // .profils file with mistakes (placed, nothing applied), then a right one previewed and applied.
    ui.click("tab-profiles").await;
    ui.click("profils-export").await;
    assert!(ui
        .text("profils-exported")
        .await
        .contains("utilisateurs-autorisations.profils"));
    let exported = std::fs::read(downloads.join("utilisateurs-autorisations.profils")).unwrap();
    let mut profils = planhost::profils::ProfilsFile::read(&exported).unwrap();
    assert_eq!(profils.users.len(), 102);
    let planning = &mut profils.plannings[0];
    for a in planning.assignments.iter_mut().filter(|a| a.login.starts_with("eleve")) {
        a.profile = "Consultation".into();
    }
    for login in ["hbernard", "ylefevre"] {
        planning.assignments.push(planhost::profils::ProfilsAssignment {
            login: login.into(),
            profile: "Modification".into(),
        });
        profils.users.push(planhost::profils::ProfilsUser {
            login: login.into(),
            first_name: "Hugo".into(),
            last_name: login.into(),
            email: Some(format!("{login}@lycee-hugo.fr")),
            status: "user".into(),
            password_hash: None,
        });
    }
    let mut wrong = profils.clone();
    wrong.users[101].email = Some("pas-un-email".into());
    wrong.plannings.push(planhost::profils::ProfilsPlanning {
        name: "planning09".into(),
        profiles: Vec::new(),
        assignments: Vec::new(),
    });
    let wrong_path = tmp.path().join("ancien-serveur-erreurs.profils");
    std::fs::write(&wrong_path, wrong.to_bytes()).unwrap();
    let assignments_before = count(&db, "SELECT count(*) FROM assignments");
    let consultation =
        "SELECT count(*) FROM assignments a JOIN profiles p ON p.id = a.profile_id WHERE p.name = 'Consultation'";
    let consulting_before = count(&db, consultation);
    ui.click("profils-open").await;
    ui.wait("profils-file")
        .await
        .send_keys(wrong_path.to_str().unwrap())
        .await
        .unwrap();
    assert!(ui
        .text("profils-problems-summary")
        .await
        .contains("2 problèmes dans le fichier"));
    assert!(ui.text("profils-problem-0").await.contains("users[101].email"));
    assert!(ui.text("profils-problem-1").await.contains("planning09"));
    ui.shots("57-profils-problems", Some("profils-panel")).await;
    let right_path = tmp.path().join("ancien-serveur.profils");
    std::fs::write(&right_path, profils.to_bytes()).unwrap();
    ui.wait("profils-file")
        .await
        .send_keys(right_path.to_str().unwrap())
        .await
        .unwrap();
    ui.wait("profils-preview").await;
    let kept: usize = profils.plannings.iter().map(|p| p.assignments.len()).sum::<usize>() - 42;
    for (row, expected) in [(0, [2, 0, 102]), (2, [2, 40, kept])] {
        for (column, n) in ["created", "updated", "unchanged"].into_iter().zip(expected) {
            let id = format!("profils-count-{row}-{column}");
            assert_eq!(ui.text(&id).await.trim(), n.to_string(), "{id}");
        }
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM assignments"),
        assignments_before,
        "a preview writes nothing"
    );
    ui.shots("58-profils-preview", Some("profils-panel")).await;
    ui.click("profils-apply").await;
    ui.wait("profils-done").await;
    assert_eq!(ui.text("profils-password-1").await.trim().len(), 16);
    assert_eq!(count(&db, consultation), consulting_before + 40);
    ui.shots("59-profils-done", Some("profils-panel")).await;

    // A base administrator with console access (what its status allows: Mes plannings and Historique), given a
    // generated password: at its first login the invoice number, then the forced password change, then a shell with
    // its panes only.
    ui.click("tab-users").await;
    ui.click("user-add").await;
    ui.type_in("new-login", "bdurand").await;
    ui.type_in("new-first-name", "Bruno").await;
    ui.type_in("new-last-name", "Durand").await;
    ui.type_in("new-email", "bruno.durand@lycee-hugo.fr").await;
    ui.wait("new-status")
        .await
        .select_by_value("base_administrator")
        .await
        .unwrap();
    ui.click("new-console-access").await;
    // Console access starts from what the status allows.
    for pane in ["plannings", "history"] {
        let ticked = ui.wait(&format!("new-pane-{pane}")).await.is_selected().await.unwrap();
        assert!(ticked, "{pane}");
    }
    // Limited to chosen plannings: the forty are offered, planning01 ticked.
    ui.click("new-some-plannings").await;
    let last = count(&db, "SELECT max(id) FROM plannings");
    assert_eq!(count(&db, "SELECT count(*) FROM plannings"), 40);
    ui.wait(&format!("new-planning-{last}")).await;
    ui.shots("60a-scope-forty-plannings", Some("new-scope")).await;
    ui.click("new-planning-1").await;
    ui.click("new-save").await;
    let given = ui.text("generated-password").await.trim().to_owned();
    assert_eq!(given.len(), 16, "{given}");
    ui.click("password-ok").await;
    ui.click("logout").await;
    ui.wait("connect-as")
        .await
        .select_by_value("administrator")
        .await
        .unwrap();
    ui.type_in("admin-login", "bdurand").await;
    ui.type_in("password", &given).await;
    ui.click("login-submit").await;
    ui.type_in("invoice-number", account["invoice_number"].as_str().unwrap())
        .await;
    ui.click("install-certificate").await;
    ui.click("continue-login").await;
    ui.wait("password-change-screen").await;
    ui.type_in("new-password", "bdurand").await;
    ui.type_in("confirm-password", "bdurand").await;
    ui.click("password-change-submit").await;
    assert!(ui.text("new-password-error").await.contains("12"));
    ui.shots("60-forced-password-change", Some("password-change-screen"))
        .await;
    ui.type_in("new-password", "Bruno choisit 2026").await;
    ui.type_in("confirm-password", "Bruno choisit 2026").await;
    ui.click("password-change-submit").await;
    ui.wait("shell").await;
    for (pane, shown) in [
        ("configuration", false),
        ("controller", false),
        ("plannings", true),
        ("history", true),
    ] {
        assert_eq!(ui.exists(&format!("pane-{pane}")).await, shown, "{pane}");
    }
    let must_change: bool = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT must_change_password FROM users WHERE login = 'bdurand'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!must_change);
    ui.shots("61-base-administrator-shell", None).await;
    c.close().await.unwrap();
}
