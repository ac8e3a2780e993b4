//! End to end, Préparation hors ligne: in the real app window, before any login, a base is prepared with its grid,
//! its timetable from the CSV templates (a wrong file first: every problem by file, line and column), two annexes
//! and its users; its `.HHYP` is generated with the progress bar (a wrong hosting number said beside its field);
//! then, logged in, the file is loaded in Mes plannings and put in service; a second generation is cancelled and
//! leaves no file. Screenshots go to `test-artifacts/e2e/`.

#[path = "support/prepared_csv.rs"]
mod prepared_csv;
#[path = "support/ui.rs"]
mod ui;
#[path = "support/webdriver.rs"]
mod webdriver;

use std::path::Path;
use ui::{count, enrolled_machine, Ui};
use webdriver::{artifacts, launch, start_driver};

fn year_weeks(grid: &planhost::api::TimeGrid) -> u32 {
    planhost::base::grid::check(grid).weeks
}

/// What the next native dialogs answer, in turn (several files of one dialog are separated by `|`).
fn picks(data: &Path, lines: &[String]) {
    std::fs::write(data.join("picks.txt"), lines.join("\n")).unwrap();
}

/// Counts, from the moment it is called, every state of the pack's progress bar the page shows: a bar that appears
/// and moves only for a moment is still seen.
async fn watch_progress(c: &fantoccini::Client) {
    let script = "window.packSeen = []; new MutationObserver(() => { const b = document.getElementById('pack-bar'); \
                  if (b) window.packSeen.push(Number(b.value)); }).observe(document.body, \
                  { subtree: true, childList: true, attributes: true });";
    c.execute(script, vec![]).await.unwrap();
}

