//! End to end: the real app window (built with its front-end embedded) under Xvfb, driven through tauri-driver and
//! WebKitWebDriver, against a real `planhost-controller` process. Screenshots of every screen go to
//! `test-artifacts/e2e/`. Run by `scripts/test` (needs a display, a D-Bus session with a Secret Service, tauri-driver).

#[path = "support/ui.rs"]
mod ui;
#[path = "support/webdriver.rs"]
mod webdriver;

use std::time::{Duration, Instant};
use ui::{count, enrolled_machine, Ui};
use webdriver::{artifacts, launch, start_controller, start_controller_on, start_driver};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service and tauri-driver: run scripts/test"]
async fn first_launch_installs_the_certificate_and_a_relaunch_does_not_ask_again() {
    planhost::init_crypto();
    let tmp = tempfile::tempdir().unwrap();
    let (config, data) = (tmp.path().join("config"), tmp.path().join("data"));
    let (_controller, address, account) = start_controller(&tmp.path().join("controller"));
    let db = tmp.path().join("controller/controller.sqlite3");
    let hosting = account["hosting_number"].as_str().unwrap();
    let password = account["console_password"].as_str().unwrap();
    let invoice = account["invoice_number"].as_str().unwrap();
    let driver = start_driver(&config, &data);
    let shots = artifacts();

    // First launch.
    let c = launch(&driver).await;
    let ui = Ui {
        c: &c,
        shots: shots.clone(),
    };
    ui.wait("login-screen").await;
    assert!(
        ui.text("demo-credentials").await.contains("démonstration"),
        "the local controller shows its demo account"
    );
    ui.shot("01-first-screen").await;
    ui.click("controller-remote").await;
    ui.type_in("remote-address", &address).await;

    // Validation happens before anything is sent.
    ui.type_in("hosting-number", "12ab345").await;
    assert_eq!(ui.value("hosting-number").await, "12345", "the mask keeps digits only");
    ui.type_in("password", "short").await;
    ui.click("login-submit").await;
    assert!(ui.text("hosting-error").await.contains("12 chiffres"));
    assert!(ui.text("password-error").await.contains("14 caractères"));
    ui.shot("02-validation").await;
    assert_eq!(
        count(&db, "SELECT count(*) FROM history WHERE actor = 'hosting_manager'"),
        0,
        "nothing reached the controller"
    );

    // A controller that accepts the connection and never answers: the step under way is shown and can be cancelled.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ui.type_in("remote-address", &silent.local_addr().unwrap().to_string())
        .await;
    ui.type_in("hosting-number", hosting).await;
    ui.type_in("password", password).await;
    ui.click("login-submit").await;
    assert!(ui
        .text_contains("task-step", "En attente du contrôleur")
        .await
        .contains("En attente du contrôleur"));
    ui.shot("02b-waiting-for-the-controller").await;
    ui.click("task-cancel").await;
    assert!(ui.text("cancelled").await.contains("Annulé"));
    assert!(!ui.exists("task-progress").await);
    drop(silent);
    ui.type_in("remote-address", &address).await;

    // The fingerprint the provider printed with the credentials: checked before the password is sent.
    ui.type_in("ca-fingerprint", account["ca_fingerprint"].as_str().unwrap())
        .await;
    ui.type_in("password", &common_wrong_password(password)).await;
    ui.click("login-submit").await;
    // The password is checked first (seed 000's order): a wrong one is said so, with no word of an invoice.
    let refused = ui.text("error").await;
    assert!(
        refused.contains("mot de passe") && !refused.contains("facture"),
        "{refused}"
    );
    ui.type_in("password", password).await;
    ui.click("login-submit").await;
    ui.wait("invoice-number").await;
    assert!(ui.text("invoice-reason").await.contains("Mot de passe accepté"));
    ui.shot("03-invoice-number").await;
    ui.type_in("invoice-number", invoice).await;
    ui.click("install-certificate").await;
    ui.wait("certificate-installed").await;
    let fingerprint = ui.text("installed-fingerprint").await;
    assert_eq!(fingerprint.len(), 95, "SHA-256 as 32 hex pairs: {fingerprint}");
    ui.shot("04-certificate-installed").await;
    ui.click("continue-login").await;

    ui.wait("licence-text").await;
    assert!(ui.text("licence-text").await.contains("CONTRAT DE LICENCE"));
    ui.shot("05-licence").await;
    assert_eq!(
        ui.wait("licence-accept")
            .await
            .prop("disabled")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    ui.click("licence-accept-check").await;
    ui.click("licence-accept").await;

    ui.wait("shell").await;
    assert_eq!(ui.text_contains("info-hosting-number", hosting).await, hosting);
    assert_eq!(ui.text("info-fingerprint").await, fingerprint);
    assert!(ui.text("info-controller-address").await.contains(&address));
    ui.shot("06-console-information").await;
    ui.click("pane-history").await;
    assert!(ui.text("not-available").await.contains("pas encore disponible"));

    // Switch to English: every label follows, and the choice is remembered.
    ui.wait("lang-switch").await.select_by_value("en").await.unwrap();
    assert!(ui
        .text_contains("not-available", "not available yet")
        .await
        .contains("not available yet"));
    ui.click("pane-information").await;
    ui.text_contains("info-hosting-number", hosting).await;
    ui.shot("07-console-english").await;
    assert_eq!(count(&db, "SELECT count(*) FROM devices"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM accounts WHERE licence_accepted_at IS NOT NULL"
        ),
        1
    );
    c.close().await.unwrap();

    // Relaunch on the same machine: English remembered, no invoice number, a wrong password is refused.
    let c = launch(&driver).await;
    let ui = Ui { c: &c, shots };
    ui.wait("login-screen").await;
    assert!(ui.text("login-title").await.contains("Log in to the hosting console"));
    assert_eq!(
        ui.value("remote-address").await,
        address,
        "the last controller is preselected"
    );
    assert_eq!(
        ui.value("hosting-number").await,
        hosting,
        "the last hosting number is prefilled"
    );
    let wrong: String = password.chars().rev().collect();
    ui.type_in("password", &wrong).await;
    ui.click("login-submit").await;
    let error = ui.text("error").await;
    assert!(
        error.contains("hosting number or the password is incorrect") && !error.contains("invoice"),
        "an enrolled machine is not asked about an invoice number: {error}"
    );
    ui.shot("08-wrong-password").await;
    ui.type_in("password", password).await;
    ui.click("login-submit").await;
    ui.wait("shell").await;
    ui.text_contains("info-hosting-number", hosting).await;
    ui.shot("09-relaunch-console").await;
    assert_eq!(count(&db, "SELECT count(*) FROM devices"), 1, "no second enrolment");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM history WHERE action = 'session.login' AND outcome = 'ok'"
        ),
        2
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service and tauri-driver: run scripts/test"]
async fn the_demo_account_of_the_local_controller_reaches_the_console() {
    let tmp = tempfile::tempdir().unwrap();
    let driver = start_driver(&tmp.path().join("config"), &tmp.path().join("data"));
    let c = launch(&driver).await;
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.wait("login-screen").await;
    let demo_hosting = ui.text("demo-hosting-number").await;
    ui.click("demo-fill").await;
    assert_eq!(ui.value("hosting-number").await, demo_hosting);
    ui.click("login-submit").await;
    ui.wait("invoice-number").await;
    assert_eq!(
        ui.value("invoice-number").await.len(),
        10,
        "the demo invoice number is filled in"
    );
    ui.click("install-certificate").await;
    ui.click("continue-login").await;
    ui.click("licence-accept-check").await;
    ui.click("licence-accept").await;
    ui.wait("shell").await;
    assert_eq!(
        ui.text_contains("info-hosting-number", &demo_hosting).await,
        demo_hosting
    );
    assert!(ui.text("info-controller-address").await.contains("Contrôleur local"));
    ui.shot("10-local-demo-console").await;
    // The local controller's data lives in the app's data directory, like a real one.
    let db = tmp.path().join("data/local-controller/controller.sqlite3");
    assert_eq!(count(&db, "SELECT count(*) FROM devices"), 1);

    // Launched again over the same folders, the console hands over to the open window and exits: no second window,
    // no second local controller on the same data.
    let mut second = std::process::Command::new(webdriver::app_binary())
        .env("PLANHOST_CONFIG_DIR", tmp.path().join("config"))
        .env("PLANHOST_DATA_DIR", tmp.path().join("data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second console kept running beside the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    assert!(ui.text("info-controller-address").await.contains("Contrôleur local"));
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service and tauri-driver: run scripts/test"]
async fn a_replaced_controller_is_refused_with_a_warning_and_can_be_forgotten() {
    let tmp = tempfile::tempdir().unwrap();
    let (genuine, address, account, config) = enrolled_machine(tmp.path(), false);
    let password = account["console_password"].as_str().unwrap();
    drop(genuine);

    // Another controller, with another CA, now answers on the same address.
    let (_impostor, _, _) = start_controller_on(&tmp.path().join("impostor"), &address);
    let driver = start_driver(&config, &tmp.path().join("data"));
    let c = launch(&driver).await;
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.wait("login-screen").await;
    assert_eq!(ui.value("remote-address").await, address);
    ui.type_in("password", password).await;
    ui.click("login-submit").await;
    let warning = ui.text("error").await;
    assert!(
        warning.contains("ne correspond pas") && warning.contains(&address),
        "{warning}"
    );
    ui.shot("11-ca-mismatch").await;
    // Forgetting it makes the next login a first connection again: the new controller is asked for the password
    // (it does not know this account), and nothing about a mismatched authority is said any more.
    ui.click("forget-controller").await;
    ui.wait("login-title").await;
    ui.click("login-submit").await;
    let answer = ui.text_contains("error", "mot de passe").await;
    assert!(
        answer.contains("mot de passe") && !answer.contains("ne correspond pas"),
        "{answer}"
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service and tauri-driver: run scripts/test"]
async fn the_configuration_pane_sets_domains_and_plannings_and_lists_their_status() {
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let db = tmp.path().join("controller/controller.sqlite3");
    let driver = start_driver(&config, &tmp.path().join("data"));
    let c = launch(&driver).await;
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.log_in(account["console_password"].as_str().unwrap()).await;
    ui.click("pane-configuration").await;

    // The controller's domain, confirmed, then its coordinates.
    ui.type_in("controller-domain", "Lycee-Hugo.fr").await;
    ui.click("controller-domain-submit").await;
    assert!(ui
        .text("dialog-message")
        .await
        .contains("Associer ce nom de domaine au contrôleur"));
    ui.shot("20-confirm-controller-domain").await;
    ui.click("confirm-yes").await;
    let coordinates = ui.text("dialog-detail").await;
    assert!(coordinates.starts_with("lycee-hugo.fr:"), "{coordinates}");
    ui.click("notice-ok").await;
    assert_eq!(ui.text("controller-coordinates").await, coordinates);
    ui.click("controller-activate").await;
    assert!(ui.text("dialog-message").await.contains("Activer le contrôleur"));
    ui.click("confirm-yes").await;
    ui.text_contains("controller-state", "Contrôleur activé").await;
    assert!(
        ui.text("saved-controller").await.contains("Enregistré"),
        "a save says so where it happened"
    );

    // Rename planning01 (its editor opens from the table); add a second planning, whose editor opens at once, in
    // another time zone, without web publication.
    ui.click("planning-edit-0").await;
    ui.type_in("planning-name-0", "Lycée Hugo").await;
    ui.click("planning-save-0").await;
    assert_eq!(ui.text_contains("planning-title-0", "Lycée Hugo").await, "Lycée Hugo");
    ui.click("add-planning").await;
    assert_eq!(ui.text("planning-title-1").await, "planning02");
    ui.type_in("planning-tz-1", "America/Martinique").await;
    ui.click("planning-web-1").await;
    ui.click("planning-save-1").await;
    ui.type_in("planning-domain-1", "annexe.lycee-hugo.fr").await;
    ui.click("planning-domain-submit-1").await;
    ui.click("confirm-yes").await;
    assert!(ui.text("dialog-detail").await.starts_with("annexe.lycee-hugo.fr:"));
    ui.click("notice-ok").await;
    assert!(!ui.exists("planning-0").await, "one editor open at a time");
    ui.shots("21-configuration-plannings", Some("plannings-section")).await;

    // Both in the status list, without a base yet.
    let list = ui.text_contains("status-list", "planning02").await;
    assert!(list.contains("Lycée Hugo") && list.contains("planning02"), "{list}");
    assert_eq!(list.matches("Pas de base").count(), 2, "{list}");
    ui.wait("status-view").await.select_by_value("details").await.unwrap();
    ui.text_contains("status-list", "America/Martinique").await;
    ui.shots("22-status-details", Some("status-section")).await;

    let rows: Vec<(String, String, bool)> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT name, time_zone, web_publication FROM plannings ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        rows,
        [
            ("Lycée Hugo".to_string(), "Europe/Paris".to_string(), true),
            ("planning02".into(), "America/Martinique".into(), false)
        ]
    );
    assert_eq!(count(&db, "SELECT controller_active FROM accounts"), 1);
    c.close().await.unwrap();

    // The status list's view is remembered by the console.
    let settings = std::fs::read_to_string(config.join("console.json")).unwrap();
    assert!(settings.contains("\"view\": \"details\""), "{settings}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service and tauri-driver: run scripts/test"]
async fn a_device_revoked_while_open_goes_back_to_login_and_installs_a_new_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let data = tmp.path().join("controller");
    let hosting = account["hosting_number"].as_str().unwrap();
    let password = account["console_password"].as_str().unwrap();
    let invoice = account["invoice_number"].as_str().unwrap();
    let driver = start_driver(&config, &tmp.path().join("data"));
    let c = launch(&driver).await;
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.log_in(password).await;
    ui.text_contains("info-hosting-number", hosting).await;

    // The provider revokes this machine (reported lost) while the console is open.
    let device = serde_json::from_slice::<serde_json::Value>(
        &std::process::Command::new(env!("CARGO_BIN_EXE_planhost-controller"))
            .args(["--json", "device", "list", "--data", data.to_str().unwrap()])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = std::process::Command::new(env!("CARGO_BIN_EXE_planhost-controller"))
        .args(["device", "revoke", &device, "--data", data.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(revoked.success());

    // The next action finds out: back to the login screen, with the reason.
    ui.click("pane-configuration").await;
    let banner = ui.text_contains("banner", "révoqué").await;
    assert!(banner.contains("révoqué"), "{banner}");
    ui.wait("login-title").await;
    ui.shot("30-revoked-back-to-login").await;

    // Logging in again asks for the invoice number, says why, and installs a new certificate.
    ui.type_in("password", password).await;
    ui.click("login-submit").await;
    assert!(ui.text("invoice-reason").await.contains("révoqué"));
    ui.shot("31-revoked-invoice-again").await;
    ui.type_in("invoice-number", invoice).await;
    ui.click("install-certificate").await;
    ui.click("continue-login").await;
    ui.wait("shell").await;
    ui.text_contains("info-hosting-number", hosting).await;
    let db = data.join("controller.sqlite3");
    assert_eq!(count(&db, "SELECT count(*) FROM devices WHERE revoked_at IS NULL"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM devices"), 2);
    c.close().await.unwrap();
}

/// A password of the right shape that is not the account's.
fn common_wrong_password(right: &str) -> String {
    let mut chars: Vec<char> = right.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service and tauri-driver: run scripts/test"]
async fn forty_plannings_stay_a_compact_searchable_table_with_one_editor_open() {
    use planhost::api::ConfigChange;
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let hosting = account["hosting_number"].as_str().unwrap();
    // 39 more plannings through the same core the app uses (the command line's session is in the keyring).
    webdriver::forty_plannings(&tmp.path().join("controller"), hosting, &config, |i| match i % 3 {
        0 => format!("Collège Jean Moulin {i:02}"),
        1 => format!("Lycée Victor Hugo {i:02}"),
        _ => format!("École Jules Ferry {i:02}"),
    })
    .await;
    let console = planhost::console::Console::open(&config).unwrap();
    let id = console.configuration().await.unwrap().plannings[4].id;
    console
        .apply(&ConfigChange::planning_domain(id, "moulin-annexe.example.fr"))
        .await
        .unwrap();
    drop(console);

    let driver = start_driver(&config, &tmp.path().join("data"));
    let c = launch(&driver).await;
    c.set_window_size(1280, 860).await.unwrap();
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.log_in(account["console_password"].as_str().unwrap()).await;
    ui.click("pane-configuration").await;

    // Forty rows, no editor open: the page stays short.
    ui.wait("planning-row-39").await;
    assert!(!ui.exists("planning-0").await);
    ui.shots("23-forty-plannings", Some("plannings-section")).await;

    // The section links stay in view while scrolling, and lead to their section.
    c.execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .unwrap();
    assert!(
        ui.in_view("goto-controller-section").await,
        "the section links scrolled away"
    );
    assert!(ui.in_view("pane-information").await, "the panes' list scrolled away");
    ui.click("goto-controller-section").await;
    assert!(ui.in_view("controller-domain").await);

    // Search by name, accents ignored, and by domain.
    ui.type_in("planning-search", "college moulin").await;
    assert_eq!(
        ui.text_contains("planning-search-count", "13 sur 40").await,
        "13 sur 40"
    );
    let table = ui.text("planning-table").await;
    assert!(
        !table.contains("Victor Hugo") && table.contains("Jean Moulin 03"),
        "{table}"
    );
    ui.type_in("planning-search", "MOULIN-ANNEXE").await;
    assert_eq!(ui.text_contains("planning-search-count", "1 sur 40").await, "1 sur 40");
    assert!(ui.exists("planning-row-4").await && !ui.exists("planning-row-3").await);
    assert!(
        ui.exists("seats-m-4").await && !ui.exists("seats-m-3").await,
        "the seats table follows the search"
    );
    ui.shots("24-planning-search", Some("plannings-section")).await;
    ui.type_in("planning-search", "zzz").await;
    assert!(ui.text("planning-no-match").await.contains("zzz"));
    ui.type_in("planning-search", "").await;

    // One editor at a time; unsaved changes are not dropped without asking.
    ui.click("planning-edit-3").await;
    ui.wait("planning-3").await;
    ui.type_in("planning-name-3", "Renommé").await;
    ui.click("planning-edit-5").await;
    assert!(ui.text("dialog-message").await.contains("ne sont pas enregistrées"));
    ui.click("confirm-no").await;
    assert_eq!(
        ui.value("planning-name-3").await,
        "Renommé",
        "kept when the user says no"
    );
    ui.click("planning-edit-5").await;
    ui.click("confirm-yes").await;
    ui.wait("planning-5").await;
    assert!(!ui.exists("planning-3").await, "one editor open at a time");

    // Disabling asks, and the badge says so at once (not at the next status check).
    ui.click("planning-toggle-5").await;
    assert!(ui.text("dialog-message").await.contains("Désactiver ce planning"));
    ui.click("confirm-yes").await;
    assert_eq!(ui.text_contains("planning-status-5", "Désactivé").await, "Désactivé");
    ui.shots("25-planning-editor-open", Some("planning-row-5")).await;
    c.close().await.unwrap();
}
