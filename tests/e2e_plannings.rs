//! End to end, Mes plannings: the real app window under Xvfb against a real `planhost-controller` process. Create a
//! base with its time grid (a wrong date said beside its field, one day previewed), see the planning Online, its
//! public page served; put an earlier base back. Screenshots go to `test-artifacts/e2e/`.

#[path = "support/hhyp_files.rs"]
mod hhyp_files;
#[path = "support/ui.rs"]
mod ui;
#[path = "support/webdriver.rs"]
mod webdriver;

use planhost::api::{ConfigChange, PlanningChanges, SeatAllocation, Seats};
use ui::{count, enrolled_machine, Ui};
use webdriver::{artifacts, launch, start_driver};

/// The tests of this file take turns: the upload test moves hundreds of megabytes, and a second app window starting
/// meanwhile on two cores can miss WebDriver's deadlines.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sets a form field as typing would (date and time inputs take their value whole).
async fn set(c: &fantoccini::Client, id: &str, value: &str) {
    let script = format!(
        "const e = document.getElementById({id:?}); e.value = {value:?}; \
         e.dispatchEvent(new Event('input', {{ bubbles: true }})); e.dispatchEvent(new Event('change', {{ bubbles: true }})); \
         return e.value;"
    );
    let took = c.execute(&script, vec![]).await.unwrap();
    assert_eq!(took.as_str(), Some(value), "{id} has no choice {value}");
}

/// The school year the grid dialog starts from (the core's own), its week count, and the Monday after it.
fn school_year() -> (String, String, u32, String) {
    let year = planhost::base::grid::current_school_year();
    let weeks = planhost::base::grid::check(&year).weeks;
    let last: jiff::civil::Date = year.last_sunday.parse().unwrap();
    let after = last.checked_add(jiff::Span::new().days(1)).unwrap().to_string();
    (year.first_monday, year.last_sunday, weeks, after)
}

/// The text of the option chosen in a list.
async fn chosen(c: &fantoccini::Client, id: &str) -> String {
    let script = format!("const e = document.getElementById({id:?}); return e.selectedOptions[0].text;");
    c.execute(&script, vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// The grid dialog with a first Monday after the last Sunday, no working day, no sequence and 50 minutes in 12 steps.
async fn every_grid_error(c: &fantoccini::Client, ui: &Ui<'_>) {
    let (first, last, _, after) = school_year();
    set(c, "grid-first-monday", &first).await;
    set(c, "grid-last-sunday", &last).await;
    set(c, "grid-first-monday", &after).await;
    c.execute(
        "document.querySelectorAll('[id^=grid-day-]').forEach(e => { if (e.checked) e.click(); })",
        vec![],
    )
    .await
    .unwrap();
    set(c, "grid-sequences", "0").await;
    set(c, "grid-minutes", "50").await;
    set(c, "grid-steps", "12").await;
    assert!(ui.exists("grid-dialog").await);
}

/// Opens `url` in headless Chromium (Debian's package) with `home` as its home, trusting only `ca` besides the
/// system's roots, `domain` resolved to 127.0.0.1; saves a screenshot and returns the page's DOM as rendered.
fn chromium_page(
    home: &std::path::Path,
    ca: &std::path::Path,
    domain: &str,
    url: &str,
    shot: &std::path::Path,
) -> String {
    use std::process::Command;
    let nssdb = home.join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).unwrap();
    let db = format!("sql:{}", nssdb.display());
    let run = |cmd: &mut Command| {
        let out = cmd
            .output()
            .expect("certutil (libnss3-tools) and chromium: run scripts/setup");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(Command::new("certutil").args(["-N", "--empty-password", "-d", &db]));
    run(Command::new("certutil")
        .args(["-A", "-t", "C,,", "-n", "planhost-controller", "-d", &db, "-i"])
        .arg(ca));
    let chromium = |extra: &[String]| {
        let mut cmd = Command::new("chromium");
        cmd.env("HOME", home)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,860",
            ])
            .arg(format!("--user-data-dir={}", home.join("profile").display()))
            .arg(format!("--host-resolver-rules=MAP {domain} 127.0.0.1"))
            .args(extra)
            .arg(url);
        run(&mut cmd)
    };
    chromium(&[format!("--screenshot={}", shot.display())]);
    String::from_utf8(chromium(&["--dump-dom".to_owned()])).unwrap()
}

