//! Launch to first screen: from asking WebDriver for a session (which starts the app) until the login screen's
//! heading is in the page, p50/p95 over PLANHOST_BENCH_N launches (default 10). The local controller starts inside
//! the app during that time, as it does for a user.
//!
//! Reference, in the same run: WebKitGTK's own MiniBrowser opening a static page with the same heading, through
//! WebKitWebDriver — the floor any WebKitGTK window pays. Run: `scripts/bench` (needs a display and tauri-driver).

#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

fn report(name: &str, mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    let pick = |percent: usize| samples[((samples.len() - 1) * percent + 50) / 100].as_secs_f64() * 1000.0;
    println!(
        "{name:<38} n={:<4} p50 {:>7.1} ms   p95 {:>7.1} ms",
        samples.len(),
        pick(50),
        pick(95)
    );
    pick(50)
}

async fn heading_shown(client: &Client) {
    let wait = client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(10));
    wait.for_element(Locator::Id("login-title")).await.unwrap();
}

/// The console: a tauri-driver session starts the app, whose first screen shows the heading.
async fn console(n: usize, driver: &webdriver::Driver) -> Vec<Duration> {
    let mut samples = Vec::new();
    for _ in 0..n {
        let start = Instant::now();
        let client = webdriver::launch(driver).await;
        heading_shown(&client).await;
        samples.push(start.elapsed());
        client.close().await.unwrap();
    }
    samples
}

/// MiniBrowser through WebKitWebDriver: new session, open the static page, wait for the heading.
async fn reference(n: usize, page: &Path) -> Vec<Duration> {
    let port = webdriver::free_port();
    let spawned = Command::new("WebKitWebDriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .spawn();
    let _driver = webdriver::Killed(spawned.expect("WebKitWebDriver"));
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("file://{}", page.display());
    let mut samples = Vec::new();
    for _ in 0..n {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "MiniBrowser".into());
        let options = serde_json::json!({ "binary": MINIBROWSER, "args": ["--automation"] });
        caps.insert("webkitgtk:browserOptions".into(), options);
        let start = Instant::now();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("MiniBrowser session");
        client.goto(&url).await.unwrap();
        heading_shown(&client).await;
        samples.push(start.elapsed());
        client.close().await.unwrap();
    }
    samples
}

fn main() {
    let n: usize = std::env::var("PLANHOST_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let tmp = tempfile::tempdir().unwrap();
    let driver = webdriver::start_driver(&tmp.path().join("config"), &tmp.path().join("data"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "launch to first screen of {}, {n} launches each",
        webdriver::app_binary().display()
    );
    let ours = report("planhost console to login screen", rt.block_on(console(n, &driver)));
    let page = tmp.path().join("page.html");
    std::fs::write(
        &page,
        "<!doctype html><h1 id=\"login-title\">Connexion à la console d'hébergement</h1>",
    )
    .unwrap();
    let floor = report("MiniBrowser, static page (reference)", rt.block_on(reference(n, &page)));
    println!("ratio console/MiniBrowser p50: {:.2}", ours / floor);
}
