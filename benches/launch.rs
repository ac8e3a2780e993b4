//! Launch to first screen: from asking WebDriver for a session (which starts the app) until the login screen's
//! heading is in the page, p50/p95 over PLANHOST_BENCH_N launches (default 10). The local controller starts inside
//! the app during that time, as it does for a user. Run: `scripts/bench` (needs a display and tauri-driver).

#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use fantoccini::Locator;
use std::time::{Duration, Instant};

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
        "launch to first screen of {}, {n} launches",
        webdriver::app_binary().display()
    );
    let mut samples: Vec<Duration> = rt.block_on(async {
        let mut samples = Vec::new();
        for _ in 0..n {
            let start = Instant::now();
            let client = webdriver::launch(&driver).await;
            client
                .wait()
                .at_most(Duration::from_secs(30))
                .every(Duration::from_millis(10))
                .for_element(Locator::Id("login-title"))
                .await
                .unwrap();
            samples.push(start.elapsed());
            client.close().await.unwrap();
        }
        samples
    });
    samples.sort();
    let pick = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    println!(
        "{:<28} n={:<4} p50 {:>7.1} ms   p95 {:>7.1} ms",
        "launch to login screen",
        samples.len(),
        pick(0.5),
        pick(0.95)
    );
}