/// A dialog covers the language choice: it is kept in French, at both sizes.
async fn dialog_shots(c: &fantoccini::Client, ui: &Ui<'_>, name: &str) {
    for (width, height) in [(800, 600), (1280, 860)] {
        c.set_window_size(width, height).await.unwrap();
        ui.shot(&format!("{name}-fr-{width}x{height}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: run by scripts/test"]
async fn a_base_is_created_with_its_grid_and_its_planning_goes_online() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let console = planhost::console::Console::open(&config).unwrap();
    let id = console.configuration().await.unwrap().plannings[0].id;
    let publish = PlanningChanges {
        domain: Some("edt.lycee-hugo.fr".into()),
        web_publication: Some(true),
        publication_name: Some("Lycée Hugo".into()),
        ..Default::default()
    };
    console
        .apply(&ConfigChange::ChangePlanning { id, changes: publish })
        .await
        .unwrap();
    let seats = Seats {
        modification: 1,
        consultation: 1,
    };
    console
        .apply(&ConfigChange::Seats {
            allocations: vec![SeatAllocation { planning_id: id, seats }],
        })
        .await
        .unwrap();
    let port = console.configuration().await.unwrap().plannings[0]
        .coordinates
        .clone()
        .unwrap()
        .port;
    drop(console);

    let driver = start_driver(&config, &tmp.path().join("data"));
    let c = launch(&driver).await;
    c.set_window_size(1280, 860).await.unwrap();
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.log_in(account["console_password"].as_str().unwrap()).await;
    ui.click("pane-plannings").await;
    assert!(ui.text("bases-none").await.contains("Aucune base"));
    assert_eq!(ui.text("bases-publication").await.lines().next().unwrap(), "Lycée Hugo");
    ui.shots("70-plannings-no-base", None).await;

    // The grid dialog starts from the school year. Its dates are chosen from lists written in the console's language
    // (not the system's), so a Tuesday cannot be given for the first Monday.
    ui.click("base-create").await;
    assert!(
        ui.text("grid-weeks").await.contains("semaines"),
        "a school year is previewed at once"
    );
    let (first, last, weeks, _) = school_year();
    set(&c, "grid-first-monday", &first).await;
    let label = chosen(&c, "grid-first-monday").await;
    assert!(label.starts_with("lundi ") && label.ends_with(&first[..4]), "{label}");
    // Every field that can be wrong at once, wrong: each problem beside its field, nothing created.
    every_grid_error(&c, &ui).await;
    ui.type_in("grid-name", "Lycée Hugo 2026").await;
    ui.click("grid-validate").await;
    assert!(ui
        .text_contains("grid-last_sunday-error", "dernier dimanche")
        .await
        .contains("de 1 à 62 semaines"));
    for field in ["working_days", "sequences_per_day", "steps_per_sequence"] {
        assert!(ui.exists(&format!("grid-{field}-error")).await, "{field}");
    }
    assert!(!ui.exists("grid-sequence-1").await, "no preview of a wrong grid");
    assert!(ui.exists("grid-dialog").await);
    let db = tmp.path().join("controller/controller.sqlite3");
    assert_eq!(count(&db, "SELECT count(*) FROM base_files"), 0, "nothing created");
    dialog_shots(&c, &ui, "71-grid-every-error").await;
    // The same in English: the dialog covers the language choice, so it is closed, and opened again after.
    ui.click("grid-cancel").await;
    ui.wait("lang-switch").await.select_by_value("en").await.unwrap();
    ui.click("base-create").await;
    set(&c, "grid-first-monday", &first).await;
    let label = chosen(&c, "grid-first-monday").await;
    assert!(label.starts_with("Monday") && label.ends_with(&first[..4]), "{label}");
    every_grid_error(&c, &ui).await;
    ui.click("grid-validate").await;
    assert!(ui
        .text_contains("grid-last_sunday-error", "last Sunday")
        .await
        .contains("1 to 62 weeks"));
    for (width, height) in [(800, 600), (1280, 860)] {
        c.set_window_size(width, height).await.unwrap();
        ui.shot(&format!("71-grid-every-error-en-{width}x{height}")).await;
    }
    ui.click("grid-cancel").await;
    ui.wait("lang-switch").await.select_by_value("fr").await.unwrap();
    ui.click("base-create").await;
    // Right, with ten 50-minute sequences in two steps from 08:15, Monday to Friday: the day is previewed.
    set(&c, "grid-first-monday", &first).await;
    set(&c, "grid-last-sunday", &last).await;
    let label = chosen(&c, "grid-last-sunday").await;
    assert!(
        label.starts_with("dim. ") && label.ends_with(&format!("{} ({weeks} sem.)", &last[..4])),
        "{label}"
    );
    c.execute(
        "document.querySelectorAll('[id^=grid-day-]').forEach((e, i) => { if (e.checked !== i < 5) e.click(); })",
        vec![],
    )
    .await
    .unwrap();
    set(&c, "grid-sequences", "10").await;
    set(&c, "grid-first-start", "08:15").await;
    set(&c, "grid-minutes", "50").await;
    set(&c, "grid-steps", "2").await;
    assert_eq!(ui.text_contains("grid-sequence-10", "16:35").await, "15:45 – 16:35");
    assert!(ui.text("grid-weeks").await.contains(&format!("{weeks} semaines")));
    ui.type_in("grid-name", "Lycée Hugo 2026").await;
    dialog_shots(&c, &ui, "72-grid-preview").await;
    ui.click("grid-validate").await;
    assert!(ui.text("dialog-message").await.contains("Lycée Hugo 2026"));
    ui.click("notice-ok").await;
    assert_eq!(ui.text("base-in-service-name").await, "Lycée Hugo 2026");
    assert_eq!(ui.text("bases-status").await, "En ligne");
    assert!(ui
        .text("base-in-service-facts")
        .await
        .contains(&format!("{weeks} semaines")));
    ui.shots("73-base-in-service", Some("plannings-section")).await;

    // Its public page opens in headless Chromium by the planning's own domain (resolved to loopback), over TLS with
    // a certificate from the controller's CA (trusted in a throwaway NSS database), and shows the grid.
    let dom = chromium_page(
        &tmp.path().join("chromium"),
        &tmp.path().join("controller/ca.pem"),
        "edt.lycee-hugo.fr",
        &format!("https://edt.lycee-hugo.fr:{port}/Lyc%C3%A9e%20Hugo"),
        &artifacts().join("74-published-page-chromium.png"),
    );
    assert!(
        dom.contains("08:15 – 09:05") && dom.contains("<th>Vendredi</th>") && dom.contains("Lycée Hugo 2026"),
        "{dom}"
    );
    std::fs::write(artifacts().join("74-published-page.html"), &dom).unwrap();

    // A second base; the first goes to "Autres bases" and is put back in service.
    ui.click("base-create").await;
    ui.type_in("grid-name", "Essai").await;
    ui.click("grid-validate").await;
    ui.click("notice-ok").await;
    assert_eq!(ui.text_contains("base-in-service-name", "Essai").await, "Essai");
    assert_eq!(ui.text("base-other-name-0").await, "Lycée Hugo 2026");
    ui.click("base-restore-0").await;
    assert!(ui.text("dialog-message").await.contains("Lycée Hugo 2026"));
    dialog_shots(&c, &ui, "75-restore-confirm").await;
    ui.click("confirm-yes").await;
    ui.click("notice-ok").await;
    assert_eq!(
        ui.text_contains("base-in-service-name", "Lycée").await,
        "Lycée Hugo 2026"
    );
    ui.shots("76-earlier-base-restored", Some("plannings-section")).await;

    // Forty plannings (a school group): the list holds them all, and the last one, with no base yet, is shown.
    let hosting = account["hosting_number"].as_str().unwrap();
    webdriver::forty_plannings(&tmp.path().join("controller"), hosting, &config, |i| {
        format!("Collège Jean Moulin {i:02}")
    })
    .await;
    let console = planhost::console::Console::open(&config).unwrap();
    let last = console.configuration().await.unwrap().plannings[39].id;
    drop(console);
    ui.click("pane-configuration").await;
    ui.click("pane-plannings").await;
    ui.wait("bases-publication").await;
    let options = c
        .execute(
            "return document.getElementById('bases-planning').options.length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(options, 40);
    set(&c, "bases-planning", &last.to_string()).await;
    assert!(ui
        .text_contains("bases-none", "Aucune base")
        .await
        .contains("Aucune base"));
    let heading = c
        .execute(
            "return document.querySelector('#plannings-section h2').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        heading.as_str().unwrap().ends_with("Collège Jean Moulin 40"),
        "{heading}"
    );
    ui.shots("78-plannings-forty", Some("plannings-section")).await;
    c.close().await.unwrap();
}

/// The transfer's outcome, once it is done (a debug build moves 600 MiB in well under a minute).
async fn finished(ui: &Ui<'_>) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ui.exists("transfer-done").await {
        assert!(
            !ui.exists("transfer-error").await,
            "{}",
            ui.text("transfer-error").await
        );
        assert!(std::time::Instant::now() < deadline, "the transfer never ended");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    ui.text("transfer-done").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: run by scripts/test"]
async fn a_hhyp_is_loaded_with_a_progress_bar_cancelled_and_saved_back() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let hosting = account["hosting_number"].as_str().unwrap().to_owned();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let picked = data.join("pick.HHYP");
    let db = tmp.path().join("controller/controller.sqlite3");
    let console = planhost::console::Console::open(&config).unwrap();
    let id = console.configuration().await.unwrap().plannings[0].id;
    console
        .apply(&ConfigChange::planning_domain(id, "edt.lycee-hugo.fr"))
        .await
        .unwrap();
    drop(console);

    let driver = start_driver(&config, &data);
    let c = launch(&driver).await;
    c.set_window_size(1280, 860).await.unwrap();
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    ui.log_in(account["console_password"].as_str().unwrap()).await;
    ui.click("pane-plannings").await;
    ui.wait("bases-none").await;

    // A file for another hosting number: refused on this computer, in the panel, nothing sent.
    std::fs::rename(
        hhyp_files::hhyp_file(&data, "999999999999", "Ailleurs", 1 << 20),
        &picked,
    )
    .unwrap();
    ui.click("base-upload").await;
    assert!(ui
        .text_contains("transfer-error", "999999999999")
        .await
        .contains("999999999999"));
    assert_eq!(count(&db, "SELECT count(*) FROM uploads"), 0);
    ui.shots("77-upload-refused", Some("plannings-section")).await;
    ui.click("transfer-close").await;

    // 600 MiB, so that the bar still moves when the window is read on two busy cores: the bar, the bytes, the speed
    // and the time left while it is sent.
    std::fs::rename(
        hhyp_files::hhyp_file(&data, &hosting, "Lycée Hugo 2026", 600 << 20),
        &picked,
    )
    .unwrap();
    ui.click("base-upload").await;
    let figures = ui.text_contains("transfer-figures", "/s").await;
    assert!(figures.contains(" sur ") && figures.contains("Mo/s"), "{figures}");
    assert!(ui.text("transfer-step").await.contains("Envoi"));
    ui.shot("78-upload-progress-fr-1280x860").await;
    // Meanwhile the console stays usable: another pane opens and comes back to the transfer still shown.
    ui.click("pane-configuration").await;
    ui.click("pane-plannings").await;
    ui.wait("transfer").await;
    assert!(finished(&ui).await.contains("pick.HHYP"));
    assert_eq!(
        ui.text_contains("base-in-service-name", "Lycée").await,
        "Lycée Hugo 2026"
    );
    assert!(ui.text("base-in-service-facts").await.contains("chargée"));
    assert_eq!(ui.text("bases-status").await, "En ligne");
    ui.shots("79-upload-done", Some("plannings-section")).await;
    ui.click("transfer-close").await;

    // Sent again and cancelled while sending: nothing is kept on the controller.
    ui.click("base-upload").await;
    ui.text_contains("transfer-step", "Envoi").await;
    ui.click("transfer-cancel").await;
    ui.wait("transfer-cancelled").await;
    assert_eq!(count(&db, "SELECT count(*) FROM uploads"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM base_files"), 1);
    ui.shot("80-upload-cancelled-fr-1280x860").await;
    ui.click("transfer-close").await;

    // The base in service saved back as a .HHYP in the downloads folder.
    ui.click("base-in-service-download").await;
    let saved = finished(&ui).await;
    assert!(saved.contains("Lycée Hugo 2026.HHYP"), "{saved}");
    let file = data.join("downloads/Lycée Hugo 2026.HHYP");
    let hosting = planhost::ids::HostingNumber::parse(&hosting).unwrap();
    let back = planhost::hhyp::verify(&file, &hosting, &planhost::hhyp::Limits::default(), None).unwrap();
    assert_eq!(back.base.name, "Lycée Hugo 2026");
    assert_eq!(back.manifest.entries.len(), 2, "the base and its photo");
    ui.shots("81-base-saved", Some("plannings-section")).await;
    c.close().await.unwrap();
}
