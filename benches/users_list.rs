//! The users list with 10,000 users (issue 7 §2: "10,000 users stay fluid in the app"), in the real app window
//! against a real controller: time from a click or a keystroke until the list shows the controller's answer, measured
//! inside the page (`performance.now()`, checked every animation frame), median and worst of PLANHOST_BENCH_N rounds
//! (default 9). Search, sort and pages run in the controller, so each figure includes a request over TLS.
//! Run: `scripts/bench`.

#[path = "support/page.rs"]
mod page;
#[path = "../tests/support/ui.rs"]
mod ui;
#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use fantoccini::Client;
use page::{click, report, typed};
use planhost::api::{NewUser, UserChange, UserStatus};
use std::time::Instant;

const USERS: usize = 10_000;

/// Milliseconds from running `action` in the page until `done_when` (a JavaScript expression) holds, checked at
/// every animation frame. Gives up after 10 s, saying what the list showed.
async fn until(c: &Client, action: &str, done_when: &str) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1]; const start = performance.now(); {action}; \
         const check = () => ({done_when}) ? done(performance.now() - start) \
           : performance.now() - start > 10000 ? done(-1) : requestAnimationFrame(check); \
         requestAnimationFrame(check);"
    );
    let ms = c.execute_async(&script, vec![]).await.unwrap().as_f64().unwrap();
    if ms < 0.0 {
        let shown = c
            .execute("return document.getElementById('users-section')?.innerText", vec![])
            .await;
        panic!("never true: {done_when}\nafter: {action}\nthe list showed: {shown:?}");
    }
    ms
}

fn text_of(id: &str) -> String {
    format!("(document.getElementById({id:?})?.textContent ?? '')")
}

/// An element's text read in the page, not through a WebDriver element that a new answer may have replaced.
async fn read(c: &Client, id: &str) -> String {
    let value = c.execute(&format!("return {}", text_of(id)), vec![]).await.unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

fn search(text: &str) -> String {
    typed("users-search", text)
}

/// 10,000 users as a school's CSV export would list them.
fn users_csv() -> Vec<u8> {
    let firsts = ["Élodie", "Marc", "Inès", "Hugo", "Zoé", "Noël", "Chloé", "Jérôme"];
    let lasts = [
        "Durand", "Lefèvre", "Moreau", "Petit", "Bérard", "Faure", "Roux", "Gauthier",
    ];
    let mut out = String::from("identifiant;prenom;nom;email;statut;acces_console;planning;profil\n");
    for i in 0..USERS {
        let status = if i % 3 == 2 {
            "Administrateur de base"
        } else {
            "Utilisateur"
        };
        out.push_str(&format!(
            "u{i:05};{};{} {i:05};u{i:05}@lycee-hugo.fr;{status};non;;\n",
            firsts[i % 8],
            lasts[(i / 8) % 8]
        ));
    }
    out.into_bytes()
}

fn main() {
    let n: usize = std::env::var("PLANHOST_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = ui::enrolled_machine(tmp.path(), true);
    let password = account["console_password"].as_str().unwrap().to_owned();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let console = planhost::console::Console::open(&config).unwrap();
        let superadministrator = NewUser {
            login: "cmartin".into(),
            first_name: "Claire".into(),
            last_name: "Martin".into(),
            email: None,
            status: UserStatus::Superadministrator,
            console_access: false,
            scope: None,
        };
        console
            .change_users(&UserChange::Add(superadministrator))
            .await
            .unwrap();
        let start = Instant::now();
        let imported = console.import_users(users_csv(), false).await.unwrap();
        assert!(imported.problems.is_empty());
        println!(
            "{USERS} users imported through the console's core in {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
        drop(console);

        let driver = webdriver::start_driver(&config, &tmp.path().join("data"));
        let c = webdriver::launch(&driver).await;
        c.set_window_size(1280, 860).await.unwrap();
        let ui = ui::Ui {
            c: &c,
            shots: webdriver::artifacts(),
        };
        ui.log_in(&password).await;

        let (mut open_pane, mut typed, mut cleared, mut sorted, mut next, mut editor) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for round in 0..n {
            // Away to another pane and back: the pane asks the controller for the first page of 50.
            ui.click("pane-information").await;
            ui.wait("info-hosting-number").await;
            let start = Instant::now();
            ui.click("pane-controller").await;
            ui.wait("user-row-49").await;
            open_pane.push(start.elapsed().as_secs_f64() * 1000.0);
            let counted = read(&c, "users-count").await;
            assert!(counted.contains("10001") || counted.contains("10 001") || counted.contains("10,001"), "{counted}");

            // A surname typed: the list shows its matches (the list waits 200 ms after the last keystroke).
            let wanted = format!("{:05}", 1000 + round * 37);
            typed.push(
                until(
                    &c,
                    &search(&wanted),
                    &format!("{}.includes({wanted:?}) && !document.getElementById('user-row-1')", text_of("user-login-0")),
                )
                .await,
            );
            cleared.push(until(&c, &search(""), "!!document.getElementById('user-row-49')").await);

            // Sort by login, descending, then back: the first row changes with each answer.
            let before = read(&c, "user-login-0").await;
            let sort = "const s = document.getElementById('users-sort'); s.value = 'login'; s.dispatchEvent(new Event('change', { bubbles: true })); const d = document.getElementById('users-descending'); d.click()";
            sorted.push(
                until(&c, sort, &format!("{} !== {before:?} && {}.startsWith('u09999')", text_of("user-login-0"), text_of("user-login-0")))
                    .await,
            );
            ui.click("users-descending").await;
            ui.text_contains("user-login-0", "cmartin").await;

            next.push(until(&c, &click("users-next"), &format!("{}.startsWith('Page 2 ')", text_of("users-page"))).await);
            editor.push(until(&c, &click("user-edit-3"), "!!document.getElementById('user-reset')").await);
            ui.click("user-edit-3").await;
            let s = "const s = document.getElementById('users-sort'); s.value = 'name'; s.dispatchEvent(new Event('change', { bubbles: true }))";
            c.execute(s, vec![]).await.unwrap();
            ui.text_contains("users-page", "Page 1 ").await;
        }
        println!("Users list, {USERS} users, 1280×860, time until the list shows the controller's answer:");
        report("open the pane (click to 50th row, via WebDriver)", open_pane);
        report("search: type a login (includes the 200 ms pause)", typed);
        report("search: clear it (50 rows back)", cleared);
        report("sort by login, descending", sorted);
        report("next page", next);
        report("open a user's editor", editor);
        let _ = c.close().await;
    });
}