async fn progress_seen(c: &fantoccini::Client) -> Vec<f64> {
    let seen = c.execute("return window.packSeen;", vec![]).await.unwrap();
    seen.as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display and tauri-driver: run by scripts/test"]
async fn a_base_prepared_offline_is_generated_with_a_progress_bar_and_loaded_on_the_controller() {
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = enrolled_machine(tmp.path(), true);
    let hosting = account["hosting_number"].as_str().unwrap().to_owned();
    let data = tmp.path().join("data");
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&files).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let path = files.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };

    let driver = start_driver(&config, &data);
    let c = launch(&driver).await;
    c.set_window_size(1280, 860).await.unwrap();
    let ui = Ui {
        c: &c,
        shots: artifacts(),
    };
    // Before any login: the login screen leads to the pane, which needs no controller.
    ui.wait("login-screen").await;
    ui.click("open-offline").await;
    ui.wait("prepare-new").await;
    ui.shots("90-prepare-start", None).await;

    // A new base: its grid (the school year the dialog starts from), then the folder it goes in.
    picks(&data, &[tmp.path().join("bases").display().to_string()]);
    std::fs::create_dir_all(tmp.path().join("bases")).unwrap();
    ui.click("prepare-new").await;
    ui.type_in("grid-name", "Lycée Hugo préparé").await;
    ui.click("grid-validate").await;
    assert_eq!(ui.text("prepare-name").await, "Lycée Hugo préparé");
    let folder = tmp.path().join("bases/Lycée Hugo préparé");
    assert!(folder.join("base.sqlite3").is_file());
    assert!(ui.text("summary-problems").await.contains("Aucun"));

    // The timetable: five templates, the courses file wrong first — every problem by file, line and column, nothing
    // imported; then right, checked, imported.
    ui.click("prepare-tab-2").await;
    for (kind, bytes) in prepared_csv::all_files() {
        let name = format!("{kind:?}").to_lowercase();
        let bad = "matiere;jour;heure;duree\nPHILO;lundi;08:00;55\nMATHS;dimanche;08:10;55\n";
        let csv = if name == "courses" { bad.as_bytes() } else { bytes };
        picks(&data, &[file(&format!("{name}.csv"), csv)]);
        ui.click(&format!("timetable-{name}-choose")).await;
        ui.text_contains(&format!("timetable-{name}-file"), &format!("{name}.csv"))
            .await;
    }
    assert!(ui.text("timetable-problems-summary").await.contains("2 problèmes"));
    assert!(ui.text("timetable-problems-0").await.contains("matiere"));
    assert!(ui
        .text("timetable-problems-1")
        .await
        .contains("n'est pas un jour travaillé"));
    assert!(
        !ui.exists("timetable-import").await,
        "nothing to import while a row is wrong"
    );
    ui.shots("91-prepare-timetable-problems", Some("timetable-panel")).await;
    picks(&data, &[file("courses.csv", prepared_csv::COURSES.as_bytes())]);
    ui.click("timetable-courses-choose").await;
    assert!(ui.text("timetable-ready").await.contains("2 cours"));
    ui.click("timetable-import").await;
    assert!(ui.text("timetable-done").await.contains("2 enseignants"));
    ui.shots("92-prepare-timetable-done", Some("timetable-panel")).await;

    // Two annexes, through the file dialog.
    ui.click("prepare-tab-3").await;
    let photo = file("durand.jpg", b"\xFF\xD8\xFF\xE0 a photo of Elodie Durand");
    let plan = file("plan du lycée.pdf", b"%PDF-1.7 the school's plan");
    picks(&data, &[format!("{photo}|{plan}")]);
    ui.click("annexes-add").await;
    assert!(ui.text("annexes-notice").await.contains("2 annexes"));
    assert!(ui.text("annex-0").await.contains("durand.jpg"));
    assert!(ui.text("annex-1").await.contains("plan du lycée.pdf"));
    ui.shots("93-prepare-annexes", Some("annexes-panel")).await;

    // Users: a wrong file (its problems), then the template's three users.
    ui.click("prepare-tab-4").await;
    let bad_users = "identifiant;prenom;nom;profil\nx;Jean;Dupont;Chef\n";
    picks(&data, &[file("bad-users.csv", bad_users.as_bytes())]);
    ui.click("users-choose").await;
    assert!(ui.text("users-problems-summary").await.contains("2 problèmes"));
    ui.shots("94-prepare-users-problems", Some("users-panel")).await;
    picks(&data, &[file("users.csv", prepared_csv::USERS.as_bytes())]);
    ui.click("users-choose").await;
    ui.click("users-import").await;
    assert!(ui.text("users-notice").await.contains("3 utilisateurs"));
    assert!(ui.text("prepared-user-0").await.contains("jdupont"));
    let profils = data.join("hugo.profils");
    picks(&data, &[profils.display().to_string()]);
    ui.type_in("users-planning", "planning01").await;
    ui.click("users-export").await;
    ui.text_contains("users-notice", "exportés").await;
    let exported = planhost::profils::ProfilsFile::read(&std::fs::read(&profils).unwrap()).unwrap();
    assert_eq!(
        (exported.users.len(), exported.plannings[0].name.as_str()),
        (3, "planning01")
    );
    ui.shots("95-prepare-users", Some("users-panel")).await;

    // The .HHYP: a wrong hosting number is said beside its field and nothing is written; then generated with the
    // progress bar, checked, ready.
    ui.click("prepare-tab-5").await;
    ui.type_in("pack-hosting", "12345").await;
    ui.click("pack-generate").await;
    assert!(ui.text("pack-hosting-error").await.contains("12 chiffres"));
    ui.shots("96-prepare-pack-error", Some("pack-panel")).await;
    let out = data.join("pick.HHYP");
    picks(&data, &[out.display().to_string()]);
    ui.wait("pack-hosting").await.clear().await.unwrap();
    ui.type_in("pack-hosting", &hosting).await;
    watch_progress(&c).await;
    ui.click("pack-generate").await;
    let done = ui.text("pack-done").await;
    assert!(
        done.contains("Prêt et vérifié") && done.contains("la base et 2 annexes"),
        "{done}"
    );
    let seen = progress_seen(&c).await;
    assert!(
        !seen.is_empty() && seen.iter().all(|v| (0.0..=100.0).contains(v)),
        "{seen:?}"
    );
    let hosting_number = planhost::ids::HostingNumber::parse(&hosting).unwrap();
    let checked = planhost::hhyp::verify(&out, &hosting_number, &planhost::hhyp::Limits::default(), None).unwrap();
    assert_eq!(checked.base.name, "Lycée Hugo préparé");
    ui.shots("97-prepare-pack-done", Some("pack-panel")).await;
    ui.click("prepare-tab-0").await;
    assert_eq!(ui.text("summary-courses").await, "2");
    assert_eq!(ui.text("summary-annexes").await, "2");
    ui.shots("98-prepare-summary", None).await;

    // A shorter grid, ten weeks: the placements after it are kept aside (asked first), listed with why.
    ui.click("prepare-tab-1").await;
    ui.click("grid-change").await;
    ui.wait("grid-last-sunday").await;
    let year = planhost::base::grid::current_school_year();
    let first: jiff::civil::Date = year.first_monday.parse().unwrap();
    let tenth_sunday = first.checked_add(jiff::Span::new().days(69)).unwrap().to_string();
    let script = "const e = document.getElementById('grid-last-sunday'); e.value = arguments[0]; \
                  e.dispatchEvent(new Event('change', { bubbles: true })); return e.value;";
    let took = c.execute(script, vec![tenth_sunday.clone().into()]).await.unwrap();
    assert_eq!(took.as_str(), Some(tenth_sunday.as_str()));
    assert!(!ui.exists("grid-name").await, "a grid change asks no name");
    for (width, height) in [(800, 600), (1280, 860)] {
        c.set_window_size(width, height).await.unwrap();
        ui.shot(&format!("98b-prepare-grid-dialog-fr-{width}x{height}")).await;
    }
    ui.click("grid-validate").await;
    let aside = (year_weeks(&year) - 10) + 10;
    assert!(ui.text("dialog-message").await.contains(&format!("{aside} séances")));
    ui.click("confirm-yes").await;
    assert!(ui
        .text("prepare-notice")
        .await
        .contains(&format!("{aside} mises de côté")));
    ui.click("prepare-tab-0").await;
    assert!(ui.text("summary-problems").await.contains(&format!("{aside} séances")));
    assert!(ui.text("unplaced-0").await.contains("hors de la grille"));
    ui.shots("98c-prepare-unplaced", None).await;

    // Logged in, the file goes to the controller from Mes plannings and is in service.
    ui.click("prepare-back").await;
    ui.log_in(account["console_password"].as_str().unwrap()).await;
    ui.click("pane-plannings").await;
    ui.wait("bases-none").await;
    ui.click("base-upload").await;
    ui.wait("transfer-done").await;
    assert_eq!(
        ui.text_contains("base-in-service-name", "Lycée").await,
        "Lycée Hugo préparé"
    );
    let db = tmp.path().join("controller/controller.sqlite3");
    assert_eq!(count(&db, "SELECT count(*) FROM base_files"), 1);

    // Back in the pane (the base opens again by itself): a large annex, generated again and cancelled — no file left
    // under the name, nor anything beside it.
    ui.click("pane-offline").await;
    assert_eq!(ui.text("prepare-name").await, "Lycée Hugo préparé");
    let big = files.join("films.zip");
    std::fs::File::create(&big).unwrap().set_len(400 << 20).unwrap();
    ui.click("prepare-tab-3").await;
    picks(&data, &[big.display().to_string()]);
    ui.click("annexes-add").await;
    ui.text_contains("annexes-notice", "1 annexe").await;
    ui.click("prepare-tab-5").await;
    ui.wait("pack-close").await;
    ui.click("pack-close").await;
    let cancelled = data.join("cancelled.HHYP");
    picks(&data, &[cancelled.display().to_string()]);
    ui.click("pack-generate").await;
    ui.click("pack-cancel").await;
    ui.wait("pack-cancelled").await;
    assert!(!cancelled.exists());
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "left beside the output: {left:?}");
    ui.shots("99-prepare-pack-cancelled", Some("pack-panel")).await;

    // Forty annexes and forty users: the lists scroll, the page holds.
    ui.click("prepare-tab-3").await;
    let many: Vec<String> = (1..=38)
        .map(|i| file(&format!("photo-{i:02}.jpg"), b"\xFF\xD8\xFF\xE0"))
        .collect();
    picks(&data, &[many.join("|")]);
    ui.click("annexes-add").await;
    ui.text_contains("annexes-notice", "38 annexes").await;
    assert!(ui.exists("annex-40").await);
    ui.shots("100-prepare-annexes-forty", Some("annexes-panel")).await;
    ui.click("prepare-tab-4").await;
    let rows: String = (1..=37)
        .map(|i| format!("eleve{i:02};Prénom{i};Nom{i};;;;;Consultation\n"))
        .collect();
    picks(
        &data,
        &[file(
            "forty.csv",
            format!("identifiant;prenom;nom;email;statut;acces_console;planning;profil\n{rows}").as_bytes(),
        )],
    );
    ui.click("users-choose").await;
    ui.click("users-import").await;
    ui.text_contains("users-notice", "37 utilisateurs").await;
    assert!(ui.exists("prepared-user-39").await);
    ui.shots("101-prepare-users-forty", Some("users-panel")).await;
    c.close().await.unwrap();
}
