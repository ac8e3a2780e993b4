//! The Configuration pane with 1,000 plannings (issue 6 §1.3: "1,000 plannings stay fluid"), in the real app window
//! against a real controller: time from a click or a keystroke to the next drawn frame, measured inside the page
//! (`performance.now()` until two animation frames have passed), median and worst of PLANHOST_BENCH_N rounds
//! (default 9). Also the time to open the pane from the shell and the app process tree's memory. Run: `scripts/bench`.

#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use fantoccini::{Client, Locator};
use planhost::api::ConfigChange;
use std::path::Path;
use std::time::{Duration, Instant};

const PLANNINGS: u32 = 1000;

/// Runs the `planhost` command line on the app's settings, answers on stdin.
fn planhost_cli(config: &Path, args: &[&str], stdin: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_planhost"))
        .args(args)
        .env("PLANHOST_CONFIG_DIR", config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{stdin}").unwrap();
    assert!(child.wait().unwrap().success(), "planhost {args:?}");
}

/// Milliseconds from running `action` in the page to the second animation frame after it.
async fn to_next_frame(c: &Client, action: &str) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1]; const start = performance.now(); {action}; \
         requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - start)));"
    );
    c.execute_async(&script, vec![]).await.unwrap().as_f64().unwrap()
}

fn search(text: &str) -> String {
    format!(
        "const s = document.getElementById('planning-search'); s.value = {text:?}; \
         s.dispatchEvent(new Event('input', {{ bubbles: true }}))"
    )
}

fn click(id: &str) -> String {
    format!("document.getElementById({id:?}).click()")
}

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{name:<52} n={:<3} median {:>7.1} ms   worst {:>7.1} ms",
        samples.len(),
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
}

async fn wait(c: &Client, id: &str) {
    c.wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} never appeared: {e}"));
}

async fn text(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

fn main() {
    let n: usize = std::env::var("PLANHOST_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    let (_controller, address, account) = webdriver::start_controller(&tmp.path().join("controller"));
    let field = |name: &str| account[name].as_str().unwrap().to_owned();
    let (hosting, password) = (field("hosting_number"), field("console_password"));
    planhost_cli(&config, &["connect", &address], &password);
    let answers = format!("{password}\n{}", field("invoice_number"));
    planhost_cli(&config, &["enroll", "--hosting-number", &hosting], &answers);
    planhost_cli(&config, &["login", "--hosting-number", &hosting], &password);
    planhost_cli(&config, &["licence", "--accept"], &password);
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
        wait(&c, "password").await;
        let field = c.find(Locator::Id("password")).await.unwrap();
        field.send_keys(&password).await.unwrap();
        c.find(Locator::Id("login-submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait(&c, "shell").await;

        let mut open_pane = Vec::new();
        let mut typed = Vec::new();
        let mut cleared = Vec::new();
        let mut editor = Vec::new();
        let mut more = Vec::new();
        for round in 0..n {
            // Away to another pane and back: the pane loads the configuration and draws its first 100 rows.
            c.find(Locator::Id("pane-information"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait(&c, "info-hosting-number").await;
            let start = Instant::now();
            c.find(Locator::Id("pane-configuration"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait(&c, "planning-row-99").await;
            open_pane.push(start.elapsed().as_secs_f64() * 1000.0);
            assert!(
                c.find(Locator::Id("planning-row-100")).await.is_err(),
                "100 rows at a time"
            );

            typed.push(to_next_frame(&c, &search(&format!("moulin {}", 3 * (round + 1)))).await);
            assert!(text(&c, "planning-search-count").await.contains(&PLANNINGS.to_string()));
            cleared.push(to_next_frame(&c, &search("")).await);
            editor.push(to_next_frame(&c, &click(&format!("planning-edit-{}", 10 + round))).await);
            wait(&c, &format!("planning-{}", 10 + round)).await;
            more.push(to_next_frame(&c, &click("planning-show-more")).await);
            wait(&c, "planning-row-199").await;
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
