//! Enrolment round trip, p50/p95, against a `planhost-controller serve` process on 127.0.0.1:
//! - planhost: the console's client, as the app does it (new key pair and CSR, new TLS connection, enrol);
//! - curl: the same request (CSR made beforehand) sent by curl, a new process and connection each time;
//! - argon2id: the two password-hash checks the controller does per enrolment, the cost floor by design.
//!
//! Run: `scripts/bench` (or `cargo bench --bench enrolment`; PLANHOST_BENCH_N sets the count, default 50).

#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use planhost::api::EnrolRequest;
use planhost::client::{ControllerClient, Trust};
use std::process::Command;
use std::time::{Duration, Instant};

/// The sample at `percent` (0–100) of a sorted list, nearest rank.
fn percentile(sorted: &[Duration], percent: usize) -> f64 {
    let i = ((sorted.len() - 1) * percent + 50) / 100;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    let (p50, p95) = (percentile(&samples, 50), percentile(&samples, 95));
    println!(
        "{name:<28} n={:<4} p50 {p50:>7.2} ms   p95 {p95:>7.2} ms",
        samples.len()
    );
    p50
}

fn main() {
    planhost::init_crypto();
    let n: usize = std::env::var("PLANHOST_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("ctl");
    let (_server, address, account) = webdriver::start_controller(&data);
    let ca_pem = std::fs::read_to_string(data.join("ca.pem")).unwrap();
    let request = |csr_pem: String| EnrolRequest {
        hosting_number: account["hosting_number"].as_str().unwrap().into(),
        login: None,
        password: account["console_password"].as_str().unwrap().into(),
        invoice_number: account["invoice_number"].as_str().unwrap().into(),
        csr_pem,
        device_label: "bench".into(),
    };
    println!("enrolment round trip against planhost-controller at {address}, {n} runs each");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ours: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            let (_key, csr) = planhost::pki::new_device_key_and_csr().unwrap();
            let client = ControllerClient::new(&address, &Trust::Pinned(ca_pem.clone()), None).unwrap();
            rt.block_on(client.enrol(&request(csr))).unwrap();
            start.elapsed()
        })
        .collect();

    let ca_file = tmp.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let url = format!("https://{address}/api/v1/enrol");
    let theirs: Vec<Duration> = (0..n)
        .map(|i| {
            let body = tmp.path().join(format!("req{i}.json"));
            std::fs::write(
                &body,
                serde_json::to_vec(&request(planhost::pki::new_device_key_and_csr().unwrap().1)).unwrap(),
            )
            .unwrap();
            let start = Instant::now();
            let out = Command::new("curl")
                .args([
                    "-sS",
                    "--fail-with-body",
                    "--tlsv1.3",
                    "-H",
                    "content-type: application/json",
                    "--cacert",
                ])
                .arg(&ca_file)
                .arg("--data-binary")
                .arg(format!("@{}", body.display()))
                .arg(&url)
                .output()
                .unwrap();
            let elapsed = start.elapsed();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
            elapsed
        })
        .collect();

    let hash = planhost::controller::auth::hash_secret("bench-secret-1").unwrap();
    let parsed = argon2::password_hash::PasswordHash::new(&hash).unwrap();
    let floor: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..2 {
                use argon2::password_hash::PasswordVerifier;
                let _ = argon2::Argon2::default().verify_password(b"bench-secret-1", &parsed);
            }
            start.elapsed()
        })
        .collect();

    let ours = report("planhost client (enrol)", ours);
    let theirs = report("curl, same request", theirs);
    report("argon2id x2 (cost floor)", floor);
    println!("ratio planhost/curl p50: {:.2}", ours / theirs);
}
