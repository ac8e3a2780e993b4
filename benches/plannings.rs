//! The Configuration pane with 1,000 plannings (issue 6 §1.3: "1,000 plannings stay fluid"), in the real app window
//! against a real controller: time from a click or a keystroke to the next drawn frame, measured inside the page
//! (`performance.now()` until two animation frames have passed), median and worst of PLANHOST_BENCH_N rounds
//! (default 9), and the time to open the pane from the shell. Run: `scripts/bench`.

#[path = "support/page.rs"]
mod page;
#[path = "../tests/support/ui.rs"]
mod ui;
#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use fantoccini::Client;
use page::{click, report, typed};
use planhost::api::ConfigChange;
use std::time::Instant;

const PLANNINGS: u32 = 1000;

/// Milliseconds from running `action` in the page to the second animation frame after it.
async fn to_next_frame(c: &Client, action: &str) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1]; const start = performance.now(); {action}; \
         requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - start)));"
    );
    c.execute_async(&script, vec![]).await.unwrap().as_f64().unwrap()
}

fn search(text: &str) -> String {
    typed("planning-search", text)
}

fn main() {
    let n: usize = std::env::var("PLANHOST_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let tmp = tempfile::tempdir().unwrap();
    let (_controller, _, account, config) = ui::enrolled_machine(tmp.path(), true);
    let field = |name: &str| account[name].as_str().unwrap().to_owned();
    let (hosting, password) = (field("hosting_number"), field("console_password"));
    let licence = std::process::Command::new(env!("CARGO_BIN_EXE_planhost-controller"))
        .args(["account", "set-licence", "--data"])
        .arg(tmp.path().join("controller"))
        .args([
            &hosting,
            "--plannings",
            &PLANNINGS.to_string(),
            "--modification",
            "20",
            "--consultation",
            "200",
        ])
        .status()
        .unwrap();
    assert!(licence.success());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let console = planhost::console::Console::open(&config).unwrap();
        let start = Instant::now();
        for i in 2..=PLANNINGS {
            let name = match i % 3 {
                0 => format!("Collège Jean Moulin {i:04}"),
                1 => format!("Lycée Victor Hugo {i:04}"),
                _ => format!("École Jules Ferry {i:04}"),
            };
            console
                .apply(&ConfigChange::AddPlanning { name: Some(name) })
                .await
                .unwrap();
        }
        println!(
            "{} plannings added through the console's core in {:.1} s",
            PLANNINGS - 1,
            start.elapsed().as_secs_f64()
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

        let mut open_pane = Vec::new();
        let mut typed = Vec::new();
        let mut cleared = Vec::new();
        let mut editor = Vec::new();
        let mut more = Vec::new();
        for round in 0..n {
            // Away to another pane and back: the pane loads the configuration and draws its first 100 rows.
            ui.click("pane-information").await;
            ui.wait("info-hosting-number").await;
            let start = Instant::now();
            ui.click("pane-configuration").await;
            ui.wait("planning-row-99").await;
            open_pane.push(start.elapsed().as_secs_f64() * 1000.0);
            assert!(!ui.exists("planning-row-100").await, "100 rows at a time");

            typed.push(to_next_frame(&c, &search(&format!("moulin {}", 3 * (round + 1)))).await);
            assert!(ui.text("planning-search-count").await.contains(&PLANNINGS.to_string()));
            cleared.push(to_next_frame(&c, &search("")).await);
            editor.push(to_next_frame(&c, &click(&format!("planning-edit-{}", 10 + round))).await);
            ui.wait(&format!("planning-{}", 10 + round)).await;
            more.push(to_next_frame(&c, &click("planning-show-more")).await);
            ui.wait("planning-row-199").await;
        }
        println!("Configuration pane, {PLANNINGS} plannings, 1280×860, time to the next drawn frame:");
        report("open the pane (click to 100th row, via WebDriver)", open_pane);
        report("search: type a query", typed);
        report("search: clear it (100 rows back)", cleared);
        report("open a planning's editor", editor);
        report("show 100 more rows", more);
        let _ = c.close().await;
    });
}
