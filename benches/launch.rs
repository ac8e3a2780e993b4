//! Launch to first screen: from asking WebDriver for a session (which starts the app) until the login screen's
//! heading is in the page, p50/p95 over PLANHOST_BENCH_N launches (default 10). The local controller starts inside
//! the app during that time, as it does for a user.
//!
//! Then the memory of each once its first screen is shown: PSS of the main process and of its whole process tree.
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

/// The memory a process tree really uses, in MiB: PSS of the process alone and of it with all its descendants (the
/// WebKit web and network processes), from /proc/PID/smaps_rollup.
fn pss_mib(root: u32) -> (f64, f64) {
    let pss = |pid: u32| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Pss:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse().ok())
            })
            .unwrap_or(0)
    };
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            if let Some(ppid) = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)) {
                parents.push((pid, ppid.parse::<u32>().unwrap_or(0)));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    let kib = |v: u64| v as f64 / 1024.0;
    (kib(pss(root)), kib(tree.iter().map(|&p| pss(p)).sum()))
}

/// The process whose executable's name is `name` (one only in this benchmark).
fn pid_of(name: &str) -> u32 {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe.file_name().is_some_and(|f| f.to_string_lossy().starts_with(name)))
        })
        .unwrap_or_else(|| panic!("no {name} process"))
}

/// Waits for the page to settle after its first screen, then measures the process tree.
async fn settled_pss(name: &str) -> (f64, f64) {
    tokio::time::sleep(Duration::from_secs(3)).await;
    pss_mib(pid_of(name))
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

/// The console's memory once its login screen is shown.
async fn console_memory(driver: &webdriver::Driver) -> (f64, f64) {
    let client = webdriver::launch(driver).await;
    heading_shown(&client).await;
    let pss = settled_pss("planhost-console").await;
    client.close().await.unwrap();
    pss
}

/// MiniBrowser through WebKitWebDriver: new session, open the static page, wait for the heading.
/// With `shm`, MiniBrowser draws without GPU compositing (`WEBKIT_DISABLE_DMABUF_RENDERER=1`): what the console does
/// on a machine with no GPU render node, as under Xvfb here.
async fn reference(n: usize, page: &Path, shm: bool) -> (Vec<Duration>, (f64, f64)) {
    let port = webdriver::free_port();
    let mut command = Command::new("WebKitWebDriver");
    if shm {
        command.env("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    let spawned = command.arg(format!("--port={port}")).stdout(Stdio::null()).spawn();
    let _driver = webdriver::Killed(spawned.expect("WebKitWebDriver"));
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("file://{}", page.display());
    let mut samples = Vec::new();
    let mut memory = (0.0, 0.0);
    for round in 0..n {
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
        if round == n - 1 {
            memory = settled_pss("MiniBrowser").await;
        }
        client.close().await.unwrap();
    }
    (samples, memory)
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
    let (samples, mini) = rt.block_on(reference(n, &page, false));
    let floor = report("MiniBrowser, static page (reference)", samples);
    println!("ratio console/MiniBrowser p50: {:.2}", ours / floor);
    let (_, mini_shm) = rt.block_on(reference(1, &page, true));
    let console = rt.block_on(console_memory(&driver));
    println!("memory at the first screen (PSS, MiB)          main process   with WebKit processes");
    let row = |name: &str, (main, tree): (f64, f64)| println!("{name:<46} {main:>12.1}   {tree:>21.1}");
    row("planhost console (as shipped)", console);
    row("MiniBrowser, static page, default renderer", mini);
    row("MiniBrowser, static page, no compositing", mini_shm);
    for (name, (main, tree)) in [("default", mini), ("no compositing", mini_shm)] {
        println!(
            "ratio console/MiniBrowser ({name:<14})      {:>12.2}   {:>21.2}",
            console.0 / main,
            console.1 / tree
        );
    }
}
